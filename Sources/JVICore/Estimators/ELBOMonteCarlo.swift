/// ELBO-A, the Monte Carlo evidence lower bound: the mean of the log-weights,
///
///     ELBO-A = (1/k) Σ_i log w_i,   E[ELBO-A] = log p(x) − KL(q(z|x) ‖ p(z|x)).
///
/// Edge cases: any −∞ log-weight gives −∞. Equal log-weights give that value exactly.
/// Error bound: ≤ (k/16 + 4)·ε·Σ|log w_i − log w_1|/k + ε|log w_1| (shifted blocked sum).
/// Cost: one pass, one add per sample.
public struct ELBOMonteCarlo: BoundEstimator {
  public var name: String { "elbo-a" }
  public var order: Int { 0 }
  public let sampleCount: Int?

  public init(k: Int? = nil) throws(EstimatorError) {
    if let k, k < 1 { throw .invalidConfiguration("elbo-a: k must be at least 1, got \(k)") }
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    matrix.withRow(row, columns: columns) { LogSpace.shiftedMean($0) }
  }
}

extension LogSpace {
  /// (1/K) Σ x_i, computed as x_1 + (1/K) Σ (x_i − x_1): exact for equal values, −∞ if any
  /// value is −∞.
  @inlinable
  public static func shiftedMean(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return .nan }
    let c = p[0]
    if c == -.infinity { return -.infinity }
    let n = x.count
    var a0 = V(), a1 = V()
    let cv = V(repeating: c)
    var i = 0
    while i + 8 <= n {
      a0 += load(p, i) - cv
      a1 += load(p, i + 4) - cv
      i += 8
    }
    while i < n {
      let v = i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: c)
      a0 += v - cv
      i += 4
    }
    return c + (a0 + a1).sum() / Double(n)
  }
}
