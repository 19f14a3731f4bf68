// Chooses the kernels' path once, from the CPU and JVI_CPU, and forwards every call to it.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_common.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// Whether the OS saves the register state `mask` (XCR0) and the CPU has the features.
static int os_saves(unsigned mask) {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (eax & mask) == mask;
}

static int cpu_has(int path) {
  unsigned a, b, c, d;
  if (path == JVI_PATH_BASELINE) return 1;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!(fma && osxsave && avx) || !os_saves(0x6)) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  int avx2 = (b >> 5) & 1;
  if (path == JVI_PATH_AVX2) return avx2;
  // AVX-512 F, DQ, BW and VL, and the OS saving the opmask and ZMM state.
  int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
  return path == JVI_PATH_AVX512 && avx2 && f && dq && bw && vl && os_saves(0xE6);
}
#else
static int cpu_has(int path) { return path == JVI_PATH_BASELINE; }
#endif

static const jvi_kernel_table *table_of(int path) {
#if defined(__x86_64__)
  if (path == JVI_PATH_AVX512) return &jvi_table_avx512;
  if (path == JVI_PATH_AVX2) return &jvi_table_avx2;
#endif
  return &jvi_table_baseline;
}

static const char *const path_names[] = {"baseline", "avx2", "avx512"};
static _Atomic(const jvi_kernel_table *) current_table;
/// A path forced for the calling thread only (tests that compare paths), or NULL.
static _Thread_local const jvi_kernel_table *thread_table;
static _Thread_local int thread_path = -1;
static _Atomic int current_path = -1;
static char request_error[160];
static _Atomic int request_error_set;

static int automatic_path(void) {
  if (cpu_has(JVI_PATH_AVX512)) return JVI_PATH_AVX512;
  if (cpu_has(JVI_PATH_AVX2)) return JVI_PATH_AVX2;
  return JVI_PATH_BASELINE;
}

static void note_error(const char *problem, const char *value) {
  size_t n = sizeof request_error;
  request_error[0] = 0;
  strncat(request_error, "JVI_CPU=", n - 1);
  strncat(request_error, value, 40);
  strncat(request_error, problem, n - strlen(request_error) - 1);
  atomic_store(&request_error_set, 1);
}

static const jvi_kernel_table *select_table(void) {
  const jvi_kernel_table *t = atomic_load_explicit(&current_table, memory_order_acquire);
  if (t) return t;
  int path = automatic_path();
  const char *request = getenv("JVI_CPU");
  if (request && *request && strcmp(request, "auto") != 0) {
    int asked = -1;
    for (int p = 0; p < 3; p++)
      if (strcmp(request, path_names[p]) == 0) asked = p;
    if (asked < 0) {
      note_error(": not a path (auto, baseline, avx2 or avx512)", request);
    } else if (!cpu_has(asked)) {
      note_error(": this CPU lacks it", request);
    } else {
      path = asked;
    }
  }
  atomic_store(&current_path, path);
  t = table_of(path);
  atomic_store_explicit(&current_table, t, memory_order_release);
  return t;
}

/// The calling thread's table: its forced path, else the process's.
static inline const jvi_kernel_table *table(void) {
  const jvi_kernel_table *t = thread_table;
  return t ? t : select_table();
}

int jvi_kernels_path(void) {
  select_table();
  return thread_path >= 0 ? thread_path : atomic_load(&current_path);
}
int jvi_kernels_supports(int path) { return path >= 0 && path <= 2 && cpu_has(path); }
int jvi_kernels_thread_path(void) { return thread_path; }
int jvi_kernels_use_on_this_thread(int path) {
  if (path < 0) {
    thread_table = NULL;
    thread_path = -1;
    return 1;
  }
  if (!jvi_kernels_supports(path)) return 0;
  thread_table = table_of(path);
  thread_path = path;
  return 1;
}
const char *jvi_kernels_error(void) {
  select_table();
  return atomic_load(&request_error_set) ? request_error : NULL;
}

long jvi_gemm_panel_width_f32(void) { return table()->gemm_panel_f32; }
long jvi_gemm_panel_width_f64(void) { return table()->gemm_panel_f64; }

void jvi_gemm_f32(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a,
                  long lda, const float *b, long ldb, float beta, float *c, long ldc, long row0, long row1,
                  long panel0, long panel1, float *packed_b, float *packed_a) {
  table()->gemm_f32(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, row0, row1,
                           panel0, panel1, packed_b, packed_a);
}
void jvi_gemm_f64(int transpose_a, int transpose_b, long m, long n, long k, double alpha, const double *a,
                  long lda, const double *b, long ldb, double beta, double *c, long ldc, long row0, long row1,
                  long panel0, long panel1, double *packed_b, double *packed_a) {
  table()->gemm_f64(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, row0, row1,
                           panel0, panel1, packed_b, packed_a);
}
void jvi_map_f32(int function, const float *x, float *y, long count) {
  table()->map_f32(function, x, y, count);
}
void jvi_map_f64(int function, const double *x, double *y, long count) {
  table()->map_f64(function, x, y, count);
}
void jvi_bernoulli_loglik_f32(const float *logits, const float *targets, long target_row_stride, long rows,
                              long columns, double *out, float *gradient, const double *gradient_scale) {
  table()->bernoulli_f32(logits, targets, target_row_stride, rows, columns, out, gradient, gradient_scale);
}
void jvi_bernoulli_loglik_f64(const double *logits, const double *targets, long target_row_stride, long rows,
                              long columns, double *out, double *gradient, const double *gradient_scale) {
  table()->bernoulli_f64(logits, targets, target_row_stride, rows, columns, out, gradient, gradient_scale);
}
void jvi_scale_nonpositive_f32(const float *a, float *dh, long count, float c, int zero) {
  table()->scale_nonpositive_f32(a, dh, count, c, zero);
}
void jvi_scale_nonpositive_f64(const double *a, double *dh, long count, double c, int zero) {
  table()->scale_nonpositive_f64(a, dh, count, c, zero);
}
double jvi_maximum(const double *x, long n) { return table()->maximum(x, n); }
double jvi_maximum_first_index(const double *x, long n, long *index) {
  return table()->maximum_first_index(x, n, index);
}
double jvi_sum(const double *x, long n) { return table()->sum(x, n); }
double jvi_exp_shifted_sum(const double *x, long n, double shift) {
  return table()->exp_shifted_sum(x, n, shift);
}
double jvi_log_sum_exp(const double *x, long n, int mean) { return table()->log_sum_exp(x, n, mean); }
double jvi_store_exp_shifted(const double *x, long n, double shift, double *out, double *sum_of_squares) {
  return table()->store_exp_shifted(x, n, shift, out, sum_of_squares);
}
double jvi_store_exp_shifted_excluding(long excluded, const double *x, long n, double shift, double *out,
                                       double *maximum) {
  return table()->store_exp_shifted_excluding(excluded, x, n, shift, out, maximum);
}
double jvi_phi_sum_excluding(long excluded, const double *a, long n, double k, double total, double scale,
                             long terms, const double *coefficients) {
  return table()->phi_sum_excluding(excluded, a, n, k, total, scale, terms, coefficients);
}
void jvi_power_sums(const double *nu, long n, long r, double *q) { table()->power_sums(nu, n, r, q); }
void jvi_power_sums_double_double(const double *nu, long n, long r, double *out) {
  table()->power_sums_double_double(nu, n, r, out);
}
void jvi_affine(const double *x, long n, double a, double b, double scale, double *out) {
  table()->affine(x, n, a, b, scale, out);
}
double jvi_horner(const double *c, long top, long bottom, double x) { return table()->horner(c, top, bottom, x); }
void jvi_horner_double_double(const double *c, long top, long bottom, double x_hi, double x_lo, double *hi,
                              double *lo) {
  table()->horner_double_double(c, top, bottom, x_hi, x_lo, hi, lo);
}
double jvi_phi(double x, long terms, const double *coefficients) { return table()->phi(x, terms, coefficients); }
int jvi_adam_f32(float *p, float *m, float *v, const float *const *parts, long part_count, long start, long end,
                 float b1, float b2, float step, float inverse_root, float eps) {
  return table()->adam_f32(p, m, v, parts, part_count, start, end, b1, b2, step, inverse_root, eps);
}
