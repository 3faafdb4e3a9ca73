#!/usr/bin/env bash
# The whole test suite: native C++ unit tests (ctest), then the wasm build under Jest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-native.sh
bash scripts/build.sh
npx jest --ci
