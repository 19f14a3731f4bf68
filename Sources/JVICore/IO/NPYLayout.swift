/// Where a `.npy` file's values are and how they are stored, read from its first bytes.
///
/// Layout: the magic "\x93NUMPY", a major and minor version byte, the header length (2 bytes
/// little-endian for version 1, 4 bytes for 2 and 3), then an ASCII Python dict literal
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (N, K), }`, then the data. Supported
/// dtypes: float64 and float32, either byte order, and uint8 (data files); C or (for rank ≤ 2)
/// Fortran order.
public struct NPYLayout: Sendable, Equatable {
  public var shape: [Int]
  /// The dtype, e.g. "<f8".
  public var descr: String
  public var fortranOrder: Bool
  /// Bytes per value (8 or 4), and whether they are big-endian.
  public var itemSize: Int
  public var bigEndian: Bool
  /// The byte offset of the first value.
  public var dataOffset: Int
  /// The number of values, Π shape.
  public var count: Int

  /// The most header bytes a reader needs before it knows the header's length.
  public static let preambleLength = 12

  /// Reads the layout from `prefix` (the file's first bytes: at least the whole header) of a file
  /// of `fileSize` bytes, and checks that the data fills the rest of the file exactly.
  ///
  /// - Throws: `InputFileError` naming `source`: bad magic, unsupported version or dtype, a bad
  ///   header, a shape too large, truncated data or bytes after it.
  public init(prefix bytes: [UInt8], fileSize: Int, source: String) throws(InputFileError) {
    @inline(never) func fail(_ problem: String) -> InputFileError { InputFileError(path: source, problem: problem) }
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard bytes.count >= 10, fileSize >= 10, Array(bytes[0..<6]) == magic else {
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
      guard bytes.count >= 12, fileSize >= 12 else { throw fail("truncated header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    default:
      throw fail("unsupported .npy format version \(major).\(bytes[7])")
    }
    guard headerStart + headerLength <= fileSize else {
      throw fail("truncated header (it claims \(headerLength) bytes, the file has \(fileSize - headerStart))")
    }
    precondition(headerStart + headerLength <= bytes.count, "the prefix must hold the whole header")
    guard let header = String(validating: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self) else {
      throw fail("bad header: not valid text")
    }
    let dict: NPYHeader
    do {
      dict = try NPYHeader(parsing: header)
    } catch {
      throw fail("bad header: \(error.message) in \(header.trimmingTrailingWhitespace())")
    }
    switch dict.descr {
    case "<f8", "=f8": (itemSize, bigEndian) = (8, false)
    case ">f8": (itemSize, bigEndian) = (8, true)
    case "<f4", "=f4": (itemSize, bigEndian) = (4, false)
    case ">f4": (itemSize, bigEndian) = (4, true)
    case "|u1", "<u1", ">u1", "=u1": (itemSize, bigEndian) = (1, false)
    default:
      throw fail(
        "unsupported dtype '\(dict.descr)': jvi reads float64 ('<f8'), float32 ('<f4') or, for data, uint8 ('|u1')")
    }
    var count = 1
    for d in dict.shape {
      let (p, overflow) = count.multipliedReportingOverflow(by: d)
      if overflow { throw fail("shape \(NPYHeader.shapeText(dict.shape)) is too large to hold in memory") }
      count = p
    }
    let dataStart = headerStart + headerLength
    let available = fileSize - dataStart
    let (needed, overflow) = count.multipliedReportingOverflow(by: itemSize)
    if overflow || needed > available {
      throw fail(
        "truncated data: shape \(NPYHeader.shapeText(dict.shape)) of \(dict.descr) needs \(overflow ? "more than \(Int.max)" : String(needed)) bytes, the file has \(available)"
      )
    }
    if needed < available {
      throw fail("\(available - needed) unexpected bytes after the data of shape \(NPYHeader.shapeText(dict.shape))")
    }
    if dict.fortranOrder && dict.shape.count > 2 {
      throw fail("Fortran-order arrays of rank \(dict.shape.count) are not supported")
    }
    shape = dict.shape
    descr = dict.descr
    fortranOrder = dict.fortranOrder
    dataOffset = dataStart
    self.count = count
  }

  /// The header's total length (preamble included) once the preamble is known, or nil for a bad
  /// or short preamble (the full parse then names the problem).
  public static func headerEnd(preamble bytes: [UInt8]) -> Int? {
    guard bytes.count >= 10 else { return nil }
    switch bytes[6] {
    case 1: return 10 + (Int(bytes[8]) | Int(bytes[9]) << 8)
    case 2, 3:
      guard bytes.count >= 12 else { return nil }
      return 12 + (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24)
    default: return nil
    }
  }

  /// Converts `count` stored values at `source` to Double.
  public func convert(_ source: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Double>) {
    if itemSize == 8 {
      for i in 0..<count {
        let bits = source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
        out[i] = Double(bitPattern: bigEndian ? bits.byteSwapped : bits.littleEndian)
      }
    } else if itemSize == 1 {
      let bytes = source.assumingMemoryBound(to: UInt8.self)
      for i in 0..<count { out[i] = Double(bytes[i]) }
    } else {
      for i in 0..<count {
        let bits = source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
        out[i] = Double(Float(bitPattern: bigEndian ? bits.byteSwapped : bits.littleEndian))
      }
    }
  }

  /// True when the stored values are the host's own Doubles (read straight into place).
  public var isNativeFloat64: Bool { itemSize == 8 && bigEndian == (1.bigEndian == 1) }
}
