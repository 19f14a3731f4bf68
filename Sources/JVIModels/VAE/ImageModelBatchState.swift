import JVICore

/// The buffers every image-latent model's forward/backward pass needs, for up to `maximumImages`
/// images and `samples` samples each: the encoder and decoder states, the decoder's logit
/// gradients, and per (image, sample) log p(x | latent), log w and the objective's sample weights.
/// Allocated once, reused every step; each model's state adds its own latent buffers.
public class ImageModelBatchState<T: NetworkScalar>: @unchecked Sendable {
  public let maximumImages: Int
  public let samples: Int
  let encoder: MLPState<T>
  let decoder: MLPState<T>
  let dLogits: ScalarBuffer<T>
  public let logLikelihood: ScalarBuffer<Double>
  public let logWeights: ScalarBuffer<Double>
  /// The per-sample gradient weights g of the current objective.
  let sampleWeights: ScalarBuffer<Double>
  let weightScratch: ScalarBuffer<Double>
  /// The encoder's own sample weights h and a copy of the unscaled logit gradients, for the
  /// objectives and estimators whose encoder weights differ from the decoder's (made on first use).
  lazy var encoderWeights = ScalarBuffer<Double>(count: maximumImages * samples)
  lazy var dLogitsPath = ScalarBuffer<T>(count: dLogits.count)
  let estimatorWorkspace = EstimatorWorkspace()

  init(encoder e: MLP, decoder d: MLP, maximumImages: Int, samples: Int) {
    let rows = maximumImages * samples
    self.maximumImages = maximumImages
    self.samples = samples
    encoder = MLPState(e, maximumRows: maximumImages)
    decoder = MLPState(d, maximumRows: rows)
    dLogits = ScalarBuffer(count: rows * d.outputs)
    logLikelihood = ScalarBuffer(count: rows)
    logWeights = ScalarBuffer(count: rows)
    sampleWeights = ScalarBuffer(count: rows)
    weightScratch = ScalarBuffer(count: 3 * samples)
  }
}
