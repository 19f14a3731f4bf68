import Foundation
import Testing

@testable import JVICore

/// The jackknife gradient weights computed without enumeration (`JackknifeGradientSeries`)
/// against their definition: Float80 enumeration of the left-out sets for K ≤ 200, and for
/// K = 5,000 rows of a few distinct weights, where the subsets can be counted instead.
struct JackknifeGradientSeriesTests {
  #if arch(x86_64)
    /// A compensated (Neumaier) sum in Float80: the oracle's sums of up to C(K, m) terms must not
    /// lose more than a few ulps, since the alternating coefficients amplify them by up to 2K².
    struct CompensatedSum {
      var sum: Float80 = 0
      var compensation: Float80 = 0
      mutating func add(_ v: Float80) {
        let t = sum + v
        compensation += abs(sum) >= abs(v) ? (sum - t) + v : (v - t) + sum
        sum = t
      }
      var value: Float80 { sum + compensation }
    }
  #endif

  #if arch(x86_64)
    /// out_s = Σ_j (c_j/C(K, j)) Σ_{|T| = j, s ∉ T} (w_s/W_{T^c})^p in Float80 with compensated
    /// sums (T^c of zero mass left out).
    static func enumerated(_ x: [Double], order m: Int, power p: Int) -> [Double] {
      let k = x.count
      let mx = x.max()!
      let w = x.map { $0 == -.infinity ? Float80(0) : Float80(exp(Float80($0 - mx))) }
      let c = JackknifeCoefficients.exact(sampleCount: k, order: m)
      var out = [Float80](repeating: 0, count: k)
      for j in 0...m {
        let cj = Float80(c[j].numerator.description)! / Float80(c[j].denominator.description)!
        let scale = cj / Float80(JackknifeGradientWeights.binomial(k, j))
        var sums = [CompensatedSum](repeating: CompensatedSum(), count: k)
        var chosen = [Int]()
        func visit(_ start: Int) {
          if chosen.count == j {
            var kept = CompensatedSum()
            var removed = [Bool](repeating: false, count: k)
            for i in chosen { removed[i] = true }
            for i in 0..<k where !removed[i] { kept.add(w[i]) }
            guard kept.value > 0 else { return }
            for i in 0..<k where !removed[i] {
              let r = w[i] / kept.value
              sums[i].add(p == 1 ? r : r * r)
            }
            return
          }
          if start >= k { return }
          for i in start..<k {
            chosen.append(i)
            visit(i + 1)
            chosen.removeLast()
          }
        }
        visit(0)
        for i in 0..<k { out[i] += scale * sums[i].value }
      }
      return out.map { Double($0) }
    }
  #endif

  /// The series on one row (order 1: the public weights, which take O(K) prefix sums); nil
  /// when the series leaves the row to enumeration.
  static func series(
    _ x: [Double], order m: Int, power p: Int, heavy: Int? = nil,
    precision: JackknifeGradientWeights.Precision = .automatic
  ) throws -> [Double]? {
    let weights = try JackknifeGradientWeights(sampleCount: x.count, order: m, precision: precision)
    if m == 1 {
      var out = [Double](repeating: .nan, count: x.count)
      var scratch = [Double](repeating: 0, count: 3 * x.count)
      x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { o in
          scratch.withUnsafeMutableBufferPointer {
            if p == 1 {
              weights.weights(xp, into: o, scratch: $0)
            } else {
              weights.doublyReparameterized(xp, into: o, scratch: $0)
            }
          }
        }
      }
      return out
    }
    var s = try #require(weights.series)
    s.forcedHeavyCount = heavy
    var out = [Double](repeating: .nan, count: x.count)
    let done = x.withUnsafeBufferPointer { xp in
      out.withUnsafeMutableBufferPointer { s.evaluate(xp, power: p, into: $0) }
    }
    return done ? out : nil
  }

  static func rows(k: Int, seed: UInt64) -> [(String, [Double])] {
    var g = Xoshiro256StarStar(seed: seed)
    var rows: [(String, [Double])] = []
    for sigma in [0.3, 1.5, 4.0, 20.0] {
      rows.append(("normal σ=\(sigma)", (0..<k).map { _ in sigma * Sampling.standardNormal(using: &g) - 300 }))
    }
    var zeros = (0..<k).map { _ in 1.5 * Sampling.standardNormal(using: &g) }
    for i in stride(from: 0, to: k, by: 4) { zeros[i] = -.infinity }
    rows.append(("a quarter zero", zeros))
    rows.append(("geometric", (0..<k).map { -0.7 * Double($0) }))
    rows.append(("ties", [Double](repeating: 3, count: k - 2) + [5, 5]))
    rows.append(("dominated", [0, -3] + (2..<k).map { _ in -800 + Sampling.standardNormal(using: &g) }))
    return rows
  }

  /// Σ_{j≥1} |c_j|·j/K: how much the centred terms' combination amplifies rounding.
  static func amplification(k: Int, order m: Int) -> Double {
    let c = JackknifeCoefficients.values(sampleCount: k, order: m)
    return (1...m).reduce(0.0) { $0 + abs(c[$1]) * Double($1) / Double(k) }
  }

  #if arch(x86_64)
    /// Against Float80 enumeration with compensated sums, on normal rows of spread 0.3 to 20, a
    /// quarter of zero weights, geometric weights, ties and a row where two weights dominate the
    /// rest by 800 nats. Extended precision (and order 1, always double-double unless one weight
    /// dominates by > 62 nats): 1e−15 relative to max u^p, plus the oracle's own rounding
    /// (1e−19·amplification·K: the Float80 terms before centring). Automatic precision: 1e−11,
    /// what the double path's a-posteriori bound guarantees (rows above it are redone in
    /// double-double; measured errors ≤ 0.45 of the bound, K = 64, m = 2: ≤ 4.9e−13). The
    /// double-double path is exact to ~1e−16 against 60-digit mpmath
    /// (`largeRowsMatchSixtyDigitReferences`).
    @Test(arguments: [(1, 16), (2, 16), (2, 32), (3, 24), (2, 64), (3, 40), (1, 200), (2, 120), (1, 1000)])
    func matchesFloat80Enumeration(orderAndK: (Int, Int)) throws {
      let (m, k) = orderAndK
      let amplification = Self.amplification(k: k, order: m)
      for (name, x) in Self.rows(k: k, seed: UInt64(31 * m + k)) {
        let mx = x.max()!
        let total = x.reduce(0) { $0 + ($1 == -.infinity ? 0 : exp($1 - mx)) }
        // The double path is taken when one weight dominates by more than 62 nats (order 1) or a
        // heavy weight exceeds the light mass by 2^900 (m ≥ 2): the "dominated" row.
        let doublePath = name == "dominated"
        for p in [1, 2] {
          let truth = Self.enumerated(x, order: m, power: p)
          let scale = p == 1 ? 1 / total : 1 / (total * total)  // max_s u_s^p
          for precision in [JackknifeGradientWeights.Precision.automatic, .extended] {
            let got = try #require(
              try Self.series(x, order: m, power: p, precision: precision), "m=\(m) K=\(k) \(name): left to enumeration"
            )
            let exact = (precision == .extended || m == 1 || amplification > 200) && !doublePath
            let tolerance = exact ? 1e-15 + 1e-19 * amplification * Double(k) : 1e-11
            let error = zip(got, truth).map { abs($0 - $1) }.max()!
            #expect(
              error <= tolerance * scale, "m=\(m) K=\(k) \(name) p=\(p) \(precision): error \(error) vs u^p \(scale)")
            if p == 1 {
              let sum = got.reduce(Float80(0)) { $0 + Float80($1) }
              #expect(abs(sum - 1) <= Float80(tolerance), "m=\(m) K=\(k) \(name) \(precision): Σ g = \(sum)")
            }
          }
        }
      }
    }
  #endif

  /// Equal weights: the standard weights are 1/K and the DReG weights 0 for m ≥ 1 (the
  /// coefficients cancel every (K − j)^(−q), q ≤ m).
  @Test func equalWeightsGiveTheirClosedForm() throws {
    for (m, k) in [(1, 10), (2, 64), (3, 500)] {
      let x = [Double](repeating: -7, count: k)
      let g = try #require(try Self.series(x, order: m, power: 1))
      let d = try #require(try Self.series(x, order: m, power: 2))
      #expect(g.allSatisfy { abs($0 - 1 / Double(k)) <= 1e-15 / Double(k) }, "m=\(m) K=\(k)")
      #expect(d.allSatisfy { abs($0) <= 1e-14 / Double(k * k) }, "m=\(m) K=\(k): \(d.max()!)")
    }
  }

  #if arch(x86_64)
    /// The heavy-set size changes the arithmetic, not the result (double-double: to 2e−15 of max u^p).
    @Test func everyConvergentSplitAgrees() throws {
      var g = Xoshiro256StarStar(seed: 5)
      let x = (0..<48).map { _ in 2 * Sampling.standardNormal(using: &g) }
      let total = x.reduce(0.0) { $0 + exp($1 - x.max()!) }
      let tolerance = 2e-15
      for p in [1, 2] {
        let reference = Self.enumerated(x, order: 2, power: p)
        var used = 0
        for h in 0...12 {
          guard let got = try Self.series(x, order: 2, power: p, heavy: h, precision: .extended) else { continue }
          used += 1
          let error = zip(got, reference).map { abs($0 - $1) }.max()!
          #expect(error <= tolerance * pow(1 / total, Double(p)), "h=\(h) p=\(p): \(error)")
        }
        #expect(used >= 8)
      }
    }
  #endif

  /// K = 5,000 (enumeration would take 6·10¹⁰ operations at m = 2): rows of three distinct
  /// log-weights (0, −2, −6) with multiplicities, against Fixtures/make_gradient_levels.py (the
  /// definition summed over how many samples of each level a subset removes, in 60-digit mpmath;
  /// Float80 cannot be the oracle here: the alternating coefficients amplify its rounding by up
  /// to ~10¹¹ at m = 3). These orders and sizes take the double-double path. Tolerance 1e−14
  /// relative to max u^p.
  @Test func largeRowsMatchSixtyDigitReferences() throws {
    let levels: [Double] = [0, -2, -6]
    var checked = 0
    for line in try EstimatorFamilyTests.fixture("gradient_levels.csv").split(separator: "\n").dropFirst() {
      let f = line.split(separator: ",")
      let (m, p) = (Int(f[0])!, Int(f[1])!)
      let counts = [Int(f[2])!, Int(f[3])!, Int(f[4])!]
      let (level, truth) = (Int(f[5])!, Double(f[6])!)
      var x: [Double] = []
      for (v, c) in zip(levels, counts) { x += [Double](repeating: v, count: c) }
      let got = try #require(try Self.series(x, order: m, power: p))
      let total = zip(levels, counts).reduce(0.0) { $0 + Double($1.1) * exp($1.0) }
      let scale = pow(1 / total, Double(p))  // max_s u_s^p
      let first = counts[..<level].reduce(0, +)
      for s in first..<(first + counts[level]) {
        #expect(abs(got[s] - truth) <= 1e-14 * scale, "m=\(m) \(counts) level \(level) p=\(p): \(got[s]) vs \(truth)")
      }
      checked += 1
    }
    #expect(checked == 24)
  }

  #if arch(x86_64)
    /// Sparse rows: K = 64 with only 3 to 8 non-zero weights (the heavy set may hold all of them,
    /// the light weights all zero) against Float80 enumeration, both precisions.
    @Test func sparseRowsMatchFloat80Enumeration() throws {
      var g = Xoshiro256StarStar(seed: 11)
      for (m, nonZero) in [(2, 3), (2, 5), (3, 4), (3, 8), (2, 8), (2, 12), (2, 20)] {
        var x = [Double](repeating: -.infinity, count: 64)
        for i in 0..<nonZero { x[(i * 37) % 64] = 2 * Sampling.standardNormal(using: &g) }
        let total = x.reduce(0.0) { $0 + ($1 == -.infinity ? 0 : exp($1 - x.max()!)) }
        for p in [1, 2] {
          let truth = Self.enumerated(x, order: m, power: p)
          for precision in [JackknifeGradientWeights.Precision.automatic, .extended] {
            let got = try #require(try Self.series(x, order: m, power: p, precision: precision))
            let error = zip(got, truth).map { abs($0 - $1) }.max()!
            let tolerance = precision == .extended ? 1e-14 : 1e-11
            #expect(
              error <= tolerance * pow(1 / total, Double(p)), "m=\(m) \(nonZero) non-zero p=\(p) \(precision): \(error)"
            )
          }
        }
      }
    }
  #endif

  #if arch(x86_64)
    /// The double path's a-posteriori bound (which decides when a row is redone in double-double)
    /// against its actual error, Float80 enumeration as the truth, on every row family at
    /// K = 8…120 and sparse rows: error ≤ 0.5·bound (measured worst 0.45), and the bound is not
    /// vacuous (≤ 1e−10 at K = 64, m = 2).
    @Test func doublePathBoundHolds() throws {
      var cases: [(Int, Int, String, [Double])] = []
      for (m, k) in [(2, 8), (2, 16), (2, 32), (2, 64), (3, 12), (2, 120)] {
        for (name, x) in Self.rows(k: k, seed: UInt64(31 * m + k)) { cases.append((m, k, name, x)) }
      }
      var g = Xoshiro256StarStar(seed: 11)
      for nonZero in [5, 12, 20] {
        var x = [Double](repeating: -.infinity, count: 64)
        for i in 0..<nonZero { x[(i * 37) % 64] = 2 * Sampling.standardNormal(using: &g) }
        cases.append((2, 64, "sparse \(nonZero)", x))
      }
      var checked = 0
      for (m, k, name, x) in cases {
        let weights = try JackknifeGradientWeights(sampleCount: k, order: m)
        let s = JackknifeGradientSeries(
          sampleCount: k, order: m, scaledCoefficients: weights.scaledCoefficients, extended: false)
        let nonZero = x.filter { $0 > -.infinity }.count
        let top = x.withUnsafeBufferPointer { TopIndices($0, count: min(s.heavyCap + 1, nonZero), nonZero: nonZero) }
        guard let split = x.withUnsafeBufferPointer({ s.chooseSplit($0, top, nonZero: nonZero) }) else { continue }
        let total = x.reduce(0.0) { $0 + ($1 == -.infinity ? 0 : exp($1 - x.max()!)) }
        for p in [1, 2] {
          var out = [Double](repeating: .nan, count: k)
          let bound = x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { s.accumulate(xp, top, split, power: p, into: $0) }
          }
          let truth = Self.enumerated(x, order: m, power: p)
          let error = zip(out, truth).map { abs($0 - $1) }.max()! / pow(1 / total, Double(p))
          #expect(error <= 0.5 * bound + 1e-16, "m=\(m) K=\(k) \(name) p=\(p): error \(error), bound \(bound)")
          if k == 64 && m == 2 { #expect(bound <= 1e-10, "m=\(m) K=\(k) \(name) p=\(p): bound \(bound)") }
          checked += 1
        }
      }
      #expect(checked >= 90)
    }
  #endif

  #if arch(x86_64)
    /// The public weights route rows the series leaves (≤ m non-zero weights) to enumeration.
    @Test func rowsWithFewNonZeroWeightsAreEnumerated() throws {
      let x: [Double] = [0, -1, -.infinity, -.infinity, -.infinity]
      #expect(try Self.series(x, order: 2, power: 2) == nil)
      let w = try JackknifeGradientWeights(sampleCount: x.count, order: 2)
      var out = [Double](repeating: .nan, count: x.count)
      var scratch = [Double](repeating: 0, count: 3 * x.count)
      x.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
          scratch.withUnsafeMutableBufferPointer { w.doublyReparameterized(p, into: o, scratch: $0) }
        }
      }
      let truth = Self.enumerated(x, order: 2, power: 2)
      for i in x.indices { #expect(abs(out[i] - truth[i]) <= 1e-14, "d_\(i): \(out[i]) vs \(truth[i])") }
    }
  #endif
}
