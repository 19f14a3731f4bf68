import JVICore

/// `jvi-sweep --merge RUN-ID`: joins the shard folders `<run>.shard-I-of-N/` of an experiment into
/// the run's files — `<run>.csv`, `.intervals.csv`, `.reference.csv`, `.svg`, `.manifest.json` —
/// after checking that all N shards are there, finished, and made from this experiment file, its
/// seed and one git revision, and that their instance blocks tile 0..<N.
///
/// Each cell's per-instance terms are concatenated in instance order and its bootstrap shifts are
/// added (exact integers; see `CellPartial`), so the merged files equal those of one run over all
/// instances with the same seed, bit for bit, in every column but `seconds` (which is the sum of
/// the shards' times for the cell).
public enum ShardMerge {
  public struct Outcome: Sendable {
    public var csvPath: String
    public var intervalsPath: String
    public var figurePath: String
    public var manifestPath: String
    public var shards: Int
  }

  /// What a shard's manifest says about it.
  struct ShardInfo {
    var index: Int
    var folder: String
    var fingerprint: String
    var seed: String
    var revision: String
    var status: String
    var block: Range<Int>
    var host: String
    var model: String
    var dataset: String
    var seconds: Double
    var threads: Int
  }

  public static func merge(
    plan: SweepPlan, experimentText: String, runID: String, resultsDirectory: String = "results"
  ) throws -> Outcome {
    let directory = resultsDirectory + "/" + plan.experiment.name
    let base = directory + "/" + runID
    let n = try shardCount(base: base, directory: directory, runID: runID)
    let fingerprint = RunEnvironment.fingerprint(experimentText)
    var shards: [ShardInfo] = []
    for i in 1...n {
      let folder = base + ".shard-\(i)-of-\(n)"
      guard FileIO.exists(folder + "/manifest.json") else {
        throw SweepError(
          "shard \(i) of \(n) is missing: \(folder)/manifest.json (run it with --shard \(i)/\(n) --run-id \(runID))")
      }
      let info = try read(folder: folder, index: i)
      guard info.fingerprint == fingerprint else {
        throw SweepError(
          "shard \(i) of \(n) (\(folder)) was made from another experiment file (fingerprint \(info.fingerprint), "
            + "this one \(fingerprint)); rerun it with this file or merge with the file it was made from")
      }
      guard info.seed == String(plan.experiment.seed) else {
        throw SweepError(
          "shard \(i) of \(n) (\(folder)) used seed \(info.seed), this experiment \(plan.experiment.seed)")
      }
      if let first = shards.first, info.revision != first.revision {
        throw SweepError(
          "shard \(i) of \(n) was built from git revision \(info.revision), shard 1 from \(first.revision): rerun the "
            + "shards from one revision")
      }
      let expected = plan.instances(shard: ShardSelection(index: i, count: n))
      guard info.block == expected else {
        throw SweepError("shard \(i) of \(n) (\(folder)) holds instances \(info.block), expected \(expected)")
      }
      shards.append(info)
    }
    // The reference, joined in instance order.
    var references: [ReferenceEvidence] = []
    for s in shards {
      let e = plan.experiment
      references.append(
        try SweepRunner.readReference(
          s.folder + "/reference.csv", count: s.block.count, kind: e.reference,
          samples: e.referenceSampleCount, firstInstance: s.block.lowerBound))
    }
    let reference = ReferenceEvidence.joined(references)
    let labels = (model: shards[0].model, dataset: shards[0].dataset)
    var rows: [SweepRow] = []
    var intervals: [IntervalRow] = []
    for cell in plan.cells {
      var parts: [CellPartial] = []
      for s in shards {
        let path = s.folder + "/cells/\(cell.index).csv"
        guard FileIO.exists(path) else {
          throw SweepError(
            "cell \(CellKey(cell)) is missing from shard \(s.index) of \(n) (\(path)): it has not finished; resume it "
              + "with --shard \(s.index)/\(n) --resume \(runID)")
        }
        let part = try CellPartial(text: try FileIO.readText(path), path: path)
        guard part.key == CellKey(cell), part.instances == s.block else {
          throw SweepError(
            "\(path) holds cell \(part.key) of instances \(part.instances), not \(CellKey(cell)) of \(s.block)")
        }
        parts.append(part)
      }
      let (row, interval) = try CellPartial.joined(parts).finish(reference: reference, labels: labels)
      rows.append(row)
      intervals.append(interval)
    }
    try SweepRunner.write(rows: rows, to: base + ".csv")
    try SweepRunner.write(intervals: intervals, to: base + ".intervals.csv")
    try FileIO.writeAtomically(reference.csv, to: base + ".reference.csv")
    var figure = SweepRunner.figure(rows: rows, plan: plan, labels: labels)
    let hosts = Set(shards.map(\.host)).sorted()
    figure.subtitle +=
      "; split across \(n) shards of instances on \(hosts.count) host\(hosts.count == 1 ? "" : "s")"
    try FileIO.writeAtomically(figure.svg, to: base + ".svg")
    let total = shards.map(\.seconds).reduce(0, +)
    let manifest = JSONValue.object([
      ("tool", .string("jvi-sweep --merge")),
      ("run_id", .string(runID)),
      ("merged_at", .string(RunEnvironment.utcTimestamp())),
      ("experiment_fingerprint", .string(fingerprint)),
      ("seed", .string(String(plan.experiment.seed))),
      ("git_revision", .string(shards[0].revision)),
      ("shards", .integer(n)),
      ("instances", .integer(plan.experiment.instances)),
      ("shard_seconds_total", .number((total * 1000).rounded() / 1000)),
      (
        "shard_layout",
        .array(
          shards.map { s in
            .object([
              ("shard", .string("\(s.index)/\(n)")),
              ("instances", .string("\(s.block.lowerBound)..<\(s.block.upperBound)")),
              ("host", .string(s.host)), ("threads", .integer(s.threads)),
              ("seconds", .number((s.seconds * 1000).rounded() / 1000)),
              ("manifest", .string(s.folder + "/manifest.json")),
            ])
          })
      ),
      ("cells", .integer(rows.count)),
    ])
    try FileIO.writeAtomically(manifest.text() + "\n", to: base + ".manifest.json")
    return Outcome(
      csvPath: base + ".csv", intervalsPath: base + ".intervals.csv", figurePath: base + ".svg",
      manifestPath: base + ".manifest.json", shards: n)
  }

  /// N, from the shard folders of the run that exist (exactly one N may be present).
  static func shardCount(base: String, directory: String, runID: String) throws -> Int {
    var count: Int? = nil
    for n in 1...4096 {
      var any = false
      for i in [1, n] where FileIO.exists(base + ".shard-\(i)-of-\(n)") { any = true }
      guard any else { continue }
      if count != nil {
        throw SweepError("\(directory) holds shard folders of run '\(runID)' for more than one shard count")
      }
      count = n
    }
    guard let n = count else {
      throw SweepError(
        "no shard folders \(base).shard-I-of-N/ to merge (run the shards with --shard I/N --run-id \(runID))")
    }
    return n
  }

  static func read(folder: String, index: Int) throws -> ShardInfo {
    let path = folder + "/manifest.json"
    let text = try FileIO.readText(path)
    let json: JSONValue
    do {
      json = try JSONValue.parse(text)
    } catch {
      throw SweepError("\(path): \(error)")
    }
    func string(_ key: String) throws -> String {
      guard let v = json[key]?.stringValue else { throw SweepError("\(path): no \(key)") }
      return v
    }
    func number(_ path: String...) throws -> Double {
      guard let v = json.value(at: path)?.doubleValue else {
        throw SweepError("\(folder)/manifest.json: no number \(path.joined(separator: "."))")
      }
      return v
    }
    let status = try string("status")
    guard status == "complete" else {
      throw SweepError(
        "shard \(index) (\(folder)) is \(status), not complete: resume it with --shard \(index)/N --resume <ID>")
    }
    let first = Int(try number("instance_block", "first")), end = Int(try number("instance_block", "end"))
    return ShardInfo(
      index: index, folder: folder, fingerprint: try string("experiment_fingerprint"), seed: try string("seed"),
      revision: json["git_revision"]?.stringValue ?? "unknown", status: status, block: first..<end,
      host: try string("host"), model: try string("model"), dataset: try string("dataset"),
      seconds: try number("seconds", "total"), threads: Int(try number("threads")))
  }
}
