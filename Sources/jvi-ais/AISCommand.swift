import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

/// `jvi-ais`: annealed importance sampling and bidirectional Monte Carlo on a trained Gaussian
/// VAE or the linear-Gaussian model.
@main
struct AISCommand: ToolCommand {
  static let spec = AISOptions.spec
  let invocation: AISRun

  init(_ options: ParsedOptions) throws { invocation = try AISRun(options) }

  func run() throws { try invocation.run() }
}
