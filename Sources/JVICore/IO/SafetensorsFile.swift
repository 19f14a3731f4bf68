/// A safetensors file, read and checked without any dependency.
///
/// Layout (Hugging Face's safetensors format):
/// - bytes 0–7: N, the header's length, an unsigned little-endian 64-bit integer;
/// - the next N bytes: a UTF-8 JSON object that begins with `{` (and may be padded with spaces),
///   mapping each tensor's name to `{"dtype": "F32", "shape": [..], "data_offsets": [BEGIN, END]}`,
///   plus an optional `"__metadata__"` object of strings;
/// - the rest: the byte buffer, every tensor little-endian and row-major at 8 + N + BEGIN ..< 8 + N + END.
///
/// Checked as the reference reader does, and named in each refusal: a header over 100,000,000
/// bytes or past the end of the file, malformed JSON, duplicate or unknown keys, an unknown dtype,
/// offsets that are not contiguous from 0, a size that is not the shape's element count times
/// the dtype's width, and a buffer that does not end where the file does.
public struct SafetensorsFile: Sendable {
  /// One tensor's entry: its dtype word ("F32"), shape and bytes within the file.
  public struct Tensor: Sendable, Equatable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    /// Absolute byte positions in the file.
    public var bytes: Range<Int>
    public var count: Int { shape.reduce(1, *) }
  }

  /// The dtypes of the format and their widths in bytes (0: packed sub-byte, never read here).
  static let dtypeWidths: [String: Int] = [
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "I16": 2, "U16": 2, "F16": 2,
    "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8, "C64": 8, "F6_E2M3": 0,
    "F6_E3M2": 0, "F4": 0,
  ]
  public static let maximumHeaderBytes = 100_000_000

  public let path: String
  /// The `__metadata__` strings, in file order.
  public let metadata: [(key: String, value: String)]
  /// The tensors, in header order.
  public let tensors: [Tensor]
  let contents: [UInt8]

  public init(contentsOf path: String) throws(InputFileError) {
    try self.init(bytes: try FileIO.read(path), source: path)
  }

  /// Whether `bytes` begin as a safetensors file does: a header length, then `{`.
  public static func looksLikeSafetensors(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 9 && bytes[8] == UInt8(ascii: "{") && bytes[4..<8].allSatisfy { $0 == 0 }
  }

  public init(bytes: [UInt8], source path: String) throws(InputFileError) {
    func fail(_ problem: String) -> InputFileError { InputFileError(path: path, problem: problem) }
    self.path = path
    contents = bytes
    guard bytes.count >= 8 else { throw fail("truncated: \(bytes.count) bytes, not even the header's length") }
    var n: UInt64 = 0
    for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
    guard n <= UInt64(SafetensorsFile.maximumHeaderBytes) else {
      throw fail("the header claims \(n) bytes, more than the format's \(SafetensorsFile.maximumHeaderBytes)")
    }
    let headerEnd = 8 + Int(n)
    guard headerEnd <= bytes.count else {
      throw fail("truncated: the header claims \(n) bytes but the file has \(bytes.count - 8) after the length")
    }
    guard n >= 2, bytes[8] == UInt8(ascii: "{") else { throw fail("the header is not a JSON object") }
    guard let text = String(validating: bytes[8..<headerEnd], as: UTF8.self) else {
      throw fail("the header is not UTF-8")
    }
    let header: JSONValue
    do { header = try JSONValue.parse(text) } catch { throw fail("the header's \(error)") }
    guard case .object(let fields) = header else { throw fail("the header is not a JSON object") }
    var metadata: [(key: String, value: String)] = []
    var tensors: [Tensor] = []
    for (name, entry) in fields {
      if name == "__metadata__" {
        guard case .object(let items) = entry else { throw fail("__metadata__ is not an object of strings") }
        for (key, value) in items {
          guard case .string(let s) = value else { throw fail("__metadata__ entry '\(key)' is not a string") }
          metadata.append((key, s))
        }
        continue
      }
      tensors.append(try SafetensorsFile.tensor(name, entry, dataStart: headerEnd, fail: fail))
    }
    let ordered = tensors.sorted {
      ($0.bytes.lowerBound, $0.bytes.upperBound) < ($1.bytes.lowerBound, $1.bytes.upperBound)
    }
    var next = headerEnd
    for t in ordered {
      guard t.bytes.lowerBound == next else {
        throw fail(
          "tensor '\(t.name)': its data starts at offset \(t.bytes.lowerBound - headerEnd), expected "
            + "\(next - headerEnd) (the buffer must be contiguous, without holes or overlaps)")
      }
      next = t.bytes.upperBound
    }
    guard next == bytes.count else {
      throw fail(
        next > bytes.count
          ? "truncated: the tensors need \(next - headerEnd) bytes of data, the file has \(bytes.count - headerEnd)"
          : "\(bytes.count - next) bytes after the last tensor's data")
    }
    self.metadata = metadata
    self.tensors = tensors
  }

  /// One header entry, checked.
  static func tensor(
    _ name: String, _ entry: JSONValue, dataStart: Int, fail: (String) -> InputFileError
  ) throws(InputFileError) -> Tensor {
    guard case .object(let items) = entry else { throw fail("tensor '\(name)': its entry is not an object") }
    for (key, _) in items where !["dtype", "shape", "data_offsets"].contains(key) {
      throw fail("tensor '\(name)': unknown key '\(key)'")
    }
    guard case .string(let dtype)? = entry["dtype"] else { throw fail("tensor '\(name)': no dtype") }
    guard let width = dtypeWidths[dtype] else { throw fail("tensor '\(name)': unknown dtype '\(dtype)'") }
    guard case .array(let dims)? = entry["shape"] else { throw fail("tensor '\(name)': no shape") }
    var shape: [Int] = []
    var count = 1
    for d in dims {
      guard case .integer(let v) = d, v >= 0 else { throw fail("tensor '\(name)': the shape holds \(d.text())") }
      let (product, overflow) = count.multipliedReportingOverflow(by: v)
      guard !overflow, product <= Int(Int32.max) else { throw fail("tensor '\(name)': the shape is too large") }
      shape.append(v)
      count = product
    }
    guard case .array(let offsets)? = entry["data_offsets"], offsets.count == 2,
      case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1], begin >= 0, end >= begin,
      end <= Int(Int32.max) * 8
    else { throw fail("tensor '\(name)': data_offsets is not a pair [BEGIN, END] with 0 ≤ BEGIN ≤ END") }
    guard width > 0 else { throw fail("tensor '\(name)': dtype \(dtype) is not supported") }
    guard end - begin == count * width else {
      throw fail(
        "tensor '\(name)': \(end - begin) bytes of data for shape \(shape) of \(dtype) (\(count * width) expected)")
    }
    return Tensor(name: name, dtype: dtype, shape: shape, bytes: (dataStart + begin)..<(dataStart + end))
  }

  public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }

  /// The value of `__metadata__`'s `key`.
  public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }

  /// A tensor's values in Double, from F32 or F64 (other dtypes are refused by name).
  public func doubles(_ t: Tensor) throws(InputFileError) -> [Double] {
    var out = [Double](repeating: 0, count: t.count)
    let start = t.bytes.lowerBound
    switch t.dtype {
    case "F32":
      for i in 0..<t.count {
        var bits: UInt32 = 0
        for b in (0..<4).reversed() { bits = bits << 8 | UInt32(contents[start + 4 * i + b]) }
        out[i] = Double(Float(bitPattern: bits))
      }
    case "F64":
      for i in 0..<t.count {
        var bits: UInt64 = 0
        for b in (0..<8).reversed() { bits = bits << 8 | UInt64(contents[start + 8 * i + b]) }
        out[i] = Double(bitPattern: bits)
      }
    default:
      throw InputFileError(path: path, problem: "tensor '\(t.name)': dtype \(t.dtype) is not supported (F32 or F64)")
    }
    return out
  }

  /// The bytes of a safetensors file holding `tensors` (in the given order, F32 or F64 by
  /// `dtype`) and `metadata`; the header is padded with spaces to a multiple of 8 bytes.
  public static func bytes(
    tensors: [(name: String, shape: [Int], values: [Double])], dtype: String = "F32",
    metadata: [(key: String, value: String)] = []
  ) -> [UInt8] {
    precondition(dtype == "F32" || dtype == "F64", "jvi writes F32 or F64, not \(dtype)")
    let width = dtype == "F32" ? 4 : 8
    var fields: [(String, JSONValue)] = []
    if !metadata.isEmpty { fields.append(("__metadata__", .object(metadata.map { ($0.key, .string($0.value)) }))) }
    var offset = 0
    for t in tensors {
      precondition(t.values.count == t.shape.reduce(1, *), "tensor '\(t.name)': values do not fill its shape")
      let end = offset + width * t.values.count
      fields.append(
        (
          t.name,
          .object([
            ("dtype", .string(dtype)), ("shape", .array(t.shape.map { .integer($0) })),
            ("data_offsets", .array([.integer(offset), .integer(end)])),
          ])
        ))
      offset = end
    }
    var header = Array(JSONValue.object(fields).compactText.utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var out: [UInt8] = []
    out.reserveCapacity(8 + header.count + offset)
    var n = UInt64(header.count)
    for _ in 0..<8 {
      out.append(UInt8(n & 0xFF))
      n >>= 8
    }
    out += header
    for t in tensors {
      for v in t.values {
        var bits = dtype == "F32" ? UInt64(Float(v).bitPattern) : v.bitPattern
        for _ in 0..<width {
          out.append(UInt8(bits & 0xFF))
          bits >>= 8
        }
      }
    }
    return out
  }
}
