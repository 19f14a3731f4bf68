import JVICore

extension Checkpoint {
  /// Reads and verifies a checkpoint, or a user's model file (`VAEModelFile`, safetensors).
  ///
  /// - Throws: `InputFileError` naming the file: not a checkpoint, an unsupported version, a
  ///   malformed or missing header field, a truncated file, a checksum mismatch, or tensors that
  ///   do not match the recorded architecture.
  public init(contentsOf path: String) throws(InputFileError) {
    let bytes = try FileIO.read(path)
    if SafetensorsFile.looksLikeSafetensors(bytes) {
      self.init(modelFile: try VAEModelFile(try SafetensorsFile(bytes: bytes, source: path)))
    } else {
      try self.init(bytes: bytes, source: path)
    }
  }

  /// A checkpoint from its bytes; `source` names it in errors (see `init(contentsOf:)`).
  public init(bytes: [UInt8], source path: String) throws(InputFileError) {
    guard let end = Checkpoint.headerEnd(bytes) else {
      throw CheckpointHeader.failure(path, "not a jvi checkpoint (no header ending in 'end-header')")
    }
    var header = try CheckpointHeader(bytes, end: end, path: path)
    let c = try Checkpoint.configuration(&header)
    configuration = c
    trainingExamples = try header.int(header.version == 1 ? "training-images" : "training-examples")
    epochsCompleted = try header.int("epochs-completed")
    adamStep = try header.int("adam-step")
    let count = try header.int("parameters")
    try header.checkAllRead()
    let expectedCount = Checkpoint.parameterCount(of: c)
    guard header.tensors == Checkpoint.tensors(of: c) && count == expectedCount else {
      throw header.fail(
        "tensors do not match the \(c.model.rawValue) architecture \(c.architecture.description) (\(count) "
          + "parameters recorded, \(expectedCount) expected)")
    }
    let tensors = try Checkpoint.tensorData(bytes, dataStart: end + 1, count: count, header)
    parameters = tensors[0]
    adamM = tensors[1]
    adamV = tensors[2]
    guard parameters.allSatisfy({ $0.isFinite }) else { throw header.fail("corrupt: non-finite parameters") }
  }

  /// The training configuration a header records, its fields read in file order.
  static func configuration(_ h: inout CheckpointHeader) throws(InputFileError) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    let kindText = try h.field("model")
    guard let kind = ModelKind(rawValue: kindText), h.version == 2 || kind == .gaussianVAE else {
      throw h.fail("unknown model kind '\(kindText)'")
    }
    c.model = kind
    let hidden = try h.field("hidden")
    let hiddenSizes = hidden.isEmpty ? [] : hidden.split(separator: ",").map { Int($0) }
    guard hiddenSizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
      throw h.fail("header field 'hidden' is malformed: '\(hidden)'")
    }
    guard let activation = Activation(rawValue: try h.field("activation")) else { throw h.fail("unknown activation") }
    let input = try h.count("input")
    let latent = try modelSettings(&h, kind: kind, into: &c)
    c.architecture = VAEArchitecture(
      inputSize: input, hiddenSizes: hiddenSizes.compactMap { $0 }, latentSize: latent, activation: activation)
    // Widths bound the layout's products (no overflow) long before they could fit in a file.
    let widths = [input, latent, c.bayes.outputSize] + c.architecture.hiddenSizes
    guard widths.allSatisfy({ $0 <= 1_000_000 }), c.architecture.hiddenSizes.count <= 64 else {
      throw h.fail("implausible network widths in the header (\(c.architecture.description))")
    }
    try trainingSettings(&h, into: &c)
    return c
  }

  /// The fields of the model kind: the latent width and temperature of the VAEs, or Bayes by
  /// Backprop's prior, likelihood and curve. Returns the latent width (0 for Bayes by Backprop).
  static func modelSettings(_ h: inout CheckpointHeader, kind: ModelKind, into c: inout TrainingConfiguration)
    throws(InputFileError) -> Int
  {
    switch kind {
    case .gaussianVAE, .discreteVAE, .bernoulliVAE:
      let latent = try h.count("latent")
      if kind == .discreteVAE {
        c.temperature = TemperatureSchedule(
          initial: try h.positive("temperature"), decayRate: try h.double("temperature-decay"),
          minimum: try h.positive("temperature-minimum"))
        guard c.temperature.decayRate >= 0 else { throw h.fail("header field 'temperature-decay' is negative") }
      }
      return latent
    case .bbbClassifier, .bbbRegression:
      c.bayes.outputSize = try h.count("outputs")
      let priorText = try h.field("prior")
      guard let prior = WeightPrior(text: priorText) else {
        throw h.fail("header field 'prior' is malformed: '\(priorText)'")
      }
      c.bayes.prior = prior
      let weighting = try h.field("weighting")
      guard let w = ComplexityWeighting(rawValue: weighting) else { throw h.fail("unknown weighting '\(weighting)'") }
      c.bayes.weighting = w
      c.bayes.initialRho = try h.double("rho-init")
      c.bayes.noiseSD = try h.positive("noise-sd")
      if kind == .bbbRegression {
        let points = try h.count("curve-points")
        let seed = try h.seed("curve-seed")
        c.bayes.curve = RegressionCurve.Settings(points: points, noiseSD: try h.positive("curve-noise"), seed: seed)
      }
      return 0
    }
  }

  /// The objective, optimiser, seed, sharding and data fields.
  static func trainingSettings(_ h: inout CheckpointHeader, into c: inout TrainingConfiguration) throws(InputFileError)
  {
    let objective = try h.field("objective"), order = try h.int("order")
    let parameterText = h.optionalField("objective-parameter")
    let parameter = parameterText.flatMap(Double.init)
    if let parameterText, parameter == nil {
      throw h.fail("header field 'objective-parameter' is not a number: '\(parameterText)'")
    }
    guard let o = VAEObjective(name: objective, order: order, parameter: parameter) else {
      if ["elbo-a", "elbo-b", "iwae", "jvi", "miwae", "piwae", "ciwae", "vr"].contains(objective) {
        throw h.fail("objective '\(objective)' with parameter \(parameterText ?? "none") is malformed")
      }
      throw h.fail("unknown objective '\(objective)'")
    }
    c.objective = o
    if let schedule = h.optionalField("schedule") {
      guard let s = LearningRateSchedule(rawValue: schedule) else { throw h.fail("unknown schedule '\(schedule)'") }
      c.schedule = s
    }
    if let gradient = h.optionalField("gradient") {
      guard let g = VAEGradientEstimator(rawValue: gradient) else { throw h.fail("unknown gradient '\(gradient)'") }
      c.gradient = g
    }
    c.samples = try h.int("samples")
    c.epochs = try h.int("epochs")
    c.batchSize = try h.int("batch")
    c.learningRate = try h.double("learning-rate")
    c.adamEpsilon = try h.double("adam-epsilon")
    c.seed = try h.seed("seed")
    guard let initialization = Initialization(rawValue: try h.field("initialization")) else {
      throw h.fail("unknown initialization")
    }
    c.initialization = initialization
    c.shards = try h.int("shards")
    guard c.samples >= 1, c.batchSize >= 1, c.shards >= 1 else {
      throw h.fail("header fields 'samples', 'batch' and 'shards' must be at least 1")
    }
    let limit = try h.field("limit")
    if limit != "none" {
      guard let l = Int(limit), l > 0 else { throw h.fail("header field 'limit' is malformed: '\(limit)'") }
      c.limit = l
    }
    c.validationCount = try h.int("validation")
    c.dataDirectory = try h.field("data")
  }

  /// The parameters, Adam's m and v: `count` little-endian Float32 values each from `dataStart`,
  /// after the file's length and CRC-32 are checked.
  static func tensorData(_ bytes: [UInt8], dataStart: Int, count: Int, _ h: CheckpointHeader)
    throws(InputFileError) -> [[Float]]
  {
    let needed = dataStart + 12 * count + 4
    guard bytes.count == needed else {
      throw h.fail(
        bytes.count < needed
          ? "truncated: \(bytes.count) bytes, expected \(needed)"
          : "\(bytes.count - needed) unexpected bytes at the end")
    }
    let stored =
      UInt32(bytes[needed - 4]) | UInt32(bytes[needed - 3]) << 8 | UInt32(bytes[needed - 2]) << 16
      | UInt32(bytes[needed - 1]) << 24
    guard Checkpoint.crc32(Array(bytes[0..<(needed - 4)])) == stored else { throw h.fail("corrupt: checksum mismatch") }
    return (0..<3).map { index in
      let base = dataStart + index * 4 * count
      return (0..<count).map { i in
        let o = base + 4 * i
        return Float(
          bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16
            | UInt32(bytes[o + 3]) << 24)
      }
    }
  }
}
