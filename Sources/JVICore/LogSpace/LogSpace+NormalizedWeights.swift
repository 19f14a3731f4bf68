extension LogSpace {
  /// The self-normalised weights w̃_i = w_i / Σ_k w_k = exp(x_i − M) / Σ_k exp(x_k − M), M = max x.
  ///
  /// Edge cases: an all −∞ row gives zeros (never NaN); equal log-weights give exactly 1/K
  /// only when K is a power of two (otherwise within half an ulp).
  /// Error bound: ≤ 2 ulp relative per weight beyond the `storeExpShifted` error.
  /// Cost: one exp and one division per element.
  @inlinable
  public static func normalizedWeights(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
    let m = maximum(x)
    if m == -.infinity {
      for i in x.indices { out[i] = 0 }
      return
    }
    let total = storeExpShifted(x, shift: m, into: out).sum
    for i in x.indices { out[i] /= total }
  }
}
