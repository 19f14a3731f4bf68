/// The random numbers of the randomised estimators (SUMO, multilevel Monte Carlo): one
/// generator per (seed, instance, block), so an estimate depends only on its own instance and
/// block, never on the thread that computes it, the shard it is in, or the rows around it.
/// `instance` is the global instance index (`LogWeightMatrix.instanceOffset` + row). The seed is
/// salted, so the streams differ from the log-weight sources' (seed, instance) streams even when a
/// tool passes both the same --seed.
public enum EstimatorRandomness {
  static let salt: UInt64 = 0x5EED_E571_3A70_0001

  public static func generator(seed: UInt64, instance: Int, block: Int) -> Xoshiro256StarStar {
    Xoshiro256StarStar(seed: seed ^ salt, stream: UInt64(instance) << 24 | UInt64(block & 0xFF_FFFF))
  }

  /// The block index of `columns` when blocks are consecutive runs of `columns.count`.
  public static func block(of columns: Range<Int>) -> Int { columns.isEmpty ? 0 : columns.lowerBound / columns.count }
}
