import JVICore

/// One estimator with its parameters (an `EstimatorRegistry` entry and its arguments), as
/// experiment files, jvi-eval, sweep CSVs and the C interface name it.
///
/// Words: `elbo-a`, `elbo-b`, `iwae`, `jvi-M` (M = 0…10), `delta`, `psis`, `vr` (α = 0.5) or
/// `vr:alpha=A`, `vr-max`, `ciwae` (β = 0.5) or `ciwae:beta=B`, `sumo` or `sumo:m=M`, `mlmc`
/// (ML-RR, r = 0.6) or `mlmc:form=ss|rr,r=R`, `tvo` (lower, 5 partitions) or `tvo:partitions=P`,
/// and `tvo-upper[:partitions=P]`: the registry's entries and their parameters. The word is the
/// estimator's `label`, the sweep CSV's `estimator` column.
public struct EstimatorChoice: Sendable, Hashable, CustomStringConvertible {
  public let entry: EstimatorEntry
  /// Every parameter's value, defaults filled in.
  public let arguments: EstimatorArguments

  /// The estimator a word names.
  ///
  /// - Throws: `EstimatorChoiceError`, naming the word, for an unknown word, an unknown or
  ///   repeated parameter, a value of the wrong kind, or a configuration the estimator refuses.
  public init(_ word: String) throws(EstimatorChoiceError) {
    let (head, parameters) = try EstimatorChoice.split(word)
    var texts = parameters
    let found: EstimatorEntry? =
      EstimatorRegistry.entry(named: head).flatMap { $0.numbers == nil ? $0 : nil }
      ?? EstimatorRegistry.entries.first { e in
        guard let numbers = e.numbers, let p = e.parameters.first, head.hasPrefix(e.name + "-"),
          let n = Int(head.dropFirst(e.name.count + 1)), numbers.contains(n)
        else { return false }
        texts[p.key] = String(n)
        return true
      }
    guard let entry = found else {
      throw EstimatorChoiceError("unknown estimator '\(word)'; expected \(EstimatorRegistry.grammar)")
    }
    try self.init(
      entry, texts: texts, keyed: Set(parameters.keys), allowed: entry.keyedParameters.map(\.key), word: word,
      head: head)
    do {
      _ = try build(k: nil, seed: 0)
    } catch {
      throw EstimatorChoiceError("\(word): \(error)")
    }
  }

  /// The estimator `name` with parameters by key (`["alpha": "0.5"]`, `["order": "2"]`), the
  /// others at their defaults: how jvi-eval's flags name one. Unlike a word, the configuration
  /// is not built here: `build(k:seed:)` checks it, with the estimator's own message.
  ///
  /// - Throws: `EstimatorChoiceError` for an unknown name or parameter, or a value of the wrong
  ///   kind.
  public init(name: String, parameters texts: [String: String]) throws(EstimatorChoiceError) {
    guard let entry = EstimatorRegistry.entry(named: name) else {
      throw EstimatorChoiceError(
        "unknown estimator '\(name)'; expected " + EstimatorRegistry.entries.map(\.name).joined(separator: ", "))
    }
    let word =
      texts.isEmpty ? name : name + ":" + texts.keys.sorted().map { "\($0)=\(texts[$0]!)" }.joined(separator: ",")
    try self.init(
      entry, texts: texts, keyed: Set(texts.keys), allowed: entry.parameters.map(\.key), word: word, head: name)
  }

  /// Reads `texts` for the entry's parameters and refuses a key in `keyed` (those the caller
  /// named) that is not `allowed`.
  private init(
    _ entry: EstimatorEntry, texts: [String: String], keyed: Set<String>, allowed: [String], word: String,
    head: String
  ) throws(EstimatorChoiceError) {
    var values: [String: EstimatorArgument] = [:]
    for p in entry.parameters {
      guard let text = texts[p.key] else {
        values[p.key] = p.defaultValue
        continue
      }
      switch p.parse(text) {
      case .success(let v): values[p.key] = v
      case .failure(let reason): throw EstimatorChoiceError("\(word): \(reason)")
      }
    }
    if let extra = keyed.sorted().first(where: { !allowed.contains($0) }) {
      throw EstimatorChoiceError(
        "\(word): \(head) takes " + (allowed.isEmpty ? "no parameters" : allowed.joined(separator: ", "))
          + ", not \(extra)")
    }
    self.entry = entry
    arguments = EstimatorArguments(values: values)
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

  /// The estimator on all columns, which answers for the choice: its name, label, order and
  /// capabilities do not depend on k. Nil only for a configuration that `init(name:parameters:)`
  /// took unchecked and the estimator refuses (`build(k:seed:)` then says why).
  private var onAllColumns: (any BoundEstimator)? { try? build(k: nil, seed: 0) }

  /// The CSV `estimator` column of jvi-eval: the estimator's own `BoundEstimator.name`.
  public var name: String { onAllColumns?.name ?? entry.name }

  /// The sweep CSV's `estimator` column: the estimator's `label` (its name, with the parameters
  /// when they are not the defaults; `jvi` with the order in its own column).
  public var label: String { onAllColumns?.label ?? entry.name }

  /// The CSV `order` column.
  public var order: Int { onAllColumns?.order ?? 0 }

  /// "jvi-2", "iwae", "vr:alpha=0.5": the word of experiment files, figure legends and sweep CSVs.
  public var description: String {
    let e = onAllColumns
    return EstimatorRegistry.word(estimator: e?.label ?? entry.name, order: e?.order ?? 0)
  }

  /// The smallest K a sweep evaluates it at (`BoundEstimator.smallestDefinedSampleCount`: PSIS
  /// needs a tail of 5 points, K ≥ 21).
  public var minimumSampleCount: Int { onAllColumns?.smallestDefinedSampleCount ?? 1 }

  /// Whether it draws random numbers of its own (seeded by instance and block).
  public var isRandomised: Bool { onAllColumns?.drawsRandomNumbers ?? false }

  /// Whether it reads the ELBO-B inputs (log p(x|z) and the analytic KL) rather than log-weights.
  public var needsAnalyticKLInputs: Bool { onAllColumns?.needsAnalyticKLInputs ?? false }

  /// The estimator on blocks of k columns (nil: all), its own random numbers from `seed`.
  public func build(k: Int?, seed: UInt64) throws(EstimatorError) -> any BoundEstimator {
    try entry.build(arguments, k: k, seed: seed)
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
