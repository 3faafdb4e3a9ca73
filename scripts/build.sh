#!/usr/bin/env bash
# Builds the three wasm variants into dist/wasm and dist/web (threaded-simd, simd, baseline; incremental) with
# Debian's Emscripten, checks that the baseline build has no SIMD, and bundles the browser entry.
set -euo pipefail
cd "$(dirname "$0")/.."
# Emscripten's JS optimizer needs Debian's acorn, which lives outside node's default paths.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/wasm -j2

# The baseline build must run where WebAssembly SIMD does not: binaryen (a dependency of
# Debian's emscripten) validates it with every wasm feature except SIMD enabled.
if command -v wasm-opt >/dev/null; then
  if ! wasm-opt --all-features --disable-simd dist/wasm/sepconv-baseline.wasm -o /dev/null 2>/dev/null; then
    echo "build.sh: dist/wasm/sepconv-baseline.wasm contains SIMD instructions" >&2
    exit 1
  fi
else
  echo "build.sh: wasm-opt not found; not checking that the baseline build is free of SIMD" >&2
fi

# The browser entry (dist/web/sepconv-wasm.mjs): one ES module, which imports the builds beside
# it (dist/web/sepconv-*.mjs) only when chosen, by relative paths that consumers' bundlers follow.
node scripts/embed_sources.js
node_modules/.bin/esbuild web/index.mjs --bundle --format=esm --target=es2020 --log-level=warning \
  --external:./sepconv-simd.mjs --external:./sepconv-baseline.mjs \
  --external:./sepconv-threaded-simd.sources.mjs --outfile=dist/web/sepconv-wasm.mjs
# The same as CommonJS, for environments that require() the browser build: Jest with jsdom.
# They have no Web Workers (so no threads), and CommonJS has no import.meta: the single-thread
# builds are bundled in.
node_modules/.bin/esbuild dist/web/sepconv-wasm.mjs --bundle --format=cjs --target=es2020 --log-level=warning \
  --log-override:empty-import-meta=silent --external:./sepconv-threaded-simd.sources.mjs \
  --outfile=dist/web/sepconv-wasm.cjs
