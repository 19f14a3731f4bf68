/// One parameter of an estimator, as every front door spells it: its key in estimator words
/// ("vr:alpha=0.5"), its jvi-eval flag, its Python keyword, its kind and its default.
public struct EstimatorParameter: Sendable {
  /// What values it takes. Ranges are the estimator's to check (its `init` throws), so that one
  /// rule and one message serve every front door.
  public enum Kind: Sendable, Equatable {
    case real
    case integer
    case choice([String])
  }

  /// The key in a word: `alpha`, `m`, `form`.
  public let key: String
  /// The jvi-eval flag that sets it (`--alpha`), or nil when jvi-eval has none.
  public let flag: String?
  /// The keyword of the Python API (`alpha`, `min_terms`).
  public let keyword: String
  /// The placeholder of the word grammar: `A` in `vr[:alpha=A]`.
  public let placeholder: String
  public let kind: Kind
  /// The value when a word or a call leaves it out.
  public let defaultValue: EstimatorArgument

  public init(
    key: String, flag: String?, keyword: String, placeholder: String, kind: Kind, default value: EstimatorArgument
  ) {
    self.key = key
    self.flag = flag
    self.keyword = keyword
    self.placeholder = placeholder
    self.kind = kind
    defaultValue = value
  }

  /// The value `text` spells, or the reason it spells none ("must be a number").
  func parse(_ text: String) -> Result<EstimatorArgument, EstimatorChoiceError> {
    switch kind {
    case .real:
      guard let v = Double(text), v.isFinite else { return .failure(EstimatorChoiceError("\(key) must be a number")) }
      return .success(.real(v))
    case .integer:
      guard let v = Int(text) else { return .failure(EstimatorChoiceError("\(key) must be an integer")) }
      return .success(.integer(v))
    case .choice(let values):
      guard values.contains(text) else {
        return .failure(EstimatorChoiceError("\(key) must be " + values.joined(separator: " or ")))
      }
      return .success(.choice(text))
    }
  }
}

/// A parameter's value.
public enum EstimatorArgument: Sendable, Hashable, CustomStringConvertible {
  case real(Double)
  case integer(Int)
  case choice(String)

  public var description: String {
    switch self {
    case .real(let v): "\(v)"
    case .integer(let v): "\(v)"
    case .choice(let v): v
    }
  }
}

/// The values of an estimator's parameters, every one present (defaults filled in).
public struct EstimatorArguments: Sendable, Hashable {
  var values: [String: EstimatorArgument]

  /// The real parameter `key`.
  public func real(_ key: String) -> Double {
    guard case .real(let v) = values[key] else { preconditionFailure("no real parameter \(key)") }
    return v
  }

  /// The integer parameter `key`.
  public func integer(_ key: String) -> Int {
    guard case .integer(let v) = values[key] else { preconditionFailure("no integer parameter \(key)") }
    return v
  }

  /// The choice parameter `key`.
  public func choice(_ key: String) -> String {
    guard case .choice(let v) = values[key] else { preconditionFailure("no choice parameter \(key)") }
    return v
  }
}
