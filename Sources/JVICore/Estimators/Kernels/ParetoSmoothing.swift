#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Pareto-smoothed importance sampling of one row, as the stan-dev `loo` package computes it
/// (Vehtari, Simpson, Gelman, Yao, Gabry, "Pareto smoothed importance sampling", JMLR 25, 2024):
///
/// 1. shift by the maximum M: d_i = log w_i − M ≤ 0;
/// 2. the tail is the T = ⌈min(K/5, 3√K)⌉ largest d (r_eff = 1); with T < 5 there is no fit and
///    k̂ = ∞; the cutoff c is the largest d outside the tail;
/// 3. fit a generalized Pareto distribution to the exceedances e^(d) − e^c of the tail
///    (`GeneralizedParetoFit`, weakly informative prior on k̂);
/// 4. replace the z-th smallest tail weight by F⁻¹((z − ½)/T) + e^c, capped at the largest raw
///    weight (e^0 = 1);
/// 5. the PSIS estimate is M + log((1/K) Σ smoothed weights).
///
/// A constant tail (its spread below ε/100) or a fit that is not identifiable leaves the
/// weights unsmoothed, with k̂ = ∞, as loo does. Only the values matter for the mean, so the
/// smoothed tail is not put back in place: the non-tail weights are summed directly (never as a
/// total minus the tail).
///
/// Edge cases: an all −∞ row gives −∞ (k̂ = ∞); equal weights give that weight exactly (the tail
/// is constant, nothing is smoothed, the mean of K ones is 1). Zero weights (−∞) sort below the
/// tail and add nothing.
/// Error bound: the smoothed mean carries a few ulp from the sums and logs, plus the fit's own
/// rounding (k̂ to ≈ 10⁻¹⁵ of NumPyro's references).
/// Cost: a sort of the row, O(K log K), and the fit's (30 + √T)·T log1p: ≈ 40 µs at K = 1024.
public struct ParetoSmoothedRow: Sendable, Equatable {
  /// k̂; +∞ when the tail is too short, constant, or not identifiable.
  public var paretoK: Double
  /// The PSIS estimate M + log(mean smoothed weight); NaN when the tail is too short.
  public var logMeanWeight: Double
  /// (Σ w̃)²/Σ w̃² of the smoothed weights (loo's PSIS n_eff with r_eff = 1); 0 for no weights.
  public var effectiveSampleSize: Double
  /// T, the tail length.
  public var tailLength: Int
}

public enum ParetoSmoothing {
  /// The fewest tail points a fit is attempted with (loo's `min_len`).
  public static let minimumTailLength = 5
  /// The smallest row for which the tail has 5 points: T(21) = ⌈4.2⌉ = 5.
  public static let minimumSampleCount = 21

  /// T = ⌈min(K/5, 3√K)⌉, loo's `n_pareto` with r_eff = 1.
  public static func tailLength(sampleCount k: Int) -> Int {
    Int(Swift.min(0.2 * Double(k), 3 * Double(k).squareRoot()).rounded(.up))
  }

  /// The Pareto-smoothed row; `scratch` holds at least K doubles.
  public static func smooth(_ x: UnsafeBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>)
    -> ParetoSmoothedRow
  {
    let k = x.count
    let t = tailLength(sampleCount: k)
    let m = LogSpace.maximum(x)
    if t < minimumTailLength {
      return ParetoSmoothedRow(paretoK: .infinity, logMeanWeight: .nan, effectiveSampleSize: 0, tailLength: t)
    }
    if m == -.infinity {
      return ParetoSmoothedRow(paretoK: .infinity, logMeanWeight: -.infinity, effectiveSampleSize: 0, tailLength: t)
    }
    precondition(scratch.count >= k, "scratch holds \(scratch.count) entries; K = \(k) needed")
    var d = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    for i in 0..<k { d[i] = x[i] - m }
    d.sort()
    let body = UnsafeBufferPointer(rebasing: d[0..<(k - t)])
    let tail = UnsafeMutableBufferPointer(rebasing: d[(k - t)..<k])
    let (bodySum, bodySquares) = sumAndSquares(body)
    var khat = Double.infinity
    var (tailSum, tailSquares) = sumAndSquares(UnsafeBufferPointer(tail))
    let cutoff = d[k - t - 1]
    if tail[t - 1] - tail[0] >= Double.ulpOfOne / 100, let fit = exceedanceFit(tail, cutoff: cutoff) {
      khat = fit.shape
      let base = exp(cutoff)
      (tailSum, tailSquares) = (0, 0)
      for z in 0..<t {
        let w = Swift.min(fit.quantile((Double(z) + 0.5) / Double(t)) + base, 1)
        tailSum += w
        tailSquares += w * w
      }
    }
    let total = bodySum + tailSum, squares = bodySquares + tailSquares
    return ParetoSmoothedRow(
      paretoK: khat, logMeanWeight: m + log(total / Double(k)), effectiveSampleSize: total * total / squares,
      tailLength: t)
  }

  /// The generalized Pareto fit to e^(tail) − e^(cutoff), or nil when it is not identifiable.
  /// Overwrites `tail` with the exceedances (the raw tail is not needed once they are formed).
  static func exceedanceFit(_ tail: UnsafeMutableBufferPointer<Double>, cutoff: Double) -> GeneralizedParetoFit? {
    let base = exp(cutoff)
    for i in tail.indices { tail[i] = exp(tail[i]) - base }
    return GeneralizedParetoFit(sortedExceedances: UnsafeBufferPointer(tail))
  }

  /// (Σ e^(d_i), Σ e^(2 d_i)) for d ≤ 0.
  static func sumAndSquares(_ d: UnsafeBufferPointer<Double>) -> (Double, Double) {
    var s = 0.0, s2 = 0.0
    for v in d {
      let w = exp(v)
      s += w
      s2 += w * w
    }
    return (s, s2)
  }
}
