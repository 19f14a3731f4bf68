// Vector types and helpers shared by every instruction-set build of kernels_body.h.
//
// The kernels are written once in clang's vector extensions; isa_*.c compile them for one target
// each. Contraction is off everywhere (`#pragma clang fp contract(off)` in each isa_*.c): the only
// fused multiply-adds are the explicit FMA() calls, which mirror the Swift reference's
// `addingProduct`, so a path with FMA gives the reference's bits.
#ifndef JVI_KERNELS_COMMON_H
#define JVI_KERNELS_COMMON_H

#include <math.h>
#include <stddef.h>

#include "jvi_kernels.h"

// The vector helpers are always inlined: their by-value vector arguments never cross a real call,
// whatever the target's vector width.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double d4 __attribute__((ext_vector_type(4)));
typedef double d2 __attribute__((ext_vector_type(2)));
typedef double d8 __attribute__((ext_vector_type(8)));
typedef float f8 __attribute__((ext_vector_type(8)));
typedef float f4 __attribute__((ext_vector_type(4)));
typedef long l4 __attribute__((ext_vector_type(4)));
typedef int i8 __attribute__((ext_vector_type(8)));
// Unaligned forms for loads and stores.
typedef double d4u __attribute__((ext_vector_type(4), aligned(8)));
typedef double d2u __attribute__((ext_vector_type(2), aligned(8)));
typedef float f8u __attribute__((ext_vector_type(8), aligned(4)));
typedef float f4u __attribute__((ext_vector_type(4), aligned(4)));

/// One path's kernels (the table dispatch.c chooses from).
typedef struct {
  long gemm_panel_f32, gemm_panel_f64;
  void (*gemm_f32)(int, int, long, long, long, float, const float *, long, const float *, long, float, float *,
                   long, long, long, long, long, float *, float *);
  void (*gemm_f64)(int, int, long, long, long, double, const double *, long, const double *, long, double,
                   double *, long, long, long, long, long, double *, double *);
  void (*map_f32)(int, const float *, float *, long);
  void (*map_f64)(int, const double *, double *, long);
  void (*bernoulli_f32)(const float *, const float *, long, long, long, double *, float *, const double *);
  void (*bernoulli_f64)(const double *, const double *, long, long, long, double *, double *, const double *);
  void (*scale_nonpositive_f32)(const float *, float *, long, float, int);
  void (*scale_nonpositive_f64)(const double *, double *, long, double, int);
  double (*maximum)(const double *, long);
  double (*maximum_first_index)(const double *, long, long *);
  double (*sum)(const double *, long);
  double (*exp_shifted_sum)(const double *, long, double);
  double (*log_sum_exp)(const double *, long, int);
  double (*store_exp_shifted)(const double *, long, double, double *, double *);
  double (*store_exp_shifted_excluding)(long, const double *, long, double, double *, double *);
  double (*phi_sum_excluding)(long, const double *, long, double, double, double, long, const double *);
  void (*power_sums)(const double *, long, long, double *);
  int (*adam_f32)(float *, float *, float *, const float *const *, long, long, long, float, float, float, float, float);
  void (*power_sums_double_double)(const double *, long, long, double *);
  void (*affine)(const double *, long, double, double, double, double *);
  double (*horner)(const double *, long, long, double);
  void (*horner_double_double)(const double *, long, long, double, double, double *, double *);
  double (*phi)(double, long, const double *);
} jvi_kernel_table;

extern const jvi_kernel_table jvi_table_baseline;
#if defined(__x86_64__)
extern const jvi_kernel_table jvi_table_avx2;
extern const jvi_kernel_table jvi_table_avx512;
#endif

#endif
