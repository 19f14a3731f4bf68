#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension LogSpace {
  /// The self-normalised estimate of E_{π_β}[log w] for π_β ∝ q^(1−β) p(x, z)^β from samples of q:
  ///
  ///     E_β ≈ Σ_i softmax(β log w)_i · log w_i = M + Σ_i e^(β d_i) d_i / Σ_i e^(β d_i),   d_i = log w_i − M,
  ///
  /// centred on the maximum M, so equal log-weights give M exactly and the weighted mean of the
  /// d_i ≤ 0 has no cancellation. β = 0 is the plain mean (the ELBO, `shiftedMean`).
  /// Edge cases: zero weights (d = −∞) have weight 0 for β > 0 and make the β = 0 mean −∞; an
  /// all −∞ block gives −∞.
  /// Error bound: ≤ c·ε·(|M| + max|d|) absolute. Cost: one exp per element.
  public static func temperedMean(_ x: UnsafeBufferPointer<Double>, beta: Double) -> Double {
    if beta == 0 { return shiftedMean(x) }
    let m = maximum(x)
    if m == -.infinity { return -.infinity }
    var weights = 0.0, weighted = 0.0
    for v in x where v > -.infinity {
      let d = v - m
      let w = exp(beta * d)
      weights += w
      weighted += w * d
    }
    return m + weighted / weights
  }
}
