import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// Orders 4–10, where the light terms cancel ≈ K^(m−2)-fold and are formed in double-double.
struct ExtendedPrecisionTests {
  static func evaluate(
    _ x: [Double], order m: Int, heavy: Int? = nil, extended: Bool = false
  ) throws -> (value: Double, diagnostics: HeavyLightDiagnostics) {
    var ev = HeavyLightEvaluator(target: .jackknife(order: m))
    ev.forcedHeavyCount = heavy
    ev.forcesExtendedPrecision = extended
    var d = HeavyLightDiagnostics()
    let v = try x.withUnsafeBufferPointer { try ev.evaluate($0, workspace: EstimatorWorkspace(), diagnostics: &d) }
    return (v, d)
  }

  /// Against 40-digit mpmath enumeration (Fixtures/make_reference_rows.py --high-orders) at
  /// K = 18–22 and orders 4–8, where Σ|c_j| reaches 8e7 (the Float80 naive sum is off by up to
  /// 2e−7 there): every value is within its own error bound and within 1e−9 relative, both with
  /// the automatic choice of precision and with double-double forced on.
  @Test(arguments: [false, true])
  func agreesWithFortyDigitEnumeration(forceExtended: Bool) throws {
    let (rows, references) = try ReferenceRowTests.load(prefix: "reference_rows_high")
    #expect(references.count == 75)
    for r in references {
      let x = rows[r.row]
      let (v, d) = try Self.evaluate(x, order: r.order, extended: forceExtended)
      let error = abs(v - r.jvi)
      #expect(
        error <= d.errorBound && error <= 1e-9 * max(1, abs(r.jvi)),
        "\(r.regime) K=\(r.k) m=\(r.order): \(v) vs \(r.jvi), bound \(d.errorBound), \(d)")
    }
  }

  /// Different heavy sets give the same value through different cancellations.
  @Test(arguments: [256, 1000])
  func independentOfTheHeavySet(k: Int) throws {
    for sigma in [1.0, 2.0] {
      let x = SyntheticWeightLaw.logNormal(mu: -90, sigma: sigma).sample(rows: 1, columns: k, seed: 17).values
      for m in [4, 6, 8] {
        var results: [(Double, HeavyLightDiagnostics)] = []
        for h in 0...4 {
          // Only splits that converge (θ(h) < 0.6) can be forced.
          // Forcing an unreachable h makes the scan record θ(h) for every h.
          var probe = HeavyLightEvaluator(target: .jackknife(order: m))
          probe.forcedHeavyCount = .max
          let ws = EstimatorWorkspace()
          _ = try? x.withUnsafeBufferPointer { try probe.evaluate($0, workspace: ws) }
          if ws.thetas[h] < HeavyLightEvaluator.thetaFallback {
            results.append(try Self.evaluate(x, order: m, heavy: h, extended: true))
          }
        }
        #expect(results.count >= 2, "σ=\(sigma) K=\(k) m=\(m): fewer than two admissible splits")
        for (a, da) in results {
          for (b, db) in results {
            #expect(abs(a - b) <= da.errorBound + db.errorBound, "σ=\(sigma) K=\(k) m=\(m): \(a) vs \(b)")
          }
        }
      }
    }
  }

  /// The double and double-double paths agree where double is already accurate (m ≤ 3).
  @Test func doubleAndDoubleDoubleAgreeAtLowOrders() throws {
    var g = Xoshiro256StarStar(seed: 31)
    for regime in [WeightRegime.normal1, .normal5, .dominant300, .zeros] {
      let x = regime.sample(300, using: &g)
      for m in 2...3 {
        let (a, da) = try Self.evaluate(x, order: m)
        let (b, db) = try Self.evaluate(x, order: m, extended: true)
        #expect(abs(a - b) <= da.errorBound + db.errorBound, "\(regime) m=\(m): \(a) vs \(b)")
      }
    }
  }

  /// What cannot be certified is refused, with a message that says why and what to do.
  @Test func hopelessRowsAreRefusedNotPrinted() throws {
    let x = SyntheticWeightLaw.logNormal(mu: -90, sigma: 5).sample(rows: 1, columns: 256, seed: 5).values
    do {
      let v = try Self.evaluate(x, order: 10)
      Issue.record("order 10 at K = 256, σ = 5 returned \(v.value) with bound \(v.diagnostics.errorBound)")
    } catch let error as JackknifeRowError {
      guard case .accuracy = error.reason else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(error.description.contains("cannot be computed accurately") && error.description.contains("lower order"))
    }
    let r = try Self.evaluate(x, order: 6)
    #expect(r.diagnostics.extendedPrecision && r.diagnostics.errorBound < 1e-12 * abs(r.value))
  }

  @Test func doubleDoubleArithmetic() {
    let third = DoubleDouble(1) / DoubleDouble(3)
    #expect(abs(((third * 3) - DoubleDouble(1)).value) < 1e-31)
    let big = DoubleDouble(1e16) + DoubleDouble(1)
    #expect(big.hi == 1e16 && big.lo == 1)
    #expect(((big - DoubleDouble(1e16)).value) == 1)
    let x = FixedPoint(numerator: BigInt(1), denominator: BigInt(7)).toDoubleDouble()
    #expect(abs(x.hi - 1.0 / 7) == 0 && abs(x.lo) > 0 && abs(x.lo) < 1e-17)
    #expect(abs(((x * 7) - DoubleDouble(1)).value) < 1e-31)
  }
}
