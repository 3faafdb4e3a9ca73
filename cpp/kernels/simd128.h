// The WASM SIMD128 intrinsics. In a wasm build they are the compiler's own; in a native
// build SIMDe implements the same functions, so native unit tests run the exact kernel code.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_WASM_SIMD128_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif
