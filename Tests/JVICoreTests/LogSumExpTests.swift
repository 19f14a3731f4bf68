import Foundation
import JVICore
import Testing
import _TestSupport

/// Row reductions against Float80 references, with their edge cases.
struct LogSumExpTests {
  static func lse(_ x: [Double]) -> Double { x.withUnsafeBufferPointer { LogSpace.logSumExp($0) } }
  static func lme(_ x: [Double]) -> Double { x.withUnsafeBufferPointer { LogSpace.logMeanExp($0) } }

  #if arch(x86_64)
    @Test(arguments: [1, 2, 3, 4, 5, 7, 15, 16, 17, 33, 64, 1000, 5000])
    func matchesFloat80(k: Int) {
      var g = Xoshiro256StarStar(seed: UInt64(k))
      for regime in WeightRegime.allCases {
        let x = regime.sample(k, using: &g)
        let truth = Float80Oracle.logSumExp(x)
        let v = Self.lse(x)
        // Budget: ε(|M| + 3 + log2 K) absolute.
        let m = x.max() ?? 0
        let budget = Double.ulpOfOne * (abs(m.isFinite ? m : 0) + 3 + log2(Double(k)))
        #expect(
          scaledError(v, truth) * max(1, abs(Double(truth))) <= budget || (v == -.infinity && truth == -.infinity),
          "\(regime) K=\(k): \(v) vs \(truth)")
      }
    }
  #endif

  @Test func allNegativeInfinityGivesNegativeInfinityNotNaN() {
    for k in [1, 2, 5, 17, 100] {
      let x = [Double](repeating: -.infinity, count: k)
      #expect(Self.lse(x) == -.infinity)
      #expect(Self.lme(x) == -.infinity)
    }
    #expect(Self.lse([]) == -.infinity)
  }

  @Test func equalValuesGiveTheValueExactlyInTheMean() {
    for k in [1, 2, 3, 7, 49, 1000, 4096] {
      for v in [-123.456, 0.0, 1e-300, -745.1, 700.25] {
        #expect(Self.lme([Double](repeating: v, count: k)) == v, "K=\(k) v=\(v)")
      }
    }
  }

  @Test func shiftEquivariance() {
    var g = Xoshiro256StarStar(seed: 3)
    let x = WeightRegime.normal5.sample(333, using: &g)
    for c in [-1000.0, -1.5, 0.25, 400.0] {
      let shifted = Self.lse(x.map { $0 + c })
      #expect(abs(shifted - (Self.lse(x) + c)) <= 1e-13 * max(1, abs(shifted)))
    }
  }

  @Test func extremeSpreadsKeepTheDominantTerm() {
    // One weight 800 nats above the rest: the others underflow against it, harmlessly.
    var x = [Double](repeating: -900, count: 100)
    x[37] = -100
    #expect(Self.lse(x) == -100)
    #expect(abs(Self.lse([0, -745.2]) - 0) <= 0)
  }

  @Test func maximumAndSum() {
    let x: [Double] = [-3, 7.5, -.infinity, 2, 7.25, -1, 0, 6, 7.4]
    #expect(x.withUnsafeBufferPointer { LogSpace.maximum($0) } == 7.5)
    #expect([Double]().withUnsafeBufferPointer { LogSpace.maximum($0) } == -.infinity)
    let y = (1...37).map(Double.init)
    #expect(y.withUnsafeBufferPointer { LogSpace.sum($0) } == 703)
    #expect(LogSpace.logAddExp(-.infinity, -.infinity) == -.infinity)
    #expect(LogSpace.logAddExp(-.infinity, 3) == 3)
    #expect(abs(LogSpace.logAddExp(0, 0) - log(2.0)) < 1e-16)
  }

  @Test func shiftedMeanIsExactForEqualValuesAndInfiniteForZeros() {
    #expect([0.1, 0.1, 0.1].withUnsafeBufferPointer { LogSpace.shiftedMean($0) } == 0.1)
    #expect([1.0, -.infinity, 2].withUnsafeBufferPointer { LogSpace.shiftedMean($0) } == -.infinity)
    #expect([-.infinity, 2.0].withUnsafeBufferPointer { LogSpace.shiftedMean($0) } == -.infinity)
    let x = (0..<21).map { Double($0) * 0.37 - 4 }
    let mean = x.withUnsafeBufferPointer { LogSpace.shiftedMean($0) }
    #expect(abs(mean - x.reduce(0, +) / 21) < 1e-15)
  }

  @Test func fusedMaximumIndexAndExcludedSums() {
    var g = Xoshiro256StarStar(seed: 21)
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 100] {
      for _ in 0..<20 {
        // Few distinct values, so ties are common.
        var x = (0..<n).map { _ in Double(g.next() % 4) - 9 }
        if n > 2 && g.next() % 3 == 0 { x[Int(g.next() % UInt64(n))] = -.infinity }
        let (m, i) = x.withUnsafeBufferPointer { LogSpace.maximumAndFirstIndex($0) }
        #expect(m == x.max()! && i == x.firstIndex(of: m)!, "\(x)")
        #expect(x.withUnsafeBufferPointer { LogSpace.firstIndex(of: m, in: $0) } == i)
        var a = [Double](repeating: .nan, count: n)
        let (sum, second) = x.withUnsafeBufferPointer { p in
          a.withUnsafeMutableBufferPointer { LogSpace.storeExpShiftedExcluding(i, p, shift: m, into: $0) }
        }
        let others = x.indices.filter { $0 != i }.map { VectorMath.expNonPositive(x[$0] - m) }
        #expect(a[i] == 0 && abs(sum - others.reduce(0, +)) <= 1e-15 * Double(n))
        #expect(second == (others.max() ?? 0))
        for j in x.indices where j != i { #expect(a[j] == VectorMath.expNonPositive(x[j] - m)) }
      }
    }
    let allZero = [Double](repeating: -.infinity, count: 5)
    #expect(allZero.withUnsafeBufferPointer { LogSpace.maximumAndFirstIndex($0) } == (-.infinity, 0))
  }
}
