import JVICore

/// The signal-to-noise ratio of a training gradient, per parameter |E g_p| / sd(g_p), averaged
/// over the encoder's and over the decoder's parameters (Rainforth et al. 2018, who show that
/// the encoder's falls like 1/√k for the standard IWAE gradient; Tucker et al. 2019, whose DReG
/// estimator reverses that).
///
/// The gradient is the one training takes (the checkpoint's model, objective and gradient
/// estimator, Float networks) on a fixed minibatch — the first `images` training images, with
/// the fixed evaluation binarisation — over `draws` independent draws of the noise (draw r from
/// stream r of `seed`). Draws run in fixed chunks whose per-parameter sums (Double) are added in
/// chunk order: the result does not depend on the thread count. A parameter with zero variance
/// is left out of the average.
public enum GradientSignalToNoise {
  public struct Result: Sendable, Equatable {
    public var samples: Int
    public var draws: Int
    public var images: Int
    public var encoder: Double
    public var decoder: Double
  }

  /// - Throws: `EstimatorError.invalidConfiguration` for a model that is not a Gaussian, discrete
  ///   or Bernoulli VAE, or an objective the model does not train by.
  public static func measure(
    _ checkpoint: Checkpoint, data: ImageDataset, samples k: Int, draws: Int, images: Int = 100, seed: UInt64,
    threads: Int
  ) throws -> Result {
    var c = checkpoint.configuration
    c.samples = k
    c.batchSize = images
    c.shards = 1
    try c.checkObjective()
    switch c.model {
    case .gaussianVAE:
      let m = GaussianVAE(c.architecture)
      return try run(
        m, c, checkpoint, data, draws, images, seed, threads, decoderStart: m.decoder.layers[0].weightOffset)
    case .discreteVAE:
      let m = DiscreteVAE(c.architecture, schedule: c.temperature, step: checkpoint.adamStep)
      return try run(
        m, c, checkpoint, data, draws, images, seed, threads, decoderStart: m.decoder.layers[0].weightOffset)
    case .bernoulliVAE:
      let m = BernoulliVAE(c.architecture)
      return try run(
        m, c, checkpoint, data, draws, images, seed, threads, decoderStart: m.network.decoder.layers[0].weightOffset)
    case .bbbClassifier, .bbbRegression:
      throw EstimatorError.invalidConfiguration("the gradient's signal-to-noise ratio is measured for the VAEs")
    }
  }

  static func run<Model: TrainableImageModel>(
    _ model: Model, _ c: TrainingConfiguration, _ checkpoint: Checkpoint, _ data: ImageDataset, _ draws: Int,
    _ images: Int, _ seed: UInt64, _ threads: Int, decoderStart: Int
  ) throws -> Result {
    guard model.supports(c.objective) && model.supports(c.gradient) else {
      throw EstimatorError.invalidConfiguration("\(model.description) does not train by \(c.objective.name)")
    }
    let n = model.parameterCount, input = model.inputSize
    let count = min(images, data.count(.train))
    let pixels = ScalarBuffer<Float>(count: count * input)
    for i in 0..<count { data.binarizeFixed(i, of: .train, into: pixels.pointer + i * input) }
    let parameters = ScalarBuffer<Float>(count: n)
    for i in 0..<n { parameters.pointer[i] = checkpoint.parameters[i] }
    let jackknife: JackknifeGradientWeights? =
      if case .jackknife(let m) = c.objective { try JackknifeGradientWeights(sampleCount: c.samples, order: m) } else {
        nil
      }
    let chunk = 8, chunks = (draws + chunk - 1) / chunk
    let sums = ScalarBuffer<Double>(count: chunks * n), squares = ScalarBuffer<Double>(count: chunks * n)
    let failure = FirstFailure<Error>()
    let shared = UncheckedBox((pixels, parameters))
    ParallelRows.forEachChunk(count: draws, chunkSize: chunk, threads: threads) { _ in
      (state: model.makeTrainingState(maximumImages: count, samples: c.samples), grads: ScalarBuffer<Float>(count: n))
    } _: { worker, rows in
      let q = rows.lowerBound / chunk
      for r in rows {
        var g = Xoshiro256StarStar(seed: seed, stream: UInt64(r))
        model.drawTrainingNoise(worker.state, images: count, using: &g)
        worker.grads.fill(0)
        do {
          _ = try model.trainingObjective(
            c.objective, gradient: c.gradient, images: shared.value.0.pointer, count: count,
            parameters: shared.value.1.pointer, state: worker.state, gradients: worker.grads.pointer,
            lossScale: 1 / Double(count), jackknifeWeights: jackknife)
        } catch {
          failure.record(row: r, error)
          return
        }
        for p in 0..<n {
          let v = Double(worker.grads.pointer[p])
          sums.pointer[q * n + p] += v
          squares.pointer[q * n + p] += v * v
        }
      }
    }
    if let error = failure.first { throw error }
    var ratios = (encoder: 0.0, encoderCount: 0, decoder: 0.0, decoderCount: 0)
    for p in 0..<n {
      var s = 0.0, ss = 0.0
      for q in 0..<chunks {
        s += sums.pointer[q * n + p]
        ss += squares.pointer[q * n + p]
      }
      let d = Double(draws), mean = s / d
      let variance = max(0, (ss - d * mean * mean) / (d - 1))
      guard variance > 0 else { continue }
      let snr = abs(mean) / variance.squareRoot()
      if p < decoderStart {
        ratios.encoder += snr
        ratios.encoderCount += 1
      } else {
        ratios.decoder += snr
        ratios.decoderCount += 1
      }
    }
    return Result(
      samples: c.samples, draws: draws, images: count, encoder: ratios.encoder / Double(max(1, ratios.encoderCount)),
      decoder: ratios.decoder / Double(max(1, ratios.decoderCount)))
  }
}
