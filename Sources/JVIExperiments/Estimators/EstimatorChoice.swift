import JVICore

/// One estimator with its parameters, as experiment files, jvi-eval and sweep CSVs name it.
///
/// Words: `elbo-a`, `elbo-b`, `iwae`, `jvi-M` (M = 0…10), `delta`, `psis`, `vr` (α = 0.5) or
/// `vr:alpha=A`, `vr-max`, `ciwae` (β = 0.5) or `ciwae:beta=B`, `sumo` or `sumo:m=M`, `mlmc`
/// (ML-RR, r = 0.6) or `mlmc:form=ss|rr,r=R`, `tvo` (lower, 5 partitions) or `tvo:partitions=P`,
/// and `tvo-upper[:partitions=P]`. The word is the estimator's `label`, the sweep CSV's
/// `estimator` column.
public enum EstimatorChoice: Sendable, Hashable, CustomStringConvertible {
  case elboMonteCarlo
  case elboAnalyticKL
  case iwae
  case jackknife(order: Int)
  case delta
  case paretoSmoothed
  case renyi(alpha: Double)
  case renyiMax
  case combination(beta: Double)
  case sumo(minimumTerms: Int)
  case multilevel(form: MultilevelIWAE.Form, rate: Double)
  case thermodynamic(side: ThermodynamicBound.Side, partitions: Int)

  /// The estimator a word names, or nil (the message says why) for an unknown word or a bad parameter.
  public init(_ word: String) throws(EstimatorChoiceError) {
    let (head, parameters) = try EstimatorChoice.split(word)
    func number(_ key: String, default d: Double) throws(EstimatorChoiceError) -> Double {
      guard let text = parameters[key] else { return d }
      guard let v = Double(text), v.isFinite else { throw EstimatorChoiceError("\(word): \(key) must be a number") }
      return v
    }
    func integer(_ key: String, default d: Int) throws(EstimatorChoiceError) -> Int {
      guard let text = parameters[key] else { return d }
      guard let v = Int(text) else { throw EstimatorChoiceError("\(word): \(key) must be an integer") }
      return v
    }
    let allowed: [String]
    switch head {
    case "elbo-a": (self, allowed) = (.elboMonteCarlo, [])
    case "elbo-b": (self, allowed) = (.elboAnalyticKL, [])
    case "iwae": (self, allowed) = (.iwae, [])
    case "delta": (self, allowed) = (.delta, [])
    case "psis": (self, allowed) = (.paretoSmoothed, [])
    case "vr": (self, allowed) = (.renyi(alpha: try number("alpha", default: RenyiBound.defaultAlpha)), ["alpha"])
    case "vr-max": (self, allowed) = (.renyiMax, [])
    case "ciwae":
      (self, allowed) = (.combination(beta: try number("beta", default: CombinationIWAE.defaultBeta)), ["beta"])
    case "sumo": (self, allowed) = (.sumo(minimumTerms: try integer("m", default: SUMO.defaultMinimumTerms)), ["m"])
    case "mlmc":
      guard let form = MultilevelIWAE.Form(rawValue: parameters["form"] ?? "rr") else {
        throw EstimatorChoiceError("\(word): form must be ss or rr")
      }
      (self, allowed) = (
        .multilevel(form: form, rate: try number("r", default: MultilevelIWAE.defaultRate)), ["form", "r"]
      )
    case "tvo", "tvo-upper":
      let p = try integer("partitions", default: ThermodynamicBound.defaultPartitions)
      (self, allowed) = (.thermodynamic(side: head == "tvo" ? .lower : .upper, partitions: p), ["partitions"])
    default:
      guard head.hasPrefix("jvi-"), let m = Int(head.dropFirst(4)), (0...Jackknife.maximumOrder).contains(m) else {
        throw EstimatorChoiceError(
          "unknown estimator '\(word)'; expected elbo-a, elbo-b, iwae, jvi-M (M = 0...10), delta, psis, vr[:alpha=A], "
            + "vr-max, ciwae[:beta=B], sumo[:m=M], mlmc[:form=ss|rr,r=R], tvo[:partitions=P] or tvo-upper[:partitions=P]"
        )
      }
      (self, allowed) = (.jackknife(order: m), [])
    }
    if let extra = parameters.keys.sorted().first(where: { !allowed.contains($0) }) {
      throw EstimatorChoiceError(
        "\(word): \(head) takes " + (allowed.isEmpty ? "no parameters" : allowed.joined(separator: ", "))
          + ", not \(extra)")
    }
    do {
      _ = try build(k: nil, seed: 0)
    } catch {
      throw EstimatorChoiceError("\(word): \(error)")
    }
  }

  /// "vr:alpha=0.5,x=1" → ("vr", [alpha: 0.5, x: 1]).
  static func split(_ word: String) throws(EstimatorChoiceError) -> (String, [String: String]) {
    guard let colon = word.firstIndex(of: ":") else { return (word, [:]) }
    var parameters: [String: String] = [:]
    for pair in word[word.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
      let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
        throw EstimatorChoiceError("\(word): parameters are key=value, separated by commas")
      }
      if parameters.updateValue(String(kv[1]), forKey: String(kv[0])) != nil {
        throw EstimatorChoiceError("\(word): \(kv[0]) is given twice")
      }
    }
    return (String(word[..<colon]), parameters)
  }

  /// The CSV `estimator` column of jvi-eval: the estimator's own `BoundEstimator.name`.
  public var name: String { make(k: minimumSampleCount).name }

  /// The sweep CSV's `estimator` column: the estimator's `label` (its name, with the parameters
  /// when they are not the defaults; `jvi` with the order in its own column).
  public var label: String { make(k: minimumSampleCount).label }

  /// The CSV `order` column.
  public var order: Int {
    if case .jackknife(let m) = self { return m }
    return 0
  }

  /// "jvi-2", "iwae", "vr:alpha=0.5": the word of experiment files, figure legends and sweep CSVs.
  public var description: String {
    if case .jackknife(let m) = self { return "jvi-\(m)" }
    return make(k: minimumSampleCount).label
  }

  /// The smallest K a sweep evaluates it at (PSIS needs a tail of 5 points: K ≥ 21).
  public var minimumSampleCount: Int {
    switch self {
    case .jackknife(let m): m + 1
    case .delta, .multilevel: 2
    case .paretoSmoothed: ParetoSmoothing.minimumSampleCount
    case .sumo(let m): m + 1
    default: 1
    }
  }

  /// Whether it draws random numbers of its own (seeded by instance and block).
  public var isRandomised: Bool {
    switch self {
    case .sumo, .multilevel: true
    default: false
    }
  }

  /// The estimator on blocks of k columns (nil: all), its own random numbers from `seed`.
  public func build(k: Int?, seed: UInt64) throws(EstimatorError) -> any BoundEstimator {
    switch self {
    case .elboMonteCarlo: try ELBOMonteCarlo(k: k)
    case .elboAnalyticKL: try ELBOAnalyticKL(k: k)
    case .iwae: try IWAE(k: k)
    case .jackknife(let m): try Jackknife(order: m, k: k)
    case .delta: try DeltaMethod(k: k)
    case .paretoSmoothed: try ParetoSmoothedIWAE(k: k)
    case .renyi(let alpha): try RenyiBound(alpha: alpha, k: k)
    case .renyiMax: try RenyiMax(k: k)
    case .combination(let beta): try CombinationIWAE(beta: beta, k: k)
    case .sumo(let m): try SUMO(minimumTerms: m, k: k, seed: seed)
    case .multilevel(let form, let rate): try MultilevelIWAE(form: form, rate: rate, k: k, seed: seed)
    case .thermodynamic(let side, let p): try ThermodynamicBound(side: side, partitions: p, k: k)
    }
  }

  /// The estimator on blocks of k ≥ `minimumSampleCount` columns (a sweep plan checks k first).
  public func make(k: Int, seed: UInt64 = 0) -> any BoundEstimator {
    do {
      return try build(k: k, seed: seed)
    } catch {
      preconditionFailure("\(self) at k = \(k): \(error)")
    }
  }
}

/// Why a word does not name an estimator.
public struct EstimatorChoiceError: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
