// The baseline path: the build target's own instruction set (x86-64: SSE2, no FMA, so FMA() is a
// multiply then an add; arm64: NEON, whose FMA is fused).
#pragma clang fp contract(off)
#define JVI_ISA baseline
#if defined(__x86_64__) && !defined(__FMA__)
#define JVI_FUSED 0
#else
#define JVI_FUSED 1
#endif
#define JVI_GEMM_NARROW 1
#include "kernels_body.h"
