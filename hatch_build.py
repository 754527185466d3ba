"""Wheel build hook: the engine's hot path compiled to C with mypyc, when mypyc and a C compiler work.

A check runs ~10 rules' condition trees in Python per reply; compiled by mypyc the same typed
modules run 1.3-1.6x faster (README, Performance). The compiled modules replace nothing: the .py
files ship too, and any failure here (no C compiler, a mypyc that cannot build) leaves a pure-Python
wheel with a warning, never a failed install. TACTFUL_PURE_PYTHON=1 forces the pure wheel; editable
installs (pip install -e) are always pure, so a source edit takes effect without a rebuild.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# The modules a check runs per reply. Their annotations are enforced at run time once compiled.
COMPILED = (
    "tactful/conditions/spans.py",
    "tactful/conditions/scan.py",
    "tactful/conditions/nodes.py",
    "tactful/conditions/clauses.py",
    "tactful/conditions/segments.py",
    "tactful/conditions/conversation.py",
    "tactful/compile/matchers.py",
    "tactful/compile/gates.py",
    "tactful/compile/prefilter.py",
    "tactful/compile/rules.py",
    "tactful/engine/check.py",
    "tactful/engine/rewrite.py",
    "tactful/text/offsets.py",
    # Not the engine's: the service's answer written as protobuf bytes, a third of what our code
    # costs per violating call in the running server (interpreted: ~10 us for two violations).
    "tactful/server/response.py",
    # The service's per-call bookkeeping, interpreted ~90k instructions a call under callgrind (more than the
    # answer's writing): the decision line, and the telemetry that batches it with the metrics.
    "tactful/server/decisions.py",
    "tactful/server/telemetry.py",
    "tactful/server/inline.py",  # and the request's own path around the engine (servicer.py keeps the RPCs)
)
SOURCE = "service"  # the directory holding the tactful package
# Untyped third-party packages (re2) are Any; modules that are imported but not compiled are not reported on.
_MYPY_FLAGS = ["--ignore-missing-imports", "--follow-imports=silent"]


class CompiledCore(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._tmp: str | None = None
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get("TACTFUL_PURE_PYTHON", "") not in ("", "0"):
            self.app.display_info("tactful: TACTFUL_PURE_PYTHON set, building a pure-Python wheel")
            return
        self._tmp = tempfile.mkdtemp(prefix="tactful-mypyc-")
        try:
            built = _compile(Path(self.root) / SOURCE, Path(self._tmp))
        except (Exception, SystemExit) as exc:  # any failure (mypy exits on a type error) means: ship pure Python
            self.app.display_warning(f"tactful: compiled core not built ({type(exc).__name__}: {exc}); installing pure Python")
            return
        for path, dest in built:
            build_data["force_include"][str(path)] = dest
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        self.app.display_info(f"tactful: compiled core built ({len(built)} extension modules)")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


def _compile(source: Path, work: Path) -> list[tuple[Path, str]]:
    """mypyc the COMPILED modules into `work`; (built extension, its path inside the wheel)."""
    from mypyc.build import mypycify
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    cwd = os.getcwd()
    os.chdir(source)  # mypyc names modules from paths relative to here (tactful/engine/check.py -> tactful.engine.check)
    try:
        extensions = mypycify(
            [*_MYPY_FLAGS, f"--cache-dir={work / 'mypy_cache'}", *COMPILED], opt_level="3", target_dir=str(work / "c"), group_name="tactful"
        )
        dist = Distribution({"name": "tactful", "ext_modules": extensions})
        cmd = build_ext(dist)
        cmd.build_lib = str(work / "lib")
        cmd.build_temp = str(work / "tmp")
        cmd.ensure_finalized()
        old_argv = sys.argv
        try:
            cmd.run()
        finally:
            sys.argv = old_argv
    finally:
        os.chdir(cwd)
    lib = work / "lib"
    built = [(p, p.relative_to(lib).as_posix()) for p in lib.rglob("*") if p.suffix in (".so", ".pyd")]
    if len(built) < len(COMPILED):
        raise RuntimeError(f"mypyc built {len(built)} modules, expected {len(COMPILED)} and their shared library")
    return built
