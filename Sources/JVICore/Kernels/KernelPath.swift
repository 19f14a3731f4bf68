import CJVIKernels

/// The instruction set jvi's hot kernels run on, chosen once per process (`Sources/CJVIKernels`).
///
/// - `avx512`: the AVX2 kernels built for AVX-512 F/VL/DQ/BW (the same 256-bit vectors and
///   operations, so the AVX2 path's bits; its 32 registers make the exp-heavy kernels about 1.3×
///   faster on AMD Zen 4). The matrix multiply is the AVX2 path's.
/// - `avx2`: AVX2 + FMA, on every x86-64 CPU that has them (x86-64-v3: Intel since Haswell, AMD
///   since Excavator/Zen). Its bits are the same on every such CPU, and are avx512's.
/// - `baseline`: the build target's own vectors (x86-64: SSE2, whose multiply-adds round twice;
///   arm64: NEON). The only path off x86-64.
///
/// The environment variable `JVI_CPU` (`auto`, `baseline`, `avx2`, `avx512`) forces a path, for tests and
/// for users who need the same bits on every machine; an unknown value, or a path the CPU lacks,
/// is refused by the tools (`requestProblem`) and otherwise leaves the automatic choice.
public enum KernelPath: String, Sendable, CaseIterable {
  case baseline
  case avx2
  case avx512

  /// The running path (selected at the first call of any kernel; on a thread inside `with`, the
  /// path forced there).
  public static var current: KernelPath { KernelPath(code: jvi_kernels_path()) }

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
    return p < 0 ? nil : KernelPath(code: p)
  }

  var code: Int32 {
    switch self {
    case .baseline: Int32(JVI_PATH_BASELINE)
    case .avx2: Int32(JVI_PATH_AVX2)
    case .avx512: Int32(JVI_PATH_AVX512)
    }
  }

  init(code: Int32) {
    self = KernelPath.allCases.first { $0.code == code } ?? .baseline
  }
}
