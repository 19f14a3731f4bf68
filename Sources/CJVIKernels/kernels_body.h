// The kernels, written once; isa_*.c include this file with
//   JVI_ISA          the suffix of every function and of the table (baseline, avx2),
//   JVI_FUSED        1 when FMA() is one fused operation, 0 when it is a multiply then an add,
//   JVI_GEMM_NARROW  1 for 128-bit matrix-multiply tiles (the other kernels keep their widths),
//   JVI_GEMM_ISA     (optional) another path whose matrix multiply this one uses,
// under that path's target attribute. Each kernel mirrors its Swift reference operation by
// operation (the reference's `x.addingProduct(a, b)` is FMA(a, b, x) here), so that the fused paths
// reproduce its bits.
#include "kernels_common.h"

#define JVI_CAT2(a, b) a##_##b
#define JVI_CAT(a, b) JVI_CAT2(a, b)
#define K(name) JVI_CAT(name, JVI_ISA)

#if JVI_FUSED
#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define FMAS(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#define FMAS(a, b, c) ((a) * (b) + (c))
#endif

#define INLINE static inline __attribute__((always_inline))

// MARK: Selections and loads

INLINE d4 K(sel4)(l4 mask, d4 a, d4 b) { return (d4)(((l4)a & mask) | ((l4)b & ~mask)); }
INLINE l4 K(sel4l)(l4 mask, l4 a, l4 b) { return (a & mask) | (b & ~mask); }
INLINE f8 K(sel8)(i8 mask, f8 a, f8 b) { return (f8)(((i8)a & mask) | ((i8)b & ~mask)); }
INLINE d4 K(load4)(const double *p) { return *(const d4u *)p; }
INLINE void K(store4)(double *p, d4 v) { *(d4u *)p = v; }
INLINE f8 K(load8)(const float *p) { return *(const f8u *)p; }
INLINE void K(store8)(float *p, f8 v) { *(f8u *)p = v; }
/// The last `count` < 4 values from p, padded with `pad`.
INLINE d4 K(load4tail)(const double *p, long count, double pad) {
  d4 v = (d4)pad;
  for (long j = 0; j < count; j++) v[j] = p[j];
  return v;
}
/// a·b + c with one rounding on every path (the baseline of x86-64 calls the C library's fma).
INLINE d4 K(exact_fma4)(d4 a, d4 b, d4 c) {
#if JVI_FUSED
  return __builtin_elementwise_fma(a, b, c);
#else
  d4 r;
  for (int j = 0; j < 4; j++) r[j] = fma(a[j], b[j], c[j]);
  return r;
#endif
}
/// Sum of the lanes from −0, first to last (Swift's SIMD `sum()`).
INLINE double K(lanesum4)(d4 v) {
  double s = -0.0;
  for (int j = 0; j < 4; j++) s += v[j];
  return s;
}
/// Swift's `max(x, y)`: y when they compare equal.
INLINE double K(smax)(double x, double y) { return y >= x ? y : x; }
/// Swift's `Double.maximum(x, y)` for values that are not NaN: x when x > y, else y.
INLINE double K(smaximum)(double x, double y) { return (x > y || y != y) ? x : y; }

// MARK: Elementary functions, Double (VectorMath in JVICore is the reference)

/// x = k log 2 + r, |r| ≤ log(2)/2; expm1(r) = r + r² P(r), P of degree 9 by Estrin's scheme.
INLINE d4 K(reduce_d)(d4 x, l4 *k, d4 *kf) {
  const d4 magic = (d4)0x1.8p+52;
  d4 t = FMA(x, (d4)0x1.71547652b82fep+0, magic);
  d4 kff = t - magic;
  d4 r = FMA(kff, (d4)-0x1.62e42feep-1, x);
  r = FMA(kff, (d4)-0x1.a39ef35793c76p-33, r);
  d4 r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  d4 p01 = FMA(r, (d4)0x1.5555555555556p-3, (d4)0x1.0000000000001p-1);
  d4 p23 = FMA(r, (d4)0x1.11111111109b5p-7, (d4)0x1.5555555553d68p-5);
  d4 p45 = FMA(r, (d4)0x1.a01a01a7c2efep-13, (d4)0x1.6c16c17889ef1p-10);
  d4 p67 = FMA(r, (d4)0x1.71de0db2f6b19p-19, (d4)0x1.a019b9149a41cp-16);
  d4 p89 = FMA(r, (d4)0x1.af389ecfc4b9cp-26, (d4)0x1.28917c89a43a7p-22);
  d4 p03 = FMA(r2, p23, p01);
  d4 p47 = FMA(r2, p67, p45);
  d4 p07 = FMA(r4, p47, p03);
  d4 p = FMA(r8, p89, p07);
  *k = (l4)t - (l4)magic;
  *kf = kff;
  return FMA(r2, p, r);
}
INLINE d4 K(pow2_d)(l4 k) { return (d4)((k + 1023) << 52); }

/// exp(x) for x ≤ 0; 0 below −708.
INLINE d4 K(exp_nonpositive_d)(d4 x) {
  l4 k;
  d4 kf;
  d4 em1 = K(reduce_d)(x, &k, &kf);
  d4 result = (em1 + 1) * K(pow2_d)(k);
  return K(sel4)(x < -708.0, (d4)0.0, result);
}
INLINE d4 K(abs_d)(d4 x) { return (d4)((l4)x & 0x7FFFFFFFFFFFFFFFL); }
/// log(1 + e) for e ∈ [0, 1]: 2u Σ_{j<17} u^{2j}/(2j + 1), u = e/(2 + e).
INLINE d4 K(log1p_unit_d)(d4 e) {
  d4 u = e / (2 + e);
  d4 u2 = u * u;
  d4 s = (d4)(1.0 / 33);
  for (int j = 15; j >= 0; j--) s = FMA(u2, s, (d4)(1.0 / (double)(2 * j + 1)));
  return 2 * u * s;
}
// exp, expm1, softplus, σ and tanh from a type's reduction (S: d for Double, f for Float; V its
// vector, IV the integer vector of k; LOW/HIGH clamp exp's argument, OVERFLOW/UNDERFLOW its
// results, EXPM1_LOW is where expm1 is −1).
#define JVI_DEFINE_EXP_FAMILY(S, V, IV, SEL, LOW, HIGH, OVERFLOW, UNDERFLOW, EXPM1_LOW)                       \
  INLINE V K(exp_##S)(V x) {                                                                                \
    V clamped = K(SEL)(x < (V)(LOW), (V)(LOW), x);                                                          \
    clamped = K(SEL)(x > (V)(HIGH), (V)(HIGH), clamped);                                                    \
    IV k;                                                                                                   \
    V kf;                                                                                                   \
    V em1 = K(reduce_##S)(clamped, &k, &kf);                                                                \
    IV k1 = k >> 1, k2 = k - k1;                                                                            \
    V result = (em1 + 1) * K(pow2_##S)(k1) * K(pow2_##S)(k2);                                               \
    result = K(SEL)(x > (V)(OVERFLOW), (V)INFINITY, result);                                                \
    result = K(SEL)(x < (V)(UNDERFLOW), (V)0, result);                                                      \
    return K(SEL)(x != x, x, result);                                                                       \
  }                                                                                                         \
  INLINE V K(expm1_##S)(V x) {                                                                              \
    V clamped = K(SEL)(x < (V)(EXPM1_LOW), (V)(EXPM1_LOW), x);                                              \
    clamped = K(SEL)(x > (V)(HIGH), (V)(HIGH), clamped);                                                    \
    IV k;                                                                                                   \
    V kf;                                                                                                   \
    V em1 = K(reduce_##S)(clamped, &k, &kf);                                                                \
    IV k1 = k >> 1, k2 = k - k1;                                                                            \
    V scale = K(pow2_##S)(k1) * K(pow2_##S)(k2);                                                            \
    V result = em1 * scale + (scale - 1);                                                                   \
    result = K(SEL)(kf == (V)0, em1, result);                                                               \
    result = K(SEL)(x > (V)(OVERFLOW), (V)INFINITY, result);                                                \
    result = K(SEL)(x < (V)(EXPM1_LOW), (V)(-1), result);                                                   \
    return K(SEL)(x != x, x, result);                                                                       \
  }                                                                                                         \
  /* softplus(x) = max(x, 0) + log(1 + e^−|x|) */                                                          \
  INLINE V K(softplus_##S)(V x) {                                                                           \
    V positive = K(SEL)(x < (V)0, (V)0, x);                                                                 \
    return positive + K(log1p_unit_##S)(K(exp_##S)(-K(abs_##S)(x)));                                       \
  }                                                                                                         \
  /* σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0, e = e^−|x| */                                        \
  INLINE V K(sigmoid_##S)(V x) {                                                                            \
    V e = K(exp_##S)(-K(abs_##S)(x));                                                                       \
    V numerator = K(SEL)(x < (V)0, e, (V)1);                                                                \
    return numerator / (1 + e);                                                                             \
  }                                                                                                         \
  /* tanh x = −sign(x)·m/(2 + m), m = expm1(−2|x|) */                                                      \
  INLINE V K(tanh_##S)(V x) {                                                                               \
    V m = K(expm1_##S)(-2 * K(abs_##S)(x));                                                                 \
    V t = -m / (2 + m);                                                                                     \
    return K(SEL)(x < (V)0, -t, t);                                                                         \
  }

JVI_DEFINE_EXP_FAMILY(d, d4, l4, sel4, -746.0, 710.0, 0x1.62e42fefa39efp+9, -745.2, -40.0)

INLINE d4 K(apply_d)(int function, d4 x) {
  switch (function) {
  case JVI_MAP_TANH: return K(tanh_d)(x);
  case JVI_MAP_SOFTPLUS: return K(softplus_d)(x);
  case JVI_MAP_SIGMOID: return K(sigmoid_d)(x);
  case JVI_MAP_EXP: return K(exp_d)(x);
  case JVI_MAP_EXPM1: return K(expm1_d)(x);
  case JVI_MAP_EXP_NONPOSITIVE: return K(exp_nonpositive_d)(x);
  default: return K(log1p_unit_d)(x);
  }
}

// MARK: Elementary functions, Float

INLINE f8 K(reduce_f)(f8 x, i8 *k, f8 *kf) {
  const f8 magic = (f8)0x1.8p+23f;
  f8 t = FMA(x, (f8)0x1.715476p+0f, magic);
  f8 kff = t - magic;
  f8 r = FMA(kff, (f8)-0x1.62e4p-1f, x);
  r = FMA(kff, (f8)-0x1.7f7d1cp-20f, r);
  f8 r2 = r * r;
  f8 p01 = FMA(r, (f8)0x1.5554dep-3f, (f8)0x1p-1f);
  f8 p23 = FMA(r, (f8)0x1.120b62p-7f, (f8)0x1.55551ap-5f);
  f8 p = FMA(r2 * r2, (f8)0x1.6d10fcp-10f, FMA(r2, p23, p01));
  *k = (i8)t - (i8)magic;
  *kf = kff;
  return FMA(r2, p, r);
}
INLINE f8 K(pow2_f)(i8 k) { return (f8)((k + 127) << 23); }
INLINE f8 K(abs_f)(f8 x) { return (f8)((i8)x & 0x7FFFFFFF); }
INLINE f8 K(log1p_unit_f)(f8 e) {
  f8 u = e / (2 + e);
  f8 u2 = u * u;
  f8 s = (f8)(1.0f / 15);
  for (int j = 6; j >= 0; j--) s = FMA(u2, s, (f8)(1 / (float)(2 * j + 1)));
  return 2 * u * s;
}
JVI_DEFINE_EXP_FAMILY(f, f8, i8, sel8, -104.0f, 89.0f, 0x1.62e43p+6f, -0x1.9f999ap+6f, -18.0f)

INLINE f8 K(apply_f)(int function, f8 x) {
  switch (function) {
  case JVI_MAP_TANH: return K(tanh_f)(x);
  case JVI_MAP_SOFTPLUS: return K(softplus_f)(x);
  case JVI_MAP_SIGMOID: return K(sigmoid_f)(x);
  case JVI_MAP_EXP: return K(exp_f)(x);
  case JVI_MAP_EXPM1: return K(expm1_f)(x);
  default: return K(log1p_unit_f)(x);
  }
}

// MARK: Element-wise maps (NetworkScalar's mapLanes: whole vectors, then a zero-padded tail)

static void K(map_f64)(int function, const double *x, double *y, long n) {
  long i = 0;
  switch (function) {
#define JVI_MAP_LOOP_D(F)                                                                                    \
  for (; i + 4 <= n; i += 4) K(store4)(y + i, F(K(load4)(x + i)));                                         \
  break;
  case JVI_MAP_TANH: JVI_MAP_LOOP_D(K(tanh_d))
  case JVI_MAP_SOFTPLUS: JVI_MAP_LOOP_D(K(softplus_d))
  case JVI_MAP_SIGMOID: JVI_MAP_LOOP_D(K(sigmoid_d))
  case JVI_MAP_EXP: JVI_MAP_LOOP_D(K(exp_d))
  case JVI_MAP_EXPM1: JVI_MAP_LOOP_D(K(expm1_d))
  case JVI_MAP_EXP_NONPOSITIVE: JVI_MAP_LOOP_D(K(exp_nonpositive_d))
  default: JVI_MAP_LOOP_D(K(log1p_unit_d))
#undef JVI_MAP_LOOP_D
  }
  if (i < n) {
    d4 v = K(load4tail)(x + i, n - i, 0.0);
    d4 r = K(apply_d)(function, v);
    for (long j = 0; j < n - i; j++) y[i + j] = r[j];
  }
}

static void K(map_f32)(int function, const float *x, float *y, long n) {
  long i = 0;
  switch (function) {
#define JVI_MAP_LOOP_F(F)                                                                                    \
  for (; i + 8 <= n; i += 8) K(store8)(y + i, F(K(load8)(x + i)));                                         \
  break;
  case JVI_MAP_TANH: JVI_MAP_LOOP_F(K(tanh_f))
  case JVI_MAP_SOFTPLUS: JVI_MAP_LOOP_F(K(softplus_f))
  case JVI_MAP_SIGMOID: JVI_MAP_LOOP_F(K(sigmoid_f))
  case JVI_MAP_EXP: JVI_MAP_LOOP_F(K(exp_f))
  case JVI_MAP_EXPM1: JVI_MAP_LOOP_F(K(expm1_f))
  default: JVI_MAP_LOOP_F(K(log1p_unit_f))
#undef JVI_MAP_LOOP_F
  }
  if (i < n) {
    f8 v = (f8)0.0f;
    for (long j = 0; j < n - i; j++) v[j] = x[i + j];
    f8 r = K(apply_f)(function, v);
    for (long j = 0; j < n - i; j++) y[i + j] = r[j];
  }
}

// MARK: Gradients of the piecewise-linear activations (Activation.backward)

// dh_i stays where a_i > 0; elsewhere it becomes 0 (zero != 0: ReLU) or dh_i·c (leaky ReLU). A
// NaN a_i counts as not positive. A select per element, which the compiler vectorises.
#define JVI_DEFINE_SCALE_NONPOSITIVE(S, T)                                                                     \
  static void K(scale_nonpositive_##S)(const T *a, T *dh, long n, T c, int zero) {                             \
    if (zero)                                                                                                \
      for (long i = 0; i < n; i++) dh[i] = a[i] > 0 ? dh[i] : (T)0;                                          \
    else                                                                                                     \
      for (long i = 0; i < n; i++) dh[i] = a[i] > 0 ? dh[i] : dh[i] * c;                                      \
  }
JVI_DEFINE_SCALE_NONPOSITIVE(f32, float)
JVI_DEFINE_SCALE_NONPOSITIVE(f64, double)
#undef JVI_DEFINE_SCALE_NONPOSITIVE

// MARK: Bernoulli log-likelihood (NetworkScalar.bernoulliLogLikelihood)

// One row at a time, W lanes of T (E: the suffix of its exp): a = (1 − 2t)ℓ, Σ max(a, 0) in PV (Double lanes), the factors
// 1 + e^{−|ℓ|} multiplied per lane in V, and with `gradient` the derivative t − σ(ℓ) times the row's
// scale. TOTAL(product) combines the lanes' products in Double and POSITIVES(positive) their sums,
// each in the order of the Swift reference (Float: lane by lane from 1 and from −0; Double:
// p0·p1·(p2·p3) and SIMD4's sum).
#define JVI_DEFINE_BERNOULLI(S, E, T, V, PV, W, LOAD, STORE, SEL, TO_PV, TOTAL, POSITIVES)                    \
  static void K(bernoulli_##S)(const T *logits, const T *targets, long target_row_stride, long rows,           \
                               long columns, double *out, T *gradient, const double *gradient_scale) {         \
    for (long r = 0; r < rows; r++) {                                                                        \
      const T *l = logits + r * columns, *t = targets + r * target_row_stride;                                \
      T *g = gradient ? gradient + r * columns : NULL;                                                        \
      T scale = (T)(gradient_scale ? gradient_scale[r] : 1.0);                                                \
      PV positive = (PV)0;                                                                                    \
      V product = (V)1;                                                                                       \
      for (long j = 0; j < columns; j += W) {                                                                 \
        long count = columns - j < W ? columns - j : W;                                                       \
        V lv = (V)0, tv = (V)0;                                                                               \
        if (count == W) {                                                                                     \
          lv = K(LOAD)(l + j);                                                                                \
          tv = K(LOAD)(t + j);                                                                                \
        } else {                                                                                              \
          for (long q = 0; q < count; q++) {                                                                  \
            lv[q] = l[j + q];                                                                                 \
            tv[q] = t[j + q];                                                                                 \
          }                                                                                                   \
        }                                                                                                     \
        V a = (1 - 2 * tv) * lv;                                                                              \
        V e = K(exp_##E)(-K(abs_##E)(lv));                                                                    \
        V factor = 1 + e;                                                                                     \
        V pos = K(SEL)(a < (V)0, (V)0, a);                                                                    \
        for (long q = count; q < W; q++) {                                                                    \
          factor[q] = 1;                                                                                      \
          pos[q] = 0;                                                                                         \
        }                                                                                                     \
        product *= factor;                                                                                    \
        positive += TO_PV(pos);                                                                               \
        if (g) {                                                                                              \
          V sigma = 1 / factor;                                                                               \
          sigma = K(SEL)(lv < (V)0, e / factor, sigma);                                                       \
          V d = (tv - sigma) * scale;                                                                         \
          if (count == W) {                                                                                   \
            K(STORE)(g + j, d);                                                                               \
          } else {                                                                                            \
            for (long q = 0; q < count; q++) g[j + q] = d[q];                                                 \
          }                                                                                                   \
        }                                                                                                     \
      }                                                                                                       \
      out[r] = -(POSITIVES(positive) + log(TOTAL(product)));                                                  \
    }                                                                                                         \
  }

INLINE double K(product_of_float_lanes)(f8 p) {
  double total = 1.0;
  for (int q = 0; q < 8; q++) total *= (double)p[q];
  return total;
}
INLINE double K(sum_of_double_lanes8)(d8 v) {
  double s = -0.0;
  for (int q = 0; q < 8; q++) s += v[q];
  return s;
}
#define JVI_FLOAT_TO_DOUBLE8(v) __builtin_convertvector((v), d8)
#define JVI_DOUBLE_IDENTITY(v) (v)
#define JVI_PRODUCT_F(p) K(product_of_float_lanes)(p)
#define JVI_PRODUCT_D(p) ((p)[0] * (p)[1] * ((p)[2] * (p)[3]))
#define JVI_POSITIVES_F(v) K(sum_of_double_lanes8)(v)
#define JVI_POSITIVES_D(v) K(lanesum4)(v)

JVI_DEFINE_BERNOULLI(f32, f, float, f8, d8, 8, load8, store8, sel8, JVI_FLOAT_TO_DOUBLE8, JVI_PRODUCT_F, JVI_POSITIVES_F)
JVI_DEFINE_BERNOULLI(f64, d, double, d4, d4, 4, load4, store4, sel4, JVI_DOUBLE_IDENTITY, JVI_PRODUCT_D, JVI_POSITIVES_D)

// MARK: Adam (JVIModels' Adam.update: no fused operations, so every path gives the same bits)

/// For i in [start, end): g = Σ_q parts[q][i]; m = b1 m + (1 − b1) g; v = b2 v + (1 − b2) g²;
/// p −= step·m / (√v · inverse_root + eps). Returns 0 if some g is not finite (the range is then
/// partly updated).
static int K(adam_f32)(float *p, float *m, float *v, const float *const *parts, long part_count, long start,
                       long end, float b1, float b2, float step, float inverse_root, float eps) {
  i8 bad = (i8)0;
  long i = start;
  for (; i + 8 <= end; i += 8) {
    f8 g = K(load8)(parts[0] + i);
    for (long q = 1; q < part_count; q++) g += K(load8)(parts[q] + i);
    bad |= (g - g) != (f8)0;
    f8 mv = K(load8)(m + i), vv = K(load8)(v + i);
    mv = mv * b1 + (1 - b1) * g;
    vv = vv * b2 + (1 - b2) * g * g;
    f8 denominator = __builtin_elementwise_sqrt(vv) * inverse_root + eps;
    f8 pv = K(load8)(p + i) - step * mv / denominator;
    K(store8)(m + i, mv);
    K(store8)(v + i, vv);
    K(store8)(p + i, pv);
  }
  int finite = 1;
  for (int q = 0; q < 8; q++)
    if (bad[q]) finite = 0;
  for (; i < end; i++) {
    float g = parts[0][i];
    for (long q = 1; q < part_count; q++) g += parts[q][i];
    if (!isfinite(g)) finite = 0;
    m[i] = m[i] * b1 + (1 - b1) * g;
    v[i] = v[i] * b2 + (1 - b2) * g * g;
    p[i] -= step * m[i] / (sqrtf(v[i]) * inverse_root + eps);
  }
  return finite;
}

#include "kernels_logspace.h"
#if defined(JVI_GEMM_ISA)
// This path takes another path's matrix multiply (a build of the tiles for this target measured
// slower).
#define G(name) JVI_CAT(name, JVI_GEMM_ISA)
void G(gemm_f32)(int, int, long, long, long, float, const float *, long, const float *, long, float, float *, long,
                 long, long, long, long, float *, float *);
void G(gemm_f64)(int, int, long, long, long, double, const double *, long, const double *, long, double, double *,
                 long, long, long, long, long, double *, double *);
#else
#include "kernels_gemm.h"
#define G(name) K(name)
#endif

const jvi_kernel_table K(jvi_table) = {
#if defined(JVI_GEMM_ISA)
    .gemm_panel_f32 = 16,
    .gemm_panel_f64 = 8,
#else
    .gemm_panel_f32 = K(GEMM_PANEL_F32),
    .gemm_panel_f64 = K(GEMM_PANEL_F64),
#endif
    .gemm_f32 = G(gemm_f32),
    .gemm_f64 = G(gemm_f64),
    .map_f32 = K(map_f32),
    .map_f64 = K(map_f64),
    .bernoulli_f32 = K(bernoulli_f32),
    .bernoulli_f64 = K(bernoulli_f64),
    .scale_nonpositive_f32 = K(scale_nonpositive_f32),
    .scale_nonpositive_f64 = K(scale_nonpositive_f64),
    .maximum = K(maximum),
    .maximum_first_index = K(maximum_first_index),
    .sum = K(sum),
    .exp_shifted_sum = K(exp_shifted_sum),
    .log_sum_exp = K(log_sum_exp),
    .store_exp_shifted = K(store_exp_shifted),
    .store_exp_shifted_excluding = K(store_exp_shifted_excluding),
    .phi_sum_excluding = K(phi_sum_excluding),
    .power_sums = K(power_sums),
    .adam_f32 = K(adam_f32),
    .power_sums_double_double = K(power_sums_double_double),
    .affine = K(affine),
    .horner = K(horner),
    .horner_double_double = K(horner_double_double),
    .phi = K(phi),
};
