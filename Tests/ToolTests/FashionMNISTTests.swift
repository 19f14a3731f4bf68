import Foundation
import JVICore
import Testing

/// The real data set (Debian's dataset-fashion-mnist, which .ci/run installs): a few hundred
/// images through training and evaluation.
@Suite(.serialized, .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist")))
struct FashionMNISTTests {
  @Test func trainsOnAFewHundredImagesAndEvaluates() throws {
    let dir = ToolRun.temporaryDirectory()
    let ckpt = dir + "/fm.ckpt"
    let r = try ToolRun.run(
      "jvi-train", ["--objective", "iwae", "--k", "5", "--limit", "300", "--epochs", "2", "--output", ckpt])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardError.contains("784-200-200-50 tanh") && r.standardError.contains("300 training examples"))
    #expect(r.standardError.contains("epoch 2/2: iwae"))
    let e = try ToolRun.run("jvi-eval", ["--model", ckpt, "--samples", "200", "--limit", "20", "--estimator", "all"])
    #expect(e.exitCode == 0, "\(e.standardError)")
    let rows = e.standardOutput.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
    #expect(rows.count == 5)
    // Everything is a finite log-likelihood of a 784-pixel image: well below 0, above −800.
    for row in rows {
      let mean = Double(String(row[4])) ?? .nan
      #expect(mean < -50 && mean > -800, "\(row)")
    }
    // IWAE ≥ ELBO on average (Jensen), here by a clear margin for a barely trained model.
    let elbo = Double(String(rows[0][4]))!, iwae = Double(String(rows[2][4]))!
    #expect(iwae > elbo)
  }
}
