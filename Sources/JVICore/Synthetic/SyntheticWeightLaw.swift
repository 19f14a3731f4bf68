#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// I.i.d. importance weights with a known evidence, for demos, tests and sweeps
/// (docs/jackknife-math.md §4a).
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

  /// The standardised moments of w (§4a): log-normal s₂ = e^{σ²} − 1,
  /// s₃ = (e^{σ²} − 1)²(e^{σ²} + 2), s₄ = (e^{σ²} − 1)²(e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} − 3);
  /// Gamma(a, θ) s₂ = 1/a, s₃ = 2/a², s₄ = 3/a² + 6/a³.
  public var moments: RelativeWeightMoments {
    switch self {
    case .logNormal(_, let sigma):
      let e = exp(sigma * sigma), s2 = expm1(sigma * sigma)
      return RelativeWeightMoments(
        s2: s2, s3: s2 * s2 * (e + 2), s4: s2 * s2 * (e * e * e * e + 2 * e * e * e + 3 * e * e - 3))
    case .gamma(let a, _):
      return RelativeWeightMoments(s2: 1 / a, s3: 2 / (a * a), s4: 3 / (a * a) + 6 / (a * a * a))
    }
  }

  /// E[IWAE_K] when it has a closed form (Gamma weights), else nil.
  public func expectedIWAE(sampleCount k: Int) -> Double? {
    switch self {
    case .logNormal: nil
    case .gamma(let a, let theta): SpecialFunctions.digamma(Double(k) * a) + log(theta) - log(Double(k))
    }
  }

  /// E[JVI_{K,m}] − log p exactly when the law has a closed form (Gamma weights), else nil:
  /// Σ_j c_j (ψ((K − j)a) − log((K − j)a)), each term centred so nothing large cancels.
  /// Error ≈ ε·Σ_j |c_j|·|ψ − log| (≈ 1e−13 at K = 1024, m = 3).
  public func exactBias(sampleCount k: Int, order m: Int) -> Double? {
    guard case .gamma(let a, _) = self else { return nil }
    let c = m == 0 ? [1.0] : JackknifeCoefficients.values(sampleCount: k, order: m)
    var s = 0.0
    for j in 0...m {
      let x = Double(k - j) * a
      s += c[j] * (SpecialFunctions.digamma(x) - log(x))
    }
    return s
  }

  /// An N × K matrix of log-weights; row i uses stream i of `seed`, so a row does not depend
  /// on N or on the order rows are drawn in.
  public func sample(rows n: Int, columns k: Int, seed: UInt64) -> LogWeightMatrix {
    sample(rows: 0..<n, columns: k, seed: seed)
  }

  /// Rows `rows` of the matrix above: row r of the result is instance rows.lowerBound + r.
  public func sample(rows: Range<Int>, columns k: Int, seed: UInt64) -> LogWeightMatrix {
    let n = rows.count
    var values = [Double](repeating: 0, count: n * k)
    values.withUnsafeMutableBufferPointer { out in
      for r in 0..<n {
        var g = Xoshiro256StarStar(seed: seed, stream: UInt64(rows.lowerBound + r))
        let row = UnsafeMutableBufferPointer(rebasing: out[(r * k)..<((r + 1) * k)])
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
    var m = LogWeightMatrix(unchecked: n, k, values, nil, nil)
    m.instanceOffset = rows.lowerBound
    return m
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
