/// Standardised central moments of importance weights, the inputs of the asymptotic bias of
/// IWAE and JVI (docs/jackknife-math.md §4a). With μ = E[w] = p(x):
///
///     s₂ = E(w − μ)²/μ²,   s₃ = E(w − μ)³/μ³,   s₄ = E(w − μ)⁴/μ⁴.
///
/// A moment that does not exist is +∞.
public struct RelativeWeightMoments: Sendable, Equatable {
  public var s2: Double
  public var s3: Double
  public var s4: Double

  public init(s2: Double, s3: Double, s4: Double) {
    self.s2 = s2
    self.s3 = s3
    self.s4 = s4
  }

  /// From the raw moments M_n = E[(w/μ)^n], n = 2, 3, 4:
  /// s₂ = M₂ − 1, s₃ = M₃ − 3M₂ + 2, s₄ = M₄ − 4M₃ + 6M₂ − 3.
  public init(rawMoments m2: Double, _ m3: Double, _ m4: Double) {
    s2 = m2 - 1
    s3 = m3.isFinite ? m3 - 3 * m2 + 2 : .infinity
    s4 = m4.isFinite ? m4 - 4 * m3 + 6 * m2 - 3 : .infinity
  }

  /// The coefficients of the bias series E[IWAE_K] − log p = Σ_p β_p K^−p:
  ///
  ///     β₁ = −s₂/2,   β₂ = s₃/3 − 3s₂²/4,   β₃ = −(s₄ − 3s₂²)/4 + 2s₂s₃ − 5s₂³/2,
  ///
  /// from E log(1 + ε) = Σ (−1)^{n+1} E εⁿ/n with ε = w̄/μ − 1, E ε² = s₂/K,
  /// E ε³ = s₃/K², E ε⁴ = 3s₂²/K² + (s₄ − 3s₂²)/K³, E ε⁵ = 10s₂s₃/K³ + O(K⁻⁴),
  /// E ε⁶ = 15s₂³/K³ + O(K⁻⁴). (Gamma weights check it: ψ(x) − log x = −1/(2x) − 1/(12x²) + O(x⁻⁴).)
  public var iwaeBiasCoefficients: (Double, Double, Double) {
    (-s2 / 2, s3 / 3 - 0.75 * s2 * s2, -(s4 - 3 * s2 * s2) / 4 + 2 * s2 * s3 - 2.5 * s2 * s2 * s2)
  }

  /// E[IWAE_K] − log p(x) to O(K⁻⁴). Asymptotic: accurate only once K ≫ s₂.
  public func iwaeBias(sampleCount k: Int) -> Double {
    let (b1, b2, b3) = iwaeBiasCoefficients
    let x = 1 / Double(k)
    return x * (b1 + x * (b2 + x * b3))
  }

  /// E[JVI_{K,m}] − log p(x) from the same series, Σ_j c_j · bias(IWAE_{K−j}) (the jackknife is
  /// linear in the Lbar_{K−j}, and E Lbar_{K−j} = E IWAE_{K−j}). Leading term (−1)^m β_{m+1}/K^{m+1}
  /// for m ≤ 2; for m ≥ 3 the series gives only the O(K⁻⁴) remainder.
  public func jackknifeBias(sampleCount k: Int, order m: Int) -> Double {
    if m == 0 { return iwaeBias(sampleCount: k) }
    let c = JackknifeCoefficients.values(sampleCount: k, order: m)
    var s = 0.0
    for j in 0...m { s += c[j] * iwaeBias(sampleCount: k - j) }
    return s
  }

  /// The size of the last series term kept, |β₃|/K³: a scale for what the truncation neglects.
  public func seriesTruncationScale(sampleCount k: Int) -> Double {
    abs(iwaeBiasCoefficients.2) / (Double(k) * Double(k) * Double(k))
  }
}
