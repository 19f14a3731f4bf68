import Foundation
import JVICore
import Testing
import _TestSupport

/// The baseline kernels (x86-64: SSE2, every fused multiply-add a multiply then an add) against
/// the AVX2 + FMA kernels, within the bounds docs/performance.md states. Each test forces the path
/// on its own thread (`KernelPath.with`), so other tests running meanwhile keep theirs.
@Suite(.enabled(if: KernelPath.isSupported(.avx2), "needs a CPU with AVX2 and FMA"))
struct KernelPathTests {
  /// `body` on the AVX2 path, then on the baseline.
  static func onBothPaths<R>(_ body: () throws -> R) throws -> (avx2: R, baseline: R) {
    let fused = try #require(try KernelPath.with(.avx2, body))
    let baseline = try #require(try KernelPath.with(.baseline, body))
    return (fused, baseline)
  }

  /// The AVX-512 path runs the AVX2 source with the same operations: bit for bit the same results.
  @Test(.enabled(if: KernelPath.isSupported(.avx512), "needs AVX-512"))
  func avx512GivesTheAVX2PathsBits() throws {
    var g = Xoshiro256StarStar(seed: 9)
    let values = (0..<(64 * 300)).map { _ in 3 * Sampling.standardNormal(using: &g) - 50 }
    let matrix = try LogWeightMatrix(rowCount: 64, columnCount: 300, values: values)
    let estimators: [any BoundEstimator] = [
      try IWAE(), try Jackknife(order: 1), try Jackknife(order: 2), try Jackknife(order: 3), try DeltaMethod(),
      try RenyiBound(alpha: 0.5), try ParetoSmoothedIWAE(),
    ]
    func run() throws -> [Double] {
      var out = try estimators.flatMap { try $0.evaluate(matrix, workspace: EstimatorWorkspace()).estimates }
      let grid = (0...4000).map { -40 + Double($0) / 50 }
      for f in VectorMath.Function.allCases where f != .expNonPositive && f != .logOnePlusUnit {
        out += Self.mapped(f, grid) + Self.mapped(f, grid.map(Float.init)).map(Double.init)
      }
      return out
    }
    let wide = try #require(try KernelPath.with(.avx512, run))
    let fused = try #require(try KernelPath.with(.avx2, run))
    #expect(wide.map(\.bitPattern) == fused.map(\.bitPattern))
  }

  static func ulps(_ a: Double, _ b: Double) -> Double {
    if a == b { return 0 }
    if !a.isFinite || !b.isFinite { return .infinity }
    return abs(a - b) / max(a.ulp, b.ulp, Double.leastNormalMagnitude)
  }

  static func ulps(_ a: Float, _ b: Float) -> Double {
    if a == b { return 0 }
    if !a.isFinite || !b.isFinite { return .infinity }
    return Double(abs(a - b) / max(a.ulp, b.ulp, Float.leastNormalMagnitude))
  }

  /// y = f(x) by the C kernels on the running path.
  static func mapped(_ f: VectorMath.Function, _ x: [Double]) -> [Double] {
    var y = x
    x.withUnsafeBufferPointer { p in
      y.withUnsafeMutableBufferPointer { VectorMath.map(f, p.baseAddress!, $0.baseAddress!, count: x.count) }
    }
    return y
  }

  static func mapped(_ f: VectorMath.Function, _ x: [Float]) -> [Float] {
    var y = x
    x.withUnsafeBufferPointer { p in
      y.withUnsafeMutableBufferPointer { VectorMath.map(f, p.baseAddress!, $0.baseAddress!, count: x.count) }
    }
    return y
  }

  /// Every element-wise function on a grid over its domain (edges and clamps included): the two
  /// paths within 4 ulp of each other in Double and Float (each is within 1.5–3 ulp of the exact
  /// value; their difference measured ≤ 2 ulp).
  @Test func elementaryFunctionsAgreeWithinFourUlps() throws {
    var measured: [String] = []
    let grid = (0...20_000).map { -60 + 120 * Double($0) / 20_000 } + [0, -0.0, 1e-300, -745, -708.5, 709, 800, -800]
    for f in VectorMath.Function.allCases {
      let x: [Double] =
        switch f {
        case .expNonPositive: grid.map { -abs($0) * 12 }
        case .logOnePlusUnit: grid.map { abs($0) / 120 }
        default: grid
        }
      let (a, b) = try Self.onBothPaths { Self.mapped(f, x) }
      let worst = zip(a, b).map { Self.ulps($0, $1) }.max() ?? 0
      #expect(worst <= 4, "\(f) Double: \(worst) ulp")
      measured.append("\(f) \(worst)")
      if f == .expNonPositive { continue }
      let xf = x.map { Float($0 / 4) }
      let (af, bf) = try Self.onBothPaths { Self.mapped(f, xf) }
      let worstFloat = zip(af, bf).map { Self.ulps($0, $1) }.max() ?? 0
      #expect(worstFloat <= 4, "\(f) Float: \(worstFloat) ulp")
      measured.append("\(f) Float \(worstFloat)")
    }
    print("baseline vs avx2, worst ulp: " + measured.joined(separator: ", "))
  }

  /// Row reductions: the maxima and plain sums are exact on both paths (no multiply-add); the
  /// exp sums, power sums and log-sum-exp agree to 1e-14 relative (each term's exp within a few
  /// ulp, summed in the same order).
  @Test func rowReductionsAgree() throws {
    var g = Xoshiro256StarStar(seed: 11)
    for k in [1, 3, 7, 16, 61, 1000, 5003] {
      let row = (0..<k).map { _ in 3 * Sampling.standardNormal(using: &g) - 200 }
      let (a, b) = try Self.onBothPaths { () -> [Double] in
        row.withUnsafeBufferPointer { x in
          var q = [Double](repeating: 0, count: 13)
          let m = LogSpace.maximum(x)
          let nu = x.map { ($0 - m) / 10 }
          nu.withUnsafeBufferPointer { n in
            q.withUnsafeMutableBufferPointer { LogSpace.powerSums(n, upTo: 12, into: $0) }
          }
          return [
            m, LogSpace.sum(x), LogSpace.expShiftedSum(x, shift: m), LogSpace.logSumExp(x), LogSpace.logMeanExp(x),
          ]
            + q[2...]
        }
      }
      #expect(a[0] == b[0] && a[1] == b[1], "K = \(k): maximum and sum are exact")
      for (i, (u, v)) in zip(a, b).enumerated().dropFirst(2) {
        #expect(abs(u - v) <= 1e-14 * max(1, abs(u)), "K = \(k), value \(i): \(u) vs \(v)")
      }
    }
  }

  /// Every estimator of the family, per instance, on a log-normal matrix: the paths agree to
  /// 1e-12 relative (JVI's combinations amplify the kernels' last-bit differences by at most the
  /// sum of |c_j|; SUMO and MLMC draw their own randomness, identical on both paths).
  @Test func estimatorsAgree() throws {
    var g = Xoshiro256StarStar(seed: 5)
    let values = (0..<(40 * 256)).map { _ in 2 * Sampling.standardNormal(using: &g) }
    let matrix = try LogWeightMatrix(rowCount: 40, columnCount: 256, values: values)
    let estimators: [any BoundEstimator] = [
      try IWAE(), try Jackknife(order: 1), try Jackknife(order: 2), try Jackknife(order: 3), try DeltaMethod(),
      try RenyiBound(alpha: 0.5), try ParetoSmoothedIWAE(),
    ]
    for e in estimators {
      let (a, b) = try Self.onBothPaths { try e.evaluate(matrix, workspace: EstimatorWorkspace()).estimates }
      for (i, (u, v)) in zip(a, b).enumerated() {
        #expect(abs(u - v) <= 1e-12 * max(1, abs(u)), "\(e.name) \(e.order) row \(i): \(u) vs \(v)")
      }
    }
  }
}

/// The C kernels read DoubleDouble arrays as (hi, lo) pairs of doubles.
struct DoubleDoubleLayoutTests {
  @Test func doubleDoubleIsAPairOfDoubles() {
    #expect(MemoryLayout<DoubleDouble>.size == 16 && MemoryLayout<DoubleDouble>.stride == 16)
    #expect(MemoryLayout<DoubleDouble>.offset(of: \.hi) == 0 && MemoryLayout<DoubleDouble>.offset(of: \.lo) == 8)
  }
}
