/// xoshiro256** (Blackman & Vigna, 2018): the project's random generator. 256 bits of state,
/// period 2^256 − 1, output
///
///     result = rotl(s1 · 5, 7) · 9
///     t = s1 << 17;  s2 ^= s0;  s3 ^= s1;  s1 ^= s2;  s0 ^= s3;  s2 ^= t;  s3 = rotl(s3, 45)
///
/// Seeding goes through `SplitMix64`, as its authors recommend. `init(seed:stream:)` derives
/// independent generators for cells of an experiment, so results never depend on how cells are
/// scheduled across threads.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
  public var state: (UInt64, UInt64, UInt64, UInt64)

  /// The generator whose state is four consecutive SplitMix64 outputs from `seed`.
  public init(seed: UInt64) {
    var sm = SplitMix64(seed: seed)
    state = (sm.next(), sm.next(), sm.next(), sm.next())
  }

  /// A generator for stream `stream` of `seed`: the seed and the stream are each hashed by
  /// SplitMix64 and combined, so neighbouring seeds or streams give unrelated states.
  public init(seed: UInt64, stream: UInt64) {
    var a = SplitMix64(seed: seed)
    var b = SplitMix64(seed: stream ^ 0x6A09_E667_F3BC_C909)
    self.init(seed: a.next() ^ (b.next() &* 0x9E37_79B9_7F4A_7C15))
  }

  /// A generator with an explicit state (not all zero).
  public init(state: (UInt64, UInt64, UInt64, UInt64)) {
    precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
    self.state = state
  }

  @inlinable
  public mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, 45)
    return result
  }

  /// Advances the state by 2^128 steps (the published jump polynomial), giving a
  /// non-overlapping subsequence for each of up to 2^128 parallel users.
  public mutating func jump() {
    let polynomial: [UInt64] = [
      0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C,
    ]
    var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    for word in polynomial {
      for bit in 0..<64 {
        if word & (1 << UInt64(bit)) != 0 {
          s.0 ^= state.0
          s.1 ^= state.1
          s.2 ^= state.2
          s.3 ^= state.3
        }
        _ = next()
      }
    }
    state = s
  }

  public static func == (a: Self, b: Self) -> Bool { a.state == b.state }
}

@inlinable @inline(__always)
func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
