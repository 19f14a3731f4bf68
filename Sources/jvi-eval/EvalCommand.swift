import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-eval`: evidence estimators on a matrix of log importance weights.
@main
struct EvalCommand {
  static let estimatorNames = ["elbo-a", "elbo-b", "iwae", "jvi", "delta", "all"]

  static let spec = CommandSpec(
    name: "jvi-eval",
    overview:
      "Estimate log p(x) from a matrix of log importance weights (N instances x K samples) with the ELBO, "
      + "IWAE, jackknife variational inference (JVI) of any order, and the delta method. Writes CSV.",
    usage: [
      "jvi-eval [--input FILE | --demo] [--estimator NAME] [--order M] [--k K] [--per-instance] [--output FILE] [--seed S]",
      "jvi-eval --demo-model NAME[:key=value,...] [--samples K] [--limit N] [estimator options]",
      "jvi-eval --model FILE [--samples K] [--split NAME] [--limit N] [--save-logw FILE.npy] [--threads T] [estimator options]",
    ],
    options: [
      OptionSpec(
        "--input", value: "FILE",
        help: "Log-weights: .npy (float64 or float32, 2-D N x K, C or Fortran order) or .csv (N lines of K "
          + "comma-separated numbers, no header; -inf is a zero weight)."),
      OptionSpec(
        "--model", value: "FILE",
        help: "A checkpoint from jvi-train: its log-weights are computed (network in Double) and evaluated: of the "
          + "images of --split for a VAE, of the training data over weight samples for Bayes by Backprop."),
      OptionSpec(
        "--samples", value: "K", help: "Samples per image with --model, or per instance of a demo.", default: "1000"),
      OptionSpec(
        "--split", value: "NAME", help: "Images to evaluate with --model.", default: "test",
        allowed: ["train", "validation", "test"]),
      OptionSpec(
        "--limit", value: "N",
        help: "Evaluate the first N images of the split only (--model), N replicate rows of a Bayes-by-Backprop "
          + "model's evidence (default 10; 2 for bbb-classifier), or N demo instances (default 1000)."),
      OptionSpec("--data", value: "DIR", help: "The MNIST-format folder, if not the one the model was trained on."),
      OptionSpec(
        "--save-logw", value: "FILE", help: "Also save the model's log-weights as a float64 .npy file (N x K)."),
      OptionSpec(
        "--latent", value: "KIND",
        help: "A discrete-vae's log-weights: relaxed (the continuous relaxation's log p(x)) or discrete (the binary "
          + "model it approximates).", default: "relaxed", allowed: DiscreteVAE.LatentKind.allCases.map(\.rawValue)),
      OptionSpec(
        "--predict", value: "FILE",
        help: "A Bayes-by-Backprop model's predictions as CSV: the test error (mean weights and the average over "
          + "--samples weight samples, default 10), or the regression's predictive mean and 95% bands (and FILE.svg)."),
      OptionSpec(
        "--demo",
        help: "Evaluate a seeded synthetic matrix: 1000 instances x 1000 log-normal weights, log w ~ N(0, 2^2), "
          + "exact log p(x) = 2. With no --input or --model this runs, unless results/models/default-vae.ckpt "
          + "exists (then its first 500 test images are evaluated)."),
      OptionSpec(
        "--demo-model", value: "SPEC",
        help: "The demo's model, with an exact log p(x): log-normal[:mu=M,sigma=S], gamma[:shape=A,scale=T] or "
          + "linear-gaussian[:latent-dimension=d,observed-dimension=D,q-shift=S,q-scale=C,q-mean-field=true,"
          + "model-seed=S,data-seed=S] (which also gives elbo-b its inputs). Options and defaults as in "
          + "experiments/README.md."),
      OptionSpec(
        "--estimator", value: "NAME", help: "The estimator; 'all' runs each in turn.", default: "jvi",
        allowed: estimatorNames),
      OptionSpec("--order", value: "M", help: "Jackknife order of jvi, 0 <= M < k; order 0 is IWAE.", default: "1"),
      OptionSpec(
        "--k", value: "K",
        help: "Samples per estimate. With K below the number of columns, the floor(columns/K) disjoint column "
          + "blocks are replicates and each instance's estimate is their mean.", default: "all columns"),
      OptionSpec("--per-instance", help: "Write one row per instance: instance,estimator,order,k,estimate."),
      OptionSpec(
        "--output", value: "FILE",
        help: "Write the CSV to FILE (atomically: a temporary file, then a rename) instead of standard output."),
      OptionSpec(
        "--seed", value: "S", help: "Seed of the synthetic demo matrix or of the model's samples.", default: "0"),
      OptionSpec(
        "--log-likelihood", value: "FILE", help: "N x K log p(x|z) for the same samples (.npy or .csv), for elbo-b."),
      OptionSpec(
        "--kl", value: "FILE", help: "N values of the analytic KL(q(z|x) || p(z)) (.npy or .csv), for elbo-b."),
      .threads,
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
        "Every estimator on the linear-Gaussian model, whose exact log p(x) is printed alongside:"
      ),
    ])

  static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      try run(EvalConfiguration(options))
    }
  }

  static func run(_ config: EvalConfiguration) throws {
    let matrix = try config.loadMatrix()
    let estimators = try config.makeEstimators(for: matrix)
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
