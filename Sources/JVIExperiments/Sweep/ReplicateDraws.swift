import JVICore
import JVIModels

/// The S independent N × K_max log-weight matrices of a sweep (one per replicate set, each from
/// its own seed) and the replicate estimates of a cell carved from them
/// (docs/jackknife-math.md §5): at K, each set gives B = ⌊K_max/K⌋ disjoint column
/// blocks [bK, (b+1)K), so there are R = S·B independent replicates per instance.
///
/// Replicates at different K share columns (nested samples): each K's statistics are valid, but
/// curves are not independent of each other.
public struct ReplicateDraws: Sendable {
  public let sets: [LogWeightMatrix]
  public let instances: Int
  public let maximumSampleCount: Int

  /// Draws every set for instances `rows` (all by default; a shard's block). Each instance's draws
  /// come from its own stream, so a block's rows are those of the full draw. ELBO-B's log p(x|z)
  /// is kept only when `keepLikelihood`. `progress(setsDone, S)` is called after each set.
  public init(
    source: any LogWeightSource, plan: SweepPlan, rows: Range<Int>? = nil, keepLikelihood: Bool, threads: Int,
    progress: (Int, Int) -> Void = { _, _ in }
  ) throws {
    let e = plan.experiment
    let rows = rows ?? 0..<e.instances
    var sets: [LogWeightMatrix] = []
    for s in 0..<e.replicateSets {
      var m = try source.replicateLogWeights(
        set: s, samples: e.maximumSampleCount, rows: rows, seed: plan.replicateSetSeed(s), threads: threads)
      if !keepLikelihood && m.hasAnalyticKLInputs {
        m = .trusted(
          rowCount: m.rowCount, columnCount: m.columnCount, values: m.values, instanceOffset: m.instanceOffset)
      }
      if let i = m.values.firstIndex(where: { $0.isNaN || $0 == .infinity }) {
        throw SweepError(
          "\(source.name) gave a log-weight of \(m.values[i]) for instance \(rows.lowerBound + i / m.columnCount) (0-based), "
            + "sample \(i % m.columnCount) of replicate set \(s)")
      }
      sets.append(m)
      progress(s + 1, e.replicateSets)
    }
    self.sets = sets
    instances = rows.count
    maximumSampleCount = e.maximumSampleCount
  }

  /// R = S·⌊K_max/K⌋.
  public func replicates(k: Int) -> Int { sets.count * (maximumSampleCount / k) }

  /// The N × R replicate estimates of `estimator` at K = `k` (instance-major), computed in
  /// parallel over fixed chunks of instances: bit-identical for any thread count.
  ///
  /// - Throws: `SweepError` naming the instance when a block cannot be evaluated or gives a value
  ///   that is not finite.
  ///
  /// A randomised estimator's draws on set s come from `seeds(s)` (`SweepPlan.estimatorSeed`).
  public func estimates(
    of estimator: EstimatorChoice, k: Int, threads: Int, seeds: (Int) -> UInt64 = { _ in 0 }
  ) throws(SweepError) -> [Double] {
    let blocks = maximumSampleCount / k
    let r = sets.count * blocks
    let n = instances
    let out = ScalarBuffer<Double>(count: n * r, repeating: .nan)
    let failure = FirstFailure<String>()
    let perSet = sets.indices.map { estimator.make(k: k, seed: seeds($0)) }
    let sets = self.sets
    ParallelRows.forEachChunk(count: n, chunkSize: 16, threads: threads) { _, rows in
      let workspace = EstimatorWorkspace()
      for i in rows {
        for (s, m) in sets.enumerated() {
          for b in 0..<blocks {
            let value: Double
            do {
              value = try perSet[s].estimate(m, row: i, columns: (b * k)..<((b + 1) * k), workspace: workspace)
            } catch {
              failure.record(row: i, "instance \(m.instanceOffset + i) (0-based): \(error)")
              return
            }
            guard value.isFinite else {
              failure.record(
                row: i,
                "instance \(m.instanceOffset + i) (0-based), replicate set \(s), block \(b): the estimate is \(value)")
              return
            }
            out.pointer[i * r + s * blocks + b] = value
          }
        }
      }
    }
    if let message = failure.first {
      throw SweepError("\(estimator) at k = \(k): \(message)")
    }
    return out.array
  }
}
