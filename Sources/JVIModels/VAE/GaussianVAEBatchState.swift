import JVICore

/// Every buffer one forward/backward pass of a `GaussianVAE` needs, for up to `maximumImages`
/// images and `samples` samples each: allocated once, reused every step.
public final class GaussianVAEBatchState<T: NetworkScalar>: ImageModelBatchState<T>, @unchecked Sendable {
  /// log σ²/2 and σ = exp(log σ²/2), images × latent.
  let halfLogVariance: ScalarBuffer<T>
  let sigma: ScalarBuffer<T>
  /// ε and z = μ + σ ⊙ ε, (images·samples) × latent.
  public let epsilon: ScalarBuffer<T>
  let z: ScalarBuffer<T>
  let dz: ScalarBuffer<T>
  let dEncoderOutput: ScalarBuffer<T>
  /// Per (image, sample): log p(z), log q(z | x); per image: KL.
  public let logPrior: ScalarBuffer<Double>
  public let logPosterior: ScalarBuffer<Double>
  public let klDivergence: ScalarBuffer<Double>

  public init(_ model: GaussianVAE, maximumImages: Int, samples: Int) {
    let d = model.architecture.latentSize
    let rows = maximumImages * samples
    halfLogVariance = ScalarBuffer(count: maximumImages * d)
    sigma = ScalarBuffer(count: maximumImages * d)
    epsilon = ScalarBuffer(count: rows * d)
    z = ScalarBuffer(count: rows * d)
    dz = ScalarBuffer(count: rows * d)
    dEncoderOutput = ScalarBuffer(count: maximumImages * 2 * d)
    logPrior = ScalarBuffer(count: rows)
    logPosterior = ScalarBuffer(count: rows)
    klDivergence = ScalarBuffer(count: maximumImages)
    super.init(encoder: model.encoder, decoder: model.decoder, maximumImages: maximumImages, samples: samples)
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
