#!/usr/bin/env bash
# Lint the API with `buf lint` (STANDARD rules, see buf.yaml). The buf CLI ships in the npm package
# @bufbuild/buf; it is installed once into a cache directory so CI needs only node/npm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUF_VERSION="1.75.0"
CACHE="${TACTFUL_BUF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tactful/buf-$BUF_VERSION}"
BUF="$CACHE/node_modules/.bin/buf"
if [ ! -x "$BUF" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "proto/lint.sh: npm is needed to install the buf CLI (apt-get install -y npm)" >&2
    exit 2
  fi
  mkdir -p "$CACHE"
  npm install --silent --no-audit --no-fund --prefix "$CACHE" "@bufbuild/buf@$BUF_VERSION" >&2
fi
cd "$ROOT"
"$BUF" lint
echo "buf lint: ok ($("$BUF" --version))"
