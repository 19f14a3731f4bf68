import Foundation
import JVICore
import Testing

/// The SIMD elementary functions for networks, against Float80, in ulps of the result's type.
struct VectorMathTests {
  #if arch(x86_64)
    static func ulps(_ v: Double, _ t: Float80) -> Double {
      if !t.isFinite || t == 0 { return Float80(v) == t ? 0 : .infinity }
      return Double(abs(Float80(v) - t) / Float80(Double(t).ulp))
    }
  #endif

  #if arch(x86_64)
    static func ulps(_ v: Float, _ t: Float80) -> Double {
      if !t.isFinite || t == 0 { return Float80(v) == t ? 0 : .infinity }
      return Double(abs(Float80(v) - t) / Float80(Float(t).ulp))
    }
  #endif

  #if arch(x86_64)
    /// f applied lane-wise on a grid, worst ulp error against the Float80 reference `ref`.
    static func worstDouble(
      _ range: ClosedRange<Double>, _ f: (SIMD4<Double>) -> SIMD4<Double>, _ ref: (Float80) -> Float80
    ) -> (Double, Double) {
      var worst = 0.0, at = 0.0
      let steps = 40_000
      for i in 0...steps {
        let x = range.lowerBound + (range.upperBound - range.lowerBound) * Double(i) / Double(steps)
        let e = ulps(f(SIMD4(repeating: x))[0], ref(Float80(x)))
        if e > worst { (worst, at) = (e, x) }
      }
      return (worst, at)
    }
  #endif

  #if arch(x86_64)
    static func worstFloat(
      _ range: ClosedRange<Float>, _ f: (SIMD8<Float>) -> SIMD8<Float>, _ ref: (Float80) -> Float80
    ) -> (Double, Float) {
      var worst = 0.0
      var at: Float = 0
      let steps = 40_000
      for i in 0...steps {
        let x = range.lowerBound + (range.upperBound - range.lowerBound) * Float(i) / Float(steps)
        let e = ulps(f(SIMD8(repeating: x))[0], ref(Float80(x)))
        if e > worst { (worst, at) = (e, x) }
      }
      return (worst, at)
    }
  #endif

  #if arch(x86_64)
    static func tanh80(_ x: Float80) -> Float80 { Foundation.tanh(x) }
  #endif
  #if arch(x86_64)
    static func softplus80(_ x: Float80) -> Float80 {
      x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
    }
  #endif
  #if arch(x86_64)
    static func sigmoid80(_ x: Float80) -> Float80 { 1 / (1 + Foundation.exp(-x)) }
  #endif

  #if arch(x86_64)
    @Test func doubleFunctionsAreAccurate() {
      let checks: [(String, ClosedRange<Double>, (SIMD4<Double>) -> SIMD4<Double>, (Float80) -> Float80, Double)] = [
        ("exp", -708...709, VectorMath.exp, { Foundation.exp($0) }, 1.5),
        ("exp small", -1e-3...1e-3, VectorMath.exp, { Foundation.exp($0) }, 1.5),
        ("expm1", -40...700, VectorMath.expMinusOne, { Foundation.expm1($0) }, 2),
        ("expm1 small", -1e-6...1e-6, VectorMath.expMinusOne, { Foundation.expm1($0) }, 2),
        ("log1p(e)", 0...1, VectorMath.logOnePlusUnit, { Foundation.log1p($0) }, 3),
        ("softplus", -700...700, VectorMath.softplus, Self.softplus80, 3),
        ("sigmoid", -700...700, VectorMath.sigmoid, Self.sigmoid80, 3),
        ("tanh", -20...20, VectorMath.tanh, Self.tanh80, 3),
        ("tanh small", -1e-4...1e-4, VectorMath.tanh, Self.tanh80, 3),
      ]
      for (name, range, f, ref, budget) in checks {
        let (worst, at) = Self.worstDouble(range, f, ref)
        #expect(worst <= budget, "\(name): \(worst) ulp at \(at)")
      }
    }
  #endif

  #if arch(x86_64)
    @Test func floatFunctionsAreAccurate() {
      let checks: [(String, ClosedRange<Float>, (SIMD8<Float>) -> SIMD8<Float>, (Float80) -> Float80, Double)] = [
        ("exp", -87...88, VectorMath.exp, { Foundation.exp($0) }, 1.5),
        ("expm1", -18...88, VectorMath.expMinusOne, { Foundation.expm1($0) }, 2),
        ("expm1 small", -1e-3...1e-3, VectorMath.expMinusOne, { Foundation.expm1($0) }, 2),
        ("log1p(e)", 0...1, VectorMath.logOnePlusUnit, { Foundation.log1p($0) }, 3),
        ("softplus", -80...80, VectorMath.softplus, Self.softplus80, 3),
        ("sigmoid", -80...80, VectorMath.sigmoid, Self.sigmoid80, 3),
        ("tanh", -10...10, VectorMath.tanh, Self.tanh80, 3),
        ("tanh small", -1e-3...1e-3, VectorMath.tanh, Self.tanh80, 3),
      ]
      for (name, range, f, ref, budget) in checks {
        let (worst, at) = Self.worstFloat(range, f, ref)
        #expect(worst <= budget, "\(name): \(worst) ulp at \(at)")
      }
    }
  #endif

  @Test func edgeCases() {
    let d = SIMD4<Double>(0, -.infinity, .infinity, .nan)
    let e = VectorMath.exp(d)
    #expect(e[0] == 1 && e[1] == 0 && e[2] == .infinity && e[3].isNaN)
    #expect(VectorMath.exp(SIMD4<Double>(repeating: 710))[0] == .infinity)
    #expect(VectorMath.exp(SIMD4<Double>(repeating: -740))[0] > 0)  // gradual underflow
    #expect(VectorMath.expMinusOne(SIMD4<Double>(repeating: -100))[0] == -1)
    #expect(VectorMath.tanh(SIMD4<Double>(repeating: 0))[0] == 0)
    #expect(VectorMath.tanh(SIMD4<Double>(repeating: 400))[0] == 1)
    #expect(VectorMath.softplus(SIMD4<Double>(repeating: 800))[0] == 800)
    #expect(VectorMath.sigmoid(SIMD4<Double>(repeating: -800))[0] == 0)
    let f = VectorMath.exp(SIMD8<Float>(0, -.infinity, .infinity, .nan, 89, -100, 1, -1))
    #expect(f[0] == 1 && f[1] == 0 && f[2] == .infinity && f[3].isNaN && f[4] == .infinity && f[5] > 0)
    #expect(VectorMath.tanh(SIMD8<Float>(repeating: -60))[0] == -1)
    #expect(VectorMath.softplus(SIMD8<Float>(repeating: 100))[0] == 100)
  }
}
