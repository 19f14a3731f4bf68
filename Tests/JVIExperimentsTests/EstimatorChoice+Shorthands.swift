@testable import JVIExperiments

/// The tests' shorthands for the choices they use most, by their experiment-file words.
extension EstimatorChoice {
  static func word(_ w: String) -> EstimatorChoice {
    do {
      return try EstimatorChoice(w)
    } catch {
      preconditionFailure("\(w): \(error)")
    }
  }

  static var elboMonteCarlo: EstimatorChoice { word("elbo-a") }
  static var elboAnalyticKL: EstimatorChoice { word("elbo-b") }
  static var iwae: EstimatorChoice { word("iwae") }
  static var delta: EstimatorChoice { word("delta") }
  static func jackknife(order m: Int) -> EstimatorChoice { word("jvi-\(m)") }
}
