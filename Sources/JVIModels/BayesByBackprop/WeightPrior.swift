#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The prior P(w) on every weight and bias of a Bayesian network (Blundell et al. 2015):
///
/// - `.gaussian(sigma:)`: N(0, σ²);
/// - `.scaleMixture(pi:sigma1:sigma2:)`: π·N(0, σ1²) + (1 − π)·N(0, σ2²), evaluated as
///   l₂ + softplus(l₁ − l₂) with l_c = log(mixture weight) + log N(w; 0, σ_c²), a log-sum-exp that
///   neither overflows nor underflows for any w.
///
/// d log P/dw = −w·(r/σ1² + (1 − r)/σ2²), r = σ(l₁ − l₂) the first component's responsibility.
public enum WeightPrior: Sendable, Equatable, CustomStringConvertible {
  case gaussian(sigma: Double)
  case scaleMixture(pi: Double, sigma1: Double, sigma2: Double)

  static let halfLogTwoPi = 0.918_938_533_204_672_8

  /// log P(w) for one weight, in Double.
  public func logDensity(_ w: Double) -> Double {
    switch self {
    case .gaussian(let s):
      return -Self.halfLogTwoPi - log(s) - w * w / (2 * s * s)
    case .scaleMixture(let pi, let s1, let s2):
      let l1 = log(pi) - log(s1) - w * w / (2 * s1 * s1)
      let l2 = log1p(-pi) - log(s2) - w * w / (2 * s2 * s2)
      let (hi, lo) = l1 > l2 ? (l1, l2) : (l2, l1)
      return -Self.halfLogTwoPi + hi + log1p(exp(lo - hi))
    }
  }

  /// d log P(w)/dw.
  public func derivative(_ w: Double) -> Double {
    switch self {
    case .gaussian(let s):
      return -w / (s * s)
    case .scaleMixture(let pi, let s1, let s2):
      let d = log(pi) - log1p(-pi) - log(s1) + log(s2) - w * w * (1 / (2 * s1 * s1) - 1 / (2 * s2 * s2))
      let r = 1 / (1 + exp(-d))
      return -w * (r / (s1 * s1) + (1 - r) / (s2 * s2))
    }
  }

  /// Σ_i log P(w_i) and, into `gradient` (if given), `scale`·d log P/dw_i added to it.
  /// Vectorised in the network's scalar type; the sum is accumulated in Double. `scratch` holds
  /// 2·count values.
  public func logDensity<T: NetworkScalar>(
    _ w: UnsafePointer<T>, count n: Int, gradient: UnsafeMutablePointer<T>? = nil, scale: Double = 1,
    scratch: UnsafeMutablePointer<T>
  ) -> Double {
    switch self {
    case .gaussian(let s):
      let inv = 1 / (s * s)
      var sumSquares = 0.0
      for i in 0..<n { sumSquares += Double(w[i]) * Double(w[i]) }
      if let gradient {
        let c = T(-scale * inv)
        for i in 0..<n { gradient[i] += c * w[i] }
      }
      return Double(n) * (-Self.halfLogTwoPi - log(s)) - 0.5 * inv * sumSquares
    case .scaleMixture(let pi, let s1, let s2):
      // d = l₁ − l₂ = c0 − c1·w²;  log P = −½log2π + l₂ + softplus(d),  l₂ = log(1−π) − log σ2 − w²/(2σ2²).
      let c0 = log(pi) - log1p(-pi) - log(s1) + log(s2)
      let c1 = 1 / (2 * s1 * s1) - 1 / (2 * s2 * s2)
      let c2 = 1 / (2 * s2 * s2)
      var sumSquares = 0.0
      for i in 0..<n {
        let w2 = Double(w[i]) * Double(w[i])
        sumSquares += w2
        scratch[i] = T(c0 - c1 * w2)
      }
      var total = Double(n) * (-Self.halfLogTwoPi + log1p(-pi) - log(s2)) - c2 * sumSquares
      if let gradient {
        // r = σ(d) first (the softplus below overwrites the scratch).
        let a = T(-scale / (s1 * s1)), b = T(-scale / (s2 * s2))
        let r = scratch + n
        T.sigmoid(scratch, r, count: n)
        for i in 0..<n { gradient[i] += w[i] * (a * r[i] + b * (1 - r[i])) }
      }
      T.softplus(scratch, scratch, count: n)
      for i in 0..<n { total += Double(scratch[i]) }
      return total
    }
  }

  public var description: String {
    switch self {
    case .gaussian(let s): "gaussian sigma=\(s)"
    case .scaleMixture(let pi, let s1, let s2): "scale-mixture pi=\(pi) sigma1=\(s1) sigma2=\(s2)"
    }
  }

  /// The prior written as "gaussian S" or "mixture PI S1 S2" (`jvi-train --prior`, checkpoints);
  /// nil unless every number is finite and positive and 0 < PI < 1.
  public init?(text: String) {
    let parts = text.split(separator: " ").map(String.init)
    let values = parts.dropFirst().compactMap(Double.init)
    guard values.count == parts.count - 1, values.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
    switch (parts.first, values.count) {
    case ("gaussian", 1): self = .gaussian(sigma: values[0])
    case ("mixture", 3) where values[0] < 1: self = .scaleMixture(pi: values[0], sigma1: values[1], sigma2: values[2])
    default: return nil
    }
  }

  /// "gaussian 1.0" or "mixture 0.5 1.0 0.0024787521766663585": what `init?(text:)` reads back.
  public var text: String {
    switch self {
    case .gaussian(let s): "gaussian \(s)"
    case .scaleMixture(let pi, let s1, let s2): "mixture \(pi) \(s1) \(s2)"
    }
  }
}

/// π_i, the weight of the complexity cost log q(w) − log P(w) in the cost of minibatch i of M
/// (Blundell et al. 2015, §3.4). Both sum to 1 over an epoch.
///
/// - `.uniform`: π_i = 1/M;
/// - `.geometric`: π_i = 2^(M−i)/(2^M − 1), computed as exp(−i·log 2 − log1p(−2^−M)): no 2^M is
///   formed, so nothing overflows for any M, and late minibatches get a weight that underflows
///   gracefully to 0.
public enum ComplexityWeighting: String, Sendable, Equatable, CaseIterable {
  case uniform
  case geometric

  /// π_i for minibatch i = 1…M.
  public func weight(minibatch i: Int, of m: Int) -> Double {
    precondition(i >= 1, "minibatches are numbered from 1, got \(i)")
    precondition(i <= m, "minibatch \(i) of \(m)")
    switch self {
    case .uniform: return 1 / Double(m)
    case .geometric:
      let ln2 = 0.693_147_180_559_945_3
      return exp(-Double(i) * ln2 - log1p(-exp(-Double(m) * ln2)))
    }
  }
}
