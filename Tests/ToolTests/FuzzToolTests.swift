import Foundation
import Testing

/// The short fuzz run CI does (5,000 mutated inputs for each parser) and the regression corpus:
/// every input that ever crashed or broke a rule, replayed.
@Suite(.serialized)
struct FuzzToolTests {
  @Test func everyParserSurvivesAShortFuzzRun() throws {
    let dir = ToolRun.temporaryDirectory()
    let r = try ToolRun.run("jvi-fuzz", ["--inputs", "5000", "--seed", "7", "--failures", dir + "/failures"])
    #expect(r.exitCode == 0, "\(r.standardOutput)\(r.standardError)")
    for parser in [
      "npy", "csv", "idx", "idx-gz", "checkpoint", "experiment", "command-line", "json", "safetensors", "model-file",
    ] {
      #expect(r.standardOutput.contains("\(parser): 5000 inputs"), "\(parser)")
    }
    #expect(!r.standardOutput.contains("CRASH") && !r.standardError.contains("HANG"))
  }

  @Test func savedFailingInputsStayFixed() throws {
    let corpus = try #require(Bundle.module.url(forResource: "FuzzRegressions", withExtension: nil))
    let r = try ToolRun.run("jvi-fuzz", ["--replay", corpus.path])
    #expect(r.exitCode == 0 && r.standardOutput.contains("replayed"), "\(r.standardError)")
  }
}
