import Foundation
import JVICore

/// A small MNIST-format data set on disk for tests: `train` + `test` images of rows × columns
/// grey levels (a class-dependent bar pattern plus noise) and their labels, as IDX files.
public enum SyntheticImageFolder {
  /// IDX bytes: magic (0, 0, 0x08, rank), big-endian dimensions, data.
  public static func idx(dimensions: [Int], data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for d in dimensions {
      out += [UInt8((d >> 24) & 0xFF), UInt8((d >> 16) & 0xFF), UInt8((d >> 8) & 0xFF), UInt8(d & 0xFF)]
    }
    return out + data
  }

  /// Writes the four files (uncompressed) into `directory` and returns it.
  @discardableResult
  public static func write(
    to directory: String, train: Int = 60, test: Int = 20, rows: Int = 4, columns: Int = 5, seed: UInt64 = 1
  ) -> String {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var g = Xoshiro256StarStar(seed: seed)
    func images(_ n: Int) -> (pixels: [UInt8], labels: [UInt8]) {
      var pixels: [UInt8] = [], labels: [UInt8] = []
      for _ in 0..<n {
        let label = Int(g.next() % 3)
        labels.append(UInt8(label))
        for r in 0..<rows {
          for _ in 0..<columns {
            let base = r % 3 == label ? 220.0 : 30.0
            let v = max(0, min(255, base + 40 * (Sampling.uniform(using: &g) - 0.5)))
            pixels.append(UInt8(v))
          }
        }
      }
      return (pixels, labels)
    }
    let tr = images(train), te = images(test)
    let files: [(String, [UInt8])] = [
      ("train-images-idx3-ubyte", idx(dimensions: [train, rows, columns], data: tr.pixels)),
      ("train-labels-idx1-ubyte", idx(dimensions: [train], data: tr.labels)),
      ("t10k-images-idx3-ubyte", idx(dimensions: [test, rows, columns], data: te.pixels)),
      ("t10k-labels-idx1-ubyte", idx(dimensions: [test], data: te.labels)),
    ]
    for (name, bytes) in files {
      _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(bytes))
    }
    return directory
  }

  /// A fresh temporary directory path.
  public static func temporaryDirectory(_ tag: String) -> String {
    NSTemporaryDirectory() + "jvi-\(tag)-" + UUID().uuidString
  }
}
