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
  /// Cost: a selection of the tail, O(K), a sort of its T entries, and the fit, as `smooth`.
  ///
  /// - Parameters:
  ///   - x: the K raw log-weights.
  ///   - out: K entries for the smoothed log-weights.
  ///   - scratch: at least K doubles.
  /// - Returns: k̂.
  ///
  /// Cost: the tail is found by selection, O(K), and only its T entries are sorted, O(T log T)
  /// (T ≈ 3√K), before the fit.
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
      let (tailPositions, cutoff) = largestEntries(UnsafeBufferPointer(out), count: t, scratch: scratch)
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

  /// The positions of the `count` largest entries of `d`, in increasing order of value (ties by
  /// position), and the largest value outside them: the last `count` entries and the one before
  /// of a sort of (value, position) pairs, found by selection. `scratch` holds ≥ K doubles.
  static func largestEntries(
    _ d: UnsafeBufferPointer<Double>, count t: Int, scratch: UnsafeMutableBufferPointer<Double>
  )
    -> (positions: [Int], cutoff: Double)
  {
    let k = d.count
    let work = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    for i in 0..<k { work[i] = d[i] }
    // The value of ascending rank K − T − 1: the cutoff. Entries above it are in the tail; of
    // those equal to it, the tail takes the last positions, as the sort by position would.
    let cutoff = select(work, rank: k - t - 1)
    var above: [Int] = []
    var ties: [Int] = []
    above.reserveCapacity(t)
    for i in 0..<k {
      if d[i] > cutoff {
        above.append(i)
      } else if d[i] == cutoff {
        ties.append(i)
      }
    }
    var positions = Array(ties.suffix(t - above.count)) + above
    positions.sort { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }
    return (positions, cutoff)
  }

  /// The value of ascending rank `rank` (0-based) of `a`, by Hoare's selection with a median of
  /// three; `a` is reordered. Expected O(K).
  static func select(_ a: UnsafeMutableBufferPointer<Double>, rank: Int) -> Double {
    var lo = 0, hi = a.count - 1
    while lo < hi {
      let mid = lo + (hi - lo) / 2
      // Median of three as the pivot.
      if a[mid] < a[lo] { a.swapAt(mid, lo) }
      if a[hi] < a[lo] { a.swapAt(hi, lo) }
      if a[hi] < a[mid] { a.swapAt(hi, mid) }
      let pivot = a[mid]
      var i = lo, j = hi
      while i <= j {
        while a[i] < pivot { i += 1 }
        while pivot < a[j] { j -= 1 }
        if i <= j {
          a.swapAt(i, j)
          i += 1
          j -= 1
        }
      }
      if rank <= j {
        hi = j
      } else if rank >= i {
        lo = i
      } else {
        return a[rank]
      }
    }
    return a[lo]
  }
}
