import Foundation
import JVICore
import Testing
import _TestSupport

/// Properties every estimator must have: equal weights give the weight bit-exactly, shifting
/// all log-weights shifts the estimate, permuting samples changes nothing, order 0 is IWAE.
struct EstimatorPropertyTests {
  static func allEstimators(order: Int) throws -> [any BoundEstimator] {
    [try ELBOMonteCarlo(), try IWAE(), try Jackknife(order: order), try DeltaMethod()]
  }

  static func estimate(_ e: any BoundEstimator, _ x: [Double]) throws -> Double {
    let m = try LogWeightMatrix(rowCount: 1, columnCount: x.count, values: x)
    return try e.evaluate(m, workspace: EstimatorWorkspace()).estimates[0]
  }

  @Test(arguments: [2, 3, 4, 5, 7, 16, 64, 100, 257, 1000, 4096])
  func equalWeightsGiveTheWeightBitExactly(k: Int) throws {
    for value in [-123.456, 0.0, -1e-9, 3.75, -745.5, 1e300, -1e-300] {
      let x = [Double](repeating: value, count: k)
      for m in 0...min(3, k - 1) {
        for e in try Self.allEstimators(order: m) where e.minimumSampleCount <= k {
          let v = try Self.estimate(e, x)
          #expect(
            v.bitPattern == value.bitPattern || (v == 0 && value == 0), "\(e.name) m=\(m) K=\(k) value \(value): \(v)")
        }
      }
    }
  }

  @Test func shiftEquivariance() throws {
    var g = Xoshiro256StarStar(seed: 5)
    for regime in [WeightRegime.normal1, .normal5, .dominant300, .zeros, .logStudentT] {
      for k in [8, 64, 300] {
        let x = regime.sample(k, using: &g)
        for c in [-250.0, 17.5] {
          for m in 0...3 {
            let e = try Jackknife(order: m)
            let a = try Self.estimate(e, x) + c
            let b = try Self.estimate(e, x.map { $0 + c })
            #expect(abs(a - b) <= 1e-12 * max(1, abs(a)), "\(regime) K=\(k) m=\(m) c=\(c): \(a) vs \(b)")
          }
        }
      }
    }
  }

  @Test func permutationInvariance() throws {
    var g = Xoshiro256StarStar(seed: 6)
    for regime in WeightRegime.allCases {
      for k in [6, 33, 257] {
        let x = regime.sample(k, using: &g)
        var y = x
        for i in stride(from: k - 1, to: 0, by: -1) { y.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        for e in try Self.allEstimators(order: 3) {
          let a = try Self.estimate(e, x), b = try Self.estimate(e, y)
          #expect(
            (a.isNaN && b.isNaN) || a == b || abs(a - b) <= 1e-12 * max(1, abs(a)),
            "\(e.name) \(regime) K=\(k): \(a) vs \(b)")
        }
      }
    }
  }

  @Test func orderZeroIsIWAE() throws {
    var g = Xoshiro256StarStar(seed: 8)
    for regime in WeightRegime.allCases {
      let x = regime.sample(50, using: &g)
      #expect(try Self.estimate(Jackknife(order: 0), x) == Self.estimate(IWAE(), x))
    }
  }

  @Test func boundsAreOrderedForBalancedWeights() throws {
    // ELBO ≤ IWAE ≤ log-sum bound, and JVI-1 ≥ IWAE (g(1) ≤ 0) on every row.
    var g = Xoshiro256StarStar(seed: 9)
    for _ in 0..<50 {
      let x = WeightRegime.normal1.sample(40, using: &g)
      let elbo = try Self.estimate(ELBOMonteCarlo(), x)
      let iwae = try Self.estimate(IWAE(), x)
      let jvi1 = try Self.estimate(Jackknife(order: 1), x)
      #expect(elbo <= iwae && iwae <= jvi1)
    }
  }
}
