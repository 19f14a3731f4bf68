/// A sweep that cannot run or continue (exit 1): an inconsistent resume, a failing cell, too few images.
public struct SweepError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
