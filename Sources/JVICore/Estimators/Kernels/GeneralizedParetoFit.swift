#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A generalized Pareto distribution with location 0, shape k and scale σ:
///
///     F(x) = 1 − (1 + k x/σ)^(−1/k),   F⁻¹(p) = σ·expm1(−k·log1p(−p))/k  (−σ·log1p(−p) for k = 0),
///
/// fitted to exceedances by the empirical-Bayes method of Zhang & Stephens (Technometrics 51, 2009)
/// as the PSIS papers and the loo/posterior R packages do it (positive k is a heavy tail; k here is
/// the negative of Zhang & Stephens' k). With x sorted ascending, n of them,
/// m = 30 + ⌊√n⌋ grid points and x* = x[⌊n/4 + ½⌋] (1-based, the first quartile):
///
///     θ_j = 1/x_n + (1 − √(m/(j − ½)))/(3 x*),   j = 1…m
///     k(θ) = mean_i log1p(−θ x_i),   ℓ(θ) = n·(log(−θ/k(θ)) − k(θ) − 1)   (profile log-likelihood)
///     θ̂ = Σ_j w_j θ_j,  w_j ∝ exp(ℓ_j − max ℓ),  k̂ = k(θ̂),  σ̂ = −k̂/θ̂,
///
/// then the weakly informative prior (Vehtari et al., PSIS, JMLR 2024) shrinks k̂ toward 1/2:
/// k̂ ← (n k̂ + 5)/(n + 10), applied after σ̂ is computed, as in loo.
///
/// The weights are normalised by their own sum (not by exp(log Σ)), which removes the common
/// ≈ 10⁻¹² factor that ℓ ≈ 10³…10⁴ leaves in a log-sum-exp normalisation; the result matches
/// NumPyro's published reference values to ≈ 10⁻¹⁵ (loo, which does not renormalise, agrees to
/// ≈ 10⁻¹³). Every log1p argument −θ x_i lies in (−1, 0] because θ_j < 1/x_n.
///
/// Edge cases: `nil` when x* ≤ x₁ (the first quartile equals the smallest value: too many ties
/// at the cutoff, a constant or an all-zero tail), as loo returns NA. Fewer than 1 value is a
/// precondition failure.
/// Cost: m·n log1p (about 40 × M for a PSIS tail of M), the dominant cost of PSIS.
public struct GeneralizedParetoFit: Sendable, Equatable {
  /// k̂, after the prior when it was applied.
  public var shape: Double
  /// σ̂ (from the unshrunk k̂).
  public var scale: Double

  public init(shape: Double, scale: Double) {
    self.shape = shape
    self.scale = scale
  }

  /// The fit to `x` (sorted ascending, non-negative), or nil when it is not identifiable.
  public init?(sortedExceedances x: UnsafeBufferPointer<Double>, weaklyInformativePrior: Bool = true) {
    let n = x.count
    precondition(n >= 1, "a generalized Pareto fit needs at least one exceedance")
    let gridCount = 30 + Int(Double(n).squareRoot())
    // ⌊n/4 + ½⌋ (1-based); for n = 1 that is 0, which R reads as the empty x[0]: clamp to x₁.
    let quartile = x[max(0, Int((Double(n) / 4 + 0.5).rounded(.down)) - 1)]
    guard quartile > x[0] else { return nil }
    let largest = x[n - 1]
    func meanLog1p(_ theta: Double) -> Double {
      var s0 = 0.0, s1 = 0.0
      var i = 0
      while i + 1 < n {
        s0 += log1p(-theta * x[i])
        s1 += log1p(-theta * x[i + 1])
        i += 2
      }
      if i < n { s0 += log1p(-theta * x[i]) }
      return (s0 + s1) / Double(n)
    }
    var thetas = [Double](repeating: 0, count: gridCount)
    var logLikelihood = [Double](repeating: 0, count: gridCount)
    var best = -Double.infinity
    for j in 0..<gridCount {
      let theta = 1 / largest + (1 - (Double(gridCount) / (Double(j + 1) - 0.5)).squareRoot()) / 3 / quartile
      let k = meanLog1p(theta)
      let l = Double(n) * (log(-theta / k) - k - 1)
      thetas[j] = theta
      logLikelihood[j] = l
      if l > best { best = l }
    }
    var weightSum = 0.0, thetaSum = 0.0
    for j in 0..<gridCount {
      let w = exp(logLikelihood[j] - best)
      weightSum += w
      thetaSum += w * thetas[j]
    }
    let thetaHat = thetaSum / weightSum
    var k = meanLog1p(thetaHat)
    let sigma = -k / thetaHat
    if weaklyInformativePrior { k = (Double(n) * k + 5) / (Double(n) + 10) }
    guard k.isFinite else { return nil }
    shape = k
    scale = sigma
  }

  /// F⁻¹(p), the p-quantile, for 0 ≤ p < 1.
  public func quantile(_ p: Double) -> Double {
    let l = log1p(-p)
    return shape == 0 ? -scale * l : scale * expm1(-shape * l) / shape
  }
}
