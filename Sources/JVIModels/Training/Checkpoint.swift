import CZlib
import JVICore

/// A trained (or partly trained) Gaussian VAE on disk.
///
/// Format, version 1: a UTF-8 header of `key: value` lines, starting with
/// "jvi-checkpoint 1" and ending with "end-header"; then the parameters, Adam's m and v, each as
/// little-endian Float32 in `layout` order; then the CRC-32 (zlib) of everything before it, as
/// 4 little-endian bytes. The header records the configuration, the data set, the seed, the
/// epochs completed, Adam's step and every tensor's name and shape, so a checkpoint that does
/// not match what reads it is refused with a clear message.
public struct Checkpoint: Sendable {
  public static let formatVersion = 1
  static let magic = "jvi-checkpoint"

  public var configuration: TrainingConfiguration
  public var epochsCompleted: Int
  public var adamStep: Int
  public var trainingImages: Int
  public var parameters: [Float]
  public var adamM: [Float]
  public var adamV: [Float]

  public init(
    configuration: TrainingConfiguration, epochsCompleted: Int, adamStep: Int, trainingImages: Int,
    parameters: [Float], adamM: [Float], adamV: [Float]
  ) {
    self.configuration = configuration
    self.epochsCompleted = epochsCompleted
    self.adamStep = adamStep
    self.trainingImages = trainingImages
    self.parameters = parameters
    self.adamM = adamM
    self.adamV = adamV
  }

  public var model: GaussianVAE { GaussianVAE(configuration.architecture) }

  // MARK: Writing

  public func bytes() -> [UInt8] {
    let c = configuration, a = c.architecture
    var order = 0
    if case .jackknife(let m) = c.objective { order = m }
    var lines = [
      "\(Checkpoint.magic) \(Checkpoint.formatVersion)",
      "model: gaussian-vae",
      "input: \(a.inputSize)",
      "hidden: \(a.hiddenSizes.map(String.init).joined(separator: ","))",
      "latent: \(a.latentSize)",
      "activation: \(a.activation.rawValue)",
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
      "training-images: \(trainingImages)",
      "epochs-completed: \(epochsCompleted)",
      "adam-step: \(adamStep)",
      "parameters: \(parameters.count)",
    ]
    for t in model.layout.tensors {
      lines.append("tensor: \(t.name) \(t.shape.map(String.init).joined(separator: "x"))")
    }
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
    let bytes = try FileIO.read(path)
    func fail(_ problem: String) -> InputFileError { InputFileError(path: path, problem: problem) }
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
    guard Int(first.dropFirst(Checkpoint.magic.count + 1)) == Checkpoint.formatVersion else {
      throw fail("unsupported checkpoint format '\(first)'; this build reads version \(Checkpoint.formatVersion)")
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
    guard try field("model") == "gaussian-vae" else { throw fail("unknown model kind") }
    var c = TrainingConfiguration()
    let hidden = try field("hidden")
    let hiddenSizes = hidden.isEmpty ? [] : hidden.split(separator: ",").map { Int($0) }
    guard hiddenSizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
      throw fail("header field 'hidden' is malformed: '\(hidden)'")
    }
    guard let activation = Activation(rawValue: try field("activation")) else { throw fail("unknown activation") }
    c.architecture = VAEArchitecture(
      inputSize: try int("input"), hiddenSizes: hiddenSizes.compactMap { $0 }, latentSize: try int("latent"),
      activation: activation)
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
    let limit = try field("limit")
    if limit != "none" {
      guard let l = Int(limit), l > 0 else { throw fail("header field 'limit' is malformed: '\(limit)'") }
      c.limit = l
    }
    c.validationCount = try int("validation")
    c.dataDirectory = try field("data")
    configuration = c
    trainingImages = try int("training-images")
    epochsCompleted = try int("epochs-completed")
    adamStep = try int("adam-step")
    let count = try int("parameters")
    if let extra = fields.keys.sorted().first { throw fail("unknown header field '\(extra)'") }
    let model = GaussianVAE(c.architecture)
    let expected = model.layout.tensors.map { "\($0.name) \($0.shape.map(String.init).joined(separator: "x"))" }
    guard tensors == expected && count == model.parameterCount else {
      throw fail(
        "tensors do not match the architecture \(c.architecture.description) (\(count) parameters recorded, "
          + "\(model.parameterCount) expected)")
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
