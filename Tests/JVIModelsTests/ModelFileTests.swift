import Foundation
import JVICore
import Testing
import _TestSupport

@testable import JVIModels

/// Users' VAE model files (`VAEModelFile`): round trips, every activation and likelihood against
/// an independent Double implementation written here (plain loops over out × in weights, as
/// PyTorch stores them), log p(x) and E_q[log w] by quadrature over a one-dimensional latent, and
/// finite-difference gradients of the AIS target.
@Suite struct ModelFileTests {
  /// A 5-value VAE with a 1-D latent whose networks use every activation: encoder 5-6-4-2
  /// (elu, leaky-relu), decoder 1-7-3-5 (softplus, sigmoid), or any others; weights from a seed,
  /// the decoder's large enough that the posterior differs from the prior.
  static func model(
    likelihood: DecoderLikelihood,
    activations: ([Activation], [Activation]) = ([.elu, .leakyRelu], [.softplus, .sigmoid])
  ) -> (GaussianVAE, [Double]) {
    let a = VAEArchitecture(
      inputSize: 5, hiddenSizes: [6, 4], latentSize: 1, activation: activations.0[0],
      layers: VAELayers(
        encoderHiddenSizes: [6, 4], encoderActivations: activations.0, decoderHiddenSizes: [7, 3],
        decoderActivations: activations.1),
      likelihood: likelihood)
    let vae = GaussianVAE(a)
    var g = Xoshiro256StarStar(seed: 41)
    // A damped encoder: q(z | x) broad, as a trained encoder's is, so that IWAE finds the posterior.
    let decoderStart = vae.decoder.layers[0].weightOffset
    var p = (0..<vae.parameterCount).map { ($0 < decoderStart ? 0.3 : 1.2) * Sampling.standardNormal(using: &g) }
    if let offset = vae.logVarianceOffset { for j in 0..<5 { p[offset + j] = -1 + 0.3 * Double(j) } }
    return (vae, p)
  }

  static let observation = [0.7, -0.3, 1.1, 0.2, -0.8]
  static let binary = [1.0, 0, 1, 1, 0]

  /// Writes `bytes` to a fresh file and returns its path.
  static func file(_ bytes: [UInt8], _ tag: String = "model") throws -> String {
    let path = SyntheticImageFolder.temporaryDirectory(tag) + ".safetensors"
    try FileIO.writeAtomically(bytes, to: path)
    return path
  }

  // MARK: The independent oracle

  static func activate(_ a: Double, _ f: Activation) -> Double {
    switch f {
    case .tanh: Foundation.tanh(a)
    case .relu: max(a, 0)
    case .softplus: a > 30 ? a : Foundation.log(1 + Foundation.exp(a))
    case .leakyRelu: a > 0 ? a : 0.01 * a
    case .elu: a > 0 ? a : Foundation.exp(a) - 1
    case .sigmoid: 1 / (1 + Foundation.exp(-a))
    case .identity: a
    }
  }

  /// y = f(W x + b) layer by layer from the model file's own tensors (out × in).
  static func network(_ file: SafetensorsFile, _ prefix: String, _ activations: [Activation], _ x: [Double]) -> [Double]
  {
    var h = x, l = 0
    while let w = file.tensor(named: "\(prefix).\(l).weight") {
      let weight = try! file.doubles(w), bias = try! file.doubles(file.tensor(named: "\(prefix).\(l).bias")!)
      let out = w.shape[0], inputs = w.shape[1]
      var y = (0..<out).map { o in bias[o] + (0..<inputs).reduce(0.0) { $0 + weight[o * inputs + $1] * h[$1] } }
      if l < activations.count { y = y.map { activate($0, activations[l]) } }
      h = y
      l += 1
    }
    return h
  }

  /// log p(x | z) + log N(z; 0, 1) and log q(z | x), from the file alone.
  static func logDensities(_ file: SafetensorsFile, _ vae: GaussianVAE, x: [Double], z: Double) -> (
    joint: Double, q: Double
  ) {
    let a = vae.architecture
    let enc = network(file, "encoder", a.encoderHidden.activations, x)
    let out = network(file, "decoder", a.decoderHidden.activations, [z])
    var ll = 0.0
    switch a.likelihood {
    case .bernoulli:
      for j in 0..<x.count { ll += x[j] * out[j] - (out[j] > 30 ? out[j] : Foundation.log(1 + Foundation.exp(out[j]))) }
    case .gaussian(let v):
      for j in 0..<x.count {
        ll += -0.5 * (Foundation.log(2 * .pi) + v + (x[j] - out[j]) * (x[j] - out[j]) / Foundation.exp(v))
      }
    case .gaussianPerPixel:
      let v = try! file.doubles(file.tensor(named: "decoder.log_variance")!)
      for j in 0..<x.count {
        ll += -0.5 * (Foundation.log(2 * .pi) + v[j] + (x[j] - out[j]) * (x[j] - out[j]) / Foundation.exp(v[j]))
      }
    }
    let prior = -0.5 * (Foundation.log(2 * .pi) + z * z)
    let q = -0.5 * (Foundation.log(2 * .pi) + enc[1] + (z - enc[0]) * (z - enc[0]) / Foundation.exp(enc[1]))
    return (ll + prior, q)
  }

  static let likelihoods: [DecoderLikelihood] = [.bernoulli, .gaussian(logVariance: -0.5), .gaussianPerPixel]

  // MARK: Tests

  @Test(arguments: likelihoods)
  func aModelFileRoundTripsAndReadsInPyTorchLayout(likelihood: DecoderLikelihood) throws {
    let (vae, p) = Self.model(likelihood: likelihood)
    for dtype in ["F32", "F64"] {
      let path = try Self.file(VAEModelFile.bytes(model: vae, parameters: p, dtype: dtype))
      defer { try? FileManager.default.removeItem(atPath: path) }
      let read = try VAEModelFile(contentsOf: path)
      #expect(read.model == vae)
      #expect(read.precision == (dtype == "F32" ? .float32 : .float64))
      #expect(read.parameters == (dtype == "F32" ? p.map { Double(Float($0)) } : p))
      // jvi's layout is in × out; the file's first weight is out × in.
      let w = try SafetensorsFile(contentsOf: path)
      let t = w.tensor(named: "encoder.0.weight")!
      #expect(t.shape == [6, 5])
      let values = try w.doubles(t), dense = vae.encoder.layers[0]
      #expect(values[1 * 5 + 3] == read.parameters[dense.weightOffset + 3 * 6 + 1])
      let checkpoint = try Checkpoint(contentsOf: path)
      #expect(checkpoint.modelFile != nil && checkpoint.model == vae)
      #expect(checkpoint.defaultPrecision == read.precision)
    }
  }

  /// log γ(z) and log q(z | x) of the AIS target agree with the oracle, and their gradients with
  /// central finite differences, for every activation and likelihood.
  @Test(arguments: likelihoods)
  func theTargetMatchesTheOracleAndFiniteDifferences(likelihood: DecoderLikelihood) throws {
    for activations in [
      ([Activation.elu, .leakyRelu], [Activation.softplus, .sigmoid]), ([.relu, .tanh], [.identity, .tanh]),
    ] {
      let (vae, p) = Self.model(likelihood: likelihood, activations: activations)
      let path = try Self.file(VAEModelFile.bytes(model: vae, parameters: p, dtype: "F64"))
      defer { try? FileManager.default.removeItem(atPath: path) }
      let file = try SafetensorsFile(contentsOf: path), read = try VAEModelFile(file)
      let x = likelihood == .bernoulli ? Self.binary : Self.observation
      let target = GaussianVAEAnnealingTarget(
        model: read.model, parameters: read.parameters, start: .proposal, maximumRows: 1)
      target.setObservation(x)
      let e = AnnealingEvaluation(dimension: 1, capacity: 1)
      for z in [-1.7, -0.2, 0.35, 1.9] {
        [z].withUnsafeBufferPointer { target.evaluate($0.baseAddress!, rows: 1, into: e) }
        let oracle = Self.logDensities(file, read.model, x: x, z: z)
        #expect(abs(e.logJoint[0] - oracle.joint) <= 1e-11 * max(1, abs(oracle.joint)), "\(likelihood) z=\(z) log γ")
        #expect(abs(e.logBase[0] - oracle.q) <= 1e-11 * max(1, abs(oracle.q)), "\(likelihood) z=\(z) log q")
        AnnealingTests.checkGradients(target, at: [z], label: "\(likelihood) \(activations)")
      }
    }
  }

  /// Log-weights of a model file on a data matrix: the mean log w over 40,000 draws is E_q[log w]
  /// (the ELBO) and IWAE-40000 is log p(x), both by quadrature of the oracle over z, within 4
  /// Monte Carlo standard errors (IWAE: plus its first-order bias bound).
  @Test(arguments: likelihoods)
  func logWeightsAgreeWithQuadrature(likelihood: DecoderLikelihood) throws {
    let (vae, p) = Self.model(likelihood: likelihood)
    let path = try Self.file(VAEModelFile.bytes(model: vae, parameters: p, dtype: "F64"))
    let x = likelihood == .bernoulli ? Self.binary : Self.observation
    let data = SyntheticImageFolder.temporaryDirectory("data") + ".npy"
    try FileIO.writeAtomically(NPYArray.float64Bytes(shape: [1, 5], values: x), to: data)
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: data)
    }
    let checkpoint = try Checkpoint(contentsOf: path), file = try SafetensorsFile(contentsOf: path)
    let source = try GaussianVAELogWeightSource(
      checkpoint: checkpoint, observations: .matrix(try ObservationMatrix(contentsOf: data)),
      precision: checkpoint.defaultPrecision)
    let k = 40_000
    let m = try source.logWeights(samples: k, rows: 0..<1, seed: 5, threads: 2)
    // Quadrature on [−15, 15] with spacing 1e-3.
    var logJoint: [Double] = [], elbo = 0.0, h = 1e-3
    var z = -15.0
    while z <= 15 {
      let d = Self.logDensities(file, checkpoint.model, x: x, z: z)
      logJoint.append(d.joint)
      elbo += Foundation.exp(d.q) * (d.joint - d.q) * h
      z += h
    }
    h = 1e-3
    let logEvidence = logJoint.withUnsafeBufferPointer { LogSpace.logSumExp($0) } + Foundation.log(h)
    let row = (0..<k).map { m[0, $0] }
    let mean = row.reduce(0, +) / Double(k)
    let sd = (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(k - 1)).squareRoot()
    #expect(abs(mean - elbo) <= 4 * sd / Double(k).squareRoot(), "\(likelihood): mean log w \(mean), ELBO \(elbo)")
    let iwae = row.withUnsafeBufferPointer { LogSpace.logSumExp($0) } - Foundation.log(Double(k))
    let w = row.map { Foundation.exp($0 - logEvidence) }
    let wMean = w.reduce(0, +) / Double(k)
    let relativeSE =
      (w.map { ($0 - wMean) * ($0 - wMean) }.reduce(0, +) / Double(k - 1)).squareRoot() / Double(k).squareRoot()
    #expect(
      abs(iwae - logEvidence) <= 4 * relativeSE + relativeSE * relativeSE,
      "\(likelihood): IWAE \(iwae), log p(x) \(logEvidence)")
  }

  /// The caller's noise path is the seeded path's arithmetic: given the seed's own draws (stream i
  /// of the seed for row i) it returns the same bits, in float32 and float64.
  @Test func givenNoiseReproducesTheSeededDraws() throws {
    let (vae, p) = Self.model(likelihood: .bernoulli)
    for dtype in ["F32", "F64"] {
      let path = try Self.file(VAEModelFile.bytes(model: vae, parameters: p, dtype: dtype))
      defer { try? FileManager.default.removeItem(atPath: path) }
      let checkpoint = try Checkpoint(contentsOf: path)
      let x = (0..<15).map { Double(($0 * 7) % 3 == 0 ? 1 : 0) }
      let source = try GaussianVAELogWeightSource(
        checkpoint: checkpoint, observations: .matrix(try ObservationMatrix(values: x, width: 5, source: "x")),
        precision: checkpoint.defaultPrecision)
      let k = 9, seed: UInt64 = 12
      var noise: [Double] = []
      for i in 0..<3 {
        var stream = StandardNormalStream(Xoshiro256StarStar(seed: seed, stream: UInt64(i)))
        for _ in 0..<(k * vae.architecture.latentSize) { noise.append(stream.next()) }
      }
      let seeded = try source.logWeights(samples: k, rows: 0..<3, seed: seed, threads: 2)
      let given = source.logWeights(samples: k, rows: 0..<3, noise: noise, threads: 1)
      #expect(seeded.values == given.values, "\(dtype)")
    }
  }

  /// Every broken file is refused with its path and the tensor, key or offset at fault.
  @Test func brokenFilesAreRefusedByName() throws {
    let (vae, p) = Self.model(likelihood: .gaussianPerPixel)
    let good = VAEModelFile.bytes(model: vae, parameters: p)
    let headerLength = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16
    let header = String(decoding: good[8..<(8 + headerLength)], as: UTF8.self)
    func rewrite(_ edit: (String) -> String) -> [UInt8] {
      var text = Array(edit(header).utf8)
      while text.count % 8 != 0 { text.append(UInt8(ascii: " ")) }
      var n = UInt64(text.count), out: [UInt8] = []
      for _ in 0..<8 {
        out.append(UInt8(n & 0xFF))
        n >>= 8
      }
      return out + text + good[(8 + headerLength)...]
    }
    func nonFinite() -> [UInt8] {
      var q = p
      q[vae.decoder.layers[1].weightOffset + 2] = .nan
      return VAEModelFile.bytes(model: vae, parameters: q, dtype: "F64")
    }
    let cases: [(String, [UInt8], String)] = [
      ("truncated", Array(good.dropLast(3)), "truncated"),
      ("short", Array(good.prefix(5)), "truncated"),
      ("header past end", Array(good.prefix(40)), "the header claims"),
      ("extra bytes", good + [0, 0], "bytes after the last tensor"),
      (
        "offsets", rewrite { $0.replacingOccurrences(of: "\"data_offsets\":[0,", with: "\"data_offsets\":[4,") },
        "encoder.0.weight"
      ),
      ("dtype", rewrite { $0.replacingOccurrences(of: "\"F32\"", with: "\"F16\"") }, "F16"),
      ("unknown dtype", rewrite { $0.replacingOccurrences(of: "\"F32\"", with: "\"Q7\"") }, "unknown dtype 'Q7'"),
      ("format", rewrite { $0.replacingOccurrences(of: "jvi-vae", with: "jvi-vaX") }, "not a jvi-vae model file"),
      (
        "version",
        rewrite { $0.replacingOccurrences(of: "\"format_version\":\"1\"", with: "\"format_version\":\"9\"") },
        "format_version 9"
      ),
      (
        "activation", rewrite { $0.replacingOccurrences(of: "\\\"elu\\\"", with: "\\\"gelu\\\"") }, "unknown activation"
      ),
      (
        "unknown key", rewrite { $0.replacingOccurrences(of: "\\\"prior\\\"", with: "\\\"priors\\\"") },
        "unknown key 'priors'"
      ),
      (
        "chain", rewrite { $0.replacingOccurrences(of: "\\\"encoder.1.weight\\\"", with: "\\\"encoder.2.weight\\\"") },
        "encoder.2.weight"
      ),
      (
        "latent", rewrite { $0.replacingOccurrences(of: "\\\"latent_dim\\\":1", with: "\\\"latent_dim\\\":2") },
        "needs 4"
      ),
      ("non-finite", nonFinite(), "tensor 'decoder.1.weight': value 14 is nan"),
      ("not JSON", rewrite { "{" + $0.dropFirst(2) }, "header"),
    ]
    for (label, bytes, expected) in cases {
      let path = try Self.file(bytes, label.replacingOccurrences(of: " ", with: "-"))
      defer { try? FileManager.default.removeItem(atPath: path) }
      do {
        _ = try VAEModelFile(contentsOf: path)
        Issue.record("\(label): accepted")
      } catch {
        #expect(error.description.hasPrefix(path), "\(label): \(error)")
        #expect(error.description.contains(expected), "\(label): \(error)")
      }
    }
  }

  /// A data file's width must be the model's input, and its values finite (named by row and column).
  @Test func dataFilesAreCheckedByRowAndColumn() throws {
    let (vae, p) = Self.model(likelihood: .gaussian(logVariance: 0))
    let path = try Self.file(VAEModelFile.bytes(model: vae, parameters: p))
    let data = SyntheticImageFolder.temporaryDirectory("data") + ".npy"
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: data)
    }
    try FileIO.writeAtomically(NPYArray.float64Bytes(shape: [2, 4], values: Array(repeating: 0, count: 8)), to: data)
    let checkpoint = try Checkpoint(contentsOf: path)
    #expect(throws: InputFileError(path: data, problem: "rows of 4 values; the model takes 5")) {
      try GaussianVAELogWeightSource(
        checkpoint: checkpoint, observations: .matrix(try ObservationMatrix(contentsOf: data)))
    }
    var values = Array(repeating: 0.0, count: 10)
    values[7] = .infinity
    try FileIO.writeAtomically(NPYArray.float64Bytes(shape: [2, 5], values: values), to: data)
    #expect(throws: InputFileError(path: data, problem: "row 1, column 2 is inf")) {
      try ObservationMatrix(contentsOf: data)
    }
    // Grey levels under a Bernoulli likelihood are refused (its formula holds for 0/1 only).
    let (bernoulli, q) = Self.model(likelihood: .bernoulli)
    let binaryPath = try Self.file(VAEModelFile.bytes(model: bernoulli, parameters: q))
    defer { try? FileManager.default.removeItem(atPath: binaryPath) }
    let binaryModel = try Checkpoint(contentsOf: binaryPath)
    let grey = try ObservationMatrix(values: [0, 1, 0.5, 1, 0], width: 5, source: "x")
    #expect(
      throws: InputFileError(
        path: "x", problem: "row 0, column 2 is 0.5: a Bernoulli likelihood scores 0/1 data; binarise it first")
    ) {
      try GaussianVAELogWeightSource(checkpoint: binaryModel, observations: .matrix(grey))
    }
  }
}

extension DecoderLikelihood: CustomTestStringConvertible {
  public var testDescription: String { description }
}
