/// The settings of one annealed importance sampling run (see `AnnealedImportanceSampler`).
public struct AISSettings: Sendable, Equatable, CustomStringConvertible {
  /// T, the number of intermediate distributions (transitions + 1 weight increments).
  public var temperatures: Int
  public var schedule: AnnealingSchedule
  public var start: AnnealingStart
  /// Leapfrog steps per Hamiltonian transition.
  public var leapfrogSteps: Int
  /// The step size the pilot chains start from (and the fixed step size when `pilotChains` is 0).
  public var initialStepSize: Double
  /// The acceptance probability the step size is adapted toward.
  public var targetAcceptance: Double
  /// Chains, per instance, that adapt the step-size schedule before the main chains run.
  public var pilotChains: Int

  public init(
    temperatures: Int = 1000, schedule: AnnealingSchedule = .sigmoidal, start: AnnealingStart = .prior,
    leapfrogSteps: Int = 10, initialStepSize: Double = 0.05, targetAcceptance: Double = 0.65, pilotChains: Int = 2
  ) throws(EstimatorError) {
    guard (1...10_000_000).contains(temperatures) else {
      throw .invalidConfiguration("ais: temperatures must be between 1 and 10000000, got \(temperatures)")
    }
    guard (1...1000).contains(leapfrogSteps) else {
      throw .invalidConfiguration("ais: leapfrog steps must be between 1 and 1000, got \(leapfrogSteps)")
    }
    guard initialStepSize > 0, initialStepSize <= 10 else {
      throw .invalidConfiguration("ais: the step size must be in (0, 10], got \(initialStepSize)")
    }
    guard targetAcceptance > 0, targetAcceptance < 1 else {
      throw .invalidConfiguration("ais: the target acceptance must be in (0, 1), got \(targetAcceptance)")
    }
    guard (0...1024).contains(pilotChains) else {
      throw .invalidConfiguration("ais: pilot chains must be between 0 and 1024, got \(pilotChains)")
    }
    self.temperatures = temperatures
    self.schedule = schedule
    self.start = start
    self.leapfrogSteps = leapfrogSteps
    self.initialStepSize = initialStepSize
    self.targetAcceptance = targetAcceptance
    self.pilotChains = pilotChains
  }

  /// The default run: 1000 sigmoidal temperatures from the prior, 10 leapfrog steps.
  public static let standard = try! AISSettings()

  public var description: String {
    "ais T=\(temperatures) \(schedule.rawValue) from \(start.rawValue), \(leapfrogSteps) leapfrog steps, "
      + "acceptance target \(targetAcceptance), \(pilotChains) pilot chains"
  }
}
