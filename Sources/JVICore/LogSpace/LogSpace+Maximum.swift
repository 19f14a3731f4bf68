import CJVIKernels

extension LogSpace {
  /// max_i x_i; −∞ for an empty buffer or an all −∞ one.
  ///
  /// Cost: K/4 vector compares and blends (C kernels).
  public static func maximum(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return -.infinity }
    return jvi_maximum(p, x.count)
  }
  /// (max_i x_i, the first i attaining it) in one vector pass; (−∞, 0) for an all −∞ or empty buffer.
  public static func maximumAndFirstIndex(_ x: UnsafeBufferPointer<Double>) -> (value: Double, index: Int) {
    guard let p = x.baseAddress, x.count > 0 else { return (-.infinity, 0) }
    var index = 0
    let value = jvi_maximum_first_index(p, x.count, &index)
    return (value, index)
  }
  /// First index i with x_i == value (which must occur), by vector compares.
  @inlinable
  public static func firstIndex(of value: Double, in x: UnsafeBufferPointer<Double>) -> Int {
    guard let p = x.baseAddress else { return 0 }
    let n = x.count
    let v = V(repeating: value)
    var i = 0
    while i + 4 <= n {
      let hit = load(p, i) .== v
      if any(hit) {
        for j in 0..<4 where hit[j] { return i + j }
      }
      i += 4
    }
    while i < n {
      if p[i] == value { return i }
      i += 1
    }
    return 0
  }
}
