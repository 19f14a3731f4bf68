import JVICore
import Testing

@testable import JVIExperiments

/// Experiment-file words for every estimator: parsed, labelled back as written, and refused with
/// a message naming the word.
struct EstimatorChoiceTests {
  @Test func wordsRoundTripThroughTheirLabels() throws {
    for word in [
      "elbo-a", "elbo-b", "iwae", "jvi-3", "delta", "psis", "vr", "vr-max", "ciwae", "sumo", "mlmc", "tvo", "tvo-upper",
      "vr:alpha=-1", "vr:alpha=0.25", "ciwae:beta=0.05", "sumo:m=4", "mlmc:form=ss", "mlmc:r=0.65",
      "mlmc:form=ss,r=0.7",
      "tvo:partitions=10", "tvo-upper:partitions=2",
    ] {
      let choice = try EstimatorChoice(word)
      #expect(choice.description == word, "\(word) is labelled \(choice.description)")
      #expect(try EstimatorChoice(choice.description) == choice)
    }
    // Default parameters are the plain word.
    #expect(try EstimatorChoice("vr:alpha=0.5").description == "vr")
    #expect(try EstimatorChoice("psis").minimumSampleCount == 21)
    #expect(try EstimatorChoice("sumo:m=4").minimumSampleCount == 5)
    #expect(try EstimatorChoice("mlmc").isRandomised && !(try EstimatorChoice("iwae").isRandomised))
  }

  @Test func badWordsAreRefusedNamingThem() {
    for (word, fragment) in [
      ("vr:alpha=x", "alpha must be a number"), ("ciwae:beta=2", "beta must lie in [0, 1]"),
      ("mlmc:form=xx", "form must be ss or rr"), ("mlmc:r=0.4", "r must lie in (0.5, 1)"),
      ("iwae:alpha=1", "iwae takes no parameters"), ("vr:beta=1", "vr takes alpha, not beta"),
      ("sumo:m=0", "at least 1"), ("tvo:partitions", "key=value"), ("vr:alpha=1,alpha=2", "given twice"),
      ("jvi-11", "unknown estimator"), ("psiss", "unknown estimator"),
    ] {
      do {
        _ = try EstimatorChoice(word)
        Issue.record("\(word) was accepted")
      } catch {
        #expect(error.description.contains(fragment), "\(word): \(error.description)")
      }
    }
  }
}
