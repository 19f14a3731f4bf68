// jvi's hot kernels, compiled once per instruction set and chosen when the program runs.
//
// Every function here runs the same arithmetic as jvi's Swift reference of it (operation by
// operation, fused multiply-adds included), on the path selected at the first call:
//
//   avx512   AVX-512 F/VL/DQ/BW: the avx2 source built for that target (same vectors, same
//            operations, so the same bits as avx2; 32 registers make the exp-heavy kernels faster)
//   avx2     AVX2 + FMA (x86-64-v3)
//   baseline x86-64 SSE2, or the build target's own vectors elsewhere (arm64: NEON). On x86-64 a
//            fused multiply-add is a multiply then an add (SSE2 has no FMA), so its last bits
//            differ from avx2's within the bounds docs/performance.md states.
//
// The environment variable JVI_CPU (auto, baseline, avx2, avx512) forces a path; a path the CPU
// lacks, or another word, leaves the automatic choice and is reported by jvi_kernels_error().
//
// Conventions: lengths and strides are `long`; outputs are caller-allocated; no function
// allocates, reads a global other than the path, or keeps a pointer after it returns.
#ifndef JVI_KERNELS_H
#define JVI_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

enum { JVI_PATH_BASELINE = 0, JVI_PATH_AVX2 = 1, JVI_PATH_AVX512 = 2 };

/// The path the kernels run on (selecting it at the first call).
int jvi_kernels_path(void);
/// Whether this CPU (and its operating system) can run `path`.
int jvi_kernels_supports(int path);
/// Forces `path` for the calling thread's later calls if supported (returns 1; else 0 and no
/// change); -1 returns the thread to the process's path. For tests that compare the paths.
int jvi_kernels_use_on_this_thread(int path);
/// The calling thread's forced path, or -1.
int jvi_kernels_thread_path(void);
/// Why JVI_CPU was not followed, or NULL when it was (or is unset).
const char *jvi_kernels_error(void);

// MARK: Matrix multiply (row-major; see GEMM.swift for the blocking)

/// Columns per packed B panel on the current path (float: 16 with AVX2 and AVX-512, 8 on the
/// baseline; double: 8 or 4).
long jvi_gemm_panel_width_f32(void);
long jvi_gemm_panel_width_f64(void);

/// C[rows, panels] = alpha op(A) op(B) + beta C for rows [row0, row1) and column panels
/// [panel0, panel1) of C, over every K block, packing B's panels into `packed_b`
/// (panels x panel width x K block values).
void jvi_gemm_f32(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a,
                  long lda, const float *b, long ldb, float beta, float *c, long ldc, long row0, long row1,
                  long panel0, long panel1, float *packed_b, float *packed_a);
void jvi_gemm_f64(int transpose_a, int transpose_b, long m, long n, long k, double alpha, const double *a,
                  long lda, const double *b, long ldb, double beta, double *c, long ldc, long row0, long row1,
                  long panel0, long panel1, double *packed_b, double *packed_a);

// MARK: Element-wise functions of the networks (y may equal x)

enum { JVI_MAP_TANH = 0, JVI_MAP_SOFTPLUS = 1, JVI_MAP_SIGMOID = 2, JVI_MAP_EXP = 3, JVI_MAP_EXPM1 = 4,
       JVI_MAP_EXP_NONPOSITIVE = 5, JVI_MAP_LOG1P_UNIT = 6 };

/// y_i = f(x_i) for f = JVI_MAP_* (float: every function but EXP_NONPOSITIVE).
void jvi_map_f32(int function, const float *x, float *y, long count);
void jvi_map_f64(int function, const double *x, double *y, long count);

/// dh_i unchanged where a_i > 0, else 0 (zero != 0) or dh_i * c: ReLU's and leaky ReLU's gradient.
void jvi_scale_nonpositive_f32(const float *a, float *dh, long count, float c, int zero);
void jvi_scale_nonpositive_f64(const double *a, double *dh, long count, double c, int zero);

/// out[r] = sum_j [t_j l_j - softplus(l_j)] per row, and optionally the gradient t_j - sigma(l_j)
/// times gradient_scale[r] (NULL: 1). Targets of row r start at targets + r * target_row_stride.
void jvi_bernoulli_loglik_f32(const float *logits, const float *targets, long target_row_stride, long rows,
                              long columns, double *out, float *gradient, const double *gradient_scale);
void jvi_bernoulli_loglik_f64(const double *logits, const double *targets, long target_row_stride, long rows,
                              long columns, double *out, double *gradient, const double *gradient_scale);

// MARK: Adam

/// Adam's update of parameters [start, end) with gradient g_i = sum over the part_count parts (in
/// order): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= step m / (sqrt(v) inverse_root + eps).
/// Returns 0 when some g_i is not finite (the range is then partly updated), else 1.
int jvi_adam_f32(float *p, float *m, float *v, const float *const *parts, long part_count, long start, long end,
                 float b1, float b2, float step, float inverse_root, float eps);

// MARK: Row reductions in log space (double; inputs finite or -inf)

double jvi_maximum(const double *x, long n);
/// (max, first index attaining it); (-inf, 0) for an empty or all -inf row.
double jvi_maximum_first_index(const double *x, long n, long *index);
double jvi_sum(const double *x, long n);
double jvi_exp_shifted_sum(const double *x, long n, double shift);
/// m + log(S) (mean = 0) or m + log(S / n) (mean = 1), m = max x_i, S = sum exp(x_i - m); -inf for an
/// empty or all -inf row.
double jvi_log_sum_exp(const double *x, long n, int mean);
/// out_i = exp(x_i - shift); returns the sum, and the sum of squares in *sum_of_squares.
double jvi_store_exp_shifted(const double *x, long n, double shift, double *out, double *sum_of_squares);
/// As jvi_store_exp_shifted with out[excluded] = 0; returns the sum, and the largest out_i in *maximum.
double jvi_store_exp_shifted_excluding(long excluded, const double *x, long n, double shift, double *out,
                                       double *maximum);
/// sum over i != excluded of phi((k a_i - total) scale), phi by `terms` atanh-series coefficients.
double jvi_phi_sum_excluding(long excluded, const double *a, long n, double k, double total, double scale,
                             long terms, const double *coefficients);
/// q[s] = sum_i nu_i^s for s = 2..r (r <= 128).
void jvi_power_sums(const double *nu, long n, long r, double *q);
/// The same power sums in double-double, per lane: out[8 s + j] and out[8 s + 4 + j] are the high
/// and low parts of lane j's sum of nu^s (s = 2..r <= 128; the caller adds the four lanes).
void jvi_power_sums_double_double(const double *nu, long n, long r, double *out);
/// out_i = fma(a, x_i, b) * scale.
void jvi_affine(const double *x, long n, double a, double b, double scale, double *out);
/// Horner's rule downwards: acc = c[top], then acc = fma(acc, x, c[i]) for i = top - 1 ... bottom.
double jvi_horner(const double *c, long top, long bottom, double x);
/// The same in double-double: c holds (hi, lo) pairs, x = x_hi + x_lo; the result in *hi + *lo.
void jvi_horner_double_double(const double *c, long top, long bottom, double x_hi, double x_lo, double *hi,
                              double *lo);
/// phi(x) = log(1 - x) + x for x in [-1, 1/2] by `terms` atanh-series coefficients (LogSpace.phi).
double jvi_phi(double x, long terms, const double *coefficients);

#ifdef __cplusplus
}
#endif
#endif
