/// The raw text of an experiment file: `key = value` lines, `#` comments and blank lines.
///
///     # Log-normal weights: does JVI-1 remove the 1/K bias?
///     model = log-normal
///     sigma = 1
///     k = 1 2 4 8 16
///
/// A value runs to the end of the line (trailing comments are allowed after ` #`). Keys are
/// lower-case words joined by hyphens, each given at most once. `ExperimentSpecification`
/// gives the entries their meaning.
public struct ExperimentFile: Sendable {
  public struct Entry: Sendable, Equatable {
    public var key: String
    public var value: String
    public var line: Int
  }

  public let path: String
  public let entries: [Entry]

  public init(path: String, text: String) throws(ExperimentFileError) {
    self.path = path
    var entries: [Entry] = []
    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      var line = Substring(rawLine)
      if line.hasSuffix("\r") { line = line.dropLast() }
      if let hash = line.firstIndex(of: "#"), hash == line.startIndex || line[line.index(before: hash)] == " " {
        line = line[..<hash]
      }
      let trimmed = line.trimmingSpaces
      if trimmed.isEmpty { continue }
      guard let eq = trimmed.firstIndex(of: "=") else {
        throw ExperimentFileError(
          path: path, line: lineNumber, key: nil, problem: "expected 'key = value', got '\(trimmed)'")
      }
      let key = String(trimmed[..<eq].trimmingSpaces)
      let value = String(trimmed[trimmed.index(after: eq)...].trimmingSpaces)
      guard !key.isEmpty, key.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
        throw ExperimentFileError(
          path: path, line: lineNumber, key: nil,
          problem: "'\(key)' is not an option name (lower-case words joined by hyphens)")
      }
      guard !value.isEmpty else {
        throw ExperimentFileError(path: path, line: lineNumber, key: key, problem: "no value")
      }
      if let earlier = entries.first(where: { $0.key == key }) {
        throw ExperimentFileError(
          path: path, line: lineNumber, key: key, problem: "given twice (first on line \(earlier.line))")
      }
      entries.append(Entry(key: key, value: value, line: lineNumber))
    }
    self.entries = entries
  }

  public subscript(key: String) -> Entry? { entries.first { $0.key == key } }
}

/// A bad experiment file (or `--demo-model` text): where, which option, what is wrong.
/// Tools report it as a usage error (exit 64).
public struct ExperimentFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  /// 1-based; nil when the problem is not on one line (a missing option).
  public var line: Int?
  public var key: String?
  public var problem: String

  public init(path: String, line: Int?, key: String?, problem: String) {
    self.path = path
    self.line = line
    self.key = key
    self.problem = problem
  }

  public var description: String {
    let location = path + (line.map { ":\($0)" } ?? "")
    return location + ": " + (key.map { "option '\($0)': " } ?? "") + problem
  }
}

extension Substring {
  var trimmingSpaces: Substring {
    var s = self
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
    return s
  }
}
