#!/usr/bin/env bash
# Builds the wasm module into dist/wasm with Debian's Emscripten (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
# Emscripten's JS optimizer needs Debian's acorn, which lives outside node's default paths.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/wasm -j2
# The browser entry: one ES module bundling the wrapper with the browser loader.
node_modules/.bin/esbuild web/index.mjs --bundle --format=esm --target=es2020 --log-level=warning \
  --outfile=dist/web/sepconv-wasm.mjs
