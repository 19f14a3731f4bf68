/// `--shard I/N`: shard I (1-based) of N, which owns the I-th of N contiguous blocks of instances.
///
/// Every producer that shards (jvi-sweep, jvi-ais, jvi-eval --save-logw) splits instances the
/// same way, so a block's values depend only on the seed and the global instance index: a
/// shard's rows are the same bits as the same rows of an unsharded run.
public struct ShardSelection: Sendable, Equatable, CustomStringConvertible {
  public var index: Int
  public var count: Int

  public init(index: Int, count: Int) {
    precondition(count >= 1 && index >= 1 && index <= count, "shard \(index) of \(count)")
    self.index = index
    self.count = count
  }

  /// What `--shard` takes, for messages.
  public static let grammar = "I/N with 1 <= I <= N, for example 2/8"

  /// Parses "I/N" with 1 ≤ I ≤ N; nil otherwise.
  public init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
    index = i
    count = n
  }

  public var description: String { "\(index)/\(count)" }
  /// The sweep's folder suffix: ".shard-2-of-4".
  public var fileSuffix: String { ".shard-\(index)-of-\(count)" }
  /// A log-weight part's suffix: ".part-2-of-4".
  public var partSuffix: String { ".part-\(index)-of-\(count)" }

  /// This shard's block of `total` instances, [⌊(I − 1)·total/N⌋, ⌊I·total/N⌋): the N blocks tile
  /// 0..<total in shard order and differ in size by at most one (some are empty when N > total).
  public func block(of total: Int) -> Range<Int> {
    precondition(total >= 0, "instance count \(total)")
    return (total * (index - 1) / count)..<(total * index / count)
  }
}
