/// Exact, pre-aggregated coefficients of the heavy/light evaluation for one
/// (K, number of zero weights z, heavy-set size h, target).
///
/// Notation (docs/jackknife-math.md §2): K' = K − z non-zero weights, the h largest
/// are "heavy", the other n = K' − h "light". Zero weights are folded in exactly:
/// α'_k = Σ_i C(z, i) α_{k+i}. For a heavy removal set of size t,
///
///     β_l = α'_{t+l} C(n, l)  (l = 0…lmax, lmax = min(m − t, n)),   γ_t = Σ_l β_l,
///     M_t(y) − M_t(1/n) = Σ_k d_k Δ^k,  d_k = −(1/k) Σ_{l≥1} β_l (l n/(n − l))^k,  Δ = −(1 − κ)/n,
///
/// and the constant C = C0 + Σ_t C(h, t) Σ_{1≤l<n} β_l log((n − l)/n).
/// All of it is computed in 512-bit fixed point and rounded once, so the alternating
/// α's (size ~K^m/m!) cancel exactly; γ_t and the series terms are O(1).
///
/// Cost to build: O(m² · 60) fixed-point operations plus m + 2 integer logarithms
/// (about a millisecond); tables are cached per workspace.
public struct HeavyLightTable: Sendable {
  /// Terms for heavy removal sets of one size t.
  public struct RemovedHeavy: Sendable {
    /// γ_t = Σ_l β_l: the exact coefficient of log ρ_{T_H}.
    public var gamma: Double
    /// The largest light removal-set size, min(m − t, n).
    public var maximumLight: Int
    /// α'_{t+l}, l = 0…maximumLight.
    public var alpha: [Double]
    /// α'_{t+l} in double-double, for the extended-precision light terms.
    public var alphaExtended: [DoubleDouble]
    /// β_l = α'_{t+l} C(n, l), l = 0…maximumLight.
    public var beta: [Double]
    /// d_1…d_kmax of the M_t series in Δ, or nil when M_t is evaluated directly
    /// (n < 3(m − t) or maximumLight = n).
    public var series: [Double]?
  }

  public struct Key: Hashable, Sendable {
    public var sampleCount: Int
    public var zeroCount: Int
    public var heavyCount: Int
    public var target: SubsetSumTarget
  }

  public let key: Key
  /// n = K − z − h.
  public let lightCount: Int
  /// C, rounded once (exactly 0 when it vanishes to within the fixed-point noise, e.g. for
  /// h = z = 0, where it is 0 mathematically).
  public let constant: Double
  /// Index t = 0…min(m, h).
  public let removedHeavy: [RemovedHeavy]

  /// Number of series terms kept: enough that the neglected Σ_{k>kmax} |d_k| n^−k < 2^−70.
  static let maximumSeriesTerms = 60

  public init(_ key: Key) {
    self.key = key
    let k = key.sampleCount, z = key.zeroCount, h = key.heavyCount
    let m = key.target.maximumRemoved
    let n = k - z - h
    precondition(m >= 1, "heavy/light table \(key): it removes at least 1 weight")
    precondition(m < k, "heavy/light table \(key): removing m = \(m) of K = \(k) leaves none")
    precondition(n >= 1, "heavy/light table \(key): no light weights")
    precondition(h >= 0, "heavy/light table \(key): a negative heavy count")
    lightCount = n

    // α_j as fixed-point values and the base constant C0.
    var alpha = [FixedPoint](repeating: .zero, count: m + 1)
    var constant: FixedPoint
    let logK = FixedPoint.log(k)
    switch key.target {
    case .jackknife(let order):
      let c = JackknifeCoefficients.exact(sampleCount: k, order: order)
      constant = .zero
      for j in 0...order {
        alpha[j] = FixedPoint(numerator: c[j].numerator, denominator: c[j].denominator * ExactInteger.binomial(k, j))
        if j > 0 {
          let cj = FixedPoint(numerator: c[j].numerator, denominator: c[j].denominator)
          constant -= cj * (FixedPoint.log(k - j) - logK)
        }
      }
    case .leaveOutMean(let j):
      alpha[j] = FixedPoint(numerator: .one, denominator: ExactInteger.binomial(k, j))
      constant = logK - FixedPoint.log(k - j)
    }
    // Fold the z zero weights: α'_k = Σ_i C(z, i) α_{k+i}.
    var folded = [FixedPoint](repeating: .zero, count: m + 1)
    for kk in 0...m {
      for i in 0...(m - kk) where !alpha[kk + i].raw.isZero {
        folded[kk] += alpha[kk + i] * ExactInteger.binomial(z, i)
      }
    }

    let logN = FixedPoint.log(n)
    var terms: [RemovedHeavy] = []
    for t in 0...min(m, h) {
      let lmax = min(m - t, n)
      let beta = (0...lmax).map { l in folded[t + l] * ExactInteger.binomial(n, l) }
      var gamma = FixedPoint.zero
      for b in beta { gamma += b }
      // M_t(1/n) = Σ_{1≤l<n} β_l log((n − l)/n) goes into the constant, C(h, t) times.
      if lmax >= 1 {
        var mt = FixedPoint.zero
        for l in 1...lmax where l < n { mt += beta[l] * (FixedPoint.log(n - l) - logN) }
        constant += mt * ExactInteger.binomial(h, t)
      }
      var series: [Double]? = nil
      if lmax < n && 3 * (m - t) <= n {
        series = HeavyLightTable.seriesCoefficients(beta: beta, lightCount: n)
      }
      terms.append(
        RemovedHeavy(
          gamma: gamma.toDouble(),
          maximumLight: lmax,
          alpha: (0...lmax).map { folded[t + $0].toDouble() },
          alphaExtended: (0...lmax).map { folded[t + $0].toDoubleDouble() },
          beta: beta.map { $0.toDouble() },
          series: series))
    }
    removedHeavy = terms
    self.constant = constant.isNegligible() ? 0 : constant.toDouble()
  }

  /// d_k = −(1/k) Σ_{l=1}^{lmax} β_l r_l^k, r_l = l n/(n − l), truncated where the bound
  /// |d_k Δ^k| ≤ |d_k| n^−k makes the rest negligible (terms decay like ((m−t)/(n−m+t))^k ≤ 2^−k).
  static func seriesCoefficients(beta: [FixedPoint], lightCount n: Int) -> [Double] {
    let lmax = beta.count - 1
    if lmax < 1 { return [] }
    let ratios = (1...lmax).map { l in FixedPoint(numerator: BigInt(l * n), denominator: BigInt(n - l)) }
    var powers = ratios
    var d: [Double] = []
    var bounds: [Double] = []
    let invN = 1.0 / Double(n)
    var scale = 1.0
    for k in 1...maximumSeriesTerms {
      var s = FixedPoint.zero
      for l in 1...lmax { s += beta[l] * powers[l - 1] }
      let dk = (-s / BigInt(k)).toDouble()
      d.append(dk)
      scale *= invN
      bounds.append(abs(dk) * scale)
      for l in 1...lmax { powers[l - 1] = powers[l - 1] * ratios[l - 1] }
    }
    // Keep terms up to the last one whose bound is ≥ 2^−70 (the tail after it is smaller still).
    var keep = d.count
    while keep > 0 && bounds[keep - 1] < 0x1p-70 { keep -= 1 }
    return Array(d.prefix(keep))
  }
}
