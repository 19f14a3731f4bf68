// The AVX2 + FMA path (x86-64 only).
#if defined(__x86_64__)
#pragma clang fp contract(off)
#define JVI_ISA avx2
#define JVI_FUSED 1
#define JVI_GEMM_NARROW 0
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "kernels_body.h"
#pragma clang attribute pop
#endif
