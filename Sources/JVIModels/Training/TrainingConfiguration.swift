import JVICore

/// Everything that determines a training run's numbers. The thread count is not here: results
/// are bit-identical for any number of threads. `shards` is: each minibatch is split into this
/// many fixed parts whose gradients are summed in order, and threads take whole shards.
public struct TrainingConfiguration: Sendable, Equatable {
  public var model = ModelKind.gaussianVAE
  /// The network: for the VAEs input, hidden widths, latent width and nonlinearity; for Bayes by
  /// Backprop the input and hidden widths and the nonlinearity (the output width is
  /// `bayes.outputSize`; `latentSize` is unused).
  public var architecture = VAEArchitecture()
  /// The objective of the VAEs (Bayes by Backprop always minimises its own cost).
  public var objective = VAEObjective.iwae
  /// The estimator of the encoder's gradient (iwae and jvi; the standard one for the others).
  public var gradient = VAEGradientEstimator.standard
  /// k: samples per image (VAEs), or weight samples per step (Bayes by Backprop).
  public var samples = 5
  public var epochs = 10
  public var batchSize = 100
  public var learningRate = 1e-3
  /// How the learning rate changes over the epochs (`learningRate` is its base).
  public var schedule = LearningRateSchedule.constant
  public var adamEpsilon = 1e-8
  public var seed: UInt64 = 1
  public var initialization = Initialization.glorot
  public var shards = 2
  /// Train on the first `limit` training images only.
  public var limit: Int? = nil
  /// Training images held out for validation (0: train on all of them).
  public var validationCount = ImageDataset.defaultValidationCount
  public var dataDirectory = ImageDataset.defaultDirectory
  /// The discrete-latent VAE's temperature and its schedule.
  public var temperature = TemperatureSchedule()
  /// Bayes by Backprop's prior, cost weighting, initial ρ and regression settings.
  public var bayes = BayesByBackpropSettings()

  public init() {}

  /// Whether the model trains on an MNIST-format image folder.
  public var usesImages: Bool { model != .bbbRegression }

  /// Checks the objective against the samples and the gradient estimator: k a multiple of
  /// MIWAE's and PIWAE's groups, STL and DReG only with iwae and jvi.
  public func checkObjective() throws(EstimatorError) {
    if (objective == .vimco) != (model == .bernoulliVAE) {
      throw .invalidConfiguration(
        model == .bernoulliVAE
          ? "the bernoulli-vae trains by vimco (its latents are binary: no reparameterised gradient)"
          : "vimco trains the bernoulli-vae only")
    }
    if objective == .vimco && samples < 2 {
      throw .invalidConfiguration("vimco's leave-one-out control variates need k >= 2 samples, got \(samples)")
    }
    if let m = objective.groups, m < 1 || samples % m != 0 {
      throw .invalidConfiguration(
        "\(objective.name) splits the k = \(samples) samples into \(m) groups; k must be a multiple of the groups")
    }
    if case .ciwae(let b) = objective, !(b >= 0 && b <= 1) {
      throw .invalidConfiguration("ciwae: beta must lie in [0, 1], got \(b)")
    }
    if case .renyi(let a) = objective, !a.isFinite {
      throw .invalidConfiguration("vr: alpha must be a finite number, got \(a)")
    }
    switch (objective, gradient) {
    case (_, .standard), (.iwae, _), (.jackknife, _): break
    default:
      throw .invalidConfiguration(
        "the \(gradient.rawValue) gradient estimator applies to the iwae and jvi objectives, not \(objective.name)")
    }
  }
}

/// The models `jvi-train` trains, as named on the command line and in checkpoints.
public enum ModelKind: String, Sendable, Equatable, CaseIterable {
  case gaussianVAE = "gaussian-vae"
  case discreteVAE = "discrete-vae"
  case bbbClassifier = "bbb-classifier"
  case bbbRegression = "bbb-regression"
  case bernoulliVAE = "bernoulli-vae"

  /// A Bayes-by-Backprop network (classifier or regression) rather than a VAE.
  public var isBayesByBackprop: Bool { self == .bbbClassifier || self == .bbbRegression }
}

/// Builds the training task a configuration describes.
public enum TrainingTasks {
  /// - Throws: `EstimatorError.invalidConfiguration` for an impossible combination (images of
  ///   the wrong size, ELBO-B for the discrete VAE, a missing data set).
  public static func make(_ c: TrainingConfiguration, data: ImageDataset?) throws(EstimatorError) -> any TrainingTask {
    switch c.model {
    case .gaussianVAE:
      return try ImageModelTask(model: GaussianVAE(c.architecture), configuration: c, data: try images(data))
    case .discreteVAE:
      return try ImageModelTask(
        model: DiscreteVAE(c.architecture, schedule: c.temperature), configuration: c, data: try images(data))
    case .bernoulliVAE:
      return try ImageModelTask(model: BernoulliVAE(c.architecture), configuration: c, data: try images(data))
    case .bbbClassifier:
      return try BayesByBackpropTask(configuration: c, data: .images(try images(data)))
    case .bbbRegression:
      return try BayesByBackpropTask(configuration: c, data: .curve(RegressionCurve(c.bayes.curve)))
    }
  }

  static func images(_ data: ImageDataset?) throws(EstimatorError) -> ImageDataset {
    guard let data else { throw .invalidConfiguration("this model trains on an image data set; none was given") }
    return data
  }
}
