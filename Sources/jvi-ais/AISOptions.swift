import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// Every `jvi-ais` option, declared once. The AIS settings' defaults and ranges come from
/// `AISSettings`, which the experiment-file reader shares.
enum AISOptions {
  static let annealing = OptionSection("AIS")
  static let defaults = AISSettings.standard

  static let model = Option<String>.text(
    "--model", value: "FILE", default: Checkpoint.defaultVAEPath,
    help: "A gaussian-vae checkpoint from jvi-train, or a VAE model file (.safetensors, as jvi.torch.save_vae "
      + "writes).")
  static let data = Option<String?>.text(
    "--data", value: "PATH",
    help: "The MNIST-format folder, if not the model's; or a .npy of N x D observations (float32, float64 or "
      + "uint8) evaluated exactly as given.")
  static let demoModel = Option<String?>.text(
    "--demo-model", value: "SPEC",
    help: "The linear-Gaussian model instead (exact log p(x)): linear-gaussian[:key=value,...], options as in "
      + "experiments/README.md.")
  static let bdmc = Flag("--bdmc", help: "Bidirectional Monte Carlo on --instances draws (x, z) of the model itself.")
  static let chains = Option<Int>.integer(
    "--chains", value: "C", in: 1...100_000, default: 16, help: "Independent chains per instance.")
  static let instances = Option<Int>.integer(
    "--instances", value: "N", in: 1...1_000_000, default: 100,
    help: "Images of --split (or simulated draws with --bdmc).")
  static let split = Option<ImageDataset.Split>.choice(
    "--split", value: "NAME", default: .test, help: "The images evaluated with --model.")
  static let precision = Option<NetworkPrecision>.choice(
    "--precision", value: "P", default: .standard,
    help: "The scalar the VAE's networks run in inside HMC; positions, log-densities and log-weights are float64.")
  static let seed = Option<UInt64>.seed("--seed", default: 0, help: "Seed of the chains (and of the simulated data).")
  static let output = Option<String?>.text(
    "--output", value: "FILE", help: "Write the per-instance CSV to FILE (atomically) instead of stdout.")
  static let saveLogWeights = Option<String?>.text(
    "--save-logw", value: "FILE",
    help: "Save the forward log-weights (instances x chains, the last number of temperatures) as float64 .npy, "
      + "for jvi-eval.")
  static let shard = Option<ShardSelection?>.parsed(
    "--shard", value: "I/N",
    help: "Compute only block I of N of the instances (I from 1 to N; the same rows, bit for bit, as an unsharded "
      + "run) and save them as the part FILE.part-I-of-N.npy of --save-logw FILE, for array jobs; the CSV has "
      + "the block's rows, numbered as in the whole run.",
    expected: ShardSelection.grammar
  ) { ShardSelection($0) }
  static let merge = Option<String?>.text(
    "--merge", value: "FILE",
    help: "Join the finished parts FILE.part-I-of-N.npy of --shard runs into FILE (refusing when a part is missing "
      + "or of another model, seed, setting or revision), and exit.")

  static let temperatures = Option<[Int]>.integerList(
    "--temperatures", value: "LIST", in: AISSettings.temperatureRange, default: [defaults.temperatures],
    help: "Numbers of intermediate distributions, comma-separated.", section: annealing)
  static let start = Option<AnnealingStart>.choice(
    "--start", value: "BASE", default: defaults.start,
    help: "The path's base: the prior, or the model's proposal q(z|x) (the encoder).", section: annealing)
  static let schedule = Option<AnnealingSchedule>.choice(
    "--schedule", value: "NAME", default: defaults.schedule, help: "Spacing of the inverse temperatures.",
    section: annealing)
  static let leapfrog = Option<Int>.integer(
    "--leapfrog", value: "L", in: AISSettings.leapfrogRange, default: defaults.leapfrogSteps,
    help: "Leapfrog steps per Hamiltonian transition.", section: annealing)
  static let stepSize = Option<Double>.number(
    "--step-size", value: "E", in: .openClosed(0, 10), default: defaults.initialStepSize,
    help: "The pilot chains' first step size.", expected: AISSettings.stepSizeExpectation, section: annealing)
  static let targetAcceptance = Option<Double>.number(
    "--target-acceptance", value: "A", in: .open(0, 1), default: defaults.targetAcceptance,
    help: "Acceptance probability the step size is adapted toward.",
    expected: AISSettings.targetAcceptanceExpectation, section: annealing)
  static let pilotChains = Option<Int>.integer(
    "--pilot-chains", value: "P", in: AISSettings.pilotChainRange, default: defaults.pilotChains,
    help: "Chains per instance that adapt the step sizes (0: fixed step size).", section: annealing)
  static let pilotTemperatures = Option<Int>.integer(
    "--pilot-temperatures", value: "T", in: AISSettings.pilotTemperatureRange, default: defaults.pilotTemperatures,
    help: "Temperatures the pilot chains run (at most --temperatures); the main chains' step sizes are "
      + "interpolated from theirs.", section: annealing)

  static let spec = CommandSpec(
    name: "jvi-ais",
    overview:
      "Annealed importance sampling (geometric path from the prior or the encoder to the posterior, Hamiltonian "
      + "transitions, step size adapted by pilot chains) on a trained Gaussian VAE or the linear-Gaussian model. "
      + "Prints, per number of temperatures, the mean AIS estimate of log p(x) over instances; with --bdmc, runs "
      + "forward and reverse AIS on data simulated from the model and reports the gap between the stochastic lower "
      + "and upper bounds. Writes one CSV row per instance and number of temperatures.",
    options: [
      model, demoModel, data, bdmc, instances, split, precision, chains, seed, CommonOptions.threads, output,
      saveLogWeights, shard, merge, temperatures, start, schedule, leapfrog, stepSize, targetAcceptance, pilotChains,
      pilotTemperatures,
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
        "jvi-ais --instances 10000 --chains 16 --save-logw ais.npy --shard $SLURM_ARRAY_TASK_ID/8",
        "One of 8 array jobs (sbatch --array=1-8) of a 10,000-image AIS reference; then join the parts into ais.npy:"
      ),
      ("jvi-ais --merge ais.npy", "Join the eight parts ais.part-I-of-8.npy into ais.npy:"),
      (
        "jvi-ais --demo-model linear-gaussian --instances 50",
        "AIS against the exact log p(x) of the linear-Gaussian model:"
      ),
    ],
    version: RunEnvironment.versionText(tool: "jvi-ais"), preflight: RunEnvironment.kernelRequestProblem)
}
