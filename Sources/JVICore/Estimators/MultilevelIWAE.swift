#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The unbiased multilevel Monte Carlo estimators of log p(x) of Shi & Cornish ("On multilevel
/// Monte Carlo unbiased gradient estimation for deep latent variable models", AISTATS 2021,
/// eqs. 5 and 7), with antithetic level differences. With the block's columns used in order,
/// level k takes the first 2^(k+1): O = columns 0, 2, 4, … and E = columns 1, 3, 5, … (2^k each),
///
///     I₀ = log w₁,   Δ_k = IWAE_{2^{k+1}}(O ∪ E) − ½[IWAE_{2^k}(O) + IWAE_{2^k}(E)] = log cosh((L_O − L_E)/2),
///     𝒦 ~ Geometric(r) on {0, 1, …}:  P(𝒦 = k) = r(1 − r)^k,  P(𝒦 ≥ k) = (1 − r)^k,
///     ML-SS = I₀ + Δ_𝒦 / P(𝒦 = 𝒦),        ML-RR = I₀ + Σ_{k=0}^{𝒦} Δ_k / P(𝒦 ≥ k),
///
/// L_O, L_E the log-sums of the two halves. E[Δ_k] = E[IWAE_{2^{k+1}}] − E[IWAE_{2^k}], so both
/// telescope to lim E[IWAE] = log p(x): unbiased. The antithetic coupling makes Δ_k = O(Var/2^k)
/// second order, so E[Δ_k²] falls like 4^(−k) and the variance is finite for r > 1/2 with a
/// finite expected cost of 2r/(2r − 1) samples (6 at the default r = 0.6, the paper's
/// linear-Gaussian choice).
///
/// Truncation: a level beyond the block (2^(𝒦+1) > K columns) is unavailable; ML-RR then sums the
/// levels that fit and ML-SS keeps I₀ alone. Averaged over 𝒦, the capped estimator is unbiased for
/// E[IWAE_{2^(L+1)}] (L the last level that fits), not for log p(x), however rarely the cap is
/// reached. `truncatedBlocks(_:)` counts how often it was.
///
/// Evaluation: each half's log-sum is M + log Σ e^(x − M) with its own maximum, the difference
/// taken as (M_O − M_E) + (log A_O − log A_E), and Δ from `LogSpace.logCosh` (no cancellation:
/// Δ ≥ 0 is second order in the difference). Δ_k is never formed from two IWAE values.
/// Error bound: ≤ c·ε·(|log w₁| + Σ_k |L_O − L_E|·|Δ_k|/P) absolute.
/// Edge cases: an all −∞ block gives −∞; a level whose one half has only zero weights gives
/// Δ = +∞ (undefined); equal log-weights give that value exactly (every Δ is 0).
/// Cost: Σ_{k ≤ 𝒦} 2^(k+1) exps, about 6 on average at r = 0.6.
public struct MultilevelIWAE: BoundEstimator {
  /// Single term (one level, reweighted by its probability) or Russian roulette (every level up to 𝒦).
  public enum Form: String, Sendable, CaseIterable {
    case singleTerm = "ss"
    case russianRoulette = "rr"
  }

  public static let defaultRate = 0.6

  public var name: String { "mlmc" }
  public var label: String {
    var parts: [String] = []
    if form != .russianRoulette { parts.append("form=\(form.rawValue)") }
    if rate != MultilevelIWAE.defaultRate { parts.append("r=\(compact(rate))") }
    return parts.isEmpty ? "mlmc" : "mlmc:" + parts.joined(separator: ",")
  }
  public var order: Int { 0 }
  public let form: Form
  /// r, the geometric level distribution's parameter.
  public let rate: Double
  public let sampleCount: Int?
  public let seed: UInt64
  public var minimumSampleCount: Int { 2 }

  public init(form: Form = .russianRoulette, rate: Double = MultilevelIWAE.defaultRate, k: Int? = nil, seed: UInt64 = 0)
    throws(EstimatorError)
  {
    guard rate > 0.5 && rate < 1 else {
      throw .invalidConfiguration(
        "mlmc: the level rate r must lie in (0.5, 1) (at r <= 0.5 the expected cost is infinite), got \(rate)")
    }
    if let k, k < 2 { throw .tooFewSamples(estimator: "mlmc", order: 0, k: k, minimum: 2) }
    self.form = form
    self.rate = rate
    sampleCount = k
    self.seed = seed
  }

  /// 𝒦 for one block of one instance: ⌊log u / log(1 − r)⌋, u uniform on (0, 1).
  public func drawnLevel(instance: Int, block: Int) -> Int {
    var g = EstimatorRandomness.generator(seed: seed, instance: instance, block: block)
    let level = log(Sampling.uniformOpen(using: &g)) / log(1 - rate)
    return Int(Swift.min(level, 1e9))
  }

  /// The last level a block of `k` columns holds: 2^(L+1) ≤ k.
  public static func lastLevel(columns k: Int) -> Int { Int.bitWidth - k.leadingZeroBitCount - 2 }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    let level = drawnLevel(instance: matrix.instanceOffset + row, block: EstimatorRandomness.block(of: columns))
    workspace.reserve(rowLength: columns.count, order: 1)
    let scratch = workspace.expValues.leading(columns.count)
    return matrix.withRow(row, columns: columns) { x in
      MultilevelIWAE.value(x, form: form, rate: rate, level: level, scratch: scratch)
    }
  }

  /// ML-SS or ML-RR of one block with 𝒦 = `level`; `scratch` holds at least K doubles.
  public static func value(
    _ x: UnsafeBufferPointer<Double>, form: Form, rate r: Double, level: Int,
    scratch: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    let top = Swift.min(level, lastLevel(columns: x.count))
    let base = x[0]
    if top < 0 || (form == .singleTerm && level > top) { return base }
    // Gather the halves: evens (O) then odds (E), 2^top each.
    let half = 1 << top
    for i in 0..<half {
      scratch[i] = x[2 * i]
      scratch[half + i] = x[2 * i + 1]
    }
    func difference(_ k: Int) -> Double {
      let n = 1 << k
      let o = UnsafeBufferPointer(rebasing: scratch[0..<n])
      let e = UnsafeBufferPointer(rebasing: scratch[half..<(half + n)])
      let mo = LogSpace.maximum(o), me = LogSpace.maximum(e)
      if mo == -.infinity && me == -.infinity { return -.infinity }
      if mo == -.infinity || me == -.infinity { return .infinity }
      let gap = (mo - me) + (log(LogSpace.expShiftedSum(o, shift: mo)) - log(LogSpace.expShiftedSum(e, shift: me)))
      return LogSpace.logCosh(gap / 2)
    }
    switch form {
    case .singleTerm:
      let delta = difference(level)
      if delta == -.infinity { return base }
      return base + delta / (r * pow(1 - r, Double(level)))
    case .russianRoulette:
      var correction = 0.0
      for k in 0...top {
        let delta = difference(k)
        if delta == -.infinity { continue }  // every weight so far is zero: the level adds nothing
        correction += delta / pow(1 - r, Double(k))
      }
      return base + correction
    }
  }

  /// The blocks of `rows` (all by default) whose drawn level needed more than the block's columns.
  public func truncatedBlocks(_ matrix: LogWeightMatrix, rows: Range<Int>? = nil) -> (truncated: Int, blocks: Int) {
    let k = blockWidth(for: matrix)
    let blocks = matrix.columnCount / k
    let last = MultilevelIWAE.lastLevel(columns: k)
    var truncated = 0
    for row in rows ?? 0..<matrix.rowCount {
      for b in 0..<blocks where drawnLevel(instance: matrix.instanceOffset + row, block: b) > last { truncated += 1 }
    }
    return (truncated, (rows?.count ?? matrix.rowCount) * blocks)
  }

  public func undefinedReason(_ x: UnsafeBufferPointer<Double>) -> String {
    "one half of a level has only zero weights, so its antithetic difference is infinite"
  }
}

extension MultilevelIWAE {
  public var drawsRandomNumbers: Bool { true }

  public func truncationCounts(_ matrix: LogWeightMatrix, rows: Range<Int>?) -> (truncated: Int, blocks: Int)? {
    truncatedBlocks(matrix, rows: rows)
  }
}
