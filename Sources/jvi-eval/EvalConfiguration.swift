import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// The validated options of one `jvi-eval` run.
struct EvalConfiguration {
  enum Source {
    case file(String)
    case model(String, implicit: Bool)
    case demo(explicit: Bool, model: ModelSpecification)
  }

  /// The trained model `make train` (and `make sweep`) writes; evaluated when no input is given.
  static let defaultModelPath = "results/models/default-vae.ckpt"

  /// The synthetic demo: 1000 × 1000 log-normal weights, log w ~ N(0, 2²), log p = 2.
  static let demoModel = ModelSpecification.law(.logNormal(mu: 0, sigma: 2))
  static let demoShape = (rows: 1000, columns: 1000)

  var source: Source
  var estimator: String
  var order: Int
  var k: Int?
  var perInstance: Bool
  var outputPath: String?
  var seed: UInt64
  var analyticKLFiles: (logLikelihood: String, kl: String)?
  var threads: Int
  /// With a model: samples per image, split, image limit, data folder, where to save log w.
  var samples: Int
  var samplesGiven: Bool
  var split: ImageDataset.Split
  var limit: Int?
  var dataDirectory: String?
  var saveLogWeights: String?
  /// With a discrete-latent VAE: relaxed or discrete log-weights.
  var latent: DiscreteVAE.LatentKind?
  /// With a Bayes-by-Backprop model: where to write predictions.
  var predictPath: String?
  /// The options as given (model-dependent defaults are resolved once the model is known).
  let options: ParsedOptions

  init(_ o: ParsedOptions) throws {
    options = o
    let sources = ["--input", "--model", "--demo"].filter { o.has($0) }
    if sources.count > 1 { throw UsageError(sources.joined(separator: " and ") + " cannot be used together") }
    if o.has("--demo-model") && (o.has("--input") || o.has("--model")) {
      throw UsageError("--demo-model chooses the synthetic demo; it does not go with --input or --model")
    }
    if let input = o.string("--input") {
      source = .file(input)
    } else if let model = o.string("--model") {
      source = .model(model, implicit: false)
    } else if !o.has("--demo") && !o.has("--demo-model") && FileIO.exists(EvalConfiguration.defaultModelPath) {
      source = .model(EvalConfiguration.defaultModelPath, implicit: true)
    } else {
      var model = EvalConfiguration.demoModel
      if let text = o.string("--demo-model") {
        do {
          model = try ModelSpecification.parse(inline: text, origin: "--demo-model")
        } catch {
          throw UsageError(error.description)
        }
        if case .checkpoint = model { throw UsageError("--demo-model takes a synthetic model; use --model FILE") }
      }
      source = .demo(explicit: o.has("--demo") || o.has("--demo-model"), model: model)
    }
    let modelOnly = ["--split", "--data", "--save-logw", "--latent", "--predict"]
    switch source {
    case .model: break
    case .demo:
      for name in modelOnly where o.has(name) { throw UsageError("\(name) goes with --model") }
    case .file:
      for name in modelOnly + ["--samples", "--limit"] where o.has(name) {
        throw UsageError("\(name) goes with --model or --demo")
      }
    }
    var implicitModel = false
    if case .model(_, let implicit) = source { implicitModel = implicit }
    samples = try o.int("--samples", in: 1...10_000_000) ?? 1000
    samplesGiven = o.has("--samples")
    split = ImageDataset.Split(rawValue: o.string("--split") ?? "test") ?? .test
    limit = try o.int("--limit", in: 1...Int.max) ?? (implicitModel ? 500 : nil)
    dataDirectory = o.string("--data")
    saveLogWeights = o.string("--save-logw")
    latent = o.string("--latent").flatMap(DiscreteVAE.LatentKind.init(rawValue:))
    predictPath = o.string("--predict")
    if let path = saveLogWeights, !path.lowercased().hasSuffix(".npy") {
      throw UsageError("--save-logw writes a .npy file; got '\(path)'")
    }
    estimator = o.string("--estimator") ?? "jvi"
    order = try o.int("--order", in: 0...Int.max) ?? 1
    if o.has("--order") && estimator != "jvi" && estimator != "all" {
      throw UsageError("--order applies to the jvi estimator, not \(estimator)")
    }
    k = try o.int("--k", in: 1...Int.max)
    perInstance = o.has("--per-instance")
    outputPath = o.string("--output")
    seed = try o.uint64("--seed") ?? 0
    switch (o.string("--log-likelihood"), o.string("--kl")) {
    case (nil, nil): analyticKLFiles = nil
    case (let ll?, let kl?):
      guard case .file = source else { throw UsageError("--log-likelihood and --kl go with --input") }
      analyticKLFiles = (ll, kl)
    default: throw UsageError("--log-likelihood and --kl must be given together")
    }
    threads = try o.threads(default: ParallelRows.availableProcessors)
  }

  /// The matrix to evaluate; says on standard error when it is the synthetic demo or a model.
  func loadMatrix() throws -> LogWeightMatrix {
    switch source {
    case .model(let path, let implicit):
      return try modelLogWeights(path, implicit: implicit, options: options)
    case .file(let path):
      var m = try LogWeightMatrix(contentsOf: path)
      if let files = analyticKLFiles {
        m = try m.withAnalyticKLInputs(logLikelihoodFile: files.logLikelihood, klFile: files.kl)
      }
      return m
    case .demo(let explicit, let model):
      let rows = limit ?? EvalConfiguration.demoShape.rows
      let columns = samplesGiven ? samples : EvalConfiguration.demoShape.columns
      let why = explicit ? "" : "no --input given; "
      let source = try model.makeSource(instances: rows)
      let exact: String
      if case .law(let law) = model {
        exact = "Exact log p(x) = \(compact(law.logEvidence))."
      } else {
        let values = source.exactLogEvidence(rows: 0..<rows) ?? []
        exact =
          "Exact log p(x) differs by instance; its mean over the instances is "
          + "\(values.reduce(0, +) / Double(max(1, values.count)))."
      }
      Output.standardError(
        "jvi-eval: \(why)evaluating the seeded synthetic demo matrix: \(rows) instances x \(columns) "
          + "samples of \(source.name), seed \(seed). \(exact)\n")
      return try source.logWeights(samples: columns, rows: 0..<rows, seed: seed, threads: threads)
    }
  }

  /// Log-weights of a trained model (Double network), saved if asked; predictions if asked.
  func modelLogWeights(_ path: String, implicit: Bool, options o: ParsedOptions) throws -> LogWeightMatrix {
    let checkpoint = try Checkpoint(contentsOf: path)
    let c = checkpoint.configuration
    let bayes = c.model.isBayesByBackprop
    if latent != nil && c.model != .discreteVAE {
      throw UsageError("--latent applies to a discrete-vae checkpoint; \(path) holds a \(c.model.rawValue)")
    }
    if predictPath != nil && !bayes {
      throw UsageError("--predict applies to a Bayes-by-Backprop checkpoint; \(path) holds a \(c.model.rawValue)")
    }
    if bayes && o.has("--split") {
      throw UsageError("a Bayes-by-Backprop evidence is of its training data; --split does not apply")
    }
    // The classifier's evidence needs a pass over 50,000 images per weight sample: smaller defaults.
    let k = o.has("--samples") ? samples : (c.model == .bbbClassifier ? 20 : samples)
    let rows = limit ?? (c.model == .bbbClassifier ? 2 : nil)
    let source = try CheckpointEvidence.source(
      checkpoint, dataDirectory: dataDirectory, split: split, limit: rows, latent: latent ?? .relaxed)
    if source.instanceCount == 0 { throw ToolFailure("the \(split.rawValue) split has no images") }
    if let out = predictPath { try predict(checkpoint, to: out) }
    let start = monotonicSeconds()
    let matrix = try source.logWeights(samples: k, rows: 0..<source.instanceCount, seed: seed, threads: threads)
    let why = implicit ? "no --input given; " : ""
    let what =
      bayes
      ? "\(source.instanceCount) replicates x \(k) weight samples of log p(D) for \(source.name)"
      : "\(source.instanceCount) \(split.rawValue) images x \(k) samples from \(path) (\(c.model.rawValue) "
        + "\(c.objective.name) k=\(c.samples), \(checkpoint.epochsCompleted) epochs; \(source.name))"
    Output.standardError(
      "jvi-eval: \(why)log-weights of \(what), seed \(seed), \(compact((monotonicSeconds() - start) * 10).prefix(6)) ds\n"
    )
    if let out = saveLogWeights {
      try FileIO.writeAtomically(matrix.npyBytes(), to: out)
      Output.standardError("jvi-eval: saved the log-weights to \(out)\n")
    }
    return matrix
  }

  /// Writes the predictive report of a Bayes-by-Backprop checkpoint (and its SVG for regression).
  func predict(_ checkpoint: Checkpoint, to path: String) throws {
    let c = checkpoint.configuration
    let model = c.bayes.network(c.model, architecture: c.architecture)
    if c.model == .bbbRegression {
      let r = PredictiveReport.regression(
        model, parameters: checkpoint.parameters, curve: RegressionCurve(c.bayes.curve), samples: max(samples, 2),
        seed: seed)
      try FileIO.writeAtomically(r.csv, to: path)
      let svg = (path.hasSuffix(".csv") ? String(path.dropLast(4)) : path) + ".svg"
      try FileIO.writeAtomically(r.svg, to: svg)
      Output.standardError("jvi-eval: predictive written to \(path) and \(svg); \(r.summary)\n")
    } else {
      let data = try ImageDataset(directory: dataDirectory ?? c.dataDirectory, validationCount: c.validationCount)
      let r = PredictiveReport.classification(
        model, parameters: checkpoint.parameters, data: data, samples: options.has("--samples") ? samples : 10,
        seed: seed)
      try FileIO.writeAtomically(r.csv, to: path)
      Output.standardError("jvi-eval: predictions written to \(path); \(r.summary)\n")
    }
  }

  /// The estimators to run, checked against the matrix (inconsistent options are usage errors).
  func makeEstimators(for matrix: LogWeightMatrix) throws -> [any BoundEstimator] {
    var list: [any BoundEstimator] = []
    do {
      switch estimator {
      case "elbo-a": list = [try ELBOMonteCarlo(k: k)]
      case "elbo-b": list = [try ELBOAnalyticKL(k: k)]
      case "iwae": list = [try IWAE(k: k)]
      case "jvi": list = [try Jackknife(order: order, k: k)]
      case "delta": list = [try DeltaMethod(k: k)]
      default:
        list = [try ELBOMonteCarlo(k: k)]
        if matrix.hasAnalyticKLInputs {
          list.append(try ELBOAnalyticKL(k: k))
        } else {
          if case .file = source {
            Output.standardError("jvi-eval: skipping elbo-b (it needs --log-likelihood and --kl).\n")
          } else {
            Output.standardError("jvi-eval: skipping elbo-b (this model has no analytic KL).\n")
          }
        }
        list += [try IWAE(k: k), try Jackknife(order: order, k: k)]
        if (k ?? matrix.columnCount) >= 2 { list.append(try DeltaMethod(k: k)) }
      }
      for e in list { try e.validate(for: matrix) }
    } catch {
      if case .missingAnalyticKLInputs = error {
        throw UsageError(error.description + "; pass --log-likelihood FILE and --kl FILE")
      }
      throw UsageError(error.description)
    }
    return list
  }
}
