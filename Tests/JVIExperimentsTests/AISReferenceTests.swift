import Foundation
import JVICore
import Testing

@testable import JVIExperiments

/// `reference = ais` in experiment files: parsing, refusals, and a linear-Gaussian sweep whose AIS
/// reference agrees with the exact log p(x) within its standard error.
@Suite struct AISReferenceTests {
  static let text = """
    model = linear-gaussian
    latent-dimension = 2
    observed-dimension = 5
    instances = 40
    k = 1 2 4 8
    estimators = elbo-a iwae jvi-1
    replicate-sets = 2
    seed = 3
    reference = ais
    ais-chains = 8
    ais-temperatures = 200
    ais-start = proposal
    ais-leapfrog = 5
    """

  @Test func experimentFilesChooseAndConfigureAIS() throws {
    let p = try plan(Self.text)
    let ais = try #require(p.experiment.ais)
    #expect(p.experiment.reference == .ais && p.experiment.referenceSamples == 8)
    #expect(ais.temperatures == 200 && ais.start == .proposal && ais.leapfrogSteps == 5 && ais.schedule == .sigmoidal)
    #expect(ais.pilotChains == 2 && ais.targetAcceptance == 0.65)
    let refusals: [(String, String)] = [
      (Self.text.replacingOccurrences(of: "ais-start = proposal", with: "ais-start = encoder"), "ais-start"),
      (Self.text + "\nreference-samples = 10", "ais-chains"),
      (Self.text.replacingOccurrences(of: "reference = ais", with: "reference = jvi-1"), "applies to reference = ais"),
      (Self.text.replacingOccurrences(of: "ais-temperatures = 200", with: "ais-temperatures = 0"), "ais-temperatures"),
      (
        "model = gamma\ninstances = 3\nk = 1 2\nestimators = iwae\nreplicate-sets = 2\nseed = 1\nreference = ais",
        "no latent variable"
      ),
    ]
    for (text, message) in refusals {
      #expect(throws: ExperimentFileError.self) { try plan(text) }
      do {
        _ = try plan(text)
      } catch {
        #expect("\(error)".contains(message), "\(error)")
      }
    }
  }

  @Test func anAISReferenceAgreesWithTheExactEvidence() throws {
    let d = temporaryDirectory()
    var o = SweepOptions(runID: "ais")
    o.resultsDirectory = d
    o.threads = 2
    o.bootstrapResamples = 100
    let runner = SweepRunner(
      experimentPath: "experiments/ais.experiment", experimentText: Self.text, plan: try plan(Self.text, name: "ais"),
      options: o)
    let outcome = try runner.run()
    let exactPlan = try plan(
      Self.text.replacingOccurrences(of: "reference = ais", with: "reference = exact")
        .split(separator: "\n").filter { !$0.hasPrefix("ais-") }.joined(separator: "\n"))
    let source = try exactPlan.experiment.model.makeSource(instances: 40)
    let exact = try #require(source.exactLogEvidence(rows: 0..<40))
    let lines = try String(contentsOfFile: outcome.referencePath, encoding: .utf8).split(separator: "\n").dropFirst()
    var error = 0.0, variance = 0.0
    for (i, line) in lines.enumerated() {
      let f = line.split(separator: ",")
      error += Double(f[1])! - exact[i]
      variance += Double(f[3])!
    }
    let se = variance.squareRoot() / 40
    #expect(abs(error / 40) <= 3 * se + 1e-3, "mean AIS − exact \(error / 40), SE \(se)")
    let manifest = try String(contentsOfFile: outcome.manifestPath, encoding: .utf8)
    #expect(manifest.contains("\"kind\": \"ais\"") && manifest.contains("\"ais_temperatures\": 200"))
    #expect(manifest.contains("\"ais_start\": \"proposal\""))
  }
}
