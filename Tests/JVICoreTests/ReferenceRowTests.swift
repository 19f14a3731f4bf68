import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// JVI_{K,m} and Lbar_{K−m} at K = 64, 257 and 1000 (where the combination's cancellation
/// bites) against 40-digit mpmath values computed by enumerating every removal set
/// (Fixtures/make_reference_rows.py). Tolerances: 1e−12·max(1, |truth|) for JVI,
/// 1e−13 for Lbar (the notes measured ≤ 1.8e−12 absolute and ≤ 4.6e−15 relative).
struct ReferenceRowTests {
  struct Reference {
    var regime: String
    var k: Int
    var order: Int
    var row: Int
    var jvi: Double
    var lbar: Double
  }

  static func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
      throw InputFileError(path: name, problem: "fixture missing from the test bundle")
    }
    return try String(contentsOf: url, encoding: .utf8)
  }

  static func load(prefix: String = "reference_rows") throws -> (rows: [[Double]], references: [Reference]) {
    var rows: [[Double]] = []
    for line in try fixture(prefix + "_weights.csv").split(separator: "\n") {
      let cells = line.split(separator: ",")
      rows.append(cells.dropFirst(2).map { Double($0)! })
    }
    var references: [Reference] = []
    for line in try fixture(prefix + ".csv").split(separator: "\n").dropFirst() {
      let c = line.split(separator: ",").map(String.init)
      references.append(
        Reference(
          regime: c[0], k: Int(c[1])!, order: Int(c[2])!, row: Int(c[3])!, jvi: Double(c[4])!, lbar: Double(c[5])!))
    }
    return (rows, references)
  }

  #if arch(x86_64)
    @Test func matchesFortyDigitEnumeration() throws {
      let (rows, references) = try Self.load()
      #expect(references.count == 143)
      let workspace = EstimatorWorkspace()
      var worst: [String: Double] = [:]
      for r in references {
        let x = rows[r.row]
        #expect(x.count == r.k)
        let jvi = try Jackknife.value(x, order: r.order, workspace: workspace)
        let ev = HeavyLightEvaluator(target: .leaveOutMean(removed: r.order))
        let lbar = try x.withUnsafeBufferPointer { try ev.evaluate($0, workspace: workspace) }
        let ej = scaledError(jvi, Float80(r.jvi))
        let el = scaledError(lbar, Float80(r.lbar))
        #expect(ej <= 1e-12, "JVI K=\(r.k) m=\(r.order) \(r.regime) row \(r.row): \(jvi) vs \(r.jvi)")
        #expect(el <= 1e-13, "Lbar K=\(r.k) j=\(r.order) \(r.regime) row \(r.row): \(lbar) vs \(r.lbar)")
        let key = "K=\(r.k) m=\(r.order)"
        worst[key] = max(worst[key] ?? 0, ej)
      }
      print("JVI max |error|/max(1,|truth|) vs 40-digit enumeration:", worst.sorted { $0.key < $1.key })
    }
  #endif
}
