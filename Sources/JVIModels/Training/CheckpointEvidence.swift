import JVICore

/// The log-weights of a trained checkpoint, whatever its model:
///
/// | model | instances (rows) | samples (columns) |
/// |---|---|---|
/// | gaussian-vae | images of `split` | z ~ q(z | x) |
/// | discrete-vae | images of `split` | relaxed z or binary b ~ q (`latent`) |
/// | bernoulli-vae | images of `split` | binary b ~ q |
/// | bbb-classifier, bbb-regression | replicates of the one training set | weights w ~ q(w | θ) |
public enum CheckpointEvidence {
  /// - Parameters:
  ///   - dataDirectory: the image folder (nil: the checkpoint's); for a gaussian-vae, a `.npy`
  ///     file of observations instead (`ObservationMatrix`, `split` unused); unused for regression.
  ///   - limit: the first N images, or the number of replicate rows for Bayes by Backprop (default 10).
  ///   - precision: the scalar a gaussian-vae's networks run in (nil: `Checkpoint.defaultPrecision`;
  ///     the other models run in Double).
  /// - Throws: `InputFileError` for unreadable data or images of the wrong size.
  public static func source(
    _ checkpoint: Checkpoint, dataDirectory: String?, split: ImageDataset.Split, limit: Int?,
    latent: DiscreteVAE.LatentKind = .relaxed, precision: NetworkPrecision? = nil
  ) throws(InputFileError) -> any LogWeightSource {
    let c = checkpoint.configuration
    if let path = dataDirectory, isObservationFile(path), c.model != .gaussianVAE {
      throw InputFileError(
        path: path, problem: "a data file applies to a gaussian-vae; this model is a \(c.model.rawValue)")
    }
    switch c.model {
    case .gaussianVAE:
      return try GaussianVAELogWeightSource(
        checkpoint: checkpoint, observations: try observations(c, dataDirectory, split: split), limit: limit,
        precision: precision ?? checkpoint.defaultPrecision)
    case .discreteVAE, .bernoulliVAE:
      // A bernoulli-vae's latents are binary: its log-weights are the discrete model's.
      return try DiscreteVAELogWeightSource(
        checkpoint: checkpoint, data: try images(c, dataDirectory, testOnly: split == .test), split: split,
        limit: limit, latent: c.model == .bernoulliVAE ? .discrete : latent)
    case .bbbClassifier:
      let data = try images(c, dataDirectory)
      guard data.pixels == c.architecture.inputSize else {
        throw InputFileError(
          path: data.directory, problem: "images of \(data.pixels) pixels; the model takes \(c.architecture.inputSize)")
      }
      let n = min(checkpoint.trainingExamples, data.count(.train))
      var inputs: [Double] = []
      inputs.reserveCapacity(n * data.pixels)
      var labels: [Double] = []
      for i in 0..<n {
        for v in data.image(i, of: .train) { inputs.append(Double(v) / 255) }
        labels.append(Double(data.label(i, of: .train)))
      }
      let model = c.bayes.network(c.model, architecture: c.architecture)
      return BayesianEvidenceSource(
        model: model, parameters: checkpoint.parameters, inputs: inputs, targets: labels, replicates: limit ?? 10,
        label: "bbb-classifier \(describe(model)) on \(n) training images")
    case .bbbRegression:
      let curve = RegressionCurve(c.bayes.curve)
      let model = c.bayes.network(c.model, architecture: c.architecture)
      return BayesianEvidenceSource(
        model: model, parameters: checkpoint.parameters, inputs: curve.x, targets: curve.y, replicates: limit ?? 10,
        label: "bbb-regression \(describe(model)) on \(curve.count) curve points")
    }
  }

  /// "1-100-1 relu prior gaussian sigma=1".
  static func describe(_ model: BayesianMLP) -> String {
    let sizes = [model.inputSize] + model.network.layers.map(\.outputs)
    return "\(sizes.map(String.init).joined(separator: "-")) \(model.network.activation.rawValue) prior \(model.prior)"
  }

  /// Whether a `--data` or `data =` path names a `.npy` file of observations (else an image folder).
  public static func isObservationFile(_ path: String) -> Bool { path.lowercased().hasSuffix(".npy") }

  /// A VAE's observations: the rows of a `.npy` data file, or a split of an image folder (the
  /// checkpoint's when `path` is nil).
  public static func observations(_ c: TrainingConfiguration, _ path: String?, split: ImageDataset.Split)
    throws(InputFileError) -> VAEObservations
  {
    if let path, isObservationFile(path) { return .matrix(try ObservationMatrix(contentsOf: path)) }
    return .images(try images(c, path, testOnly: split == .test), split)
  }

  /// The checkpoint's images (only the test files when `testOnly`).
  static func images(_ c: TrainingConfiguration, _ directory: String?, testOnly: Bool = false)
    throws(InputFileError) -> ImageDataset
  {
    try ImageDataset(directory: directory ?? c.dataDirectory, validationCount: c.validationCount, testOnly: testOnly)
  }
}
