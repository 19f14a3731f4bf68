import JVICore
import JVIExperiments
import JVIModels

/// A K-sweep in-process: the experiment file's text (any model, `model = matrix` for a caller's
/// log-weights), run as `jvi-sweep --experiment <name>.experiment --run-id RUN --results DIR`
/// would run it, writing the same files (`SweepRunner`). The CSV's path goes into `csv_path`.
@c(jvi_sweep)
public func sweep(
  _ experimentText: UnsafePointer<CChar>?, _ experimentName: UnsafePointer<CChar>?,
  _ resultsDirectory: UnsafePointer<CChar>?, _ runID: UnsafePointer<CChar>?, _ threads: Int32,
  _ bootstrapResamples: Int32, _ csvPath: UnsafeMutablePointer<CChar>?, _ csvPathCapacity: Int64,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  CallGuard.run(message: message, capacity: capacity) {
    guard let experimentText, let experimentName, let resultsDirectory, let runID else {
      throw Refusal("the experiment text, name, results folder and run ID must not be null")
    }
    let out = try CallGuard.output(csvPath, "csv_path")
    let name = String(cString: experimentName), id = String(cString: runID)
    // Both become parts of file names: the run ID's rule serves for the experiment's name too.
    for (what, text) in [("the experiment name", name), ("the run ID", id)] {
      if let problem = SweepOptions.runIDProblem(text) { throw Refusal("\(what): \(problem)") }
    }
    guard (100...1_000_000).contains(bootstrapResamples) else {
      throw Refusal("bootstrap must be 100...1000000, got \(bootstrapResamples)")
    }
    let text = String(cString: experimentText)
    let path = name + ".experiment"
    let experiment = try ExperimentSpecification(file: ExperimentFile(path: path, text: text))
    var options = SweepOptions(runID: id)
    options.resultsDirectory = String(cString: resultsDirectory)
    options.threads = try CallGuard.threads(threads)
    options.bootstrapResamples = Int(bootstrapResamples)
    options.commandLine = ["jvi.sweep"]
    let outcome = try SweepRunner(
      experimentPath: path, experimentText: text, plan: SweepPlan(experiment), options: options
    )
    .run()
    CallGuard.write(outcome.csvPath, to: out, capacity: csvPathCapacity)
    return nil
  }
}
