// The AVX-512 path (x86-64 only): the AVX2 path's source compiled for AVX-512 F/VL/DQ/BW. The
// vectors stay 256 bits wide and every operation is the same, so its results are the AVX2 path's
// bits; the 32 vector registers keep the polynomials' constants and more independent exps in
// flight (1.33x on the exp sums on AMD Zen 4). The matrix multiply is the AVX2 path's own: this
// build of its tiles measured 13% slower (docs/performance.md).
#if defined(__x86_64__)
#pragma clang fp contract(off)
#define JVI_ISA avx512
#define JVI_FUSED 1
#define JVI_GEMM_NARROW 0
#define JVI_GEMM_ISA avx2
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), \
                             apply_to = function)
#include "kernels_body.h"
#pragma clang attribute pop
#endif
