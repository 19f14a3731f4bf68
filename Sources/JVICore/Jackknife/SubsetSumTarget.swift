/// A linear functional of the log-complements over removal sets of size ≤ m:
///
///     target = IWAE_K + C0 + Σ_{|T| ≤ m} α_{|T|} log ρ_T,   ρ_T = Σ_{i∉T} w_i / Σ_i w_i,
///
/// evaluated by `HeavyLightEvaluator`. Two targets are supported:
/// - `.jackknife(order: m)`: JVI_{K,m} = Σ_j c_j Lbar_{K−j}, α_j = c_j / C(K, j),
///   C0 = −Σ_j c_j log((K − j)/K);
/// - `.leaveOutMean(removed: j)`: Lbar_{K−j}, the mean of IWAE_{K−j} over all (K−j)-subsets,
///   α = δ_{·j}/C(K, j), C0 = log(K/(K − j)).
public enum SubsetSumTarget: Hashable, Sendable {
  case jackknife(order: Int)
  case leaveOutMean(removed: Int)

  /// The largest removal-set size m.
  public var maximumRemoved: Int {
    switch self {
    case .jackknife(let m): m
    case .leaveOutMean(let j): j
    }
  }
}

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
