import JVICore

/// The text header of a checkpoint file: the format version, its `key: value` fields and its
/// `tensor:` lines, with typed readers that name the field in every error. Each field may be
/// read once; `checkAllRead()` refuses fields nobody read (an unknown or misspelt key).
struct CheckpointHeader {
  let path: String
  let version: Int
  /// The `tensor: name AxB` lines, in order.
  let tensors: [String]
  private var fields: [String: String]

  /// Parses `bytes[0..<end]`, the header up to and including "end-header".
  init(_ bytes: [UInt8], end: Int, path: String) throws(InputFileError) {
    self.path = path
    guard let header = String(validating: bytes[0..<end], as: UTF8.self) else {
      throw CheckpointHeader.failure(path, "corrupt header (not text)")
    }
    var lines = header.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let first = lines.first, first.hasPrefix(Checkpoint.magic + " ") else {
      throw CheckpointHeader.failure(path, "not a jvi checkpoint (missing '\(Checkpoint.magic)' line)")
    }
    guard let version = Int(first.dropFirst(Checkpoint.magic.count + 1)),
      (1...Checkpoint.formatVersion).contains(version)
    else {
      throw CheckpointHeader.failure(
        path, "unsupported checkpoint format '\(first)'; this build reads versions 1 to \(Checkpoint.formatVersion)")
    }
    self.version = version
    lines.removeFirst()
    if lines.last == "end-header" { lines.removeLast() }
    var fields: [String: String] = [:]
    var tensors: [String] = []
    for (n, line) in lines.enumerated() {
      guard let colon = line.firstIndex(of: ":") else {
        throw CheckpointHeader.failure(path, "header line \(n + 2) is not 'key: value': '\(line)'")
      }
      let key = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingSpaces()
      if key == "tensor" {
        tensors.append(value)
      } else {
        if fields[key] != nil { throw CheckpointHeader.failure(path, "header field '\(key)' appears twice") }
        fields[key] = value
      }
    }
    self.fields = fields
    self.tensors = tensors
  }

  @inline(never)
  static func failure(_ path: String, _ problem: String) -> InputFileError {
    InputFileError(path: path, problem: problem)
  }

  func fail(_ problem: String) -> InputFileError { CheckpointHeader.failure(path, problem) }

  mutating func field(_ key: String) throws(InputFileError) -> String {
    guard let v = fields.removeValue(forKey: key) else { throw fail("header field '\(key)' is missing") }
    return v
  }

  /// A field that older checkpoints may lack: nil when absent.
  mutating func optionalField(_ key: String) -> String? { fields.removeValue(forKey: key) }

  mutating func int(_ key: String) throws(InputFileError) -> Int {
    let v = try field(key)
    guard let i = Int(v), i >= 0 else { throw fail("header field '\(key)' is not a non-negative integer: '\(v)'") }
    return i
  }

  /// A non-negative integer that must be at least 1.
  mutating func count(_ key: String) throws(InputFileError) -> Int {
    let v = try int(key)
    guard v >= 1 else { throw fail("header field '\(key)' must be at least 1") }
    return v
  }

  mutating func double(_ key: String) throws(InputFileError) -> Double {
    let v = try field(key)
    guard let d = Double(v), d.isFinite else { throw fail("header field '\(key)' is not a number: '\(v)'") }
    return d
  }

  mutating func positive(_ key: String) throws(InputFileError) -> Double {
    let v = try double(key)
    guard v > 0 else { throw fail("header field '\(key)' must be positive: \(v)") }
    return v
  }

  mutating func seed(_ key: String) throws(InputFileError) -> UInt64 {
    guard let seed = UInt64(try field(key)) else { throw fail("header field '\(key)' is malformed") }
    return seed
  }

  /// Refuses the first field (in key order) that nobody read.
  func checkAllRead() throws(InputFileError) {
    if let extra = fields.keys.sorted().first { throw fail("unknown header field '\(extra)'") }
  }
}

extension Substring {
  func trimmingSpaces() -> String {
    var s = self
    while s.first == " " { s.removeFirst() }
    while s.last == " " { s.removeLast() }
    return String(s)
  }
}
