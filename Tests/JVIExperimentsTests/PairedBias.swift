import Foundation
import JVICore
import JVIExperiments

/// Bias measured as a paired difference on the same blocks (docs/jackknife-math.md §5,
/// caveat 1): for each instance n and replicate set s,
///
///     d_ns = mean_b [T_nsb(K) − A_nsb(K)],
///
/// with an anchor A of much smaller bias at the same K (JVI of order m + 2 for JVI-m), so the noise
/// both share cancels: E[d] = bias(T_K) − bias(A_K) = bias(T_K)(1 + O(K⁻²)). The N·S units are
/// independent, which gives the standard error.
struct PairedBias {
  var mean: Double
  var standardError: Double

  init(_ estimator: EstimatorChoice, anchor: EstimatorChoice, k: Int, draws: ReplicateDraws, threads: Int = 2) throws {
    let values = try draws.estimates(of: estimator, k: k, threads: threads)
    let anchors = try draws.estimates(of: anchor, k: k, threads: threads)
    self.init(values: values, anchors: anchors, sets: draws.sets.count, blocks: draws.maximumSampleCount / k)
  }

  init(values: [Double], anchors: [Double], sets s: Int, blocks: Int) {
    let units = values.count / blocks
    var d = [Double](repeating: 0, count: units)
    for u in 0..<units {
      var m = 0.0
      for b in 0..<blocks { m += values[u * blocks + b] - anchors[u * blocks + b] }
      d[u] = m / Double(blocks)
    }
    let count = Double(units)
    let m = d.reduce(0, +) / count
    mean = m
    standardError = (d.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (count - 1) / count).squareRoot()
  }
}

/// Weighted least-squares slope of log|y| on log K, weights from the standard errors of y
/// (delta method: SE(log|y|) = SE(y)/|y|), and the slope's standard error.
func logLogSlope(_ points: [(k: Int, y: Double, se: Double)]) -> (slope: Double, standardError: Double) {
  var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
  for p in points {
    let x = log(Double(p.k)), y = log(abs(p.y)), w = (p.y * p.y) / (p.se * p.se)
    sw += w
    sx += w * x
    sy += w * y
    sxx += w * x * x
    sxy += w * x * y
  }
  let det = sw * sxx - sx * sx
  return ((sw * sxy - sx * sy) / det, (sw / det).squareRoot())
}

/// A sweep plan from experiment-file text (tests).
func plan(_ text: String, name: String = "test") throws -> SweepPlan {
  SweepPlan(try ExperimentSpecification(file: ExperimentFile(path: "experiments/\(name).experiment", text: text)))
}
