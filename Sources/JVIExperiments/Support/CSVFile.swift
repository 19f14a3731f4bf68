/// Reads a CSV file of rows with a known header: the data lines with their 1-based line numbers.
enum CSVFile {
  static func dataLines(_ text: String, header: String, path: String) throws(SweepError) -> [(Int, String)] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.first == header else {
      throw SweepError("\(path):1: expected the header '\(header)'")
    }
    var out: [(Int, String)] = []
    for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty { out.append((i + 1, line)) }
    return out
  }
}
