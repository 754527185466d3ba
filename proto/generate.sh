#!/usr/bin/env bash
# Regenerate the committed Python stubs in service/tactful/v1/ from proto/tactful/v1/*.proto.
# The generator is pinned: the stubs are byte-compared against a fresh generation by
# tests/service/test_stubs_fresh.py, so a different grpcio-tools would show up as a diff.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRPCIO_TOOLS_VERSION="1.85.1"
PYTHON="${PYTHON:-python3}"
have="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("grpcio-tools"))' 2>/dev/null || true)"
if [ "$have" != "$GRPCIO_TOOLS_VERSION" ]; then
  echo "proto/generate.sh: needs grpcio-tools==$GRPCIO_TOOLS_VERSION (found: ${have:-none});" \
       "run: $PYTHON -m pip install grpcio-tools==$GRPCIO_TOOLS_VERSION" >&2
  exit 2
fi
cd "$ROOT"
"$PYTHON" -m grpc_tools.protoc -I proto \
  --python_out=service --pyi_out=service --grpc_python_out=service \
  proto/tactful/v1/*.proto
echo "generated: $(ls service/tactful/v1/*_pb2*)"
