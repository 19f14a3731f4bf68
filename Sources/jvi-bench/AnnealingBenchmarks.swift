import CommandLineSupport
import JVICore
import JVIModels

/// The AIS suite: forward AIS on the default 784-200-200-50 VAE's test images at 1,000
/// sigmoidal temperatures from the prior, 10 leapfrog steps, 2 pilot chains, 1 or 16 chains per
/// image, on 1 and 2 threads. Timed on `images` images and reported as images/s; the CSV's
/// `seconds_per_1000` column is 1000/rate. The decoder runs in Float32 (the default precision).
/// The peer (PyTorch HMC-AIS, all rows in lockstep) is timed against whole `jvi-ais` runs by
/// `make bench-peers`.
enum AnnealingBenchmarks {
  static func all(runs: Int) throws -> [BenchCase] {
    guard FileIO.exists(ImageDataset.defaultDirectory) else {
      throw ToolFailure(
        "the ais suite needs Fashion-MNIST in \(ImageDataset.defaultDirectory) (apt-get install dataset-fashion-mnist)")
    }
    let data = try ImageDataset(validationCount: 0)
    var list: [BenchCase] = []
    for chains in [1, 16] {
      let images = chains == 1 ? 16 : 4
      for threads in [1, 2] {
        list.append(
          BenchCase(
            suite: "ais", name: "ais-t1000-l10-c\(chains)",
            parameters: [
              ("temperatures", "1000"), ("leapfrog", "10"), ("chains", String(chains)), ("images", String(images)),
            ],
            threads: threads, work: Double(images), unit: "images/s",
            target: "report seconds per 1000 images",
            prepare: {
              let source = try TrainingBenchmarks.source(data)
              let sampler = AnnealedImportanceSampler(.standard)
              return {
                _ = try sampler.logWeights(model: source, rows: 0..<images, chains: chains, seed: 1, threads: threads)
              }
            },
            warmUp: {
              let source = try TrainingBenchmarks.source(data)
              let sampler = AnnealedImportanceSampler(try AISSettings(temperatures: 50))
              _ = try sampler.logWeights(model: source, rows: 0..<2, chains: chains, seed: 1, threads: threads)
            }, runsOverride: runs))
      }
    }
    return list
  }
}
