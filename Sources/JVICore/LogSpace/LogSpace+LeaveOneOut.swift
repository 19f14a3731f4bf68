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

  /// Σ_{i ≠ excluded} φ(x_i), x_i = (K a_i − A)/((K − 1)A) = (K u_i − 1)/(K − 1).
  /// The excluded lane contributes φ(0) = 0 exactly.
  @inlinable
  static func phiSumExcluding(
    _ excluded: Int, a: UnsafeBufferPointer<Double>, k: Double, total: Double, scale: Double, terms: Int
  ) -> Double {
    guard let p = a.baseAddress else { return 0 }
    return phiSeriesCoefficients.withUnsafeBufferPointer { c -> Double in
      guard let coefficients = c.baseAddress else { return 0 }
      let n = a.count
      let kv = V(repeating: k), totalV = V(repeating: -total), scaleV = V(repeating: scale)
      let lanes = SIMD4<Int64>(0, 1, 2, 3)
      let hot = excluded & ~3
      var s0 = V(), s1 = V()
      var i = 0
      var s2 = V(), s3 = V()
      while i + 16 <= n && (hot < i || hot >= i + 16) {
        // Four independent chunks per iteration (the division and series are latency-bound),
        // none holding the excluded index.
        s0 += phiSeries(totalV.addingProduct(kv, load(p, i)) * scaleV, terms: terms, coefficients: coefficients)
        s1 += phiSeries(totalV.addingProduct(kv, load(p, i + 4)) * scaleV, terms: terms, coefficients: coefficients)
        s2 += phiSeries(totalV.addingProduct(kv, load(p, i + 8)) * scaleV, terms: terms, coefficients: coefficients)
        s3 += phiSeries(totalV.addingProduct(kv, load(p, i + 12)) * scaleV, terms: terms, coefficients: coefficients)
        i += 16
      }
      while i < n {
        var xv: V
        if i + 4 <= n && i != hot {
          xv = totalV.addingProduct(kv, load(p, i)) * scaleV
        } else {
          // The excluded index and the padding lanes contribute φ(0) = 0.
          xv = totalV.addingProduct(kv, i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: 0)) * scaleV
          let index = lanes &+ Int64(i)
          xv.replace(with: 0, where: (index .== Int64(excluded)) .| (index .>= Int64(n)))
        }
        if (i >> 2) & 1 == 0 {
          s0 += phiSeries(xv, terms: terms, coefficients: coefficients)
        } else {
          s1 += phiSeries(xv, terms: terms, coefficients: coefficients)
        }
        i += 4
      }
      return ((s0 + s1) + (s2 + s3)).sum()
    }
  }

}
