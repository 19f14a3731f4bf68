import CommandLineSupport
import Foundation
import JVICore
import JVIExperiments

/// `jvi-bench`: speed of the estimators, the matrix multiply, training, log-weights and AIS.
@main
struct BenchCommand: ToolCommand {
  static let suites = ["estimators", "gemm", "training", "ais", "all"]

  static let suite = Option<String>.choice(
    "--suite", value: "NAME", among: suites, default: "all", help: "Which benchmarks to run.")
  static let filter = Option<String?>.text(
    "--filter", value: "TEXT", help: "Run only the benchmarks whose name contains TEXT.")
  static let runs = Option<Int>.integer(
    "--runs", value: "N", in: 1...1000, default: 11, help: "Timed runs per benchmark, after a warm-up.")
  static let trainingRuns = Option<Int>.integer(
    "--training-runs", value: "N", in: 1...100, default: 1,
    help: "Timed epochs (and evaluations) per training benchmark.")
  static let outputDirectory = Option<String>.text(
    "--output-dir", value: "DIR", default: "results/bench", help: "Where the CSV files go.")

  static let spec = CommandSpec(
    name: "jvi-bench",
    overview:
      "Measure speed (release builds only): median and spread over repeated runs after a warm-up. Writes "
      + "results/bench/<suite>.csv stamped with the git revision. Ratios to numpy/OpenBLAS, jax and torch come from "
      + "make bench-peers, which runs the peers interleaved with this tool in one session.",
    options: [suite, filter, runs, trainingRuns, outputDirectory],
    examples: [
      ("jvi-bench", "Every suite (make bench builds in release and runs this):"),
      ("jvi-bench --suite gemm --filter 5000", "Only the large matrix multiplies:"),
    ],
    version: RunEnvironment.versionText(tool: "jvi-bench"), preflight: RunEnvironment.kernelRequestProblem)

  let options: ParsedOptions

  init(_ options: ParsedOptions) throws {
    #if DEBUG
      throw ToolFailure("jvi-bench measures release builds only; run `make bench` (swift build -c release)")
    #else
      self.options = options
    #endif
  }

  func run() throws {
    try BenchCommand.run(
      suite: options[Self.suite], filter: options[Self.filter], runs: options[Self.runs],
      trainingRuns: options[Self.trainingRuns], directory: options[Self.outputDirectory])
  }

  static func run(suite: String, filter: String?, runs: Int, trainingRuns: Int, directory: String) throws {
    var cases: [BenchCase] = []
    if suite == "estimators" || suite == "all" { cases += try EstimatorBenchmarks.all() }
    if suite == "gemm" || suite == "all" { cases += GEMMBenchmarks.all() }
    if suite == "training" || suite == "all" { cases += try TrainingBenchmarks.all(runs: trainingRuns) }
    if suite == "ais" || suite == "all" { cases += try AnnealingBenchmarks.all(runs: trainingRuns) }
    cases = cases.filter { c in filter.map { c.name.contains($0) } ?? true }
    if cases.isEmpty { throw UsageError("no benchmark name contains '\(filter ?? "")'") }
    let stamp = BenchStamp.current()
    Output.standardError("jvi-bench: \(cases.count) benchmarks, \(runs) timed runs each, revision \(stamp.revision)\n")
    Output.standardOutput(BenchResult.tableHeader + "\n")
    var bySuite: [String: [BenchResult]] = [:]
    var order: [String] = []
    for c in cases {
      let r = try c.measure(runs: runs)
      if bySuite[c.suite] == nil { order.append(c.suite) }
      bySuite[c.suite, default: []].append(r)
      Output.standardOutput(r.tableRow + "\n")
    }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for s in order {
      guard let rows = bySuite[s], let first = rows.first else { continue }
      let header = BenchResult.csvHeader(parameterKeys: first.benchmark.parameters.map(\.key))
      let csv = ([header] + rows.map { $0.csvRow(stamp) }).joined(separator: "\n") + "\n"
      let path = directory + "/" + s + ".csv"
      try FileIO.writeAtomically(csv, to: path)
      Output.standardError("jvi-bench: wrote \(path)\n")
    }
  }
}
