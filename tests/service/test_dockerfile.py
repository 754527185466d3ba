"""The Dockerfile's steps are right even where no Docker engine runs: what it copies exists, and what it runs exists."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _exec_form(rest: str) -> list[str]:
    return list(json.loads(rest))


def test_base_image_is_slim_official_python_at_the_supported_floor():
    (base,) = [rest for kw, rest in _instructions() if kw == "FROM"]
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert base == f"python:{floor.removeprefix('>=')}-slim"


def test_every_copied_path_exists_and_the_build_has_what_pyproject_needs():
    sources = [src for kw, rest in _instructions() if kw == "COPY" for src in shlex.split(rest)[:-1]]
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), f"Dockerfile copies {src}, which is not in the repository"
    copied = {s.rstrip("/") for s in sources}
    assert {"pyproject.toml", "README.md", "grammar", "rules", "service"} <= copied
    assert "pip install ." in " ".join(rest for kw, rest in _instructions() if kw == "RUN")


def test_runs_as_a_non_root_user():
    users = [rest for kw, rest in _instructions() if kw == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_exposes_the_grpc_and_metrics_ports_it_configures():
    exposed = {p for kw, rest in _instructions() if kw == "EXPOSE" for p in rest.split()}
    env = " ".join(rest for kw, rest in _instructions() if kw == "ENV")
    assert exposed == {"50051", "9090"}
    assert "TACTFUL_PORT=50051" in env and "TACTFUL_METRICS_PORT=9090" in env and "TACTFUL_HOST=0.0.0.0" in env


def test_entrypoint_is_the_tactful_serve_console_script():
    (entry,) = [_exec_form(rest) for kw, rest in _instructions() if kw == "ENTRYPOINT"]
    assert entry == ["tactful", "serve"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["tactful"] == "tactful.cli.main:main"


def test_healthcheck_command_runs_and_reports_serving(shared_server):
    """The HEALTHCHECK's exact command, pointed at a real server: exit 0 and SERVING."""
    (health,) = [rest for kw, rest in _instructions() if kw == "HEALTHCHECK"]
    command = _exec_form(health.partition("CMD ")[2])
    assert command[:3] == ["python", "-m", "tactful.server.healthcheck"]
    args = command[3:]
    args[args.index("--target") + 1] = shared_server.target
    done = subprocess.run(
        [sys.executable, "-m", "tactful.server.healthcheck", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SERVING" in done.stdout


def test_healthcheck_fails_when_nothing_listens():
    done = subprocess.run(
        [sys.executable, "-m", "tactful.server.healthcheck", "--target", "127.0.0.1:1", "--timeout", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "UNAVAILABLE" in done.stdout
