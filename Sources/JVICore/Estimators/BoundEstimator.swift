/// An estimator of log p(x) computed from a block of log importance weights of one instance.
///
/// Conformers are small value types, one per file: `ELBOMonteCarlo` (ELBO-A), `ELBOAnalyticKL`
/// (ELBO-B), `IWAE`, `Jackknife` (JVI), `DeltaMethod`, `ParetoSmoothedIWAE` (PSIS), `RenyiBound`
/// (VR-α), `RenyiMax`, `CombinationIWAE` (CIWAE), `SUMO`, `MultilevelIWAE` (ML-SS, ML-RR) and
/// `ThermodynamicBound` (TVO). Invalid configurations are rejected when the estimator is built; a
/// mismatch with a matrix (too few columns, missing ELBO-B inputs) by `validate(for:)`.
///
/// An estimate may be undefined for one block (JVI of order m with at most m non-zero weights,
/// PSIS with a tail of fewer than 5 points): `estimate` then returns NaN or +∞ (or throws
/// `rowNotEvaluable`), and `evaluate` marks that instance undefined, with
/// `undefinedReason(_:)`, instead of failing the matrix.
///
/// Every estimator has a block width k (`sampleCount`, nil = all K columns). With k < K the
/// per-instance estimate is the mean over the B = ⌊K/k⌋ disjoint column blocks
/// [b·k, (b+1)·k), which are independent replicates (`evaluate(_:workspace:)`).
public protocol BoundEstimator: Sendable {
  /// The name used in CSV output and on the command line: elbo-a, elbo-b, iwae, jvi, delta, psis,
  /// vr, vr-max, ciwae, sumo, mlmc, tvo, tvo-upper.
  var name: String { get }
  /// The name with its parameters, as experiment files and sweep CSVs write it ("vr:alpha=0.5");
  /// the name itself when the parameters are the defaults or there are none.
  var label: String { get }
  /// The jackknife order m for `jvi`; 0 for every other estimator (IWAE is JVI of order 0).
  var order: Int { get }
  /// Samples per estimate k, or nil for all columns.
  var sampleCount: Int? { get }
  /// The smallest block width the estimator is defined for.
  var minimumSampleCount: Int { get }
  /// Whether it reads the ELBO-B inputs rather than the log-weights.
  var needsAnalyticKLInputs: Bool { get }
  /// The smallest block width at which an estimate can be defined at all: `minimumSampleCount`,
  /// or more for an estimator that accepts narrower blocks but leaves them undefined (PSIS: 21).
  /// A sweep starts its K there.
  var smallestDefinedSampleCount: Int { get }
  /// Whether it draws random numbers of its own, seeded by instance and block (sumo, mlmc).
  var drawsRandomNumbers: Bool { get }

  /// How ∂estimate/∂log w of a block of k columns is computed (`EstimatorGradient`), for the
  /// estimators that have gradient weights (iwae, jvi, vr); nil for the others. `precision`
  /// applies to JVI of order ≥ 2.
  ///
  /// - Throws: `EstimatorError.invalidConfiguration` when the weights cannot be computed for this
  ///   configuration (a JVI order too large for k).
  func blockGradient(blockWidth k: Int, precision: JackknifeGradientWeights.Precision) throws(EstimatorError)
    -> (any BlockGradient)?

  /// For an estimator that draws a truncation (sumo, mlmc): how many of the blocks of `rows` (all
  /// by default) drew one wider than their columns, of how many; nil for the others.
  func truncationCounts(_ matrix: LogWeightMatrix, rows: Range<Int>?) -> (truncated: Int, blocks: Int)?

  /// The estimate for instance `row` from the log-weights in `columns`.
  func estimate(
    _ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace
  ) throws(EstimatorError) -> Double

  /// Why the estimate of the block `x` is undefined (it came out NaN or +∞).
  func undefinedReason(_ x: UnsafeBufferPointer<Double>) -> String

  /// The estimates of `rows` on all columns, one block per row, in one pass without the per-row
  /// machinery of `evaluate`; nil (the default) when the estimator has no such pass. It must give
  /// exactly `estimate`'s values: `evaluate` uses it when every value is defined.
  func wholeRowEstimates(_ matrix: LogWeightMatrix, rows: Range<Int>) -> [Double]?
}

extension BoundEstimator {
  public var label: String { name }
  public var minimumSampleCount: Int { 1 }
  public var needsAnalyticKLInputs: Bool { false }
  public var smallestDefinedSampleCount: Int { minimumSampleCount }
  public var drawsRandomNumbers: Bool { false }
  public func blockGradient(blockWidth k: Int, precision: JackknifeGradientWeights.Precision) throws(EstimatorError)
    -> (any BlockGradient)?
  { nil }
  public func truncationCounts(_ matrix: LogWeightMatrix, rows: Range<Int>?) -> (truncated: Int, blocks: Int)? {
    nil
  }
  public func undefinedReason(_ x: UnsafeBufferPointer<Double>) -> String { "the estimate is undefined" }
  public func wholeRowEstimates(_ matrix: LogWeightMatrix, rows: Range<Int>) -> [Double]? { nil }

  /// Whether an estimate is defined: finite or −∞ (a block whose weights are all zero).
  public static func isDefined(_ value: Double) -> Bool { !value.isNaN && value != .infinity }

  /// The block width used on `matrix`: `sampleCount` or all columns.
  public func blockWidth(for matrix: LogWeightMatrix) -> Int { sampleCount ?? matrix.columnCount }

  /// Checks that the estimator can run on `matrix`.
  public func validate(for matrix: LogWeightMatrix) throws(EstimatorError) {
    let k = blockWidth(for: matrix)
    if k > matrix.columnCount {
      throw .blockWiderThanMatrix(estimator: name, k: k, columns: matrix.columnCount)
    }
    if k < minimumSampleCount {
      throw .tooFewSamples(estimator: name, order: order, k: k, minimum: minimumSampleCount)
    }
    if needsAnalyticKLInputs && !matrix.hasAnalyticKLInputs {
      throw .missingAnalyticKLInputs
    }
  }

  /// Per-instance estimates for `rows` (all by default): the mean over the ⌊K/k⌋ disjoint
  /// blocks of k columns, and the standard deviation across blocks when there are two or more.
  ///
  /// The mean is taken around the first block's value, so equal block values give that value
  /// exactly. An instance with an undefined block (NaN or +∞, or a row the estimator cannot
  /// evaluate) is undefined: its estimate is NaN and `undefined` says why; the others are
  /// computed as usual.
  public func evaluate(
    _ matrix: LogWeightMatrix, rows: Range<Int>? = nil, workspace: EstimatorWorkspace
  ) throws(EstimatorError) -> InstanceEstimates {
    try validate(for: matrix)
    let range = rows ?? 0..<matrix.rowCount
    let k = blockWidth(for: matrix)
    let blocks = matrix.columnCount / k
    if blocks == 1, k == matrix.columnCount, let fast = wholeRowEstimates(matrix, rows: range),
      fast.allSatisfy(Self.isDefined)
    {
      return InstanceEstimates(
        estimates: fast, blockStandardDeviations: nil, blockCount: 1, sampleCount: k, undefined: [])
    }
    var estimates = [Double](repeating: 0, count: range.count)
    var spreads: [Double]? = blocks >= 2 ? [Double](repeating: 0, count: range.count) : nil
    var undefined: [UndefinedInstance] = []
    var blockValues = [Double](repeating: 0, count: blocks)
    for (offset, row) in range.enumerated() {
      var reason: String? = nil
      for b in 0..<blocks {
        let columns = (b * k)..<((b + 1) * k)
        do {
          let v = try estimate(matrix, row: row, columns: columns, workspace: workspace)
          if !Self.isDefined(v) {
            reason = matrix.withRow(row, columns: columns) { undefinedReason($0) }
            break
          }
          blockValues[b] = v
        } catch {
          guard case .rowNotEvaluable(_, let message) = error else { throw error.at(row: row) }
          reason = message
          break
        }
      }
      if let reason {
        estimates[offset] = .nan
        spreads?[offset] = .nan
        undefined.append(UndefinedInstance(row: row, reason: reason))
        continue
      }
      if blocks == 1 {
        estimates[offset] = blockValues[0]
      } else {
        let summary = ReplicateSummary(blockValues)
        estimates[offset] = summary.mean
        spreads?[offset] = summary.standardDeviation
      }
    }
    return InstanceEstimates(
      estimates: estimates, blockStandardDeviations: spreads, blockCount: blocks, sampleCount: k,
      undefined: undefined)
  }
}

/// An instance whose estimate is undefined, and why.
public struct UndefinedInstance: Sendable, Equatable {
  /// The matrix row (0-based).
  public var row: Int
  public var reason: String

  public init(row: Int, reason: String) {
    self.row = row
    self.reason = reason
  }
}

/// Per-instance results of one estimator.
public struct InstanceEstimates: Sendable, Equatable {
  /// The estimate for each instance (the mean over blocks when there are several).
  public var estimates: [Double]
  /// Standard deviation across the blocks of each instance, when there are two or more blocks.
  public var blockStandardDeviations: [Double]?
  /// B = ⌊K/k⌋.
  public var blockCount: Int
  /// k, the samples per block.
  public var sampleCount: Int
  /// The instances whose estimate is undefined (NaN in `estimates`), in row order.
  public var undefined: [UndefinedInstance] = []
}

/// Mean and standard deviation of a few replicate values.
struct ReplicateSummary {
  var mean: Double
  var standardDeviation: Double

  init(_ v: [Double]) {
    let n = Double(v.count)
    if v.contains(where: { !$0.isFinite }) {
      mean = v.reduce(0, +) / n
      standardDeviation = v.count >= 2 ? .infinity : 0
      return
    }
    // Centre on the first value: equal values give exactly that value and a zero spread.
    let c = v[0]
    var s = 0.0
    for x in v { s += x - c }
    mean = c + s / n
    var ss = 0.0
    for x in v { ss += (x - mean) * (x - mean) }
    standardDeviation = v.count >= 2 ? (ss / (n - 1)).squareRoot() : 0
  }
}

/// Why an estimator could not run.
public enum EstimatorError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The order or block width is outside what the estimator supports (construction).
  case invalidConfiguration(String)
  case blockWiderThanMatrix(estimator: String, k: Int, columns: Int)
  case tooFewSamples(estimator: String, order: Int, k: Int, minimum: Int)
  case missingAnalyticKLInputs
  /// One row cannot be evaluated within the work budget or to the accepted accuracy.
  case rowNotEvaluable(row: Int?, message: String)

  public var description: String { formatted() }

  /// The message; formatting is a cold path, kept out of the kernels that throw.
  @inline(never)
  func formatted() -> String {
    switch self {
    case .invalidConfiguration(let message):
      return message
    case .blockWiderThanMatrix(let estimator, let k, let columns):
      return "\(estimator): k = \(k) samples per estimate, but the matrix has only \(columns) columns"
    case .tooFewSamples(let estimator, let order, let k, let minimum):
      if estimator == "jvi" {
        return "jvi of order \(order) needs k > \(order) samples per estimate (at least \(minimum)), got k = \(k)"
      }
      return "\(estimator) needs at least \(minimum) samples per estimate, got k = \(k)"
    case .missingAnalyticKLInputs:
      return "elbo-b needs log p(x|z) for every sample and the analytic KL(q(z|x) || p(z)) per instance; "
        + "these log-weights come without them"
    case .rowNotEvaluable(let row, let message):
      return (row.map { "row \($0) (0-based): " } ?? "") + message
    }
  }

  func at(row: Int) -> EstimatorError {
    if case .rowNotEvaluable(nil, let message) = self { return .rowNotEvaluable(row: row, message: message) }
    return self
  }
}
