import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// Every `jvi-eval` option, declared once: name, type, default, range, help and section.
enum EvalOptions {
  /// --estimator's names: the registry's, then the two lists.
  static let estimatorNames = EstimatorRegistry.entries.map(\.name) + ["all", "family"]
  static let estimators = OptionSection("Estimator")
  static let modelSection = OptionSection("Model and demo")

  // Where the log-weights come from.
  static let input = Option<String?>.text(
    "--input", value: "FILE",
    help: "Log-weights: .npy (float64 or float32, 2-D N x K, C or Fortran order) or .csv (N lines of K "
      + "comma-separated numbers, no header; -inf is a zero weight).")
  static let model = Option<String?>.text(
    "--model", value: "FILE",
    help: "A checkpoint from jvi-train, or a VAE model file (.safetensors, as jvi.torch.save_vae writes): its "
      + "log-weights are computed and evaluated: of the images of --split (or the rows of --data FILE.npy) for a "
      + "VAE, of the training data over weight samples for Bayes by Backprop.")
  static let demo = Flag(
    "--demo",
    help: "Evaluate a seeded synthetic matrix: 1000 instances x 1000 log-normal weights, log w ~ N(0, 2^2), "
      + "exact log p(x) = 2. With no --input or --model this runs, unless \(Checkpoint.defaultVAEPath) "
      + "exists (then its first 500 test images are evaluated).")
  static let demoModel = Option<String?>.text(
    "--demo-model", value: "SPEC",
    help: "The demo's model, with an exact log p(x): log-normal[:mu=M,sigma=S], gamma[:shape=A,scale=T] or "
      + "linear-gaussian[:latent-dimension=d,observed-dimension=D,q-shift=S,q-scale=C,q-mean-field=true,"
      + "model-seed=S,data-seed=S] (which also gives elbo-b its inputs). Options and defaults as in "
      + "experiments/README.md.")
  static let output = Option<String?>.text(
    "--output", value: "FILE",
    help: "Write the CSV to FILE (atomically: a temporary file, then a rename) instead of standard output.")
  static let gradientWeights = Option<String?>.text(
    "--gradient-weights", value: "FILE",
    help: "Also write G[n,i] = d estimate_n / d log w_{n,i} of one estimator (iwae, jvi of any --order, vr) as a "
      + "float64 .npy of the input's N x K shape, for training loops elsewhere: loss = -(G * logw).sum() with G "
      + "held constant. Each row sums to 1; an undefined row is written as zeros.")
  static let perInstance = Flag(
    "--per-instance", help: "Write one row per instance: instance,estimator,order,k,estimate.")
  static let seed = Option<UInt64>.seed(
    "--seed", default: 0,
    help: "Seed of the synthetic demo matrix or of the model's samples, and of sumo's and mlmc's own draws "
      + "(one stream per instance and block, so the results do not depend on --threads).")
  static let diagnostics = Flag(
    "--diagnostics",
    help: "Instead of estimates, write each instance's importance diagnostics (with --per-instance: "
      + "instance,k,ess,max_weight,pareto_k,psis_ess,jackknife_bias,jackknife_variance; pareto_k is PSIS's k-hat, "
      + "inf when the tail has fewer than 5 points) or their summary, with the shares of instances whose k-hat "
      + "exceeds 0.7 and the sample-size threshold min(1 - 1/log10 K, 0.7).")
  static let strict = Flag(
    "--strict",
    help: "Refuse the whole input when an estimate is undefined for some instance (by default those instances "
      + "are reported on standard error, left empty per instance and out of the summary).")

  // The estimator.
  static let estimator = Option<String>.choice(
    "--estimator", value: "NAME", among: estimatorNames, default: "jvi",
    help: "The estimator: " + EstimatorRegistry.entries.map(helpPhrase).joined(separator: ", ")
      + ". 'all' runs " + EstimatorRegistry.entries(in: .classic).map(\.name).joined(separator: ", ")
      + "; 'family' runs every estimator.", section: estimators)
  /// "vr (Renyi bound; --alpha)": an estimator's name, summary and flags.
  static func helpPhrase(_ e: EstimatorEntry) -> String {
    let notes = [e.summary].filter { !$0.isEmpty } + e.parameters.compactMap(\.flag)
    let companions = e.companions.isEmpty ? "" : "; also runs " + e.companions.joined(separator: ", ")
    return notes.isEmpty && companions.isEmpty
      ? e.name : "\(e.name) (" + notes.joined(separator: "; ") + companions + ")"
  }
  static let order = Option<Int>.integer(
    "--order", value: "M", in: 0...Int.max, default: 1, help: "Jackknife order of jvi, 0 <= M < k; order 0 is IWAE.",
    section: estimators)
  static let alpha = Option<Double>.number(
    "--alpha", value: "A", default: RenyiBound.defaultAlpha,
    help: "The Renyi bound's alpha: 0 is IWAE, 1 the ELBO, below 0 above IWAE.", section: estimators)
  static let beta = Option<Double>.number(
    "--beta", value: "B", in: .closed(0, 1), default: CombinationIWAE.defaultBeta,
    help: "CIWAE's weight of the ELBO: beta ELBO + (1 - beta) IWAE.", section: estimators)
  static let partitions = Option<Int>.integer(
    "--partitions", value: "P", in: 1...1000, default: ThermodynamicBound.defaultPartitions,
    help: "TVO's partitions of [0, 1]: beta_1..beta_P log-spaced from 10^-1.09 to 1 (P = 1: the ELBO and the "
      + "self-normalised upper bound).", section: estimators)
  static let minimumTerms = Option<Int>.integer(
    "--min-terms", value: "M", in: 1...100_000, default: SUMO.defaultMinimumTerms,
    help: "SUMO's IWAE terms always summed before the Russian roulette.", section: estimators)
  static let mlmcForm = Option<MultilevelIWAE.Form>.choice(
    "--mlmc-form", value: "FORM", default: .russianRoulette,
    help: "The multilevel estimator: rr (Russian roulette, every level up to the drawn one) or ss (single term).",
    section: estimators)
  /// The flags of estimator parameters (`EstimatorParameter.flag`), each with its value spelt as
  /// a word spells it.
  static let estimatorParameters: [(option: any OptionDeclaration, value: @Sendable (ParsedOptions) -> String)] = [
    (order, { "\($0[order])" }), (alpha, { "\($0[alpha])" }), (beta, { "\($0[beta])" }),
    (partitions, { "\($0[partitions])" }), (minimumTerms, { "\($0[minimumTerms])" }),
    (mlmcForm, { $0[mlmcForm].rawValue }),
  ]
  static let k = Option<Int?>.integer(
    "--k", value: "K", in: 1...Int.max,
    help: "Samples per estimate. With K below the number of columns, the floor(columns/K) disjoint column "
      + "blocks are replicates and each instance's estimate is their mean.", defaultDescription: "all columns",
    section: estimators)
  static let logLikelihood = Option<String?>.text(
    "--log-likelihood", value: "FILE", help: "N x K log p(x|z) for the same samples (.npy or .csv), for elbo-b.",
    section: estimators)
  static let kl = Option<String?>.text(
    "--kl", value: "FILE", help: "N values of the analytic KL(q(z|x) || p(z)) (.npy or .csv), for elbo-b.",
    section: estimators)

  // With a model or a demo.
  static let samples = Option<Int>.integer(
    "--samples", value: "K", in: 1...10_000_000, default: 1000,
    help: "Samples per image with --model, or per instance of a demo.", section: modelSection)
  static let split = Option<ImageDataset.Split>.choice(
    "--split", value: "NAME", default: .test, help: "Images to evaluate with --model.", section: modelSection)
  static let limit = Option<Int?>.integer(
    "--limit", value: "N", in: 1...Int.max,
    help: "Evaluate the first N images of the split only (--model), N replicate rows of a Bayes-by-Backprop "
      + "model's evidence (default 10; 2 for bbb-classifier), or N demo instances (default 1000).",
    section: modelSection)
  static let data = Option<String?>.text(
    "--data", value: "PATH",
    help: "The MNIST-format folder, if not the one the model was trained on; or, for a gaussian-vae or a model "
      + "file, a .npy of N x D observations (float32, float64 or uint8) evaluated exactly as given.",
    section: modelSection)
  static let saveLogWeights = Option<String?>.text(
    "--save-logw", value: "FILE", help: "Also save the model's log-weights as a float64 .npy file (N x K).",
    section: modelSection)
  static let shard = Option<ShardSelection?>.parsed(
    "--shard", value: "I/N",
    help: "With --model and --save-logw FILE: compute only block I of N of the images (I from 1 to N; the same "
      + "rows, bit for bit, as an unsharded run), save them as the part FILE.part-I-of-N.npy and evaluate them, "
      + "for array jobs.",
    expected: ShardSelection.grammar, section: modelSection
  ) { ShardSelection($0) }
  static let merge = Option<String?>.text(
    "--merge", value: "FILE",
    help: "Join the finished parts FILE.part-I-of-N.npy of --shard runs into FILE (refusing when a part is missing "
      + "or of another model, split, seed or revision), and exit.", section: modelSection)
  static let latent = Option<DiscreteVAE.LatentKind>.choice(
    "--latent", value: "KIND", default: .relaxed,
    help: "A discrete-vae's log-weights: relaxed (the continuous relaxation's log p(x)) or discrete (the binary "
      + "model it approximates).", section: modelSection)
  static let precision = Option<NetworkPrecision>.choice(
    "--precision", value: "P", default: .standard,
    help: "The scalar a gaussian-vae's networks run in; log-weights and their sums are float64 either way.",
    section: modelSection)
  static let gradientSNR = Option<[Int]?>.integerList(
    "--gradient-snr", value: "LIST", in: 1...100_000,
    help: "With a VAE checkpoint: instead of estimates, measure the training gradient's signal-to-noise ratio "
      + "|E g|/sd(g) per parameter, averaged over the encoder's and the decoder's parameters, at each number of "
      + "samples K in LIST (the checkpoint's objective and gradient estimator, --snr-draws noise draws on a fixed "
      + "minibatch of --snr-images training images). Writes k,draws,images,encoder_snr,decoder_snr.",
    section: modelSection)
  static let snrDraws = Option<Int>.integer(
    "--snr-draws", value: "N", in: 2...1_000_000, default: 100, help: "Noise draws per --gradient-snr value.",
    section: modelSection)
  static let snrImages = Option<Int>.integer(
    "--snr-images", value: "N", in: 1...60_000, default: 100, help: "The minibatch of --gradient-snr.",
    section: modelSection)
  static let predict = Option<String?>.text(
    "--predict", value: "FILE",
    help: "A Bayes-by-Backprop model's predictions as CSV: the test error (mean weights and the average over "
      + "--samples weight samples, default 10), or the regression's predictive mean and 95% bands (and FILE.svg).",
    section: modelSection)

  static let spec = CommandSpec(
    name: "jvi-eval",
    overview:
      "Estimate log p(x) from a matrix of log importance weights (N instances x K samples) with the ELBO, "
      + "IWAE, jackknife variational inference (JVI) of any order, and the delta method. Writes CSV.",
    options: [
      input, model, demo, demoModel, output, perInstance, gradientWeights, seed, CommonOptions.threads, diagnostics,
      strict,
      estimator, order, alpha, beta, partitions, minimumTerms, mlmcForm, k, logLikelihood, kl,
      samples, split, limit, data, saveLogWeights, shard, merge, latent, precision, gradientSNR, snrDraws, snrImages,
      predict,
    ],
    examples: [
      (
        "jvi-eval --input logw.npy --order 2",
        "Second-order JVI of every instance in logw.npy, summarised as mean and standard error:"
      ),
      (
        "jvi-eval --input logw.npy --estimator all --k 64 --per-instance",
        "Every estimator on disjoint blocks of 64 samples, one CSV row per instance and estimator:"
      ),
      (
        "jvi-eval --model model.ckpt --samples 5000 --estimator all --order 2",
        "A trained model's test images, 5000 samples each, every estimator:"
      ),
      ("jvi-eval --order 2", "Try it without data (the default model if one is trained, else the synthetic demo):"),
      (
        "jvi-eval --demo-model linear-gaussian:q-shift=1.5 --estimator all",
        "The classic estimators on the linear-Gaussian model, whose exact log p(x) is printed alongside:"
      ),
      ("jvi-eval --input logw.npy --estimator vr --alpha -1", "The Renyi bound at alpha = -1 (above IWAE):"),
      (
        "jvi-eval --model model.ckpt --samples 5000 --save-logw logw.npy --shard $SLURM_ARRAY_TASK_ID/4",
        "One of 4 array jobs (sbatch --array=1-4) computing a quarter of the test images' log-weights; then join:"
      ),
      ("jvi-eval --merge logw.npy", "Join the parts logw.part-I-of-4.npy into logw.npy:"),
      (
        "jvi-eval --input logw.npy --diagnostics --per-instance",
        "Each instance's ESS, PSIS k-hat and the jackknife's estimates of IWAE's bias and variance:"
      ),
    ],
    version: RunEnvironment.versionText(tool: "jvi-eval"), preflight: RunEnvironment.kernelRequestProblem)
}
