#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SUMO, the Russian-roulette estimator of log p(x) (Luo, Beatson, Norouzi, Zhu, Duvenaud, Adams,
/// Chen, "SUMO: Unbiased estimation of log marginal probability for latent variable models",
/// ICLR 2020). With the columns of a block used in order and Δ_j = IWAE_{j+1} − IWAE_j on their
/// nested prefixes,
///
///     SUMO_m = IWAE_m + Σ_{k=1}^{𝒦} Δ_{m+k−1} / P(𝒦 ≥ k),
///     P(𝒦 ≥ k) = 1/k for k < 80,   (1/80)·0.9^(k−80) for k ≥ 80,
///
/// the paper's truncation law (its tail softened after 80 terms so that the expected cost is
/// finite: E[𝒦] = H₇₉ + 1/8 ≈ 5.08 terms). Since E over 𝒦 telescopes, E[SUMO_m] = lim_j E[IWAE_j]
/// = log p(x): unbiased. It uses m + 𝒦 samples; 𝒦 is drawn by inversion from one uniform of the
/// block's own generator (`EstimatorRandomness`), so results do not depend on threads or shards.
///
/// Truncation: when m + 𝒦 exceeds the block's K columns only the K − m available terms are
/// summed. Averaged over 𝒦, the capped estimator is then exactly E[IWAE_K], not log p(x) —
/// however rarely the cap is reached, because the rare long sums carry weights 1/P(𝒦 ≥ k) that
/// make up the whole remaining bias. Inside a fixed block SUMO is therefore as biased as IWAE_K
/// and far more variable; it is unbiased only when samples are drawn on demand.
/// `truncatedBlocks(_:)` counts how often the cap was reached.
///
/// Evaluation: Δ_j = log1p(expm1(log w_{j+1} − IWAE_j)/(j + 1)) (`LogSpace.iwaeIncrement`), with the
/// running IWAE_j kept relative to IWAE_m, so neither IWAE value is formed by subtraction and the
/// small increments are not rounded against the magnitude of log p(x).
/// Error bound: ≤ c·ε·(|IWAE_m| + Σ_k |Δ_{m+k−1}|/P(𝒦 ≥ k)).
/// Edge cases: a zero weight (−∞) gives Δ = log(j/(j + 1)); an all −∞ prefix of m gives −∞;
/// equal log-weights give that value exactly (every Δ is 0).
/// Cost: m + 𝒦 exp/log1p pairs per block (≈ m + 5 on average).
public struct SUMO: BoundEstimator {
  public static let defaultMinimumTerms = 1
  /// Where the survival function's tail turns geometric, and its ratio.
  public static let tailStart = 80
  public static let tailRatio = 0.9

  public var name: String { "sumo" }
  public var label: String { minimumTerms == SUMO.defaultMinimumTerms ? "sumo" : "sumo:m=\(minimumTerms)" }
  public var order: Int { 0 }
  public let sampleCount: Int?
  /// m, the IWAE terms always used.
  public let minimumTerms: Int
  public let seed: UInt64
  public var minimumSampleCount: Int { minimumTerms + 1 }

  public init(minimumTerms m: Int = SUMO.defaultMinimumTerms, k: Int? = nil, seed: UInt64 = 0)
    throws(EstimatorError)
  {
    guard m >= 1 else { throw .invalidConfiguration("sumo: the minimum number of terms must be at least 1, got \(m)") }
    if let k, k <= m {
      throw .tooFewSamples(estimator: "sumo", order: 0, k: k, minimum: m + 1)
    }
    minimumTerms = m
    sampleCount = k
    self.seed = seed
  }

  /// P(𝒦 ≥ k) for k ≥ 1.
  public static func survival(_ k: Int) -> Double {
    k < tailStart ? 1 / Double(k) : pow(tailRatio, Double(k - tailStart)) / Double(tailStart)
  }

  /// 𝒦 = the smallest k with P(𝒦 > k) ≤ 1 − u, by inversion of `survival`:
  /// ⌊1/(1 − u)⌋ below the tail, 80 + ⌊log(80(1 − u))/log 0.9⌋ in it.
  public static func terms(uniform u: Double) -> Int {
    let q = 1 - u
    if q > 1 / Double(tailStart) { return Int(1 / q) }
    let extra = log(Double(tailStart) * q) / log(tailRatio)
    return tailStart + Int(Swift.min(extra, 1e9))
  }

  /// 𝒦 for one block of one instance.
  public func drawnTerms(instance: Int, block: Int) -> Int {
    var g = EstimatorRandomness.generator(seed: seed, instance: instance, block: block)
    return SUMO.terms(uniform: Sampling.uniform(using: &g))
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    let terms = drawnTerms(instance: matrix.instanceOffset + row, block: EstimatorRandomness.block(of: columns))
    return matrix.withRow(row, columns: columns) { SUMO.value($0, minimumTerms: minimumTerms, terms: terms) }
  }

  /// SUMO_m of one block with 𝒦 = `terms` (truncated to the block's columns).
  public static func value(_ x: UnsafeBufferPointer<Double>, minimumTerms m: Int, terms: Int) -> Double {
    let base = LogSpace.logMeanExp(UnsafeBufferPointer(rebasing: x[0..<m]))
    if base == -.infinity {
      // IWAE_m = −∞: the first weight that is not zero makes the increment +∞ − ∞; restart from it.
      return valueFromZeroPrefix(x, minimumTerms: m, terms: terms)
    }
    let used = Swift.min(terms, x.count - m)
    var running = 0.0  // IWAE_j − IWAE_m
    var correction = 0.0
    for k in stride(from: 1, through: used, by: 1) {
      let j = m + k - 1  // Δ_j uses column j (0-based), the (j+1)-th sample
      let delta = LogSpace.iwaeIncrement(excess: (x[j] - base) - running, count: j)
      correction += delta / survival(k)
      running += delta
    }
    return base + correction
  }

  /// The rare block whose first m weights are all zero: IWAE_j = −∞ until a non-zero weight
  /// arrives, and Δ is +∞ there; the estimate is then +∞·(1/P) − ∞: undefined unless no
  /// non-zero weight is reached (−∞).
  @inline(never)
  static func valueFromZeroPrefix(_ x: UnsafeBufferPointer<Double>, minimumTerms m: Int, terms: Int) -> Double {
    let used = Swift.min(terms, x.count - m)
    for j in m..<(m + used) where x[j] > -.infinity { return .nan }
    return -.infinity
  }

  /// The blocks of `rows` (all by default) whose drawn 𝒦 needed more than the block's columns.
  public func truncatedBlocks(_ matrix: LogWeightMatrix, rows: Range<Int>? = nil) -> (truncated: Int, blocks: Int) {
    let k = blockWidth(for: matrix)
    let blocks = matrix.columnCount / k
    var truncated = 0
    for row in rows ?? 0..<matrix.rowCount {
      for b in 0..<blocks where drawnTerms(instance: matrix.instanceOffset + row, block: b) > k - minimumTerms {
        truncated += 1
      }
    }
    return (truncated, (rows?.count ?? matrix.rowCount) * blocks)
  }

  public func undefinedReason(_ x: UnsafeBufferPointer<Double>) -> String {
    "its first \(minimumTerms) weight(s) are zero, so IWAE_\(minimumTerms) = -inf and the first non-zero weight "
      + "adds an infinite term"
  }
}

extension SUMO {
  public var drawsRandomNumbers: Bool { true }

  public func truncationCounts(_ matrix: LogWeightMatrix, rows: Range<Int>?) -> (truncated: Int, blocks: Int)? {
    truncatedBlocks(matrix, rows: rows)
  }
}
