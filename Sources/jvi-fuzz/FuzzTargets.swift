import CZlib
import CommandLineSupport
import Foundation
import JVICore
import JVIExperiments
import JVIModels

/// One parser under fuzzing: valid seed inputs and a body that feeds it one input. The body
/// returns whether the input was accepted; it throws `FuzzFailure` when the parser broke a rule
/// (a refusal that does not name its file, NaN in an accepted matrix, an inconsistent shape).
/// A crash or hang is caught by `CrashGuard`.
struct FuzzTarget {
  var name: String
  var seeds: [[UInt8]]
  var run: ([UInt8]) throws -> Bool
}

struct FuzzFailure: Error, CustomStringConvertible {
  var description: String
}

enum FuzzTargets {
  static let names = [
    "npy", "csv", "idx", "idx-gz", "checkpoint", "experiment", "command-line", "json", "safetensors", "model-file",
  ]

  static func make(_ name: String, scratch: String) throws -> FuzzTarget {
    switch name {
    case "npy":
      return file("npy", scratch: scratch, extension: "npy", seeds: npySeeds()) { path in
        let m = try LogWeightMatrix(contentsOf: path)
        try checkMatrix(m)
      }
    case "csv":
      return file("csv", scratch: scratch, extension: "csv", seeds: csvSeeds()) { path in
        let m = try LogWeightMatrix(contentsOf: path)
        try checkMatrix(m)
      }
    case "idx":
      return file("idx", scratch: scratch, extension: "idx", seeds: idxSeeds()) { path in
        try checkIDX(try IDXArray(contentsOf: path))
      }
    case "idx-gz":
      return file("idx-gz", scratch: scratch, extension: "idx.gz", seeds: try idxSeeds().map(gzip)) { path in
        try checkIDX(try IDXArray(contentsOf: path))
      }
    case "checkpoint":
      return file("checkpoint", scratch: scratch, extension: "ckpt", seeds: checkpointSeeds()) { path in
        let c = try Checkpoint(contentsOf: path)
        guard c.parameters.count == Checkpoint.parameterCount(of: c.configuration) else {
          throw FuzzFailure(description: "accepted a checkpoint whose tensors do not match its architecture")
        }
      }
    case "experiment":
      return FuzzTarget(name: name, seeds: experimentSeeds()) { bytes in
        do {
          let file = try ExperimentFile(path: "fuzz.experiment", text: String(decoding: bytes, as: UTF8.self))
          _ = try ExperimentSpecification(file: file)
          return true
        } catch let error as ExperimentFileError {
          guard error.description.contains("fuzz.experiment") else {
            throw FuzzFailure(description: "refusal does not name the file: \(error.description)")
          }
          return false
        }
      }
    case "command-line":
      return FuzzTarget(name: name, seeds: commandLineSeeds()) { bytes in
        let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
          String(decoding: $0, as: UTF8.self)
        }
        do {
          _ = try ParsedOptions.parse(arguments, spec: commandSpec)
          return true
        } catch let error as UsageError {
          guard !error.message.isEmpty else { throw FuzzFailure(description: "a usage error with no message") }
          return false
        }
      }
    case "json":
      // Manifests and shard metadata: an accepted text must read back the same after writing; a
      // refusal must point inside the text.
      return FuzzTarget(name: name, seeds: jsonSeeds()) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        do {
          let value = try JSONValue.parse(text)
          guard try JSONValue.parse(value.text()) == value else {
            throw FuzzFailure(description: "a parsed value does not read back the same after writing")
          }
          return true
        } catch let error as JSONParseError {
          guard error.offset >= 0 && error.offset <= text.utf8.count else {
            throw FuzzFailure(description: "a refusal at byte \(error.offset) of \(text.utf8.count)")
          }
          return false
        }
      }
    case "safetensors":
      return file("safetensors", scratch: scratch, extension: "safetensors", seeds: modelFileSeeds()) { path in
        let f = try SafetensorsFile(contentsOf: path)
        for t in f.tensors where t.dtype == "F32" || t.dtype == "F64" {
          guard try f.doubles(t).count == t.count else {
            throw FuzzFailure(description: "tensor '\(t.name)' read a different count from its shape")
          }
        }
      }
    case "model-file":
      // An accepted model must hold finite parameters of its layout's size and evaluate as an AIS
      // target without trapping.
      return file("model-file", scratch: scratch, extension: "safetensors", seeds: modelFileSeeds()) { path in
        let m = try VAEModelFile(contentsOf: path)
        guard m.parameters.count == m.model.parameterCount, m.parameters.allSatisfy(\.isFinite) else {
          throw FuzzFailure(description: "accepted a model whose parameters do not fill its layout")
        }
        let a = m.model.architecture
        guard a.inputSize * a.latentSize <= 1 << 22 else { return }
        let target = GaussianVAEAnnealingTarget(
          model: m.model, parameters: m.parameters, start: .proposal, maximumRows: 1)
        target.setObservation([Double](repeating: 0, count: a.inputSize))
        let e = AnnealingEvaluation(dimension: a.latentSize, capacity: 1)
        [Double](repeating: 0.5, count: a.latentSize).withUnsafeBufferPointer {
          target.evaluate($0.baseAddress!, rows: 1, into: e)
        }
      }
    default:
      throw UsageError("unknown parser '\(name)'; expected one of \(names.joined(separator: ", "))")
    }
  }

  /// A parser that reads files: each input is written to `scratch`/input.<ext> and read back.
  static func file(
    _ name: String, scratch: String, extension ext: String, seeds: [[UInt8]], read: @escaping (String) throws -> Void
  ) -> FuzzTarget {
    let path = scratch + "/input." + ext
    return FuzzTarget(name: name, seeds: seeds) { bytes in
      guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw FuzzFailure(description: "cannot write \(path)")
      }
      do {
        try read(path)
        return true
      } catch let error as InputFileError {
        guard error.path == path, !error.problem.isEmpty else {
          throw FuzzFailure(description: "refusal does not name the file: \(error)")
        }
        return false
      }
    }
  }

  static func checkMatrix(_ m: LogWeightMatrix) throws {
    guard m.rowCount >= 1, m.columnCount >= 1, m.values.count == m.rowCount * m.columnCount else {
      throw FuzzFailure(description: "accepted a matrix of inconsistent shape \(m.rowCount) x \(m.columnCount)")
    }
    if let bad = m.values.firstIndex(where: { $0.isNaN || $0 == .infinity }) {
      throw FuzzFailure(description: "accepted \(m.values[bad]) at position \(bad)")
    }
  }

  static func checkIDX(_ a: IDXArray) throws {
    guard a.bytes.count == a.dimensions.reduce(1, *) else {
      throw FuzzFailure(description: "accepted IDX data of \(a.bytes.count) bytes for shape \(a.dimensions)")
    }
  }

  // MARK: Seeds: small valid inputs of every variant the parsers accept.

  static func npySeeds() -> [[UInt8]] {
    func npy(_ header: String, _ data: [UInt8], version: UInt8 = 1) -> [UInt8] {
      var h = header
      let prefix = version == 1 ? 10 : 12
      while (prefix + h.utf8.count + 1) % 64 != 0 { h += " " }
      h += "\n"
      var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
      let n = h.utf8.count
      out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
      return out + Array(h.utf8) + data
    }
    let values: [Double] = [-1.5, 0, -.infinity, 2.25, -3, 1e-300]
    let le64 = values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
    let be64 = values.flatMap { v in (0..<8).reversed().map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
    let le32 = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: Float(v).bitPattern >> (8 * $0)) } }
    return [
      NPYArray.float64Bytes(shape: [2, 3], values: values),
      npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", le64),
      npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }", be64),
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 1), }", le32),
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 6), }", le64, version: 2),
    ]
  }

  static func csvSeeds() -> [[UInt8]] {
    ["-1.5,0,2\n-inf,3,-4.5e-3\n", "1\n2\n3\n", "-250.125, -251.5 ,-249\r\n-1,-2,-3\r\n", "0,0\n0,0"].map {
      Array($0.utf8)
    }
  }

  static func idxSeeds() -> [[UInt8]] {
    [
      [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + (0..<12).map { UInt8($0 * 20) },
      [0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 9],
      [0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 255],
    ]
  }

  static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let path = FileManager.default.temporaryDirectory.path + "/jvi-fuzz-seed-\(getpid()).gz"
    guard let f = gzopen(path, "wb") else { throw FuzzFailure(description: "cannot write \(path)") }
    _ = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
    gzclose(f)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Small model files: each likelihood, F32 and F64, mirrored and per-network activations.
  static func modelFileSeeds() -> [[UInt8]] {
    var seeds: [[UInt8]] = []
    let likelihoods: [DecoderLikelihood] = [.bernoulli, .gaussian(logVariance: -1), .gaussianPerPixel]
    for (i, likelihood) in likelihoods.enumerated() {
      let layers = VAELayers(
        encoderHiddenSizes: [3], encoderActivations: [Activation.allCases[i]], decoderHiddenSizes: [2, 3],
        decoderActivations: [Activation.allCases[i + 3], .identity])
      let vae = GaussianVAE(
        VAEArchitecture(inputSize: 4, hiddenSizes: [3], latentSize: 2, layers: layers, likelihood: likelihood))
      let p = (0..<vae.parameterCount).map { Double($0 % 7) / 10 - 0.3 }
      seeds.append(VAEModelFile.bytes(model: vae, parameters: p, dtype: i == 1 ? "F64" : "F32"))
    }
    return seeds
  }

  static func checkpointSeeds() -> [[UInt8]] {
    var seeds: [[UInt8]] = []
    for model in [ModelKind.gaussianVAE, .discreteVAE, .bbbRegression] {
      var c = TrainingConfiguration()
      c.model = model
      c.architecture = VAEArchitecture(inputSize: 4, hiddenSizes: [3], latentSize: 2)
      if model == .bbbRegression { c.architecture = VAEArchitecture(inputSize: 1, hiddenSizes: [3], latentSize: 1) }
      let n = Checkpoint.parameterCount(of: c)
      let p = (0..<n).map { Float($0) / 10 }
      seeds.append(
        Checkpoint(
          configuration: c, epochsCompleted: 1, adamStep: 3, trainingExamples: 10, parameters: p, adamM: p,
          adamV: p
        ).bytes())
    }
    return seeds
  }

  static func experimentSeeds() -> [[UInt8]] {
    [
      "model = linear-gaussian\nlatent-dimension = 2\ninstances = 10\nk = 1 2 4\nestimators = elbo-a iwae jvi-1\n"
        + "replicate-sets = 2\nseed = 1\n",
      "# comment\nmodel = gamma\nshape = 0.5\ninstances = 5\nk = 2 4\nestimators = iwae delta\nreplicate-sets = 3\n"
        + "seed = 7\nreference = exact\n",
      "model = checkpoint\ncheckpoint = x.ckpt\nsplit = test\ninstances = 3\nk = 1 2\nestimators = elbo-b\n"
        + "replicate-sets = 2\nseed = 2\nreference = ais\nais-chains = 4\nais-start = proposal\n",
    ].map { Array($0.utf8) }
  }

  /// A spec with every kind of option the tools use (flags, integers, numbers, seeds, text,
  /// restricted values, custom grammars, a required option).
  static let commandSpec = CommandSpec(
    name: "jvi-fuzz-target", overview: "fuzzing",
    options: [
      Option<String?>.text("--input", value: "FILE", help: "a file"),
      Option<Int>.integer("--order", value: "M", in: 0...10, default: 1, help: "an integer"),
      Option<Double?>.number("--alpha", value: "A", in: .openClosed(0, 1), help: "a number"),
      Option<String>.choice(
        "--estimator", value: "NAME", among: ["iwae", "jvi", "all"], default: "jvi", help: "restricted"),
      Flag("--per-instance", help: "a flag"),
      Option<UInt64>.seed("--seed", default: 0, help: "a seed"),
      Option<ShardSelection?>("--shard", value: "I/N", help: "custom", default: nil) { (text) throws(UsageError) in
        guard let s = ShardSelection(text) else { throw UsageError("--shard takes I/N; got '\(text)'") }
        return s
      },
    ], examples: [])

  static func commandLineSeeds() -> [[UInt8]] {
    [
      ["--input", "a.npy", "--order", "2"], ["--estimator=all", "--per-instance"], ["--seed", "18446744073709551615"],
      ["--help"], ["--order", "-1", "--input"],
    ].map { Array($0.joined(separator: "\0").utf8) }
  }
}

extension FuzzTargets {
  /// A sweep manifest's shape (nested objects, arrays, every scalar kind) and a few small texts.
  static func jsonSeeds() -> [[UInt8]] {
    let manifest = JSONValue.object([
      ("tool", .string("jvi-sweep")), ("status", .string("complete")), ("seed", .string("1")),
      ("command_line", .array([.string("jvi-sweep"), .string("--experiment"), .string("a \"quoted\" name")])),
      ("instance_block", .object([("first", .integer(0)), ("end", .integer(64)), ("count", .integer(64))])),
      ("seconds", .object([("total", .number(12.5)), ("cells", .number(1e-3))])),
      ("git_uncommitted_changes", .bool(false)), ("end_time", .null), ("kernels", .string("avx2")),
    ])
    return [manifest.text(), "[]", "{}", "\"\\u00e9\\ud83d\\ude00\"", "-1.5e-300", "[1, [2, [3, {\"a\": null}]]]"].map {
      Array($0.utf8)
    }
  }
}
