import JVICore

/// Seeded structure-unaware mutations of a byte string (the fallback the issue allows when
/// libFuzzer is not used): 1–6 of bit flips, interesting bytes, inserted or deleted runs,
/// duplicated runs, truncation, digit runs replaced by extreme numbers, and splices of tokens
/// that parsers treat specially. Deterministic for a seed.
struct Mutator {
  var generator: Xoshiro256StarStar
  let tokens: [[UInt8]]

  static let defaultTokens: [String] = [
    "-inf", "inf", "nan", "NaN", "-0", "1e308", "1e999", "-1e999", "4294967295", "18446744073709551616",
    "9223372036854775807", "-1", "0", "2147483648", ",", ",,", "\n", "\r\n", "=", " = ", "#", "'", "\"", "(",
    ")", "{", "}", ":", "True", "False", "'<f8'", "'>f8'", "'<f4'", "'|u1'", "'fortran_order': True", "(0,)",
    "(1, 1)", "(99999999, 99999999)", "--", "--help", "-", "\0", "\u{FF}", "é", "\u{FEFF}",
  ]

  init(seed: UInt64, tokens: [String] = Mutator.defaultTokens) {
    generator = Xoshiro256StarStar(seed: seed, stream: 0x4655_5A5A)
    self.tokens = tokens.map { Array($0.utf8) }
  }

  mutating func below(_ n: Int) -> Int { Sampling.uniformInteger(below: max(1, n), using: &generator) }

  mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var x = input
    for _ in 0...below(6) {
      let position = below(x.count + 1)
      switch below(10) {
      case 0 where !x.isEmpty:
        x[min(position, x.count - 1)] ^= UInt8(1 << below(8))
      case 1 where !x.isEmpty:
        x[min(position, x.count - 1)] = [0, 0xFF, 0x7F, 0x80, 0x20, 0x0A, 0x2C, 0x30][below(8)]
      case 2:
        x.insert(contentsOf: (0..<below(8) + 1).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: position)
      case 3 where !x.isEmpty:
        let n = min(below(16) + 1, x.count - min(position, x.count - 1))
        x.removeSubrange(min(position, x.count - 1)..<(min(position, x.count - 1) + n))
      case 4 where !x.isEmpty:
        let start = below(x.count), n = min(below(64) + 1, x.count - start)
        x.insert(contentsOf: x[start..<(start + n)], at: position)
      case 5:
        x = Array(x.prefix(below(x.count + 1)))
      case 6, 7:
        x.insert(contentsOf: tokens[below(tokens.count)], at: position)
      case 8:
        // Replace a run of digits by an extreme or negative number.
        if let start = x.indices.filter({ x[$0] >= 0x30 && x[$0] <= 0x39 }).randomElement(using: &generator) {
          var end = start
          while end < x.count && x[end] >= 0x30 && x[end] <= 0x39 { end += 1 }
          x.replaceSubrange(start..<end, with: tokens[[8, 9, 10, 11, 13, 14][below(6)]])
        }
      default:
        if x.count >= 4 {
          // Overwrite 4 bytes with a little- or big-endian extreme integer (binary headers).
          let at = below(x.count - 3)
          let v: UInt32 = [0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0, 1, 0x0100_0000][below(6)]
          for i in 0..<4 { x[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
        }
      }
    }
    return x
  }
}
