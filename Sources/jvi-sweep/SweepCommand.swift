import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every `jvi-sweep` option, declared once.
enum SweepCommandOptions {
  static let experiment = Option<String?>.text(
    "--experiment", value: "FILE", help: "The experiment file (experiments/README.md describes the format).",
    required: "give the experiment with --experiment FILE (for example experiments/log-normal.experiment)")
  static let runID = Option<String?>.text(
    "--run-id", value: "ID", help: "Name of this run's files: results/<experiment>/<ID>.csv and so on.",
    defaultDescription: "the UTC start time, e.g. 20261123-140509")
  static let resume = Option<String?>.text(
    "--resume", value: "ID",
    help: "Continue run ID after an interruption: finished cells are kept, the rest computed (same seed, "
      + "same numbers).")
  static let shard = Option<ShardSelection?>.parsed(
    "--shard", value: "I/N",
    help: "Run block I of N of the instances (their reference, draws and every cell; I from 1 to N) into the "
      + "folder <ID>.shard-I-of-N/, for array jobs; --merge joins the N folders into the run's files, identical "
      + "to an unsharded run. Needs --run-id or --resume so that all shards share an ID.",
    expected: ShardSelection.grammar
  ) { ShardSelection($0) }
  static let merge = Option<String?>.text(
    "--merge", value: "ID", help: "Join the finished shards of run ID into <ID>.csv and draw its figure.")
  static let results = Option<String>.text(
    "--results", value: "DIR", default: SweepOptions.defaultResultsDirectory, help: "Where results go.")
  static let bootstrap = Option<Int>.integer(
    "--bootstrap", value: "B", in: 100...1_000_000, default: SweepOptions.defaultBootstrapResamples,
    help: "Bootstrap resamples for the bias intervals.")

  static let spec = CommandSpec(
    name: "jvi-sweep",
    overview:
      "Sweep the sample count K for a model and a set of estimators (ELBO-A, ELBO-B, IWAE, JVI of any order, "
      + "delta) and measure each estimator's bias, variance and MSE against the exact log p(x) or a reference "
      + "from separate samples. Writes results/<experiment>/<run>.csv (one row per estimator and K), a bootstrap "
      + "interval file, a manifest and an SVG figure.",
    options: [experiment, runID, resume, shard, merge, CommonOptions.threads, results, bootstrap],
    examples: [
      ("jvi-sweep --experiment experiments/log-normal.experiment", "Run an experiment:"),
      (
        "jvi-sweep --experiment experiments/log-normal.experiment --resume 20261123-140509",
        "Continue an interrupted run:"
      ),
      (
        "jvi-sweep --experiment experiments/fashion-mnist-vae.experiment --run-id r1 --shard $SLURM_ARRAY_TASK_ID/8",
        "One shard of a Slurm array job (sbatch --array=1-8):"
      ),
      (
        "jvi-sweep --experiment experiments/fashion-mnist-vae.experiment --merge r1",
        "Join the eight shards into r1.csv and draw r1.svg:"
      ),
    ],
    version: RunEnvironment.versionText(tool: "jvi-sweep"), preflight: RunEnvironment.kernelRequestProblem)
}

/// `jvi-sweep`: K-sweeps of bias, variance and MSE of evidence estimators, from an experiment file.
@main
struct SweepCommand: ToolCommand {
  typealias O = SweepCommandOptions
  static let spec = O.spec

  var path: String
  var text: String
  var experiment: ExperimentSpecification
  var plan: SweepPlan
  var results: String
  /// The run to merge, or nil for a run (or one shard of it).
  var mergeID: String?
  var runID: String
  var shard: ShardSelection?
  var options: SweepOptions

  /// Reads and checks the experiment file and every option; nothing is computed or written.
  init(_ o: ParsedOptions) throws {
    path = o[O.experiment] ?? ""
    do {
      text = try FileIO.readText(path)
    } catch {
      throw ToolFailure("cannot read the experiment file: \(error)")
    }
    experiment = try ExperimentSpecification(file: ExperimentFile(path: path, text: text))
    plan = SweepPlan(experiment)
    results = o[O.results]
    mergeID = o[O.merge]
    if let id = mergeID {
      for other: any OptionDeclaration in [O.runID, O.resume, O.shard] where o.has(other) {
        throw UsageError("--merge joins finished shards; it does not take \(other.name)")
      }
      try SweepCommand.checkRunID(id)
    }
    if o.has(O.runID) && o.has(O.resume) {
      throw UsageError("--run-id names a new run and --resume an existing one; give one of them")
    }
    shard = o[O.shard]
    if shard != nil && !o.has(O.runID) && !o.has(O.resume) {
      throw UsageError("--shard needs --run-id ID (or --resume ID) so that every shard writes under the same run")
    }
    runID = mergeID ?? o[O.resume] ?? o[O.runID] ?? RunEnvironment.timestampRunID()
    try SweepCommand.checkRunID(runID)
    options = SweepOptions(runID: runID)
    options.resultsDirectory = results
    options.threads = o.threads(default: ParallelRows.availableProcessors)
    options.shard = shard
    options.resume = o.has(O.resume)
    options.commandLine = CommandLine.arguments
    options.bootstrapResamples = o[O.bootstrap]
  }

  func run() throws {
    if let runID = mergeID {
      let outcome = try ShardMerge.merge(plan: plan, experimentText: text, runID: runID, resultsDirectory: results)
      Output.standardOutput(
        "jvi-sweep: merged \(outcome.shards) shards of \(plan.experiment.instances) instances x \(plan.cells.count) cells "
          + "into \(outcome.csvPath)\n"
          + "  figure: \(outcome.figurePath)\n  bias intervals: \(outcome.intervalsPath)\n")
      return
    }
    let progress = ProgressLine()
    let block = plan.instances(shard: shard)
    progress.show(
      "\(experiment.name): \(plan.cells.count) cells (\(experiment.estimators.count) estimators x "
        + "\(experiment.sampleCounts.count) values of K) on \(shard == nil ? "" : "instances \(block.lowerBound)..<\(block.upperBound) of ")"
        + "\(experiment.instances) instances\(shard.map { ", shard \($0)" } ?? ""), run \(runID), \(options.threads) threads"
    )
    let runner = SweepRunner(
      experimentPath: path, experimentText: text, plan: plan, options: options, report: { progress.show($0) })
    let outcome: SweepOutcome
    do {
      outcome = try runner.run()
    } catch {
      progress.finish()
      throw error
    }
    progress.finish()
    var lines = "jvi-sweep: \(experiment.name), run \(runID): "
    lines += "\(outcome.cellsComputed) cells computed, \(outcome.cellsAlreadyDone) kept from before\n"
    lines += "  results: \(outcome.csvPath)\n"
    if let figure = outcome.figurePath { lines += "  figure:  \(figure)\n" }
    lines += "  bias intervals: \(outcome.intervalsPath)\n  manifest: \(outcome.manifestPath)\n"
    if let shard, outcome.complete {
      lines += "  when all \(shard.count) shards are done: jvi-sweep --experiment \(path) --merge \(runID)\n"
    }
    Output.standardOutput(lines)
  }

  static func checkRunID(_ id: String) throws {
    if let problem = SweepOptions.runIDProblem(id) { throw UsageError(problem) }
  }
}

/// The progress line on standard error: rewritten in place on a terminal, one line per update otherwise.
final class ProgressLine {
  let terminal = isatty(2) == 1
  var open = false

  func show(_ text: String) {
    if terminal {
      Output.standardError("\r\u{1B}[K" + "jvi-sweep: " + text)
      open = true
    } else {
      Output.standardError("jvi-sweep: " + text + "\n")
    }
  }

  func finish() {
    if open { Output.standardError("\n") }
    open = false
  }
}
