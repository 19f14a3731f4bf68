import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// JVI and the leave-j-out means against the Float80 brute force over every removal subset,
/// in every regime of the notes (σ from 0.1 to 20, log-t, one weight 300 / 800 nats up, two
/// co-dominant weights, −∞ entries, all equal, sparse). Tolerance 1e−12·max(1, |truth|) for
/// m ≤ 3 (measured worst case in the notes: 1.2e−14).
struct JackknifeBruteForceTests {
  static let sizes = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 16, 17, 20]

  #if arch(x86_64)
    /// The definition with the notes' convention for an all-zero row (every Lbar is −∞ and
    /// Σ c_j = 1, so −∞; the naive sum would give ∞ − ∞).
    static func truth(_ x: [Double], order m: Int) -> Float80 {
      if x.allSatisfy({ $0 == -.infinity }) { return -.infinity }
      return Float80Oracle.jackknife(x, order: m)
    }
  #endif

  #if arch(x86_64)
    @Test(arguments: WeightRegime.allCases)
    func jackknifeOrdersZeroToThree(regime: WeightRegime) throws {
      var g = Xoshiro256StarStar(seed: 2018, stream: UInt64(WeightRegime.allCases.firstIndex(of: regime)!))
      let workspace = EstimatorWorkspace()
      for k in Self.sizes {
        for _ in 0..<3 {
          let x = regime.sample(k, using: &g)
          for m in 0...min(3, k - 1) {
            let v = try Jackknife.value(x, order: m, workspace: workspace)
            let t = Self.truth(x, order: m)
            let e = scaledError(v, t)
            #expect(e <= 1e-12, "JVI order \(m), K = \(k), \(regime): \(v) vs \(t) (error \(e)); row \(describeRow(x))")
          }
        }
      }
    }
  #endif

  #if arch(x86_64)
    @Test(arguments: WeightRegime.allCases)
    func leaveOutMeansOneToThree(regime: WeightRegime) throws {
      var g = Xoshiro256StarStar(seed: 77, stream: UInt64(WeightRegime.allCases.firstIndex(of: regime)!))
      let workspace = EstimatorWorkspace()
      for k in Self.sizes {
        let x = regime.sample(k, using: &g)
        for j in 1...min(3, k - 1) {
          let ev = HeavyLightEvaluator(target: .leaveOutMean(removed: j))
          let v = try x.withUnsafeBufferPointer { try ev.evaluate($0, workspace: workspace) }
          let t = Float80Oracle.leaveOutMean(x, removed: j)
          #expect(scaledError(v, t) <= 1e-13, "Lbar_{K−\(j)}, K = \(k), \(regime): \(v) vs \(t); row \(describeRow(x))")
        }
        // The O(K) leave-one-out path gives Lbar_{K−1} too.
        let loo = x.withUnsafeBufferPointer { p in
          withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { LogSpace.leaveOneOut(p, scratch: $0) }
        }
        let t1 = Float80Oracle.leaveOutMean(x, removed: 1)
        #expect(scaledError(loo.leaveOneOutMean(), t1) <= 1e-13, "loo K = \(k), \(regime)")
      }
    }
  #endif

  #if arch(x86_64)
    /// Orders 4 and 5 (beyond the notes' tests): the combination amplifies rounding like
    /// K^(m−2), so the budget is 1e−9 relative at K ≤ 20.
    @Test func higherOrders() throws {
      var g = Xoshiro256StarStar(seed: 45)
      let workspace = EstimatorWorkspace()
      for regime in [WeightRegime.normal1, .normal5, .dominant300, .zeros, .equal] {
        for k in [5, 6, 8, 11, 14] {
          let x = regime.sample(k, using: &g)
          for m in 4...min(5, k - 1) {
            let v = try Jackknife.value(x, order: m, workspace: workspace)
            let t = Self.truth(x, order: m)
            #expect(scaledError(v, t) <= 1e-9, "order \(m), K = \(k), \(regime): \(v) vs \(t)")
          }
        }
      }
    }
  #endif

  #if arch(x86_64)
    /// Rows with K' ≤ m non-zero weights follow the IEEE value of the definition
    /// (one infinite Lbar: (−1)^(m+1)·∞; several: NaN), checked against the Float80 sum itself.
    @Test func degenerateRowsFollowTheDefinition() throws {
      for k in [3, 5, 9] {
        for m in 1...min(4, k - 1) {
          for nonZero in 1...m {
            var x = [Double](repeating: -.infinity, count: k)
            for i in 0..<nonZero { x[(i * 2) % k] = -3.5 - Double(i) }
            let v = try Jackknife.value(x, order: m)
            let t = Float80Oracle.jackknife(x, order: m)
            #expect(scaledError(v, t) == 0, "K = \(k), m = \(m), \(nonZero) non-zero: \(v) vs \(t)")
          }
          #expect(try Jackknife.value([Double](repeating: -.infinity, count: k), order: m) == -.infinity)
        }
      }
      #expect(try Jackknife.value([-1, -.infinity, -.infinity], order: 1) == .infinity)
      #expect(try Jackknife.value([-1, -2, -.infinity, -.infinity], order: 2) == -.infinity)
      #expect(try Jackknife.value([-1, -.infinity, -.infinity, -.infinity], order: 2).isNaN)
    }
  #endif
}
