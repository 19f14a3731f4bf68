import CJVIKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension LogSpace {
  /// Leave-one-out terms of one row; see `LeaveOneOutTerms`.
  ///
  /// - Parameters:
  ///   - x: K ≥ 2 log-weights (finite or −∞).
  ///   - scratch: at least K doubles, overwritten.
  public static func leaveOneOut(
    _ x: UnsafeBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>
  ) -> LeaveOneOutTerms {
    let k = x.count
    precondition(k >= 2, "leave-one-out needs K ≥ 2")
    let (m, top) = maximumAndFirstIndex(x)
    if m == -.infinity { return LeaveOneOutTerms(iwae: -.infinity, meanLogRatio: -.infinity) }
    let a = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    // One pass: a_i = exp(x_i − M) with a_{i*} = 0, Σ_{i≠i*} a_i and the second-largest a.
    let (others, secondLargest) = storeExpShiftedExcluding(top, x, shift: m, into: a)
    let total = 1 + others
    let logTotal = log(total)
    let iwae = m + log(total / Double(k))
    // log ρ_{i*} = log(Σ_{i≠i*} w_i / S), relative to the maximum: from the shifted sum while it
    // holds full precision, else from the complement's own log-sum-exp.
    let logRhoTop =
      others >= 0x1p-900
      ? log(others) - logTotal
      : withUnsafePointer(to: top) { LogSpace.logSumExp(x, excluding: UnsafeBufferPointer(start: $0, count: 1)) } - m
        - logTotal

    let kd = Double(k)
    let scale = 1 / ((kd - 1) * total)
    let xHigh = (kd * secondLargest - total) * scale
    let xLow = -1 / (kd - 1)
    let maxAbsY = Swift.max(abs(xHigh / (2 - xHigh)), abs(xLow / (2 - xLow)))
    let terms = phiSeriesTermCount(maxAbsY: maxAbsY)
    var sumPhi = phiSumExcluding(top, a: UnsafeBufferPointer(a), k: kd, total: total, scale: scale, terms: terms)
    let xTop = (kd - total) * scale
    sumPhi += phi(xTop, logOneMinusX: log1p(1 / (kd - 1)) + logRhoTop)
    return LeaveOneOutTerms(iwae: iwae, meanLogRatio: sumPhi / kd)
  }

  /// log ρ_i = log(1 − u_i), the log share of the mass that leaving sample i out keeps, for every
  /// i, into `out` (K ≥ 2 entries): IWAE_{K−1}^(−i) = IWAE_K + log(K/(K − 1)) + log ρ_i.
  ///
  /// log1p(−u_i) for every i but the first arg-max i*, where u_i ≤ 1/2; for i*, the log-sum-exp of
  /// the others (never 1 − u_{i*}, which cancels when one weight dominates). An all −∞ row gives
  /// NaN throughout (no weights to share); a row with one non-zero weight gives −∞ at i*.
  /// Error bound: a few ulp of each log ρ_i. Cost: one exp and one log1p per element.
  public static func leaveOneOutLogShares(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>
  ) {
    let k = x.count
    precondition(k >= 2, "leave-one-out needs K ≥ 2")
    precondition(out.count >= k, "out holds \(out.count) entries; K = \(k) needed")
    let (m, top) = maximumAndFirstIndex(x)
    if m == -.infinity {
      for i in 0..<k { out[i] = .nan }
      return
    }
    let a = UnsafeMutableBufferPointer(rebasing: out[0..<k])
    let (others, _) = storeExpShiftedExcluding(top, x, shift: m, into: a)
    let total = 1 + others
    let logTotal = log(total)
    for i in 0..<k where i != top { a[i] = log1p(-a[i] / total) }
    a[top] =
      others >= 0x1p-900
      ? log(others) - logTotal
      : withUnsafePointer(to: top) { LogSpace.logSumExp(x, excluding: UnsafeBufferPointer(start: $0, count: 1)) } - m
        - logTotal
  }

  /// Σ_{i ≠ excluded} φ(x_i), x_i = (K a_i − A)/((K − 1)A) = (K u_i − 1)/(K − 1), by `phiSeries` on
  /// four lanes in the C kernels. The excluded lane contributes φ(0) = 0 exactly.
  static func phiSumExcluding(
    _ excluded: Int, a: UnsafeBufferPointer<Double>, k: Double, total: Double, scale: Double, terms: Int
  ) -> Double {
    guard let p = a.baseAddress else { return 0 }
    return phiSeriesCoefficients.withUnsafeBufferPointer { c -> Double in
      guard let coefficients = c.baseAddress else { return 0 }
      return jvi_phi_sum_excluding(excluded, p, a.count, k, total, scale, terms, coefficients)
    }
  }
}
