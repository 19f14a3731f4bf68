#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The thermodynamic variational objective's Riemann sums (Masrani, Le, Wood, "The thermodynamic
/// variational objective", NeurIPS 2019). With π_β ∝ q(z|x)^(1−β) p(x, z)^β,
///
///     log p(x) = ∫₀¹ E_{π_β}[log w] dβ,   and on a grid 0 = β₀ < β₁ < … < β_P = 1:
///     TVO (left)   = Σ_{s=0}^{P−1} (β_{s+1} − β_s)·E_{β_s}[log w]   ≤ log p(x),
///     upper (right) = Σ_{s=1}^{P}  (β_s − β_{s−1})·E_{β_s}[log w]   ≥ log p(x),
///
/// because the integrand increases in β (its derivative is Var_{π_β}[log w] ≥ 0). Each E_β comes
/// from the same K samples by self-normalised weights (`LogSpace.temperedMean`). The left sum
/// with P = 1 is the ELBO. The self-normalised estimates are biased downward at finite K, so the
/// upper sum is an upper bound only as K grows (at K = 1 both sums are log w₁); the lower sum
/// stays below log p(x) in expectation.
///
/// Grid: β₁ … β_P log-spaced from 10^(−1.09) ≈ 0.081 to 1 (the TVO code's continuous-model default),
/// or [0, 1] for P = 1.
///
/// Computed as E₀ + Σ_s Δβ_s·(E_{β_s} − E₀), with Σ Δβ = 1, so equal log-weights give that value
/// exactly (every difference is 0).
/// Edge cases: a zero weight makes E₀ (the ELBO) and so both sums −∞; an all −∞ block gives −∞.
/// Error bound: ≤ c·ε·(|M| + P·max|d|). Cost: P + 1 exp passes over the block.
public struct ThermodynamicBound: BoundEstimator {
  public enum Side: String, Sendable, CaseIterable {
    /// The left Riemann sum, the TVO itself (a lower bound).
    case lower
    /// The right Riemann sum (an upper bound as K grows).
    case upper
  }

  public static let defaultPartitions = 5
  public static let logSmallestBeta = -1.09

  public var name: String { side == .lower ? "tvo" : "tvo-upper" }
  public var label: String {
    partitions == ThermodynamicBound.defaultPartitions ? name : "\(name):partitions=\(partitions)"
  }
  public var order: Int { 0 }
  public let side: Side
  public let partitions: Int
  public let sampleCount: Int?
  /// β₀ = 0, β₁, …, β_P = 1.
  public let grid: [Double]

  public init(side: Side = .lower, partitions: Int = ThermodynamicBound.defaultPartitions, k: Int? = nil)
    throws(EstimatorError)
  {
    guard partitions >= 1 && partitions <= 1000 else {
      throw .invalidConfiguration("tvo: the number of partitions must be between 1 and 1000, got \(partitions)")
    }
    if let k, k < 1 { throw .invalidConfiguration("tvo: k must be at least 1, got \(k)") }
    self.side = side
    self.partitions = partitions
    sampleCount = k
    grid = ThermodynamicBound.logGrid(partitions: partitions)
  }

  /// [0] + 10^(−1.09·(P − s)/(P − 1)) for s = 1…P ([0, 1] for P = 1).
  public static func logGrid(partitions p: Int) -> [Double] {
    if p == 1 { return [0, 1] }
    return [0] + (1...p).map { s in s == p ? 1 : pow(10, logSmallestBeta * Double(p - s) / Double(p - 1)) }
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    matrix.withRow(row, columns: columns) { x in
      let e0 = LogSpace.shiftedMean(x)
      if e0 == -.infinity { return -.infinity }
      var sum = 0.0
      for s in 1..<grid.count {
        let width = grid[s] - grid[s - 1]
        let beta = side == .lower ? grid[s - 1] : grid[s]
        if beta == 0 { continue }  // E_0 − E_0
        sum += width * (LogSpace.temperedMean(x, beta: beta) - e0)
      }
      return e0 + sum
    }
  }
}
