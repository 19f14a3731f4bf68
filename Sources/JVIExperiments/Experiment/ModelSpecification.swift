import JVICore
import JVIModels

/// Which log-weights an experiment (or `jvi-eval --demo-model`) uses, with its parameters:
///
/// | model           | options (default)                                                               |
/// |-----------------|---------------------------------------------------------------------------------|
/// | linear-gaussian | latent-dimension (3), observed-dimension (6), model-seed (1), data-seed (1),    |
/// |                 | q-shift (1), q-scale (1.2), q-mean-field (false)                                |
/// | log-normal      | mu (0), sigma (1)                                                                |
/// | gamma           | shape (1), scale (1)                                                             |
/// | checkpoint      | checkpoint (required: a jvi-train file), data (the checkpoint's folder),        |
/// |                 | split (test), latent (relaxed or discrete, for a discrete-vae), precision       |
/// |                 | (float32 or float64: a gaussian-vae's networks, for its draws and AIS)          |
/// | matrix          | logw (required: an N x C .npy or .csv of a user's log-weights; replicate set s  |
/// |                 | is columns [s·K_max, (s+1)·K_max), a sampled reference the last K_ref columns) |
///
/// The first three have an exact log p(x); linear-gaussian and Gaussian-VAE checkpoints also give
/// log p(x|z) and the analytic KL, so ELBO-B applies to them. For a checkpoint, whether there is an
/// exact log p(x) (Bayesian linear regression) or an analytic KL is known once it is read.
/// A Bayes-by-Backprop checkpoint's instances are replicates of the evidence of its training data.
public enum ModelSpecification: Sendable, Equatable {
  case linearGaussian(latent: Int, observed: Int, modelSeed: UInt64, dataSeed: UInt64, LinearGaussianProposal)
  case law(SyntheticWeightLaw)
  case checkpoint(
    path: String, dataDirectory: String?, split: ImageDataset.Split, latent: DiscreteVAE.LatentKind,
    precision: NetworkPrecision?)
  /// A user's log-weights (`MatrixLogWeightSource`).
  case matrix(path: String)

  public static let kinds = ["linear-gaussian", "log-normal", "gamma", "checkpoint", "matrix"]
  static let parameterKeys: Set<String> = [
    "latent-dimension", "observed-dimension", "model-seed", "data-seed", "q-shift", "q-scale", "q-mean-field",
    "mu", "sigma", "shape", "scale", "checkpoint", "data", "split", "latent", "precision", "logw",
  ]

  /// Reads the model's options; the caller rejects what is left unread.
  static func read(kind: String, from r: inout EntryReader, kindKey: String) throws(ExperimentFileError)
    -> ModelSpecification
  {
    switch kind {
    case "linear-gaussian":
      let d = try r.int("latent-dimension", in: 1...64) ?? 3
      let dObs = try r.int("observed-dimension", in: 1...4096) ?? 6
      let modelSeed = try r.uint64("model-seed") ?? 1
      let dataSeed = try r.uint64("data-seed") ?? 1
      let shift = try r.double("q-shift", expected: "a finite number", where: { _ in true }) ?? 1
      let scale = try r.double("q-scale", expected: "a positive number", where: { $0 > 0 }) ?? 1.2
      let meanField = try r.bool("q-mean-field") ?? false
      // Validated above, so the proposal accepts them.
      let proposal = try! LinearGaussianProposal(meanShift: shift, scale: scale, meanField: meanField)
      return .linearGaussian(latent: d, observed: dObs, modelSeed: modelSeed, dataSeed: dataSeed, proposal)
    case "log-normal":
      let mu = try r.double("mu", expected: "a finite number", where: { _ in true }) ?? 0
      let sigma = try r.double("sigma", expected: "a positive number at most 20", where: { $0 > 0 && $0 <= 20 }) ?? 1
      return .law(.logNormal(mu: mu, sigma: sigma))
    case "gamma":
      let shape = try r.double("shape", expected: "a positive number", where: { $0 > 0 }) ?? 1
      let scale = try r.double("scale", expected: "a positive number", where: { $0 > 0 }) ?? 1
      return .law(.gamma(shape: shape, scale: scale))
    case "matrix":
      return .matrix(path: try r.required("logw", "the path of an N x C .npy (or .csv) of log-weights"))
    case "checkpoint":
      let path = try r.required("checkpoint", "the path of a checkpoint written by jvi-train")
      let data = r.string("data")
      let splitName = r.string("split") ?? "test"
      guard let split = ImageDataset.Split(rawValue: splitName) else {
        throw r.error("split", "expected train, validation or test, got '\(splitName)'")
      }
      let latentName = r.string("latent") ?? "relaxed"
      guard let latent = DiscreteVAE.LatentKind(rawValue: latentName) else {
        throw r.error("latent", "expected relaxed or discrete, got '\(latentName)'")
      }
      var precision: NetworkPrecision?
      if let precisionName = r.string("precision") {
        guard let p = NetworkPrecision(rawValue: precisionName) else {
          throw r.error("precision", "expected float32 or float64, got '\(precisionName)'")
        }
        precision = p
      }
      return .checkpoint(path: path, dataDirectory: data, split: split, latent: latent, precision: precision)
    default:
      throw r.error(kindKey, "expected one of \(kinds.joined(separator: ", ")); got '\(kind)'")
    }
  }

  /// Parses `NAME` or `NAME:key=value,key=value` (the `jvi-eval --demo-model` form).
  public static func parse(inline text: String, origin: String) throws(ExperimentFileError) -> ModelSpecification {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    var entries = [ExperimentFile.Entry(key: "model", value: parts.first ?? "", line: 1)]
    if parts.count == 2 {
      for pair in parts[1].split(separator: ",") {
        let kv = pair.split(separator: "=", maxSplits: 1).map { String($0.trimmingSpaces) }
        guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
          throw ExperimentFileError(path: origin, line: nil, key: nil, problem: "expected key=value, got '\(pair)'")
        }
        entries.append(ExperimentFile.Entry(key: kv[0], value: kv[1], line: 1))
      }
    }
    var reader = EntryReader(path: origin, entries: entries)
    let kind = reader.string("model") ?? ""
    do {
      let spec = try read(kind: kind, from: &reader, kindKey: "model")
      try reader.rejectUnread(known: parameterKeys, context: "model \(kind)")
      return spec
    } catch {
      var e = error
      e.line = nil  // one line of text: a line number says nothing
      throw e
    }
  }

  public var kind: String {
    switch self {
    case .linearGaussian: "linear-gaussian"
    case .law(.logNormal): "log-normal"
    case .law(.gamma): "gamma"
    case .checkpoint: "checkpoint"
    case .matrix: "matrix"
    }
  }

  /// The file of a matrix model.
  public var matrixPath: String? {
    if case .matrix(let path) = self { return path }
    return nil
  }

  public var hasExactEvidence: Bool {
    switch self {
    case .checkpoint, .matrix: false
    case .linearGaussian, .law: true
    }
  }

  /// Whether it has a latent variable that AIS can anneal over (not the synthetic laws, not a
  /// matrix of someone's log-weights); a checkpoint's model is checked when it is read.
  public var hasLatentVariable: Bool {
    switch self {
    case .law, .matrix: false
    case .linearGaussian, .checkpoint: true
    }
  }

  /// False when the model certainly has no analytic KL (the synthetic laws); a checkpoint is
  /// checked when it is read.
  public var hasAnalyticKL: Bool {
    switch self {
    case .law, .matrix: false
    case .linearGaussian, .checkpoint: true
    }
  }

  /// Builds the log-weight source for the first `instances` instances.
  ///
  /// - Throws: `InputFileError` for an unreadable checkpoint or data folder; `SweepError` when the
  ///   split has fewer images than asked for.
  public func makeSource(instances n: Int) throws -> any LogWeightSource {
    switch self {
    case .linearGaussian(let d, let dObs, let modelSeed, let dataSeed, let proposal):
      let model = LinearGaussianModel.random(latentDimension: d, observedDimension: dObs, seed: modelSeed)
      return LinearGaussianLogWeightSource(model: model, proposal: proposal, instances: n, dataSeed: dataSeed)
    case .law(let law):
      return SyntheticWeightSource(law: law, instances: n)
    case .matrix(let path):
      return try MatrixLogWeightSource(path: path, instances: n)
    case .checkpoint(let path, let dataDirectory, let split, let latent, let precision):
      guard FileIO.exists(path) else {
        throw SweepError(
          "the checkpoint \(path) does not exist; train one with jvi-train (make train writes "
            + "\(Checkpoint.defaultVAEPath))")
      }
      let checkpoint = try Checkpoint(contentsOf: path)
      let c = checkpoint.configuration
      if c.model != .discreteVAE && latent != .relaxed {
        throw SweepError("latent = \(latent.rawValue) applies to a discrete-vae; \(path) holds a \(c.model.rawValue)")
      }
      if c.model != .gaussianVAE, let precision, precision != .standard {
        throw SweepError(
          "precision = \(precision.rawValue) applies to a gaussian-vae; \(path) holds a \(c.model.rawValue), which "
            + "runs in float64")
      }
      let source = try CheckpointEvidence.source(
        checkpoint, dataDirectory: dataDirectory, split: split, limit: n, latent: latent, precision: precision)
      guard source.instanceCount >= n else {
        throw SweepError(
          "the \(split.rawValue) split of \(dataDirectory ?? c.dataDirectory) has \(source.instanceCount) images; the "
            + "experiment asks for \(n) instances")
      }
      return CheckpointLogWeightSource(
        source, checkpoint: checkpoint, path: path, latent: latent,
        precision: c.model == .gaussianVAE ? precision ?? checkpoint.defaultPrecision : nil)
    }
  }
}

/// A trained model's log-weights with the label sweeps print.
public struct CheckpointLogWeightSource: LogWeightSource {
  public let base: any LogWeightSource
  public let label: String

  /// `precision`: a gaussian-vae's network scalar, named in the label when it is not the default.
  init(
    _ base: any LogWeightSource, checkpoint: Checkpoint, path: String, latent: DiscreteVAE.LatentKind,
    precision: NetworkPrecision?
  ) {
    self.base = base
    let c = checkpoint.configuration
    let file = path.split(separator: "/").last.map(String.init) ?? path
    if let modelFile = checkpoint.modelFile {
      label =
        "vae-file \(c.architecture.description) \(file)"
        + (precision.map { $0 == modelFile.precision ? "" : " \($0.rawValue)" } ?? "")
      return
    }
    switch c.model {
    case .gaussianVAE, .discreteVAE, .bernoulliVAE:
      label =
        "\(c.model.rawValue) \(c.architecture.description) \(c.objective.name)-k\(c.samples) "
        + "\(checkpoint.epochsCompleted)-epochs" + (c.model == .discreteVAE ? " \(latent.rawValue)" : "") + " \(file)"
        + (precision.map { $0 == .standard ? "" : " \($0.rawValue)" } ?? "")
    case .bbbClassifier, .bbbRegression:
      let sizes = [c.architecture.inputSize] + c.architecture.hiddenSizes + [c.bayes.outputSize]
      label =
        "\(c.model.rawValue) \(sizes.map(String.init).joined(separator: "-")) \(c.architecture.activation.rawValue) "
        + "prior \(c.bayes.prior) \(checkpoint.epochsCompleted)-epochs \(file)"
    }
  }

  public var instanceCount: Int { base.instanceCount }
  public var name: String { label }
  public var providesAnalyticKL: Bool { base.providesAnalyticKL }
  public func logWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    try base.logWeights(samples: samples, rows: rows, seed: seed, threads: threads)
  }
  public func exactLogEvidence(rows: Range<Int>) -> [Double]? { base.exactLogEvidence(rows: rows) }
}
