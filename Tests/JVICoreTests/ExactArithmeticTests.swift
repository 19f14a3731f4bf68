import Foundation
import Testing

@testable import JVICore

/// BigInt and FixedPoint against identities and independently known values; the jackknife
/// coefficients against their defining properties.
struct ExactArithmeticTests {
  @Test func divisionIdentityOnRandomOperands() {
    var g = Xoshiro256StarStar(seed: 12)
    func random(_ limbs: Int) -> BigInt {
      var x = BigInt.zero
      for _ in 0..<limbs { x = (x << 64) + BigInt(Int(g.next() >> 1)) + BigInt(Int(g.next() & 1)) }
      return g.next() & 1 == 0 ? x : -x
    }
    for _ in 0..<5000 {
      let a = random(Int(g.next() % 9) + 1), b = random(Int(g.next() % 5) + 1)
      if b.isZero { continue }
      let (q, r) = a.quotientAndRemainder(dividingBy: b)
      #expect(q * b + r == a)
      #expect(r.magnitude < b.magnitude)
      #expect(r.isZero || r.signum == a.signum)
    }
  }

  @Test func knownValues() {
    #expect(ExactInteger.factorial(25).description == "15511210043330985984000000")
    #expect(ExactInteger.binomial(1000, 3).description == "166167000")
    #expect(ExactInteger.binomial(100, 50).description == "100891344545564193334812497256")
    #expect(BigInt(-12345).description == "-12345")
    #expect((BigInt(1) << 200).description == "1606938044258990275541962092341162602522202993782792835301376")
    #expect(BigInt(7).power(0) == .one)
    #expect((BigInt(3) << 200).toDouble(scaledByPowerOfTwo: -200) == 3)
    #expect((BigInt(1) << 1100).toDouble() == .infinity)
    // Round to nearest even at the 53-bit boundary: 2^53 + 1 → 2^53, 2^53 + 3 → 2^53 + 4.
    #expect(((BigInt(1) << 53) + .one).toDouble() == 9_007_199_254_740_992)
    #expect(((BigInt(1) << 53) + BigInt(3)).toDouble() == 9_007_199_254_740_996)
    // A sticky bit far below decides a tie: 2^53 + 1 + 2^−100 rounds up.
    let sticky = (((BigInt(1) << 53) + .one) << 100) + .one
    #expect(sticky.toDouble(scaledByPowerOfTwo: -100) == 9_007_199_254_740_994)
  }

  @Test func logarithmsOfIntegers() {
    // log 10 · 2^512, truncated, from 60-digit mpmath: differs by < 2^12 in the last place.
    let reference = BigInt(
      parsing:
        "30872618669213178102143228494674807136354998178557079377323418866643037305356775021626022773089257829118978512922060944466218037523859131522646510434278233"
    )
    #expect((FixedPoint.log(10).raw - reference).magnitude < BigInt(1 << 12))
    for n in [1, 2, 3, 7, 64, 257, 1000, 123_456_789] {
      #expect(FixedPoint.log(n).toDouble() == log(Double(n)), "log \(n)")
    }
    #expect(FixedPoint.log(1).raw.isZero)
  }

  @Test(arguments: [2, 3, 5, 16, 257, 1000, 100_000])
  func jackknifeCoefficientsSumToOneAndAnnihilate(k: Int) {
    for m in 0...min(4, k - 1) {
      let c = JackknifeCoefficients.exact(sampleCount: k, order: m)
      // Σ c_j = 1 and Σ c_j (K − j)^−p = 0 for p = 1…m, exactly (common denominator).
      for p in 0...m {
        var num = BigInt.zero, den = BigInt.one
        for (j, cj) in c.enumerated() {
          let d = cj.denominator * BigInt(k - j).power(p)
          num = num * d + cj.numerator * den
          den = den * d
        }
        #expect(p == 0 ? num == den : num.isZero, "K=\(k) m=\(m) p=\(p)")
      }
    }
    #expect(JackknifeCoefficients.values(sampleCount: k, order: 1) == [Double(k), -Double(k - 1)])
  }

  @Test func tableConstantVanishesExactlyWithoutZerosOrHeavyWeights() {
    for k in [9, 64, 257, 1000] {
      for m in 2...3 {
        let t = HeavyLightTable(.init(sampleCount: k, zeroCount: 0, heavyCount: 0, target: .jackknife(order: m)))
        #expect(t.constant == 0, "K=\(k) m=\(m)")
        // γ_0 = Σ_j α_j C(K, j) = Σ_j c_j = 1.
        #expect(t.removedHeavy[0].gamma == 1)
      }
    }
    // γ_t stays O(1) after the exact cancellation (notes: K = 1000, m = 3, h = 3).
    let t = HeavyLightTable(.init(sampleCount: 1000, zeroCount: 0, heavyCount: 3, target: .jackknife(order: 3)))
    let gammas = t.removedHeavy.map(\.gamma)
    #expect(gammas.allSatisfy { abs($0) < 25 }, "\(gammas)")
  }
}

extension BigInt {
  /// A decimal integer (test helper).
  init(parsing text: String) {
    var v = BigInt.zero
    for ch in text { v = v * BigInt(10) + BigInt(Int(String(ch))!) }
    self = v
  }
}
