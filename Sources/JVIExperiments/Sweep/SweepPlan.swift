import JVICore

/// The cells of a sweep in their fixed order — estimators as listed, then K ascending, skipping
/// K below an estimator's minimum (JVI-m needs K > m, delta K ≥ 2) — and the seeds of its draws.
public struct SweepPlan: Sendable {
  public struct Cell: Sendable, Equatable {
    /// Position in the full plan (0-based); shards and bootstrap streams use it.
    public var index: Int
    public var estimator: EstimatorChoice
    public var k: Int
  }

  public let experiment: ExperimentSpecification
  public let cells: [Cell]

  public init(_ experiment: ExperimentSpecification) {
    self.experiment = experiment
    var cells: [Cell] = []
    for e in experiment.estimators {
      for k in experiment.sampleCounts where k >= e.minimumSampleCount {
        cells.append(Cell(index: cells.count, estimator: e, k: k))
      }
    }
    self.cells = cells
  }

  /// The instances of shard `index` of `count` (1-based): the block [⌊(i − 1)N/n⌋, ⌊iN/n⌋) of the
  /// N instances (all of them without a shard). Blocks tile 0..<N in shard order.
  public func instances(shard: ShardSelection?) -> Range<Int> {
    shard?.block(of: experiment.instances) ?? 0..<experiment.instances
  }

  /// The seed of replicate set s (0-based), of the reference columns and of the bootstrap: each
  /// its own stream of the experiment's seed, so the reference never shares a column with a replicate.
  public func replicateSetSeed(_ s: Int) -> UInt64 { derivedSeed(0x5E70_0000 + UInt64(s)) }
  public var referenceSeed: UInt64 { derivedSeed(0x5EF0_0000) }
  public var bootstrapSeed: UInt64 { derivedSeed(0xB007_0000) }
  /// The seed of a randomised estimator's own draws (SUMO, MLMC) on replicate set s: each set's
  /// truncations are independent, as its log-weights are.
  public func estimatorSeed(_ s: Int) -> UInt64 { derivedSeed(0xE571_0000 + UInt64(s)) }

  func derivedSeed(_ stream: UInt64) -> UInt64 {
    var g = Xoshiro256StarStar(seed: experiment.seed, stream: stream)
    return g.next()
  }
}
