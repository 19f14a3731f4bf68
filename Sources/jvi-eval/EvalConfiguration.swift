import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// The validated options of one `jvi-eval` run. Every option rule and every named file is
/// checked here, before log-weights are read or computed.
struct EvalConfiguration {
  typealias O = EvalOptions

  enum Source {
    case file(String)
    /// A checkpoint, loaded while validating (its kind decides which options apply).
    case model(path: String, checkpoint: Checkpoint, implicit: Bool)
    case demo(explicit: Bool, model: ModelSpecification)
  }

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
  /// With --shard: this block of the images, saved as a part of --save-logw and evaluated.
  var shard: ShardSelection?
  /// With a discrete-latent VAE: relaxed or discrete log-weights.
  var latent: DiscreteVAE.LatentKind
  /// With a Gaussian VAE: the scalar its networks run in.
  var precision: NetworkPrecision
  /// With a Bayes-by-Backprop model: where to write predictions.
  var predictPath: String?
  /// The estimators named by --estimator, their parameters, --k and --seed.
  var chosen: [any BoundEstimator]
  /// Write importance diagnostics instead of estimates.
  var diagnostics: Bool
  /// Refuse the input when some instance's estimate is undefined.
  var strict: Bool
  /// Where to write the estimator's gradient weights (one of iwae, jvi, vr).
  var gradientWeightsPath: String?
  /// With a VAE checkpoint: measure the training gradient's SNR at these K instead.
  var gradientSNR: (samples: [Int], draws: Int, images: Int)?

  init(_ o: ParsedOptions) throws {
    let sources = [O.input, O.model].filter { o.has($0) }.map(\.name) + (o[O.demo] ? [O.demo.name] : [])
    if sources.count > 1 { throw UsageError(sources.joined(separator: " and ") + " cannot be used together") }
    if o.has(O.demoModel) && (o.has(O.input) || o.has(O.model)) {
      throw UsageError("--demo-model chooses the synthetic demo; it does not go with --input or --model")
    }
    source = try EvalConfiguration.source(o)
    let modelOnly: [any OptionDeclaration] = [
      O.split, O.data, O.saveLogWeights, O.shard, O.latent, O.precision, O.predict, O.gradientSNR, O.snrDraws,
      O.snrImages,
    ]
    switch source {
    case .model: break
    case .demo:
      for option in modelOnly where o.has(option) { throw UsageError("\(option.name) goes with --model") }
    case .file:
      for option in modelOnly + [O.samples, O.limit] where o.has(option) {
        throw UsageError("\(option.name) goes with --model or --demo")
      }
    }
    var implicitModel = false
    if case .model(_, _, let implicit) = source { implicitModel = implicit }
    samples = o[O.samples]
    samplesGiven = o.has(O.samples)
    split = o[O.split]
    limit = o[O.limit] ?? (implicitModel ? 500 : nil)
    dataDirectory = o[O.data]
    saveLogWeights = o[O.saveLogWeights]
    latent = o[O.latent]
    precision = o[O.precision]
    if !o.has(O.precision), case .model(_, let checkpoint, _) = source { precision = checkpoint.defaultPrecision }
    predictPath = o[O.predict]
    if let path = saveLogWeights, !path.lowercased().hasSuffix(".npy") {
      throw UsageError("--save-logw writes a .npy file; got '\(path)'")
    }
    shard = o[O.shard]
    if shard != nil {
      if saveLogWeights == nil {
        throw UsageError("--shard saves its block as a part of --save-logw FILE; give --save-logw")
      }
      if predictPath != nil { throw UsageError("--predict does not split into shards; run it without --shard") }
    }
    estimator = o[O.estimator]
    order = o[O.order]
    k = o[O.k]
    diagnostics = o[O.diagnostics]
    strict = o[O.strict]
    if diagnostics {
      for option: any OptionDeclaration in [
        O.estimator, O.order, O.alpha, O.beta, O.partitions, O.minimumTerms, O.mlmcForm,
      ]
      where o.has(option) {
        throw UsageError("\(option.name) chooses an estimator; --diagnostics writes diagnostics instead")
      }
      if o[O.strict] { throw UsageError("--strict applies to estimates, not to --diagnostics") }
    }
    try EvalConfiguration.checkParameters(o, estimator: estimator)
    chosen = diagnostics ? [] : try EvalConfiguration.chosenEstimators(o, k: k)
    perInstance = o[O.perInstance]
    gradientWeightsPath = o[O.gradientWeights]
    if let ks = o[O.gradientSNR] {
      gradientSNR = (ks, o[O.snrDraws], o[O.snrImages])
      let conflicting: [any OptionDeclaration] = [
        O.estimator, O.order, O.perInstance, O.diagnostics, O.gradientWeights, O.saveLogWeights, O.shard, O.samples,
        O.limit, O.predict,
      ]
      for option in conflicting where o.has(option) {
        throw UsageError("\(option.name) does not go with --gradient-snr, which measures gradients, not estimates")
      }
    } else {
      for option: any OptionDeclaration in [O.snrDraws, O.snrImages] where o.has(option) {
        throw UsageError("\(option.name) goes with --gradient-snr")
      }
    }
    if let path = gradientWeightsPath {
      if !path.lowercased().hasSuffix(".npy") {
        throw UsageError("--gradient-weights writes a .npy file; got '\(path)'")
      }
      if diagnostics { throw UsageError("--gradient-weights goes with an estimator, not --diagnostics") }
      guard ["iwae", "jvi", "vr"].contains(estimator) else {
        throw UsageError("--gradient-weights applies to --estimator iwae, jvi or vr, not \(estimator)")
      }
    }
    outputPath = o[O.output]
    seed = o[O.seed]
    switch (o[O.logLikelihood], o[O.kl]) {
    case (nil, nil): analyticKLFiles = nil
    case (let ll?, let kl?):
      guard case .file = source else { throw UsageError("--log-likelihood and --kl go with --input") }
      try FileIO.checkReadable(ll)
      try FileIO.checkReadable(kl)
      analyticKLFiles = (ll, kl)
    default: throw UsageError("--log-likelihood and --kl must be given together")
    }
    threads = o.threads(default: ParallelRows.availableProcessors)
    if case .model(let path, let checkpoint, _) = source { try checkModelOptions(o, path: path, checkpoint) }
  }

  /// The source the options name; an explicit --input must be readable and a checkpoint loads.
  static func source(_ o: ParsedOptions) throws -> Source {
    if let input = o[O.input] {
      try FileIO.checkReadable(input)
      return .file(input)
    }
    if let path = o[O.model] {
      return .model(path: path, checkpoint: try Checkpoint(contentsOf: path), implicit: false)
    }
    if !o[O.demo] && !o.has(O.demoModel) && FileIO.exists(Checkpoint.defaultVAEPath) {
      let path = Checkpoint.defaultVAEPath
      return .model(path: path, checkpoint: try Checkpoint(contentsOf: path), implicit: true)
    }
    var model = EvalConfiguration.demoModel
    if let text = o[O.demoModel] {
      do {
        model = try ModelSpecification.parse(inline: text, origin: "--demo-model")
      } catch {
        throw UsageError(error.description)
      }
      if case .checkpoint = model { throw UsageError("--demo-model takes a synthetic model; use --model FILE") }
    }
    return .demo(explicit: o[O.demo] || o.has(O.demoModel), model: model)
  }

  /// The options that apply only to some kinds of checkpoint.
  func checkModelOptions(_ o: ParsedOptions, path: String, _ checkpoint: Checkpoint) throws {
    let kind = checkpoint.configuration.model
    if o.has(O.precision) && kind != .gaussianVAE {
      throw UsageError("--precision applies to a gaussian-vae checkpoint; \(path) holds a \(kind.rawValue)")
    }
    if o.has(O.latent) && kind != .discreteVAE {
      throw UsageError("--latent applies to a discrete-vae checkpoint; \(path) holds a \(kind.rawValue)")
    }
    if predictPath != nil && !kind.isBayesByBackprop {
      throw UsageError("--predict applies to a Bayes-by-Backprop checkpoint; \(path) holds a \(kind.rawValue)")
    }
    if let data = o[O.data], CheckpointEvidence.isObservationFile(data) {
      if kind != .gaussianVAE {
        throw UsageError("--data FILE.npy applies to a gaussian-vae or a model file; \(path) holds a \(kind.rawValue)")
      }
      if o.has(O.split) { throw UsageError("--split chooses images of a folder; --data \(data) is evaluated as given") }
    }
    if kind.isBayesByBackprop && o.has(O.split) {
      throw UsageError("a Bayes-by-Backprop evidence is of its training data; --split does not apply")
    }
  }

  /// The log-weights to evaluate, as blocks read on demand; says on standard error when they are
  /// the synthetic demo or a model's. Only a file's header (and a CSV's values) is read here.
  func openInput() throws -> EvalInput {
    switch source {
    case .model(let path, let checkpoint, let implicit):
      return try modelLogWeights(checkpoint, path: path, implicit: implicit)
    case .file(let path):
      let file = try LogWeightFile(path: path)
      if let files = analyticKLFiles {
        try file.attachAnalyticKLInputs(logLikelihoodFile: files.logLikelihood, klFile: files.kl)
      }
      return EvalInput(blocks: file)
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
      return EvalInput(
        blocks: DrawnLogWeights(source: source, rows: 0..<rows, samples: columns, seed: seed, threads: threads))
    }
  }

  /// A parameter flag given for an estimator that takes no such parameter is a usage error ('all'
  /// takes --order, 'family' every parameter). Which estimators take which flag is the registry's
  /// (`EstimatorParameter.flag`).
  static func checkParameters(_ o: ParsedOptions, estimator: String) throws {
    for (option, _) in O.estimatorParameters where o.has(option) {
      let names = EstimatorRegistry.entries.filter { $0.parameters.contains { $0.flag == option.name } }.map(\.name)
      if names.contains(estimator) || estimator == "family" || (estimator == "all" && option.name == O.order.name) {
        continue
      }
      let which =
        names.count == 1 ? "the \(names[0]) estimator" : "the " + names.joined(separator: " and ") + " estimators"
      throw UsageError("\(option.name) applies to \(which), not \(estimator)")
    }
  }

  /// The estimators the options name, as experiment-file choices, in output order: `all` the
  /// registry's classic list, `family` every estimator of its family list, another name that
  /// estimator and its companions (tvo: tvo-upper); each with the parameters its flags give.
  static func choices(_ o: ParsedOptions) throws -> [EstimatorChoice] {
    func named(_ entry: EstimatorEntry) -> [EstimatorEntry] {
      [entry] + entry.companions.compactMap { EstimatorRegistry.entry(named: $0) }
    }
    let entries: [EstimatorEntry]
    switch o[O.estimator] {
    case "all": entries = EstimatorRegistry.entries(in: .classic).flatMap(named)
    case "family": entries = EstimatorRegistry.entries(in: .family).flatMap(named)
    case let name: entries = EstimatorRegistry.entry(named: name).map(named) ?? []
    }
    return try entries.map { entry in
      var texts: [String: String] = [:]
      for p in entry.parameters {
        guard let flag = p.flag, let (_, value) = O.estimatorParameters.first(where: { $0.option.name == flag })
        else { continue }
        texts[p.key] = value(o)
      }
      do {
        return try EstimatorChoice(name: entry.name, parameters: texts)
      } catch {
        throw UsageError("\(error)")
      }
    }
  }

  /// The estimators the options name, built (so their configuration is checked) before any
  /// log-weights are read; `all` and `family` list every one they hold, and `estimators(for:)`
  /// drops those the matrix cannot feed. The randomised ones draw from --seed.
  static func chosenEstimators(_ o: ParsedOptions, k: Int?) throws -> [any BoundEstimator] {
    let many = o[O.estimator] == "all" || o[O.estimator] == "family"
    var list: [any BoundEstimator] = []
    for choice in try choices(o) {
      // In a list, an estimator that needs more columns than k (delta: 2) is left out.
      if many, choice.entry.leftOutOfListsWhenTooNarrow, let k, k < choice.minimumSampleCount { continue }
      do {
        list.append(try choice.build(k: k, seed: o[O.seed]))
      } catch {
        throw UsageError(error.description)
      }
    }
    return list
  }

  /// The writer of --gradient-weights for `estimators` (one of iwae, jvi, vr) on `input`, its
  /// configuration checked before any log-weight is read.
  func gradientWeights(_ estimators: [any BoundEstimator], for input: any LogWeightBlockSource) throws
    -> GradientWeightsWriter?
  {
    guard let path = gradientWeightsPath, let e = estimators.first else { return nil }
    let width = e.sampleCount ?? input.columnCount
    do {
      return try GradientWeightsWriter(
        EstimatorGradient(e, blockWidth: width), blockWidth: width, rows: input.rowCount, columns: input.columnCount,
        path: path)
    } catch let error as EstimatorError {
      throw UsageError(error.description)
    }
  }

  /// The estimators to run on log-weights of this shape, checked against it before any are read
  /// (inconsistent options are usage errors).
  func estimators(for input: any LogWeightBlockSource) throws -> [any BoundEstimator] {
    var list = chosen
    if estimator == "all" || estimator == "family" {
      if !input.hasAnalyticKLInputs {
        list.removeAll { $0.needsAnalyticKLInputs }
        if case .file = source {
          Output.standardError("jvi-eval: skipping elbo-b (it needs --log-likelihood and --kl).\n")
        } else {
          Output.standardError("jvi-eval: skipping elbo-b (this model has no analytic KL).\n")
        }
      }
      let width = k ?? input.columnCount
      list.removeAll { e in
        EstimatorRegistry.entry(named: e.name)?.leftOutOfListsWhenTooNarrow == true && width < e.minimumSampleCount
      }
    }
    // A one-row matrix of the input's shape: validation looks at the shape and the KL inputs only.
    let k = input.columnCount
    let probe = LogWeightMatrix.trusted(
      rowCount: 1, columnCount: k, values: [Double](repeating: 0, count: k),
      logLikelihood: input.hasAnalyticKLInputs ? [Double](repeating: 0, count: k) : nil,
      klDivergence: input.hasAnalyticKLInputs ? [0] : nil)
    do {
      for e in list { try e.validate(for: probe) }
    } catch {
      if case .missingAnalyticKLInputs = error {
        throw UsageError(error.description + "; pass --log-likelihood FILE and --kl FILE")
      }
      throw UsageError(error.description)
    }
    return list
  }
}
