import Foundation
import JVICore
import Testing

/// `VectorMath.expNonPositive` against Float80 `exp` (error budget: 1.1 ulp measured, 1.5 asserted).
struct VectorExpTests {
  #if arch(x86_64)
    static func ulpError(_ x: Double) -> Double {
      let v = VectorMath.expNonPositive(x)
      let t = Foundation.exp(Float80(x))
      return Double(abs(Float80(v) - t) / Float80(Double(t).ulp))
    }
  #endif

  #if arch(x86_64)
    @Test func accurateOnAGridOfTheDomain() {
      var worst = 0.0, worstX = 0.0
      var x = -708.0
      while x <= 0 {
        let e = Self.ulpError(x)
        if e > worst { (worst, worstX) = (e, x) }
        x += 0.000_731_3
      }
      #expect(worst <= 1.5, "worst \(worst) ulp at x = \(worstX)")
    }
  #endif

  #if arch(x86_64)
    @Test func accurateNearZeroAndAtReductionBoundaries() {
      var g = Xoshiro256StarStar(seed: 7)
      for _ in 0..<100_000 {
        // Small arguments, and arguments near multiples of log(2)/2 where k changes.
        let small = -Sampling.uniform(using: &g) * 1e-3
        let k = Double(g.next() % 2000)
        let boundary = -(k + 0.5) * log(2.0) + (Sampling.uniform(using: &g) - 0.5) * 1e-9
        for x in [small, Swift.max(boundary, -708)] {
          let e = Self.ulpError(x)
          #expect(e <= 1.5, "x = \(x): \(e) ulp")
        }
      }
    }
  #endif

  @Test func edgeCases() {
    #expect(VectorMath.expNonPositive(0.0) == 1)
    #expect(VectorMath.expNonPositive(-0.0) == 1)
    #expect(VectorMath.expNonPositive(-Double.infinity) == 0)
    #expect(VectorMath.expNonPositive(-708.5) == 0)
    #expect(VectorMath.expNonPositive(-1e300) == 0)
    #expect(VectorMath.expNonPositive(-708.0) > 0)
    #expect(VectorMath.expNonPositive(-Double.leastNonzeroMagnitude) == 1)
  }

  @Test func lanesAgreeWithTheScalarForm() {
    let v = SIMD4<Double>(-0.5, -3.25, -700.1, -.infinity)
    let e = VectorMath.expNonPositive(v)
    for i in 0..<4 { #expect(e[i] == VectorMath.expNonPositive(v[i])) }
  }
}
