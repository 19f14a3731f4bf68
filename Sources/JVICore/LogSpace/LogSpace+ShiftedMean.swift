extension LogSpace {
  /// (1/K) Σ x_i, computed as x_1 + (1/K) Σ (x_i − x_1): exact for equal values, −∞ if any
  /// value is −∞.
  @inlinable
  public static func shiftedMean(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return .nan }
    let c = p[0]
    if c == -.infinity { return -.infinity }
    let n = x.count
    var a0 = V(), a1 = V()
    let cv = V(repeating: c)
    var i = 0
    while i + 8 <= n {
      a0 += load(p, i) - cv
      a1 += load(p, i + 4) - cv
      i += 8
    }
    while i < n {
      let v = i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: c)
      a0 += v - cv
      i += 4
    }
    return c + (a0 + a1).sum() / Double(n)
  }
}
