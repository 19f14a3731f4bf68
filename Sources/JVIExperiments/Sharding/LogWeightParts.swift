import JVICore

/// Log-weight matrices written in parts by array jobs (`jvi-ais --shard I/N --save-logw F.npy`,
/// `jvi-eval --model … --save-logw F.npy --shard I/N`) and joined into one `.npy`.
///
/// ## Files
/// Shard I of N of a matrix of `total` instances owns the rows `ShardSelection.block(of: total)`
/// and writes two files next to F.npy:
/// - `F.part-I-of-N.npy`: its rows, a float64 C-order array of shape (rows, K) (rows may be 0);
/// - `F.part-I-of-N.json`, written after the array, so that its presence marks a finished part:
///   `producer`, `description` (what was computed: model file and its fingerprint, split, samples
///   or chains, seed, AIS settings), `fingerprint` (of the description), `shard_index`,
///   `shard_count`, `first_instance`, `end_instance`, `total_instances`, `columns`,
///   `git_revision`, `host`, `seconds`, `written`.
///
/// Every producer draws instance i's samples from its own stream of the seed, so a part's rows are
/// the same bits as those rows of an unsharded run, and the joined F.npy equals the unsharded
/// file byte for byte.
public enum LogWeightParts {
  /// What a part's metadata says.
  public struct Part: Sendable, Equatable {
    public var shard: ShardSelection
    public var producer: String
    public var description: String
    public var fingerprint: String
    public var block: Range<Int>
    public var totalInstances: Int
    public var columns: Int
    public var revision: String
    public var host: String
    public var seconds: Double
  }

  /// What `join` wrote.
  public struct Joined: Sendable {
    public var path: String
    public var rows: Int
    public var columns: Int
    public var parts: [Part]

    /// "joined 4 parts (instances 0..<25 on host-a in 12 s, …) into F.npy: 100 x 16 log-weights".
    public var summary: String {
      let list = parts.map {
        "instances \($0.block.lowerBound)..<\($0.block.upperBound) on \($0.host) in \(DurationText.format($0.seconds))"
      }
      return "joined \(parts.count) parts (\(list.joined(separator: "; "))) into \(path): \(rows) x \(columns) "
        + "log-weights of \(parts[0].description)"
    }
  }

  /// `F.part-I-of-N.npy` for F.npy.
  public static func partPath(_ path: String, shard: ShardSelection) -> String {
    stem(path) + shard.partSuffix + ".npy"
  }

  /// The metadata file of a part: `F.part-I-of-N.json`.
  static func metadataPath(_ path: String, shard: ShardSelection) -> String {
    stem(path) + shard.partSuffix + ".json"
  }

  static func stem(_ path: String) -> String {
    path.lowercased().hasSuffix(".npy") ? String(path.dropLast(4)) : path
  }

  /// Writes `matrix`, rows `block` of a `total`-instance matrix, as part `shard` of `path`, then its
  /// metadata; returns the part's path. `description` says what was computed (one line); parts
  /// join only when their descriptions agree.
  @discardableResult
  public static func write(
    _ matrix: LogWeightMatrix, block: Range<Int>, total: Int, shard: ShardSelection, producer: String,
    description: String, seconds: Double, to path: String
  ) throws(InputFileError) -> String {
    precondition(matrix.rowCount == block.count, "\(matrix.rowCount) rows for block \(block)")
    let part = partPath(path, shard: shard)
    try FileIO.writeAtomically(matrix.npyBytes(), to: part)
    try writeMetadata(
      block: block, total: total, shard: shard, producer: producer, description: description,
      columns: matrix.columnCount, seconds: seconds, to: path)
    return part
  }

  /// Writes the metadata of part `shard` of `path` (rows `block` of `total`, `columns` wide), after
  /// its array `partPath(path, shard:)` is complete: its presence marks the part finished.
  public static func writeMetadata(
    block: Range<Int>, total: Int, shard: ShardSelection, producer: String, description: String, columns: Int,
    seconds: Double, to path: String
  ) throws(InputFileError) {
    precondition(block == shard.block(of: total), "block \(block) is not shard \(shard) of \(total)")
    let revision = RunEnvironment.gitRevision().map { $0.revision + ($0.dirty ? "-dirty" : "") } ?? "unknown"
    let line = oneLine(description)
    let fields: [(String, JSONValue)] = [
      ("producer", .string(producer)), ("description", .string(line)),
      ("fingerprint", .string(RunEnvironment.fingerprint(line))), ("shard_index", .integer(shard.index)),
      ("shard_count", .integer(shard.count)), ("first_instance", .integer(block.lowerBound)),
      ("end_instance", .integer(block.upperBound)), ("total_instances", .integer(total)),
      ("columns", .integer(columns)), ("git_revision", .string(revision)),
      ("host", .string(RunEnvironment.hostName)), ("seconds", .number(seconds)),
      ("written", .string(RunEnvironment.utcTimestamp())),
    ]
    try FileIO.writeAtomically(JSONValue.object(fields).text() + "\n", to: metadataPath(path, shard: shard))
  }

  /// Quotes and line breaks would not survive the flat metadata reader: replaced.
  static func oneLine(_ text: String) -> String {
    String(text.map { $0 == "\"" ? "'" : ($0 == "\n" || $0 == "\\" ? " " : $0) })
  }

  /// Joins the parts `F.part-I-of-N.npy` of `path` (= F.npy) into `path`, after checking that all N
  /// are there and finished, that they describe one computation from one git revision, and that
  /// their blocks tile the instances. The file is written piece by piece and renamed into place.
  ///
  /// - Throws: `InputFileError` naming the missing or mismatched part.
  public static func join(_ path: String) throws(InputFileError) -> Joined {
    let n = try partCount(path)
    var missing: [Int] = []
    for i in 1...n where !FileIO.exists(metadataPath(path, shard: ShardSelection(index: i, count: n))) {
      missing.append(i)
    }
    guard missing.isEmpty else {
      let list = missing.map { partPath(path, shard: ShardSelection(index: $0, count: n)) }
      throw InputFileError(
        path: path,
        problem: "\(missing.count) of \(n) parts are missing or unfinished: \(list.joined(separator: ", ")) (run "
          + "shards \(missing.map(String.init).joined(separator: ", ")) of \(n) with --shard I/\(n))")
    }
    var parts: [Part] = []
    for i in 1...n {
      let part = try readMetadata(path, shard: ShardSelection(index: i, count: n))
      if let first = parts.first {
        let partFile = metadataPath(path, shard: part.shard)
        guard part.fingerprint == first.fingerprint else {
          throw InputFileError(
            path: partFile,
            problem: "part \(i) of \(n) is of another computation: '\(part.description)'; part 1 is of "
              + "'\(first.description)'")
        }
        guard part.revision == first.revision else {
          throw InputFileError(
            path: partFile,
            problem: "part \(i) of \(n) was computed by git revision \(part.revision), part 1 by \(first.revision): "
              + "rerun the parts from one revision")
        }
        guard part.columns == first.columns, part.totalInstances == first.totalInstances else {
          throw InputFileError(
            path: partFile,
            problem: "part \(i) of \(n) holds \(part.columns) columns of \(part.totalInstances) instances, part 1 "
              + "\(first.columns) of \(first.totalInstances)")
        }
      }
      parts.append(part)
    }
    let total = parts[0].totalInstances
    let columns = parts[0].columns
    let writer = try AtomicFileWriter(path: path)
    try writer.append(NPYArray.float64Header(shape: [total, columns]))
    for part in parts {
      let file = partPath(path, shard: part.shard)
      let array = try NPYArray(bytes: try FileIO.read(file), source: file)
      guard array.shape == [part.block.count, columns] else {
        throw InputFileError(
          path: file,
          problem: "holds an array of shape \(array.shape), its metadata says \(part.block.count) x \(columns)")
      }
      try writer.append(NPYArray.float64Data(array.values))
    }
    try writer.commit()
    return Joined(path: path, rows: total, columns: columns, parts: parts)
  }

  /// N of the parts `F.part-I-of-N.*` next to F (exactly one N may be present).
  static func partCount(_ path: String) throws(InputFileError) -> Int {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) } ?? "."
    let prefix = String(stem(slash.map { String(path[path.index(after: $0)...]) } ?? path)) + ".part-"
    var counts: Set<Int> = []
    for name in try FileIO.entries(ofDirectory: directory.isEmpty ? "/" : directory) where name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      let pieces = rest.split(separator: ".", maxSplits: 1)
      guard pieces.count == 2, pieces[1] == "npy" || pieces[1] == "json" else { continue }
      let numbers = pieces[0].split(separator: "-")
      guard numbers.count == 3, numbers[1] == "of", Int(numbers[0]) != nil, let n = Int(numbers[2]), n >= 1 else {
        continue
      }
      counts.insert(n)
    }
    guard let n = counts.first else {
      throw InputFileError(
        path: path,
        problem: "no parts \(stem(path)).part-I-of-N.npy to join (write them with --shard I/N --save-logw \(path))")
    }
    guard counts.count == 1 else {
      throw InputFileError(
        path: path,
        problem: "parts of more than one split lie next to it (N = "
          + counts.sorted().map(String.init).joined(separator: ", ") + "); remove the stale ones")
    }
    return n
  }

  static func readMetadata(_ path: String, shard: ShardSelection) throws(InputFileError) -> Part {
    let file = metadataPath(path, shard: shard)
    let text = try FileIO.readText(file)
    let json: JSONValue
    do {
      json = try JSONValue.parse(text)
    } catch {
      throw InputFileError(path: file, problem: "not a log-weight part's metadata: \(error)")
    }
    func string(_ key: String) throws(InputFileError) -> String {
      guard let v = json[key]?.stringValue else {
        throw InputFileError(path: file, problem: "no field '\(key)' (not a log-weight part's metadata)")
      }
      return v
    }
    func integer(_ key: String) throws(InputFileError) -> Int {
      guard let i = json[key]?.integerValue, i >= 0 else {
        throw InputFileError(path: file, problem: "no count '\(key)' (not a log-weight part's metadata)")
      }
      return i
    }
    let index = try integer("shard_index")
    let count = try integer("shard_count")
    guard index == shard.index, count == shard.count else {
      throw InputFileError(path: file, problem: "says it is part \(index) of \(count)")
    }
    let first = try integer("first_instance")
    let end = try integer("end_instance")
    let total = try integer("total_instances")
    guard first <= end, first..<end == shard.block(of: total) else {
      throw InputFileError(
        path: file,
        problem: "holds instances \(first)..<\(end); part \(shard) of \(total) instances is \(shard.block(of: total))")
    }
    return Part(
      shard: shard, producer: try string("producer"), description: try string("description"),
      fingerprint: try string("fingerprint"), block: first..<end, totalInstances: total,
      columns: try integer("columns"), revision: try string("git_revision"), host: try string("host"),
      seconds: json["seconds"]?.doubleValue ?? 0)
  }
}
