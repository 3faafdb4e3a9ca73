#!/usr/bin/env bash
# Builds the native GoogleTest suite with clang-14 under AddressSanitizer and
# UndefinedBehaviorSanitizer into build/native-asan and runs it under ctest. Any report is fatal:
# -fno-sanitize-recover=all turns UBSan's warnings into aborts, and ASan aborts on its first error
# (leaks included).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/native-asan
sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
# A directory configured with another compiler (or flags) cannot be reused: start it afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
# -O1 keeps SIMDe's intrinsics fast enough while stack traces stay readable; assertions stay on.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
  "-DCMAKE_CXX_FLAGS=$sanitize" "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" \
  "-DCMAKE_EXE_LINKER_FLAGS=$sanitize" >/dev/null
cmake --build "$build" -j2

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ctest --test-dir "$build" --output-on-failure -j2
