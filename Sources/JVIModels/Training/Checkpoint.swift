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
    case .gaussianVAE:
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

  // MARK: Reading

  /// Reads and verifies a checkpoint.
  ///
  /// - Throws: `InputFileError` naming the file: not a checkpoint, an unsupported version, a
  ///   malformed or missing header field, a truncated file, a checksum mismatch, or tensors that
  ///   do not match the recorded architecture.
  public init(contentsOf path: String) throws(InputFileError) {
    try self.init(bytes: try FileIO.read(path), source: path)
  }

  /// A checkpoint from its bytes; `source` names it in errors (see `init(contentsOf:)`).
  public init(bytes: [UInt8], source path: String) throws(InputFileError) {
    @inline(never) func fail(_ problem: String) -> InputFileError { InputFileError(path: path, problem: problem) }
    guard let end = Checkpoint.headerEnd(bytes) else {
      throw fail("not a jvi checkpoint (no header ending in 'end-header')")
    }
    guard let header = String(validating: bytes[0..<end], as: UTF8.self) else {
      throw fail("corrupt header (not text)")
    }
    var lines = header.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let first = lines.first, first.hasPrefix(Checkpoint.magic + " ") else {
      throw fail("not a jvi checkpoint (missing '\(Checkpoint.magic)' line)")
    }
    guard let version = Int(first.dropFirst(Checkpoint.magic.count + 1)),
      (1...Checkpoint.formatVersion).contains(version)
    else {
      throw fail("unsupported checkpoint format '\(first)'; this build reads versions 1 to \(Checkpoint.formatVersion)")
    }
    lines.removeFirst()
    if lines.last == "end-header" { lines.removeLast() }
    var fields: [String: String] = [:]
    var tensors: [String] = []
    for (n, line) in lines.enumerated() {
      guard let colon = line.firstIndex(of: ":") else {
        throw fail("header line \(n + 2) is not 'key: value': '\(line)'")
      }
      let key = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingSpaces()
      if key == "tensor" {
        tensors.append(value)
      } else {
        if fields[key] != nil { throw fail("header field '\(key)' appears twice") }
        fields[key] = value
      }
    }
    func field(_ key: String) throws(InputFileError) -> String {
      guard let v = fields.removeValue(forKey: key) else { throw fail("header field '\(key)' is missing") }
      return v
    }
    func int(_ key: String) throws(InputFileError) -> Int {
      let v = try field(key)
      guard let i = Int(v), i >= 0 else { throw fail("header field '\(key)' is not a non-negative integer: '\(v)'") }
      return i
    }
    func double(_ key: String) throws(InputFileError) -> Double {
      let v = try field(key)
      guard let d = Double(v), d.isFinite else { throw fail("header field '\(key)' is not a number: '\(v)'") }
      return d
    }
    func positive(_ key: String) throws(InputFileError) -> Double {
      let v = try double(key)
      guard v > 0 else { throw fail("header field '\(key)' must be positive: \(v)") }
      return v
    }
    var c = TrainingConfiguration()
    let kindText = try field("model")
    guard let kind = ModelKind(rawValue: kindText), version == 2 || kind == .gaussianVAE else {
      throw fail("unknown model kind '\(kindText)'")
    }
    c.model = kind
    let hidden = try field("hidden")
    let hiddenSizes = hidden.isEmpty ? [] : hidden.split(separator: ",").map { Int($0) }
    guard hiddenSizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
      throw fail("header field 'hidden' is malformed: '\(hidden)'")
    }
    guard let activation = Activation(rawValue: try field("activation")) else { throw fail("unknown activation") }
    let input = try int("input")
    guard input >= 1 else { throw fail("header field 'input' must be at least 1") }
    var latent = 0
    switch kind {
    case .gaussianVAE, .discreteVAE:
      latent = try int("latent")
      guard latent >= 1 else { throw fail("header field 'latent' must be at least 1") }
      if kind == .discreteVAE {
        c.temperature = TemperatureSchedule(
          initial: try positive("temperature"), decayRate: try double("temperature-decay"),
          minimum: try positive("temperature-minimum"))
        guard c.temperature.decayRate >= 0 else { throw fail("header field 'temperature-decay' is negative") }
      }
    case .bbbClassifier, .bbbRegression:
      c.bayes.outputSize = try int("outputs")
      guard c.bayes.outputSize >= 1 else { throw fail("header field 'outputs' must be at least 1") }
      let priorText = try field("prior")
      guard let prior = WeightPrior(text: priorText) else {
        throw fail("header field 'prior' is malformed: '\(priorText)'")
      }
      c.bayes.prior = prior
      let weighting = try field("weighting")
      guard let w = ComplexityWeighting(rawValue: weighting) else { throw fail("unknown weighting '\(weighting)'") }
      c.bayes.weighting = w
      c.bayes.initialRho = try double("rho-init")
      c.bayes.noiseSD = try positive("noise-sd")
      if kind == .bbbRegression {
        let points = try int("curve-points")
        guard points >= 1 else { throw fail("header field 'curve-points' must be at least 1") }
        guard let seed = UInt64(try field("curve-seed")) else { throw fail("header field 'curve-seed' is malformed") }
        c.bayes.curve = RegressionCurve.Settings(points: points, noiseSD: try positive("curve-noise"), seed: seed)
      }
    }
    c.architecture = VAEArchitecture(
      inputSize: input, hiddenSizes: hiddenSizes.compactMap { $0 }, latentSize: latent, activation: activation)
    // Widths bound the layout's products (no overflow) long before they could fit in a file.
    let widths = [input, latent, c.bayes.outputSize] + c.architecture.hiddenSizes
    guard widths.allSatisfy({ $0 <= 1_000_000 }), c.architecture.hiddenSizes.count <= 64 else {
      throw fail("implausible network widths in the header (\(c.architecture.description))")
    }
    let objective = try field("objective"), order = try int("order")
    switch objective {
    case "elbo-a": c.objective = .elboMonteCarlo
    case "elbo-b": c.objective = .elboAnalyticKL
    case "iwae": c.objective = .iwae
    case "jvi": c.objective = .jackknife(order: order)
    default: throw fail("unknown objective '\(objective)'")
    }
    c.samples = try int("samples")
    c.epochs = try int("epochs")
    c.batchSize = try int("batch")
    c.learningRate = try double("learning-rate")
    c.adamEpsilon = try double("adam-epsilon")
    guard let seed = UInt64(try field("seed")) else { throw fail("header field 'seed' is malformed") }
    c.seed = seed
    guard let initialization = Initialization(rawValue: try field("initialization")) else {
      throw fail("unknown initialization")
    }
    c.initialization = initialization
    c.shards = try int("shards")
    guard c.samples >= 1, c.batchSize >= 1, c.shards >= 1 else {
      throw fail("header fields 'samples', 'batch' and 'shards' must be at least 1")
    }
    let limit = try field("limit")
    if limit != "none" {
      guard let l = Int(limit), l > 0 else { throw fail("header field 'limit' is malformed: '\(limit)'") }
      c.limit = l
    }
    c.validationCount = try int("validation")
    c.dataDirectory = try field("data")
    configuration = c
    trainingExamples = try int(version == 1 ? "training-images" : "training-examples")
    epochsCompleted = try int("epochs-completed")
    adamStep = try int("adam-step")
    let count = try int("parameters")
    if let extra = fields.keys.sorted().first { throw fail("unknown header field '\(extra)'") }
    let expected = Checkpoint.tensors(of: c)
    let expectedCount = Checkpoint.parameterCount(of: c)
    guard tensors == expected && count == expectedCount else {
      throw fail(
        "tensors do not match the \(kind.rawValue) architecture \(c.architecture.description) (\(count) parameters "
          + "recorded, \(expectedCount) expected)")
    }
    let dataStart = end + 1  // after the newline that ends "end-header"
    let needed = dataStart + 12 * count + 4
    guard bytes.count == needed else {
      throw fail(
        bytes.count < needed
          ? "truncated: \(bytes.count) bytes, expected \(needed)"
          : "\(bytes.count - needed) unexpected bytes at the end")
    }
    let stored =
      UInt32(bytes[needed - 4]) | UInt32(bytes[needed - 3]) << 8 | UInt32(bytes[needed - 2]) << 16 | UInt32(
        bytes[needed - 1]) << 24
    guard Checkpoint.crc32(Array(bytes[0..<(needed - 4)])) == stored else { throw fail("corrupt: checksum mismatch") }
    func floats(_ index: Int) -> [Float] {
      let base = dataStart + index * 4 * count
      return (0..<count).map { i in
        let o = base + 4 * i
        return Float(
          bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3])
            << 24)
      }
    }
    parameters = floats(0)
    adamM = floats(1)
    adamV = floats(2)
    guard parameters.allSatisfy({ $0.isFinite }) else { throw fail("corrupt: non-finite parameters") }
  }

  /// The tensors of a configuration's model, as "name AxB" lines.
  static func tensors(of c: TrainingConfiguration) -> [String] {
    func text(_ t: ParameterLayout.Tensor, prefix: String = "") -> String {
      "\(prefix)\(t.name) \(t.shape.map(String.init).joined(separator: "x"))"
    }
    switch c.model {
    case .gaussianVAE: return GaussianVAE(c.architecture).layout.tensors.map { text($0) }
    case .discreteVAE: return DiscreteVAE(c.architecture, schedule: c.temperature).layout.tensors.map { text($0) }
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

extension Substring {
  func trimmingSpaces() -> String {
    var s = self
    while s.first == " " { s.removeFirst() }
    while s.last == " " { s.removeLast() }
    return String(s)
  }
}
