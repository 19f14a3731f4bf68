import CommandLineSupport
import JVICore
import JVIModels

/// The validated options of one `jvi-train` run: the training configuration (or the
/// checkpoint being resumed), the output path, the threads and how often to report. Every
/// option rule is checked here, before the data are loaded.
struct TrainSettings {
  typealias O = TrainOptions

  var output: String
  var threads: Int
  var configuration: TrainingConfiguration
  /// The checkpoint being resumed, when --resume is given.
  var resumed: Checkpoint?
  var reportEvery: Int
  /// Where to write the trained model as a model file (`VAEModelFile`), if asked.
  var export: String?

  init(_ o: ParsedOptions) throws {
    output = o[O.output] ?? ""
    threads = o.threads(default: ParallelRows.availableProcessors)
    if o[O.resume] {
      let loaded = try Checkpoint(contentsOf: output)
      if loaded.modelFile != nil {
        throw ToolFailure("\(output) is a model file, not a jvi-train checkpoint; it cannot be resumed")
      }
      resumed = loaded
      configuration = loaded.configuration
      try TrainSettings.checkMatches(o, loaded)
      if let epochs = o[O.epochs] { configuration.epochs = epochs }
    } else {
      configuration = try TrainSettings.configuration(from: o)
    }
    export = o[O.export]
    if export != nil && configuration.model != .gaussianVAE {
      throw UsageError(
        "--export writes a gaussian-vae as a model file; this run trains a \(configuration.model.rawValue)")
    }
    reportEvery =
      o[O.reportEvery] ?? (configuration.model == .bbbRegression ? max(1, configuration.epochs / 50) : 1)
    if configuration.usesImages { try ImageDataset.checkFiles(directory: configuration.dataDirectory) }
  }

  /// The configuration the options describe.
  ///
  /// - Parameter model: the model kind when the options do not give one (a resumed checkpoint's).
  static func configuration(from o: ParsedOptions, model: ModelKind? = nil) throws -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.model = o.has(O.model) ? o[O.model] : (model ?? o[O.model])
    try checkApplicable(o, to: c.model)
    c.objective = try objective(o, model: c.model)
    c.samples = o[O.k] ?? (c.objective.isELBO || c.model.isBayesByBackprop ? 1 : 5)
    if case .jackknife(let m) = c.objective, m >= c.samples {
      throw UsageError("--order \(m) needs --k greater than \(m)")
    }
    c.gradient = o[O.gradient]
    if c.objective == .vimco && c.model != .bernoulliVAE {
      throw UsageError("--objective vimco trains the bernoulli-vae only (--model bernoulli-vae)")
    }
    do {
      try c.checkObjective()
    } catch {
      throw UsageError(error.description)
    }
    if c.gradient != .standard && c.model != .gaussianVAE {
      throw UsageError(
        "--gradient \(c.gradient.rawValue) needs a reparameterised Gaussian q(z|x): --model gaussian-vae")
    }
    let bayes = c.model.isBayesByBackprop
    c.schedule = o[O.schedule]
    c.epochs = o[O.epochs] ?? c.schedule.epochs ?? ModelDefaults.of(c.model).epochs
    c.batchSize = o[O.batch] ?? ModelDefaults.of(c.model).batch
    c.learningRate = o[O.learningRate]
    c.adamEpsilon = o[O.adamEpsilon]
    c.dataDirectory = o[O.data]
    c.seed = o[O.seed]
    c.limit = o[O.limit]
    c.validationCount = o[O.validation]
    c.shards = o[O.shards]
    if c.shards > c.batchSize { throw UsageError("--shards \(c.shards) exceeds --batch \(c.batchSize)") }
    c.architecture = try architecture(o, model: c.model)
    c.initialization = o[O.initialization]
    if c.model == .discreteVAE { c.temperature = try temperature(o) }
    if bayes { bayesSettings(o, into: &c) }
    return c
  }

  /// Options of another model kind are usage errors.
  static func checkApplicable(_ o: ParsedOptions, to model: ModelKind) throws {
    let bayes = model.isBayesByBackprop
    let misplaced: [any OptionDeclaration] =
      (bayes
        ? O.vaeOnly + O.discreteOnly : O.bayesOnly + O.regressionOnly + (model == .discreteVAE ? [] : O.discreteOnly))
      + (model == .bbbClassifier ? O.regressionOnly : [])
      + (model == .bbbRegression ? [O.data, O.limit, O.validation] : [])
    for option in misplaced where o.has(option) {
      throw UsageError("\(option.name) does not apply to --model \(model.rawValue)")
    }
  }

  static func objective(_ o: ParsedOptions, model: ModelKind) throws -> VAEObjective {
    let name = o[O.objective] ?? (model.isBayesByBackprop ? "elbo-a" : (model == .bernoulliVAE ? "vimco" : "iwae"))
    if o.has(O.order) && name != "jvi" { throw UsageError("--order applies to --objective jvi") }
    let takes: [(option: any OptionDeclaration, objectives: [String])] = [
      (O.groups, ["miwae", "piwae"]), (O.beta, ["ciwae"]), (O.alpha, ["vr"]),
    ]
    for (option, names) in takes where o.has(option) && !names.contains(name) {
      throw UsageError("\(option.name) applies to --objective \(names.joined(separator: " and "))")
    }
    let objective: VAEObjective
    switch name {
    case "elbo-a": objective = .elboMonteCarlo
    case "elbo-b": objective = .elboAnalyticKL
    case "iwae": objective = .iwae
    case "miwae", "piwae":
      guard let m = o[O.groups] else { throw UsageError("--objective \(name) needs --groups M") }
      objective = name == "miwae" ? .miwae(groups: m) : .piwae(groups: m)
    case "ciwae": objective = .ciwae(beta: o[O.beta])
    case "vr": objective = .renyi(alpha: o[O.alpha])
    case "vimco": objective = .vimco
    default: objective = .jackknife(order: o[O.order])
    }
    if model == .discreteVAE, case .piwae = objective {
      throw UsageError(
        "--objective piwae trains the encoder and the decoder on different sample weights; the discrete VAE "
          + "implements one. Use miwae, iwae or jvi")
    }
    if model == .discreteVAE && objective == .elboAnalyticKL {
      throw UsageError(
        "--objective elbo-b needs an analytic KL(q(z|x) || p(z)); the discrete VAE's relaxed Bernoulli posterior "
          + "against a logistic prior has none. Use elbo-a, iwae or jvi")
    }
    return objective
  }

  static func architecture(_ o: ParsedOptions, model: ModelKind) throws -> VAEArchitecture {
    var a = VAEArchitecture()
    a.hiddenSizes = o[O.hidden] ?? ModelDefaults.of(model).hidden
    let bayes = model.isBayesByBackprop
    if a.hiddenSizes.isEmpty && !bayes { throw UsageError("the VAEs need at least one hidden layer (--hidden)") }
    a.latentSize = o[O.latent]
    a.activation = o[O.activation] ?? ModelDefaults.of(model).activation
    if bayes { a.latentSize = 0 }
    if model == .bbbRegression { a.inputSize = 1 }
    return a
  }

  static func temperature(_ o: ParsedOptions) throws -> TemperatureSchedule {
    let t = o[O.temperature]
    let floor = o[O.temperatureMinimum] ?? t
    if floor > t, let text = o.text(O.temperatureMinimum) {
      throw UsageError(
        "invalid value '\(text)' for --temperature-minimum; expected a temperature in (0, --temperature]")
    }
    return TemperatureSchedule(initial: t, decayRate: o[O.temperatureDecay], minimum: floor)
  }

  static func bayesSettings(_ o: ParsedOptions, into c: inout TrainingConfiguration) {
    c.bayes.outputSize = c.model == .bbbClassifier ? 10 : 1
    if let prior = o[O.prior] { c.bayes.prior = prior }
    c.bayes.weighting = o[O.weighting]
    c.bayes.initialRho = o[O.rhoInit]
    c.bayes.noiseSD = o[O.noiseSD]
    c.bayes.curve = RegressionCurve.Settings(points: o[O.points], noiseSD: o[O.curveNoise], seed: o[O.curveSeed])
    if c.model == .bbbRegression { c.validationCount = 0 }
  }

  /// With --resume, options that change the run's numbers must match the checkpoint.
  static func checkMatches(_ o: ParsedOptions, _ c: Checkpoint) throws {
    let stored = c.configuration
    if o.has(O.model), o[O.model] != stored.model {
      throw ToolFailure(
        "--model \(o[O.model].rawValue) does not match the checkpoint being resumed (\(stored.model.rawValue))")
    }
    var given = try configuration(from: o, model: stored.model)
    given.epochs = stored.epochs
    let fields: [(any OptionDeclaration, Bool)] = [
      (O.objective, given.objective.name == stored.objective.name), (O.order, given.objective == stored.objective),
      (O.groups, given.objective == stored.objective), (O.beta, given.objective == stored.objective),
      (O.alpha, given.objective == stored.objective), (O.gradient, given.gradient == stored.gradient),
      (O.schedule, given.schedule == stored.schedule),
      (O.k, given.samples == stored.samples), (O.batch, given.batchSize == stored.batchSize),
      (O.learningRate, given.learningRate == stored.learningRate),
      (O.adamEpsilon, given.adamEpsilon == stored.adamEpsilon),
      (O.data, given.dataDirectory == stored.dataDirectory), (O.seed, given.seed == stored.seed),
      (O.limit, given.limit == stored.limit), (O.validation, given.validationCount == stored.validationCount),
      (O.shards, given.shards == stored.shards),
      (O.hidden, given.architecture.hiddenSizes == stored.architecture.hiddenSizes),
      (O.latent, given.architecture.latentSize == stored.architecture.latentSize),
      (O.activation, given.architecture.activation == stored.architecture.activation),
      (O.initialization, given.initialization == stored.initialization),
      (O.temperature, given.temperature.initial == stored.temperature.initial),
      (O.temperatureDecay, given.temperature.decayRate == stored.temperature.decayRate),
      (O.temperatureMinimum, given.temperature.minimum == stored.temperature.minimum),
      (O.prior, given.bayes.prior == stored.bayes.prior),
      (O.weighting, given.bayes.weighting == stored.bayes.weighting),
      (O.rhoInit, given.bayes.initialRho == stored.bayes.initialRho),
      (O.noiseSD, given.bayes.noiseSD == stored.bayes.noiseSD),
      (O.points, given.bayes.curve.points == stored.bayes.curve.points),
      (O.curveNoise, given.bayes.curve.noiseSD == stored.bayes.curve.noiseSD),
      (O.curveSeed, given.bayes.curve.seed == stored.bayes.curve.seed),
    ]
    for (option, same) in fields where o.has(option) && !same {
      throw ToolFailure(
        "\(option.name) \(o.text(option) ?? "") does not match the checkpoint being resumed; leave it out to keep the "
          + "checkpoint's value")
    }
  }
}
