import JVICore

extension ReferenceEvidence {
  /// `reference = file`: a reference log p(x) per instance that the user supplies (an AIS run of
  /// their own, an exact value), for the first `instances` instances, of which `rows` (a shard's
  /// block) are kept:
  ///
  /// - a CSV with the header `instance,reference,reference_se` and one line per instance, the
  ///   instances 0, 1, 2, … in order (more lines than instances are allowed; the first are used);
  /// - a `.npy` of N values (standard error 0) or N × 2 (value, standard error).
  ///
  /// Values must be finite and standard errors finite and ≥ 0; a problem names the file and its
  /// line or row.
  public static func file(_ path: String, instances: Int, rows: Range<Int>) throws -> ReferenceEvidence {
    var values: [Double] = [], errors: [Double] = []
    if path.lowercased().hasSuffix(".npy") {
      let array = try NPYArray(bytes: FileIO.read(path), source: path)
      let width = array.shape.count == 2 ? array.shape[1] : 1
      guard array.shape.count == 1 || (array.shape.count == 2 && (width == 1 || width == 2)) else {
        throw SweepError("\(path): expected N values or N x 2 (value, standard error), got shape \(array.shape)")
      }
      for r in 0..<(array.values.count / width) {
        values.append(array.values[r * width])
        errors.append(width == 2 ? array.values[r * width + 1] : 0)
      }
    } else {
      let header = "instance,reference,reference_se"
      let lines = try CSVFile.dataLines(try FileIO.readText(path), header: header, path: path)
      for (i, (line, content)) in lines.enumerated() {
        let f = content.split(separator: ",", omittingEmptySubsequences: false)
        guard f.count == 3, Int(f[0]) == i, let v = Double(f[1]), let se = Double(f[2]) else {
          throw SweepError("\(path):\(line): expected '\(i),reference,reference_se'")
        }
        values.append(v)
        errors.append(se)
      }
    }
    guard values.count >= instances else {
      throw SweepError("\(path) has references for \(values.count) instances; the experiment has \(instances)")
    }
    for i in 0..<instances where !values[i].isFinite || !errors[i].isFinite || errors[i] < 0 {
      throw SweepError(
        "\(path): instance \(i) (0-based) has reference \(values[i]) with standard error \(errors[i]); "
          + "a finite value and a finite standard error >= 0 are needed")
    }
    return ReferenceEvidence(
      kind: .file, samples: nil, values: Array(values[rows]), variances: errors[rows].map { $0 * $0 })
  }
}
