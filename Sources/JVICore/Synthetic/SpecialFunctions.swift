#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
