import Foundation
import JVICore
import Testing
import _TestSupport

/// Generators against published reference outputs; samplers against exact CDFs (fixed seeds,
/// Kolmogorov–Smirnov statistic within its α = 0.001 critical value).
struct RandomTests {
  @Test func splitMix64MatchesTheReferenceOutputs() {
    // Rosetta Code, "Pseudo-random numbers/Splitmix64", seed 1234567; and seed 0.
    var a = SplitMix64(seed: 1_234_567)
    #expect(
      (0..<5).map { _ in a.next() } == [
        6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
        4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
      ])
    var b = SplitMix64(seed: 0)
    #expect(
      (0..<4).map { _ in b.next() } == [
        0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC,
      ])
  }

  @Test func xoshiro256StarStarMatchesTheReferenceOutputs() {
    // Blackman & Vigna's reference implementation from the state {1, 2, 3, 4}.
    var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
    #expect(
      (0..<10).map { _ in g.next() } == [
        11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360, 607_988_272_756_665_600,
        16_172_922_978_634_559_625, 8_476_171_486_693_032_832, 10_595_114_339_597_558_777, 2_904_607_092_377_533_576,
      ])
  }

  @Test func seedingGoesThroughSplitMix64() {
    var sm = SplitMix64(seed: 42)
    let g = Xoshiro256StarStar(seed: 42)
    #expect(g.state == (sm.next(), sm.next(), sm.next(), sm.next()))
  }

  @Test func jumpCommutesWithStepping() {
    // The jump is a polynomial in the (linear) transition, so it commutes with it.
    var a = Xoshiro256StarStar(seed: 9)
    var b = a
    a.jump()
    _ = a.next()
    _ = b.next()
    b.jump()
    #expect(a == b)
    var c = Xoshiro256StarStar(seed: 9)
    let before = c.state
    c.jump()
    #expect(c.state != before)
  }

  @Test func streamsAreDistinctAndReproducible() {
    var seen = Set<UInt64>()
    for seed in [0, 1, 2] as [UInt64] {
      for stream in 0..<100 as Range<UInt64> {
        var g = Xoshiro256StarStar(seed: seed, stream: stream)
        var h = Xoshiro256StarStar(seed: seed, stream: stream)
        let v = g.next()
        #expect(v == h.next())
        seen.insert(v)
      }
    }
    #expect(seen.count == 300)
  }

  @Test func uniformIsUniform() {
    var g = Xoshiro256StarStar(seed: 1)
    let n = 100_000
    let u = (0..<n).map { _ in Sampling.uniform(using: &g) }
    #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
    let d = Distributions.kolmogorovSmirnov(u) { min(max($0, 0), 1) }
    #expect(d < Distributions.kolmogorovSmirnovCritical(sampleSize: n), "D = \(d)")
    let open = (0..<n).map { _ in Sampling.uniformOpen(using: &g) }
    #expect(open.allSatisfy { $0 > 0 && $0 < 1 })
  }

  @Test func normalIsNormal() {
    var g = Xoshiro256StarStar(seed: 2)
    let n = 100_000
    var z = [Double](repeating: 0, count: n)
    z.withUnsafeMutableBufferPointer { Sampling.fillStandardNormal($0, using: &g) }
    let d = Distributions.kolmogorovSmirnov(z, cdf: Distributions.normalCDF)
    #expect(d < Distributions.kolmogorovSmirnovCritical(sampleSize: n), "D = \(d)")
    // The two values of a polar pair are uncorrelated: the lag-1 correlation is within 4 SE.
    var c = 0.0
    for i in stride(from: 0, to: n - 1, by: 2) { c += z[i] * z[i + 1] }
    #expect(abs(c / Double(n / 2)) < 4 / Double(n / 2).squareRoot())
  }

  @Test(arguments: [0.3, 1.0, 2.5, 40.0])
  func gammaIsGamma(shape: Double) {
    var g = Xoshiro256StarStar(seed: 3, stream: UInt64(shape * 10))
    let n = 50_000
    let x = (0..<n).map { _ in Sampling.gamma(shape: shape, using: &g) }
    let d = Distributions.kolmogorovSmirnov(x) { Distributions.gammaCDF(shape: shape, $0) }
    #expect(d < Distributions.kolmogorovSmirnovCritical(sampleSize: n), "shape \(shape): D = \(d)")
    // log-Gamma for tiny shapes stays finite (no underflow to −∞).
    var h = Xoshiro256StarStar(seed: 4)
    for _ in 0..<1000 { #expect(Sampling.logGamma(shape: 1e-3, using: &h).isFinite) }
  }

  @Test func samplesAreIdenticalForTheSameSeed() {
    let law = SyntheticWeightLaw.gamma(shape: 0.7, scale: 2)
    #expect(law.sample(rows: 5, columns: 9, seed: 11) == law.sample(rows: 5, columns: 9, seed: 11))
    #expect(law.sample(rows: 5, columns: 9, seed: 11) != law.sample(rows: 5, columns: 9, seed: 12))
    // Row i does not depend on how many rows are drawn.
    let few = SyntheticWeightLaw.logNormal(mu: 0, sigma: 1).sample(rows: 2, columns: 7, seed: 5)
    let many = SyntheticWeightLaw.logNormal(mu: 0, sigma: 1).sample(rows: 9, columns: 7, seed: 5)
    #expect(few.rows(1..<2) == many.rows(1..<2))
  }
}
