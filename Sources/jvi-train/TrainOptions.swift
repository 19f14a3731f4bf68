import CommandLineSupport
import JVICore
import JVIModels

#if canImport(Glibc)
  import Glibc
#endif

/// The options of `jvi-train` and how they become a `TrainingConfiguration`.
enum TrainOptions {
  static let models = ModelKind.allCases.map(\.rawValue)

  static let spec = CommandSpec(
    name: "jvi-train",
    overview:
      "Train a model from scratch, saving a checkpoint atomically after every epoch: a Gaussian VAE or a "
      + "discrete-latent (relaxed Bernoulli) VAE on dynamically binarised images by ELBO, IWAE-k or jackknife "
      + "variational inference, or a Bayes-by-Backprop network (a Fashion-MNIST classifier, or a regressor on a "
      + "seeded 1-D curve).",
    usage: [
      "jvi-train --output FILE [--model NAME] [--objective NAME] [--k K] [--order M] [--epochs E] [--batch B] "
        + "[--lr LR] [--data DIR] [--seed S] [--threads T] [--limit N] [--resume]"
    ],
    options: [
      OptionSpec("--output", value: "FILE", help: "The checkpoint, written atomically after every epoch (required)."),
      OptionSpec(
        "--model", value: "NAME",
        help: "gaussian-vae: Gaussian latents; discrete-vae: relaxed Bernoulli latents with a logistic prior; "
          + "bbb-classifier / bbb-regression: Bayes by Backprop on Fashion-MNIST labels / on a 1-D curve.",
        default: "gaussian-vae", allowed: models),
      OptionSpec(
        "--objective", value: "NAME",
        help: "For the VAEs. elbo-a: Monte Carlo ELBO; elbo-b: ELBO with analytic KL (Gaussian VAE only); iwae: "
          + "importance-weighted bound; jvi: jackknife objective of --order M.", default: "iwae",
        allowed: ["elbo-a", "elbo-b", "iwae", "jvi"]),
      OptionSpec(
        "--k", value: "K", help: "Samples per image (VAEs), or weight samples per step (Bayes by Backprop).",
        default: "1 for the ELBOs and Bayes by Backprop, 5 otherwise"),
      OptionSpec("--order", value: "M", help: "Order of the jvi objective, 0 <= M < K.", default: "1"),
      OptionSpec(
        "--epochs", value: "E", help: "Total epochs (with --resume, including those already done).",
        default: "10; 1000 for bbb-regression"),
      OptionSpec(
        "--batch", value: "B", help: "Examples per minibatch.",
        default: "100; 128 for Bayes by Backprop; 50 for bbb-regression"),
      OptionSpec("--lr", value: "LR", help: "Adam learning rate.", default: "0.001"),
      OptionSpec("--adam-epsilon", value: "EPS", help: "Adam's epsilon.", default: "1e-08"),
      OptionSpec(
        "--data", value: "DIR", help: "An MNIST-format folder (IDX files, plain or .gz).",
        default: ImageDataset.defaultDirectory),
      OptionSpec(
        "--seed", value: "S", help: "Seed of initialisation, shuffling, binarisation and noise.", default: "1"),
      .threads,
      OptionSpec("--limit", value: "N", help: "Train on the first N training images only."),
      OptionSpec(
        "--validation", value: "N", help: "Training images held out for validation (0: train on all).",
        default: String(ImageDataset.defaultValidationCount)),
      OptionSpec(
        "--shards", value: "S", help: "Fixed parts of each minibatch (results depend on S, not on threads).",
        default: "2"),
      OptionSpec(
        "--hidden", value: "SIZES", help: "Hidden layer widths, comma-separated; 'none' for no hidden layer.",
        default: "200,200; 200 for discrete-vae; 400,400 for bbb-classifier; 100 for bbb-regression"),
      OptionSpec("--latent", value: "D", help: "Latent dimensions (VAEs).", default: "50"),
      OptionSpec(
        "--activation", value: "NAME", help: "Hidden nonlinearity.", default: "tanh; relu for Bayes by Backprop",
        allowed: Activation.allCases.map(\.rawValue)),
      OptionSpec(
        "--init", value: "NAME",
        help:
          "glorot: W ~ U(+-sqrt(6/(in+out))), b = 0; fan-in: PyTorch's nn.Linear default, W and b ~ U(+-1/sqrt(in)).",
        default: "glorot", allowed: Initialization.allCases.map(\.rawValue)),
      OptionSpec("--temperature", value: "T", help: "discrete-vae: the relaxation temperature tau.", default: "0.5"),
      OptionSpec(
        "--temperature-decay", value: "R",
        help: "discrete-vae: anneal tau to max(T_min, T exp(-R step)) over optimiser steps; 0 keeps tau fixed.",
        default: "0"),
      OptionSpec(
        "--temperature-minimum", value: "T_MIN", help: "discrete-vae: the floor of the annealed tau.",
        default: "--temperature"),
      OptionSpec(
        "--prior", value: "SPEC",
        help: "Bayes by Backprop's weight prior: 'mixture PI S1 S2' (PI N(0,S1^2) + (1-PI) N(0,S2^2)) or "
          + "'gaussian S'.", default: "mixture 0.5 1 0.00247875217666636 (Blundell et al.: -log S2 = 6)"),
      OptionSpec(
        "--weighting", value: "NAME",
        help: "Weight of the complexity cost in minibatch i of M: uniform 1/M, or geometric 2^(M-i)/(2^M-1).",
        default: "uniform", allowed: ComplexityWeighting.allCases.map(\.rawValue)),
      OptionSpec("--rho-init", value: "R", help: "Initial rho of every weight (sigma = softplus(rho)).", default: "-5"),
      OptionSpec(
        "--noise-sd", value: "S",
        help: "bbb-regression: the Gaussian likelihood's standard deviation (the curve's noise inside the sines "
          + "scatters the points about three times as wide as --curve-noise).", default: "0.15"),
      OptionSpec("--points", value: "N", help: "bbb-regression: points of the synthetic curve.", default: "200"),
      OptionSpec(
        "--curve-noise", value: "S", help: "bbb-regression: the curve's noise standard deviation.", default: "0.05"),
      OptionSpec("--curve-seed", value: "S", help: "bbb-regression: the seed of the curve's points.", default: "1"),
      OptionSpec(
        "--report-every", value: "E", help: "Report (and save) every E epochs.",
        default: "1; epochs/50 for bbb-regression"),
      OptionSpec("--resume", help: "Continue the run in --output (its configuration; options given must match it)."),
    ],
    examples: [
      ("jvi-train --objective iwae --k 50 --epochs 10 --output iwae50.ckpt", "IWAE-50 for ten epochs:"),
      ("jvi-train --objective elbo-a --limit 500 --epochs 2 --output quick.ckpt", "A quick run on 500 images:"),
      ("jvi-train --resume --epochs 20 --output iwae50.ckpt", "Ten more epochs of the same run:"),
      (
        "jvi-train --model discrete-vae --objective iwae --k 5 --temperature 0.5 --output dvae.ckpt",
        "A discrete-latent VAE:"
      ),
      (
        "jvi-train --model bbb-regression --hidden none --prior 'gaussian 1' --output linear.ckpt",
        "Bayesian linear regression by Bayes by Backprop (its evidence is exact):"
      ),
    ])

  static let vaeOnly = ["--objective", "--order", "--latent"]
  static let discreteOnly = ["--temperature", "--temperature-decay", "--temperature-minimum"]
  static let bayesOnly = ["--prior", "--weighting", "--rho-init"]
  static let regressionOnly = ["--noise-sd", "--points", "--curve-noise", "--curve-seed"]

  /// - Parameter model: the model kind when the options do not give one (a resumed checkpoint's).
  static func configuration(from o: ParsedOptions, model: ModelKind? = nil) throws -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.model = o.string("--model").flatMap(ModelKind.init(rawValue:)) ?? model ?? .gaussianVAE
    let bayes = c.model.isBayesByBackprop
    let misplaced: [String] =
      (bayes ? vaeOnly + discreteOnly : bayesOnly + regressionOnly + (c.model == .discreteVAE ? [] : discreteOnly))
      + (c.model == .bbbClassifier ? regressionOnly : [])
      + (c.model == .bbbRegression ? ["--data", "--limit", "--validation"] : [])
    for name in misplaced where o.has(name) {
      throw UsageError("\(name) does not apply to --model \(c.model.rawValue)")
    }
    let objective = o.string("--objective") ?? (bayes ? "elbo-a" : "iwae")
    let order = try o.int("--order", in: 0...Jackknife.maximumOrder) ?? 1
    if o.has("--order") && objective != "jvi" { throw UsageError("--order applies to --objective jvi") }
    switch objective {
    case "elbo-a": c.objective = .elboMonteCarlo
    case "elbo-b": c.objective = .elboAnalyticKL
    case "iwae": c.objective = .iwae
    default: c.objective = .jackknife(order: order)
    }
    if c.model == .discreteVAE && c.objective == .elboAnalyticKL {
      throw UsageError(
        "--objective elbo-b needs an analytic KL(q(z|x) || p(z)); the discrete VAE's relaxed Bernoulli posterior "
          + "against a logistic prior has none. Use elbo-a, iwae or jvi")
    }
    c.samples = try o.int("--k", in: 1...100_000) ?? (objective.hasPrefix("elbo") ? 1 : 5)
    if case .jackknife(let m) = c.objective, m >= c.samples {
      throw UsageError("--order \(m) needs --k greater than \(m)")
    }
    c.epochs = try o.int("--epochs", in: 1...10_000_000) ?? (c.model == .bbbRegression ? 1000 : 10)
    c.batchSize = try o.int("--batch", in: 1...100_000) ?? (bayes ? (c.model == .bbbRegression ? 50 : 128) : 100)
    c.learningRate = try o.double("--lr", where: { $0 > 0 }, expected: "a positive number") ?? 1e-3
    c.adamEpsilon = try o.double("--adam-epsilon", where: { $0 > 0 }, expected: "a positive number") ?? 1e-8
    c.dataDirectory = o.string("--data") ?? ImageDataset.defaultDirectory
    c.seed = try o.uint64("--seed") ?? 1
    c.limit = try o.int("--limit", in: 1...Int.max)
    c.validationCount = try o.int("--validation", in: 0...1_000_000) ?? ImageDataset.defaultValidationCount
    c.shards = try o.int("--shards", in: 1...1024) ?? 2
    if c.shards > c.batchSize { throw UsageError("--shards \(c.shards) exceeds --batch \(c.batchSize)") }
    var a = VAEArchitecture()
    let defaultHidden: [Int]
    switch c.model {
    case .gaussianVAE: defaultHidden = [200, 200]
    case .discreteVAE: defaultHidden = [200]
    case .bbbClassifier: defaultHidden = [400, 400]
    case .bbbRegression: defaultHidden = [100]
    }
    a.hiddenSizes = defaultHidden
    if let hidden = o.string("--hidden") {
      if hidden == "none" {
        a.hiddenSizes = []
      } else {
        let sizes = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 100_000 }) else {
          throw UsageError(
            "invalid value '\(hidden)' for --hidden; expected comma-separated positive widths such as 200,200, or none")
        }
        a.hiddenSizes = sizes.compactMap { $0 }
      }
    }
    if a.hiddenSizes.isEmpty && !bayes { throw UsageError("the VAEs need at least one hidden layer (--hidden)") }
    a.latentSize = try o.int("--latent", in: 1...10_000) ?? 50
    a.activation = Activation(rawValue: o.string("--activation") ?? (bayes ? "relu" : "tanh")) ?? .tanh
    c.architecture = a
    c.initialization = Initialization(rawValue: o.string("--init") ?? "glorot") ?? .glorot
    if c.model == .discreteVAE {
      let t =
        try o.double("--temperature", where: { $0 > 0 && $0 <= 100 }, expected: "a temperature in (0, 100]") ?? 0.5
      let r = try o.double("--temperature-decay", where: { $0 >= 0 }, expected: "a non-negative rate") ?? 0
      let floor =
        try o.double(
          "--temperature-minimum", where: { $0 > 0 && $0 <= t }, expected: "a temperature in (0, --temperature]")
        ?? t
      c.temperature = TemperatureSchedule(initial: t, decayRate: r, minimum: floor)
    }
    if bayes {
      c.architecture.latentSize = 0
      c.bayes.outputSize = c.model == .bbbClassifier ? 10 : 1
      if let text = o.string("--prior") {
        guard let prior = WeightPrior(text: text) else {
          throw UsageError(
            "invalid value '\(text)' for --prior; expected 'gaussian S' or 'mixture PI S1 S2' (0 < PI < 1)")
        }
        c.bayes.prior = prior
      }
      c.bayes.weighting = ComplexityWeighting(rawValue: o.string("--weighting") ?? "uniform") ?? .uniform
      c.bayes.initialRho =
        try o.double("--rho-init", where: { $0 > -80 && $0 < 80 }, expected: "a number in (-80, 80)") ?? -5
      c.bayes.noiseSD = try o.double("--noise-sd", where: { $0 > 0 }, expected: "a positive number") ?? 0.15
      c.bayes.curve = RegressionCurve.Settings(
        points: try o.int("--points", in: 1...10_000_000) ?? 200,
        noiseSD: try o.double("--curve-noise", where: { $0 >= 0 }, expected: "a non-negative number") ?? 0.05,
        seed: try o.uint64("--curve-seed") ?? 1)
      if c.model == .bbbRegression {
        c.validationCount = 0
        c.architecture.inputSize = 1
      }
    }
    return c
  }

  /// With --resume, options that change the run's numbers must match the checkpoint.
  static func checkMatches(_ o: ParsedOptions, _ c: Checkpoint) throws {
    let stored = c.configuration
    if let model = o.string("--model"), model != stored.model.rawValue {
      throw ToolFailure("--model \(model) does not match the checkpoint being resumed (\(stored.model.rawValue))")
    }
    var given = try configuration(from: o, model: stored.model)
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
      ("--temperature", given.temperature.initial == stored.temperature.initial),
      ("--temperature-decay", given.temperature.decayRate == stored.temperature.decayRate),
      ("--temperature-minimum", given.temperature.minimum == stored.temperature.minimum),
      ("--prior", given.bayes.prior == stored.bayes.prior),
      ("--weighting", given.bayes.weighting == stored.bayes.weighting),
      ("--rho-init", given.bayes.initialRho == stored.bayes.initialRho),
      ("--noise-sd", given.bayes.noiseSD == stored.bayes.noiseSD),
      ("--points", given.bayes.curve.points == stored.bayes.curve.points),
      ("--curve-noise", given.bayes.curve.noiseSD == stored.bayes.curve.noiseSD),
      ("--curve-seed", given.bayes.curve.seed == stored.bayes.curve.seed),
    ]
    for (name, same) in fields where o.has(name) && !same {
      throw ToolFailure(
        "\(name) \(o.string(name) ?? "") does not match the checkpoint being resumed; leave it out to keep the "
          + "checkpoint's value")
    }
  }
}
