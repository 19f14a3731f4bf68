/// Bias, variance and MSE of one estimator at one K, from R replicate estimates per instance and
/// a reference per instance (docs/jackknife-math.md §5).
///
/// Per instance n, with replicates T_n1…T_nR, sample variance s_n², fourth central sample moment
/// m₄, reference θ̂_n of variance v_n (0 when exact):
///
///     bias_n = T̄_n − θ̂_n,                SE² = s_n²/R + v_n
///     var_n  = s_n²,                        SE² = (m₄ − s_n⁴(R − 3)/(R − 1))/R
///     mse_n  = (1/R) Σ_r (T_nr − θ̂_n)² − v_n,   SE² = Var_r[(T_nr − θ̂_n)²]/R + 4 bias_n² v_n
///
/// Dataset level: each statistic is the mean over the N instances, and its standard error is
/// the Monte Carlo one given the instances, sqrt(Σ_n SE_n²)/N. So `variance` is the Monte Carlo
/// variance of one estimate of one instance, averaged over instances — not the spread across
/// instances. Needs R ≥ 2. Sums run in a fixed order (deterministic). Per-instance passes are
/// centred (two-pass), so equal replicates give variance 0 exactly.
public struct CellStatistics: Sendable, Equatable {
  public var instances: Int
  public var replicates: Int
  /// mean_n T̄_n.
  public var mean: Double
  /// mean_n θ̂_n and sqrt(Σ v_n)/N.
  public var reference: Double
  public var referenceStandardError: Double
  public var bias: Double
  public var biasStandardError: Double
  public var variance: Double
  public var varianceStandardError: Double
  public var meanSquaredError: Double
  public var meanSquaredErrorStandardError: Double

  /// - Parameters:
  ///   - estimates: N × R, row-major: instance n's replicates at [n·R, (n+1)·R).
  ///   - reference: θ̂_n; `referenceVariance`: v_n (all 0 for an exact reference).
  public init(
    estimates: UnsafeBufferPointer<Double>, replicates r: Int, reference: [Double], referenceVariance: [Double]
  ) {
    let n = reference.count
    precondition(r >= 2, "cell statistics need at least 2 replicates, got \(r)")
    precondition(n >= 1, "cell statistics need at least 1 instance")
    precondition(estimates.count == n * r, "\(estimates.count) estimates for \(n) instances × \(r) replicates")
    precondition(referenceVariance.count == n, "\(referenceVariance.count) reference variances for \(n) instances")
    let rd = Double(r)
    // Sums of T̄_n and θ̂_n are centred on instance 0's, so equal values average to exactly that value.
    var sumMean = 0.0, sumReference = 0.0, sumReferenceVariance = 0.0
    var firstMean = 0.0
    let firstReference = reference[0]
    var sumBias = 0.0, sumBiasVariance = 0.0
    var sumVar = 0.0, sumVarVariance = 0.0
    var sumMSE = 0.0, sumMSEVariance = 0.0
    for i in 0..<n {
      let row = UnsafeBufferPointer(rebasing: estimates[(i * r)..<((i + 1) * r)])
      let theta = reference[i], v = referenceVariance[i]
      // Centred mean: equal replicates give that value exactly.
      let first = row[0]
      var s = 0.0
      for x in row { s += x - first }
      let mean = first + s / rd
      var m2 = 0.0, m4 = 0.0
      for x in row {
        let d = x - mean, d2 = d * d
        m2 += d2
        m4 += d2 * d2
      }
      let s2 = m2 / (rd - 1)
      m4 /= rd
      let bias = mean - theta
      // Squared errors around θ̂: their mean and sample variance.
      var e2Mean = 0.0
      for x in row { e2Mean += (x - theta) * (x - theta) }
      e2Mean /= rd
      var e2Var = 0.0
      for x in row {
        let d = (x - theta) * (x - theta) - e2Mean
        e2Var += d * d
      }
      e2Var /= rd - 1
      if i == 0 { firstMean = mean }
      sumMean += mean - firstMean
      sumReference += theta - firstReference
      sumReferenceVariance += v
      sumBias += bias
      sumBiasVariance += s2 / rd + v
      sumVar += s2
      sumVarVariance += max(0, (m4 - s2 * s2 * (rd - 3) / (rd - 1)) / rd)
      sumMSE += e2Mean - v
      sumMSEVariance += e2Var / rd + 4 * bias * bias * v
    }
    let nd = Double(n)
    instances = n
    replicates = r
    mean = firstMean + sumMean / nd
    self.reference = firstReference + sumReference / nd
    referenceStandardError = sumReferenceVariance.squareRoot() / nd
    bias = sumBias / nd
    biasStandardError = sumBiasVariance.squareRoot() / nd
    variance = sumVar / nd
    varianceStandardError = sumVarVariance.squareRoot() / nd
    meanSquaredError = sumMSE / nd
    meanSquaredErrorStandardError = sumMSEVariance.squareRoot() / nd
  }
}
