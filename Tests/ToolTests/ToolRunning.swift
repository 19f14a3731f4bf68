import Foundation

/// Runs a built tool of this package (found next to the test binary) and captures its output.
struct ToolRun {
  var exitCode: Int32
  var standardOutput: String
  var standardError: String

  static var productsDirectory: URL {
    // /proc/self/exe is the test runner inside .build/<triple>/<configuration>/.
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("jvi-eval").path) {
      dir = dir.deletingLastPathComponent()
    }
    return dir
  }

  static func run(_ tool: String, _ arguments: [String], in directory: String? = nil) throws -> ToolRun {
    try runProgram(productsDirectory.appendingPathComponent(tool).path, arguments, in: directory)
  }

  /// Runs any program (a tool under a wrapper such as prlimit) and captures its output.
  static func runProgram(_ program: String, _ arguments: [String], in directory: String? = nil) throws -> ToolRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes fully before waiting, so a large output cannot block the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ToolRun(
      exitCode: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
      standardError: String(decoding: errData, as: UTF8.self))
  }

  /// The lines of a CSV file without their last field, `seconds` (the only field that may differ
  /// between runs of the same seed).
  static func linesWithoutSeconds(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
    }
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() -> String {
    let d = NSTemporaryDirectory() + "jvi-tool-tests-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }
}
