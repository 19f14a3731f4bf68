extension LogSpace {
  /// max_i x_i; −∞ for an empty buffer or an all −∞ one.
  ///
  /// Cost: K/4 vector compares and blends.
  @inlinable
  public static func maximum(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return -.infinity }
    let n = x.count
    var m0 = V(repeating: -.infinity), m1 = m0, m2 = m0, m3 = m0
    var i = 0
    while i + 16 <= n {
      let a = load(p, i), b = load(p, i + 4), c = load(p, i + 8), d = load(p, i + 12)
      m0.replace(with: a, where: a .> m0)
      m1.replace(with: b, where: b .> m1)
      m2.replace(with: c, where: c .> m2)
      m3.replace(with: d, where: d .> m3)
      i += 16
    }
    while i + 4 <= n {
      let a = load(p, i)
      m0.replace(with: a, where: a .> m0)
      i += 4
    }
    if i < n {
      let a = loadTail(p, i, n - i, pad: -.infinity)
      m1.replace(with: a, where: a .> m1)
    }
    m0.replace(with: m1, where: m1 .> m0)
    m2.replace(with: m3, where: m3 .> m2)
    m0.replace(with: m2, where: m2 .> m0)
    return Swift.max(Swift.max(m0[0], m0[1]), Swift.max(m0[2], m0[3]))
  }
  /// (max_i x_i, the first i attaining it) in one vector pass; (−∞, 0) for an all −∞ or empty buffer.
  @inlinable
  public static func maximumAndFirstIndex(_ x: UnsafeBufferPointer<Double>) -> (value: Double, index: Int) {
    guard let p = x.baseAddress, x.count > 0 else { return (-.infinity, 0) }
    let n = x.count
    var m0 = V(repeating: -.infinity), m1 = m0
    var i0 = SIMD4<Int64>(repeating: 0), i1 = i0
    var idx = SIMD4<Int64>(0, 1, 2, 3)
    let four = SIMD4<Int64>(repeating: 4)
    var i = 0
    while i + 8 <= n {
      let a = load(p, i), b = load(p, i + 4)
      let ga = a .> m0, gb = b .> m1
      m0.replace(with: a, where: ga)
      i0.replace(with: idx, where: ga)
      idx &+= four
      m1.replace(with: b, where: gb)
      i1.replace(with: idx, where: gb)
      idx &+= four
      i += 8
    }
    while i < n {
      let a = i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: -.infinity)
      let ga = a .> m0
      m0.replace(with: a, where: ga)
      i0.replace(with: idx, where: ga)
      idx &+= four
      i += 4
    }
    // Merge: the larger value, or on a tie the smaller index.
    var best = -Double.infinity, bestIndex = Int64.max
    for lane in 0..<4 {
      for (v, j) in [(m0[lane], i0[lane]), (m1[lane], i1[lane])] where v > best || (v == best && j < bestIndex) {
        best = v
        bestIndex = j
      }
    }
    return best == -.infinity ? (-.infinity, 0) : (best, Int(bestIndex))
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
