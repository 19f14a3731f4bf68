import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-ais`: annealed importance sampling and bidirectional Monte Carlo on a trained Gaussian
/// VAE or the linear-Gaussian model.
@main
struct AISCommand: ToolCommand {
  static let spec = AISOptions.spec
  let invocation: AISRun?
  let merge: String?

  init(_ options: ParsedOptions) throws {
    merge = options[AISOptions.merge]
    if merge != nil {
      try options.requireAlone(AISOptions.merge, doing: "joins the parts written by --shard")
      invocation = nil
    } else {
      invocation = try AISRun(options)
    }
  }

  func run() throws {
    if let merge { return Output.standardError("jvi-ais: " + (try LogWeightParts.join(merge).summary) + "\n") }
    try invocation!.run()
  }
}
