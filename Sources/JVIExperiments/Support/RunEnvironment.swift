import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Facts about the build and the machine that manifests record.
public enum RunEnvironment {
  /// jvi's version.
  public static let version = "1.0.0"

  /// The instruction set of the running kernels: "avx512", "avx2" or "baseline" (`KernelPath`).
  public static var kernels: String { KernelPath.current.rawValue }

  /// What every tool's `--version` prints: "jvi-eval 1.0.0 (release build, Swift 6.3.1, kernels avx2)".
  public static func versionText(tool: String) -> String { "\(tool) \(versionDetails)" }

  /// "1.0.0 (release build, Swift 6.3.1, kernels avx2)": the version line without a tool's name
  /// (the C interface's `jvi_version`).
  public static var versionDetails: String {
    "\(version) (\(buildConfiguration) build, Swift \(swiftVersion), kernels \(kernels))"
  }

  /// A tool's preflight check: JVI_CPU names a path this process cannot run.
  @Sendable public static func kernelRequestProblem() -> String? { KernelPath.requestProblem }

  /// "release" or "debug".
  public static var buildConfiguration: String {
    #if DEBUG
      "debug"
    #else
      "release"
    #endif
  }

  /// The compiler that built this binary, to the patch version it can tell.
  public static var swiftVersion: String {
    #if compiler(>=6.4)
      "6.4 or later"
    #elseif compiler(>=6.3.1)
      "6.3.1"
    #elseif compiler(>=6.3)
      "6.3"
    #elseif compiler(>=6.2)
      "6.2"
    #elseif compiler(>=6.1)
      "6.1"
    #else
      "6.0"
    #endif
  }

  /// Now, in UTC, as ISO 8601 ("2026-11-23T14:05:09Z").
  public static func utcTimestamp() -> String {
    format(time(nil), "%Y-%m-%dT%H:%M:%SZ")
  }

  /// A run id from the UTC time: "20261123-140509".
  public static func timestampRunID() -> String {
    format(time(nil), "%Y%m%d-%H%M%S")
  }

  static func format(_ t: time_t, _ pattern: String) -> String {
    var seconds = t
    var parts = tm()
    gmtime_r(&seconds, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let n = strftime(&buffer, buffer.count, pattern, &parts)
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  public static var hostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// `git rev-parse HEAD` in the working directory, and whether tracked files have changes; nil
  /// outside a git checkout or without git.
  public static func gitRevision() -> (revision: String, dirty: Bool)? {
    guard let head = run("git rev-parse HEAD 2>/dev/null"), head.count == 40 else { return nil }
    let status = run("git status --porcelain --untracked-files=no 2>/dev/null") ?? ""
    return (head, !status.isEmpty)
  }

  /// The trimmed standard output of a shell command, nil if it fails.
  static func run(_ command: String) -> String? {
    guard let pipe = popen(command, "r") else { return nil }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = fread(&buffer, 1, buffer.count, pipe)
      if n <= 0 { break }
      bytes += buffer[0..<n]
    }
    guard pclose(pipe) == 0 else { return nil }
    var text = String(decoding: bytes, as: UTF8.self)
    while let last = text.last, last == "\n" || last == " " { text.removeLast() }
    return text
  }

  /// FNV-1a 64 of a text, as 16 hex digits: an experiment file's fingerprint.
  public static func fingerprint(_ text: String) -> String { fingerprint(bytes: text.utf8) }

  /// The 64-bit FNV-1a hash of `bytes`, as 16 hex digits.
  public static func fingerprint(bytes: some Sequence<UInt8>) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01B3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
