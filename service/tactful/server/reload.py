"""The rules being served, and their hot reload: compile off the request path, test, then swap one reference.

A reload is triggered by a change to any file under the rules path (polled by mtime, size and
inode) or by SIGHUP. The new library must compile and pass every embedded example; only then does
it replace the old one, in a single attribute assignment, so a request that already read the old
library finishes on it. Any failure keeps the last good library and is logged with file:line:col.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.lang.diagnostics import CompileError, Diagnostic
from tactful.server import memory
from tactful.server.logging import get_logger
from tactful.tester import run_examples

Fingerprint = tuple[tuple[str, int, int, int], ...]
LibraryKey = tuple[str | None, tuple[tuple[str, str], ...]]
_KEPT_SOURCES = 3  # the served library's copy, plus the ones requests still in flight may name


def library_key(library: Library) -> LibraryKey:
    """What decides a library's answers: the default ruleset and every ruleset's content hash."""
    return library.default_name, tuple(sorted((name, rs.version) for name, rs in library.rulesets.items()))


class LoadFailed(Exception):
    """The rules at the path cannot be served; `problems` are log-ready dicts with a location."""

    def __init__(self, summary: str, problems: list[dict[str, object]]) -> None:
        super().__init__(summary)
        self.problems = problems


def fingerprint(path: Path) -> Fingerprint:
    """What changes when any rule file is edited, added, removed or replaced."""
    if path.is_file():
        files = [path]
    else:
        files = sorted(p for p in path.rglob("*") if not any(part.startswith(".") for part in p.relative_to(path).parts))
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue  # deleted between listing and stat: the next poll sees the removal
        if f.is_file():
            out.append((str(f), st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(out)


def _diagnostic_fields(d: Diagnostic) -> dict[str, object]:
    fields: dict[str, object] = {"code": d.code, "message": d.message}
    if d.span is not None:
        fields.update(location=str(d.span), path=d.span.path, line=d.span.line, col=d.span.column)
    if d.hint:
        fields["hint"] = d.hint
    return fields


def load(path: Path, default_ruleset: str | None) -> Library:
    """Compile `path`, run its embedded examples and check the default ruleset exists.

    Raises:
        LoadFailed: with one problem per compile diagnostic or failing example.
    """
    try:
        library = compile_path(path)
    except CompileError as err:
        raise LoadFailed(f"{len(err.diagnostics)} compile error(s)", [_diagnostic_fields(d) for d in err.diagnostics]) from None
    failed = [o for o in run_examples(library) if not o.passed]
    if failed:
        problems: list[dict[str, object]] = [
            {"code": "example", "location": o.location, "rule": o.rule, "message": o.reason} for o in failed
        ]
        raise LoadFailed(f"{len(failed)} embedded example(s) fail", problems)
    if default_ruleset is not None:
        if default_ruleset not in library.rulesets:
            available = ", ".join(library.names)
            raise LoadFailed(
                f"default ruleset {default_ruleset!r} is not defined",
                [{"code": "default-ruleset", "message": f"--default-ruleset {default_ruleset!r} is not one of: {available}"}],
            )
        library = dataclasses.replace(library, default_name=default_ruleset)
    return library


class RulesHolder:
    """Holds the library being served and replaces it when the rules change and still pass their examples."""

    def __init__(
        self,
        path: Path,
        default_ruleset: str | None = None,
        on_swap: Callable[[Library], None] | None = None,
        on_failure: Callable[[LoadFailed], None] | None = None,
        keep_sources: bool = False,
    ) -> None:
        self.path = path
        self.default_ruleset = default_ruleset
        self.library: Library | None = None  # read once per request; replaced, never mutated
        self._on_swap = on_swap or (lambda _lib: None)
        self._on_failure = on_failure or (lambda _err: None)
        self._attempted: Fingerprint | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one compile at a time (watcher vs. SIGHUP vs. a test)
        self._thread: threading.Thread | None = None
        self._log = get_logger("tactful.reload")
        # With keep_sources, each loaded library also gets a private copy of the files it was
        # compiled from, so another process can compile exactly the same rules later, even after
        # the files under `path` were edited or broken (check pool processes do this).
        self.sources: dict[LibraryKey, Path] = {}
        self._sources_dir = Path(tempfile.mkdtemp(prefix="tactful-rules-")) if keep_sources else None
        self._copies = 0

    def load_initial(self) -> Library:
        """The first load: failures propagate, since there is no last good library to fall back on."""
        with self._lock:
            self._attempted = fingerprint(self.path)
            copy = self._copy_sources()
            try:
                library = load(self.path, self.default_ruleset)
            except BaseException:
                self._drop(copy)
                raise
            self._swap(library, initial=True, copy=copy)
            return library

    def reload(self) -> bool:
        """Try to load the rules again; True if a new library is now served."""
        with self._lock:
            self._attempted = fingerprint(self.path)
            copy = self._copy_sources()
            try:
                library = load(self.path, self.default_ruleset)
            except LoadFailed as err:
                self._drop(copy)
                for problem in err.problems:
                    self._log.error("rule problem", **problem)
                self._log.error("reload failed; still serving the last good rules", reason=str(err), **self._versions())
                self._on_failure(err)
                return False
            except Exception:
                # A compiler fault must not kill the watcher thread: keep serving, surface it loudly.
                self._drop(copy)
                self._log.exception("reload failed with an internal error; still serving the last good rules")
                self._on_failure(LoadFailed("internal error", []))
                return False
            self._swap(library, initial=False, copy=copy)
            return True

    def request_reload(self) -> None:
        """Ask the watcher for a reload now (SIGHUP); safe to call from a signal handler."""
        self._wake.set()

    def watch(self, interval: float = 1.0) -> None:
        """Poll the rules path every `interval` seconds on a daemon thread (0: only reload when asked, e.g. SIGHUP)."""
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="tactful-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _watch(self, interval: float) -> None:
        while not self._stop.is_set():
            forced = self._wake.wait(interval or None)
            self._wake.clear()
            if self._stop.is_set():
                return
            if forced or fingerprint(self.path) != self._attempted:
                self._reload_and_release()

    def _reload_and_release(self) -> None:
        """A reload, then the memory of the replaced library (or of the refused compile) back to the OS:
        without this, a worker's RSS stepped up by a compile's worth at some reloads and stayed there."""
        previous = self.library
        self.reload()
        replaced = weakref.ref(previous) if previous is not None and previous is not self.library else None
        del previous  # only requests still in flight may hold it now
        memory.release(replaced, interrupted=lambda: self._wake.is_set() or self._stop.is_set())  # a new reload goes first
        self._log.info("memory released after reload", rss_mb=memory.rss_mb(), trimmed=memory.trim_available())

    def discard_sources(self) -> None:
        """Remove the copies kept for keep_sources (on shutdown, once no request can name them)."""
        if self._sources_dir is not None:
            shutil.rmtree(self._sources_dir, ignore_errors=True)
        self.sources = {}

    def _copy_sources(self) -> Path | None:
        """Copy the rules before compiling them: the copy then holds what was compiled, or newer files that the
        next poll compiles anyway (a process compiling the copy checks that it got the version it was asked for)."""
        if self._sources_dir is None:
            return None
        self._copies += 1
        dest = self._sources_dir / str(self._copies)
        if self.path.is_file():
            dest.mkdir()
            shutil.copy2(self.path, dest / self.path.name)
            return dest / self.path.name
        shutil.copytree(self.path, dest / self.path.name, ignore=shutil.ignore_patterns(".*"))
        return dest / self.path.name

    def _drop(self, copy: Path | None) -> None:
        if copy is not None:
            shutil.rmtree(copy.parent, ignore_errors=True)

    def _swap(self, library: Library, initial: bool, copy: Path | None = None) -> None:
        if copy is not None:
            # Registered before the library is served, so whoever reads the new library finds its copy.
            key = library_key(library)
            self._drop(self.sources.pop(key, None))  # the same rules again (e.g. SIGHUP): keep only the newest copy
            self.sources[key] = copy
            while len(self.sources) > _KEPT_SOURCES:
                self._drop(self.sources.pop(next(iter(self.sources))))
        self.library = library
        self._log.info("rules loaded" if initial else "rules reloaded", path=str(self.path), **self._versions())
        self._on_swap(library)

    def _versions(self) -> dict[str, object]:
        lib = self.library
        return {"versions": {n: rs.version for n, rs in lib.rulesets.items()}} if lib else {}
