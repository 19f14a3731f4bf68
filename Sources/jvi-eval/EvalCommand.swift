import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-eval`: evidence estimators on a matrix of log importance weights.
@main
struct EvalCommand: ToolCommand {
  static let spec = EvalOptions.spec
  let config: EvalConfiguration

  init(_ options: ParsedOptions) throws { config = try EvalConfiguration(options) }

  func run() throws {
    let matrix = try config.loadMatrix()
    let estimators = try config.estimators(for: matrix)
    let evaluation: EstimatorEvaluation
    do {
      evaluation = try EstimatorEvaluation(estimators, on: matrix, threads: config.threads)
    } catch {
      throw ToolFailure(error.description)
    }
    if let (result, row) = EvaluationCSV.firstUndefined(evaluation) {
      let nonZero = matrix.withRow(row, columns: 0..<matrix.columnCount) { $0.filter { $0 > -.infinity }.count }
      throw ToolFailure(
        "\(result.name) of order \(result.order) is undefined (NaN) for instance \(row) (0-based): it has "
          + "\(nonZero) non-zero weights, and JVI of order m needs at least m + 1 in every block "
          + "(the definition gives NaN when fewer than m remain). Use a lower --order or drop the instance.")
    }
    let csv = config.perInstance ? EvaluationCSV.perInstance(evaluation) : EvaluationCSV.summary(evaluation)
    if let path = config.outputPath {
      try FileIO.writeAtomically(csv, to: path)
    } else {
      Output.standardOutput(csv)
    }
  }
}
