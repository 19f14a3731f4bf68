import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// Every `jvi-train` option, declared once: name, type, default, range, help and section.
/// Defaults that do not depend on the model come from `TrainingConfiguration()`.
enum TrainOptions {
  static let defaults = TrainingConfiguration()
  static let vae = OptionSection("VAE")
  static let discrete = OptionSection("Discrete VAE")
  static let bayes = OptionSection("Bayes by Backprop")
  static let regression = OptionSection("Regression (bbb-regression)")

  static let output = Option<String?>.text(
    "--output", value: "FILE", help: "The checkpoint, written atomically after every epoch (required).",
    required: "--output FILE is required")
  static let model = Option<ModelKind>.choice(
    "--model", value: "NAME", default: .gaussianVAE,
    help: "gaussian-vae: Gaussian latents; discrete-vae: relaxed Bernoulli latents with a logistic prior; "
      + "bernoulli-vae: binary latents with a Bernoulli(1/2) prior, trained by vimco (the discrete-vae's networks); "
      + "bbb-classifier / bbb-regression: Bayes by Backprop on Fashion-MNIST labels / on a 1-D curve.")
  static let k = Option<Int?>.integer(
    "--k", value: "K", in: 1...100_000,
    help: "Samples per image (VAEs), or weight samples per step (Bayes by Backprop).",
    defaultDescription: "1 for the ELBOs and Bayes by Backprop, 5 otherwise")
  static let epochs = Option<Int?>.integer(
    "--epochs", value: "E", in: 1...10_000_000, help: "Total epochs (with --resume, including those already done).",
    defaultDescription: ModelDefaults.describe { String($0.epochs) })
  static let batch = Option<Int?>.integer(
    "--batch", value: "B", in: 1...100_000, help: "Examples per minibatch.",
    defaultDescription: ModelDefaults.describe { String($0.batch) })
  static let learningRate = Option<Double>.number(
    "--lr", value: "LR", in: .positive, default: defaults.learningRate, help: "Adam learning rate.")
  static let schedule = Option<LearningRateSchedule>.choice(
    "--schedule", value: "NAME", default: .constant,
    help: "constant, or burda: Burda et al.'s 3^i epochs at --lr times 10^(-i/7), i = 0..7 (3,280 epochs; "
      + "--epochs N runs the first N of them).")
  static let adamEpsilon = Option<Double>.number(
    "--adam-epsilon", value: "EPS", in: .positive, default: defaults.adamEpsilon, help: "Adam's epsilon.")
  static let data = Option<String>.text(
    "--data", value: "DIR", default: defaults.dataDirectory, help: "An MNIST-format folder (IDX files, plain or .gz).")
  static let seed = Option<UInt64>.seed(
    "--seed", default: defaults.seed, help: "Seed of initialisation, shuffling, binarisation and noise.")
  static let limit = Option<Int?>.integer(
    "--limit", value: "N", in: 1...Int.max, help: "Train on the first N training images only.")
  static let validation = Option<Int>.integer(
    "--validation", value: "N", in: 0...1_000_000, default: defaults.validationCount,
    help: "Training images held out for validation (0: train on all).")
  static let shards = Option<Int>.integer(
    "--shards", value: "S", in: 1...1024, default: defaults.shards,
    help: "Fixed parts of each minibatch (results depend on S, not on threads).")
  static let hidden = Option<[Int]?>(
    "--hidden", value: "SIZES", help: "Hidden layer widths, comma-separated; 'none' for no hidden layer.", default: nil,
    defaultDescription: ModelDefaults.describe { $0.hidden.map(String.init).joined(separator: ",") }
  ) { (text) throws(UsageError) -> [Int]? in
    if text == "none" { return [] }
    let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 100_000 }) else {
      throw UsageError(
        "invalid value '\(text)' for --hidden; expected comma-separated positive widths such as 200,200, or none")
    }
    return sizes.compactMap { $0 }
  }
  static let activation = Option<Activation?>.choice(
    "--activation", value: "NAME", of: Activation.self,
    defaultDescription: ModelDefaults.describe { $0.activation.rawValue },
    help: "Hidden nonlinearity.")
  static let initialization = Option<Initialization>.choice(
    "--init", value: "NAME", default: defaults.initialization,
    help: "glorot: W ~ U(+-sqrt(6/(in+out))), b = 0; fan-in: PyTorch's nn.Linear default, W and b ~ U(+-1/sqrt(in)).")
  static let reportEvery = Option<Int?>.integer(
    "--report-every", value: "E", in: 1...10_000_000, help: "Report (and save) every E epochs.",
    defaultDescription: "1; epochs/50 for bbb-regression")
  static let export = Option<String?>.text(
    "--export", value: "FILE",
    help: "Also write the trained gaussian-vae as a model file (safetensors with its architecture, the format "
      + "jvi.torch.save_vae writes), for PyTorch or JAX users and for jvi-eval/jvi-ais --model.")
  static let resume = Flag(
    "--resume", help: "Continue the run in --output (its configuration; options given must match it).")

  // The VAEs.
  static let objective = Option<String?>.choice(
    "--objective", value: "NAME", among: ["elbo-a", "elbo-b", "iwae", "jvi", "miwae", "ciwae", "piwae", "vr", "vimco"],
    defaultDescription: "iwae; vimco for bernoulli-vae",
    help: "For the VAEs. elbo-a: Monte Carlo ELBO; elbo-b: ELBO with analytic KL (Gaussian VAE only); iwae: "
      + "importance-weighted bound; jvi: jackknife objective of --order M; miwae: the mean of the IWAEs of --groups "
      + "M groups of K/M samples; ciwae: --beta B times the ELBO plus (1 - B) times the IWAE; piwae: the decoder "
      + "trained by IWAE-K and the encoder by MIWAE with --groups M (Gaussian VAE only); vr: the Renyi bound of "
      + "--alpha A; vimco: IWAE with VIMCO's leave-one-out score-function gradient (--model bernoulli-vae, its "
      + "only objective).", section: vae)
  static let order = Option<Int>.integer(
    "--order", value: "M", in: 0...Jackknife.maximumOrder, default: 1, help: "Order of the jvi objective, 0 <= M < K.",
    section: vae)
  static let gradient = Option<VAEGradientEstimator>.choice(
    "--gradient", value: "NAME", default: .standard,
    help: "The encoder's gradient estimator for iwae and jvi (Gaussian VAE): standard (total derivative), stl (the "
      + "path derivative only; Roeder et al.) or dreg (doubly reparameterised; Tucker et al.). The decoder's "
      + "gradient is the standard one.", section: vae)
  static let groups = Option<Int?>.integer(
    "--groups", value: "M", in: 1...100_000, help: "miwae and piwae: groups of K/M samples (K a multiple of M).",
    section: vae)
  static let beta = Option<Double>.number(
    "--beta", value: "B", in: .closed(0, 1), default: 0.5, help: "ciwae: the weight of the ELBO.", section: vae)
  static let alpha = Option<Double>.number(
    "--alpha", value: "A", default: 0.5, help: "vr: alpha of the Renyi bound (0: iwae; 1: the ELBO).",
    section: vae)
  static let latent = Option<Int>.integer(
    "--latent", value: "D", in: 1...10_000, default: defaults.architecture.latentSize,
    help: "Latent dimensions (VAEs).", section: vae)

  // The discrete-latent VAE.
  static let temperature = Option<Double>.number(
    "--temperature", value: "T", in: .openClosed(0, 100), default: defaults.temperature.initial,
    help: "discrete-vae: the relaxation temperature tau.", expected: "a temperature in (0, 100]", section: discrete)
  static let temperatureDecay = Option<Double>.number(
    "--temperature-decay", value: "R", in: .nonNegative, default: defaults.temperature.decayRate,
    help: "discrete-vae: anneal tau to max(T_min, T exp(-R step)) over optimiser steps; 0 keeps tau fixed.",
    expected: "a non-negative rate", section: discrete)
  static let temperatureMinimum = Option<Double?>.number(
    "--temperature-minimum", value: "T_MIN", in: .openClosed(0, 100),
    help: "discrete-vae: the floor of the annealed tau.",
    expected: "a temperature in (0, --temperature]", defaultDescription: "--temperature", section: discrete)

  // Bayes by Backprop.
  static let prior = Option<WeightPrior?>(
    "--prior", value: "SPEC",
    help: "Bayes by Backprop's weight prior: 'mixture PI S1 S2' (PI N(0,S1^2) + (1-PI) N(0,S2^2)) or 'gaussian S'.",
    section: bayes, default: nil, defaultDescription: "mixture 0.5 1 0.00247875217666636 (Blundell et al.: -log S2 = 6)"
  ) { (text) throws(UsageError) -> WeightPrior? in
    guard let prior = WeightPrior(text: text) else {
      throw UsageError("invalid value '\(text)' for --prior; expected 'gaussian S' or 'mixture PI S1 S2' (0 < PI < 1)")
    }
    return prior
  }
  static let weighting = Option<ComplexityWeighting>.choice(
    "--weighting", value: "NAME", default: defaults.bayes.weighting,
    help: "Weight of the complexity cost in minibatch i of M: uniform 1/M, or geometric 2^(M-i)/(2^M-1).",
    section: bayes)
  static let rhoInit = Option<Double>.number(
    "--rho-init", value: "R", in: .open(-80, 80), default: defaults.bayes.initialRho,
    help: "Initial rho of every weight (sigma = softplus(rho)).", section: bayes)

  // The 1-D regression.
  static let noiseSD = Option<Double>.number(
    "--noise-sd", value: "S", in: .positive, default: defaults.bayes.noiseSD,
    help: "bbb-regression: the Gaussian likelihood's standard deviation (the curve's noise inside the sines "
      + "scatters the points about three times as wide as --curve-noise).", section: regression)
  static let points = Option<Int>.integer(
    "--points", value: "N", in: 1...10_000_000, default: defaults.bayes.curve.points,
    help: "bbb-regression: points of the synthetic curve.", section: regression)
  static let curveNoise = Option<Double>.number(
    "--curve-noise", value: "S", in: .nonNegative, default: defaults.bayes.curve.noiseSD,
    help: "bbb-regression: the curve's noise standard deviation.", section: regression)
  static let curveSeed = Option<UInt64>.seed(
    "--curve-seed", default: defaults.bayes.curve.seed, help: "bbb-regression: the seed of the curve's points.",
    section: regression)

  static let spec = CommandSpec(
    name: "jvi-train",
    overview:
      "Train a model from scratch, saving a checkpoint atomically after every epoch: a Gaussian VAE or a "
      + "discrete-latent (relaxed Bernoulli) VAE on dynamically binarised images by ELBO, IWAE-k or jackknife "
      + "variational inference, or a Bayes-by-Backprop network (a Fashion-MNIST classifier, or a regressor on a "
      + "seeded 1-D curve).",
    options: [
      output, model, k, epochs, batch, learningRate, schedule, adamEpsilon, data, seed, CommonOptions.threads, limit,
      validation, shards, hidden, activation, initialization, reportEvery, resume, export,
      objective, order, gradient, groups, beta, alpha, latent,
      temperature, temperatureDecay, temperatureMinimum,
      prior, weighting, rhoInit,
      noiseSD, points, curveNoise, curveSeed,
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
    ],
    version: RunEnvironment.versionText(tool: "jvi-train"), preflight: RunEnvironment.kernelRequestProblem)

  static let vaeOnly: [any OptionDeclaration] = [objective, order, gradient, groups, beta, alpha, latent]
  static let discreteOnly: [any OptionDeclaration] = [temperature, temperatureDecay, temperatureMinimum]
  static let bayesOnly: [any OptionDeclaration] = [prior, weighting, rhoInit]
  static let regressionOnly: [any OptionDeclaration] = [noiseSD, points, curveNoise, curveSeed]
}
