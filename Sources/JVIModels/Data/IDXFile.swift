import CZlib
import JVICore

/// An array from an IDX file (the MNIST format): a 4-byte magic (two zero bytes, the data type,
/// the number of dimensions), the dimensions as big-endian UInt32, then the data, row-major.
/// Only unsigned bytes (type 0x08) occur in MNIST-format data sets and are supported.
public struct IDXArray: Sendable, Equatable {
  public var dimensions: [Int]
  public var bytes: [UInt8]

  /// Reads `path`: gzip-compressed when it ends in ".gz" (through zlib), else plain.
  ///
  /// - Throws: `InputFileError` naming the file: unreadable, not gzip, a truncated stream, a
  ///   wrong magic, an unsupported type, or data shorter or longer than the header says.
  public init(contentsOf path: String) throws(InputFileError) {
    let raw = path.hasSuffix(".gz") ? try IDXArray.gunzip(path) : try FileIO.read(path)
    try self.init(bytes: raw, source: path)
  }

  public init(bytes raw: [UInt8], source: String) throws(InputFileError) {
    @inline(never) func fail(_ problem: String) -> InputFileError { InputFileError(path: source, problem: problem) }
    guard raw.count >= 4 else { throw fail("truncated: \(raw.count) bytes, too short for an IDX header") }
    guard raw[0] == 0 && raw[1] == 0 else {
      throw fail("not an IDX file (bad magic \(raw.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")))")
    }
    guard raw[2] == 0x08 else {
      throw fail(
        "unsupported IDX data type 0x\(String(raw[2], radix: 16)); MNIST-format files hold unsigned bytes (0x08)")
    }
    let rank = Int(raw[3])
    guard rank >= 1 && rank <= 4 else { throw fail("bad IDX header: \(rank) dimensions") }
    guard raw.count >= 4 + 4 * rank else {
      throw fail("truncated header: \(rank) dimensions need \(4 + 4 * rank) bytes")
    }
    let dims = (0..<rank).map { d in
      let o = 4 + 4 * d
      return Int(raw[o]) << 24 | Int(raw[o + 1]) << 16 | Int(raw[o + 2]) << 8 | Int(raw[o + 3])
    }
    // Four 32-bit dimensions can overflow Int: refuse any shape beyond 2^40 bytes before using it.
    var count = 1
    for v in dims {
      let (product, overflow) = count.multipliedReportingOverflow(by: v)
      guard !overflow, product <= 1 << 40 else {
        throw fail("bad IDX header: the shape \(dims.map(String.init).joined(separator: "×")) is impossibly large")
      }
      count = product
    }
    let available = raw.count - 4 - 4 * rank
    if available < count {
      throw fail(
        "truncated: the header's shape \(dims.map(String.init).joined(separator: "×")) needs \(count) bytes of data, the file has \(available)"
      )
    }
    if available > count {
      throw fail(
        "wrong size: \(available - count) bytes after the data of shape \(dims.map(String.init).joined(separator: "×"))"
      )
    }
    dimensions = dims
    bytes = Array(raw[(4 + 4 * rank)...])
  }

  /// The most bytes a gzip file may decompress to (Fashion-MNIST's largest file is 47 MB): a
  /// corrupt or malicious file is refused instead of filling memory.
  public static let maximumDecompressedBytes = 1 << 30

  /// The decompressed contents of a gzip file, through zlib.
  static func gunzip(_ path: String) throws(InputFileError) -> [UInt8] {
    // Existence and type checks give clearer messages than zlib's.
    try FileIO.checkReadable(path)
    guard let file = gzopen(path, "rb") else { throw InputFileError(path: path, problem: "cannot open as gzip") }
    defer { gzclose(file) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
      if n < 0 {
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown zlib error"
        throw InputFileError(path: path, problem: "corrupt gzip data: \(message)")
      }
      if n == 0 { break }
      if out.count + Int(n) > maximumDecompressedBytes {
        throw InputFileError(
          path: path, problem: "decompresses to more than \(maximumDecompressedBytes >> 20) MiB; not an image file")
      }
      out.append(contentsOf: chunk[0..<Int(n)])
    }
    var code: Int32 = 0
    let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
    if code != Z_OK && code != Z_STREAM_END {
      throw InputFileError(path: path, problem: "truncated or corrupt gzip data: \(message)")
    }
    return out
  }
}
