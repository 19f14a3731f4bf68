/// (estimator, order, k): what identifies a cell within one run.
public struct CellKey: Sendable, Hashable, CustomStringConvertible {
  public var estimator: String
  public var order: Int
  public var k: Int

  public init(estimator: String, order: Int, k: Int) {
    self.estimator = estimator
    self.order = order
    self.k = k
  }

  public init(_ cell: SweepPlan.Cell) {
    self.init(estimator: cell.estimator.label, order: cell.estimator.order, k: cell.k)
  }

  public var description: String { "\(EstimatorRegistry.word(estimator: estimator, order: order)) k=\(k)" }
}
