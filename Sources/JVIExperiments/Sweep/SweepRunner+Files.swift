import JVICore

/// Reading and writing a run's files. Every write replaces the whole file atomically.
extension SweepRunner {
  static func write(rows: [SweepRow], to path: String) throws(InputFileError) {
    try FileIO.writeAtomically(([SweepRow.header] + rows.map(\.csvLine)).joined(separator: "\n") + "\n", to: path)
  }

  static func write(intervals: [IntervalRow], to path: String) throws(InputFileError) {
    try FileIO.writeAtomically(
      ([IntervalRow.header] + intervals.map(\.csvLine)).joined(separator: "\n") + "\n", to: path)
  }

  public static func readRows(_ path: String) throws -> [SweepRow] {
    let text = try FileIO.readText(path)
    return try CSVFile.dataLines(text, header: SweepRow.header, path: path).map { (line, content) throws in
      try SweepRow(csvLine: content, path: path, line: line)
    }
  }

  public static func readIntervals(_ path: String) throws -> [IntervalRow] {
    let text = try FileIO.readText(path)
    return try CSVFile.dataLines(text, header: IntervalRow.header, path: path).map { (line, content) throws in
      try IntervalRow(csvLine: content, path: path, line: line)
    }
  }

  static func readReference(
    _ path: String, count: Int, kind: ExperimentSpecification.ReferenceKind, samples: Int?, firstInstance: Int = 0
  ) throws -> ReferenceEvidence {
    let text = try FileIO.readText(path)
    let lines = try CSVFile.dataLines(text, header: ReferenceEvidence.csvHeader, path: path)
    guard lines.count == count else {
      throw SweepError("\(path): expected \(count) instances, found \(lines.count); delete it to recompute")
    }
    var values: [Double] = [], variances: [Double] = []
    for (i, (line, content)) in lines.enumerated() {
      let f = content.split(separator: ",")
      guard f.count == 4, Int(f[0]) == firstInstance + i, let v = Double(f[1]), v.isFinite,
        let variance = Double(f[3]), variance >= 0, variance.isFinite
      else {
        throw SweepError("\(path):\(line): expected '\(firstInstance + i),reference,reference_se,reference_variance'")
      }
      values.append(v)
      variances.append(variance)
    }
    return ReferenceEvidence(kind: kind, samples: samples, values: values, variances: variances)
  }
}
