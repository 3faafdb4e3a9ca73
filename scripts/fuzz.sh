#!/usr/bin/env bash
# Builds the libFuzzer target tests/fuzz/separable_conv2d_fuzz.cc with clang-14 (ASan + UBSan,
# any report fatal) into build/fuzz and runs it for [seconds] (default 60) on one core, starting
# from the seed corpus tests/fuzz/seeds and the kept regressions. New interesting inputs go to
# build/fuzz/corpus; a crash or a disagreement with the oracle is written to build/fuzz/artifacts/
# and fails this script. Fuzz longer:  bash scripts/fuzz.sh 3600
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
build=build/fuzz
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 -DSEPCONV_FUZZ=ON \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" >/dev/null
cmake --build "$build" --target separable_conv2d_fuzz -j2

mkdir -p "$build/corpus" "$build/artifacts"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# -max_len 4096: enough for the header and the values of mid-sized tensors (a generator fills
# the rest); -timeout: one input runs in milliseconds, so 20 s means a hang.
log="$build/fuzz.log"
status=0
"$build/separable_conv2d_fuzz" "$build/corpus" tests/fuzz/seeds tests/fuzz/regressions \
  -max_total_time="$seconds" -max_len=4096 -timeout=20 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" >"$log" 2>&1 || status=$?
# The progress lines are many; show the rest (the start, a crash's report, the final stats).
grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|^"|^###### ' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz: separable_conv2d_fuzz failed (exit $status): see $log; the input is in $build/artifacts/." >&2
  echo "Keep it in tests/fuzz/regressions/ (FuzzReplay.Regressions replays it) once it is fixed." >&2
  exit "$status"
fi
echo "fuzz: no crash in ${seconds}s; $(ls "$build/corpus" | wc -l) inputs in $build/corpus"
