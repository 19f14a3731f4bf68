import JVICore

/// The buffers of one forward/backward pass of a `DiscreteVAE` for up to `maximumImages` images
/// and `samples` samples each: allocated once, reused every step.
public final class DiscreteVAEBatchState<T: NetworkScalar>: ImageModelBatchState<T>, @unchecked Sendable {
  /// The logistic noise L, (images·samples) × latent.
  public let noise: ScalarBuffer<T>
  /// a = G + L, the decoder input (y = σ(a/τ), or b = 1[a > 0]), and scratch, all (images·samples) × latent.
  let shifted: ScalarBuffer<T>
  let latent: ScalarBuffer<T>
  let scratchA: ScalarBuffer<T>
  let scratchB: ScalarBuffer<T>
  let dLatent: ScalarBuffer<T>
  let dEncoderOutput: ScalarBuffer<T>
  /// Per (image, sample): log p(latent) − log q(latent | x).
  public let logPriorRatio: ScalarBuffer<Double>

  public init(_ model: DiscreteVAE, maximumImages: Int, samples: Int) {
    let d = model.architecture.latentSize
    let n = maximumImages * samples * d
    noise = ScalarBuffer(count: n)
    shifted = ScalarBuffer(count: n)
    latent = ScalarBuffer(count: n)
    scratchA = ScalarBuffer(count: n)
    scratchB = ScalarBuffer(count: n)
    dLatent = ScalarBuffer(count: n)
    dEncoderOutput = ScalarBuffer(count: maximumImages * d)
    logPriorRatio = ScalarBuffer(count: maximumImages * samples)
    super.init(encoder: model.encoder, decoder: model.decoder, maximumImages: maximumImages, samples: samples)
  }

  /// Fills the noise of `count` consecutive values starting at `offset` from `generator`.
  public func drawNoise<G: RandomNumberGenerator>(offset: Int, count: Int, using generator: inout G) {
    for i in offset..<(offset + count) { noise.pointer[i] = T(DiscreteVAE.logisticNoise(using: &generator)) }
  }
}
