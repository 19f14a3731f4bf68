#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the learning rate changes over the epochs of a training run.
/// - `constant`: the configured rate throughout.
/// - `burda`: Burda, Grosse & Salakhutdinov's (2016) schedule: stage i = 0…7 lasts 3^i epochs at
///   rate lr·10^(−i/7), 3,280 epochs in all (1 + 3 + 9 + … + 2187); the rate falls by 10 over the
///   run.
public enum LearningRateSchedule: String, Sendable, Equatable, CaseIterable {
  case constant
  case burda

  /// The stages of Burda et al.'s schedule.
  public static let burdaStages = 8

  /// Epochs in the whole schedule (nil: as many as asked for).
  public var epochs: Int? {
    switch self {
    case .constant: nil
    case .burda: (Int(pow(3.0, Double(Self.burdaStages))) - 1) / 2
    }
  }

  /// The rate of 1-based epoch `epoch` for base rate `base` (the last stage's beyond the end).
  public func learningRate(base: Double, epoch: Int) -> Double {
    switch self {
    case .constant:
      return base
    case .burda:
      var stage = 0, end = 1, length = 1
      while epoch > end && stage < Self.burdaStages - 1 {
        stage += 1
        length *= 3
        end += length
      }
      return base * pow(10, -Double(stage) / 7)
    }
  }
}
