import CJVIKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension LogSpace {
  /// 1/(2k + 3), k = 0…21: the coefficients of the atanh series in `phi`.
  @usableFromInline
  static let phiSeriesCoefficients: [Double] = (0..<22).map { 1.0 / Double(2 * $0 + 3) }

  /// The largest |y| for which `n` series terms (n = 1…22) keep the truncation error of `phi`
  /// below 2^−56 relative: the smallest n with |y|^(2n+1) / ((2n+3)(1 − y²)) ≤ 2^−56.
  @usableFromInline
  static let phiSeriesThresholds: [Double] = (1...22).map { n in
    // Bisection on y ∈ [0, 1/3]; the bound is increasing in y.
    var lo = 0.0, hi = 1.0 / 3.0
    for _ in 0..<80 {
      let mid = 0.5 * (lo + hi)
      let bound = pow(mid, Double(2 * n + 1)) / (Double(2 * n + 3) * (1 - mid * mid))
      if bound <= 0x1p-56 { lo = mid } else { hi = mid }
    }
    return n == 22 ? 1.0 / 3.0 : lo
  }

  /// Number of atanh-series terms `phi` needs when every argument has |x/(2 − x)| ≤ `maxAbsY`
  /// (≤ 1/3, i.e. x ∈ [−1, 1/2]). 1 for |y| < 2e−6, 22 at |y| = 1/3.
  @inlinable
  public static func phiSeriesTermCount(maxAbsY: Double) -> Int {
    let thresholds = phiSeriesThresholds
    for n in 0..<thresholds.count where maxAbsY <= thresholds[n] { return n + 1 }
    return thresholds.count
  }

  /// φ(x) = log(1 − x) + x ≤ 0 on four lanes, by the atanh series, for x ∈ [−1, 1/2].
  ///
  /// With y = x/(2 − x) (|y| ≤ 1/3), log(1 − x) = −2 atanh y, so
  /// φ(x) = −x·y − 2y³ Σ_{k<n} y^{2k}/(2k + 3).
  /// For x > 0 both parts are negative; for x < 0 the second is below 6% of the first, so
  /// φ is accurate to a few ulp *relative* — `log1p(−x) + x` would lose 1/|x| of it.
  ///
  /// Error bound: ≤ 4 ulp + the truncation error chosen by `terms`
  /// (see `phiSeriesTermCount(maxAbsY:)`). φ(0) = 0 exactly.
  ///
  /// Evaluated lane by lane by the C kernels' series (`jvi_phi`), the same arithmetic as the
  /// four-lane sums of `leaveOneOut` and as `phi(_:)`.
  public static func phiSeries(_ x: SIMD4<Double>, terms: Int, coefficients: UnsafePointer<Double>)
    -> SIMD4<Double>
  {
    var out = SIMD4<Double>()
    for lane in 0..<4 { out[lane] = jvi_phi(x[lane], terms, coefficients) }
    return out
  }

  /// φ(x) = log(1 − x) + x for one x < 1.
  ///
  /// Uses the 22-term atanh series on [−1, 1/2] (a few ulp relative), `log1p(−x) + x`
  /// elsewhere. Near x = 1, where 1 − x cancels, prefer `phi(_:logOneMinusX:)`.
  public static func phi(_ x: Double) -> Double {
    if x >= -1 && x <= 0.5 {
      // The series on one lane, in the C kernels (the same arithmetic as `phiSeries`).
      return phiSeriesCoefficients.withUnsafeBufferPointer { c in
        guard let base = c.baseAddress else { return log1p(-x) + x }
        return jvi_phi(x, c.count, base)
      }
    }
    return log1p(-x) + x
  }

  /// φ(x) = log(1 − x) + x when an accurate log(1 − x) is known from elsewhere
  /// (for x near 1, where forming 1 − x would cancel). Uses the series on [−1, 1/2].
  public static func phi(_ x: Double, logOneMinusX: Double) -> Double {
    if x >= -1 && x <= 0.5 { return phi(x) }
    return logOneMinusX + x
  }
}
