/// Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Layout: the magic "\x93NUMPY", a major and minor version byte, the header length
/// (2 bytes little-endian for version 1, 4 bytes for 2 and 3), then an ASCII Python dict
/// literal `{'descr': '<f8', 'fortran_order': False, 'shape': (N, K), }`, then the data.
/// Supported dtypes: float64 and float32, either byte order.
public struct NPYArray: Sendable, Equatable {
  public var shape: [Int]
  /// Values converted to Double, in C (row-major) order whatever the file's order.
  public var values: [Double]
  /// The file's dtype, e.g. "<f8".
  public var dtype: String

  /// Parses `bytes`; errors name `source` and the problem.
  public init(bytes: [UInt8], source: String) throws(InputFileError) {
    let layout = try NPYLayout(prefix: bytes, fileSize: bytes.count, source: source)
    let count = layout.count
    var raw = [Double](repeating: 0, count: count)
    raw.withUnsafeMutableBufferPointer { out in
      bytes.withUnsafeBytes { buffer in
        guard let start = buffer.baseAddress, let destination = out.baseAddress else { return }
        layout.convert(UnsafeRawPointer(start + layout.dataOffset), count: count, into: destination)
      }
    }
    if layout.fortranOrder && layout.shape.count == 2 {
      // Column-major N×K to row-major.
      let n = layout.shape[0], k = layout.shape[1]
      var c = [Double](repeating: 0, count: count)
      for j in 0..<k { for i in 0..<n { c[i * k + j] = raw[j * n + i] } }
      raw = c
    }
    shape = layout.shape
    values = raw
    dtype = layout.descr
  }

  /// A little-endian float64, C-order `.npy` file (format 1.0) for `values` of `shape`.
  public static func float64Bytes(shape: [Int], values: [Double]) -> [UInt8] {
    precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
    var out = float64Header(shape: shape)
    out.reserveCapacity(out.count + 8 * values.count)
    out += float64Data(values)
    return out
  }

  /// The header of a little-endian float64, C-order `.npy` file of `shape`, padded so that the
  /// data starts at a multiple of 64 bytes: the file is this, then `float64Data` of the values.
  public static func float64Header(shape: [Int]) -> [UInt8] {
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(NPYHeader.shapeText(shape)), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
    let length = header.utf8.count
    out.append(UInt8(length & 0xFF))
    out.append(UInt8(length >> 8))
    out.append(contentsOf: header.utf8)
    return out
  }

  /// `values` as little-endian float64 bytes.
  public static func float64Data(_ values: [Double]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(8 * values.count)
    for v in values {
      let bits = v.bitPattern.littleEndian
      for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(8 * b))) }
    }
    return out
  }
}

/// The dict literal of a `.npy` header: exactly the keys 'descr', 'fortran_order', 'shape'.
struct NPYHeader {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]

  struct ParseError: Error { var message: String }

  static func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }

  init(parsing text: String) throws(ParseError) {
    var p = Parser(Array(text.utf8))
    var descr: String? = nil, fortran: Bool? = nil, shape: [Int]? = nil
    try p.expect(UInt8(ascii: "{"))
    while true {
      p.skipSpace()
      if p.peek == UInt8(ascii: "}") {
        p.index += 1
        break
      }
      let key = try p.string()
      try p.expect(UInt8(ascii: ":"))
      switch key {
      case "descr":
        if descr != nil { throw ParseError(message: "repeated key 'descr'") }
        descr = try p.string()
      case "fortran_order":
        if fortran != nil { throw ParseError(message: "repeated key 'fortran_order'") }
        fortran = try p.boolean()
      case "shape":
        if shape != nil { throw ParseError(message: "repeated key 'shape'") }
        shape = try p.tuple()
      default:
        throw ParseError(message: "unexpected key '\(key)'")
      }
      p.skipSpace()
      if p.peek == UInt8(ascii: ",") { p.index += 1 }
    }
    p.skipSpace()
    if p.index != p.bytes.count { throw ParseError(message: "text after the closing brace") }
    guard let descr else { throw ParseError(message: "missing key 'descr'") }
    guard let fortran else { throw ParseError(message: "missing key 'fortran_order'") }
    guard let shape else { throw ParseError(message: "missing key 'shape'") }
    self.descr = descr
    self.fortranOrder = fortran
    self.shape = shape
  }

  struct Parser {
    let bytes: [UInt8]
    var index = 0
    init(_ b: [UInt8]) { bytes = b }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    mutating func skipSpace() {
      while let c = peek, c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { index += 1 }
    }
    mutating func expect(_ c: UInt8) throws(ParseError) {
      skipSpace()
      guard peek == c else { throw ParseError(message: "expected '\(Character(Unicode.Scalar(c)))'") }
      index += 1
    }
    mutating func string() throws(ParseError) -> String {
      skipSpace()
      guard let q = peek, q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else {
        throw ParseError(message: "expected a quoted string")
      }
      index += 1
      let start = index
      while let c = peek, c != q { index += 1 }
      guard peek == q else { throw ParseError(message: "unterminated string") }
      let s = String(decoding: bytes[start..<index], as: UTF8.self)
      index += 1
      return s
    }
    mutating func boolean() throws(ParseError) -> Bool {
      skipSpace()
      for (word, value) in [("True", true), ("False", false)] {
        let w = Array(word.utf8)
        if index + w.count <= bytes.count && Array(bytes[index..<(index + w.count)]) == w {
          index += w.count
          return value
        }
      }
      throw ParseError(message: "expected True or False for 'fortran_order'")
    }
    mutating func tuple() throws(ParseError) -> [Int] {
      try expect(UInt8(ascii: "("))
      var out: [Int] = []
      while true {
        skipSpace()
        if peek == UInt8(ascii: ")") {
          index += 1
          return out
        }
        let start = index
        while let c = peek, c >= 0x30 && c <= 0x39 { index += 1 }
        guard index > start, let v = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
          throw ParseError(message: "expected a non-negative integer in 'shape'")
        }
        out.append(v)
        skipSpace()
        // Python writes 3L on some old files.
        if peek == UInt8(ascii: "L") { index += 1 }
        skipSpace()
        if peek == UInt8(ascii: ",") { index += 1 }
      }
    }
  }
}

extension String {
  func trimmingTrailingWhitespace() -> String {
    var s = Substring(self)
    while let last = s.last, last == " " || last == "\n" { s.removeLast() }
    return String(s)
  }
}
