#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The differences the unbiased estimators telescope over (SUMO, multilevel Monte Carlo),
/// each computed without forming the two IWAE values it separates.
extension LogSpace {
  /// IWAE_{j+1} − IWAE_j = log((j + e^d)/(j + 1)), where the (j+1)-th log-weight exceeds IWAE_j
  /// by d (so e^d is the new weight over the running mean):
  ///
  ///     log1p(expm1(d)/(j + 1))            (d < 700)
  ///     d − log(j + 1) + log1p(j e^(−d))   (d ≥ 700, where expm1 would overflow; no cancellation)
  ///
  /// Edge cases: d = −∞ (a zero weight) gives log(j/(j + 1)); equal weights (d = 0) give exactly 0.
  /// Error bound: a few ulp relative to the result (expm1, one division and log1p).
  @inlinable
  public static func iwaeIncrement(excess d: Double, count j: Int) -> Double {
    let n = Double(j + 1)
    if d < 700 { return log1p(expm1(d) / n) }
    return d - log(n) + log1p(Double(j) * exp(-d))
  }

  /// log cosh(x) ≥ 0, the antithetic level difference of multilevel IWAE: for two halves of 2^k
  /// log-weights with log-sums a and b,
  ///
  ///     IWAE_{2^{k+1}} − ½(IWAE_{2^k}^(a) + IWAE_{2^k}^(b)) = log((e^a + e^b)/2) − (a + b)/2 = log cosh((a − b)/2).
  ///
  /// Computed as log1p(2 sinh²(x/2)) for |x| < 1 (sinh from expm1) and |x| − log 2 + log1p(e^(−2|x|))
  /// beyond, so neither form cancels; ±∞ gives +∞, 0 gives exactly 0.
  /// Error bound: a few ulp relative.
  @inlinable
  public static func logCosh(_ x: Double) -> Double {
    let a = Swift.abs(x)
    if a < 1 {
      let e = expm1(a / 2)
      let sinh = (e + e / (e + 1)) / 2
      return log1p(2 * sinh * sinh)
    }
    if a == .infinity { return .infinity }
    return a - 0.693_147_180_559_945_309_4 + log1p(exp(-2 * a))
  }
}
