import Foundation
import JVICore
import Testing

@testable import JVIExperiments

/// The 95% bootstrap interval for the dataset bias covers the true bias in 93–97% of repeated,
/// independently seeded sweeps. Gamma(1/2, 1) weights (heavy right tail) have an exact
/// E[IWAE_K] and E[JVI_{K,m}], so the truth is known. 1000 sweeps of 50 instances, two replicate
/// sets of K_max = 64, so R = 32, 8 and 2 replicates at K = 4, 16, 64.
///
/// Slow (about a minute): it runs with `make test-slow` (JVI_SLOW_TESTS=1), not in `make test`.
@Suite struct BootstrapCoverageTests {
  static let enabled = ProcessInfo.processInfo.environment["JVI_SLOW_TESTS"] == "1"

  @Test(.enabled(if: enabled)) func biasIntervalsCoverTheTruth() throws {
    let law = SyntheticWeightLaw.gamma(shape: 0.5, scale: 1)
    let trials = 1000
    let cells: [(EstimatorChoice, Int)] = [
      (.iwae, 4), (.iwae, 16), (.iwae, 64), (.jackknife(order: 1), 4), (.jackknife(order: 1), 16),
      (.jackknife(order: 1), 64),
    ]
    var covered = [Int](repeating: 0, count: cells.count)
    let reference = [Double](repeating: law.logEvidence, count: 50)
    let zero = [Double](repeating: 0, count: 50)
    for trial in 0..<trials {
      let p = try plan(
        """
        model = gamma
        shape = 0.5
        instances = 50
        k = 4 16 64
        estimators = iwae jvi-1
        replicate-sets = 2
        seed = \(1000 + trial)
        """)
      let draws = try ReplicateDraws(
        source: SyntheticWeightSource(law: law, instances: 50), plan: p, keepLikelihood: false, threads: 2)
      for (c, (estimator, k)) in cells.enumerated() {
        let estimates = try draws.estimates(of: estimator, k: k, threads: 2)
        let interval = estimates.withUnsafeBufferPointer {
          BiasBootstrap.interval(
            estimates: $0, replicates: draws.replicates(k: k), reference: reference, referenceVariance: zero,
            resamples: 1000, seed: p.bootstrapSeed, stream: UInt64(c), threads: 2)
        }
        let truth = law.exactBias(sampleCount: k, order: estimator.order)!
        if interval.lower <= truth && truth <= interval.upper { covered[c] += 1 }
      }
    }
    for (c, (estimator, k)) in cells.enumerated() {
      let rate = Double(covered[c]) / Double(trials)
      print("bootstrap coverage \(estimator) K=\(k) R=\(2 * (64 / k)): \(rate)")
      #expect(rate >= 0.93 && rate <= 0.97, "\(estimator) at K = \(k): coverage \(rate)")
    }
  }
}
