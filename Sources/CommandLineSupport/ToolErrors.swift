/// A usage error: a malformed command line (unknown or repeated options, a value out of its
/// declared range, options that do not go together). Tools print it with the usage line and
/// exit 64.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// A failure a tool reports with exit code 1: a bad or missing input file, an undefined
/// result, a failed run.
public struct ToolFailure: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
