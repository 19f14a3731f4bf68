/// The exact generalised-jackknife coefficients (Sharot, r = 1) of JVI of order m:
///
///     c_j = (−1)^j (K − j)^m / (j! (m − j)!),  j = 0…m,   Σ_j c_j = 1,
///
/// so that JVI_{K,m} = Σ_j c_j Lbar_{K−j}. They annihilate the first m terms of a
/// 1/K expansion: Σ_j c_j (K − j)^−p = 0 for p = 1…m. m = 1 gives (K, −(K − 1)).
public enum JackknifeCoefficients {
  /// c_j as exact fractions (numerator, positive denominator).
  public static func exact(sampleCount k: Int, order m: Int) -> [(numerator: BigInt, denominator: BigInt)] {
    precondition(m >= 0, "a negative order m = \(m)")
    precondition(m < k, "removing m = \(m) of K = \(k) weights leaves none")
    return (0...m).map { j in
      let magnitude = BigInt(k - j).power(m)
      return (
        numerator: j % 2 == 0 ? magnitude : -magnitude,
        denominator: ExactInteger.factorial(j) * ExactInteger.factorial(m - j)
      )
    }
  }

  /// c_j rounded to the nearest `Double`.
  public static func values(sampleCount k: Int, order m: Int) -> [Double] {
    exact(sampleCount: k, order: m).map { FixedPoint(numerator: $0.numerator, denominator: $0.denominator).toDouble() }
  }
}
