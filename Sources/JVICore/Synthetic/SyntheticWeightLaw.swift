#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// I.i.d. importance weights with a known evidence, for demos, tests and sweeps
/// (../shared/docs/jackknife-math.md §4a).
///
/// - `.logNormal(mu:sigma:)`: log w ~ N(μ, σ²), log p = log E[w] = μ + σ²/2,
///   bias(IWAE_K) = −(e^{σ²} − 1)/(2K) + O(K⁻²) (accurate once K ≫ e^{σ²} − 1).
/// - `.gamma(shape:scale:)`: w ~ Gamma(a, θ), log p = log(aθ); since Σ_{i≤K} w_i ~ Gamma(Ka, θ),
///   E[IWAE_K] = ψ(Ka) + log θ − log K exactly.
public enum SyntheticWeightLaw: Sendable, Equatable, CustomStringConvertible {
  case logNormal(mu: Double, sigma: Double)
  case gamma(shape: Double, scale: Double)

  /// log p(x) = log E[w].
  public var logEvidence: Double {
    switch self {
    case .logNormal(let mu, let sigma): mu + 0.5 * sigma * sigma
    case .gamma(let a, let theta): log(a * theta)
    }
  }

  /// E[IWAE_K] when it has a closed form (Gamma weights), else nil.
  public func expectedIWAE(sampleCount k: Int) -> Double? {
    switch self {
    case .logNormal: nil
    case .gamma(let a, let theta): SpecialFunctions.digamma(Double(k) * a) + log(theta) - log(Double(k))
    }
  }

  /// An N × K matrix of log-weights; row i uses stream i of `seed`, so a row does not depend
  /// on N or on the order rows are drawn in.
  public func sample(rows n: Int, columns k: Int, seed: UInt64) -> LogWeightMatrix {
    var values = [Double](repeating: 0, count: n * k)
    values.withUnsafeMutableBufferPointer { out in
      for i in 0..<n {
        var g = Xoshiro256StarStar(seed: seed, stream: UInt64(i))
        let row = UnsafeMutableBufferPointer(rebasing: out[(i * k)..<((i + 1) * k)])
        switch self {
        case .logNormal(let mu, let sigma):
          Sampling.fillStandardNormal(row, using: &g)
          for j in 0..<k { row[j] = mu + sigma * row[j] }
        case .gamma(let a, let theta):
          let logTheta = log(theta)
          for j in 0..<k { row[j] = Sampling.logGamma(shape: a, using: &g) + logTheta }
        }
      }
    }
    return LogWeightMatrix(unchecked: n, k, values, nil, nil)
  }

  public var description: String {
    switch self {
    case .logNormal(let mu, let sigma): "log-normal weights, log w ~ N(\(compact(mu)), \(compact(sigma))²)"
    case .gamma(let a, let theta): "Gamma(\(compact(a)), \(compact(theta))) weights"
    }
  }
}

/// A double as the shortest round-trip text, without a trailing ".0" for integral values.
public func compact(_ x: Double) -> String {
  if x.isFinite && x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
  return String(describing: x)
}

/// Special functions the closed forms need.
public enum SpecialFunctions {
  /// The digamma function ψ(x) = d/dx log Γ(x) for x > 0.
  ///
  /// Recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series
  /// ψ(x) = log x − 1/(2x) − Σ_{k=1}^{7} B_{2k}/(2k x^{2k}). Error ≤ 1e−15·max(1, |ψ|) (tested).
  public static func digamma(_ x: Double) -> Double {
    precondition(x > 0, "digamma needs x > 0")
    var v = x
    var shift = 0.0
    while v < 10 {
      shift -= 1 / v
      v += 1
    }
    let inv = 1 / v, inv2 = inv * inv
    // B2/2 = 1/12, B4/4 = −1/120, B6/6 = 1/252, B8/8 = −1/240, B10/10 = 1/132,
    // B12/12 = −691/32760, B14/14 = 1/12.
    let series =
      inv2
      * (1.0 / 12 - inv2
        * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 - inv2 / 12))))))
    return shift + log(v) - 0.5 * inv - series
  }
}
