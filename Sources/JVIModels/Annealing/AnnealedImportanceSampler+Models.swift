import JVICore

extension AnnealedImportanceSampler {
  /// Rows per block of chains: large enough that a network's matrix products run near their
  /// full rate (the VAE decoder's products at 512 rows reach the GEMM's large-matrix speed), small
  /// enough that a worker's state stays in cache-friendly megabytes.
  public static let defaultBlockRows = 512

  /// Instances per group: as many as fit their chains (and pilots) in `blockRows` rows, but no more
  /// than an even share of the n instances per thread. A chain's values depend only on its stream
  /// and on row-independent arithmetic, so the grouping does not change any bit (tested).
  func groupSize(count n: Int, chains: Int, blockRows: Int, threads: Int) -> Int {
    let fit = max(1, blockRows / max(1, min(chains, blockRows), settings.pilotChains))
    return max(1, min(fit, (n + max(1, threads) - 1) / max(1, threads)))
  }

  /// Forward AIS log-weights of instances `rows` of `model`, `chains` per instance: a rows × chains
  /// `LogWeightMatrix` for IWAE and JVI. Instances are taken in fixed groups whose chains run as
  /// one block of at most `blockRows` rows; workers take groups round-robin and every chain draws
  /// from its own stream, so the matrix is bit-identical for any thread count.
  /// `progress(done)` is called from worker threads after each group with its instance count.
  public func logWeights(
    model: any AnnealableModel, rows: Range<Int>, chains: Int, seed: UInt64, threads: Int,
    blockRows: Int = defaultBlockRows, progress: @Sendable (Int) -> Void = { _ in }
  ) throws -> LogWeightMatrix {
    precondition(chains >= 1, "chains must be at least 1, got \(chains)")
    precondition(
      rows.upperBound <= model.instanceCount,
      "rows end at \(rows.upperBound), past the \(model.instanceCount) instances")
    let n = rows.count
    let out = ScalarBuffer<Double>(count: n * chains, repeating: .nan)
    let sampler = self
    let group = groupSize(count: n, chains: chains, blockRows: blockRows, threads: threads)
    try Self.forEachGroup(count: n, groupSize: group, threads: threads) {
      try model.makeTarget(start: sampler.settings.start, maximumRows: blockRows)
    } body: { target, members in
      let instances = members.map { rows.lowerBound + $0 }
      let xs = instances.map { model.observation($0) }
      let seeds = instances.map { Self.instanceSeed(seed, instance: $0) }
      let eps = sampler.stepSizes(target: target, observations: xs, seeds: seeds)
      let w = sampler.forwardLogWeights(target: target, observations: xs, chains: chains, stepSizes: eps, seeds: seeds)
      for (g, r) in members.enumerated() { out.store(w[g], at: r * chains) }
      progress(members.count)
    }
    return LogWeightMatrix.trusted(rowCount: n, columnCount: chains, values: out.array, instanceOffset: rows.lowerBound)
  }

  /// The seed of the simulated draws of bidirectional Monte Carlo: draw i comes from stream i.
  public static func simulationSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x5349_4D55_4C41_5445 }

  /// Bidirectional Monte Carlo on `count` draws (x_i, z_i) of the model itself: forward
  /// log-weights (IWAE over them is a stochastic lower bound on log p(x_i)) and reverse
  /// log-weights from z_i (−log mean e^r is a stochastic upper bound).
  public func bidirectional(
    model: any AnnealableModel, count n: Int, chains: Int, seed: UInt64, threads: Int, blockRows: Int = defaultBlockRows
  ) throws -> BidirectionalResult {
    precondition(n >= 1, "BDMC needs at least 1 draw, got \(n)")
    precondition(chains >= 1, "chains must be at least 1, got \(chains)")
    let forward = ScalarBuffer<Double>(count: n * chains, repeating: .nan)
    let reverse = ScalarBuffer<Double>(count: n * chains, repeating: .nan)
    let sampler = self
    let group = groupSize(count: n, chains: chains, blockRows: blockRows, threads: threads)
    try Self.forEachGroup(count: n, groupSize: group, threads: threads) {
      try model.makeTarget(start: sampler.settings.start, maximumRows: blockRows)
    } body: { target, members in
      let draws = members.map { i in
        var g = Xoshiro256StarStar(seed: Self.simulationSeed(seed), stream: UInt64(i))
        return model.simulate(using: &g)
      }
      let xs = draws.map(\.observation)
      let seeds = members.map { Self.instanceSeed(seed, instance: $0) }
      let eps = sampler.stepSizes(target: target, observations: xs, seeds: seeds)
      let f = sampler.forwardLogWeights(target: target, observations: xs, chains: chains, stepSizes: eps, seeds: seeds)
      let r = sampler.reverseLogWeights(
        target: target, observations: xs, posteriorSamples: draws.map(\.latent), chains: chains, stepSizes: eps,
        seeds: seeds)
      for (g, i) in members.enumerated() {
        forward.store(f[g], at: i * chains)
        reverse.store(r[g], at: i * chains)
      }
    }
    return BidirectionalResult(
      forward: LogWeightMatrix.trusted(rowCount: n, columnCount: chains, values: forward.array),
      reverse: LogWeightMatrix.trusted(rowCount: n, columnCount: chains, values: reverse.array))
  }

  /// Runs `body` on groups [k·size, (k+1)·size) ∩ [0, n); worker w takes groups w, w + W, ….
  static func forEachGroup(
    count n: Int, groupSize size: Int, threads: Int, makeTarget: () throws -> any ObservationTarget,
    body: (any ObservationTarget, [Int]) -> Void
  ) throws {
    let workers = ParallelRows.workerCount(count: n, chunkSize: size, threads: threads)
    let targets = try (0..<workers).map { _ in try makeTarget() }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedBox((targets, body))
      ParallelRows.forEachChunk(count: n, chunkSize: size, threads: threads) { w, group in
        shared.value.1(shared.value.0[w], Array(group))
      }
    }
  }
}

/// The two sides of bidirectional Monte Carlo on simulated data.
public struct BidirectionalResult: Sendable {
  /// n × chains forward log-weights: E[e^{log w}] = p(x).
  public let forward: LogWeightMatrix
  /// n × chains reverse log-weights: E[e^{r}] = 1/p(x).
  public let reverse: LogWeightMatrix

  /// Per instance, log mean_c w_c: a stochastic lower bound on log p(x).
  public var lowerBounds: [Double] {
    (0..<forward.rowCount).map { forward.withRow($0, columns: 0..<forward.columnCount) { LogSpace.logMeanExp($0) } }
  }
  /// Per instance, −log mean_c e^{r_c}: a stochastic upper bound on log p(x).
  public var upperBounds: [Double] {
    (0..<reverse.rowCount).map { -reverse.withRow($0, columns: 0..<reverse.columnCount) { LogSpace.logMeanExp($0) } }
  }
}
