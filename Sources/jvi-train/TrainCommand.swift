import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-train`: train a Gaussian VAE, a discrete-latent VAE, or a Bayes-by-Backprop classifier or
/// regressor, with a checkpoint after every epoch.
@main
struct TrainCommand: ToolCommand {
  static let spec = TrainOptions.spec
  let settings: TrainSettings

  init(_ options: ParsedOptions) throws { settings = try TrainSettings(options) }

  func run() throws {
    let output = settings.output, threads = settings.threads, checkpoint = settings.resumed
    var c = settings.configuration
    var data: ImageDataset? = nil
    if c.usesImages {
      let images = try ImageDataset(directory: c.dataDirectory, validationCount: c.validationCount)
      if checkpoint == nil {
        // The input layer has one unit per pixel of the data set's images.
        c.architecture.inputSize = images.pixels
      }
      data = images
    }
    let trainer: Trainer
    do {
      trainer = try Trainer(configuration: c, data: data, threads: threads, resumeFrom: checkpoint)
    } catch {
      throw UsageError(error.description)
    }
    if let checkpoint, checkpoint.trainingExamples != trainer.trainingExamples {
      throw ToolFailure(
        "\(output): the checkpoint was trained on \(checkpoint.trainingExamples) examples; the data now give "
          + "\(trainer.trainingExamples)")
    }
    let task = trainer.task
    Output.standardError(
      "jvi-train: \(task.description), \(task.parameterCount) parameters, \(trainer.trainingExamples) training "
        + "examples, batch \(c.batchSize), \(threads) thread(s), seed \(c.seed)"
        + (checkpoint.map { ", resuming after epoch \($0.epochsCompleted)" } ?? "") + "\n")
    if trainer.epochsCompleted >= c.epochs {
      Output.standardError("jvi-train: \(output) already has \(trainer.epochsCompleted) epochs; nothing to do\n")
      try export(trainer.checkpoint())
      return
    }
    let every = settings.reportEvery
    var seconds: [Double] = []
    var lastSaved = checkpoint?.epochsCompleted
    while trainer.epochsCompleted < c.epochs {
      let report: Trainer.EpochReport
      do {
        report = try trainer.trainEpoch()
      } catch let failure as Trainer.Failure {
        let kept =
          lastSaved.map { "the last good checkpoint (epoch \($0)) is kept in \(output)" } ?? "no checkpoint was written"
        throw ToolFailure("\(failure.description); training stopped and \(kept)")
      }
      seconds.append(report.seconds)
      guard report.epoch % every == 0 || report.epoch == c.epochs else { continue }
      try trainer.checkpoint().write(to: output)
      lastSaved = report.epoch
      var line = "epoch \(report.epoch)/\(c.epochs): \(task.objectiveName) \(TrainingReport.format(report.objective))"
      if let summary = try task.epochSummary(parameters: trainer.parameters.pointer, threads: threads) {
        line += ", " + summary
      }
      let remaining = Double(c.epochs - report.epoch) * (seconds.reduce(0, +) / Double(seconds.count))
      line += ", \(TrainingReport.format(report.seconds, digits: 1)) s, ETA \(DurationText.format(remaining))\n"
      Output.standardError(line)
    }
    if c.model == .bbbClassifier, let data, data.count(.test) > 0 {
      guard let bbb = task as? BayesByBackpropTask else { return }
      let r = BayesianPrediction.classify(
        bbb.model, parameters: trainer.parameters.pointer, data: data, split: .test, count: data.count(.test))
      Output.standardError(
        "jvi-train: test error \(TrainingReport.format(100 * r.errorRate, digits: 2))% with the mean weights on "
          + "\(r.examples) test images (jvi-eval --model \(output) --predict FILE for the Bayesian average)\n")
    }
    Output.standardError("jvi-train: wrote \(output)\n")
    try export(trainer.checkpoint())
  }

  /// Writes the trained gaussian-vae to --export as a model file (F32, its parameters exactly).
  func export(_ checkpoint: Checkpoint) throws {
    guard let path = settings.export else { return }
    let bytes = VAEModelFile.bytes(model: checkpoint.model, parameters: checkpoint.doubleParameters, dtype: "F32")
    try FileIO.writeAtomically(bytes, to: path)
    Output.standardError("jvi-train: exported the model to \(path)\n")
  }
}

#if canImport(Glibc)
  import Glibc
#endif
