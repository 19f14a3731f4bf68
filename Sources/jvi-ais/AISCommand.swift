import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-ais`: annealed importance sampling and bidirectional Monte Carlo on a trained Gaussian
/// VAE or the linear-Gaussian model.
@main
struct AISCommand {
  static let spec = CommandSpec(
    name: "jvi-ais",
    overview:
      "Annealed importance sampling (geometric path from the prior or the encoder to the posterior, Hamiltonian "
      + "transitions, step size adapted by pilot chains) on a trained Gaussian VAE or the linear-Gaussian model. "
      + "Prints, per number of temperatures, the mean AIS estimate of log p(x) over instances; with --bdmc, runs "
      + "forward and reverse AIS on data simulated from the model and reports the gap between the stochastic lower "
      + "and upper bounds. Writes one CSV row per instance and number of temperatures.",
    usage: [
      "jvi-ais [--model FILE | --demo-model SPEC] [--bdmc] [--temperatures T1,T2,...] [--chains C] [--instances N] "
        + "[AIS options] [--output FILE] [--save-logw FILE.npy]"
    ],
    options: [
      OptionSpec(
        "--model", value: "FILE",
        help: "A gaussian-vae checkpoint from jvi-train.", default: "results/models/default-vae.ckpt"),
      OptionSpec(
        "--demo-model", value: "SPEC",
        help: "The linear-Gaussian model instead (exact log p(x)): linear-gaussian[:key=value,...], options as in "
          + "experiments/README.md."),
      OptionSpec("--bdmc", help: "Bidirectional Monte Carlo on --instances draws (x, z) of the model itself."),
      OptionSpec(
        "--temperatures", value: "LIST", help: "Numbers of intermediate distributions, comma-separated.",
        default: "1000"),
      OptionSpec("--chains", value: "C", help: "Independent chains per instance.", default: "16"),
      OptionSpec(
        "--instances", value: "N", help: "Images of --split (or simulated draws with --bdmc).", default: "100"),
      OptionSpec(
        "--split", value: "NAME", help: "The images evaluated with --model.", default: "test",
        allowed: ["train", "validation", "test"]),
      OptionSpec(
        "--start", value: "BASE", help: "The path's base: the prior, or the model's proposal q(z|x) (the encoder).",
        default: "prior", allowed: AnnealingStart.allCases.map(\.rawValue)),
      OptionSpec(
        "--schedule", value: "NAME", help: "Spacing of the inverse temperatures.", default: "sigmoidal",
        allowed: AnnealingSchedule.allCases.map(\.rawValue)),
      OptionSpec("--leapfrog", value: "L", help: "Leapfrog steps per Hamiltonian transition.", default: "10"),
      OptionSpec("--step-size", value: "E", help: "The pilot chains' first step size.", default: "0.05"),
      OptionSpec(
        "--target-acceptance", value: "A", help: "Acceptance probability the step size is adapted toward.",
        default: "0.65"),
      OptionSpec(
        "--pilot-chains", value: "P", help: "Chains per instance that adapt the step sizes (0: fixed step size).",
        default: "2"),
      OptionSpec("--seed", value: "S", help: "Seed of the chains (and of the simulated data).", default: "0"),
      .threads,
      OptionSpec("--output", value: "FILE", help: "Write the per-instance CSV to FILE (atomically) instead of stdout."),
      OptionSpec(
        "--save-logw", value: "FILE",
        help: "Save the forward log-weights (instances x chains, the last number of temperatures) as float64 .npy, "
          + "for jvi-eval."),
    ],
    examples: [
      (
        "jvi-ais --instances 20 --temperatures 100,1000",
        "AIS estimates of log p(x) for 20 test images of the default VAE at 100 and 1000 temperatures:"
      ),
      (
        "jvi-ais --bdmc --instances 10 --chains 4 --temperatures 100,1000,10000",
        "The BDMC gap on data simulated from the default VAE, closing as the temperatures grow:"
      ),
      (
        "jvi-ais --demo-model linear-gaussian --instances 50",
        "AIS against the exact log p(x) of the linear-Gaussian model:"
      ),
    ])

  static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      try AISRun(options).run()
    }
  }
}
