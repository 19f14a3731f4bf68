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
  /// The temperatures the pilot chains run: min(this, `temperatures`) on the same schedule. With
  /// fewer than the main chains, each main step size is interpolated from the pilots' (linearly
  /// in log ε against β), so pilots cost pilotChains·pilotTemperatures of the main
  /// chains' chains·temperatures.
  public var pilotTemperatures: Int

  /// The accepted values of each setting: the one place the experiment-file reader, `jvi-ais`
  /// and `init` take them from, so each reader can name its own key or option in an error.
  public static let temperatureRange = 1...10_000_000
  public static let leapfrogRange = 1...1000
  public static let pilotChainRange = 0...1024
  public static let pilotTemperatureRange = 2...10_000_000
  public static let stepSizeExpectation = "a number in (0, 10]"
  public static let targetAcceptanceExpectation = "a number in (0, 1)"
  public static func isValidStepSize(_ s: Double) -> Bool { s > 0 && s <= 10 }
  public static func isValidTargetAcceptance(_ a: Double) -> Bool { a > 0 && a < 1 }

  public init(
    temperatures: Int = 1000, schedule: AnnealingSchedule = .sigmoidal, start: AnnealingStart = .prior,
    leapfrogSteps: Int = 10, initialStepSize: Double = 0.05, targetAcceptance: Double = 0.65, pilotChains: Int = 2,
    pilotTemperatures: Int = 100
  ) throws(EstimatorError) {
    func range(_ r: ClosedRange<Int>) -> String { "between \(r.lowerBound) and \(r.upperBound)" }
    guard Self.temperatureRange.contains(temperatures) else {
      throw .invalidConfiguration("ais: temperatures must be \(range(Self.temperatureRange)), got \(temperatures)")
    }
    guard Self.leapfrogRange.contains(leapfrogSteps) else {
      throw .invalidConfiguration("ais: leapfrog steps must be \(range(Self.leapfrogRange)), got \(leapfrogSteps)")
    }
    guard Self.isValidStepSize(initialStepSize) else {
      throw .invalidConfiguration("ais: the step size must be \(Self.stepSizeExpectation), got \(initialStepSize)")
    }
    guard Self.isValidTargetAcceptance(targetAcceptance) else {
      throw .invalidConfiguration(
        "ais: the target acceptance must be \(Self.targetAcceptanceExpectation), got \(targetAcceptance)")
    }
    guard Self.pilotChainRange.contains(pilotChains) else {
      throw .invalidConfiguration("ais: pilot chains must be \(range(Self.pilotChainRange)), got \(pilotChains)")
    }
    guard Self.pilotTemperatureRange.contains(pilotTemperatures) else {
      throw .invalidConfiguration(
        "ais: pilot temperatures must be \(range(Self.pilotTemperatureRange)), got \(pilotTemperatures)")
    }
    self.temperatures = temperatures
    self.schedule = schedule
    self.start = start
    self.leapfrogSteps = leapfrogSteps
    self.initialStepSize = initialStepSize
    self.targetAcceptance = targetAcceptance
    self.pilotChains = pilotChains
    self.pilotTemperatures = pilotTemperatures
  }

  /// The default run: 1000 sigmoidal temperatures from the prior, 10 leapfrog steps.
  public static let standard = try! AISSettings()

  public var description: String {
    "ais T=\(temperatures) \(schedule.rawValue) from \(start.rawValue), \(leapfrogSteps) leapfrog steps, "
      + "acceptance target \(targetAcceptance), \(pilotChains) pilot chains"
      + (pilotChains > 0 && pilotTemperatures < temperatures ? " of \(pilotTemperatures) temperatures" : "")
  }
}
