#if canImport(Glibc)
  import Glibc
#endif

/// Saves the input under test when the process dies of a signal (a trap from a failed
/// precondition, a segmentation fault, an abort) or runs past its time limit: the input is copied
/// into a preallocated buffer before each run, and the handler writes it out with write(2), which
/// is async-signal-safe, then exits with status 3.
enum CrashGuard {
  nonisolated(unsafe) static var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 24)
  nonisolated(unsafe) static var length = 0
  nonisolated(unsafe) static var path = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)

  static func install(crashFile: String) {
    let bytes = Array(crashFile.utf8CString.prefix(4095))
    for (i, c) in bytes.enumerated() { path[i] = c }
    path[min(bytes.count, 4095)] = 0
    for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGALRM] {
      signal(s) { signalNumber in
        let fd = open(CrashGuard.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
          _ = write(fd, CrashGuard.buffer, CrashGuard.length)
          close(fd)
        }
        let message = signalNumber == SIGALRM ? "jvi-fuzz: HANG (time limit)\n" : "jvi-fuzz: CRASH (signal)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        _exit(3)
      }
    }
  }

  /// Records the input about to run and arms a `seconds` time limit.
  static func arm(_ input: [UInt8], seconds: UInt32) {
    length = min(input.count, 1 << 24)
    if length > 0 { input.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: length) } }
    alarm(seconds)
  }

  static func disarm() { alarm(0) }
}
