import CJVIKernels

/// The instruction set jvi's hot kernels run on, chosen once per process (`Sources/CJVIKernels`).
///
/// - `avx2`: AVX2 + FMA, on every x86-64 CPU that has them (x86-64-v3: Intel since Haswell, AMD
///   since Excavator/Zen). Its bits are the same on every such CPU.
/// - `baseline`: the build target's own vectors (x86-64: SSE2, whose multiply-adds round twice;
///   arm64: NEON). The only path off x86-64.
///
/// The environment variable `JVI_CPU` (`auto`, `baseline`, `avx2`) forces a path, for tests and
/// for users who need the same bits on every machine; an unknown value, or a path the CPU lacks,
/// is refused by the tools (`requestProblem`) and otherwise leaves the automatic choice.
public enum KernelPath: String, Sendable, CaseIterable {
  case baseline
  case avx2

  /// The running path (selected at the first call of any kernel; on a thread inside `with`, the
  /// path forced there).
  public static var current: KernelPath { Int(jvi_kernels_path()) == Int(JVI_PATH_AVX2) ? .avx2 : .baseline }

  /// Why `JVI_CPU` was not followed; nil when it was, or is unset.
  public static var requestProblem: String? { jvi_kernels_error().map { String(cString: $0) } }

  /// Whether this CPU and its operating system can run `path`.
  public static func isSupported(_ path: KernelPath) -> Bool { jvi_kernels_supports(path.code) != 0 }

  /// Runs `body` with this thread's kernels on `path`, then returns the thread to the process's
  /// path (for tests that compare the paths within one process; kernels that `body` hands to
  /// other threads run on the process's path). Nil when the CPU lacks `path`.
  package static func with<R>(_ path: KernelPath, _ body: () throws -> R) rethrows -> R? {
    guard jvi_kernels_use_on_this_thread(path.code) != 0 else { return nil }
    defer { _ = jvi_kernels_use_on_this_thread(-1) }
    return try body()
  }

  /// The path `with` forced on this thread, if any (so that work handed to other threads can
  /// follow it).
  package static var forcedOnThisThread: KernelPath? {
    let p = jvi_kernels_thread_path()
    return p < 0 ? nil : (Int(p) == Int(JVI_PATH_AVX2) ? .avx2 : .baseline)
  }

  var code: Int32 { self == .avx2 ? Int32(JVI_PATH_AVX2) : Int32(JVI_PATH_BASELINE) }
}
