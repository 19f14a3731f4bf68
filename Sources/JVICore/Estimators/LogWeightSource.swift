/// Anything that produces log importance weights for instances: a trained model on a data split,
/// an exact-evidence model, a synthetic weight law. Every estimator and sweep reads what it gives.
public protocol LogWeightSource: Sendable {
  /// The number of instances available.
  var instanceCount: Int { get }
  /// A short description for reports ("gaussian-vae 784-200-200-50 tanh on fashion-mnist test").
  var name: String { get }

  /// log w for instances `rows` with `samples` samples each: row r of the result is instance
  /// rows.lowerBound + r (its `instanceOffset` is rows.lowerBound). Instance i's samples come from its own stream of `seed`, so a value
  /// does not depend on which other rows are requested or on the thread count. Sources with an
  /// analytic KL attach log p(x | z) and KL for ELBO-B.
  func logWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix

  /// The log-weights of replicate set `set` of a sweep, `samples` per instance. By default the
  /// draws of `logWeights` from the set's `seed`; a source of fixed draws (a user's matrix of
  /// log-weights) serves the set's own columns instead.
  func replicateLogWeights(set: Int, samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws
    -> LogWeightMatrix

  /// The log-weights of a sampled reference (jvi-1 or iwae of K_ref samples), on samples that no
  /// replicate set uses. By default fresh draws of `logWeights` from `seed`.
  func referenceLogWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix

  /// The exact log p(x) of each instance in `rows`, when it is known.
  func exactLogEvidence(rows: Range<Int>) -> [Double]?

  /// Whether its matrices carry log p(x | z) and the analytic KL (ELBO-B's inputs).
  var providesAnalyticKL: Bool { get }
}

extension LogWeightSource {
  public func replicateLogWeights(set: Int, samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws
    -> LogWeightMatrix
  {
    try logWeights(samples: samples, rows: rows, seed: seed, threads: threads)
  }

  public func referenceLogWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws
    -> LogWeightMatrix
  {
    try logWeights(samples: samples, rows: rows, seed: seed, threads: threads)
  }

  public func exactLogEvidence(rows: Range<Int>) -> [Double]? { nil }
  public var providesAnalyticKL: Bool { false }

  /// The preconditions of every `logWeights` request: at least one sample, rows that exist.
  public func checkRequest(samples k: Int, rows: Range<Int>) {
    precondition(k >= 1, "samples must be at least 1, got \(k)")
    precondition(
      rows.upperBound <= instanceCount, "rows end at \(rows.upperBound), past the \(instanceCount) instances")
  }
}

extension LogWeightMatrix {
  /// A matrix from values the caller has already checked (internal sources).
  /// `instanceOffset`: the global index of row 0 (a source asked for rows a..<b passes a).
  public static func trusted(
    rowCount: Int, columnCount: Int, values: [Double], logLikelihood: [Double]? = nil, klDivergence: [Double]? = nil,
    instanceOffset: Int = 0
  ) -> LogWeightMatrix {
    var m = LogWeightMatrix(unchecked: rowCount, columnCount, values, logLikelihood, klDivergence)
    m.instanceOffset = instanceOffset
    return m
  }
}
