import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A seeded 1-D regression data set on Blundell et al.'s curve (2015, §5.2):
///
///     x ~ Uniform(0, 0.5),   y = x + 0.3 sin(2π(x + ε)) + 0.3 sin(4π(x + ε)) + ε,   ε ~ N(0, s²),
///
/// point i drawn from stream i of the seed (so the first n points do not depend on n).
public struct RegressionCurve: Sendable, Equatable {
  public struct Settings: Sendable, Equatable {
    public var points = 200
    public var noiseSD = 0.05
    public var seed: UInt64 = 1
    public init(points: Int = 200, noiseSD: Double = 0.05, seed: UInt64 = 1) {
      self.points = points
      self.noiseSD = noiseSD
      self.seed = seed
    }
  }

  public let settings: Settings
  public let x: [Double]
  public let y: [Double]

  public init(_ settings: Settings) {
    self.settings = settings
    var xs: [Double] = [], ys: [Double] = []
    for i in 0..<settings.points {
      var g = Xoshiro256StarStar(seed: settings.seed, stream: UInt64(i))
      let x = 0.5 * Sampling.uniform(using: &g)
      let e = settings.noiseSD * Sampling.standardNormal(using: &g)
      xs.append(x)
      ys.append(Self.curve(x, noise: e))
    }
    x = xs
    y = ys
  }

  /// The noise-free curve at x (ε = 0) and with noise ε.
  public static func curve(_ x: Double, noise e: Double = 0) -> Double {
    x + 0.3 * sin(2 * Double.pi * (x + e)) + 0.3 * sin(4 * Double.pi * (x + e)) + e
  }

  public var count: Int { x.count }
}
