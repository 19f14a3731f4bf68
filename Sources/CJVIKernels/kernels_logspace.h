// Row reductions in log space (included by kernels_body.h; the Swift reference is JVICore's
// LogSpace). Four SIMD4<Double> accumulators, tails padded with the reduction's identity.

static double K(maximum)(const double *p, long n) {
  if (n <= 0) return -INFINITY;
  d4 m0 = (d4)-INFINITY, m1 = m0, m2 = m0, m3 = m0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    d4 a = K(load4)(p + i), b = K(load4)(p + i + 4), c = K(load4)(p + i + 8), d = K(load4)(p + i + 12);
    m0 = K(sel4)(a > m0, a, m0);
    m1 = K(sel4)(b > m1, b, m1);
    m2 = K(sel4)(c > m2, c, m2);
    m3 = K(sel4)(d > m3, d, m3);
  }
  for (; i + 4 <= n; i += 4) {
    d4 a = K(load4)(p + i);
    m0 = K(sel4)(a > m0, a, m0);
  }
  if (i < n) {
    d4 a = K(load4tail)(p + i, n - i, -INFINITY);
    m1 = K(sel4)(a > m1, a, m1);
  }
  m0 = K(sel4)(m1 > m0, m1, m0);
  m2 = K(sel4)(m3 > m2, m3, m2);
  m0 = K(sel4)(m2 > m0, m2, m0);
  return K(smax)(K(smax)(m0[0], m0[1]), K(smax)(m0[2], m0[3]));
}

static double K(maximum_first_index)(const double *p, long n, long *index) {
  *index = 0;
  if (n <= 0) return -INFINITY;
  d4 m0 = (d4)-INFINITY, m1 = m0;
  l4 i0 = (l4)0, i1 = i0, idx = {0, 1, 2, 3};
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    d4 a = K(load4)(p + i), b = K(load4)(p + i + 4);
    l4 ga = a > m0, gb = b > m1;
    m0 = K(sel4)(ga, a, m0);
    i0 = K(sel4l)(ga, idx, i0);
    idx += 4;
    m1 = K(sel4)(gb, b, m1);
    i1 = K(sel4l)(gb, idx, i1);
    idx += 4;
  }
  for (; i < n; i += 4) {
    d4 a = i + 4 <= n ? K(load4)(p + i) : K(load4tail)(p + i, n - i, -INFINITY);
    l4 ga = a > m0;
    m0 = K(sel4)(ga, a, m0);
    i0 = K(sel4l)(ga, idx, i0);
    idx += 4;
  }
  // The larger value, or on a tie the smaller index.
  double best = -INFINITY;
  long best_index = 0x7FFFFFFFFFFFFFFFL;
  for (int lane = 0; lane < 4; lane++) {
    double v[2] = {m0[lane], m1[lane]};
    long j[2] = {i0[lane], i1[lane]};
    for (int q = 0; q < 2; q++) {
      if (v[q] > best || (v[q] == best && j[q] < best_index)) {
        best = v[q];
        best_index = j[q];
      }
    }
  }
  if (best == -INFINITY) return -INFINITY;
  *index = best_index;
  return best;
}

static double K(sum)(const double *p, long n) {
  if (n <= 0) return 0;
  d4 a0 = (d4)0.0, a1 = a0, a2 = a0, a3 = a0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 += K(load4)(p + i);
    a1 += K(load4)(p + i + 4);
    a2 += K(load4)(p + i + 8);
    a3 += K(load4)(p + i + 12);
  }
  for (; i + 4 <= n; i += 4) a0 += K(load4)(p + i);
  if (i < n) a1 += K(load4tail)(p + i, n - i, 0.0);
  return K(lanesum4)((a0 + a1) + (a2 + a3));
}

static double K(exp_shifted_sum)(const double *p, long n, double shift) {
  if (n <= 0) return 0;
  d4 s = (d4)shift;
  d4 a0 = (d4)0.0, a1 = a0, a2 = a0, a3 = a0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 += K(exp_nonpositive_d)(K(load4)(p + i) - s);
    a1 += K(exp_nonpositive_d)(K(load4)(p + i + 4) - s);
    a2 += K(exp_nonpositive_d)(K(load4)(p + i + 8) - s);
    a3 += K(exp_nonpositive_d)(K(load4)(p + i + 12) - s);
  }
  for (; i + 4 <= n; i += 4) a0 += K(exp_nonpositive_d)(K(load4)(p + i) - s);
  if (i < n) a1 += K(exp_nonpositive_d)(K(load4tail)(p + i, n - i, -INFINITY) - s);
  return K(lanesum4)((a0 + a1) + (a2 + a3));
}

/// log Σ exp(x_i) (mean = 0) or log((1/n) Σ exp(x_i)) (mean = 1), shifted by the maximum; −∞ for an
/// empty or all −∞ row (LogSpace.logSumExp and logMeanExp, one call per row).
static double K(log_sum_exp)(const double *p, long n, int mean) {
  double m = K(maximum)(p, n);
  if (m == -INFINITY) return -INFINITY;
  double s = K(exp_shifted_sum)(p, n, m);
  return m + log(mean ? s / (double)n : s);
}

static double K(store_exp_shifted)(const double *p, long n, double shift, double *q, double *sum_of_squares) {
  *sum_of_squares = 0;
  if (n <= 0) return 0;
  d4 s = (d4)shift;
  d4 a0 = (d4)0.0, a1 = a0, b0 = a0, b1 = a0;
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    d4 e0 = K(exp_nonpositive_d)(K(load4)(p + i) - s);
    d4 e1 = K(exp_nonpositive_d)(K(load4)(p + i + 4) - s);
    K(store4)(q + i, e0);
    K(store4)(q + i + 4, e1);
    a0 += e0;
    a1 += e1;
    b0 = FMA(e0, e0, b0);
    b1 = FMA(e1, e1, b1);
  }
  if (i + 4 <= n) {
    d4 e0 = K(exp_nonpositive_d)(K(load4)(p + i) - s);
    K(store4)(q + i, e0);
    a0 += e0;
    b0 = FMA(e0, e0, b0);
    i += 4;
  }
  if (i < n) {
    d4 e = K(exp_nonpositive_d)(K(load4tail)(p + i, n - i, -INFINITY) - s);
    for (long j = 0; j < n - i; j++) q[i + j] = e[j];
    a1 += e;
    b1 = FMA(e, e, b1);
  }
  *sum_of_squares = K(lanesum4)(b0 + b1);
  return K(lanesum4)(a0 + a1);
}

static double K(store_exp_shifted_excluding)(long excluded, const double *p, long n, double shift, double *q,
                                             double *maximum) {
  *maximum = 0;
  if (n <= 0) return 0;
  d4 s = (d4)shift;
  const l4 lanes = {0, 1, 2, 3};
  d4 a0 = (d4)0.0, a1 = a0, m0 = a0, m1 = a0;
  long hot = excluded & ~3L;
  long i = 0;
  // Four independent exps per iteration while the excluded chunk is ahead.
  while (i + 16 <= n && (hot < i || hot >= i + 16)) {
    d4 e0 = K(exp_nonpositive_d)(K(load4)(p + i) - s);
    d4 e1 = K(exp_nonpositive_d)(K(load4)(p + i + 4) - s);
    d4 e2 = K(exp_nonpositive_d)(K(load4)(p + i + 8) - s);
    d4 e3 = K(exp_nonpositive_d)(K(load4)(p + i + 12) - s);
    K(store4)(q + i, e0);
    K(store4)(q + i + 4, e1);
    K(store4)(q + i + 8, e2);
    K(store4)(q + i + 12, e3);
    a0 += e0 + e2;
    a1 += e1 + e3;
    m0 = K(sel4)(e0 > m0, e0, m0);
    m1 = K(sel4)(e1 > m1, e1, m1);
    m0 = K(sel4)(e2 > m0, e2, m0);
    m1 = K(sel4)(e3 > m1, e3, m1);
    i += 16;
  }
  for (; i < n; i += 4) {
    d4 e;
    if (i + 4 <= n && i != hot) {
      e = K(exp_nonpositive_d)(K(load4)(p + i) - s);
    } else {
      e = K(exp_nonpositive_d)((i + 4 <= n ? K(load4)(p + i) : K(load4tail)(p + i, n - i, -INFINITY)) - s);
      e = K(sel4)((lanes + i) == excluded, (d4)0.0, e);
    }
    if (i + 4 <= n) {
      K(store4)(q + i, e);
    } else {
      for (long j = 0; j < n - i; j++) q[i + j] = e[j];
    }
    if (((i >> 2) & 1) == 0) {
      a0 += e;
      m0 = K(sel4)(e > m0, e, m0);
    } else {
      a1 += e;
      m1 = K(sel4)(e > m1, e, m1);
    }
  }
  m0 = K(sel4)(m1 > m0, m1, m0);
  double largest = m0[0];
  for (int j = 0; j < 4; j++) largest = K(smaximum)(largest, m0[j]);
  *maximum = largest;
  return K(lanesum4)(a0 + a1);
}

/// φ(x) = log(1 − x) + x = −x·y − 2y³ Σ_{k<terms} c_k y^{2k}, y = x/(2 − x).
INLINE d4 K(phi_series)(d4 x, long terms, const double *coefficients) {
  d4 y = x / (2 - x);
  d4 y2 = y * y;
  d4 s = (d4)coefficients[terms - 1];
  for (long k = terms - 2; k >= 0; k--) s = FMA(y2, s, (d4)coefficients[k]);
  return -(x * y) - 2 * (y * y2) * s;
}

static double K(phi_sum_excluding)(long excluded, const double *p, long n, double k, double total, double scale,
                                   long terms, const double *coefficients) {
  if (n <= 0) return 0;
  d4 kv = (d4)k, total_v = (d4)(-total), scale_v = (d4)scale;
  const l4 lanes = {0, 1, 2, 3};
  long hot = excluded & ~3L;
  d4 s0 = (d4)0.0, s1 = s0, s2 = s0, s3 = s0;
  long i = 0;
  while (i + 16 <= n && (hot < i || hot >= i + 16)) {
    s0 += K(phi_series)(FMA(kv, K(load4)(p + i), total_v) * scale_v, terms, coefficients);
    s1 += K(phi_series)(FMA(kv, K(load4)(p + i + 4), total_v) * scale_v, terms, coefficients);
    s2 += K(phi_series)(FMA(kv, K(load4)(p + i + 8), total_v) * scale_v, terms, coefficients);
    s3 += K(phi_series)(FMA(kv, K(load4)(p + i + 12), total_v) * scale_v, terms, coefficients);
    i += 16;
  }
  for (; i < n; i += 4) {
    d4 xv;
    if (i + 4 <= n && i != hot) {
      xv = FMA(kv, K(load4)(p + i), total_v) * scale_v;
    } else {
      // The excluded index and the padding lanes contribute φ(0) = 0.
      xv = FMA(kv, i + 4 <= n ? K(load4)(p + i) : K(load4tail)(p + i, n - i, 0.0), total_v) * scale_v;
      l4 index = lanes + i;
      xv = K(sel4)((index == excluded) | (index >= n), (d4)0.0, xv);
    }
    if (((i >> 2) & 1) == 0) {
      s0 += K(phi_series)(xv, terms, coefficients);
    } else {
      s1 += K(phi_series)(xv, terms, coefficients);
    }
  }
  return K(lanesum4)((s0 + s1) + (s2 + s3));
}

static void K(power_sums)(const double *p, long n, long r, double *q) {
  d4 acc[129];
  if (r > 128) r = 128;
  for (long s = 0; s <= r; s++) acc[s] = (d4)0.0;
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    d4 v0 = K(load4)(p + i), v1 = K(load4)(p + i + 4);
    d4 p0 = v0 * v0, p1 = v1 * v1;
    acc[2] += p0 + p1;
    for (long s = 3; s <= r; s++) {
      p0 *= v0;
      p1 *= v1;
      acc[s] += p0 + p1;
    }
  }
  for (; i < n; i += 4) {
    d4 v0 = i + 4 <= n ? K(load4)(p + i) : K(load4tail)(p + i, n - i, 0.0);
    d4 p0 = v0 * v0;
    acc[2] += p0;
    for (long s = 3; s <= r; s++) {
      p0 *= v0;
      acc[s] += p0;
    }
  }
  for (long s = 2; s <= r; s++) q[s] = K(lanesum4)(acc[s]);
}

/// Double-double power sums (LogSpace.powerSumsDoubleDouble): every power carried as hi + lo with
/// exact two-products (these need a true FMA: on the baseline path of x86-64 they call the C
/// library's fma, exact and slower), accumulated with two-sums per lane.
static void K(power_sums_double_double)(const double *p, long n, long r, double *out) {
  d4 acc[2 * 129];
  if (r > 128) r = 128;
  for (long s = 0; s < 2 * (r + 1); s++) acc[s] = (d4)0.0;
  for (long i = 0; i < n; i += 4) {
    d4 v = i + 4 <= n ? K(load4)(p + i) : K(load4tail)(p + i, n - i, 0.0);
    d4 ph = v * v;
    d4 pl = K(exact_fma4)(v, v, -ph);
    for (long s = 2;; s++) {
      d4 ah = acc[2 * s];
      d4 sum = ah + ph;
      d4 bb = sum - ah;
      d4 err = (ah - (sum - bb)) + (ph - bb);
      acc[2 * s] = sum;
      acc[2 * s + 1] += err + pl;
      if (s == r) break;
      d4 h = ph * v;
      d4 e = K(exact_fma4)(ph, v, -h);
      d4 l = e + pl * v;
      ph = h + l;
      pl = l - (ph - h);
    }
  }
  for (long s = 0; s <= r; s++) {
    K(store4)(out + 8 * s, acc[2 * s]);
    K(store4)(out + 8 * s + 4, acc[2 * s + 1]);
  }
}

static void K(affine)(const double *x, long n, double a, double b, double scale, double *out) {
  long i = 0;
  d4 av = (d4)a, bv = (d4)b, sv = (d4)scale;
  for (; i + 4 <= n; i += 4) K(store4)(out + i, FMA(av, K(load4)(x + i), bv) * sv);
  for (; i < n; i++) out[i] = FMAS(a, x[i], b) * scale;
}

static double K(horner)(const double *c, long top, long bottom, double x) {
  double acc = c[top];
  for (long i = top - 1; i >= bottom; i--) acc = FMAS(acc, x, c[i]);
  return acc;
}

/// φ(x) for one x ∈ [−1, 1/2] (LogSpace.phi): lane 0 of `phi_series`, on a scalar.
static double K(phi)(double x, long terms, const double *coefficients) {
  double y = x / (2 - x);
  double y2 = y * y;
  double s = coefficients[terms - 1];
  for (long k = terms - 2; k >= 0; k--) s = FMAS(y2, s, coefficients[k]);
  return -(x * y) - 2 * (y * y2) * s;
}

/// Double-double arithmetic as JVICore's DoubleDouble (Knuth's two-sum, the FMA two-product; the
/// products need a true FMA, which `fma` is on every path: the baseline of x86-64 calls the C
/// library's).
typedef struct {
  double hi, lo;
} K(dd);
INLINE K(dd) K(dd_quick_two_sum)(double a, double b) {
  double s = a + b;
  return (K(dd)){s, b - (s - a)};
}
INLINE K(dd) K(dd_add)(K(dd) a, K(dd) b) {
  double s = a.hi + b.hi, bb = s - a.hi, e = (a.hi - (s - bb)) + (b.hi - bb);
  double t = a.lo + b.lo, cc = t - a.lo, f = (a.lo - (t - cc)) + (b.lo - cc);
  K(dd) u = K(dd_quick_two_sum)(s, e + t);
  return K(dd_quick_two_sum)(u.hi, u.lo + f);
}
INLINE K(dd) K(dd_mul)(K(dd) a, K(dd) b) {
  double p = a.hi * b.hi;
  double e = fma(a.hi, b.hi, -p);
  return K(dd_quick_two_sum)(p, e + (a.hi * b.lo + a.lo * b.hi));
}

/// Horner's rule in double-double: acc = c[top], then acc = c[i] + acc·x for i = top − 1 … bottom
/// (c holds hi, lo pairs).
static void K(horner_double_double)(const double *c, long top, long bottom, double x_hi, double x_lo,
                                    double *hi, double *lo) {
  K(dd) x = {x_hi, x_lo};
  K(dd) acc = {c[2 * top], c[2 * top + 1]};
  for (long i = top - 1; i >= bottom; i--) acc = K(dd_add)((K(dd)){c[2 * i], c[2 * i + 1]}, K(dd_mul)(acc, x));
  *hi = acc.hi;
  *lo = acc.lo;
}
