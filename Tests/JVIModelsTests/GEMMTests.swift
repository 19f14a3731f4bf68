import Foundation
import JVICore
import Testing

@testable import JVIModels

/// The packed SIMD multiply against a naive Double reference, for every transpose combination,
/// edge shapes, α/β, K blocking, and 1 vs 2 threads (bit-identical).
struct GEMMTests {
  static func reference(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: [Float], _ lda: Int, _ b: [Float],
    _ ldb: Int, _ beta: Float, _ c: [Float], _ ldc: Int
  ) -> [Double] {
    var out = c.map(Double.init)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k {
          let av = ta ? a[p * lda + i] : a[i * lda + p]
          let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
          s += Double(av) * Double(bv)
        }
        out[i * ldc + j] = Double(alpha) * s + Double(beta) * Double(c[i * ldc + j])
      }
    }
    return out
  }

  static func random(_ count: Int, _ g: inout Xoshiro256StarStar) -> [Float] {
    (0..<count).map { _ in Float(2 * Sampling.uniform(using: &g) - 1) }
  }

  static func run(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float, beta: Float, threads: Int, seed: UInt64
  ) -> (result: [Float], reference: [Double]) {
    var g = Xoshiro256StarStar(seed: seed)
    let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2
    let a = random((ta ? k : m) * lda, &g), b = random((tb ? n : k) * ldb, &g)
    var c = random(m * ldc, &g)
    let expected = reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    let ws = GEMMWorkspace<Float>()
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          GEMM.multiply(
            transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
            b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc, threads: threads, workspace: ws)
        }
      }
    }
    return (c, expected)
  }

  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func matchesTheReference(transposes: (Bool, Bool)) {
    let shapes = [(1, 1, 1), (5, 7, 3), (6, 16, 8), (13, 33, 17), (100, 200, 300), (37, 50, 600), (200, 19, 257)]
    for (m, n, k) in shapes {
      for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, -2)] {
        let (c, ref) = Self.run(transposes.0, transposes.1, m, n, k, alpha: alpha, beta: beta, threads: 1, seed: 1)
        var worst = 0.0
        for i in 0..<m {
          for j in 0..<n {
            let idx = i * (n + 2) + j
            worst = max(worst, abs(Double(c[idx]) - ref[idx]) / (1 + abs(ref[idx])))
          }
        }
        // Float accumulation over k terms: a few ulp·√k relative to the sum's scale.
        #expect(
          worst < 2e-6 * Double(max(1, k)).squareRoot(), "\(transposes) \(m)x\(n)x\(k) α=\(alpha) β=\(beta): \(worst)")
        // Padding columns of C are untouched.
        for i in 0..<m { #expect(c[i * (n + 2) + n] == Float(ref[i * (n + 2) + n])) }
      }
    }
  }

  @Test func oneAndTwoThreadsAreBitIdentical() {
    for (ta, tb) in [(false, false), (true, false), (false, true)] {
      for (m, n, k) in [(100, 200, 784), (500, 784, 200), (783, 200, 100), (61, 300, 300)] {
        let one = Self.run(ta, tb, m, n, k, alpha: 1, beta: 1, threads: 1, seed: 9).result
        let two = Self.run(ta, tb, m, n, k, alpha: 1, beta: 1, threads: 2, seed: 9).result
        #expect(one == two, "\(ta) \(tb) \(m)x\(n)x\(k)")
      }
    }
  }

  @Test func doubleMatchesTheReference() {
    var g = Xoshiro256StarStar(seed: 5)
    for (ta, tb) in [(false, false), (true, false), (false, true)] {
      for (m, n, k) in [(1, 1, 1), (7, 9, 5), (13, 17, 300), (100, 50, 20)] {
        let lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 1
        let a = (0..<((ta ? k : m) * lda)).map { _ in 2 * Sampling.uniform(using: &g) - 1 }
        let b = (0..<((tb ? n : k) * ldb)).map { _ in 2 * Sampling.uniform(using: &g) - 1 }
        var c = (0..<(m * ldc)).map { _ in Sampling.uniform(using: &g) }
        var expected = c
        for i in 0..<m {
          for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]) }
            expected[i * ldc + j] = 0.5 * s - 1.5 * c[i * ldc + j]
          }
        }
        let ws = GEMMWorkspace<Double>()
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              GEMM.multiply(
                transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: pa.baseAddress!, lda: lda,
                b: pb.baseAddress!, ldb: ldb, beta: -1.5, c: pc.baseAddress!, ldc: ldc, workspace: ws)
            }
          }
        }
        var worst = 0.0
        for i in 0..<(m * ldc) { worst = max(worst, abs(c[i] - expected[i])) }
        #expect(worst < 1e-13 * Double(k), "\(ta) \(tb) \(m)x\(n)x\(k): \(worst)")
      }
    }
  }

  /// A row of C does not depend on which other rows are multiplied with it (the row blocks, the
  /// tile it falls in, the threads): the product of a block of A's rows equals those rows of the
  /// whole product, bit for bit. AIS and the log-weights rely on it to group rows freely.
  @Test func aRowsResultDoesNotDependOnTheOtherRows() {
    for (ta, tb) in [(false, false), (false, true), (true, false)] {
      let (m, n, k) = (250, 203, 530)
      var g = Xoshiro256StarStar(seed: 4)
      let a = Self.random(m * k, &g), b = Self.random(k * n, &g)
      func product(_ rows: Range<Int>, threads: Int) -> [Float] {
        var c = [Float](repeating: 0, count: rows.count * n)
        // Row i of op(A) is row i of A, or column i of the stored K × M matrix.
        let sub: [Float] =
          ta
          ? (0..<k).flatMap { p in rows.map { a[p * m + $0] } }
          : Array(a[(rows.lowerBound * k)..<(rows.upperBound * k)])
        sub.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              GEMM.multiply(
                transposeA: ta, transposeB: tb, m: rows.count, n: n, k: k, a: pa.baseAddress!,
                lda: ta ? rows.count : k, b: pb.baseAddress!, ldb: tb ? k : n, beta: 0, c: pc.baseAddress!, ldc: n,
                threads: threads, workspace: GEMMWorkspace<Float>())
            }
          }
        }
        return c
      }
      let whole = product(0..<m, threads: 2)
      for rows in [0..<1, 7..<50, 97..<250, 13..<14] {
        #expect(product(rows, threads: 1) == Array(whole[(rows.lowerBound * n)..<(rows.upperBound * n)]), "\(rows)")
      }
    }
  }
}
