"""The committed stubs are exactly what proto/generate.sh's pinned grpcio-tools makes of the .proto today."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ("checker_pb2.py", "checker_pb2.pyi", "checker_pb2_grpc.py")


def _pinned_version() -> str:
    script = (ROOT / "proto" / "generate.sh").read_text(encoding="utf-8")
    match = re.search(r'GRPCIO_TOOLS_VERSION="([^"]+)"', script)
    assert match, "proto/generate.sh must pin GRPCIO_TOOLS_VERSION"
    return match.group(1)


def test_generator_pin_matches_the_test_extra():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"grpcio-tools=={_pinned_version()}"' in pyproject


def test_committed_stubs_match_a_fresh_generation(tmp_path):
    from grpc_tools import protoc  # test-only dependency: the runtime never needs grpcio-tools

    installed = importlib.metadata.version("grpcio-tools")
    if installed != _pinned_version():
        pytest.fail(f"grpcio-tools {installed} is installed but proto/generate.sh pins {_pinned_version()}: pip install '.[test]'")
    include = str(Path(protoc.__file__).parent / "_proto")  # google/protobuf/*.proto shipped with grpcio-tools
    args = [
        "grpc_tools.protoc",
        "-I", str(ROOT / "proto"),
        "-I", include,
        f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", f"--grpc_python_out={tmp_path}",
        str(ROOT / "proto" / "tactful" / "v1" / "checker.proto"),
    ]  # fmt: skip
    assert protoc.main(args) == 0
    for name in GENERATED:
        fresh = (tmp_path / "tactful" / "v1" / name).read_bytes()
        committed = (ROOT / "service" / "tactful" / "v1" / name).read_bytes()
        assert fresh == committed, f"service/tactful/v1/{name} is stale: run proto/generate.sh and commit the result"
