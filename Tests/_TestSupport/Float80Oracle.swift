import Foundation
import JVICore

#if arch(x86_64)
  /// Deliberately naive reference implementations in Float80 (64-bit significand, ε ≈ 5.4e−20),
  /// straight from the definitions: every removal subset is enumerated and each kept subset's
  /// log-sum-exp is taken directly. No idea from the fast code is reused.
  public enum Float80Oracle {
    /// log Σ_{i ∉ removed} exp(x_i) in Float80; −∞ when nothing (non-zero) is kept.
    public static func logSumExp(_ x: [Double], removed: [Int] = []) -> Float80 {
      var m = -Float80.infinity
      for (i, v) in x.enumerated() where !removed.contains(i) { m = max(m, Float80(v)) }
      if m == -.infinity { return -.infinity }
      var s: Float80 = 0
      for (i, v) in x.enumerated() where !removed.contains(i) { s += Foundation.exp(Float80(v) - m) }
      return m + Foundation.log(s)
    }

    /// IWAE_K = log((1/K) Σ w_i).
    public static func iwae(_ x: [Double]) -> Float80 {
      logSumExp(x) - Foundation.log(Float80(x.count))
    }

    /// Lbar_{K−j}: the mean over all C(K, j) removal sets of IWAE_{K−j} of the kept samples.
    public static func leaveOutMean(_ x: [Double], removed j: Int) -> Float80 {
      let k = x.count
      var total: Float80 = 0
      var count: Float80 = 0
      forEachSubset(of: k, size: j) { subset in
        total += logSumExp(x, removed: subset) - Foundation.log(Float80(k - j))
        count += 1
      }
      return total / count
    }

    /// c_j = (−1)^j (K − j)^m / (j! (m − j)!) in Float80.
    public static func coefficients(sampleCount k: Int, order m: Int) -> [Float80] {
      (0...m).map { j in
        var p: Float80 = 1
        for _ in 0..<m { p *= Float80(k - j) }
        var f: Float80 = 1
        if j > 1 { for i in 2...j { f *= Float80(i) } }
        if m - j > 1 { for i in 2...(m - j) { f *= Float80(i) } }
        return (j % 2 == 0 ? p : -p) / f
      }
    }

    /// JVI_{K,m} = Σ_j c_j Lbar_{K−j}, combined naively in Float80 (IEEE semantics for −∞ terms).
    public static func jackknife(_ x: [Double], order m: Int) -> Float80 {
      let c = coefficients(sampleCount: x.count, order: m)
      var total: Float80 = 0
      for j in 0...m { total += c[j] * leaveOutMean(x, removed: j) }
      return total
    }

    /// Calls `body` with every `size`-subset of 0..<n (as sorted indices).
    public static func forEachSubset(of n: Int, size: Int, _ body: ([Int]) -> Void) {
      if size == 0 {
        body([])
        return
      }
      if size > n { return }
      var c = Array(0..<size)
      while true {
        body(c)
        var i = size - 1
        while i >= 0 && c[i] == n - size + i { i -= 1 }
        if i < 0 { return }
        c[i] += 1
        for j in (i + 1)..<size { c[j] = c[j - 1] + 1 }
      }
    }
  }
#endif
