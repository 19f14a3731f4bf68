#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The Cholesky factor L of a small dense symmetric positive-definite matrix S = LLᵀ (row-major,
/// n × n, the strict upper triangle zero). For the exact-evidence models' d × d and D × D algebra.
///
/// Cost: n³/3 multiply-adds to factor, n² per solve. Backward stable: the computed L is the exact
/// factor of S + E with |E| ≤ c·n·ε·|L||Lᵀ| (Higham, Accuracy and Stability, Thm 10.3).
public struct CholeskyFactor: Sendable, Equatable {
  public let dimension: Int
  public let lower: [Double]

  /// Factors `matrix` (row-major, symmetric; only the lower triangle is read). Nil when a pivot
  /// is not positive: the matrix is not (numerically) positive definite.
  public init?(_ matrix: [Double], dimension n: Int) {
    precondition(matrix.count == n * n, "\(matrix.count) entries for a \(n) × \(n) matrix")
    var l = [Double](repeating: 0, count: n * n)
    for j in 0..<n {
      var pivot = matrix[j * n + j]
      for k in 0..<j { pivot -= l[j * n + k] * l[j * n + k] }
      guard pivot > 0, pivot.isFinite else { return nil }
      let ljj = pivot.squareRoot()
      l[j * n + j] = ljj
      for i in (j + 1)..<n {
        var s = matrix[i * n + j]
        for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
        l[i * n + j] = s / ljj
      }
    }
    dimension = n
    lower = l
  }

  /// log det S = 2 Σ log L_ii.
  public var logDeterminant: Double {
    var s = 0.0
    for i in 0..<dimension { s += log(lower[i * dimension + i]) }
    return 2 * s
  }

  /// L v.
  public func multiplyLower(_ v: [Double]) -> [Double] {
    let n = dimension
    var out = [Double](repeating: 0, count: n)
    for i in 0..<n {
      var s = 0.0
      for k in 0...i { s += lower[i * n + k] * v[k] }
      out[i] = s
    }
    return out
  }

  /// L⁻¹ b (forward substitution).
  public func solveLower(_ b: [Double]) -> [Double] {
    let n = dimension
    var y = b
    for i in 0..<n {
      var s = y[i]
      for k in 0..<i { s -= lower[i * n + k] * y[k] }
      y[i] = s / lower[i * n + i]
    }
    return y
  }

  /// L⁻ᵀ b (backward substitution).
  public func solveUpper(_ b: [Double]) -> [Double] {
    let n = dimension
    var x = b
    for i in stride(from: n - 1, through: 0, by: -1) {
      var s = x[i]
      for k in (i + 1)..<n { s -= lower[k * n + i] * x[k] }
      x[i] = s / lower[i * n + i]
    }
    return x
  }

  /// S⁻¹ b.
  public func solve(_ b: [Double]) -> [Double] { solveUpper(solveLower(b)) }

  /// bᵀ S⁻¹ b = |L⁻¹ b|².
  public func inverseQuadraticForm(_ b: [Double]) -> Double {
    var s = 0.0
    for y in solveLower(b) { s += y * y }
    return s
  }

  /// S⁻¹ (row-major), column by column.
  public func inverse() -> [Double] {
    let n = dimension
    var out = [Double](repeating: 0, count: n * n)
    for j in 0..<n {
      var e = [Double](repeating: 0, count: n)
      e[j] = 1
      let column = solve(e)
      for i in 0..<n { out[i * n + j] = column[i] }
    }
    return out
  }
}

/// Small dense row-major helpers for the exact-evidence models.
enum DenseAlgebra {
  /// A (r × c) times B (c × s).
  static func multiply(_ a: [Double], _ b: [Double], rows r: Int, inner c: Int, columns s: Int) -> [Double] {
    var out = [Double](repeating: 0, count: r * s)
    for i in 0..<r {
      for k in 0..<c {
        let aik = a[i * c + k]
        for j in 0..<s { out[i * s + j] += aik * b[k * s + j] }
      }
    }
    return out
  }

  /// Aᵀ for A of r × c.
  static func transpose(_ a: [Double], rows r: Int, columns c: Int) -> [Double] {
    var out = [Double](repeating: 0, count: r * c)
    for i in 0..<r { for j in 0..<c { out[j * r + i] = a[i * c + j] } }
    return out
  }

  /// tr(A B) for square n × n matrices.
  static func traceOfProduct(_ a: [Double], _ b: [Double], dimension n: Int) -> Double {
    var s = 0.0
    for i in 0..<n { for k in 0..<n { s += a[i * n + k] * b[k * n + i] } }
    return s
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
  }
}
