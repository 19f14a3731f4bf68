import JVICore
import Testing

@testable import JVIExperiments

/// The registry: every entry's word round-trips, its grammar and colours are those the tools
/// printed before the registry, and capabilities are the estimators' own answers.
struct EstimatorRegistryTests {
  @Test func everyEntryParsesFromItsWordAndLabelsBack() throws {
    let names = EstimatorRegistry.entries.map(\.name)
    #expect(Set(names).count == names.count)
    for entry in EstimatorRegistry.entries {
      let word = entry.numbers.map { "\(entry.name)-\($0.lowerBound + 1)" } ?? entry.name
      let choice = try EstimatorChoice(word)
      #expect(choice.entry == entry && choice.description == word)
      let estimator = try choice.build(k: nil, seed: 0)
      #expect(estimator.name == entry.name)
      for p in entry.parameters { _ = p.defaultValue }
    }
  }

  @Test func theWordGrammarOfMessages() {
    #expect(
      EstimatorRegistry.grammar
        == "elbo-a, elbo-b, iwae, jvi-M (M = 0...10), delta, psis, vr[:alpha=A], vr-max, ciwae[:beta=B], "
        + "sumo[:m=M], mlmc[:form=ss|rr,r=R], tvo[:partitions=P] or tvo-upper[:partitions=P]")
  }

  @Test func figureColoursAreTheOnesFiguresHad() {
    let expected: [String: String] = [
      "elbo-a": "#1f77b4", "elbo-b": "#d62728", "iwae": "#2ca02c", "jvi-1": "#ff7f0e", "jvi-2": "#9467bd",
      "jvi-3": "#8c564b", "delta": "#e377c2", "jvi-4": "#7f7f7f", "jvi-5": "#bcbd22", "psis": "#17becf",
      "vr-max": "#393b79", "tvo-upper": "#637939", "vr": "#b5cf6b", "vr:alpha=-1": "#b5cf6b", "ciwae": "#e7969c",
      "ciwae:beta=0.1": "#e7969c", "sumo": "#000000", "sumo:m=3": "#000000", "mlmc": "#de9ed6",
      "mlmc:form=ss": "#de9ed6", "tvo": "#8ca252", "tvo:partitions=3": "#8ca252", "tvo-upper:partitions=2": "#637939",
      "jvi-0": "#17becf", "jvi-7": "#17becf", "unknown": "#17becf",
    ]
    for (word, colour) in expected { #expect(SweepFigure.color(word) == colour, "\(word)") }
  }

  @Test func capabilitiesComeFromTheEstimators() throws {
    func estimator(_ word: String) throws -> any BoundEstimator { try EstimatorChoice(word).build(k: nil, seed: 0) }
    for word in ["iwae", "jvi-2", "vr:alpha=0.3"] {
      #expect(try estimator(word).blockGradient(blockWidth: 8, precision: .automatic) != nil, "\(word)")
    }
    for word in ["elbo-a", "delta", "psis", "vr-max", "ciwae", "sumo", "mlmc", "tvo", "tvo-upper"] {
      #expect(try estimator(word).blockGradient(blockWidth: 8, precision: .automatic) == nil, "\(word)")
    }
    let m = try LogWeightMatrix(rows: [[0, 1, 2, 3]])
    for word in ["sumo", "mlmc"] {
      #expect(try EstimatorChoice(word).isRandomised && estimator(word).truncationCounts(m, rows: nil) != nil)
    }
    #expect(try !EstimatorChoice("iwae").isRandomised && estimator("iwae").truncationCounts(m, rows: nil) == nil)
    #expect(try EstimatorChoice("psis").minimumSampleCount == 21 && estimator("psis").minimumSampleCount == 1)
    #expect(try EstimatorChoice("elbo-b").needsAnalyticKLInputs && !EstimatorChoice("elbo-a").needsAnalyticKLInputs)
  }

  @Test func namedChoicesTakeEveryParameterAndRefuseOthers() throws {
    #expect(try EstimatorChoice(name: "jvi", parameters: ["order": "3"]) == EstimatorChoice("jvi-3"))
    #expect(
      try EstimatorChoice(name: "mlmc", parameters: ["form": "ss", "r": "0.7"]) == EstimatorChoice("mlmc:form=ss,r=0.7")
    )
    #expect(throws: EstimatorChoiceError.self) { try EstimatorChoice(name: "iwae", parameters: ["alpha": "1"]) }
    #expect(throws: EstimatorChoiceError.self) { try EstimatorChoice(name: "nope", parameters: [:]) }
    #expect(throws: EstimatorChoiceError.self) { try EstimatorChoice("jvi-2:order=3") }
  }
}
