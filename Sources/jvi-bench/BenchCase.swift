import Foundation
import JVICore
import JVIExperiments

/// One benchmark: a body timed on a fixed amount of work. Ratios to the peers come only from
/// `make bench-peers` (benchmarks/peers/run.py), which runs this tool and the peers' scripts
/// interleaved in one session: no peer figure is typed in here.
struct BenchCase {
  /// The CSV it belongs to: results/bench/<suite>.csv.
  var suite: String
  var name: String
  /// Suite-specific columns (the same keys for every case of a suite).
  var parameters: [(key: String, value: String)]
  var threads: Int
  /// Units of work per run, e.g. N·K elements, N instances, 2MNK flops.
  var work: Double
  /// What a rate counts ("elements/s", "instances/s", "GFLOP/s", "images/s").
  var unit: String
  /// Multiplies work/second into the reported unit (1e-9 for GFLOP/s).
  var unitScale: Double = 1
  /// The speed target, in words (checked against the peers by `make bench-peers`).
  var target: String = ""
  /// Builds the inputs (untimed) and returns the body to time.
  var prepare: () throws -> () throws -> Void
  /// For long bodies (a training epoch): run this once to warm up, then time `runsOverride`
  /// single runs of the body instead of the usual timed warm-up and inner loop.
  var warmUp: (() throws -> Void)? = nil
  var runsOverride: Int? = nil

  func measure(runs: Int, minimumRunSeconds: Double = 0.05) throws -> BenchResult {
    let body = try prepare()
    if let warmUp {
      try warmUp()
      var seconds: [Double] = []
      for _ in 0..<(runsOverride ?? 1) {
        let start = Clock.now()
        try body()
        seconds.append(Clock.now() - start)
      }
      seconds.sort()
      return BenchResult(benchmark: self, seconds: seconds, rate: work / seconds[seconds.count / 2] * unitScale)
    }
    // Warm up for ≥ 0.3 s (tables, caches, clock frequency), then size the inner loop so one
    // timed run lasts ≥ `minimumRunSeconds`.
    var warm = 0
    let t0 = Clock.now()
    repeat {
      try body()
      warm += 1
    } while Clock.now() - t0 < 0.3
    let once = max((Clock.now() - t0) / Double(warm), 1e-7)
    let repeats = max(1, Int((minimumRunSeconds / once).rounded(.up)))
    var seconds: [Double] = []
    for _ in 0..<runs {
      let start = Clock.now()
      for _ in 0..<repeats { try body() }
      seconds.append((Clock.now() - start) / Double(repeats))
    }
    seconds.sort()
    return BenchResult(benchmark: self, seconds: seconds, rate: work / seconds[seconds.count / 2] * unitScale)
  }
}

struct BenchResult {
  var benchmark: BenchCase
  /// Seconds per run, sorted.
  var seconds: [Double]
  /// Work per second at the median, in `benchmark.unit`.
  var rate: Double

  var median: Double { seconds[seconds.count / 2] }

  static func csvHeader(parameterKeys: [String]) -> String {
    (["benchmark"] + parameterKeys + [
      "threads", "runs", "median_seconds", "min_seconds", "max_seconds", "rate", "unit", "target", "git_revision",
      "date", "build",
    ]).joined(separator: ",")
  }

  func csvRow(_ stamp: BenchStamp) -> String {
    let b = benchmark
    return
      ([b.name] + b.parameters.map(\.value) + [
        String(b.threads), String(seconds.count), format(median), format(seconds.first ?? 0),
        format(seconds.last ?? 0), format(rate), b.unit, b.target, stamp.revision, stamp.date,
        "release kernels=\(RunEnvironment.kernels)",
      ]).joined(separator: ",")
  }

  static let tableHeader = "benchmark                        thr   median      spread   rate"

  var tableRow: String {
    let spread = ((seconds.last ?? 0) - (seconds.first ?? 0)) / median * 100
    return benchmark.name.padding(toLength: 32, withPad: " ", startingAt: 0)
      + String(format: " %2d  %9.3g s  %5.1f%%  %.3g %@", benchmark.threads, median, spread, rate, benchmark.unit)
  }

  func format(_ x: Double) -> String { String(describing: x) }
}

/// Where and when a benchmark ran.
struct BenchStamp {
  var revision: String
  var date: String

  static func current() -> BenchStamp {
    let revision = shell(["git", "rev-parse", "--short=12", "HEAD"]) ?? "unknown"
    let dirty = (shell(["git", "status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty ? "" : "-dirty"
    return BenchStamp(revision: revision + dirty, date: ISO8601DateFormatter().string(from: Date()))
  }

  static func shell(_ args: [String]) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

enum Clock {
  static func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}
