#!/usr/bin/env bash
# Builds the kernels natively (SIMD through SIMDe) and runs the GoogleTest suite under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release
cmake --build build/native -j2
ctest --test-dir build/native --output-on-failure
