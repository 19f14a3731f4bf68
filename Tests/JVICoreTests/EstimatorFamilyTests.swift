import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// VR-α, VR-max, CIWAE and the TVO sums against 40-digit definitions, closed forms and the
/// properties every estimator shares (equal weights, shift equivariance).
struct EstimatorFamilyTests {
  static func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
      throw InputFileError(path: name, problem: "fixture missing from the test bundle")
    }
    return try String(contentsOf: url, encoding: .utf8)
  }

  static func estimate(_ e: any BoundEstimator, _ x: [Double], row: Int = 0) throws -> Double {
    let m = try LogWeightMatrix(rows: [x])
    return try e.estimate(m, row: 0, columns: 0..<x.count, workspace: EstimatorWorkspace())
  }

  #if arch(x86_64)
    /// Fixtures/make_family_reference.py: the definitions in 40-digit mpmath, on rows from two
    /// values 1700 nats apart to 1000 weights of spread 0.3, and α up to 10⁻¹² from 1 (where the
    /// direct form loses 12 digits). Tolerance 1e−13·max(1, |truth|); measured worst printed.
    @Test func matchesFortyDigitDefinitions() throws {
      var rows: [[Double]] = []
      for line in try Self.fixture("family_rows.csv").split(separator: "\n") {
        rows.append(line.split(separator: ",").dropFirst(2).map { Double($0)! })
      }
      var worst: [String: Double] = [:]
      var count = 0
      for line in try Self.fixture("family_reference.csv").split(separator: "\n").dropFirst() {
        let c = line.split(separator: ",").map(String.init)
        let parameter = Double(c[1])!, x = rows[Int(c[2])!], truth = Float80(c[3])!
        let e: any BoundEstimator
        switch c[0] {
        case "vr": e = try RenyiBound(alpha: parameter)
        case "ciwae": e = try CombinationIWAE(beta: parameter)
        case "tvo": e = try ThermodynamicBound(side: .lower, partitions: Int(parameter))
        default: e = try ThermodynamicBound(side: .upper, partitions: Int(parameter))
        }
        let value = try Self.estimate(e, x)
        let error = scaledError(value, truth)
        #expect(error <= 1e-13, "\(c[0]) \(c[1]) row \(c[2]): \(value) vs \(truth)")
        worst[c[0]] = max(worst[c[0]] ?? 0, error)
        count += 1
      }
      #expect(count == 189)
      print("family vs 40 digits, worst error / max(1, |truth|):", worst.sorted { $0.key < $1.key })
    }
  #endif

  /// Published values (the estimator-family table of the project's notes, checked here against
  /// the definitions at 40 digits too) for the rows of the VIMCO/JVI literature.
  @Test func knownValues() throws {
    let a: [Double] = [-3, -1, 0, -2, -5]
    #expect(abs(try Self.estimate(try RenyiBound(alpha: 0.5), a) - -1.5708536855522515) <= 1e-15)
    #expect(abs(try Self.estimate(try RenyiBound(alpha: -1), a) - -0.7321603526768332) <= 1e-15)
    #expect(try Self.estimate(try RenyiMax(), a) == 0)
    let b = (1...16).map(Double.init)
    #expect(abs(try Self.estimate(try RenyiBound(alpha: 0.5), b) - 12.319655776838662) <= 1e-14)
    #expect(try Self.estimate(try RenyiMax(), b) == 16)
  }

  /// For posterior N(0, 1) (log p(x) = 0) and proposal N(0, s²), the Rényi bound in closed form:
  /// L_α = [−α log s − ½ log(1 − α + α/s²)]/(1 − α). L̂_{α,K} converges to it as K grows; with
  /// K = 2¹⁴ and 48 instances the mean is checked within 4 standard errors plus the delta-method
  /// bias −(1/(1−α))·Var(w^(1−α))/(2K E[w^(1−α)]²) (estimated from the same samples).
  @Test(arguments: [(1.5, -1.0), (1.5, 0.5), (1.5, 0.9), (0.8, 0.5), (0.8, 2.0), (0.8, 0.999_999)])
  func renyiBoundConvergesToItsClosedForm(s: Double, alpha: Double) throws {
    let exact = (-alpha * log(s) - 0.5 * log(1 - alpha + alpha / (s * s))) / (1 - alpha)
    let k = 1 << 14, n = 48
    var g = Xoshiro256StarStar(seed: 77)
    var rows: [[Double]] = []
    for _ in 0..<n {
      rows.append(
        (0..<k).map { _ in
          let z = s * Sampling.standardNormal(using: &g)
          return -0.5 * z * z + 0.5 * z * z / (s * s) + log(s)
        })
    }
    let e = try RenyiBound(alpha: alpha)
    let values = try rows.map { try Self.estimate(e, $0) }
    let summary = SampleSummary(values)
    // Delta-method bias of the log-mean at K from the pooled samples' moments of w^t.
    let t = 1 - alpha
    let wt = rows.joined().map { exp(t * $0) }
    let mean = wt.reduce(0, +) / Double(wt.count)
    let variance = wt.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(wt.count - 1)
    let bias = -variance / (mean * mean) / (2 * Double(k)) / t
    let error = summary.mean - exact
    #expect(abs(error - bias) <= 4 * summary.standardError + 1e-6, "s \(s) alpha \(alpha): \(summary.mean) vs \(exact)")
  }

  @Test func alphaZeroIsIWAEAndAlphaOneIsTheELBOBitForBit() throws {
    var g = Xoshiro256StarStar(seed: 5)
    let x = (0..<300).map { _ in -90 + 3 * Sampling.standardNormal(using: &g) }
    let iwae = x.withUnsafeBufferPointer { LogSpace.logMeanExp($0) }
    let elbo = x.withUnsafeBufferPointer { LogSpace.shiftedMean($0) }
    #expect(try Self.estimate(try RenyiBound(alpha: 0), x) == iwae)
    #expect(try Self.estimate(try RenyiBound(alpha: 1), x) == elbo)
    #expect(try Self.estimate(try CombinationIWAE(beta: 0), x) == iwae)
    #expect(try Self.estimate(try CombinationIWAE(beta: 1), x) == elbo)
    // Continuity at α = 1 from both sides: the centred form keeps every digit.
    for a in [1 - 1e-12, 1 + 1e-12] {
      let v = try Self.estimate(try RenyiBound(alpha: a), x)
      #expect(abs(v - elbo) <= 1e-9, "alpha \(a): \(v) vs ELBO \(elbo)")
    }
    // L_α is non-increasing in α.
    let values = try [-3.0, -1, 0, 0.3, 0.9, 1, 1.5, 4].map { try Self.estimate(try RenyiBound(alpha: $0), x) }
    for (a, b) in zip(values, values.dropFirst()) { #expect(a >= b) }
  }

  @Test func zeroWeightsFollowTheDefinitions() throws {
    let x: [Double] = [0, -.infinity, -1, 1]
    #expect(try Self.estimate(try RenyiBound(alpha: 0.5), x).isFinite)
    #expect(try Self.estimate(try RenyiBound(alpha: 2), x) == -.infinity)  // w^(−1) = ∞
    #expect(try Self.estimate(try CombinationIWAE(beta: 0.5), x) == -.infinity)  // ELBO = −∞
    #expect(try Self.estimate(try ThermodynamicBound(), x) == -.infinity)
    let none = [Double](repeating: -.infinity, count: 8)
    for e: any BoundEstimator in [
      try RenyiBound(alpha: 0.5), try RenyiMax(), try CombinationIWAE(), try ThermodynamicBound(),
      try ThermodynamicBound(side: .upper), try ParetoSmoothedIWAE(), try SUMO(), try MultilevelIWAE(),
    ] {
      let v = try Self.estimate(e, none)
      #expect(v == -.infinity || (e is ParetoSmoothedIWAE && v.isNaN), "\(e.name): \(v)")
    }
  }

  /// Every estimator of the family returns the common value of equal log-weights exactly.
  @Test(arguments: [1, 2, 7, 64, 1000])
  func equalWeightsGiveTheirValue(k: Int) throws {
    let x = [Double](repeating: -123.456, count: k)
    var list: [any BoundEstimator] = [
      try RenyiBound(alpha: -2), try RenyiBound(alpha: 0.5), try RenyiBound(alpha: 3), try RenyiMax(),
      try CombinationIWAE(beta: 0.3), try ThermodynamicBound(), try ThermodynamicBound(side: .upper, partitions: 9),
    ]
    if k >= 21 { list.append(try ParetoSmoothedIWAE()) }
    if k >= 2 {
      list += [try SUMO(seed: 4), try MultilevelIWAE(seed: 4), try MultilevelIWAE(form: .singleTerm, seed: 4)]
    }
    for e in list { #expect(try Self.estimate(e, x) == -123.456, "\(e.label) at K = \(k)") }
  }

  @Test func shiftEquivariance() throws {
    var g = Xoshiro256StarStar(seed: 11)
    let x = (0..<256).map { _ in 1.5 * Sampling.standardNormal(using: &g) }
    let list: [any BoundEstimator] = [
      try RenyiBound(alpha: -1), try RenyiBound(alpha: 0.5), try RenyiBound(alpha: 1 - 1e-9), try RenyiMax(),
      try CombinationIWAE(), try ThermodynamicBound(), try ThermodynamicBound(side: .upper), try ParetoSmoothedIWAE(),
      try SUMO(minimumTerms: 3, seed: 9), try MultilevelIWAE(seed: 9), try MultilevelIWAE(form: .singleTerm, seed: 9),
    ]
    for e in list {
      let base = try Self.estimate(e, x)
      for c in [-250.0, 0.25, 700] {
        let shifted = try Self.estimate(e, x.map { $0 + c })
        #expect(abs(shifted - (base + c)) <= 1e-12 * max(1, abs(c)), "\(e.label) shifted by \(c)")
      }
    }
  }

  @Test func invalidParametersAreRejectedWhenBuilt() {
    #expect(throws: EstimatorError.self) { try RenyiBound(alpha: .infinity) }
    #expect(throws: EstimatorError.self) { try CombinationIWAE(beta: 1.5) }
    #expect(throws: EstimatorError.self) { try ThermodynamicBound(partitions: 0) }
    #expect(throws: EstimatorError.self) { try SUMO(minimumTerms: 0) }
    #expect(throws: EstimatorError.self) { try SUMO(minimumTerms: 4, k: 4) }
    #expect(throws: EstimatorError.self) { try MultilevelIWAE(rate: 0.5) }
    #expect(throws: EstimatorError.self) { try MultilevelIWAE(k: 1) }
  }

  @Test func thermodynamicGridIsLogSpaced() {
    #expect(ThermodynamicBound.logGrid(partitions: 1) == [0, 1])
    let g = ThermodynamicBound.logGrid(partitions: 5)
    #expect(g.count == 6 && g[0] == 0 && g[5] == 1 && abs(g[1] - pow(10, -1.09)) <= 1e-16)
    for (a, b) in zip(g, g.dropFirst()) { #expect(a < b) }
  }
}
