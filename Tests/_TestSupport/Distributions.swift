import Foundation

/// Exact CDFs and special functions for statistical tests, in Float80 where it matters.
public enum Distributions {
  /// Φ(x), the standard normal CDF.
  public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

  /// P(a, x) = γ(a, x)/Γ(a), the Gamma(a, 1) CDF: the series for x < a + 1, otherwise the
  /// continued fraction for Q = 1 − P (modified Lentz). Accurate to ~1e−15.
  public static func gammaCDF(shape a: Double, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    let logPrefix = a * log(x) - x - lgamma(a)
    if x < a + 1 {
      var term = 1 / a, sum = term, n = a
      for _ in 0..<10_000 {
        n += 1
        term *= x / n
        sum += term
        if abs(term) < abs(sum) * 1e-17 { break }
      }
      return sum * exp(logPrefix)
    }
    let tiny = 1e-300
    var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
    for i in 1..<10_000 {
      let an = -Double(i) * (Double(i) - a)
      b += 2
      d = an * d + b
      if abs(d) < tiny { d = tiny }
      c = b + an / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-17 { break }
    }
    return 1 - exp(logPrefix) * h
  }

  /// The Kolmogorov–Smirnov statistic D_n = sup |F_n − F| of a sample against a CDF.
  public static func kolmogorovSmirnov(_ sample: [Double], cdf: (Double) -> Double) -> Double {
    let s = sample.sorted()
    let n = Double(s.count)
    var d = 0.0
    for (i, x) in s.enumerated() {
      let f = cdf(x)
      d = max(d, f - Double(i) / n, Double(i + 1) / n - f)
    }
    return d
  }

  /// The asymptotic critical value of D_n at level α = 0.001: 1.9495/√n.
  public static func kolmogorovSmirnovCritical(sampleSize n: Int) -> Double { 1.9495 / Double(n).squareRoot() }

  #if arch(x86_64)
    /// ψ(x) in Float80: recurrence to x ≥ 20, then the asymptotic series (error < 1e−19).
    public static func digamma(_ x: Float80) -> Float80 {
      var v = x, shift: Float80 = 0
      while v < 20 {
        shift -= 1 / v
        v += 1
      }
      let inv2 = 1 / (v * v)
      // B_{2k}/(2k): 1/12, −1/120, 1/252, −1/240, 1/132, −691/32760, 1/12, −3617/8160.
      let coefficients: [Float80] = [
        1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12, -3617.0 / 8160,
      ]
      var series: Float80 = 0, p = inv2
      for c in coefficients {
        series += c * p
        p *= inv2
      }
      return shift + Foundation.log(v) - 1 / (2 * v) - series
    }
  #endif
}
