#!/usr/bin/env bash
# Builds the SIMD peak microbenchmark (bench/simd_peak.cc) into dist/bench/simd_peak.{js,wasm}.
# Single-threaded on purpose: the peak it reports is one thread's.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Emscripten runs its JS optimizer with Debian's acorn, outside node's default paths.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
mkdir -p dist/bench
emcc -O3 -msimd128 bench/simd_peak.cc -o dist/bench/simd_peak.js \
  -sMODULARIZE=1 -sEXPORT_NAME=createPeak -sENVIRONMENT=node \
  -sEXPORTED_FUNCTIONS=_peak_f32x4
