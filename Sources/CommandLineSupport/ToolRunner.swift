#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Process exit codes: 0 success or help, 1 any failure, 64 a usage error (sysexits EX_USAGE).
public enum ExitCode: Int32, Sendable {
  case success = 0
  case failure = 1
  case usage = 64
}

/// The shape of every tool: parse, then validate, then run.
///
/// `init(_:)` builds the validated configuration from the parsed options: every cross-option
/// rule and every check of a named file (exists, readable, of the right kind) happens there,
/// before any slow work. `run()` does the work. `main()` (from the extension) wires both to
/// `ToolRunner`, so the same problem gives the same exit code in every tool.
public protocol ToolCommand {
  static var spec: CommandSpec { get }
  init(_ options: ParsedOptions) throws
  func run() throws
}

extension ToolCommand {
  public static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      try Self(options).run()
    }
  }
}

/// Runs a tool: parse, then `body`, mapping errors to messages and exit codes.
///
/// - `--help`: prints the help on standard output, exits 0; `--version` (where the spec has one)
///   prints the version, exits 0.
/// - the spec's `preflight` problem: "Error: …" on standard error, exit 1.
/// - `UsageError`: "Error: …", the usage line and "See '<tool> --help'." on standard error, exit 64.
/// - any other error (a `ToolFailure`, a file that cannot be read or parsed): "Error: <description>"
///   on standard error, exit 1.
public enum ToolRunner {
  public static func run(_ spec: CommandSpec, arguments: [String], body: (ParsedOptions) throws -> Void) -> Never {
    do {
      if let version = spec.version, arguments.contains("--version"),
        !arguments.contains("--help") && !arguments.contains("-h")
      {
        Output.standardOutput(version + "\n")
        exit(ExitCode.success)
      }
      guard let options = try ParsedOptions.parse(arguments, spec: spec) else {
        Output.standardOutput(spec.helpText)
        exit(ExitCode.success)
      }
      if let problem = spec.preflight?() {
        Output.standardError("Error: \(problem)\n")
        exit(ExitCode.failure)
      }
      try body(options)
      exit(ExitCode.success)
    } catch let error as UsageError {
      reportUsageError(error, spec: spec)
    } catch {
      reportFailure(error)
    }
  }

  @inline(never)
  static func reportUsageError(_ error: UsageError, spec: CommandSpec) -> Never {
    Output.standardError("Error: \(error.message)\n\(spec.usageLine)\n  See '\(spec.name) --help' for more.\n")
    exit(ExitCode.usage)
  }

  @inline(never)
  static func reportFailure(_ error: any Error) -> Never {
    Output.standardError("Error: \(error)\n")
    exit(ExitCode.failure)
  }

  /// Flushes standard output and exits with `code`.
  public static func exit(_ code: ExitCode) -> Never {
    #if canImport(Glibc)
      Glibc.exit(code.rawValue)
    #else
      Darwin.exit(code.rawValue)
    #endif
  }
}

/// Writing to the standard streams, unbuffered (one `write` loop per call), so nothing is lost
/// at `exit` and output from several threads never interleaves within a call.
public enum Output {
  public static func standardOutput(_ text: String) { write(text, to: 1) }
  public static func standardError(_ text: String) { write(text, to: 2) }

  static func write(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes { raw in
        #if canImport(Glibc)
          Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
        #else
          Darwin.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
        #endif
      }
      if n < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += n
    }
  }
}
