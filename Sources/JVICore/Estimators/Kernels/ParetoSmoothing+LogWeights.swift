#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension ParetoSmoothing {
  /// The Pareto-smoothed, truncated and normalised log-weights of one row, in place of the raw
  /// ones, with k̂: the output of ArviZ's `psislw` (`arviz.psislw(log_weights)`, r_eff = 1).
  ///
  /// With d_i = log w_i − M (M the row's maximum) and the tail of the T = ⌈min(K/5, 3√K)⌉ largest
  /// d (as `smooth`), each tail entry, in rank order z = 1…T, becomes
  ///
  ///     log(min(F⁻¹((z − ½)/T) + e^c, 1)),
  ///
  /// F the generalized Pareto fit to the exceedances e^d − e^c (c the largest d outside the
  /// tail); the body is kept. Then every entry has the log-sum-exp of the row subtracted, so
  /// Σ_i exp(out_i) = 1 up to rounding. With no fit (T < 5, a constant tail, a fit that is not
  /// identifiable) k̂ = +∞ and the weights are only normalised, as ArviZ does.
  ///
  /// Convention: ArviZ's (normalised: log-sum-exp 0). R's loo `psis()` returns the smoothed
  /// weights unnormalised (on the scale of d); add log Σ exp(d) back for that. ArviZ's tail is
  /// the entries strictly above the (T+1)-th largest, which is this tail unless that entry ties
  /// with the tail's smallest; ArviZ also raises the cutoff to log(DBL_MIN) ≈ −708 for rows whose
  /// weights span more than that. Those two corners can differ from ArviZ; no other does.
  ///
  /// Edge cases: an all −∞ row stays all −∞ (no weights to normalise) with k̂ = +∞; a −∞ entry
  /// stays −∞.
  /// Error bound: each output carries the few ulp of the fit's quantile and log, plus the
  /// log-sum-exp's rounding (≲ 2 ulp of the largest entry's magnitude).
  /// Cost: a sort of the row with its indices, O(K log K), and the fit, as `smooth`.
  ///
  /// - Parameters:
  ///   - x: the K raw log-weights.
  ///   - out: K entries for the smoothed log-weights.
  ///   - scratch: at least K doubles.
  /// - Returns: k̂.
  public static func smoothedLogWeights(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    let k = x.count
    precondition(out.count == k && scratch.count >= k, "out holds \(out.count), scratch \(scratch.count); K = \(k)")
    let m = LogSpace.maximum(x)
    if m == -.infinity {
      for i in 0..<k { out[i] = -.infinity }
      return .infinity
    }
    for i in 0..<k { out[i] = x[i] - m }
    let t = tailLength(sampleCount: k)
    var khat = Double.infinity
    if t >= minimumTailLength {
      // The T largest entries' positions, in increasing order of value (ties by position).
      var order = [Int](0..<k)
      order.sort { out[$0] < out[$1] || (out[$0] == out[$1] && $0 < $1) }
      let tailPositions = order[(k - t)...]
      let cutoff = out[order[k - t - 1]]
      let tail = UnsafeMutableBufferPointer(rebasing: scratch[0..<t])
      for (z, p) in tailPositions.enumerated() { tail[z] = out[p] }
      if tail[t - 1] - tail[0] >= Double.ulpOfOne / 100, let fit = exceedanceFit(tail, cutoff: cutoff) {
        khat = fit.shape
        let base = exp(cutoff)
        for (z, p) in tailPositions.enumerated() {
          out[p] = log(Swift.min(fit.quantile((Double(z) + 0.5) / Double(t)) + base, 1))
        }
      }
    }
    let total = LogSpace.logSumExp(UnsafeBufferPointer(out))
    for i in 0..<k { out[i] -= total }
    return khat
  }
}
