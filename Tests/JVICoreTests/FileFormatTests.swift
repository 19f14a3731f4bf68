import Foundation
import JVICore
import Testing

/// `.npy` and CSV reading: every supported layout, and every malformed case with the message
/// naming the file and the problem.
struct FileFormatTests {
  static let directory: String = {
    let d = NSTemporaryDirectory() + "jvi-format-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }()

  static func write(_ name: String, _ bytes: [UInt8]) -> String {
    let path = directory + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  /// A .npy file with a given header dict and raw data (version 1.0, padded).
  static func npy(_ dict: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var header = dict
    let prefix = version == 1 ? 10 : 12
    header += String(repeating: " ", count: (64 - (prefix + header.utf8.count + 1) % 64) % 64) + "\n"
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    let n = header.utf8.count
    out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
    return out + Array(header.utf8) + data
  }

  static func bytes(_ v: [Double], bigEndian: Bool = false) -> [UInt8] {
    v.flatMap { x -> [UInt8] in
      let b = bigEndian ? x.bitPattern.bigEndian : x.bitPattern.littleEndian
      return (0..<8).map { UInt8(truncatingIfNeeded: b >> UInt64(8 * $0)) }
    }
  }

  static func bytes32(_ v: [Float]) -> [UInt8] {
    v.flatMap { x in (0..<4).map { UInt8(truncatingIfNeeded: x.bitPattern.littleEndian >> UInt32(8 * $0)) } }
  }

  static func expectError(_ path: String, _ fragments: [String]) {
    do {
      _ = try LogWeightMatrix(contentsOf: path)
      Issue.record("\(path) loaded but should have failed")
    } catch {
      #expect(error.path == path)
      for f in fragments { #expect(error.problem.contains(f), "'\(error.problem)' lacks '\(f)'") }
    }
  }

  @Test func readsFloat64CAndFortranOrderAndFloat32AndBigEndianAndVersion2() throws {
    let values: [Double] = [1, 2, 3, -.infinity, 5, 6]
    let c = Self.write(
      "c.npy", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes(values)))
    let m = try LogWeightMatrix(contentsOf: c)
    #expect(m.rowCount == 2 && m.columnCount == 3 && m.values == values)
    // Fortran order: the same matrix stored column by column.
    let f = Self.write(
      "f.npy",
      Self.npy(
        "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data: Self.bytes([1, -.infinity, 2, 5, 3, 6])))
    #expect(try LogWeightMatrix(contentsOf: f).values == values)
    let f32 = Self.write(
      "f32.npy",
      Self.npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes32([1, 2, 3, -.infinity, 5, 6])))
    #expect(try LogWeightMatrix(contentsOf: f32).values == values)
    let be = Self.write(
      "be.npy",
      Self.npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes(values, bigEndian: true))
    )
    #expect(try LogWeightMatrix(contentsOf: be).values == values)
    let v2 = Self.write(
      "v2.npy",
      Self.npy("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}", data: Self.bytes(values), version: 2))
    #expect(try LogWeightMatrix(contentsOf: v2).values == values)
  }

  @Test func roundTripsThroughTheWriter() throws {
    let m = try LogWeightMatrix(rows: [[0.1, -.infinity, 3e-300], [-7.25, 1e300, 0]])
    let path = Self.write("rt.npy", m.npyBytes())
    #expect(try LogWeightMatrix(contentsOf: path) == m)
    #expect(m.npyBytes().count % 64 == (m.values.count * 8) % 64)  // data starts 64-aligned
  }

  @Test func malformedNPYFilesNameTheProblem() {
    let good = Self.npy(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes([1, 2, 3, 4, 5, 6]))
    Self.expectError(Self.write("magic.npy", [0x50, 0x4B, 3, 4] + Array(good.dropFirst(4))), ["bad magic"])
    Self.expectError(Self.write("short.npy", [0x93, 0x4E]), ["bad magic"])
    Self.expectError(Self.write("trunc.npy", Array(good.dropLast(5))), ["truncated data", "48 bytes", "43"])
    Self.expectError(Self.write("extra.npy", good + [0, 0, 0]), ["unexpected bytes"])
    Self.expectError(Self.write("hdrtrunc.npy", Array(good.prefix(30))), ["truncated header"])
    Self.expectError(
      Self.write(
        "dtype.npy",
        Self.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes([1, 2, 3, 4, 5, 6]))),
      ["dtype", "<i8", "float64"])
    Self.expectError(
      Self.write(
        "rank1.npy",
        Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", data: Self.bytes([1, 2, 3, 4, 5, 6]))),
      ["wrong rank", "(6,)"])
    Self.expectError(
      Self.write(
        "rank3.npy",
        Self.npy(
          "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", data: Self.bytes([1, 2, 3, 4, 5, 6]))),
      ["wrong rank"])
    Self.expectError(
      Self.write(
        "header.npy",
        Self.npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 3), }", data: Self.bytes([1, 2, 3, 4, 5, 6]))),
      ["bad header"])
    Self.expectError(
      Self.write("nokey.npy", Self.npy("{'descr': '<f8', 'shape': (2, 3), }", data: Self.bytes([1, 2, 3, 4, 5, 6]))),
      ["bad header", "fortran_order"])
    Self.expectError(
      Self.write(
        "nan.npy",
        Self.npy(
          "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes([1, 2, 3, 4, .nan, 6]))),
      ["row 1, column 1", "NaN"])
    Self.expectError(
      Self.write(
        "inf.npy",
        Self.npy(
          "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data: Self.bytes([1, .infinity, 3, 4, 5, 6]))),
      ["row 0, column 1", "+inf"])
    // A header claiming a huge shape is refused before allocating anything.
    Self.expectError(
      Self.write(
        "huge.npy", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", data: [])),
      ["(4000000000, 4000000000) is too large"])
    Self.expectError(
      Self.write(
        "big.npy", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", data: [])),
      ["truncated data", "80000000000 bytes"])
    Self.expectError(
      Self.write("empty.npy", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", data: [])),
      ["empty"])
  }

  @Test func readsCSV() throws {
    let path = Self.write("ok.csv", Array("1, 2.5,-inf\r\n-3e2,0x1p-2 ,4\n\n".utf8))
    let m = try LogWeightMatrix(contentsOf: path)
    #expect(m.rowCount == 2 && m.columnCount == 3)
    #expect(m.values == [1, 2.5, -.infinity, -300, 0.25, 4])
    let noNewline = Self.write("nonl.csv", Array("1,2\n3,4".utf8))
    #expect(try LogWeightMatrix(contentsOf: noNewline).values == [1, 2, 3, 4])
  }

  @Test func malformedCSVFilesNameLineAndColumn() {
    Self.expectError(
      Self.write("word.csv", Array("1,2,3\n4,abc,6\n".utf8)), ["line 2, column 2", "'abc' is not a number"])
    Self.expectError(Self.write("ragged.csv", Array("1,2,3\n4,5\n".utf8)), ["line 2 has 2 values", "expected 3"])
    Self.expectError(Self.write("emptycell.csv", Array("1,,3\n".utf8)), ["line 1, column 2", "empty cell"])
    Self.expectError(Self.write("blank.csv", Array("1,2\n\n3,4\n".utf8)), ["line 2 is empty"])
    Self.expectError(Self.write("nan.csv", Array("1,2\n3,nan\n".utf8)), ["line 2, column 2", "NaN"])
    Self.expectError(Self.write("pinf.csv", Array("1,inf\n".utf8)), ["line 1, column 2", "+inf"])
    Self.expectError(Self.write("overflow.csv", Array("1,1e400\n".utf8)), ["line 1, column 2", "+inf"])
    Self.expectError(Self.write("header.csv", Array("a,b\n1,2\n".utf8)), ["line 1, column 1", "'a' is not a number"])
    Self.expectError(Self.write("nothing.csv", []), ["empty"])
  }

  @Test func unreadableInputsNameTheFile() {
    Self.expectError(Self.directory + "/does-not-exist.npy", ["cannot open"])
    let dir = Self.directory + "/adir.npy"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    Self.expectError(dir, ["directory"])
    Self.expectError(Self.write("data.txt.gz", [1, 2, 3]), ["unknown file type"])
  }

  @Test func atomicWriteReplacesWholeFilesAndLeavesNoTemporaries() throws {
    let path = Self.directory + "/out.csv"
    try FileIO.writeAtomically("first\n", to: path)
    try FileIO.writeAtomically("second\n", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty)
    #expect(throws: InputFileError.self) {
      try FileIO.writeAtomically("x", to: Self.directory + "/no/such/dir/out.csv")
    }
  }
}
