import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

extension EvalConfiguration {
  /// Log-weights of a trained model (a gaussian-vae's network in --precision), saved if asked (with --shard: this shard's
  /// block only, as a part of --save-logw); predictions if asked.
  func modelLogWeights(_ checkpoint: Checkpoint, path: String, implicit: Bool) throws -> LogWeightMatrix {
    let c = checkpoint.configuration
    let bayes = c.model.isBayesByBackprop
    // The classifier's evidence needs a pass over 50,000 images per weight sample: smaller defaults.
    let k = samplesGiven ? samples : (c.model == .bbbClassifier ? 20 : samples)
    let limitRows = limit ?? (c.model == .bbbClassifier ? 2 : nil)
    let source = try CheckpointEvidence.source(
      checkpoint, dataDirectory: dataDirectory, split: split, limit: limitRows, latent: latent, precision: precision)
    let total = source.instanceCount
    if total == 0 { throw ToolFailure("the \(split.rawValue) split has no images") }
    if let shard, shard.count > total {
      throw UsageError("--shard \(shard): \(shard.count) shards of \(total) instances would leave some empty")
    }
    if let out = predictPath { try predict(checkpoint, to: out) }
    let rows = shard?.block(of: total) ?? 0..<total
    let start = monotonicSeconds()
    let matrix = try source.logWeights(samples: k, rows: rows, seed: seed, threads: threads)
    let seconds = monotonicSeconds() - start
    let why = implicit ? "no --input given; " : ""
    let block = shard.map { "instances \(rows.lowerBound)..<\(rows.upperBound) (shard \($0)) of " } ?? ""
    let what =
      bayes
      ? "\(block)\(total) replicates x \(k) weight samples of log p(D) for \(source.name)"
      : "\(block)\(total) \(split.rawValue) images x \(k) samples from \(path) (\(c.model.rawValue) "
        + "\(c.objective.name) k=\(c.samples), \(checkpoint.epochsCompleted) epochs; \(source.name))"
    Output.standardError(
      "jvi-eval: \(why)log-weights of \(what), seed \(seed), \(DurationText.format(seconds))\n")
    guard let out = saveLogWeights else { return matrix }
    if let shard {
      let description =
        "jvi-eval log-weights of model \(path) (fingerprint \(RunEnvironment.fingerprint(bytes: try FileIO.read(path)))"
        + "); " + (bayes ? "" : "\(split.rawValue) split of \(dataDirectory ?? c.dataDirectory), latent \(latent); ")
        + (c.model == .gaussianVAE ? "network in \(precision.rawValue); " : "")
        + "\(total) instances, \(k) samples, seed \(seed)"
      let part = try LogWeightParts.write(
        matrix, block: rows, total: total, shard: shard, producer: "jvi-eval", description: description,
        seconds: seconds, to: out)
      Output.standardError("jvi-eval: saved part \(shard) to \(part); join the parts with jvi-eval --merge \(out)\n")
    } else {
      try FileIO.writeAtomically(matrix.npyBytes(), to: out)
      Output.standardError("jvi-eval: saved the log-weights to \(out)\n")
    }
    return matrix
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
