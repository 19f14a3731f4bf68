import JVICore

/// A trained discrete-latent VAE on a split of an image data set, as a `LogWeightSource`.
///
/// `latent` chooses what the log-weights estimate (see `DiscreteVAE`):
/// - `.relaxed`: log p(x) of the relaxed model, a density over the continuous logits z;
/// - `.discrete`: log p(x) = log Σ_b 2^−d p(x | b) of the hard binary model the relaxation
///   approximates, whose decoder is F_θ applied to b ∈ {0, 1}^d.
/// Both use the same logistic noise (b = 1[z > 0]). The network runs in Double; image i uses the
/// fixed binarisation of its split and noise from stream i of the seed; K samples are decoded in
/// chunks; any thread count gives the same bits. There is no analytic KL (no ELBO-B inputs).
public struct DiscreteVAELogWeightSource: LogWeightSource, @unchecked Sendable {
  public let model: DiscreteVAE
  public let parameters: [Double]
  public let data: ImageDataset
  public let split: ImageDataset.Split
  public let limit: Int?
  public let latent: DiscreteVAE.LatentKind
  /// discrete-vae, or bernoulli-vae (the same networks, binary latents only).
  public let kind: ModelKind
  public var chunkSamples = 1024

  /// The model at the temperature of the checkpoint's last step.
  public init(
    checkpoint: Checkpoint, data: ImageDataset, split: ImageDataset.Split, limit: Int? = nil,
    latent: DiscreteVAE.LatentKind
  ) throws(InputFileError) {
    let c = checkpoint.configuration
    guard c.model == .discreteVAE || (c.model == .bernoulliVAE && latent == .discrete) else {
      throw InputFileError(
        path: "checkpoint", problem: "holds a \(c.model.rawValue), not a discrete-vae (or a bernoulli-vae, discrete)")
    }
    guard c.architecture.inputSize == data.pixels else {
      throw InputFileError(
        path: data.directory, problem: "images of \(data.pixels) pixels; the model takes \(c.architecture.inputSize)")
    }
    model = DiscreteVAE(c.architecture, schedule: c.temperature, step: checkpoint.adamStep)
    kind = c.model
    parameters = checkpoint.parameters.map(Double.init)
    self.data = data
    self.split = split
    self.limit = limit
    self.latent = latent
  }

  public var instanceCount: Int { min(limit ?? Int.max, data.count(split)) }

  public var name: String {
    kind == .bernoulliVAE
      ? "bernoulli-vae \(model.architecture.description) on \(split.rawValue)"
      : "discrete-vae \(model.architecture.description) tau=\(model.temperature) \(latent.rawValue) on \(split.rawValue)"
  }

  public func logWeights(samples k: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    checkRequest(samples: k, rows: rows)
    let n = rows.count
    let out = ScalarBuffer<Double>(count: n * k)
    let chunk = min(chunkSamples, k)
    let source = self
    ImageLogWeightLoop.run(
      count: n, threads: threads, parameters: parameters, inputSize: model.architecture.inputSize,
      makeState: { DiscreteVAEBatchState<Double>(source.model, maximumImages: 1, samples: chunk) },
      body: { r, state, pixels, p in
        source.evaluate(
          image: rows.lowerBound + r, samples: k, seed: seed, parameters: p, state: state, pixels: pixels,
          logWeights: out.pointer + r * k)
      })
    return LogWeightMatrix.trusted(rowCount: n, columnCount: k, values: out.array, instanceOffset: rows.lowerBound)
  }

  /// K log-weights of one image, decoded in chunks; the noise is one stream per image.
  func evaluate(
    image i: Int, samples k: Int, seed: UInt64, parameters: UnsafePointer<Double>,
    state: DiscreteVAEBatchState<Double>, pixels: UnsafeMutablePointer<Double>, logWeights: UnsafeMutablePointer<Double>
  ) {
    data.binarizeFixed(i, of: split, into: pixels)
    var g = Xoshiro256StarStar(seed: seed, stream: UInt64(i))
    let d = model.architecture.latentSize
    var done = 0
    while done < k {
      let m = min(state.samples, k - done)
      state.drawNoise(offset: 0, count: m * d, using: &g)
      model.forward(images: pixels, count: 1, parameters: parameters, state: state, latent: latent)
      for s in 0..<m { logWeights[done + s] = state.logWeights.pointer[s] }
      done += m
    }
  }
}
