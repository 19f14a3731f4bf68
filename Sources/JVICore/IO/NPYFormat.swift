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
    @inline(never) func fail(_ problem: String) -> InputFileError { InputFileError(path: source, problem: problem) }
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
      throw fail("not a .npy file (bad magic: the file must start with \\x93NUMPY)")
    }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw fail("truncated header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    default:
      throw fail("unsupported .npy format version \(major).\(bytes[7])")
    }
    guard headerStart + headerLength <= bytes.count else {
      throw fail("truncated header (it claims \(headerLength) bytes, the file has \(bytes.count - headerStart))")
    }
    guard let header = String(validating: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self) else {
      throw fail("bad header: not valid text")
    }
    let dict: NPYHeader
    do {
      dict = try NPYHeader(parsing: header)
    } catch {
      throw fail("bad header: \(error.message) in \(header.trimmingTrailingWhitespace())")
    }
    let itemSize: Int
    let bigEndian: Bool
    switch dict.descr {
    case "<f8", "=f8": (itemSize, bigEndian) = (8, false)
    case ">f8": (itemSize, bigEndian) = (8, true)
    case "<f4", "=f4": (itemSize, bigEndian) = (4, false)
    case ">f4": (itemSize, bigEndian) = (4, true)
    default:
      throw fail("unsupported dtype '\(dict.descr)': log-weights must be float64 ('<f8') or float32 ('<f4')")
    }
    var count = 1
    for d in dict.shape {
      let (p, overflow) = count.multipliedReportingOverflow(by: d)
      if overflow { throw fail("shape \(NPYHeader.shapeText(dict.shape)) is too large to hold in memory") }
      count = p
    }
    let dataStart = headerStart + headerLength
    let available = bytes.count - dataStart
    let (needed, overflow) = count.multipliedReportingOverflow(by: itemSize)
    if overflow || needed > available {
      throw fail(
        "truncated data: shape \(NPYHeader.shapeText(dict.shape)) of \(dict.descr) needs \(overflow ? "more than \(Int.max)" : String(needed)) bytes, the file has \(available)"
      )
    }
    if needed < available {
      throw fail("\(available - needed) unexpected bytes after the data of shape \(NPYHeader.shapeText(dict.shape))")
    }
    var raw = [Double](repeating: 0, count: count)
    bytes.withUnsafeBytes { buffer in
      guard let start = buffer.baseAddress else { return }
      let base = start + dataStart
      for i in 0..<count {
        if itemSize == 8 {
          let bits = base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
          raw[i] = Double(bitPattern: bigEndian ? bits.byteSwapped : bits.littleEndian)
        } else {
          let bits = base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
          raw[i] = Double(Float(bitPattern: bigEndian ? bits.byteSwapped : bits.littleEndian))
        }
      }
    }
    if dict.fortranOrder && dict.shape.count == 2 {
      // Column-major N×K to row-major.
      let n = dict.shape[0], k = dict.shape[1]
      var c = [Double](repeating: 0, count: count)
      for j in 0..<k { for i in 0..<n { c[i * k + j] = raw[j * n + i] } }
      raw = c
    } else if dict.fortranOrder && dict.shape.count > 2 {
      throw fail("Fortran-order arrays of rank \(dict.shape.count) are not supported")
    }
    shape = dict.shape
    values = raw
    dtype = dict.descr
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
