import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-eval`: evidence estimators on a matrix of log importance weights.
@main
struct EvalCommand: ToolCommand {
  static let spec = EvalOptions.spec
  /// What the invocation asks for: join the parts of --shard runs, or evaluate.
  enum Mode {
    case merge(String)
    case evaluate(EvalConfiguration)
  }
  let mode: Mode

  init(_ options: ParsedOptions) throws {
    if let merge = options[EvalOptions.merge] {
      try options.requireAlone(EvalOptions.merge, doing: "joins the parts written by --shard")
      mode = .merge(merge)
    } else {
      mode = .evaluate(try EvalConfiguration(options))
    }
  }

  func run() throws {
    let config: EvalConfiguration
    switch mode {
    case .merge(let path): return Output.standardError("jvi-eval: " + (try LogWeightParts.join(path).summary) + "\n")
    case .evaluate(let c): config = c
    }
    if let snr = config.gradientSNR { return try EvalCommand.measureSignalToNoise(config, snr) }
    let input = try config.openInput()
    let output = try EvalOutput(path: config.outputPath)
    if config.diagnostics {
      if let k = config.k, k > input.blocks.columnCount {
        throw UsageError("--k \(k) is wider than the matrix's \(input.blocks.columnCount) columns")
      }
      let report = try input.read { try DiagnosticsReport($0, k: config.k, threads: config.threads) }
      if config.perInstance {
        try report.perInstanceCSV(write: output.write)
      } else {
        try output.write(try report.summaryCSV)
      }
    } else {
      let estimators = try config.estimators(for: input.blocks)
      let gradients = try config.gradientWeights(estimators, for: input.blocks)
      var truncation = [(truncated: Int, blocks: Int)](repeating: (0, 0), count: estimators.count)
      let evaluation: EstimatorEvaluation
      do {
        evaluation = try input.read { blocks in
          try EstimatorEvaluation(estimators, on: blocks, threads: config.threads) { block in
            for (i, e) in estimators.enumerated() {
              guard let counts = e.truncationCounts(block, rows: nil) else { continue }
              truncation[i].truncated += counts.truncated
              truncation[i].blocks += counts.blocks
            }
            try gradients?.append(block, threads: config.threads)
          }
        }
      } catch let error as EstimatorError {
        throw ToolFailure(error.description)
      }
      if let gradients, let path = config.gradientWeightsPath {
        try gradients.commit()
        let undefined =
          gradients.undefinedCount == 0
          ? ""
          : "; \(gradients.undefinedCount) rows with an undefined estimate are zeros (0-based: "
            + gradients.firstUndefined.map(String.init).joined(separator: ", ")
            + (gradients.undefinedCount > gradients.firstUndefined.count ? ", ..." : "") + ")"
        Output.standardError("jvi-eval: wrote the gradient weights to \(path)\(undefined)\n")
      }
      try EvalCommand.reportUndefined(evaluation, strict: config.strict)
      EvalCommand.reportTruncation(estimators, counts: truncation, width: input.blocks.columnCount)
      if config.perInstance {
        try EvaluationCSV.perInstance(evaluation, firstInstance: input.firstInstance, write: output.write)
      } else {
        try output.write(EvaluationCSV.summary(evaluation))
      }
    }
    try output.finish()
  }

  /// `--gradient-snr`: the checkpoint's training gradient's SNR at each K, as CSV.
  static func measureSignalToNoise(_ config: EvalConfiguration, _ snr: (samples: [Int], draws: Int, images: Int))
    throws
  {
    guard case .model(let path, let checkpoint, _) = config.source else {
      throw UsageError("--gradient-snr measures a VAE checkpoint's gradient: give --model FILE")
    }
    let c = checkpoint.configuration
    let data = try ImageDataset(directory: config.dataDirectory ?? c.dataDirectory, validationCount: c.validationCount)
    var csv = "k,draws,images,encoder_snr,decoder_snr,objective,gradient\n"
    for k in snr.samples {
      let start = monotonicSeconds()
      let r: GradientSignalToNoise.Result
      do {
        r = try GradientSignalToNoise.measure(
          checkpoint, data: data, samples: k, draws: snr.draws, images: snr.images, seed: config.seed,
          threads: config.threads)
      } catch let error as EstimatorError {
        // The objective is undefined at this K (JVI of order m needs K > m, VIMCO K >= 2): the
        // row says so with empty ratios; the other K are measured.
        csv += "\(k),\(snr.draws),\(snr.images),,,\(c.objective.name),\(c.gradient.rawValue)\n"
        Output.standardError("jvi-eval: gradient SNR at K = \(k) of \(path) is undefined: \(error.description)\n")
        continue
      }
      csv += "\(k),\(r.draws),\(r.images),\(r.encoder),\(r.decoder),\(c.objective.name),\(c.gradient.rawValue)\n"
      Output.standardError(
        "jvi-eval: gradient SNR at K = \(k): encoder \(compact(r.encoder)), decoder \(compact(r.decoder)) "
          + "(\(r.draws) draws on \(r.images) images, \(DurationText.format(monotonicSeconds() - start)))\n")
    }
    let output = try EvalOutput(path: config.outputPath)
    try output.write(csv)
    try output.finish()
  }

  /// Names the undefined instances of each estimator on standard error (how many, the first few,
  /// and why the first is undefined); with --strict, refuses the input instead.
  static func reportUndefined(_ evaluation: EstimatorEvaluation, strict: Bool) throws {
    for r in evaluation.results where r.undefinedCount > 0 {
      let numbered = EstimatorRegistry.entry(named: r.name)?.numbers != nil
      let what = numbered ? "\(r.name) of order \(r.order)" : r.name
      let first = r.firstUndefined[0]
      if strict {
        throw ToolFailure(
          "\(what) is undefined for instance \(first.row) (0-based): \(first.reason). "
            + (numbered ? "Use a lower --order or drop the instance." : "Drop the instance.")
            + " Without --strict the other instances are evaluated.")
      }
      let shown = r.firstUndefined.map { String($0.row) }.joined(separator: ", ")
      let more = r.undefinedCount > r.firstUndefined.count ? ", ..." : ""
      Output.standardError(
        "jvi-eval: \(what) is undefined for \(r.undefinedCount) of \(r.estimates.count) instances (0-based: "
          + "\(shown)\(more)); they are left empty per instance and out of the summary (n = \(r.summary.count)). "
          + "Instance \(first.row): \(first.reason).\n")
    }
  }

  /// For the estimators that draw a truncation (sumo, mlmc): how often it needed more columns than
  /// a block has.
  static func reportTruncation(_ estimators: [any BoundEstimator], counts: [(truncated: Int, blocks: Int)], width: Int)
  {
    for (e, c) in zip(estimators, counts) where e.drawsRandomNumbers {
      let share = 100 * Double(c.truncated) / Double(Swift.max(1, c.blocks))
      Output.standardError(
        "jvi-eval: \(e.label): the drawn truncation needed more than the block's \(e.sampleCount ?? width) columns "
          + "in \(c.truncated) of \(c.blocks) blocks (\(compact(share))%); those sum only the terms that fit. "
          + "Capped at k columns the estimator is unbiased for E[IWAE_k], not for log p(x), however rarely the cap "
          + "is reached: its bias is IWAE_k's.\n")
    }
  }
}

/// Where `jvi-eval` writes its CSV: standard output as it comes, or a file that appears
/// (atomically) only when complete.
final class EvalOutput {
  let file: AtomicFileWriter?

  init(path: String?) throws {
    file = try path.map { (p) throws(InputFileError) in try AtomicFileWriter(path: p) }
  }

  func write(_ text: String) throws {
    if let file {
      try file.append(Array(text.utf8))
    } else {
      Output.standardOutput(text)
    }
  }

  func finish() throws { try file?.commit() }
}
