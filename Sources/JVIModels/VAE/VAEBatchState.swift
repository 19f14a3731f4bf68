import JVICore

/// Every buffer one forward/backward pass of a `GaussianVAE` needs, for up to `maximumImages`
/// images and `samples` samples each: allocated once, reused every step.
public final class VAEBatchState<T: NetworkScalar>: @unchecked Sendable {
  public let maximumImages: Int
  public let samples: Int
  let encoder: MLPState<T>
  let decoder: MLPState<T>
  /// log σ²/2 and σ = exp(log σ²/2), images × latent.
  let halfLogVariance: ScalarBuffer<T>
  let sigma: ScalarBuffer<T>
  /// ε and z = μ + σ ⊙ ε, (images·samples) × latent.
  public let epsilon: ScalarBuffer<T>
  let z: ScalarBuffer<T>
  let dLogits: ScalarBuffer<T>
  let dz: ScalarBuffer<T>
  let dEncoderOutput: ScalarBuffer<T>
  /// Per (image, sample): log p(x | z), log p(z), log q(z | x), log w; per image: KL.
  public let logLikelihood: ScalarBuffer<Double>
  public let logPrior: ScalarBuffer<Double>
  public let logPosterior: ScalarBuffer<Double>
  public let logWeights: ScalarBuffer<Double>
  public let klDivergence: ScalarBuffer<Double>
  /// The per-sample gradient weights g of the current objective.
  let sampleWeights: ScalarBuffer<Double>
  let weightScratch: ScalarBuffer<Double>
  let estimatorWorkspace = EstimatorWorkspace()

  public init(_ model: GaussianVAE, maximumImages: Int, samples: Int) {
    let d = model.architecture.latentSize, input = model.architecture.inputSize
    let rows = maximumImages * samples
    self.maximumImages = maximumImages
    self.samples = samples
    encoder = MLPState(model.encoder, maximumRows: maximumImages)
    decoder = MLPState(model.decoder, maximumRows: rows)
    halfLogVariance = ScalarBuffer(count: maximumImages * d)
    sigma = ScalarBuffer(count: maximumImages * d)
    epsilon = ScalarBuffer(count: rows * d)
    z = ScalarBuffer(count: rows * d)
    dLogits = ScalarBuffer(count: rows * input)
    dz = ScalarBuffer(count: rows * d)
    dEncoderOutput = ScalarBuffer(count: maximumImages * 2 * d)
    logLikelihood = ScalarBuffer(count: rows)
    logPrior = ScalarBuffer(count: rows)
    logPosterior = ScalarBuffer(count: rows)
    logWeights = ScalarBuffer(count: rows)
    klDivergence = ScalarBuffer(count: maximumImages)
    sampleWeights = ScalarBuffer(count: rows)
    weightScratch = ScalarBuffer(count: 2 * samples)
  }

  /// Fills ε for `images` images with standard normal draws from `generator`.
  public func drawNoise<G: RandomNumberGenerator>(images: Int, latentSize d: Int, using generator: inout G) {
    let n = images * samples * d
    var i = 0
    while i < n {
      let (a, b) = Sampling.standardNormalPair(using: &generator)
      epsilon.pointer[i] = T(a)
      if i + 1 < n { epsilon.pointer[i + 1] = T(b) }
      i += 2
    }
  }

  /// Fills ε for the first `samples` samples of one image with the next values of `stream`.
  public func drawNoise<G>(samples m: Int, latentSize d: Int, from stream: inout StandardNormalStream<G>) {
    for i in 0..<(m * d) { epsilon.pointer[i] = T(stream.next()) }
  }
}
