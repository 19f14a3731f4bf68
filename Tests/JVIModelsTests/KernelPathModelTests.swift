import Foundation
import JVICore
import Testing
import _TestSupport

@testable import JVIModels

/// The matrix multiply, a training epoch and AIS on the baseline kernels against AVX2 + FMA
/// (docs/performance.md states the bounds). Each test forces the path on its own thread and runs
/// its kernels on that thread (threads: 1), so other tests keep theirs.
@Suite(.enabled(if: KernelPath.isSupported(.avx2), "needs a CPU with AVX2 and FMA"))
struct KernelPathModelTests {
  static func onBothPaths<R>(_ body: () throws -> R) throws -> (avx2: R, baseline: R) {
    let fused = try #require(try KernelPath.with(.avx2, body))
    let baseline = try #require(try KernelPath.with(.baseline, body))
    return (fused, baseline)
  }

  /// C = αAB + βC on both paths: every element within 2(K + 2)·ε·(|α|Σ_k|a_ik b_kj| + |β c_ij|)
  /// of the other (each path's error bound; the baseline rounds every product, AVX2 fuses it),
  /// for Float and Double, every transpose, on the shapes that exercise the tile edges and two
  /// K blocks.
  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func matrixMultiplyAgreesWithinTheRoundingBound(transposes: (Bool, Bool)) throws {
    for (m, n, k) in [(5, 7, 3), (13, 33, 17), (100, 200, 300), (37, 50, 600)] {
      let (a, b) = try Self.onBothPaths {
        GEMMTests.run(transposes.0, transposes.1, m, n, k, alpha: 0.5, beta: -2, threads: 1, seed: 4)
      }
      let (ta, tb) = transposes
      var g = Xoshiro256StarStar(seed: 4)
      let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2
      let av = GEMMTests.random((ta ? k : m) * lda, &g), bv = GEMMTests.random((tb ? n : k) * ldb, &g)
      let cv = GEMMTests.random(m * ldc, &g)
      var worst = 0.0
      for i in 0..<m {
        for j in 0..<n {
          var scale = 0.0
          for p in 0..<k {
            scale += abs(
              Double(ta ? av[p * lda + i] : av[i * lda + p]) * Double(tb ? bv[j * ldb + p] : bv[p * ldb + j]))
          }
          scale = 0.5 * scale + 2 * abs(Double(cv[i * ldc + j]))
          let bound = 2 * Double(k + 2) * Double(Float.ulpOfOne) * scale
          let d = abs(Double(a.result[i * ldc + j]) - Double(b.result[i * ldc + j]))
          worst = max(worst, d / max(bound, .leastNormalMagnitude))
        }
      }
      #expect(worst <= 1, "\(transposes) \(m)x\(n)x\(k): \(worst) of the bound")
      print("GEMM baseline vs avx2 \(transposes) \(m)x\(n)x\(k): \(worst) of the bound")
    }
  }

  /// The AVX-512 path (the AVX2 source and matrix multiply built for AVX-512) trains and runs AIS
  /// with the AVX2 path's bits.
  @Test(.enabled(if: KernelPath.isSupported(.avx512), "needs AVX-512"))
  func avx512TrainsWithTheAVX2PathsBits() throws {
    let c = TrainingTests.configuration(.iwae, k: 4)
    let data = try TrainingTests.data(c)
    func train() throws -> [Float] {
      let t = try Trainer(configuration: c, data: data, threads: 1)
      for _ in 0..<2 { _ = try t.trainEpoch() }
      return t.parameters.array
    }
    let wide = try #require(try KernelPath.with(.avx512, train))
    let fused = try #require(try KernelPath.with(.avx2, train))
    #expect(wide.map(\.bitPattern) == fused.map(\.bitPattern))
  }

  /// Three IWAE epochs of the tiny VAE from the same seed: the objective of each epoch within
  /// 1e-6 relative across the paths (the Float network's rounding differs from the first step,
  /// and training follows a slightly different trajectory; measured ≤ 3e-9).
  @Test func trainingEpochsAgree() throws {
    let c = TrainingTests.configuration(.iwae, k: 4)
    let data = try TrainingTests.data(c)
    let (a, b) = try Self.onBothPaths { () throws -> [Double] in
      let t = try Trainer(configuration: c, data: data, threads: 1)
      return try (0..<3).map { _ in try t.trainEpoch().objective }
    }
    print("epochs baseline vs avx2: \(a) vs \(b)")
    for (epoch, (u, v)) in zip(a, b).enumerated() {
      #expect(abs(u - v) <= 1e-6 * abs(u), "epoch \(epoch + 1): \(u) vs \(v)")
    }
  }

  /// AIS on the small 2-D VAE (Double network, 64 chains, 100 temperatures, the same seeds): the
  /// estimates of log p(x) within 3 combined standard errors and 1e-3 relative (HMC's
  /// accept/reject decisions can flip where the paths' last bits differ, after which a chain goes
  /// elsewhere; measured 9e-4 nats, 8e-5 relative, against a standard error of 0.044).
  @Test func annealedImportanceSamplingAgrees() throws {
    let (vae, params, x) = AnnealingTests.smallVAE()
    let (a, b) = try Self.onBothPaths { () throws -> [Double] in
      let target = GaussianVAEAnnealingTarget(model: vae, parameters: params, start: .proposal, maximumRows: 64)
      target.setObservation(x)
      let sampler = AnnealedImportanceSampler(try AISSettings(temperatures: 100, start: .proposal, leapfrogSteps: 5))
      let eps = sampler.stepSizes(target: target, observations: [x], seeds: [3])
      return sampler.forwardLogWeights(target: target, observations: [x], chains: 64, stepSizes: eps, seeds: [3])[0]
    }
    func estimate(_ w: [Double]) -> (Double, Double) {
      let logZ = w.withUnsafeBufferPointer { LogSpace.logMeanExp($0) }
      let ratios = w.map { Foundation.exp($0 - logZ) }
      let mean = ratios.reduce(0, +) / Double(w.count)
      let variance = ratios.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count - 1)
      return (logZ, (variance / Double(w.count)).squareRoot() / mean)
    }
    let (za, sa) = estimate(a), (zb, sb) = estimate(b)
    print("AIS baseline vs avx2: \(za) ± \(sa) vs \(zb) ± \(sb)")
    #expect(abs(za - zb) <= 3 * (sa * sa + sb * sb).squareRoot() + 1e-9, "AIS \(za) ± \(sa) vs \(zb) ± \(sb)")
    #expect(abs(za - zb) <= 1e-3 * abs(za), "relative \(abs(za - zb) / abs(za))")
  }
}
