#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (onnxruntime-node, pinned in
# test/peer/package.json) into a project-local node_modules, for the tests
# that use ONNX Runtime as the numerical reference peer (test/peer/).
#
#   scripts/setup_ort.sh [DIR]     DIR defaults to test/peer (-> test/peer/node_modules)
#
# Idempotent: a fast no-op when the pinned version is already installed.
# Never fails the caller: when node/npm is missing or the registry is
# unreachable it prints one line saying why, writes DIR/node_modules/.ort-unavailable
# (holding that reason) and exits 0; ort_peer.py then skips ORT comparisons
# and prints the reason. The install uses --ignore-scripts: the CPU binaries
# ship inside the npm package, and the postinstall script would only try to
# download CUDA/TensorRT extras.
set -uo pipefail

ORT_VERSION=1.30.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/test/peer}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
MARKER="$DIR/node_modules/.ort-unavailable"
PKG_JSON="$DIR/node_modules/onnxruntime-node/package.json"

unavailable() {
  echo "setup_ort: ONNX Runtime unavailable: $1 (ORT comparisons will be skipped)"
  mkdir -p "$DIR/node_modules"
  printf '%s\n' "$1" > "$MARKER"
  exit 0
}

installed_version() {
  [ -f "$PKG_JSON" ] || return 1
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$PKG_JSON" | head -n1
}

# Fast path. A marker left by a failed run (e.g. the binding did not load)
# forces the full install-and-check again.
if [ ! -f "$MARKER" ] && [ "$(installed_version 2>/dev/null)" = "$ORT_VERSION" ]; then
  exit 0
fi

command -v node >/dev/null 2>&1 || unavailable "node is not installed"
command -v npm >/dev/null 2>&1 || unavailable "npm is not installed"

# A DIR other than test/peer gets its own copy of the pinned package.json.
if [ ! -f "$DIR/package.json" ]; then
  cp "$ROOT/test/peer/package.json" "$DIR/package.json"
fi

echo "setup_ort: installing onnxruntime-node@$ORT_VERSION into $DIR/node_modules" >&2
LOG="$(mktemp)"
if ! (cd "$DIR" && timeout 600 npm install --ignore-scripts --no-audit --no-fund \
        --no-save "onnxruntime-node@$ORT_VERSION") >"$LOG" 2>&1; then
  why="$(grep -m1 -iE 'ERR!? (code|network)|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|E40[0-9]' "$LOG" \
         | sed 's/^npm //' )"
  rm -f "$LOG"
  unavailable "npm install onnxruntime-node@$ORT_VERSION failed${why:+: $why}"
fi
rm -f "$LOG"

[ "$(installed_version 2>/dev/null)" = "$ORT_VERSION" ] \
  || unavailable "npm finished but onnxruntime-node@$ORT_VERSION is not in $DIR/node_modules"
# Check the native binding loads on this machine (CPU binary for this platform).
if ! why="$(cd "$DIR" && node -e 'require("onnxruntime-node")' 2>&1)"; then
  unavailable "onnxruntime-node does not load: $(printf '%s' "$why" | grep -m1 -E 'Error' || echo "node exit")"
fi
rm -f "$MARKER"
echo "setup_ort: onnxruntime-node@$ORT_VERSION ready" >&2
exit 0
