import Foundation
import JVICore

/// One benchmark: an estimator over an N × K matrix of log-weights, on one thread.
struct EstimatorBenchmark {
  var name: String
  var estimator: any BoundEstimator
  var rows: Int
  var columns: Int
  var law: SyntheticWeightLaw
  var lawName: String
  /// What a rate counts: "elements/s" (N·K per second) or "instances/s".
  var unit: String
  var peer: String
  /// The peer's rate in the same unit, when it has one.
  var peerRate: Double?
  /// The target as a multiple of the peer's rate, from the issue.
  var target: String

  func measure(runs: Int) throws -> BenchResult {
    let matrix = law.sample(rows: rows, columns: columns, seed: 2018)
    let workspace = EstimatorWorkspace()
    // Warm up for ≥ 0.3 s (tables, caches, clock frequency), then size the inner loop so one
    // timed run lasts ≥ 50 ms.
    var warm = 0, t0 = Clock.now()
    repeat {
      _ = try estimator.evaluate(matrix, workspace: workspace)
      warm += 1
    } while Clock.now() - t0 < 0.3
    let once = max((Clock.now() - t0) / Double(warm), 1e-7)
    let repeats = max(1, Int((0.05 / once).rounded(.up)))
    var seconds: [Double] = []
    var checksum = 0.0
    for _ in 0..<runs {
      let start = Clock.now()
      for _ in 0..<repeats { checksum += try estimator.evaluate(matrix, workspace: workspace).estimates[0] }
      seconds.append((Clock.now() - start) / Double(repeats))
    }
    if checksum.isNaN { throw EstimatorError.invalidConfiguration("benchmark \(name) produced NaN") }
    seconds.sort()
    let work = unit == "elements/s" ? Double(rows * columns) : Double(rows)
    return BenchResult(benchmark: self, seconds: seconds, rate: work / seconds[seconds.count / 2])
  }
}

enum EstimatorBenchmarks {
  /// The benchmarks of the estimator-core issue, with the peer figures of ../shared/peers.md
  /// (same machine type, 1 thread).
  static func all() -> [EstimatorBenchmark] {
    let balanced = SyntheticWeightLaw.logNormal(mu: -90, sigma: 1)
    let heavy = SyntheticWeightLaw.logNormal(mu: -90, sigma: 5)
    var list: [EstimatorBenchmark] = []
    func make(
      _ name: String, _ e: any BoundEstimator, _ n: Int, _ k: Int, _ law: SyntheticWeightLaw, _ lawName: String,
      _ unit: String, _ peer: String, _ peerRate: Double?, _ target: String
    ) -> EstimatorBenchmark {
      EstimatorBenchmark(
        name: name, estimator: e, rows: n, columns: k, law: law, lawName: lawName, unit: unit, peer: peer,
        peerRate: peerRate, target: target)
    }
    // IWAE (log-mean-exp) over 1000 × K doubles; peer: jax-jit, 1 thread.
    for (k, jax) in [(64, 4.4e8), (1024, 5.75e8), (5000, 5.2e8)] {
      list.append(
        make(
          "iwae-n1000-k\(k)", try! IWAE(), 1000, k, balanced, "lognormal(1)", "elements/s", "jax-jit", jax,
          ">= 5.6e8 elements/s"))
    }
    list.append(
      make(
        "iwae-n256-k256", try! IWAE(), 256, 256, balanced, "lognormal(1)", "instances/s", "numpy IWAE", 605_000,
        "reference for jvi1"))
    // JVI against the dense reference method (every subset enumerated), N = 256.
    let dense: [Int: [Int: Double]] = [
      8: [1: 790_000, 2: 193_000, 3: 75_000], 16: [1: 305_000, 2: 36_000, 3: 6_500],
      64: [1: 29_800, 2: 824, 3: 37], 256: [1: 1_896, 2: 14],
    ]
    for k in [8, 16, 64, 256] {
      for m in 1...3 {
        let target: String
        switch (k, m) {
        case (256, 1): target = ">= 0.5 x our IWAE at K=256"
        case (256, 2): target = ">= 10000 x dense (140000/s)"
        case (64, 3): target = ">= 1000 x dense (37000/s)"
        default: target = ""
        }
        list.append(
          make(
            "jvi\(m)-n256-k\(k)", try! Jackknife(order: m), 256, k, balanced, "lognormal(1)", "instances/s",
            "dense reference", dense[k]?[m], target))
      }
    }
    // The heavy/light path with heavy sets (h >= 1): log-normal sigma = 5.
    for m in 2...3 {
      list.append(
        make(
          "jvi\(m)-n256-k256-heavy", try! Jackknife(order: m), 256, 256, heavy, "lognormal(5)", "instances/s",
          "dense reference", m == 2 ? 14 : nil, ""))
    }
    list.append(
      make("jvi2-n100-k5000", try! Jackknife(order: 2), 100, 5000, balanced, "lognormal(1)", "instances/s", "", nil, "")
    )
    list.append(
      make("delta-n1000-k1024", try! DeltaMethod(), 1000, 1024, balanced, "lognormal(1)", "elements/s", "", nil, ""))
    list.append(
      make("elbo-a-n1000-k1024", try! ELBOMonteCarlo(), 1000, 1024, balanced, "lognormal(1)", "elements/s", "", nil, "")
    )
    return list
  }
}

struct BenchResult {
  var benchmark: EstimatorBenchmark
  /// Seconds per run over the whole matrix, sorted.
  var seconds: [Double]
  /// Work per second at the median.
  var rate: Double

  var median: Double { seconds[seconds.count / 2] }
  var ratio: Double? { benchmark.peerRate.map { rate / $0 } }

  static let csvHeader =
    "benchmark,estimator,order,n,k,law,threads,runs,median_seconds,min_seconds,max_seconds,rate,unit,peer,peer_rate,ratio_to_peer,target,git_revision,date,build"

  func csvRow(_ stamp: BenchStamp) -> String {
    let b = benchmark
    return [
      b.name, b.estimator.name, String(b.estimator.order), String(b.rows), String(b.columns), b.lawName, "1",
      String(seconds.count), format(median), format(seconds.first ?? 0), format(seconds.last ?? 0), format(rate),
      b.unit, b.peer, b.peerRate.map(format) ?? "", ratio.map(format) ?? "", b.target, stamp.revision, stamp.date,
      "release -target-cpu haswell",
    ].joined(separator: ",")
  }

  static let tableHeader =
    "benchmark                  median        spread     rate                 peer              ratio"

  var tableRow: String {
    let spread = seconds.count > 1 ? (seconds.last! - seconds.first!) / median * 100 : 0
    let rateText = String(format: "%.3g %@", rate, benchmark.unit)
    let peerText = benchmark.peerRate.map { String(format: "%.3g", $0) } ?? "-"
    let ratioText = ratio.map { String(format: "%.1fx", $0) } ?? "-"
    return benchmark.name.padding(toLength: 26, withPad: " ", startingAt: 0)
      + String(format: " %10.3g s  %5.1f%%  ", median, spread)
      + rateText.padding(toLength: 21, withPad: " ", startingAt: 0)
      + peerText.padding(toLength: 18, withPad: " ", startingAt: 0) + ratioText
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
    let formatter = ISO8601DateFormatter()
    return BenchStamp(revision: revision + dirty, date: formatter.string(from: Date()))
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
