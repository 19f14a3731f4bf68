import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

extension EvalConfiguration {
  /// Log-weights of a trained model (a gaussian-vae's network in --precision), computed a block of
  /// images at a time as they are evaluated (with --shard: this shard's block only); predictions if
  /// asked. With --save-logw the blocks are streamed into the .npy (or the shard's part).
  func modelLogWeights(_ checkpoint: Checkpoint, path: String, implicit: Bool) throws -> EvalInput {
    let c = checkpoint.configuration
    let bayes = c.model.isBayesByBackprop
    // The classifier's evidence needs a pass over 50,000 images per weight sample: smaller defaults.
    let k = samplesGiven ? samples : (c.model == .bbbClassifier ? 20 : samples)
    let limitRows = limit ?? (c.model == .bbbClassifier ? 2 : nil)
    let source = try CheckpointEvidence.source(
      checkpoint, dataDirectory: dataDirectory, split: split, limit: limitRows, latent: latent, precision: precision)
    let total = source.instanceCount
    let dataFile = dataDirectory.flatMap { CheckpointEvidence.isObservationFile($0) ? $0 : nil }
    if total == 0 { throw ToolFailure("the \(split.rawValue) split has no images") }
    if let shard, shard.count > total {
      throw UsageError("--shard \(shard): \(shard.count) shards of \(total) instances would leave some empty")
    }
    if let out = predictPath { try predict(checkpoint, to: out) }
    let rows = shard?.block(of: total) ?? 0..<total
    let blocks = DrawnLogWeights(source: source, rows: rows, samples: k, seed: seed, threads: threads)
    let why = implicit ? "no --input given; " : ""
    let block = shard.map { "instances \(rows.lowerBound)..<\(rows.upperBound) (shard \($0)) of " } ?? ""
    let what =
      bayes
      ? "\(block)\(total) replicates x \(k) weight samples of log p(D) for \(source.name)"
      : "\(block)\(total) \(dataFile.map { "rows of \($0)" } ?? "\(split.rawValue) images") x \(k) samples from "
        + "\(path) ("
        + (checkpoint.modelFile != nil
          ? "" : "\(c.model.rawValue) \(c.objective.name) k=\(c.samples), \(checkpoint.epochsCompleted) epochs; ")
        + "\(source.name))"
    var input = EvalInput(blocks: blocks, firstInstance: rows.lowerBound)
    input.finished = {
      Output.standardError(
        "jvi-eval: \(why)log-weights of \(what), seed \(seed), \(DurationText.format(blocks.seconds))\n")
    }
    guard let out = saveLogWeights else { return input }
    if let shard {
      let description =
        "jvi-eval log-weights of model \(path) (fingerprint \(RunEnvironment.fingerprint(bytes: try FileIO.read(path)))"
        + "); "
        + (bayes
          ? ""
          : dataFile.map {
            "data \($0) (fingerprint \(RunEnvironment.fingerprint(bytes: (try? FileIO.read($0)) ?? []))); "
          }
            ?? "\(split.rawValue) split of \(dataDirectory ?? c.dataDirectory), latent \(latent); ")
        + (c.model == .gaussianVAE ? "network in \(precision.rawValue); " : "")
        + "\(total) instances, \(k) samples, seed \(seed)"
      let part = LogWeightParts.partPath(out, shard: shard)
      input.save(to: part) {
        try LogWeightParts.writeMetadata(
          block: rows, total: total, shard: shard, producer: "jvi-eval", description: description, columns: k,
          seconds: blocks.seconds, to: out)
        Output.standardError("jvi-eval: saved part \(shard) to \(part); join the parts with jvi-eval --merge \(out)\n")
      }
    } else {
      input.save(to: out) { Output.standardError("jvi-eval: saved the log-weights to \(out)\n") }
    }
    return input
  }

  /// Writes the predictive report of a Bayes-by-Backprop checkpoint (and its SVG for regression).
  func predict(_ checkpoint: Checkpoint, to path: String) throws {
    let c = checkpoint.configuration
    let model = c.bayes.network(c.model, architecture: c.architecture)
    if c.model == .bbbRegression {
      let r = PredictiveReport.regression(
        model, parameters: checkpoint.parameters, curve: RegressionCurve(c.bayes.curve), samples: max(samples, 2),
        seed: seed)
      try FileIO.writeAtomically(r.csv, to: path)
      let svg = (path.hasSuffix(".csv") ? String(path.dropLast(4)) : path) + ".svg"
      try FileIO.writeAtomically(r.svg, to: svg)
      Output.standardError("jvi-eval: predictive written to \(path) and \(svg); \(r.summary)\n")
    } else {
      let data = try ImageDataset(directory: dataDirectory ?? c.dataDirectory, validationCount: c.validationCount)
      let r = PredictiveReport.classification(
        model, parameters: checkpoint.parameters, data: data, samples: samplesGiven ? samples : 10, seed: seed)
      try FileIO.writeAtomically(r.csv, to: path)
      Output.standardError("jvi-eval: predictions written to \(path); \(r.summary)\n")
    }
  }
}
