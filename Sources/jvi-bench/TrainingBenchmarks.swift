import CommandLineSupport
import JVICore
import JVIModels

/// The training-engine suite: one epoch of 60,000 binarised Fashion-MNIST images (batch 100,
/// Adam 1e-3, the default 784-200-200-50 tanh VAE) and log-weights of 1,000 test images ×
/// 5,000 samples (the network in Float32 and in Float64), on 1 and 2 threads. The peers (torch and
/// jax) run the same work in benchmarks/peers.
enum TrainingBenchmarks {
  static func all(runs: Int) throws -> [BenchCase] {
    guard FileIO.exists(ImageDataset.defaultDirectory) else {
      throw ToolFailure(
        "the training suite needs Fashion-MNIST in \(ImageDataset.defaultDirectory) (apt-get install dataset-fashion-mnist)"
      )
    }
    let data = try ImageDataset(validationCount: 0)
    var list: [BenchCase] = []
    let epochs: [(VAEObjective, Int)] = [(.elboMonteCarlo, 1), (.iwae, 5), (.iwae, 50)]
    for (objective, k) in epochs {
      for threads in [1, 2] {
        var c = TrainingConfiguration()
        c.objective = objective
        c.samples = k
        c.validationCount = 0
        let box = TrainerBox()
        list.append(
          BenchCase(
            suite: "training", name: "epoch-\(objective.name)-k\(k)",
            parameters: [("task", "epoch"), ("objective", objective.name), ("k", String(k)), ("images", "60000")],
            threads: threads, work: 60_000, unit: "images/s", target: ">= 1.5 x the faster of jax and torch",
            prepare: {
              box.trainer = try Trainer(configuration: c, data: data, threads: threads)
              return { _ = try box.trainer?.trainEpoch() }
            },
            warmUp: {
              // A short run on 2,000 images warms caches, page tables and the thread pool.
              var w = c
              w.limit = 2000
              _ = try Trainer(configuration: w, data: data, threads: threads).trainEpoch()
            }, runsOverride: runs))
      }
    }
    for precision in NetworkPrecision.allCases {
      for threads in [1, 2] {
        let name = "logweights-n1000-k5000" + (precision == .standard ? "" : "-\(precision.rawValue)")
        list.append(
          BenchCase(
            suite: "training", name: name,
            parameters: [
              ("task", "log-weights"), ("objective", precision.rawValue), ("k", "5000"), ("images", "1000"),
            ],
            threads: threads, work: 5_000_000, unit: "samples/s", target: ">= 2 x torch",
            prepare: {
              let source = try Self.source(data, precision: precision)
              return { _ = try source.logWeights(samples: 5000, rows: 0..<1000, seed: 1, threads: threads) }
            },
            warmUp: {
              _ = try Self.source(data, precision: precision).logWeights(
                samples: 5000, rows: 0..<20, seed: 1, threads: threads)
            },
            runsOverride: runs))
      }
    }
    return list
  }

  /// A freshly initialised default VAE on the test split (the speed does not depend on the weights).
  static func source(_ data: ImageDataset, precision: NetworkPrecision = .standard) throws
    -> GaussianVAELogWeightSource
  {
    let c = TrainingConfiguration()
    let model = GaussianVAE(c.architecture)
    let p = model.initialParameters(seed: 1, as: Float.self)
    let checkpoint = Checkpoint(
      configuration: c, epochsCompleted: 0, adamStep: 0, trainingExamples: 0, parameters: p.array,
      adamM: [Float](repeating: 0, count: p.count), adamV: [Float](repeating: 0, count: p.count))
    return try GaussianVAELogWeightSource(checkpoint: checkpoint, data: data, split: .test, precision: precision)
  }
}

final class TrainerBox: @unchecked Sendable { var trainer: Trainer? }
