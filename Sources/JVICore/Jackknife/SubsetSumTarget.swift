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
