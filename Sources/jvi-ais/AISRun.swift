import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// One validated `jvi-ais` invocation.
struct AISRun {
  var model: any AnnealableModel
  var exact: (([Double]) -> Double)?
  var exactOfInstances: [Double]?
  var settings: [AISSettings]
  var bdmc: Bool
  var chains: Int
  var instances: Int
  var seed: UInt64
  var threads: Int
  var output: String?
  var saveLogWeights: String?
  /// With --shard: this block of the instances, saved as a part of --save-logw.
  var shard: ShardSelection?
  /// What the saved log-weights are of (model, split, chains, seed, settings): parts join only
  /// when it agrees.
  var description = ""

  typealias O = AISOptions

  init(_ o: ParsedOptions) throws {
    chains = o[O.chains]
    instances = o[O.instances]
    seed = o[O.seed]
    threads = o.threads(default: ParallelRows.availableProcessors)
    bdmc = o[O.bdmc]
    output = o[O.output]
    saveLogWeights = o[O.saveLogWeights]
    if let path = saveLogWeights, !path.lowercased().hasSuffix(".npy") {
      throw UsageError("--save-logw writes a .npy file; got '\(path)'")
    }
    if saveLogWeights != nil && bdmc { throw UsageError("--save-logw saves forward AIS log-weights; not with --bdmc") }
    shard = o[O.shard]
    if let shard {
      if bdmc { throw UsageError("--shard splits the instances of forward AIS; not with --bdmc") }
      guard saveLogWeights != nil else {
        throw UsageError("--shard saves its block as a part of --save-logw FILE; give --save-logw")
      }
      if shard.count > instances {
        throw UsageError("--shard \(shard): \(shard.count) shards of \(instances) instances would leave some empty")
      }
    }
    let (start, schedule, leapfrog, step) = (o[O.start], o[O.schedule], o[O.leapfrog], o[O.stepSize])
    let (acceptance, pilots, pilotTemperatures) = (o[O.targetAcceptance], o[O.pilotChains], o[O.pilotTemperatures])
    settings = try o[O.temperatures].map { t in
      do {
        return try AISSettings(
          temperatures: t, schedule: schedule, start: start, leapfrogSteps: leapfrog, initialStepSize: step,
          targetAcceptance: acceptance, pilotChains: pilots, pilotTemperatures: pilotTemperatures)
      } catch {
        throw UsageError("\(error)")
      }
    }
    if o.has(O.demoModel) && o.has(O.model) {
      throw UsageError("--demo-model and --model cannot be used together")
    }
    if o.has(O.demoModel) && o.has(O.precision) {
      throw UsageError("--precision chooses the VAE's network scalar; the linear-Gaussian model has no network")
    }
    if let text = o[O.demoModel] {
      let spec = try ModelSpecification.parse(inline: text, origin: "--demo-model")
      guard case .linearGaussian = spec else {
        throw UsageError("--demo-model: AIS needs a latent-variable model; only linear-gaussian has one")
      }
      guard let source = try spec.makeSource(instances: instances) as? LinearGaussianLogWeightSource else {
        throw UsageError("--demo-model: AIS needs a latent-variable model; only linear-gaussian has one")
      }
      model = source
      description = "demo \(text)"
      exact = { source.model.logEvidence($0) }
      exactOfInstances = source.exactLogEvidence(rows: 0..<instances)
    } else {
      let path = o[O.model]
      guard FileIO.exists(path) else {
        throw ToolFailure("the checkpoint \(path) does not exist; train one with jvi-train (or make train)")
      }
      let checkpoint = try Checkpoint(contentsOf: path)
      guard checkpoint.configuration.model == .gaussianVAE else {
        throw ToolFailure(
          "\(path) holds a \(checkpoint.configuration.model.rawValue); AIS runs on a gaussian-vae (z has a prior "
            + "and a differentiable likelihood)")
      }
      let split = o[O.split]
      let dataFile = o[O.data].flatMap { CheckpointEvidence.isObservationFile($0) ? $0 : nil }
      if dataFile != nil && o.has(O.split) {
        throw UsageError("--split chooses images of a folder; --data \(dataFile!) is evaluated as given")
      }
      let observations: VAEObservations =
        if let dataFile, !bdmc {
          .matrix(try ObservationMatrix(contentsOf: dataFile))
        } else {
          .images(
            try ImageDataset(
              directory: o[O.data] ?? checkpoint.configuration.dataDirectory, validationCount: 0,
              testOnly: split == .test || bdmc), split)
        }
      let source = try GaussianVAELogWeightSource(
        checkpoint: checkpoint, observations: observations, limit: instances,
        precision: o.has(O.precision) ? o[O.precision] : checkpoint.defaultPrecision)
      if !bdmc && source.instanceCount < instances {
        let (have, asked) = (source.instanceCount, o[O.instances])
        throw ToolFailure(
          dataFile.map { "\($0) has \(have) rows; asked for \(asked)" }
            ?? "the \(split.rawValue) split has \(have) images; asked for \(asked)")
      }
      model = source
      let data =
        dataFile.map { "data \($0) (fingerprint \(RunEnvironment.fingerprint(bytes: (try? FileIO.read($0)) ?? [])))" }
        ?? "\(split.rawValue) split of \(o[O.data] ?? checkpoint.configuration.dataDirectory)"
      description =
        "model \(path) (fingerprint \(RunEnvironment.fingerprint(bytes: try FileIO.read(path)))), \(data), network in "
        + "\(source.precision.rawValue)"
    }
    description =
      "jvi-ais forward log-weights of \(description); \(instances) instances, \(chains) chains, seed \(seed); "
      + "\(settings.last!)"
  }

  func run() throws {
    var report = AnnealingReport()
    var last: LogWeightMatrix?
    let rows = shard?.block(of: instances) ?? 0..<instances
    let start = monotonicSeconds()
    for s in settings {
      let what =
        bdmc
        ? "\(instances) draws simulated from \(model.name)"
        : shard.map {
          "instances \(rows.lowerBound)..<\(rows.upperBound) (shard \($0)) of \(instances) of \(model.name)"
        }
          ?? "\(instances) instances of \(model.name)"
      Output.standardError("jvi-ais: \(what): \(s), \(chains) chains\n")
      if bdmc {
        try report.addBidirectional(
          model: model, settings: s, count: instances, chains: chains, seed: seed, threads: threads, exact: exact)
      } else {
        last = try report.addForward(
          model: model, settings: s, rows: rows, chains: chains, seed: seed, threads: threads,
          exact: exactOfInstances.map { Array($0[rows]) })
      }
      Output.standardError("jvi-ais: " + report.summary.split(separator: "\n").last.map(String.init)! + "\n")
    }
    Output.standardError(report.summary)
    if let path = saveLogWeights, let m = last {
      if let shard {
        let part = try LogWeightParts.write(
          m, block: rows, total: instances, shard: shard, producer: "jvi-ais", description: description,
          seconds: monotonicSeconds() - start, to: path)
        Output.standardError("jvi-ais: saved part \(shard) to \(part); join the parts with jvi-ais --merge \(path)\n")
      } else {
        try FileIO.writeAtomically(m.npyBytes(), to: path)
      }
    }
    if let path = output {
      try FileIO.writeAtomically(report.csv, to: path)
    } else {
      Output.standardOutput(report.csv)
    }
  }
}
