import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Training a `BayesianMLP` by Bayes by Backprop: minibatch i of M costs
///
///     F_i = π_i·[log q(w | θ) − log P(w)] − log P(D_i | w),
///
/// Monte Carlo over S weight samples w_s = μ + σ ⊙ ε_s, the same samples in every term (S =
/// `samples`). `beginStep` draws the samples (stream (epoch, step, s) of the seed) and takes the
/// complexity term and its gradient; the shards take the likelihood of their examples with
/// every sample; `gradientParts` sums the weight-space gradients in shard order and maps them to
/// θ = [μ | ρ]:
///
///     ∂F/∂μ = Σ_s g_s,   ∂F/∂ρ = Σ_s g_s ⊙ ε_s ⊙ σ'(ρ) − π_i σ'(ρ)/σ,   σ'(ρ) = sigmoid(ρ),
///
/// g_s = ∂F/∂w at w_s (the log q term's total derivative along the path is −Σ log σ).
/// The objective reported is −F_i, so an epoch's mean is the ELBO per training example.
public final class BayesByBackpropTask: TrainingTask, @unchecked Sendable {
  public enum Data: Sendable {
    case images(ImageDataset)
    case curve(RegressionCurve)
  }

  public let configuration: TrainingConfiguration
  public let model: BayesianMLP
  public let data: Data
  let noise: [ScalarBuffer<Float>]
  let weights: [ScalarBuffer<Float>]
  let complexityGradients: [ScalarBuffer<Float>]
  let shardGradients: [[ScalarBuffer<Float>]]
  let shardStates: [MLPState<Float>]
  let shardInputs: [ScalarBuffer<Float>]
  let shardTargets: [ScalarBuffer<Float>]
  let shardOutputGradients: [ScalarBuffer<Float>]
  let sigma: ScalarBuffer<Float>
  let sigmoidRho: ScalarBuffer<Float>
  let thetaGradient: ScalarBuffer<Float>
  let priorScratch: ScalarBuffer<Float>
  private var complexityWeight = 0.0

  public init(configuration c: TrainingConfiguration, data: Data) throws(EstimatorError) {
    switch data {
    case .images(let images):
      guard c.architecture.inputSize == images.pixels else {
        throw .invalidConfiguration(
          "the model has \(c.architecture.inputSize) inputs but the images in \(images.directory) have \(images.pixels) pixels"
        )
      }
      guard c.bayes.outputSize == 10 || c.model != .bbbClassifier else {
        throw .invalidConfiguration("the classifier has \(c.bayes.outputSize) outputs; Fashion-MNIST has 10 classes")
      }
    case .curve:
      guard c.architecture.inputSize == 1 else {
        throw .invalidConfiguration(
          "the regression curve has one input; the configuration says \(c.architecture.inputSize)")
      }
    }
    configuration = c
    self.data = data
    let model = c.bayes.network(c.model, architecture: c.architecture)
    self.model = model
    let p = model.weightCount, s = c.samples
    let perShard = (c.batchSize + c.shards - 1) / c.shards
    noise = (0..<s).map { _ in ScalarBuffer(count: p) }
    weights = (0..<s).map { _ in ScalarBuffer(count: p) }
    complexityGradients = (0..<s).map { _ in ScalarBuffer(count: p) }
    shardGradients = (0..<c.shards).map { _ in (0..<s).map { _ in ScalarBuffer(count: p) } }
    shardStates = (0..<c.shards).map { _ in MLPState(model.network, maximumRows: perShard) }
    shardInputs = (0..<c.shards).map { _ in ScalarBuffer(count: perShard * c.architecture.inputSize) }
    shardTargets = (0..<c.shards).map { _ in ScalarBuffer(count: perShard) }
    shardOutputGradients = (0..<c.shards).map { _ in ScalarBuffer(count: perShard * model.outputSize) }
    sigma = ScalarBuffer(count: p)
    sigmoidRho = ScalarBuffer(count: p)
    thetaGradient = ScalarBuffer(count: 2 * p)
    priorScratch = ScalarBuffer(count: 2 * p)
  }

  public var description: String {
    let sizes = [model.inputSize] + model.network.layers.map(\.outputs)
    return "\(configuration.model.rawValue) \(sizes.map(String.init).joined(separator: "-")) "
      + "\(model.network.activation.rawValue), prior \(model.prior), \(configuration.bayes.weighting.rawValue) "
      + "complexity weights, \(configuration.samples) weight sample(s) per step"
  }
  public var objectiveName: String { "elbo" }
  public var parameterCount: Int { model.parameterCount }
  public var shardCount: Int { configuration.shards }

  public var exampleCount: Int {
    switch data {
    case .images(let d): min(configuration.limit ?? Int.max, d.count(.train))
    case .curve(let curve): curve.count
    }
  }

  public func initialParameters() -> ScalarBuffer<Float> {
    model.initialParameters(
      seed: configuration.seed, scheme: configuration.initialization, initialRho: configuration.bayes.initialRho)
  }

  /// The cost is a sum over the minibatch (as in the source): lossScale 1.
  public func lossScale(batchCount: Int) -> Double { 1 }

  /// Weights are processed in fixed chunks of `chunk` values, each with its own noise stream and
  /// partial sums (combined in chunk order), so threads can take chunks in any order.
  static let chunk = 32_768

  public func beginStep(_ step: TrainingStep, parameters theta: UnsafePointer<Float>) throws -> Double {
    let c = configuration, p = model.weightCount, s = c.samples
    complexityWeight = c.bayes.weighting.weight(minibatch: step.index + 1, of: step.count)
    let chunks = (p + Self.chunk - 1) / Self.chunk
    let partial = ScalarBuffer<Double>(count: chunks * (1 + 2 * s))
    let scale = -complexityWeight * step.lossScale / Double(s)
    let shared = UncheckedBox(self), parameters = SharedPointer(theta)
    // One seed per (epoch, step, sample); chunk k of the noise is stream k of it.
    let sampleSeeds = (0..<s).map { q in
      var g = Xoshiro256StarStar(
        seed: c.seed ^ 0xB8B0_0000, stream: (UInt64(step.epoch) << 40) | (UInt64(step.index) << 8) | UInt64(q))
      return g.next()
    }
    ParallelRows.forEachChunk(count: chunks, chunkSize: 1, threads: step.threads) { _, chunk in
      let k = chunk.lowerBound, task = shared.value, theta = parameters.pointer
      let lo = k * Self.chunk, n = min(Self.chunk, p - lo)
      Float.softplus(theta + p + lo, task.sigma.pointer + lo, count: n)
      Float.sigmoid(theta + p + lo, task.sigmoidRho.pointer + lo, count: n)
      var logSigma = 0.0
      for i in lo..<(lo + n) { logSigma += Double(log(task.sigma.pointer[i])) }
      partial.pointer[k] = logSigma
      for q in 0..<s {
        var g = Xoshiro256StarStar(seed: sampleSeeds[q], stream: UInt64(k))
        let eps = task.noise[q].pointer + lo, w = task.weights[q].pointer + lo
        var i = 0
        var sumSquares = 0.0
        while i < n {
          let (a, b) = Sampling.standardNormalPair(using: &g)
          eps[i] = Float(a)
          if i + 1 < n { eps[i + 1] = Float(b) }
          i += 2
        }
        for i in 0..<n {
          w[i] = theta[lo + i] + task.sigma.pointer[lo + i] * eps[i]
          sumSquares += Double(eps[i]) * Double(eps[i])
        }
        let gradient = task.complexityGradients[q].pointer + lo
        gradient.update(repeating: 0, count: n)
        let logP = task.model.prior.logDensity(
          UnsafePointer(w), count: n, gradient: gradient, scale: scale, scratch: task.priorScratch.pointer + 2 * lo)
        partial.pointer[chunks + 2 * (q * chunks + k)] = sumSquares
        partial.pointer[chunks + 2 * (q * chunks + k) + 1] = logP
      }
    }
    var logSigma = 0.0
    for k in 0..<chunks { logSigma += partial.pointer[k] }
    var objective = 0.0
    for q in 0..<s {
      var sumSquares = 0.0, logP = 0.0
      for k in 0..<chunks {
        sumSquares += partial.pointer[chunks + 2 * (q * chunks + k)]
        logP += partial.pointer[chunks + 2 * (q * chunks + k) + 1]
      }
      let logQ = -logSigma - 0.5 * sumSquares - Double(p) * WeightPrior.halfLogTwoPi
      objective -= complexityWeight * (logQ - logP) / Double(s)
    }
    return objective
  }

  /// The shard's examples with every weight sample: Σ_s log P(D_shard | w_s)/S and its gradient.
  public func runShard(_ shard: Int, _ step: TrainingStep, parameters: UnsafePointer<Float>) throws -> Double {
    let c = configuration, s = c.samples
    let lo = step.batch.count * shard / c.shards, hi = step.batch.count * (shard + 1) / c.shards
    for q in 0..<s { shardGradients[shard][q].fill(0) }
    if lo == hi { return 0 }
    let rows = hi - lo
    let x = shardInputs[shard].pointer, t = shardTargets[shard].pointer
    fill(examples: UnsafeBufferPointer(rebasing: step.batch[lo..<hi]), inputs: x, targets: t)
    var total = 0.0
    for q in 0..<s {
      let w = UnsafePointer(weights[q].pointer)
      let out = model.network.forward(UnsafePointer(x), rows: rows, parameters: w, state: shardStates[shard])
      let dOut = shardOutputGradients[shard].pointer
      total += model.logLikelihood(
        outputs: out, targets: t, rows: rows, outputGradient: dOut, scale: -step.lossScale / Double(s))
      model.network.backward(
        outputGradient: dOut, rows: rows, parameters: w, gradients: shardGradients[shard][q].pointer,
        inputGradient: nil, state: shardStates[shard])
    }
    return total / Double(s)
  }

  /// Inputs and targets of the given training examples.
  func fill(
    examples: UnsafeBufferPointer<Int>, inputs x: UnsafeMutablePointer<Float>, targets t: UnsafeMutablePointer<Float>
  ) {
    switch data {
    case .images(let d):
      let n = d.pixels
      for (r, index) in examples.enumerated() {
        let pixels = d.image(index, of: .train)
        var j = 0
        for v in pixels {
          x[r * n + j] = Float(v) / 255
          j += 1
        }
        t[r] = Float(d.label(index, of: .train))
      }
    case .curve(let curve):
      for (r, index) in examples.enumerated() {
        x[r] = Float(curve.x[index])
        t[r] = Float(curve.y[index])
      }
    }
  }

  public func gradientParts(_ step: TrainingStep, parameters theta: UnsafePointer<Float>) -> [UnsafePointer<Float>] {
    let p = model.weightCount
    let chunks = (p + Self.chunk - 1) / Self.chunk
    let entropyScale = Float(complexityWeight * step.lossScale)
    let shared = UncheckedBox(self)
    ParallelRows.forEachChunk(count: chunks, chunkSize: 1, threads: step.threads) { _, chunk in
      let k = chunk.lowerBound, task = shared.value
      let s = task.configuration.samples, shards = task.configuration.shards
      let dMu = task.thetaGradient.pointer, dRho = task.thetaGradient.pointer + p
      for i in (k * Self.chunk)..<min(p, (k + 1) * Self.chunk) {
        var mu: Float = 0, rho: Float = 0
        for q in 0..<s {
          var g = task.complexityGradients[q].pointer[i]
          for shard in 0..<shards { g += task.shardGradients[shard][q].pointer[i] }
          mu += g
          rho += g * task.noise[q].pointer[i]
        }
        dMu[i] = mu
        dRho[i] = task.sigmoidRho.pointer[i] * (rho - entropyScale / task.sigma.pointer[i])
      }
    }
    return [UnsafePointer(thetaGradient.pointer)]
  }

  /// Validation (classifier: held-out images) or training (regression) fit with the mean weights μ.
  public func epochSummary(parameters theta: UnsafePointer<Float>, threads: Int) throws -> String? {
    switch data {
    case .images(let d):
      guard d.count(.validation) > 0 else { return nil }
      let r = BayesianPrediction.classify(
        model, parameters: theta, data: d, split: .validation, count: d.count(.validation))
      return "validation error \(TrainingReport.format(100 * r.errorRate, digits: 2))% (mean weights), "
        + "NLL \(TrainingReport.format(r.meanNegativeLogLikelihood, digits: 4))"
    case .curve(let curve):
      let rmse = BayesianPrediction.rootMeanSquaredError(model, parameters: theta, curve: curve)
      return "training RMSE \(TrainingReport.format(rmse, digits: 4)) (mean weights)"
    }
  }
}
