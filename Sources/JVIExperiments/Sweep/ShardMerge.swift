import JVICore

/// `jvi-sweep --merge RUN-ID`: joins the shard files `<run>.shard-I-of-N.csv` (and their
/// intervals) of an experiment into `<run>.csv` in plan order, with the figure, after checking
/// that the N shards are all there, agree on N, and together hold every cell exactly once.
public enum ShardMerge {
  public struct Outcome: Sendable {
    public var csvPath: String
    public var intervalsPath: String
    public var figurePath: String
    public var manifestPath: String
    public var shards: Int
  }

  public static func merge(plan: SweepPlan, runID: String, resultsDirectory: String = "results") throws -> Outcome {
    let directory = resultsDirectory + "/" + plan.experiment.name
    let base = directory + "/" + runID
    // Find N from the first shard file that exists.
    var count: Int? = nil
    for n in 1...4096 where FileIO.exists(base + ".shard-1-of-\(n).csv") {
      if count != nil {
        throw SweepError("\(directory) holds shard files of run '\(runID)' for more than one shard count")
      }
      count = n
    }
    guard let n = count else {
      throw SweepError("no shard files \(base).shard-1-of-N.csv to merge (run the shards with --run-id \(runID))")
    }
    var byKey: [CellKey: (SweepRow, String)] = [:]
    var intervalByKey: [CellKey: IntervalRow] = [:]
    var manifests: [JSONValue] = []
    for i in 1...n {
      let shardBase = base + ".shard-\(i)-of-\(n)"
      guard FileIO.exists(shardBase + ".csv") else {
        throw SweepError("shard \(i) of \(n) is missing: \(shardBase).csv (run it with --shard \(i)/\(n))")
      }
      for row in try SweepRunner.readRows(shardBase + ".csv") {
        if let (_, other) = byKey[row.key] {
          throw SweepError("cell \(row.key) is in both \(other) and \(shardBase).csv")
        }
        byKey[row.key] = (row, shardBase + ".csv")
      }
      if FileIO.exists(shardBase + ".intervals.csv") {
        for interval in try SweepRunner.readIntervals(shardBase + ".intervals.csv") {
          intervalByKey[interval.key] = interval
        }
      }
      manifests.append(.string(shardBase + ".manifest.json"))
    }
    var rows: [SweepRow] = []
    var intervals: [IntervalRow] = []
    for cell in plan.cells {
      let key = CellKey(cell)
      guard let (row, _) = byKey.removeValue(forKey: key) else {
        throw SweepError(
          "cell \(key) is missing: shard \(cell.index % n + 1) of \(n) has not finished (resume it with "
            + "--shard \(cell.index % n + 1)/\(n) --resume \(runID))")
      }
      rows.append(row)
      if let interval = intervalByKey[key] { intervals.append(interval) }
    }
    if let extra = byKey.first {
      throw SweepError("\(extra.value.1) has cell \(extra.key), which this experiment does not have")
    }
    try SweepRunner.write(rows: rows, to: base + ".csv")
    // Every shard computed the same reference (same seed stream); keep shard 1's.
    let firstReference = base + ".shard-1-of-\(n).reference.csv"
    if FileIO.exists(firstReference) {
      try FileIO.writeAtomically(try FileIO.read(firstReference), to: base + ".reference.csv")
    }
    try SweepRunner.write(intervals: intervals, to: base + ".intervals.csv")
    let labels = (model: rows.first?.model ?? "", dataset: rows.first?.dataset ?? "")
    try FileIO.writeAtomically(SweepRunner.figure(rows: rows, plan: plan, labels: labels).svg, to: base + ".svg")
    let manifest = JSONValue.object([
      ("tool", .string("jvi-sweep --merge")),
      ("run_id", .string(runID)),
      ("merged_at", .string(RunEnvironment.utcTimestamp())),
      ("shards", .integer(n)),
      ("shard_manifests", .array(manifests)),
      ("cells", .integer(rows.count)),
    ])
    try FileIO.writeAtomically(manifest.text() + "\n", to: base + ".manifest.json")
    return Outcome(
      csvPath: base + ".csv", intervalsPath: base + ".intervals.csv", figurePath: base + ".svg",
      manifestPath: base + ".manifest.json", shards: n)
  }
}
