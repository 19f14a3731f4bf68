import Foundation
import JVICore
import Testing
import _TestSupport

@testable import JVIModels

/// Training on a tiny synthetic data set: determinism, resumption, failure handling,
/// checkpoints, Adam, and log-weights from a trained model.
struct TrainingTests {
  static let folder = SyntheticImageFolder.write(
    to: SyntheticImageFolder.temporaryDirectory("train"), train: 64, test: 12)

  static func configuration(_ objective: VAEObjective = .iwae, k: Int = 3) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.architecture = VAEArchitecture(inputSize: 20, hiddenSizes: [12, 8], latentSize: 3, activation: .tanh)
    c.objective = objective
    c.samples = k
    c.batchSize = 10
    c.learningRate = 3e-3
    c.dataDirectory = folder
    c.validationCount = 14
    c.epochs = 3
    return c
  }

  static func data(_ c: TrainingConfiguration) throws -> ImageDataset {
    try ImageDataset(directory: c.dataDirectory, validationCount: c.validationCount)
  }

  @Test(arguments: [VAEObjective.elboMonteCarlo, .elboAnalyticKL, .iwae, .jackknife(order: 1), .jackknife(order: 2)])
  func resultsAreBitIdenticalForOneAndTwoThreads(objective: VAEObjective) throws {
    let c = Self.configuration(objective, k: objective == .elboMonteCarlo ? 1 : 4)
    let data = try Self.data(c)
    var finals: [[Float]] = []
    for threads in [1, 2] {
      let t = try Trainer(configuration: c, data: data, threads: threads)
      for _ in 0..<2 { _ = try t.trainEpoch() }
      finals.append(t.parameters.array)
    }
    #expect(finals[0] == finals[1])
  }

  @Test func trainingImprovesTheObjective() throws {
    var c = Self.configuration(.iwae, k: 5)
    c.learningRate = 1e-2
    let data = try Self.data(c)
    let t = try Trainer(configuration: c, data: data, threads: 2)
    let first = try t.trainEpoch().objective
    var last = first
    for _ in 0..<8 { last = try t.trainEpoch().objective }
    #expect(last > first + 1, "objective \(first) → \(last)")
  }

  @Test func resumingGivesTheSameRunAsTrainingStraightThrough() throws {
    let c = Self.configuration()
    let data = try Self.data(c)
    let straight = try Trainer(configuration: c, data: data, threads: 1)
    for _ in 0..<3 { _ = try straight.trainEpoch() }
    let first = try Trainer(configuration: c, data: data, threads: 2)
    _ = try first.trainEpoch()
    let path = SyntheticImageFolder.temporaryDirectory("ckpt") + ".ckpt"
    try first.checkpoint().write(to: path)
    let resumed = try Trainer(configuration: c, data: data, threads: 1, resumeFrom: try Checkpoint(contentsOf: path))
    #expect(resumed.epochsCompleted == 1)
    for _ in 0..<2 { _ = try resumed.trainEpoch() }
    let a = resumed.parameters.array, b = straight.parameters.array
    #expect(a == b)
    let ma = resumed.optimizer.m.array, mb = straight.optimizer.m.array
    #expect(ma == mb && resumed.optimizer.step == straight.optimizer.step)
  }

  @Test func aNonFiniteLossStopsTraining() throws {
    var c = Self.configuration(.elboMonteCarlo, k: 1)
    c.learningRate = 1e30
    let t = try Trainer(configuration: c, data: try Self.data(c), threads: 2)
    do {
      for _ in 0..<5 { _ = try t.trainEpoch() }
      Issue.record("a learning rate of 1e30 trained without a non-finite loss")
    } catch let failure as Trainer.Failure {
      #expect(failure.description.contains("training loss became"))
    }
  }

  /// The new objectives, gradient estimators and the learning-rate schedule train, are recorded in
  /// the checkpoint and read back; a configuration without them keeps the earlier header bytes.
  @Test(arguments: [
    (VAEObjective.miwae(groups: 2), VAEGradientEstimator.standard), (.piwae(groups: 2), .standard),
    (.ciwae(beta: 0.25), .standard), (.renyi(alpha: -0.5), .standard), (.iwae, .stl), (.iwae, .dreg),
    (.jackknife(order: 2), .dreg),
  ])
  func objectivesAndEstimatorsTrainAndRoundTrip(objective: VAEObjective, gradient: VAEGradientEstimator) throws {
    var c = Self.configuration(objective, k: 4)
    c.gradient = gradient
    c.schedule = .burda
    c.epochs = 2
    let t = try Trainer(configuration: c, data: try Self.data(c), threads: 2)
    let first = try t.trainEpoch(), second = try t.trainEpoch()
    #expect(first.objective.isFinite && second.objective.isFinite)
    #expect(t.optimizer.learningRate == c.learningRate * pow(10, -1.0 / 7), "epoch 2 is stage 1 of Burda's schedule")
    let back = try Checkpoint(bytes: t.checkpoint().bytes(), source: "memory")
    #expect(back.configuration == c)
    let header = String(decoding: Self.configurationHeader(Self.configuration()), as: UTF8.self)
    #expect(!header.contains("gradient:") && !header.contains("objective-parameter:") && !header.contains("schedule:"))
  }

  /// Burda et al.'s schedule: 3^i epochs at 10^(−i/7) for i = 0…7, 3,280 epochs in all.
  @Test func burdaScheduleHasItsStages() {
    let s = LearningRateSchedule.burda
    #expect(s.epochs == 3280)
    let stages = [1, 2, 4, 5, 13, 14, 40, 41, 121, 122, 364, 365, 1093, 1094, 3280, 5000]
    let expected = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 7]
    for (epoch, stage) in zip(stages, expected) {
      #expect(s.learningRate(base: 1e-3, epoch: epoch) == 1e-3 * pow(10, -Double(stage) / 7), "epoch \(epoch)")
    }
    #expect(LearningRateSchedule.constant.learningRate(base: 2e-3, epoch: 77) == 2e-3)
  }

  static func configurationHeader(_ c: TrainingConfiguration) -> [UInt8] {
    let checkpoint = Checkpoint(
      configuration: c, epochsCompleted: 0, adamStep: 0, trainingExamples: 0, parameters: [], adamM: [], adamV: [])
    return Array(checkpoint.bytes().prefix(700))
  }

  @Test func checkpointsRoundTripAndRefuseCorruption() throws {
    let c = Self.configuration(.jackknife(order: 2), k: 4)
    let t = try Trainer(configuration: c, data: try Self.data(c), threads: 1)
    _ = try t.trainEpoch()
    let bytes = t.checkpoint().bytes()
    let dir = SyntheticImageFolder.temporaryDirectory("ckpts")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func write(_ name: String, _ b: [UInt8]) -> String {
      let p = dir + "/" + name
      _ = FileManager.default.createFile(atPath: p, contents: Data(b))
      return p
    }
    let back = try Checkpoint(contentsOf: write("good.ckpt", bytes))
    let parameters = t.parameters.array, v = t.optimizer.v.array
    #expect(back.configuration == c)
    #expect(back.parameters == parameters && back.epochsCompleted == 1)
    #expect(back.adamStep == t.optimizer.step && back.adamV == v)
    var flipped = bytes
    flipped[bytes.count - 100] ^= 0x40
    let header = String(decoding: bytes.prefix(600), as: UTF8.self)
    let cases: [([UInt8], String)] = [
      (flipped, "checksum mismatch"),
      (Array(bytes.dropLast(10)), "truncated"),
      (bytes + [1], "unexpected bytes"),
      (Array("hello\n".utf8), "not a jvi checkpoint"),
      (
        Array(header.replacingOccurrences(of: "jvi-checkpoint 2", with: "jvi-checkpoint 9").utf8)
          + bytes.dropFirst(600), "unsupported checkpoint format"
      ),
      (
        Array(header.replacingOccurrences(of: "latent: 3", with: "latent: 4").utf8) + bytes.dropFirst(600),
        "tensors do not match"
      ),
      (
        Array(header.replacingOccurrences(of: "shards: 2", with: "shard: 2").utf8) + bytes.dropFirst(600),
        "header field 'shards' is missing"
      ),
      (
        Array(header.replacingOccurrences(of: "objective: jvi", with: "objective: vae").utf8) + bytes.dropFirst(600),
        "unknown objective"
      ),
    ]
    for (i, (b, fragment)) in cases.enumerated() {
      let path = write("bad\(i).ckpt", b)
      do {
        _ = try Checkpoint(contentsOf: path)
        Issue.record("case \(i) loaded")
      } catch {
        #expect(error.path == path && error.problem.contains(fragment), "case \(i): \(error.problem)")
      }
    }
  }

  @Test func adamMatchesItsDefinition() {
    let adam = Adam(count: 3, learningRate: 0.1, epsilon: 1e-8)
    let p = ScalarBuffer<Float>(count: 3), g = ScalarBuffer<Float>(count: 3)
    for (i, v) in [Float(1), -2, 0.5].enumerated() {
      p.pointer[i] = v
      g.pointer[i] = [Float(0.3), -1, 0][i]
    }
    for _ in 0..<2 { adam.update(parameters: p, gradients: g) }
    // By hand: m₂ = 0.19 g, v₂ = 0.001999 g², m̂ = g, v̂ = g²; each step moves by lr·sign(g).
    let p0: Float = p.pointer[0], p1: Float = p.pointer[1]
    #expect(abs(p0 - 0.8) < 1e-5)
    #expect(abs(p1 + 1.8) < 1e-5)
    #expect(p.pointer[2] == 0.5)
    g.pointer[1] = .nan
    #expect(!adam.update(parameters: p, gradients: g))
  }

  @Test func logWeightsDoNotDependOnChunkingOrThreads() throws {
    let c = Self.configuration(.iwae, k: 3)
    let data = try Self.data(c)
    let t = try Trainer(configuration: c, data: data, threads: 1)
    _ = try t.trainEpoch()
    var source = try GaussianVAELogWeightSource(checkpoint: t.checkpoint(), data: data, split: .test)
    let whole = try source.logWeights(samples: 50, rows: 0..<12, seed: 9, threads: 1)
    source.chunkSamples = 7
    let chunked = try source.logWeights(samples: 50, rows: 0..<12, seed: 9, threads: 2)
    #expect(whole == chunked)
    let part = try source.logWeights(samples: 50, rows: 5..<8, seed: 9, threads: 2)
    #expect(part == whole.rows(5..<8))
    // Every value is finite and ELBO-B's inputs are attached.
    #expect(whole.values.allSatisfy { $0.isFinite } && whole.hasAnalyticKLInputs)
    let elboA = try ELBOMonteCarlo().evaluate(whole, workspace: EstimatorWorkspace()).estimates
    let elboB = try ELBOAnalyticKL().evaluate(whole, workspace: EstimatorWorkspace()).estimates
    // Both estimate the same ELBO: their means over 12 images agree within a few nats.
    let meanA = elboA.reduce(0, +) / 12, meanB = elboB.reduce(0, +) / 12
    #expect(abs(meanA - meanB) < 3)
    // Both precisions chunk and thread the same way.
    for precision in NetworkPrecision.allCases {
      source.precision = precision
      source.chunkSamples = 1024
      let a = try source.logWeights(samples: 50, rows: 0..<12, seed: 9, threads: 1)
      source.chunkSamples = 7
      #expect(try source.logWeights(samples: 50, rows: 0..<12, seed: 9, threads: 2) == a, "\(precision)")
    }
  }

  /// The Float network's log-weights against the Double network's on the same trained (Float)
  /// parameters: each within 1e-5 relative (the logits' Float rounding, summed over pixels in
  /// Double), and IWAE over them within 1e-6 nats on average.
  @Test func floatNetworkLogWeightsAgreeWithTheDoubleNetwork() throws {
    let c = Self.configuration(.iwae, k: 3)
    let data = try Self.data(c)
    let t = try Trainer(configuration: c, data: data, threads: 1)
    _ = try t.trainEpoch()
    let single = try GaussianVAELogWeightSource(
      checkpoint: t.checkpoint(), data: data, split: .test, precision: .float32)
    let double = try GaussianVAELogWeightSource(
      checkpoint: t.checkpoint(), data: data, split: .test, precision: .float64)
    let a = try single.logWeights(samples: 64, rows: 0..<12, seed: 3, threads: 2)
    let b = try double.logWeights(samples: 64, rows: 0..<12, seed: 3, threads: 2)
    for (x, y) in zip(a.values, b.values) { #expect(abs(x - y) <= 1e-5 * max(1, abs(y)), "\(x) vs \(y)") }
    let ia = try IWAE().evaluate(a, workspace: EstimatorWorkspace()).estimates
    let ib = try IWAE().evaluate(b, workspace: EstimatorWorkspace()).estimates
    let meanDifference = zip(ia, ib).map { $0 - $1 }.reduce(0, +) / 12
    #expect(abs(meanDifference) <= 1e-6, "mean IWAE difference \(meanDifference)")
  }

  @Test func aModelWhoseInputSizeDiffersFromTheImagesIsRefused() throws {
    var c = Self.configuration()
    c.architecture.inputSize = 784
    #expect(throws: EstimatorError.self) { try Trainer(configuration: c, data: try Self.data(c), threads: 1) }
    let t = try Trainer(configuration: Self.configuration(), data: try Self.data(Self.configuration()), threads: 1)
    var checkpoint = t.checkpoint()
    checkpoint.configuration.architecture.inputSize = 30
    #expect(throws: InputFileError.self) {
      try GaussianVAELogWeightSource(checkpoint: checkpoint, data: try Self.data(c), split: .test)
    }
  }
}
