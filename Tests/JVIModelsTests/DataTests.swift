import CZlib
import Foundation
import JVICore
import Testing
import _TestSupport

@testable import JVIModels

/// IDX reading (plain and gzip), every malformed case, splits and binarisation.
struct DataTests {
  let dir = SyntheticImageFolder.temporaryDirectory("data")

  init() { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let path = dir + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  /// gzip-compresses `bytes` into `path` with zlib.
  func writeGzip(_ name: String, _ bytes: [UInt8]) -> String {
    let path = dir + "/" + name
    let f = gzopen(path, "wb")
    bytes.withUnsafeBytes { _ = gzwrite(f, $0.baseAddress, UInt32($0.count)) }
    gzclose(f)
    return path
  }

  static func expectError(_ path: String, _ fragments: [String]) {
    do {
      _ = try IDXArray(contentsOf: path)
      Issue.record("\(path) parsed but should not have")
    } catch {
      #expect(error.path == path)
      for f in fragments { #expect(error.problem.contains(f), "'\(error.problem)' lacks '\(f)'") }
    }
  }

  @Test func readsPlainAndGzipIDX() throws {
    let bytes = SyntheticImageFolder.idx(dimensions: [2, 3, 2], data: Array(1...12))
    let plain = try IDXArray(contentsOf: write("a-idx3-ubyte", bytes))
    #expect(plain.dimensions == [2, 3, 2] && plain.bytes == Array(1...12))
    let gz = try IDXArray(contentsOf: writeGzip("a-idx3-ubyte.gz", bytes))
    #expect(gz == plain)
  }

  @Test func malformedIDXFilesNameTheProblem() {
    let good = SyntheticImageFolder.idx(dimensions: [2, 3, 2], data: Array(1...12))
    Self.expectError(write("magic", [1, 2] + Array(good.dropFirst(2))), ["bad magic"])
    Self.expectError(write("type", [0, 0, 0x0D] + Array(good.dropFirst(3))), ["unsupported IDX data type 0xd"])
    Self.expectError(write("trunc", Array(good.dropLast(4))), ["truncated", "2×3×2", "needs 12 bytes", "has 8"])
    Self.expectError(write("long", good + [7, 7]), ["wrong size", "2 bytes after the data"])
    Self.expectError(write("tiny", [0, 0]), ["truncated"])
    // Four dimensions of 2^32 − 1 overflow Int: refused from the header (found by jvi-fuzz).
    Self.expectError(write("huge", [0, 0, 8, 4] + [UInt8](repeating: 0xFF, count: 16)), ["impossibly large"])
    Self.expectError(write("big", [0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0]), ["needs 4294967296 bytes"])
    let folder = dir + "/adir.gz"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    Self.expectError(folder, ["directory"])
    // A gzip stream cut in half, and a file that is not gzip at all.
    let gz = writeGzip("whole.gz", SyntheticImageFolder.idx(dimensions: [200], data: (0..<200).map { UInt8($0 % 251) }))
    let compressed = (try? Data(contentsOf: URL(fileURLWithPath: gz))) ?? Data()
    Self.expectError(
      write("cut.gz", Array(compressed.prefix(compressed.count / 2))), ["truncated or corrupt gzip data"])
    Self.expectError(dir + "/missing.gz", ["cannot open"])
  }

  @Test func datasetSplitsLabelsAndBinarisation() throws {
    let folder = SyntheticImageFolder.write(to: dir + "/set", train: 30, test: 7, rows: 4, columns: 5)
    let data = try ImageDataset(directory: folder, validationCount: 10)
    #expect(data.pixels == 20)
    #expect(data.count(.train) == 20 && data.count(.validation) == 10 && data.count(.test) == 7)
    let all = try ImageDataset(directory: folder, validationCount: 0)
    let validationImage = Array(data.image(0, of: .validation)), trainImage = Array(all.image(20, of: .train))
    #expect(validationImage == trainImage)
    #expect((0..<3).contains(data.label(3, of: .test)))
    // The fixed binarisation is reproducible and follows the grey levels.
    var a = [Float](repeating: 0, count: 20), b = a
    data.binarizeFixed(2, of: .test, into: &a)
    data.binarizeFixed(2, of: .test, into: &b)
    #expect(a == b && a.allSatisfy { $0 == 0 || $0 == 1 })
    // Frequencies of 1s match value/255 within 4 standard errors.
    let img = Array(data.image(0, of: .train))
    var ones = [Int](repeating: 0, count: 20)
    var g = Xoshiro256StarStar(seed: 3)
    let draws = 20_000
    for _ in 0..<draws {
      data.binarize(0, of: .train, into: &a, using: &g)
      for j in 0..<20 where a[j] == 1 { ones[j] += 1 }
    }
    for j in 0..<20 {
      let p = Double(img[j]) / 255
      let se = (p * (1 - p) / Double(draws)).squareRoot()
      #expect(abs(Double(ones[j]) / Double(draws) - p) <= 4 * se + 1e-12, "pixel \(j)")
    }
  }

  @Test func missingOrMismatchedFilesAreReported() {
    let empty = dir + "/empty"
    try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    #expect(throws: InputFileError.self) { try ImageDataset(directory: empty) }
    do {
      _ = try ImageDataset(directory: empty)
    } catch {
      #expect(error.problem.contains("apt-get install dataset-fashion-mnist"))
    }
    let folder = SyntheticImageFolder.write(to: dir + "/few", train: 5, test: 2)
    #expect(throws: InputFileError.self) { try ImageDataset(directory: folder) }  // 10,000 held out > 5
    // Labels that do not match the images.
    let bad = SyntheticImageFolder.write(to: dir + "/bad", train: 12, test: 2)
    _ = FileManager.default.createFile(
      atPath: bad + "/train-labels-idx1-ubyte",
      contents: Data(SyntheticImageFolder.idx(dimensions: [11], data: [UInt8](repeating: 0, count: 11))))
    do {
      _ = try ImageDataset(directory: bad, validationCount: 2)
      Issue.record("mismatched labels accepted")
    } catch {
      #expect(error.problem.contains("11 labels for 12 images"))
    }
  }
}
