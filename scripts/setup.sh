#!/usr/bin/env bash
# Installs everything sepconv-wasm needs on Debian 12 with Node.js 20 (as root), then builds.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang and libclang-rt-14-dev: the sanitizer build and the fuzzer (scripts/test-native-sanitizers.sh,
# scripts/fuzz.sh) need clang-14 with its sanitizer and libFuzzer runtimes.
packages=(emscripten libsimde-dev cmake g++ libgtest-dev chromium clang libclang-rt-14-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
bash scripts/build.sh
