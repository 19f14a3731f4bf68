import JVICore
import JVIModels

/// A `LogWeightSource`'s log-weights for the instances `rows`, drawn a block at a time as they are
/// read (`LogWeightBlockSource`): row r of the whole is instance rows.lowerBound + r, and each
/// block's `instanceOffset` is its first instance's global index. Every source draws instance i
/// from its own stream, so the blocks are the same bits as one call for all of `rows`.
public final class DrawnLogWeights: LogWeightBlockSource {
  public let source: any LogWeightSource
  public let rows: Range<Int>
  public let samples: Int
  public let seed: UInt64
  public let threads: Int
  /// Seconds spent drawing, over every block so far.
  public private(set) var seconds = 0.0

  public init(source: any LogWeightSource, rows: Range<Int>, samples: Int, seed: UInt64, threads: Int) {
    self.source = source
    self.rows = rows
    self.samples = samples
    self.seed = seed
    self.threads = threads
  }

  public var rowCount: Int { rows.count }
  public var columnCount: Int { samples }
  public var hasAnalyticKLInputs: Bool { source.providesAnalyticKL }

  public func block(_ r: Range<Int>) throws -> LogWeightMatrix {
    precondition(r.upperBound <= rows.count, "rows \(r) of \(rows.count)")
    let start = monotonicSeconds()
    var m = try source.logWeights(
      samples: samples, rows: (rows.lowerBound + r.lowerBound)..<(rows.lowerBound + r.upperBound), seed: seed,
      threads: threads)
    m.instanceOffset = rows.lowerBound + r.lowerBound
    seconds += monotonicSeconds() - start
    return m
  }
}
