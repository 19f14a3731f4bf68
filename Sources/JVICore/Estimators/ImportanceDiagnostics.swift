/// How far one block of K log-weights can be trusted, in the terms researchers use:
///
/// - `effectiveSampleSize` = (Σ w)²/Σ w² ∈ [1, K] and `largestWeight` = max_i w_i/Σ w ∈ [1/K, 1]
///   (`WeightDiagnostics`);
/// - `paretoK`, PSIS's k̂ (`ParetoSmoothing`): k̂ > 0.7, or above min(1 − 1/log₁₀K, 0.7) for the
///   sample size, means the weights' tail is too heavy for the estimate to be reliable; +∞ when
///   the tail has fewer than 5 points (K < 21), is constant, or cannot be fitted;
///   `smoothedEffectiveSampleSize` is the ESS after smoothing (loo's n_eff, r_eff = 1);
/// - the jackknife's own estimates of IWAE_K's bias and variance, from the K leave-one-out values
///   IWAE^(−i) (Quenouille, Tukey): bias ≈ (K − 1)(Lbar_{K−1} − IWAE_K) = (K − 1)·g(1) ≤ 0, the
///   amount JVI-1 removes, and variance ≈ ((K − 1)/K) Σ_i (IWAE^(−i) − Lbar_{K−1})², computed from the
///   log shares log ρ_i (`LogSpace.leaveOneOutLogShares`), since IWAE^(−i) − Lbar = log ρ_i − mean log ρ.
///
/// Edge cases: an all −∞ block has no weights: ESS 0, largest weight 0, k̂ = ∞, and the jackknife
/// estimates are NaN (undefined); K = 1 leaves the jackknife estimates undefined too.
/// Cost: O(K log K) for k̂, O(K) for the rest.
public struct ImportanceDiagnostics: Sendable, Equatable {
  public var effectiveSampleSize: Double
  public var largestWeight: Double
  public var paretoK: Double
  public var smoothedEffectiveSampleSize: Double
  /// The jackknife estimate of IWAE_K's bias (NaN when undefined).
  public var jackknifeBias: Double
  /// The jackknife estimate of IWAE_K's variance (NaN when undefined).
  public var jackknifeVariance: Double

  /// The six values in the order of `fields`.
  public init<C: Collection>(fields f: C) where C.Element == Double, C.Index == Int {
    precondition(f.count == 6, "diagnostics have 6 fields, got \(f.count)")
    let s = f.startIndex
    effectiveSampleSize = f[s]
    largestWeight = f[s + 1]
    paretoK = f[s + 2]
    smoothedEffectiveSampleSize = f[s + 3]
    jackknifeBias = f[s + 4]
    jackknifeVariance = f[s + 5]
  }

  /// ESS, largest weight, k̂, smoothed ESS, jackknife bias, jackknife variance.
  public var fields: [Double] {
    [effectiveSampleSize, largestWeight, paretoK, smoothedEffectiveSampleSize, jackknifeBias, jackknifeVariance]
  }

  public init(_ x: UnsafeBufferPointer<Double>, workspace: EstimatorWorkspace) {
    let k = x.count
    workspace.reserve(rowLength: k, order: 1)
    let scratch = workspace.expValues.leading(k)
    let weights = WeightDiagnostics(x, scratch: scratch)
    effectiveSampleSize = weights.effectiveSampleSize
    largestWeight = weights.largestNormalisedWeight
    let smoothed = ParetoSmoothing.smooth(x, scratch: scratch)
    paretoK = smoothed.paretoK
    smoothedEffectiveSampleSize = smoothed.effectiveSampleSize
    guard k >= 2, weights.iwae > -.infinity else {
      jackknifeBias = .nan
      jackknifeVariance = .nan
      return
    }
    jackknifeBias = Double(k - 1) * LogSpace.leaveOneOut(x, scratch: scratch).meanLogRatio
    LogSpace.leaveOneOutLogShares(x, into: scratch)
    var mean = 0.0
    for i in 0..<k { mean += scratch[i] }
    mean /= Double(k)
    var squares = 0.0
    for i in 0..<k { squares += (scratch[i] - mean) * (scratch[i] - mean) }
    // A single non-zero weight leaves log ρ = −∞ at its own index: the variance is not finite.
    jackknifeVariance = squares.isFinite ? Double(k - 1) / Double(k) * squares : .nan
  }

  /// The sample-size-dependent k̂ threshold of the PSIS paper (§3.2.4), as loo applies it:
  /// min(1 − 1/log₁₀ K, 0.7).
  public static func paretoKThreshold(sampleCount k: Int) -> Double {
    Swift.min(1 - 1 / log10(Double(k)), 0.7)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
