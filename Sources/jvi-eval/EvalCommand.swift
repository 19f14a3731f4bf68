import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-eval`: evidence estimators on a matrix of log importance weights.
@main
struct EvalCommand: ToolCommand {
  static let spec = EvalOptions.spec
  let config: EvalConfiguration?
  let merge: String?

  init(_ options: ParsedOptions) throws {
    merge = options[EvalOptions.merge]
    if merge != nil {
      try options.requireAlone(EvalOptions.merge, doing: "joins the parts written by --shard")
      config = nil
    } else {
      config = try EvalConfiguration(options)
    }
  }

  func run() throws {
    if let merge { return Output.standardError("jvi-eval: " + (try LogWeightParts.join(merge).summary) + "\n") }
    let config = config!
    let matrix = try config.loadMatrix()
    let csv: String
    if config.diagnostics {
      if let k = config.k, k > matrix.columnCount {
        throw UsageError("--k \(k) is wider than the matrix's \(matrix.columnCount) columns")
      }
      let report = DiagnosticsReport(matrix, k: config.k, threads: config.threads)
      csv = config.perInstance ? report.perInstanceCSV : report.summaryCSV
    } else {
      let estimators = try config.estimators(for: matrix)
      let evaluation: EstimatorEvaluation
      do {
        evaluation = try EstimatorEvaluation(estimators, on: matrix, threads: config.threads)
      } catch {
        throw ToolFailure(error.description)
      }
      try EvalCommand.reportUndefined(evaluation, strict: config.strict)
      EvalCommand.reportTruncation(estimators, on: matrix)
      csv =
        config.perInstance
        ? EvaluationCSV.perInstance(evaluation, firstInstance: matrix.instanceOffset)
        : EvaluationCSV.summary(evaluation)
    }
    if let path = config.outputPath {
      try FileIO.writeAtomically(csv, to: path)
    } else {
      Output.standardOutput(csv)
    }
  }

  /// Names the undefined instances of each estimator on standard error (how many, the first few,
  /// and why the first is undefined); with --strict, refuses the input instead.
  static func reportUndefined(_ evaluation: EstimatorEvaluation, strict: Bool) throws {
    for r in evaluation.results where !r.undefined.isEmpty {
      let what = r.name == "jvi" ? "jvi of order \(r.order)" : r.name
      let first = r.undefined[0]
      if strict {
        throw ToolFailure(
          "\(what) is undefined for instance \(first.row) (0-based): \(first.reason). "
            + (r.name == "jvi" ? "Use a lower --order or drop the instance." : "Drop the instance.")
            + " Without --strict the other instances are evaluated.")
      }
      let shown = r.undefined.prefix(5).map { String($0.row) }.joined(separator: ", ")
      let more = r.undefined.count > 5 ? ", ..." : ""
      Output.standardError(
        "jvi-eval: \(what) is undefined for \(r.undefined.count) of \(r.estimates.count) instances (0-based: "
          + "\(shown)\(more)); they are left empty per instance and out of the summary (n = \(r.summary.count)). "
          + "Instance \(first.row): \(first.reason).\n")
    }
  }

  /// For sumo and mlmc: how often the drawn truncation needed more columns than a block has.
  static func reportTruncation(_ estimators: [any BoundEstimator], on matrix: LogWeightMatrix) {
    for e in estimators {
      let counts: (truncated: Int, blocks: Int)
      if let s = e as? SUMO {
        counts = s.truncatedBlocks(matrix)
      } else if let m = e as? MultilevelIWAE {
        counts = m.truncatedBlocks(matrix)
      } else {
        continue
      }
      let share = 100 * Double(counts.truncated) / Double(Swift.max(1, counts.blocks))
      Output.standardError(
        "jvi-eval: \(e.label): the drawn truncation needed more than the block's \(e.blockWidth(for: matrix)) columns "
          + "in \(counts.truncated) of \(counts.blocks) blocks (\(compact(share))%); those sum only the terms that fit. "
          + "Capped at k columns the estimator is unbiased for E[IWAE_k], not for log p(x), however rarely the cap "
          + "is reached: its bias is IWAE_k's.\n")
    }
  }
}
