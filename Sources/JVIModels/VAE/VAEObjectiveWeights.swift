import JVICore

/// The objective of each image from its k log-weights, and the per-sample gradient weights g:
/// 1/k (ELBO), the normalised weights w̃ (IWAE), the jackknife weights (JVI).
enum VAEObjectiveWeights {
  static func evaluate(
    _ objective: VAEObjective, logWeights lw: UnsafePointer<Double>, images: Int, samples k: Int,
    weights g: UnsafeMutablePointer<Double>?, scratch: UnsafeMutableBufferPointer<Double>,
    workspace: EstimatorWorkspace, jackknifeWeights: JackknifeGradientWeights?
  ) throws(EstimatorError) -> ObjectiveValue {
    var value = ObjectiveValue(images: images)
    for b in 0..<images {
      let row = UnsafeBufferPointer(start: lw + b * k, count: k)
      let elbo = LogSpace.shiftedMean(row)
      value.elboSum += elbo
      let weights = g.map { UnsafeMutableBufferPointer(start: $0 + b * k, count: k) }
      switch objective {
      case .elboMonteCarlo, .elboAnalyticKL:
        value.objectiveSum += elbo
        if let weights { for s in 0..<k { weights[s] = 1 / Double(k) } }
      case .iwae:
        value.objectiveSum += LogSpace.logMeanExp(row)
        if let weights { LogSpace.normalizedWeights(row, into: weights) }
      case .jackknife(let m):
        value.objectiveSum += try Jackknife.value(row, order: m, workspace: workspace)
        if let weights {
          let w: JackknifeGradientWeights
          if let given = jackknifeWeights {
            w = given
          } else {
            w = try JackknifeGradientWeights(sampleCount: k, order: m)
          }
          w.weights(row, into: weights, scratch: scratch)
        }
      }
    }
    return value
  }
}
