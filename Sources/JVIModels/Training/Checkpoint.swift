import CZlib
import JVICore

/// A trained (or partly trained) model on disk: a Gaussian VAE, a discrete-latent VAE, or a
/// Bayes-by-Backprop classifier or regressor.
///
/// Format, version 2: a UTF-8 header of `key: value` lines, starting with "jvi-checkpoint 2" and
/// ending with "end-header"; then the parameters, Adam's m and v, each as little-endian Float32
/// in layout order; then the CRC-32 (zlib) of everything before it, as 4 little-endian bytes.
/// The header records the model kind and its settings, the configuration, the data set, the
/// seed, the epochs completed, Adam's step and every tensor's name and shape, so a checkpoint
/// that does not match what reads it is refused with a clear message. Version 1 (Gaussian VAEs
/// only, "training-images" for "training-examples") is still read.
public struct Checkpoint: Sendable {
  /// Where `make train` (and `make sweep`) writes the default Gaussian VAE; the tools evaluate it
  /// when no input is given.
  public static let defaultVAEPath = "results/models/default-vae.ckpt"

  public static let formatVersion = 2
  static let magic = "jvi-checkpoint"

  public var configuration: TrainingConfiguration
  public var epochsCompleted: Int
  public var adamStep: Int
  /// Training examples per epoch (images, or regression points).
  public var trainingExamples: Int
  public var parameters: [Float]
  public var adamM: [Float]
  public var adamV: [Float]
  /// The model file this came from, for a user's model (nil for jvi's own checkpoints).
  public var modelFile: VAEModelFile?

  public init(
    configuration: TrainingConfiguration, epochsCompleted: Int, adamStep: Int, trainingExamples: Int,
    parameters: [Float], adamM: [Float], adamV: [Float]
  ) {
    self.configuration = configuration
    self.epochsCompleted = epochsCompleted
    self.adamStep = adamStep
    self.trainingExamples = trainingExamples
    self.parameters = parameters
    self.adamM = adamM
    self.adamV = adamV
  }

  /// The Gaussian VAE of a `gaussian-vae` checkpoint.
  public var model: GaussianVAE { GaussianVAE(configuration.architecture) }

  // MARK: Writing

  public func bytes() -> [UInt8] {
    precondition(modelFile == nil, "a model file is written with VAEModelFile.bytes, not as a checkpoint")
    let c = configuration, a = c.architecture
    var order = 0
    if case .jackknife(let m) = c.objective { order = m }
    var lines = [
      "\(Checkpoint.magic) \(Checkpoint.formatVersion)",
      "model: \(c.model.rawValue)",
      "input: \(a.inputSize)",
      "hidden: \(a.hiddenSizes.map(String.init).joined(separator: ","))",
      "activation: \(a.activation.rawValue)",
    ]
    switch c.model {
    case .gaussianVAE, .bernoulliVAE:
      lines.append("latent: \(a.latentSize)")
    case .discreteVAE:
      lines += [
        "latent: \(a.latentSize)", "temperature: \(c.temperature.initial)",
        "temperature-decay: \(c.temperature.decayRate)", "temperature-minimum: \(c.temperature.minimum)",
      ]
    case .bbbClassifier, .bbbRegression:
      let b = c.bayes
      lines += [
        "outputs: \(b.outputSize)", "prior: \(b.prior.text)", "weighting: \(b.weighting.rawValue)",
        "rho-init: \(b.initialRho)", "noise-sd: \(b.noiseSD)",
      ]
      if c.model == .bbbRegression {
        lines += [
          "curve-points: \(b.curve.points)", "curve-noise: \(b.curve.noiseSD)", "curve-seed: \(b.curve.seed)",
        ]
      }
    }
    lines += [
      "objective: \(c.objective.name)",
      "order: \(order)",
    ]
    // Written only when they say something, so earlier checkpoints keep their bytes.
    if let p = c.objective.parameter { lines.append("objective-parameter: \(p)") }
    if c.gradient != .standard { lines.append("gradient: \(c.gradient.rawValue)") }
    if c.schedule != .constant { lines.append("schedule: \(c.schedule.rawValue)") }
    lines += [
      "samples: \(c.samples)",
      "epochs: \(c.epochs)",
      "batch: \(c.batchSize)",
      "learning-rate: \(c.learningRate)",
      "adam-epsilon: \(c.adamEpsilon)",
      "seed: \(c.seed)",
      "initialization: \(c.initialization.rawValue)",
      "shards: \(c.shards)",
      "limit: \(c.limit.map(String.init) ?? "none")",
      "validation: \(c.validationCount)",
      "data: \(c.dataDirectory)",
      "training-examples: \(trainingExamples)",
      "epochs-completed: \(epochsCompleted)",
      "adam-step: \(adamStep)",
      "parameters: \(parameters.count)",
    ]
    for t in Checkpoint.tensors(of: c) { lines.append("tensor: \(t)") }
    lines.append("end-header")
    var out = Array((lines.joined(separator: "\n") + "\n").utf8)
    out.reserveCapacity(out.count + 12 * parameters.count + 4)
    for array in [parameters, adamM, adamV] {
      for v in array {
        let bits = v.bitPattern.littleEndian
        out.append(contentsOf: [
          UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24),
        ])
      }
    }
    let crc = Checkpoint.crc32(out)
    out.append(contentsOf: [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)])
    return out
  }

  /// Writes the checkpoint atomically (temporary file, then rename).
  public func write(to path: String) throws(InputFileError) {
    try FileIO.writeAtomically(bytes(), to: path)
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
  }

  /// The tensors of a configuration's model, as "name AxB" lines.
  static func tensors(of c: TrainingConfiguration) -> [String] {
    func text(_ t: ParameterLayout.Tensor, prefix: String = "") -> String {
      "\(prefix)\(t.name) \(t.shape.map(String.init).joined(separator: "x"))"
    }
    switch c.model {
    case .gaussianVAE: return GaussianVAE(c.architecture).layout.tensors.map { text($0) }
    case .discreteVAE: return DiscreteVAE(c.architecture, schedule: c.temperature).layout.tensors.map { text($0) }
    case .bernoulliVAE: return BernoulliVAE(c.architecture).network.layout.tensors.map { text($0) }
    case .bbbClassifier, .bbbRegression:
      let layout = c.bayes.network(c.model, architecture: c.architecture).weightLayout
      return layout.tensors.map { text($0) } + layout.tensors.map { text($0, prefix: "rho:") }
    }
  }

  /// The number of parameters of a configuration's model.
  public static func parameterCount(of c: TrainingConfiguration) -> Int {
    switch c.model {
    case .gaussianVAE: GaussianVAE(c.architecture).parameterCount
    case .discreteVAE: DiscreteVAE(c.architecture, schedule: c.temperature).parameterCount
    case .bernoulliVAE: BernoulliVAE(c.architecture).parameterCount
    case .bbbClassifier, .bbbRegression: c.bayes.network(c.model, architecture: c.architecture).parameterCount
    }
  }

  /// The index of the newline that ends the "end-header" line, if there is one.
  static func headerEnd(_ bytes: [UInt8]) -> Int? {
    let marker = Array("\nend-header\n".utf8)
    let limit = min(bytes.count, 1 << 20)
    guard limit >= marker.count else { return nil }
    for i in 0...(limit - marker.count) where bytes[i] == marker[0] && Array(bytes[i..<(i + marker.count)]) == marker {
      return i + 1 + "end-header".utf8.count
    }
    return nil
  }
}
