#!/usr/bin/env bash
# The whole test suite: native C++ unit tests (ctest), the same under AddressSanitizer and
# UndefinedBehaviorSanitizer (clang-14), a bounded fuzz run, then the wasm build under Jest.
# SEPCONV_FUZZ_SECONDS sets the fuzz run's length (default 60; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-native.sh
bash scripts/test-native-sanitizers.sh
fuzz_seconds=${SEPCONV_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  bash scripts/fuzz.sh "$fuzz_seconds"
fi
bash scripts/build.sh
npx jest --ci
