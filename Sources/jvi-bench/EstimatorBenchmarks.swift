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
  static func all() throws -> [EstimatorBenchmark] {
    let balanced = SyntheticWeightLaw.logNormal(mu: -90, sigma: 1)
    let heavy = SyntheticWeightLaw.logNormal(mu: -90, sigma: 5)
    var list: [EstimatorBenchmark] = []
    func add(
      _ name: String, _ e: any BoundEstimator, rows: Int, columns: Int, law: SyntheticWeightLaw = balanced,
      lawName: String = "lognormal(1)", unit: String = "instances/s", peer: String = "", peerRate: Double? = nil,
      target: String = ""
    ) {
      list.append(
        EstimatorBenchmark(
          name: name, estimator: e, rows: rows, columns: columns, law: law, lawName: lawName, unit: unit, peer: peer,
          peerRate: peerRate, target: target))
    }
    // IWAE (log-mean-exp) over 1000 × K doubles; peer: jax-jit, 1 thread.
    for (k, jax) in [(64, 4.4e8), (1024, 5.75e8), (5000, 5.2e8)] {
      add(
        "iwae-n1000-k\(k)", try IWAE(), rows: 1000, columns: k, unit: "elements/s", peer: "jax-jit", peerRate: jax,
        target: ">= 5.6e8 elements/s")
    }
    add(
      "iwae-n256-k256", try IWAE(), rows: 256, columns: 256, peer: "numpy IWAE", peerRate: 605_000,
      target: "reference for jvi1")
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
        add(
          "jvi\(m)-n256-k\(k)", try Jackknife(order: m), rows: 256, columns: k, peer: "dense reference",
          peerRate: dense[k]?[m], target: target)
      }
    }
    // The heavy/light path with heavy sets (h >= 1): log-normal sigma = 5.
    for m in 2...3 {
      add(
        "jvi\(m)-n256-k256-heavy", try Jackknife(order: m), rows: 256, columns: 256, law: heavy,
        lawName: "lognormal(5)",
        peer: m == 2 ? "dense reference" : "", peerRate: m == 2 ? 14 : nil)
    }
    add("jvi2-n100-k5000", try Jackknife(order: 2), rows: 100, columns: 5000)
    add("jvi3-n100-k5000", try Jackknife(order: 3), rows: 100, columns: 5000)
    // Orders beyond 3 form their light terms in double-double.
    for m in [5, 8] { add("jvi\(m)-n256-k256", try Jackknife(order: m), rows: 256, columns: 256) }
    add("delta-n1000-k1024", try DeltaMethod(), rows: 1000, columns: 1024, unit: "elements/s")
    add("elbo-a-n1000-k1024", try ELBOMonteCarlo(), rows: 1000, columns: 1024, unit: "elements/s")
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
    let spread = ((seconds.last ?? 0) - (seconds.first ?? 0)) / median * 100
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
