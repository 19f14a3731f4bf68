import JVICore

/// One estimator as jvi's front doors know it (`EstimatorRegistry`): its name and parameters,
/// how to build it, which lists hold it, its colour in figures and its line of help.
///
/// What an estimator can do (gradient weights, truncation counts, the smallest K, why a row is
/// undefined, its own random numbers) is not recorded here: the built `BoundEstimator` answers.
public struct EstimatorEntry: Sendable, Hashable {
  /// The lists of jvi-eval's `--estimator all` and `--estimator family`.
  public enum List: Sendable, Hashable {
    /// `all`: the classic estimators.
    case classic
    /// `family`: every estimator.
    case family
  }

  /// The name of jvi-eval's `--estimator`, of CSV columns and of words: `vr`.
  public let name: String
  /// Its parameters, in the order words and help list them.
  public let parameters: [EstimatorParameter]
  /// For an estimator whose first parameter is written into its name in words (`jvi-2`, not
  /// `:order=2`): the numbers a word may carry.
  public let numbers: ClosedRange<Int>?
  /// A few words for help texts: "Renyi bound".
  public let summary: String
  public let lists: Set<List>
  /// The estimators jvi-eval's `--estimator NAME` also runs after this one (tvo: tvo-upper).
  public let companions: [String]
  /// Whether `all` and `family` leave it out, rather than fail, on blocks narrower than its
  /// minimum (delta, which needs 2 columns).
  public let leftOutOfListsWhenTooNarrow: Bool
  /// Its figure colour, and the colours of particular words (`jvi-2`) where they differ.
  public let colour: String
  public let wordColours: [String: String]
  let make: @Sendable (EstimatorArguments, Int?, UInt64) throws(EstimatorError) -> any BoundEstimator

  public init(
    _ name: String, summary: String, parameters: [EstimatorParameter] = [], numbers: ClosedRange<Int>? = nil,
    lists: Set<List> = [], companions: [String] = [], leftOutOfListsWhenTooNarrow: Bool = false, colour: String,
    wordColours: [String: String] = [:],
    make: @escaping @Sendable (EstimatorArguments, Int?, UInt64) throws(EstimatorError) -> any BoundEstimator
  ) {
    self.name = name
    self.summary = summary
    self.parameters = parameters
    self.numbers = numbers
    self.lists = lists
    self.companions = companions
    self.leftOutOfListsWhenTooNarrow = leftOutOfListsWhenTooNarrow
    self.colour = colour
    self.wordColours = wordColours
    self.make = make
  }

  /// The estimator with `arguments`, on blocks of k columns (nil: all), its own random numbers
  /// (if it draws any) from `seed`.
  public func build(_ arguments: EstimatorArguments, k: Int?, seed: UInt64) throws(EstimatorError)
    -> any BoundEstimator
  {
    try make(arguments, k, seed)
  }

  /// Its word grammar for messages: `vr[:alpha=A]`, `jvi-M (M = 0...10)`.
  var grammar: String {
    if let numbers, let p = parameters.first {
      return "\(name)-\(p.placeholder) (\(p.placeholder) = \(numbers.lowerBound)...\(numbers.upperBound))"
    }
    guard !parameters.isEmpty else { return name }
    return name + "[:" + parameters.map { "\($0.key)=\($0.placeholder)" }.joined(separator: ",") + "]"
  }

  /// The parameters a word gives after the colon.
  var keyedParameters: ArraySlice<EstimatorParameter> {
    numbers != nil ? parameters.dropFirst() : parameters[...]
  }

  public static func == (a: EstimatorEntry, b: EstimatorEntry) -> Bool { a.name == b.name }
  public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
