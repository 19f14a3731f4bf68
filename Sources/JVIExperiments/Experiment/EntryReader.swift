/// Typed access to the entries of an experiment file (or of a `--demo-model` text), remembering
/// which were read so that unknown or inapplicable options are reported with their line.
struct EntryReader {
  let path: String
  private let entries: [ExperimentFile.Entry]
  private(set) var used: Set<String> = []

  init(path: String, entries: [ExperimentFile.Entry]) {
    self.path = path
    self.entries = entries
  }

  func entry(_ key: String) -> ExperimentFile.Entry? { entries.first { $0.key == key } }

  func error(_ key: String, _ problem: String) -> ExperimentFileError {
    ExperimentFileError(path: path, line: entry(key)?.line, key: key, problem: problem)
  }

  mutating func string(_ key: String) -> String? {
    used.insert(key)
    return entry(key)?.value
  }

  mutating func required(_ key: String, _ what: String) throws(ExperimentFileError) -> String {
    guard let v = string(key) else {
      throw ExperimentFileError(path: path, line: nil, key: key, problem: "missing; give \(what)")
    }
    return v
  }

  mutating func int(_ key: String, in range: ClosedRange<Int>) throws(ExperimentFileError) -> Int? {
    guard let text = string(key) else { return nil }
    guard let v = Int(text), range.contains(v) else {
      throw error(key, "expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return v
  }

  mutating func uint64(_ key: String) throws(ExperimentFileError) -> UInt64? {
    guard let text = string(key) else { return nil }
    guard let v = UInt64(text) else { throw error(key, "expected a non-negative integer seed, got '\(text)'") }
    return v
  }

  mutating func double(_ key: String, expected: String, where valid: (Double) -> Bool) throws(ExperimentFileError)
    -> Double?
  {
    guard let text = string(key) else { return nil }
    guard let v = Double(text), v.isFinite, valid(v) else { throw error(key, "expected \(expected), got '\(text)'") }
    return v
  }

  mutating func bool(_ key: String) throws(ExperimentFileError) -> Bool? {
    guard let text = string(key) else { return nil }
    switch text {
    case "true", "yes": return true
    case "false", "no": return false
    default: throw error(key, "expected true or false, got '\(text)'")
    }
  }

  /// Space-separated words.
  mutating func words(_ key: String) -> [String]? {
    string(key).map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
  }

  /// Throws for the first entry whose key is not in `known` at all.
  func rejectUnknown(known: Set<String>) throws(ExperimentFileError) {
    for e in entries where !known.contains(e.key) {
      throw ExperimentFileError(path: path, line: e.line, key: e.key, problem: "unknown option")
    }
  }

  /// Throws for the first entry of `group` nobody read (an option of another model).
  func rejectUnread(in group: Set<String>, context: String) throws(ExperimentFileError) {
    for e in entries where group.contains(e.key) && !used.contains(e.key) {
      throw ExperimentFileError(path: path, line: e.line, key: e.key, problem: "does not apply to \(context)")
    }
  }

  /// Throws for the first entry nobody read: unknown anywhere, or known but not for this `context`.
  func rejectUnread(known: Set<String>, context: String) throws(ExperimentFileError) {
    for e in entries where !used.contains(e.key) {
      let problem = known.contains(e.key) ? "does not apply to \(context)" : "unknown option"
      throw ExperimentFileError(path: path, line: e.line, key: e.key, problem: problem)
    }
  }
}
