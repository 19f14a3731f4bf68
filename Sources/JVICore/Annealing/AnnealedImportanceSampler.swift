#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Annealed importance sampling (Neal 2001) along the geometric path
/// f_t(z) = π₀(z)^(1−β_t) · p(x, z)^(β_t), 0 = β_0 < … < β_T = 1, with Hamiltonian transitions.
///
/// Forward, per chain: z_0 ~ π₀; for t = 1 … T, log w += (β_t − β_{t−1})(log p(x, z) − log π₀(z))
/// at z_{t−1}, then z_t ~ HMC_t(z_{t−1}, ·), which leaves f_t invariant (the last one is skipped:
/// it does not change the weight). E[w] = Z_T/Z_0 = p(x), so log w is a log importance weight
/// like IWAE's: IWAE over chains is a stochastic lower bound, and JVI applies unchanged.
///
/// Reverse (bidirectional Monte Carlo, Grosse, Ghahramani & Adams 2015), from an exact posterior
/// sample z_T: for t = T … 1, log r += (β_{t−1} − β_t)(log p(x, z) − log π₀(z)) at z_t, then
/// z_{t−1} ~ HMC_{t−1}(z_t, ·). E[e^r] = 1/p(x), so −log mean e^r is a stochastic upper bound.
///
/// Step sizes: `pilotChains` extra chains per instance (their own streams) run the forward process
/// first, over min(`pilotTemperatures`, T) temperatures of the same schedule, and adapt
/// log ε_t ← log ε_{t−1} + 0.1(ᾱ_t − target) from their mean acceptance probability ᾱ_t; the
/// main chains then use that fixed schedule (interpolated in β when the pilots ran fewer
/// temperatures). Because the schedule does not depend on a main chain's own path, every main
/// chain is an exact AIS chain and the chains are independent.
///
/// Cost: (T − 1)·L evaluations of log p(x, z) and its gradient per chain, plus the pilots'
/// (P − 1)·L each, P = min(pilotTemperatures, T): 5% of 4 main chains at T = 1000. The
/// chains of a group of instances run as one block of rows. Streams: chain c of instance i draws
/// from stream c of the instance seed (stream i of `seed`), pilot chains from 2³² + c, reverse
/// chains from 2³³ + c; so results depend neither on threads nor on how chains are grouped.
public struct AnnealedImportanceSampler: Sendable {
  public let settings: AISSettings
  /// β_0 … β_T.
  public let inverseTemperatures: [Double]

  public init(_ settings: AISSettings) {
    self.settings = settings
    inverseTemperatures = settings.schedule.inverseTemperatures(steps: settings.temperatures)
  }

  static let adaptationRate = 0.1
  static let stepSizeRange = 1e-6...10.0
  static let pilotStreams: UInt64 = 1 << 32
  static let reverseStreams: UInt64 = 1 << 33

  /// The seed of instance i's chains.
  public static func instanceSeed(_ seed: UInt64, instance: Int) -> UInt64 {
    var g = Xoshiro256StarStar(seed: seed, stream: UInt64(instance))
    return g.next()
  }

  /// A block of `chains` chains for each of the observations, chain c of observation g drawing from
  /// stream `first + c` of seeds[g]; row g·chains + c.
  static func block(
    target: any ObservationTarget, observations: [[Double]], seeds: [UInt64], chains: Int, first: UInt64
  ) -> (HamiltonianChains, UnsafeMutablePointer<NormalStream>) {
    let rows = observations.count * chains
    let noise = UnsafeMutablePointer<NormalStream>.allocate(capacity: rows)
    for g in observations.indices {
      for c in 0..<chains {
        (noise + g * chains + c).initialize(
          to: NormalStream(Xoshiro256StarStar(seed: seeds[g], stream: first + UInt64(c))))
      }
    }
    target.setObservations(observations, rowsPerObservation: chains)
    return (HamiltonianChains(target: target, rows: rows, noise: noise), noise)
  }

  /// Per observation, ε_t for the transitions at β_1 … β_{T−1} (index t; 0 and T unused), adapted
  /// by its pilot chains, or the fixed initial step size. The observations' pilots run together,
  /// over P = min(pilotTemperatures, T) temperatures of the same schedule; with P < T, ε_t is
  /// interpolated linearly in log ε against β between the two pilot temperatures around β_t.
  public func stepSizes(target: any ObservationTarget, observations: [[Double]], seeds: [UInt64]) -> [[Double]] {
    let t = settings.temperatures, n = observations.count
    var eps = [[Double]](repeating: [Double](repeating: settings.initialStepSize, count: t + 1), count: n)
    let pilots = settings.pilotChains
    guard pilots > 0, t >= 2 else { return eps }
    let p = min(settings.pilotTemperatures, t)
    let pilotBetas = p == t ? inverseTemperatures : settings.schedule.inverseTemperatures(steps: p)
    let pilotLogEps = pilotLogStepSizes(
      target: target, observations: observations, seeds: seeds, inverseTemperatures: pilotBetas)
    for g in 0..<n {
      if p == t {
        for i in 1..<t { eps[g][i] = exp(pilotLogEps[g][i]) }
        continue
      }
      // Pilot transitions run at pilotBetas[1 ..< p]; below the first and above the last, hold.
      var s = 1
      for i in 1..<t {
        let beta = inverseTemperatures[i]
        while s + 1 < p - 1 && pilotBetas[s + 1] <= beta { s += 1 }
        let logEps: Double
        if p < 3 || beta <= pilotBetas[1] {
          logEps = pilotLogEps[g][1]
        } else if beta >= pilotBetas[p - 1] {
          logEps = pilotLogEps[g][p - 1]
        } else {
          let f = (beta - pilotBetas[s]) / (pilotBetas[s + 1] - pilotBetas[s])
          logEps = pilotLogEps[g][s] + f * (pilotLogEps[g][s + 1] - pilotLogEps[g][s])
        }
        eps[g][i] = exp(logEps)
      }
    }
    return eps
  }

  /// Runs `pilotChains` chains per observation through `betas` and returns, per observation,
  /// the log step size each transition i ∈ 1 ..< betas.count − 1 used, adapted after each
  /// transition by log ε ← log ε + 0.1(ᾱ − target).
  func pilotLogStepSizes(
    target: any ObservationTarget, observations: [[Double]], seeds: [UInt64], inverseTemperatures betas: [Double]
  ) -> [[Double]] {
    let n = observations.count, pilots = settings.pilotChains, p = betas.count - 1
    precondition(
      n * pilots <= target.maximumRows, "\(n) × \(pilots) pilot rows exceed the target's \(target.maximumRows)")
    let (chains, noise) = Self.block(
      target: target, observations: observations, seeds: seeds, chains: pilots, first: Self.pilotStreams)
    defer { noise.deinitialize(count: chains.rows).deallocate() }
    chains.drawFromBase()
    var used = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: n)
    var logEps = [Double](repeating: log(settings.initialStepSize), count: n)
    var rowEps = [Double](repeating: 0, count: chains.rows)
    var acceptance = [Double](repeating: 0, count: chains.rows)
    let low = log(Self.stepSizeRange.lowerBound), high = log(Self.stepSizeRange.upperBound)
    for i in 1..<p {
      for g in 0..<n {
        used[g][i] = logEps[g]
        let e = exp(logEps[g])
        for c in 0..<pilots { rowEps[g * pilots + c] = e }
      }
      chains.transition(
        beta: betas[i], stepSizes: rowEps, leapfrogSteps: settings.leapfrogSteps, acceptance: &acceptance)
      for g in 0..<n {
        var mean = 0.0
        for c in 0..<pilots { mean += acceptance[g * pilots + c] }
        logEps[g] += Self.adaptationRate * (mean / Double(pilots) - settings.targetAcceptance)
        logEps[g] = min(max(logEps[g], low), high)
      }
    }
    return used
  }

  /// Chains per block for `observations` observations on this target (at least 1).
  static func chainsPerBlock(target: any AnnealingTarget, observations: Int, chains: Int) -> Int {
    max(1, min(chains, target.maximumRows / max(1, observations)))
  }

  /// Forward AIS log-weights, `chains` per observation, all observations' chains in blocks.
  public func forwardLogWeights(
    target: any ObservationTarget, observations: [[Double]], chains: Int, stepSizes eps: [[Double]], seeds: [UInt64]
  ) -> [[Double]] {
    run(target: target, observations: observations, starts: nil, chains: chains, stepSizes: eps, seeds: seeds)
  }

  /// Reverse AIS log-weights r, `chains` per observation, every chain of observation g starting at
  /// its exact posterior sample posteriorSamples[g]: E[e^r] = 1/p(x).
  public func reverseLogWeights(
    target: any ObservationTarget, observations: [[Double]], posteriorSamples: [[Double]], chains: Int,
    stepSizes eps: [[Double]], seeds: [UInt64]
  ) -> [[Double]] {
    precondition(
      posteriorSamples.allSatisfy { $0.count == target.dimension },
      "every posterior sample needs \(target.dimension) values")
    return run(
      target: target, observations: observations, starts: posteriorSamples, chains: chains, stepSizes: eps,
      seeds: seeds)
  }

  func run(
    target: any ObservationTarget, observations: [[Double]], starts: [[Double]]?, chains: Int,
    stepSizes eps: [[Double]],
    seeds: [UInt64]
  ) -> [[Double]] {
    let n = observations.count, t = settings.temperatures
    let perBlock = Self.chainsPerBlock(target: target, observations: n, chains: chains)
    precondition(
      n * perBlock <= target.maximumRows, "\(n) × \(perBlock) rows exceed the target's \(target.maximumRows)")
    var out = [[Double]](repeating: [Double](repeating: 0, count: chains), count: n)
    var first = 0
    while first < chains {
      let c = min(perBlock, chains - first)
      let streams = (starts == nil ? 0 : Self.reverseStreams) + UInt64(first)
      let (block, noise) = Self.block(
        target: target, observations: observations, seeds: seeds, chains: c, first: streams)
      defer { noise.deinitialize(count: block.rows).deallocate() }
      if let starts {
        block.place((0..<block.rows).flatMap { starts[$0 / c] })
      } else {
        block.drawFromBase()
      }
      var rowEps = [Double](repeating: 0, count: block.rows)
      var acceptance = [Double](repeating: 0, count: block.rows)
      var logW = [Double](repeating: 0, count: block.rows)
      let betas = inverseTemperatures
      let order: [Int] = starts == nil ? Array(1...t) : Array((1...t).reversed())
      for step in order {
        // Forward: weight from β_{step−1} to β_step, then move at β_step (not after the last).
        // Reverse: weight from β_step to β_{step−1}, then move at β_{step−1} (not after the first).
        let (from, to, move) = starts == nil ? (step - 1, step, step) : (step, step - 1, step - 1)
        block.accumulateWeights(&logW, from: betas[from], to: betas[to])
        guard move >= 1 && move < t else { continue }
        for r in 0..<block.rows { rowEps[r] = eps[r / c][move] }
        block.transition(
          beta: betas[move], stepSizes: rowEps, leapfrogSteps: settings.leapfrogSteps, acceptance: &acceptance)
      }
      for r in 0..<block.rows { out[r / c][first + r % c] = logW[r] }
      first += c
    }
    return out
  }
}
