/// The value of an objective on a batch.
public struct ObjectiveValue: Sendable, Equatable {
  /// Σ over images of the objective (ELBO-A, ELBO-B, IWAE or JVI of the image's k samples).
  public var objectiveSum: Double
  /// Σ over images of the Monte Carlo ELBO, (1/k) Σ_s log w_s.
  public var elboSum: Double
  public var images: Int

  public init(objectiveSum: Double = 0, elboSum: Double = 0, images: Int = 0) {
    self.objectiveSum = objectiveSum
    self.elboSum = elboSum
    self.images = images
  }

  public static func + (a: ObjectiveValue, b: ObjectiveValue) -> ObjectiveValue {
    ObjectiveValue(
      objectiveSum: a.objectiveSum + b.objectiveSum, elboSum: a.elboSum + b.elboSum, images: a.images + b.images)
  }
}
