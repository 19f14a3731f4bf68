import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-train`: train a Gaussian VAE on binarised MNIST-format images.
@main
struct TrainCommand {
  static let spec = CommandSpec(
    name: "jvi-train",
    overview:
      "Train a Gaussian VAE with a Bernoulli decoder on dynamically binarised images (Fashion-MNIST by default) "
      + "by ELBO, IWAE-k or jackknife variational inference, saving a checkpoint after every epoch.",
    usage: [
      "jvi-train --output FILE [--objective NAME] [--k K] [--order M] [--epochs E] [--batch B] [--lr LR] [--data DIR] "
        + "[--seed S] [--threads T] [--limit N] [--resume]"
    ],
    options: [
      OptionSpec("--output", value: "FILE", help: "The checkpoint, written atomically after every epoch (required)."),
      OptionSpec(
        "--objective", value: "NAME",
        help: "elbo-a: Monte Carlo ELBO; elbo-b: ELBO with analytic KL; iwae: importance-weighted bound; jvi: "
          + "jackknife objective of --order M.", default: "iwae", allowed: ["elbo-a", "elbo-b", "iwae", "jvi"]),
      OptionSpec("--k", value: "K", help: "Samples per image.", default: "1 for the ELBOs, 5 otherwise"),
      OptionSpec("--order", value: "M", help: "Order of the jvi objective, 0 <= M < K.", default: "1"),
      OptionSpec(
        "--epochs", value: "E", help: "Total epochs (with --resume, including those already done).", default: "10"),
      OptionSpec("--batch", value: "B", help: "Images per minibatch.", default: "100"),
      OptionSpec("--lr", value: "LR", help: "Adam learning rate.", default: "0.001"),
      OptionSpec("--adam-epsilon", value: "EPS", help: "Adam's epsilon.", default: "1e-08"),
      OptionSpec(
        "--data", value: "DIR", help: "An MNIST-format folder (IDX files, plain or .gz).",
        default: ImageDataset.defaultDirectory),
      OptionSpec(
        "--seed", value: "S", help: "Seed of initialisation, shuffling, binarisation and noise.", default: "1"),
      OptionSpec(
        "--threads", value: "T", help: "Worker threads; results are identical for any T.", default: "all processors"),
      OptionSpec("--limit", value: "N", help: "Train on the first N training images only."),
      OptionSpec(
        "--validation", value: "N", help: "Training images held out for validation (0: train on all).",
        default: String(ImageDataset.defaultValidationCount)),
      OptionSpec(
        "--shards", value: "S", help: "Fixed parts of each minibatch (results depend on S, not on threads).",
        default: "2"),
      OptionSpec("--hidden", value: "SIZES", help: "Hidden layer widths of encoder and decoder.", default: "200,200"),
      OptionSpec("--latent", value: "D", help: "Latent dimensions.", default: "50"),
      OptionSpec(
        "--activation", value: "NAME", help: "Hidden nonlinearity.", default: "tanh",
        allowed: Activation.allCases.map(\.rawValue)),
      OptionSpec(
        "--init", value: "NAME",
        help:
          "glorot: W ~ U(+-sqrt(6/(in+out))), b = 0; fan-in: PyTorch's nn.Linear default, W and b ~ U(+-1/sqrt(in)).",
        default: "glorot", allowed: Initialization.allCases.map(\.rawValue)),
      OptionSpec("--resume", help: "Continue the run in --output (its configuration; options given must match it)."),
    ],
    examples: [
      ("jvi-train --objective iwae --k 50 --epochs 10 --output iwae50.ckpt", "IWAE-50 for ten epochs:"),
      ("jvi-train --objective elbo-a --limit 500 --epochs 2 --output quick.ckpt", "A quick run on 500 images:"),
      ("jvi-train --resume --epochs 20 --output iwae50.ckpt", "Ten more epochs of the same run:"),
    ])

  static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      try run(options)
    }
  }

  static func run(_ o: ParsedOptions) throws {
    guard let output = o.string("--output") else { throw UsageError("--output FILE is required") }
    let threads = try o.int("--threads", in: 1...1024) ?? ParallelRows.availableProcessors
    var checkpoint: Checkpoint? = nil
    var c: TrainingConfiguration
    if o.has("--resume") {
      let loaded = try Checkpoint(contentsOf: output)
      checkpoint = loaded
      c = loaded.configuration
      try checkMatches(o, loaded)
      if let epochs = try o.int("--epochs", in: 1...100_000) { c.epochs = epochs }
    } else {
      c = try configuration(from: o)
    }
    let data = try ImageDataset(directory: c.dataDirectory, validationCount: c.validationCount)
    if checkpoint == nil {
      // The input layer has one unit per pixel of the data set's images.
      c.architecture.inputSize = data.pixels
    }
    if let checkpoint, checkpoint.trainingImages != min(c.limit ?? Int.max, data.count(.train)) {
      throw ToolFailure(
        "\(output): the checkpoint was trained on \(checkpoint.trainingImages) images; \(c.dataDirectory) now gives \(data.count(.train))"
      )
    }
    let trainer: Trainer
    do {
      trainer = try Trainer(configuration: c, data: data, threads: threads, resumeFrom: checkpoint)
    } catch {
      throw UsageError(error.description)
    }
    let model = trainer.model
    Output.standardError(
      "jvi-train: \(c.objective) k=\(c.samples), \(model.architecture.description), \(model.parameterCount) parameters, "
        + "\(trainer.trainingImages) training images, batch \(c.batchSize), \(threads) thread(s), seed \(c.seed)"
        + (checkpoint.map { ", resuming after epoch \($0.epochsCompleted)" } ?? "") + "\n")
    if trainer.epochsCompleted >= c.epochs {
      Output.standardError("jvi-train: \(output) already has \(trainer.epochsCompleted) epochs; nothing to do\n")
      return
    }
    var seconds: [Double] = []
    while trainer.epochsCompleted < c.epochs {
      let report: Trainer.EpochReport
      do {
        report = try trainer.trainEpoch()
      } catch let failure as Trainer.Failure {
        let kept =
          trainer.epochsCompleted == 0
          ? "no checkpoint was written"
          : "the last good checkpoint (epoch \(trainer.epochsCompleted)) is kept in \(output)"
        throw ToolFailure("\(failure.description); training stopped and \(kept)")
      }
      try trainer.checkpoint().write(to: output)
      seconds.append(report.seconds)
      var line = "epoch \(report.epoch)/\(c.epochs): \(c.objective.name) \(format(report.objective))"
      if data.count(.validation) > 0 {
        let v = try model.meanObjective(
          .elboMonteCarlo, samples: 1, parameters: trainer.parameters.pointer, data: data, split: .validation,
          images: data.count(.validation), seed: 7, threads: threads)
        line += ", validation ELBO \(format(v.elboSum / Double(v.images)))"
      }
      let remaining = Double(c.epochs - report.epoch) * (seconds.reduce(0, +) / Double(seconds.count))
      line += ", \(format(report.seconds, digits: 1)) s, ETA \(duration(remaining))\n"
      Output.standardError(line)
    }
    Output.standardError("jvi-train: wrote \(output)\n")
  }

  static func configuration(from o: ParsedOptions) throws -> TrainingConfiguration {
    var c = TrainingConfiguration()
    let objective = o.string("--objective") ?? "iwae"
    let order = try o.int("--order", in: 0...Jackknife.maximumOrder) ?? 1
    if o.has("--order") && objective != "jvi" { throw UsageError("--order applies to --objective jvi") }
    switch objective {
    case "elbo-a": c.objective = .elboMonteCarlo
    case "elbo-b": c.objective = .elboAnalyticKL
    case "iwae": c.objective = .iwae
    default: c.objective = .jackknife(order: order)
    }
    c.samples = try o.int("--k", in: 1...100_000) ?? (objective.hasPrefix("elbo") ? 1 : 5)
    if case .jackknife(let m) = c.objective, m >= c.samples {
      throw UsageError("--order \(m) needs --k greater than \(m)")
    }
    c.epochs = try o.int("--epochs", in: 1...100_000) ?? 10
    c.batchSize = try o.int("--batch", in: 1...100_000) ?? 100
    c.learningRate = try o.double("--lr", where: { $0 > 0 }, expected: "a positive number") ?? 1e-3
    c.adamEpsilon = try o.double("--adam-epsilon", where: { $0 > 0 }, expected: "a positive number") ?? 1e-8
    c.dataDirectory = o.string("--data") ?? ImageDataset.defaultDirectory
    c.seed = try o.uint64("--seed") ?? 1
    c.limit = try o.int("--limit", in: 1...Int.max)
    c.validationCount = try o.int("--validation", in: 0...1_000_000) ?? ImageDataset.defaultValidationCount
    c.shards = try o.int("--shards", in: 1...1024) ?? 2
    if c.shards > c.batchSize { throw UsageError("--shards \(c.shards) exceeds --batch \(c.batchSize)") }
    var a = VAEArchitecture()
    if let hidden = o.string("--hidden") {
      let sizes = hidden.split(separator: ",").map { Int($0) }
      guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw UsageError(
          "invalid value '\(hidden)' for --hidden; expected comma-separated positive widths such as 200,200")
      }
      a.hiddenSizes = sizes.compactMap { $0 }
    }
    a.latentSize = try o.int("--latent", in: 1...10_000) ?? 50
    a.activation = Activation(rawValue: o.string("--activation") ?? "tanh") ?? .tanh
    c.architecture = a
    c.initialization = Initialization(rawValue: o.string("--init") ?? "glorot") ?? .glorot
    return c
  }

  /// With --resume, options that change the run's numbers must match the checkpoint.
  static func checkMatches(_ o: ParsedOptions, _ c: Checkpoint) throws {
    var given = try configuration(from: o)
    let stored = c.configuration
    given.epochs = stored.epochs
    let fields: [(String, Bool)] = [
      ("--objective", given.objective.name == stored.objective.name), ("--order", given.objective == stored.objective),
      ("--k", given.samples == stored.samples), ("--batch", given.batchSize == stored.batchSize),
      ("--lr", given.learningRate == stored.learningRate), ("--adam-epsilon", given.adamEpsilon == stored.adamEpsilon),
      ("--data", given.dataDirectory == stored.dataDirectory), ("--seed", given.seed == stored.seed),
      ("--limit", given.limit == stored.limit), ("--validation", given.validationCount == stored.validationCount),
      ("--shards", given.shards == stored.shards),
      ("--hidden", given.architecture.hiddenSizes == stored.architecture.hiddenSizes),
      ("--latent", given.architecture.latentSize == stored.architecture.latentSize),
      ("--activation", given.architecture.activation == stored.architecture.activation),
      ("--init", given.initialization == stored.initialization),
    ]
    for (name, same) in fields where o.has(name) && !same {
      throw ToolFailure(
        "\(name) \(o.string(name) ?? "") does not match the checkpoint being resumed; leave it out to keep the checkpoint's value"
      )
    }
  }

  static func format(_ x: Double, digits: Int = 3) -> String {
    let p = pow(10.0, Double(digits))
    return String(describing: (x * p).rounded() / p)
  }

  static func duration(_ s: Double) -> String {
    if s < 60 { return "\(Int(s.rounded())) s" }
    if s < 3600 { return "\(Int(s / 60))m \(Int(s.truncatingRemainder(dividingBy: 60)))s" }
    return "\(Int(s / 3600))h \(Int((s / 60).truncatingRemainder(dividingBy: 60)))m"
  }
}

#if canImport(Glibc)
  import Glibc
#endif
