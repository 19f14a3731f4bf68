#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Importance-sampling diagnostics of one block of log-weights, u_i = w_i / Σ w:
///
///     ESS = (Σ w_i)² / Σ w_i² = 1 / Σ u_i² ∈ [1, k],   largest normalised weight = max_i u_i ∈ [1/k, 1].
///
/// A small ESS (or a largest weight near 1) means the estimate rests on a few samples, and
/// the IWAE/JVI bias expansions in 1/k have not yet taken hold.
/// Computed from a_i = exp(log w_i − M), M = max: A = Σ a_i ≥ 1, A₂ = Σ a_i².
/// Edge case: an all −∞ block has no weights: ESS = 0 and largest weight 0.
/// Cost: one exp per sample.
public struct WeightDiagnostics: Sendable, Equatable {
  /// IWAE_k of the block.
  public var iwae: Double
  /// A = Σ exp(log w_i − M).
  public var shiftedSum: Double
  /// A₂ = Σ exp(log w_i − M)².
  public var shiftedSumOfSquares: Double

  /// ESS = A²/A₂.
  public var effectiveSampleSize: Double { shiftedSumOfSquares > 0 ? shiftedSum * shiftedSum / shiftedSumOfSquares : 0 }

  /// max_i u_i = 1/A.
  public var largestNormalisedWeight: Double { shiftedSum > 0 ? 1 / shiftedSum : 0 }

  /// k/ESS − 1 = (k A₂ − A²)/A² ≥ 0: the plug-in s₂ = Var(w)/E[w]² (times (k − 1)/k).
  /// Exactly 0 for equal weights (A = k, A₂ = k).
  public func excessOverEqualWeights(sampleCount k: Int) -> Double {
    let a2 = shiftedSum * shiftedSum
    return Swift.max(0, (Double(k) * shiftedSumOfSquares - a2) / a2)
  }

  /// ŝ₂/k, the delta-method variance of IWAE_k as an estimate of log p(x) (the reference
  /// variance of a sweep, the standard error² of an AIS estimate over its chains).
  public func iwaeVariance(sampleCount k: Int) -> Double { excessOverEqualWeights(sampleCount: k) / Double(k) }

  public init(_ x: UnsafeBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>) {
    let m = LogSpace.maximum(x)
    if m == -.infinity {
      self.init(iwae: -.infinity, shiftedSum: 0, shiftedSumOfSquares: 0)
      return
    }
    let (a, a2) = LogSpace.storeExpShifted(x, shift: m, into: scratch)
    self.init(iwae: m + (log(a) - log(Double(x.count))), shiftedSum: a, shiftedSumOfSquares: a2)
  }

  public init(iwae: Double, shiftedSum: Double, shiftedSumOfSquares: Double) {
    self.iwae = iwae
    self.shiftedSum = shiftedSum
    self.shiftedSumOfSquares = shiftedSumOfSquares
  }

  /// Diagnostics for every instance of a matrix, on the first block of `k` columns (all by default).
  public static func perInstance(_ matrix: LogWeightMatrix, k: Int? = nil, workspace: EstimatorWorkspace)
    -> [WeightDiagnostics]
  {
    let width = k ?? matrix.columnCount
    workspace.reserve(rowLength: width, order: 1)
    let scratch = workspace.expValues.leading(width)
    return (0..<matrix.rowCount).map { row in
      matrix.withRow(row, columns: 0..<width) { WeightDiagnostics($0, scratch: scratch) }
    }
  }
}
