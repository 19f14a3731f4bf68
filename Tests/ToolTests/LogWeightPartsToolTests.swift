import Foundation
import Testing
import _TestSupport

/// `jvi-ais --shard I/N` and `jvi-eval --model … --save-logw F --shard I/N` write parts of a
/// log-weight matrix; `--merge F` joins them into a file equal, byte for byte, to the unsharded
/// run's, and refuses parts that are missing or of another computation.
@Suite(.serialized)
struct LogWeightPartsToolTests {
  let dir = ToolRun.temporaryDirectory()

  func run(_ tool: String, _ args: [String]) throws -> ToolRun { try ToolRun.run(tool, args, in: dir) }
  func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)) }
  func remove(_ name: String) { try? FileManager.default.removeItem(atPath: dir + "/" + name) }

  static let ais = [
    "--demo-model", "linear-gaussian", "--instances", "11", "--chains", "6", "--temperatures", "30", "--leapfrog",
    "4", "--step-size", "0.2", "--seed", "5",
  ]

  @Test func aisPartsJoinToTheUnshardedFileAndItsRows() throws {
    let whole = try run("jvi-ais", Self.ais + ["--save-logw", "whole.npy", "--output", "whole.csv"])
    #expect(whole.exitCode == 0, "\(whole.standardError)")
    var rows: [String] = []
    for i in 1...3 {
      let part = try run(
        "jvi-ais", Self.ais + ["--save-logw", "w.npy", "--shard", "\(i)/3", "--output", "p\(i).csv", "--threads", "1"])
      #expect(part.exitCode == 0 && part.standardError.contains("w.part-\(i)-of-3.npy"), "\(part.standardError)")
      rows += try ToolRun.linesWithoutSeconds(dir + "/p\(i).csv").dropFirst()
    }
    let merge = try run("jvi-ais", ["--merge", "w.npy"])
    #expect(merge.exitCode == 0 && merge.standardError.contains("joined 3 parts"), "\(merge.standardError)")
    #expect(try bytes("w.npy") == bytes("whole.npy"))
    #expect(try rows.sorted() == ToolRun.linesWithoutSeconds(dir + "/whole.csv").dropFirst().sorted())
  }

  @Test func aisMergeRefusesMissingAndForeignParts() throws {
    for i in 1...2 {
      let r = try run("jvi-ais", Self.ais + ["--save-logw", "m.npy", "--shard", "\(i)/2"])
      #expect(r.exitCode == 0, "\(r.standardError)")
    }
    let seed6 = Self.ais.map { $0 == "5" ? "6" : $0 }
    let other = try run("jvi-ais", seed6 + ["--save-logw", "o.npy", "--shard", "2/2"])
    #expect(other.exitCode == 0, "\(other.standardError)")
    // A part from another seed is refused, naming it.
    try FileManager.default.removeItem(atPath: dir + "/m.part-2-of-2.json")
    try FileManager.default.copyItem(atPath: dir + "/o.part-2-of-2.json", toPath: dir + "/m.part-2-of-2.json")
    let foreign = try run("jvi-ais", ["--merge", "m.npy"])
    #expect(foreign.exitCode == 1 && foreign.standardError.contains("m.part-2-of-2.json"), "\(foreign.standardError)")
    #expect(
      foreign.standardError.contains("another computation") && !FileManager.default.fileExists(atPath: dir + "/m.npy"))
    // A missing (or unfinished: no metadata) part is named with the shard to rerun.
    remove("m.part-2-of-2.json")
    let missing = try run("jvi-ais", ["--merge", "m.npy"])
    #expect(missing.exitCode == 1 && missing.standardError.contains("m.part-2-of-2.npy"), "\(missing.standardError)")
    #expect(missing.standardError.contains("1 of 2 parts are missing"))
    let none = try run("jvi-ais", ["--merge", "nothing.npy"])
    #expect(none.exitCode == 1 && none.standardError.contains("no parts"), "\(none.standardError)")
  }

  @Test func evalPartsOfAModelJoinToTheUnshardedFile() throws {
    SyntheticImageFolder.write(to: dir + "/data", train: 40, test: 13, rows: 4, columns: 5)
    let train = try run(
      "jvi-train",
      [
        "--data", dir + "/data", "--validation", "10", "--hidden", "8", "--latent", "2", "--batch", "10", "--epochs",
        "2", "--output", dir + "/m.ckpt",
      ])
    #expect(train.exitCode == 0, "\(train.standardError)")
    let common = ["--model", "m.ckpt", "--samples", "20", "--estimator", "family", "--per-instance"]
    let whole = try run("jvi-eval", common + ["--save-logw", "whole.npy", "--output", "whole.csv"])
    #expect(whole.exitCode == 0, "\(whole.standardError)")
    var rows: [String] = []
    for i in 1...4 {
      let part = try run("jvi-eval", common + ["--save-logw", "e.npy", "--shard", "\(i)/4", "--output", "e\(i).csv"])
      #expect(part.exitCode == 0 && part.standardError.contains("shard \(i)/4"), "\(part.standardError)")
      rows += try String(contentsOfFile: dir + "/e\(i).csv", encoding: .utf8).split(separator: "\n").dropFirst()
        .map(String.init)
    }
    let merge = try run("jvi-eval", ["--merge", "e.npy"])
    #expect(merge.exitCode == 0 && merge.standardError.contains("joined 4 parts"), "\(merge.standardError)")
    #expect(try bytes("e.npy") == bytes("whole.npy"))
    // The shards' per-instance estimates, numbered as in the whole run, are the whole run's.
    let expected = try String(contentsOfFile: dir + "/whole.csv", encoding: .utf8).split(separator: "\n")
      .dropFirst().map(String.init)
    #expect(rows.sorted() == expected.sorted())
  }

  @Test func shardingMistakesAreUsageErrors() throws {
    for (tool, args) in [
      ("jvi-ais", Self.ais + ["--shard", "1/2"]),
      ("jvi-ais", Self.ais + ["--save-logw", "a.npy", "--shard", "3/2"]),
      ("jvi-ais", Self.ais + ["--save-logw", "a.npy", "--shard", "1/12"]),
      ("jvi-ais", ["--merge", "a.npy", "--seed", "1"]),
      ("jvi-eval", ["--demo", "--shard", "1/2"]),
      ("jvi-eval", ["--merge", "a.npy", "--order", "2"]),
    ] {
      let r = try run(tool, args)
      #expect(r.exitCode == 64, "\(tool) \(args): \(r.standardError)")
    }
  }
}
