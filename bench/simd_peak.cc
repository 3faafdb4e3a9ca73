// Measured WebAssembly SIMD peak of one thread: independent chains of f32x4 multiply then add
// (acc = acc * a + b). WebAssembly SIMD (without relaxed-simd) has no fused multiply-add, so
// a mul and an add per lane per step is the best any f32 kernel compiled with -msimd128 can
// do: the yardstick for "% of peak". Enough chains run side by side to hide the mul+add
// latency and keep every multiply and add port busy; too many would spill registers (x86-64
// has 16 xmm registers), so the caller tries a few counts and keeps the fastest.

#include <emscripten/emscripten.h>
#include <wasm_simd128.h>

namespace {

template <int kChains>
float Chains(int iterations, float a, float b) {
  v128_t acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = wasm_f32x4_splat(1.0f + 0.001f * i);
  const v128_t va = wasm_f32x4_splat(a);
  const v128_t vb = wasm_f32x4_splat(b);
  for (int it = 0; it < iterations; ++it) {
    // A constant trip count: clang unrolls it, leaving kChains independent mul->add chains.
    for (int i = 0; i < kChains; ++i) acc[i] = wasm_f32x4_add(wasm_f32x4_mul(acc[i], va), vb);
  }
  // The result is returned so that the loop cannot be removed as dead code.
  v128_t sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = wasm_f32x4_add(sum, acc[i]);
  return wasm_f32x4_extract_lane(sum, 0) + wasm_f32x4_extract_lane(sum, 1) +
         wasm_f32x4_extract_lane(sum, 2) + wasm_f32x4_extract_lane(sum, 3);
}

}  // namespace

extern "C" {

// Runs `iterations` steps of `chains` chains: 8 flops (4 lanes x mul+add) per chain and step.
// a and b come from the caller so nothing is known at compile time; with a just under 1 and
// b small the values settle near b / (1 - a) and never become denormal or infinite.
EMSCRIPTEN_KEEPALIVE float peak_f32x4(int chains, int iterations, float a, float b) {
  switch (chains) {
    case 6: return Chains<6>(iterations, a, b);
    case 8: return Chains<8>(iterations, a, b);
    case 10: return Chains<10>(iterations, a, b);
    case 12: return Chains<12>(iterations, a, b);
    case 14: return Chains<14>(iterations, a, b);
    default: return -1.0f;  // the caller asked for a count that is not compiled in
  }
}

}  // extern "C"
