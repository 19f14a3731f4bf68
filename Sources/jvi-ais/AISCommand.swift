import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-ais`: annealed importance sampling and bidirectional Monte Carlo on a trained Gaussian
/// VAE or the linear-Gaussian model.
@main
struct AISCommand: ToolCommand {
  static let spec = AISOptions.spec
  /// What the invocation asks for: join the parts of --shard runs, or run AIS.
  enum Mode {
    case merge(String)
    case run(AISRun)
  }
  let mode: Mode

  init(_ options: ParsedOptions) throws {
    if let merge = options[AISOptions.merge] {
      try options.requireAlone(AISOptions.merge, doing: "joins the parts written by --shard")
      mode = .merge(merge)
    } else {
      mode = .run(try AISRun(options))
    }
  }

  func run() throws {
    switch mode {
    case .merge(let path): Output.standardError("jvi-ais: " + (try LogWeightParts.join(path).summary) + "\n")
    case .run(let invocation): try invocation.run()
    }
  }
}
