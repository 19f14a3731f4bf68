import JVICore
import JVIModels

/// How a sweep names its model, dataset and reference, and reports its progress.
extension SweepRunner {
  /// The CSV `model` and `dataset` labels (commas would break the CSV: replaced by semicolons).
  static func labels(_ model: ModelSpecification, _ source: any LogWeightSource) -> (model: String, dataset: String) {
    let dataset: String
    switch model {
    case .linearGaussian(_, _, _, let dataSeed, _): dataset = "draws-from-the-model data-seed=\(dataSeed)"
    case .law: dataset = "iid-weights"
    case .matrix(let path): dataset = "user log-weights " + (path.split(separator: "/").last.map(String.init) ?? path)
    case .checkpoint(let path, let directory, let split, _, _):
      let c = (try? Checkpoint(contentsOf: path))?.configuration
      let folder = directory ?? c?.dataDirectory ?? "data"
      let name = folder.split(separator: "/").last.map(String.init) ?? folder
      switch c?.model {
      case .bbbRegression?:
        let curve = c!.bayes.curve
        dataset = "regression-curve points=\(curve.points) noise=\(curve.noiseSD) seed=\(curve.seed) (replicates)"
      case .bbbClassifier?: dataset = "\(name) train (replicates)"
      default:
        dataset = CheckpointEvidence.isObservationFile(folder) ? "user data \(name)" : "\(name) \(split.rawValue)"
      }
    }
    func clean(_ s: String) -> String { String(s.map { $0 == "," ? ";" : $0 }) }
    var label = source.name
    switch model {
    case .law(.logNormal(let mu, let sigma)): label = "log-normal mu=\(compact(mu)) sigma=\(compact(sigma))"
    case .law(.gamma(let a, let theta)): label = "gamma shape=\(compact(a)) scale=\(compact(theta))"
    default: break
    }
    return (clean(label), clean(dataset))
  }

  /// The model behind a sweep's source, when AIS can run on it.
  static func annealableModel(_ source: any LogWeightSource) throws -> any AnnealableModel {
    if let model = source as? any AnnealableModel { return model }
    if let model = (source as? CheckpointLogWeightSource)?.base as? any AnnealableModel { return model }
    throw SweepError(
      "\(source.name) has no AIS target (a prior and a differentiable log p(x|z)); reference = ais runs on "
        + "gaussian-vae checkpoints and linear-gaussian")
  }

  static func figure(rows: [SweepRow], plan: SweepPlan, labels: (model: String, dataset: String)) -> SweepFigure {
    let e = plan.experiment
    var reference =
      e.reference == .exact
      ? "exact log p(x)"
      : e.referenceFile.map { "reference from \($0.split(separator: "/").last ?? "")" }
        ?? "reference \(e.reference.rawValue) of \(e.referenceSamples) samples"
    if let ais = e.ais {
      reference =
        "reference AIS (\(ais.temperatures) temperatures from the \(ais.start.rawValue), \(e.referenceSamples) chains)"
    }
    return SweepFigure(
      title: "\(e.name) \u{2014} \(labels.model)",
      subtitle:
        "\(labels.dataset), N = \(e.instances) instances, \(e.replicateSets) replicate sets of K_max = "
        + "\(e.maximumSampleCount), \(reference), seed \(e.seed)",
      rows: rows)
  }

  /// The reference's progress report, "reference: done/total instances, … elapsed, ETA …", timed
  /// from the call.
  func referenceProgress() -> (Int, Int) -> Void {
    let start = monotonicSeconds()
    return { done, total in
      self.report(
        "reference: \(done)/\(total) instances, "
          + Self.elapsedAndETA(since: start, done: done, remaining: total - done))
    }
  }

  /// "… elapsed, ETA …" for `done` units of work finished since `start`, `remaining` to go.
  static func elapsedAndETA(since start: Double, done: Int, remaining: Int) -> String {
    let elapsed = monotonicSeconds() - start
    return
      "\(DurationText.format(elapsed)) elapsed, ETA \(DurationText.format(elapsed / Double(done) * Double(remaining)))"
  }
}
