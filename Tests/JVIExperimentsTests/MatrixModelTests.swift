import Foundation
import JVICore
import Testing

@testable import JVIExperiments

/// `model = matrix`: a user's N × C log-weights in a sweep. Replicate set s is the column block
/// [s·K_max, (s+1)·K_max), a sampled reference the last K_ref columns, a file reference the user's
/// values; a file too narrow is refused with its shape.
struct MatrixModelTests {
  /// A CSV of N × C log-weights, entry (i, c) = i + c/1000 (so every value names its place).
  static func writeMatrix(rows n: Int, columns c: Int) throws -> String {
    let dir = temporaryDirectory()
    let path = dir + "/logw.csv"
    let text = (0..<n).map { i in (0..<c).map { "\(Double(i) + Double($0) / 1000)" }.joined(separator: ",") }
    try (text.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func spec(_ path: String, _ extra: String = "") throws -> ExperimentSpecification {
    let text =
      "model = matrix\nlogw = \(path)\nk = 1 2 4\nestimators = iwae jvi-1\nreplicate-sets = 3\nseed = 1\n" + extra
    return try ExperimentSpecification(file: ExperimentFile(path: "m.experiment", text: text))
  }

  @Test func replicateSetsAreColumnBlocksAndTheReferenceTheLastColumns() throws {
    let path = try Self.writeMatrix(rows: 5, columns: 20)
    let e = try Self.spec(path)
    #expect(e.instances == 5 && e.reference == .jackknife && e.referenceSamples == 20 - 3 * 4)
    let plan = SweepPlan(e)
    let source = try e.model.makeSource(instances: e.instances)
    let draws = try ReplicateDraws(source: source, plan: plan, keepLikelihood: false, threads: 2)
    for (s, m) in draws.sets.enumerated() {
      #expect(m.columnCount == 4)
      for i in 0..<5 {
        for c in 0..<4 { #expect(m[i, c] == Double(i) + Double(s * 4 + c) / 1000) }
      }
    }
    let reference = try ReferenceEvidence.sampled(
      source, kind: .jackknife, samples: e.referenceSamples, seed: plan.referenceSeed, threads: 2)
    let last = try source.referenceLogWeights(samples: 8, rows: 0..<5, seed: 0, threads: 1)
    #expect(last[2, 0] == 2 + 12.0 / 1000 && last[2, 7] == 2 + 19.0 / 1000)
    #expect(reference.values.count == 5 && reference.values.allSatisfy(\.isFinite))
  }

  @Test func instancesAreTheFirstRows() throws {
    let path = try Self.writeMatrix(rows: 6, columns: 14)
    let e = try Self.spec(path, "instances = 2\nreference-samples = 2\n")
    #expect(e.instances == 2 && e.referenceSamples == 2)
    let m = try e.model.makeSource(instances: 2).replicateLogWeights(
      set: 1, samples: 4, rows: 1..<2, seed: 0, threads: 1)
    #expect(m.rowCount == 1 && m.instanceOffset == 1 && m[0, 0] == 1.004)
  }

  @Test func aNarrowFileIsRefusedWithItsShape() throws {
    let path = try Self.writeMatrix(rows: 5, columns: 13)
    for (extra, fragment) in [
      ("", "is 5 x 13; 3 replicate sets x K_max 4 + 2 reference samples need 14 columns"),
      ("reference-samples = 5\n", "need 17 columns"),
      ("instances = 6\n", "instances"),
      ("reference = exact\n", "no exact log p(x)"),
      ("reference = ais\n", "no latent variable"),
      ("reference = file\n", "needs reference-file"),
      ("reference-file = x.csv\n", "applies to reference = file"),
    ] {
      #expect(throws: ExperimentFileError.self, "\(extra)") { try Self.spec(path, extra) }
      do {
        _ = try Self.spec(path, extra)
      } catch {
        #expect("\(error)".contains(fragment), "\(extra): \(error)")
      }
    }
    // Twelve columns suffice for the sets when the reference comes from a file.
    #expect(try Self.spec(path, "reference = file\nreference-file = r.csv\n").reference == .file)
  }

  @Test func fileReferencesFromCSVAndNPY() throws {
    let dir = temporaryDirectory()
    let csv = dir + "/r.csv"
    try "instance,reference,reference_se\n0,-1.5,0.1\n1,-2.5,0\n2,-3,0.2\n".write(
      toFile: csv, atomically: true, encoding: .utf8)
    let r = try ReferenceEvidence.file(csv, instances: 3, rows: 1..<3)
    #expect(r.values == [-2.5, -3] && r.variances == [0, 0.2 * 0.2] && r.kind == .file)
    let npy = dir + "/r.npy"
    let writer = try NPYMatrixWriter(path: npy, rowCount: 3, columnCount: 2)
    try [-1.5, 0.1, -2.5, 0, -3, 0.2].withUnsafeBufferPointer { try writer.append($0) }
    try writer.commit()
    let n = try ReferenceEvidence.file(npy, instances: 3, rows: 0..<3)
    #expect(n.values == [-1.5, -2.5, -3] && n.variances[0] == 0.1 * 0.1)
    #expect(throws: SweepError.self) { try ReferenceEvidence.file(csv, instances: 4, rows: 0..<4) }
    let bad = dir + "/bad.csv"
    try "instance,reference,reference_se\n0,-1.5,-1\n".write(toFile: bad, atomically: true, encoding: .utf8)
    #expect(throws: SweepError.self) { try ReferenceEvidence.file(bad, instances: 1, rows: 0..<1) }
  }
}
