import Foundation
import JVICore
import Testing

/// The asymptotic bias series (RelativeWeightMoments) and the exact Gamma-law bias.
@Suite struct BiasSeriesTests {
  /// For Gamma(a, θ) weights E[IWAE_K] − log p = ψ(Ka) − log(Ka) = −1/(2x) − 1/(12x²) + 1/(120x⁴) − …,
  /// x = Ka: the series through K⁻³ must leave exactly the 1/(120x⁴) term.
  @Test(arguments: [0.5, 1.0, 3.0])
  func gammaSeriesLeavesTheFourthOrderTerm(shape a: Double) throws {
    let law = SyntheticWeightLaw.gamma(shape: a, scale: 2)
    let moments = law.moments
    #expect(abs(moments.iwaeBiasCoefficients.2) < 1e-12 * max(1, 1 / (a * a * a)))
    for k in [64, 256, 1024] {
      let x = Double(k) * a
      let exact = try #require(law.exactBias(sampleCount: k, order: 0))
      #expect(abs(exact - (SpecialFunctions.digamma(x) - log(x))) < 1e-15)
      let residual = exact - moments.iwaeBias(sampleCount: k)
      let expected = 1 / (120 * x * x * x * x)
      // ψ(x) and log x are each good to a few ulp of log x, which bounds what the residual can resolve.
      #expect(abs(residual - expected) <= 0.05 * expected + 8 * Double.ulpOfOne * log(x))
    }
  }

  /// JVI of order m removes the first m terms: the exact Gamma JVI bias falls like K^−(m+1)
  /// (here the 1/x² and 1/x⁴ terms of ψ), and matches the series' Σ c_j bias(K − j).
  @Test func gammaJackknifeBiasFallsWithTheOrder() throws {
    let law = SyntheticWeightLaw.gamma(shape: 1, scale: 1)
    for k in [32, 64, 128] {
      let b0 = try #require(law.exactBias(sampleCount: k, order: 0))
      let b1 = try #require(law.exactBias(sampleCount: k, order: 1))
      let b2 = try #require(law.exactBias(sampleCount: k, order: 2))
      // JVI-1: −(1/12)(K/K² − (K−1)/(K−1)²) = −1/(12 K(K−1))·... : the 1/x² term combined.
      let kd = Double(k)
      let expected1 = -1.0 / 12 * (kd / (kd * kd) - (kd - 1) / ((kd - 1) * (kd - 1)))
      #expect(abs(b1 - expected1) <= 0.02 * abs(expected1))
      #expect(abs(b1) < abs(b0) / (kd / 4))
      #expect(abs(b2) < abs(b1) / (kd / 8))
      let series = law.moments.jackknifeBias(sampleCount: k, order: 1)
      #expect(abs(b1 - series) <= 0.02 * abs(b1))
    }
    #expect(SyntheticWeightLaw.logNormal(mu: 0, sigma: 1).exactBias(sampleCount: 4, order: 0) == nil)
  }

  /// Log-normal moments agree with direct numerical integration over log w ~ N(μ, σ²).
  @Test(arguments: [0.3, 1.0, 1.5])
  func logNormalMomentsMatchQuadrature(sigma: Double) {
    let m = SyntheticWeightLaw.logNormal(mu: 0.4, sigma: sigma).moments
    // E[(w/μ − 1)^n] by the trapezoid rule on a fine grid over ±14σ.
    let mean = exp(0.4 + sigma * sigma / 2)
    var s = [0.0, 0.0, 0.0]
    let steps = 200_000
    let h = 28 * sigma / Double(steps)
    for i in 0...steps {
      let t = -14 * sigma + Double(i) * h
      let density = exp(-t * t / (2 * sigma * sigma)) / (sigma * (2 * Double.pi).squareRoot())
      let weight = (i == 0 || i == steps) ? 0.5 : 1.0
      let r = exp(0.4 + t) / mean - 1
      s[0] += weight * h * density * r * r
      s[1] += weight * h * density * r * r * r
      s[2] += weight * h * density * r * r * r * r
    }
    #expect(abs(s[0] / m.s2 - 1) < 1e-9)
    #expect(abs(s[1] / m.s3 - 1) < 1e-8)
    #expect(abs(s[2] / m.s4 - 1) < 1e-7)
  }
}
