import Dispatch
import JVICore

/// Matrix multiply for the networks, in Float (training) or Double (AIS, log-weights):
///
///     C = α·op(A)·op(B) + β·C,   op(X) = X or Xᵀ,   C is M × N, op(A) is M × K, op(B) is K × N,
///
/// all row-major with leading dimensions (row strides) lda, ldb, ldc. A·B, Aᵀ·B and A·Bᵀ run
/// through one kernel: transposes happen while packing.
///
/// Blocking (BLIS-style; the C kernels in `Sources/CJVIKernels/kernels_gemm.h`): K in equal blocks
/// of at most `kc` (784 = 4 × 196, not 3 × 256 + 16); within a K block, B packed into panels of
/// `panelWidth` columns (16 Float and 8 Double with AVX2 and AVX-512, 8 and 4 on the baseline), rows in blocks
/// of `mc` (the rows of A a block reads stay in L2 while every column panel passes over them; A is
/// read in place, or packed into 6-row panels when transposed, so that a tile streams each k's
/// six values instead of a cache line per k), and a 6 × panelWidth register tile of twelve
/// vector accumulators with FMA.
///
/// Threads: one parallel region per call (`SpinningWorkers`). C is split at tile boundaries into fixed contiguous
/// ranges of rows (or of column panels when C has more column panels than row tiles); each worker
/// runs every K block on its own range and packs what it reads itself (B's panels for a row range,
/// which costs K·N against its M·K·N/workers multiply-adds), so workers never wait for each other.
///
/// Determinism: every element of C receives exactly the same sequence of operations (k in
/// order within a block, blocks in order, then α and β), whatever the thread count, the row
/// blocking, the tile width or where its row falls in a panel: results are bit-identical for 1 and
/// 2 threads, and between the AVX2 and AVX-512 paths. The baseline path (no FMA on x86-64) rounds
/// each product before adding it: within (K + 2)·ε·Σ|a_k b_k| of the others.
///
/// Cost: 2MNK flops; on one core of the project machine about 0.9–1.0× OpenBLAS's sgemm for the
/// VAE's shapes (results/bench/peers.md).
public enum GEMM {
  public static let kc = 256
  static let mr = 6
  /// Rows per block: 16 row tiles (at K = 256, 96 KiB of Float); the C kernels' GEMM_MC.
  static let mc = 96

  /// K blocks of equal size (the last up to `blocks − 1` smaller): (count, size).
  static func kBlocks(_ k: Int) -> (count: Int, size: Int) {
    let count = (k + kc - 1) / kc
    return (count, (k + count - 1) / count)
  }

  /// C = α·op(A)·op(B) + β·C.
  ///
  /// - Parameter threads: workers; more than one only when the product is large enough to gain.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public static func multiply<T: GEMMScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: T = 1,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, beta: T,
    c: UnsafeMutablePointer<T>, ldc: Int, threads: Int = 1, workspace: GEMMWorkspace<T>
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "GEMM of a \(m) × \(k) by \(k) × \(n) product")
    // Row-major: a stored row holds op(A)'s K columns, or (transposed) its M rows; B's hold N or K.
    precondition(lda >= (transposeA ? m : k), "lda \(lda) is shorter than A's rows of \(transposeA ? m : k)")
    precondition(ldb >= (transposeB ? k : n), "ldb \(ldb) is shorter than B's rows of \(transposeB ? k : n)")
    precondition(ldc >= n, "ldc \(ldc) is shorter than C's rows of \(n)")
    let nr = panelWidth(T.self)
    if m == 0 || n == 0 { return }
    if k == 0 {
      scale(c, ldc: ldc, m: m, n: n, beta: beta)
      return
    }
    let tilesM = (m + mr - 1) / mr, tilesN = (n + nr - 1) / nr
    let kbMax = kBlocks(k).size
    // Split the larger dimension (in tiles) across workers, only when there is enough work.
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    let workers = flops >= 4e6 ? max(1, min(threads, max(tilesM, tilesN) / 2)) : 1
    let splitRows = tilesM >= tilesN
    let packedBSize = tilesN * nr * kbMax, packedASize = transposeA ? mc * kbMax : 1
    workspace.reserve(packedB: workers * packedBSize, packedA: workers * packedASize)
    let operands = Operands(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
      ldb: ldb, beta: beta, c: c, ldc: ldc)
    if workers == 1 {
      run(operands, rows: 0..<m, columnPanels: 0..<tilesN, packedB: workspace.packedB, packedA: workspace.packedA)
      return
    }
    let shared = SharedMutablePointer(workspace.packedB), sharedA = SharedMutablePointer(workspace.packedA)
    let parts = UncheckedBox(operands)
    // Workers follow a path forced on the calling thread (tests), so that panel widths agree.
    let forced = KernelPath.forcedOnThisThread
    SpinningWorkers.shared.run(workers) { w in
      let packedB = shared.pointer + w * packedBSize, packedA = sharedA.pointer + w * packedASize
      let work = {
        if splitRows {
          let t0 = tilesM * w / workers, t1 = tilesM * (w + 1) / workers
          let rows = (t0 * mr)..<min(m, t1 * mr)
          if rows.isEmpty { return }
          run(parts.value, rows: rows, columnPanels: 0..<tilesN, packedB: packedB, packedA: packedA)
        } else {
          let panels = (tilesN * w / workers)..<(tilesN * (w + 1) / workers)
          if panels.isEmpty { return }
          run(parts.value, rows: 0..<m, columnPanels: panels, packedB: packedB, packedA: packedA)
        }
      }
      if let path = forced, KernelPath.forcedOnThisThread != path {
        _ = KernelPath.with(path, work)
      } else {
        work()
      }
    }
  }

  /// One product's operands.
  struct Operands<T: GEMMScalar> {
    var transposeA: Bool, transposeB: Bool
    var m: Int, n: Int, k: Int
    var alpha: T
    var a: UnsafePointer<T>, lda: Int
    var b: UnsafePointer<T>, ldb: Int
    var beta: T
    var c: UnsafeMutablePointer<T>, ldc: Int
  }

  static func scale<T: GEMMScalar>(_ c: UnsafeMutablePointer<T>, ldc: Int, m: Int, n: Int, beta: T) {
    for i in 0..<m {
      for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
    }
  }

}

/// Packing buffers for `GEMM`, reused across calls (no allocation in a training loop).
public final class GEMMWorkspace<T: GEMMScalar>: @unchecked Sendable {
  private(set) var packedB: UnsafeMutablePointer<T>
  private(set) var packedA: UnsafeMutablePointer<T>
  private var capacityB = 0, capacityA = 0

  public init() {
    packedB = .allocate(capacity: 1)
    packedA = .allocate(capacity: 1)
  }

  deinit {
    packedB.deallocate()
    packedA.deallocate()
  }

  func reserve(packedB b: Int, packedA a: Int) {
    if b > capacityB {
      packedB.deallocate()
      packedB = .allocate(capacity: b)
      capacityB = b
    }
    if a > capacityA {
      packedA.deallocate()
      packedA = .allocate(capacity: a)
      capacityA = a
    }
  }
}
