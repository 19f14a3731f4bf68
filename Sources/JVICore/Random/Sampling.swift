#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The project's own samplers. Every function takes its generator explicitly, and none uses
/// the standard library's `random(in:using:)`, whose algorithm may change between Swift
/// versions: a seed fixes every number.
public enum Sampling {
  /// Uniform on [0, 1): the top 53 bits of one draw, times 2^−53.
  @inlinable
  public static func uniform<G: RandomNumberGenerator>(using g: inout G) -> Double {
    Double(g.next() >> 11) * 0x1p-53
  }

  /// Uniform on (0, 1): (top 53 bits + 1/2) · 2^−53, never 0 or 1 (safe for log u).
  @inlinable
  public static func uniformOpen<G: RandomNumberGenerator>(using g: inout G) -> Double {
    (Double(g.next() >> 11) + 0.5) * 0x1p-53
  }

  /// Uniform on {0, …, n − 1}, exactly (rejection of the biased top range of a 64-bit draw).
  @inlinable
  public static func uniformInteger<G: RandomNumberGenerator>(below n: Int, using g: inout G) -> Int {
    precondition(n > 0, "uniform integers below \(n): the range is empty")
    let bound = UInt64(n)
    let limit = UInt64.max - UInt64.max % bound
    while true {
      let x = g.next()
      if x < limit { return Int(x % bound) }
    }
  }

  /// Shuffles `values` in place (Fisher–Yates with `uniformInteger`).
  public static func shuffle<T, G: RandomNumberGenerator>(_ values: inout [T], using g: inout G) {
    if values.count < 2 { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
      values.swapAt(i, uniformInteger(below: i + 1, using: &g))
    }
  }

  /// Two independent standard normal draws by Marsaglia's polar method:
  /// (u, v) uniform on the unit disk (accepted with probability π/4),
  /// z = (u, v)·√(−2 log s / s), s = u² + v².
  @inlinable
  public static func standardNormalPair<G: RandomNumberGenerator>(using g: inout G) -> (Double, Double) {
    while true {
      let u = 2 * uniform(using: &g) - 1
      let v = 2 * uniform(using: &g) - 1
      let s = u * u + v * v
      if s > 0 && s < 1 {
        let f = (-2 * log(s) / s).squareRoot()
        return (u * f, v * f)
      }
    }
  }

  /// One standard normal draw (the first of a polar pair).
  @inlinable
  public static func standardNormal<G: RandomNumberGenerator>(using g: inout G) -> Double {
    standardNormalPair(using: &g).0
  }

  /// Fills `out` with standard normal draws, using both values of each polar pair.
  public static func fillStandardNormal<G: RandomNumberGenerator>(
    _ out: UnsafeMutableBufferPointer<Double>, using g: inout G
  ) {
    var i = 0
    while i + 1 < out.count {
      (out[i], out[i + 1]) = standardNormalPair(using: &g)
      i += 2
    }
    if i < out.count { out[i] = standardNormal(using: &g) }
  }

  /// Gamma(shape a, scale θ) by Marsaglia & Tsang (2000) for a ≥ 1:
  /// d = a − 1/3, c = 1/√(9d); v = (1 + c x)³ with x ~ N(0, 1); accept d·v when
  /// log u < x²/2 + d(1 − v + log v) (with the usual squeeze). For a < 1,
  /// Gamma(a) = Gamma(a + 1) · U^(1/a). Mean aθ, variance aθ².
  public static func gamma<G: RandomNumberGenerator>(shape a: Double, scale: Double = 1, using g: inout G) -> Double {
    precondition(a > 0, "gamma needs shape > 0, got \(a)")
    precondition(scale > 0, "gamma needs scale > 0, got \(scale)")
    return exp(logGamma(shape: a, using: &g)) * scale
  }

  /// log of a Gamma(shape a, scale 1) draw, without underflow for small a
  /// (log G(a) = log G(a + 1) + log(U)/a).
  public static func logGamma<G: RandomNumberGenerator>(shape a: Double, using g: inout G) -> Double {
    precondition(a > 0, "gamma needs shape > 0")
    if a < 1 {
      let base = logGamma(shape: a + 1, using: &g)
      return base + log(uniformOpen(using: &g)) / a
    }
    let d = a - 1.0 / 3.0
    let c = 1 / (9 * d).squareRoot()
    while true {
      var x = 0.0, v = 0.0
      repeat {
        x = standardNormal(using: &g)
        v = 1 + c * x
      } while v <= 0
      v = v * v * v
      let u = uniformOpen(using: &g)
      let x2 = x * x
      if u < 1 - 0.0331 * x2 * x2 { return log(d * v) }
      if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return log(d * v) }
    }
  }
}

/// Standard normal draws from a generator, as one fixed sequence: the polar method yields pairs
/// and the second value of a pair is kept for the next call, so how the sequence is consumed
/// (one at a time, or in chunks of any size) never changes the values.
public struct StandardNormalStream<G: RandomNumberGenerator>: Sendable where G: Sendable {
  public var generator: G
  var pending: Double? = nil

  public init(_ generator: G) { self.generator = generator }

  public mutating func next() -> Double {
    if let p = pending {
      pending = nil
      return p
    }
    let (a, b) = Sampling.standardNormalPair(using: &generator)
    pending = b
    return a
  }
}
