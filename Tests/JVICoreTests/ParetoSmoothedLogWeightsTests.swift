import Testing
import _TestSupport

@testable import JVICore

/// `ParetoSmoothing.smoothedLogWeights` (ArviZ's `psislw`; python/tests/test_psis.py checks it
/// against ArviZ's own output): the same fit as `smooth`, the body's ratios kept, the tail
/// replaced in rank order and capped, every row normalised.
struct ParetoSmoothedLogWeightsTests {
  static func smoothed(_ x: [Double]) -> (out: [Double], khat: Double) {
    var out = [Double](repeating: 0, count: x.count)
    var scratch = [Double](repeating: 0, count: x.count)
    let khat = x.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        scratch.withUnsafeMutableBufferPointer { ParetoSmoothing.smoothedLogWeights(p, into: o, scratch: $0) }
      }
    }
    return (out, khat)
  }

  @Test func sameFitAsTheEstimateAndTheBodyKept() {
    var g = Xoshiro256StarStar(seed: 11)
    let x = (0..<400).map { _ in 2 * Sampling.standardNormal(using: &g) }
    let (out, khat) = Self.smoothed(x)
    #expect(khat == ParetoSmoothingTests.smooth(x).paretoK)
    let total = out.withUnsafeBufferPointer { LogSpace.logSumExp($0) }
    #expect(abs(total) <= 1e-14)
    let t = ParetoSmoothing.tailLength(sampleCount: x.count)
    let ranked = x.indices.sorted { x[$0] < x[$1] }
    let body = ranked[..<(x.count - t)], tail = ranked[(x.count - t)...]
    // The body keeps its ratios: out_i − x_i is one constant.
    let offset = out[body.first!] - x[body.first!]
    for i in body { #expect(abs(out[i] - x[i] - offset) <= 1e-12) }
    // The tail is increasing in rank and capped at the largest raw weight.
    let smoothedTail = tail.map { out[$0] }
    #expect(zip(smoothedTail, smoothedTail.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(smoothedTail.last! <= x.max()! + offset + 1e-12)
  }

  @Test func shortRowsAreOnlyNormalisedAndEmptyRowsStayEmpty() {
    let x: [Double] = [0, -1, -2, 3, -.infinity, 0.5]
    let (out, khat) = Self.smoothed(x)
    #expect(khat == .infinity)
    let shifted = x.map { $0 - 3 }
    let lse = shifted.withUnsafeBufferPointer { LogSpace.logSumExp($0) }
    for i in x.indices { #expect(out[i] == shifted[i] - lse) }
    let empty = Self.smoothed([Double](repeating: -.infinity, count: 30))
    #expect(empty.khat == .infinity && empty.out.allSatisfy { $0 == -.infinity })
  }

  @Test func theSelectedTailIsTheSortedTail() {
    // Rows with many ties (values on a coarse grid) and with −∞ entries: the selection must give
    // the tail and cutoff of a full sort by (value, position).
    var g = Xoshiro256StarStar(seed: 29)
    for trial in 0..<300 {
      let k = 21 + trial % 200
      let grid = trial % 3 == 0 ? 4.0 : 1e6
      let row: [Double] = (0..<k).map { i in
        i % 17 == 5 ? -.infinity : (grid * Sampling.standardNormal(using: &g)).rounded() / grid
      }
      let t = ParetoSmoothing.tailLength(sampleCount: k)
      var scratch = [Double](repeating: 0, count: k)
      let (positions, cutoff) = row.withUnsafeBufferPointer { d in
        scratch.withUnsafeMutableBufferPointer { ParetoSmoothing.largestEntries(d, count: t, scratch: $0) }
      }
      let order = row.indices.sorted { row[$0] < row[$1] || (row[$0] == row[$1] && $0 < $1) }
      #expect(positions == Array(order[(k - t)...]), "trial \(trial)")
      #expect(cutoff == row[order[k - t - 1]], "trial \(trial)")
    }
  }
}
