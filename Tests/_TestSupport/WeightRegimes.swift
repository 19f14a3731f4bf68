import Foundation
import JVICore

/// The log-weight regimes of docs/jackknife-math.md §3, as seeded generators.
/// Every regime except `equal` adds the offset −87.3.
public enum WeightRegime: String, CaseIterable, Sendable, CustomStringConvertible {
  case normalTenth = "N(0,0.1²)"
  case normal1 = "N(0,1)"
  case normal5 = "N(0,5²)"
  case normal20 = "N(0,20²)"
  /// 2 · Student-t with 1.5 degrees of freedom (heavy tails in log space).
  case logStudentT = "2·t(1.5)"
  /// N(0, 1) plus one weight 300 nats above the rest.
  case dominant300 = "dom300"
  /// N(0, 1) plus one weight 800 nats above the rest (all others underflow against it).
  case dominant800 = "dom800"
  /// Two dominant weights 1e−9 apart.
  case coDominant = "codom"
  /// All log-weights −123.456.
  case equal
  /// N(0, 1) with about 30% zero weights (−∞).
  case zeros = "neginf"
  /// Only 6 non-zero weights (or all, for K ≤ 6).
  case sparse

  public var description: String { rawValue }

  public func sample(_ k: Int, using g: inout Xoshiro256StarStar) -> [Double] {
    let offset = -87.3
    func normal(_ s: Double) -> [Double] { (0..<k).map { _ in offset + s * Sampling.standardNormal(using: &g) } }
    switch self {
    case .normalTenth: return normal(0.1)
    case .normal1: return normal(1)
    case .normal5: return normal(5)
    case .normal20: return normal(20)
    case .logStudentT:
      return (0..<k).map { _ in
        // t(ν) = Z / sqrt(χ²_ν/ν), χ²_ν = 2·Gamma(ν/2).
        let z = Sampling.standardNormal(using: &g)
        let chi2 = 2 * Sampling.gamma(shape: 0.75, using: &g)
        return offset + 2 * z / (chi2 / 1.5).squareRoot()
      }
    case .dominant300, .dominant800:
      var v = normal(1)
      let i = Int(g.next() % UInt64(k))
      v[i] += self == .dominant300 ? 300 : 800
      return v
    case .coDominant:
      var v = normal(1)
      let i = Int(g.next() % UInt64(k))
      var j = Int(g.next() % UInt64(k))
      if j == i { j = (i + 1) % k }
      v[i] += 300
      v[j] = v[i] + 1e-9
      return v
    case .equal:
      return [Double](repeating: -123.456, count: k)
    case .zeros:
      return normal(1).map { Sampling.uniform(using: &g) < 0.3 ? -.infinity : $0 }
    case .sparse:
      var v = [Double](repeating: -.infinity, count: k)
      var placed = 0
      while placed < min(6, k) {
        let i = Int(g.next() % UInt64(k))
        if v[i] == -.infinity {
          v[i] = offset + Sampling.standardNormal(using: &g)
          placed += 1
        }
      }
      return v
    }
  }
}

#if arch(x86_64)
  /// Relative-to-max(1, |truth|) error, with exact agreement on non-finite values.
  public func scaledError(_ value: Double, _ truth: Float80) -> Double {
    if !truth.isFinite || !value.isFinite {
      if truth.isNaN && value.isNaN { return 0 }
      return Float80(value) == truth ? 0 : .infinity
    }
    return Double(abs(Float80(value) - truth) / max(1, abs(truth)))
  }
#endif

/// A row as Swift source, so a failing case can be pasted into a test.
public func describeRow(_ x: [Double]) -> String {
  "[" + x.map { $0 == -.infinity ? "-.infinity" : String(describing: $0) }.joined(separator: ", ") + "]"
}
