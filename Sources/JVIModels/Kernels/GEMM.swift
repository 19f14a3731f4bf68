import Dispatch
import JVICore

/// Matrix multiply for the networks, in Float (training) or Double (AIS, log-weights):
///
///     C = α·op(A)·op(B) + β·C,   op(X) = X or Xᵀ,   C is M × N, op(A) is M × K, op(B) is K × N,
///
/// all row-major with leading dimensions (row strides) lda, ldb, ldc. A·B, Aᵀ·B and A·Bᵀ run
/// through one kernel: transposes happen while packing.
///
/// Blocking (BLIS-style): K in equal blocks of at most `kc` (784 = 4 × 196, not 3 × 256 + 16);
/// within a K block, B packed into panels of `T.panelWidth` columns (16 Float, 8 Double), rows in
/// blocks of `mc` whose A is packed into panels of 6 rows (a block's panels stay in L2 while every
/// column panel passes over them), and a 6 × panelWidth register tile of twelve SIMD accumulators
/// (`SIMD8<Float>` or `SIMD4<Double>`) with FMA.
///
/// Threads: one parallel region per call (`SpinningWorkers`). C is split at tile boundaries into fixed contiguous
/// ranges of rows (or of column panels when C has more column panels than row tiles); each worker
/// runs every K block on its own range and packs what it reads itself (B's panels for a row range,
/// which costs K·N against its M·K·N/workers multiply-adds), so workers never wait for each other.
///
/// Determinism: every element of C receives exactly the same sequence of operations (k in
/// order within a block, blocks in order, then α and β), whatever the thread count, the row
/// blocking or where its row falls in a panel: results are bit-identical for 1 and 2 threads.
///
/// Cost: 2MNK flops; on one core of the project machine about 0.9–1.0× OpenBLAS's sgemm for the
/// VAE's shapes (results/bench/peers.md).
public enum GEMM {
  public static let kc = 256
  static let mr = 6
  /// Rows per packed A block: 16 row tiles (at K = 256, 96 KiB of Float).
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
    let nr = T.panelWidth
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
    let rowTilesPerBlock = min(tilesM, mc / mr)
    let packedBSize = tilesN * nr * kbMax, packedASize = rowTilesPerBlock * mr * kbMax
    workspace.reserve(packedB: workers * packedBSize, packedA: workers * packedASize)
    let operands = Operands(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
      ldb: ldb, beta: beta, c: c, ldc: ldc)
    if workers == 1 {
      run(operands, rows: 0..<m, columnPanels: 0..<tilesN, packedB: workspace.packedB, packedA: workspace.packedA)
      return
    }
    let shared = SharedPointers(
      a: a, b: b, c: SharedMutablePointer(c), packedA: SharedMutablePointer(workspace.packedA),
      packedB: SharedMutablePointer(workspace.packedB))
    let parts = UncheckedBox(operands)
    SpinningWorkers.shared.run(workers) { w in
      let packedA = shared.packedA.pointer + w * packedASize, packedB = shared.packedB.pointer + w * packedBSize
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

  /// C[rows, columnPanels] over every K block: pack B's panels of the block, then, block of
  /// `mc` rows by block, pack A's rows and run every tile.
  @inline(__always)
  static func run<T: GEMMScalar>(
    _ o: Operands<T>, rows: Range<Int>, columnPanels: Range<Int>, packedB: UnsafeMutablePointer<T>,
    packedA: UnsafeMutablePointer<T>
  ) {
    let (blocks, size) = kBlocks(o.k)
    for block in 0..<blocks {
      let pc = block * size, kb = min(size, o.k - pc)
      packB(o.transposeB, o.b, o.ldb, rowStart: pc, kb: kb, columnPanels: columnPanels, n: o.n, into: packedB)
      var r0 = rows.lowerBound
      while r0 < rows.upperBound {
        let r1 = min(rows.upperBound, r0 + mc)
        runTiles(
          rows: r0..<r1, columnPanels: columnPanels, transposeA: o.transposeA, a: o.a, lda: o.lda, pc: pc, kb: kb,
          n: o.n, alpha: o.alpha, beta: block == 0 ? o.beta : 1, packedB: packedB, c: o.c, ldc: o.ldc,
          packedA: packedA)
        r0 = r1
      }
    }
  }

  static func scale<T: GEMMScalar>(_ c: UnsafeMutablePointer<T>, ldc: Int, m: Int, n: Int, beta: T) {
    for i in 0..<m {
      for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
    }
  }

  /// The tiles of C in `rows` × `columnPanels` for one K block: every 6 × panelWidth tile, A read
  /// in place (op(A)[i][k] at a + i·lda + k, or a + k·lda + i when transposed). `packedB` holds
  /// the panels of `columnPanels`, the first at offset 0.
  static func runTiles<T: GEMMScalar>(
    rows: Range<Int>, columnPanels: Range<Int>, transposeA: Bool, a: UnsafePointer<T>, lda: Int, pc: Int,
    kb: Int, n: Int, alpha: T, beta: T, packedB: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>,
    ldc: Int, packedA: UnsafeMutablePointer<T>
  ) {
    let nr = T.panelWidth
    let (rowStride, columnStride) = transposeA ? (1, lda) : (lda, 1)
    let tilesM = (rows.count + mr - 1) / mr
    for (p, jt) in columnPanels.enumerated() {
      let bPanel = UnsafePointer(packedB + p * nr * kb)
      let cols = min(nr, n - jt * nr)
      for it in 0..<tilesM {
        let r0 = rows.lowerBound + it * mr
        let nrows = min(mr, rows.upperBound - r0)
        T.microKernel(
          kb: kb, a: a + r0 * rowStride + pc * columnStride, rowStride: rowStride, columnStride: columnStride,
          b: bPanel, c: c + r0 * ldc + jt * nr, ldc: ldc, rows: nrows, cols: cols, alpha: alpha, beta: beta)
      }
    }
  }

  /// Packs op(B)[pc..<pc+kb, panels] into panels of 16 columns, the first of `columnPanels` at
  /// offset 0: each panel holds, for each k, the 16 values of its columns (zero beyond n).
  static func packB<T: GEMMScalar>(
    _ transposed: Bool, _ b: UnsafePointer<T>, _ ldb: Int, rowStart: Int, kb: Int, columnPanels: Range<Int>,
    n: Int, into out: UnsafeMutablePointer<T>
  ) {
    let nr = T.panelWidth
    for (q, p) in columnPanels.enumerated() {
      let j0 = p * nr, width = min(nr, n - j0)
      let panel = out + q * nr * kb
      if !transposed {
        // op(B)[k][j] = B[k][j]: a contiguous panel row per k.
        for kk in 0..<kb {
          let src = b + (rowStart + kk) * ldb + j0
          let dst = panel + kk * nr
          if width == nr {
            T.copyPanelRow(from: src, to: dst)
          } else {
            for j in 0..<nr { dst[j] = j < width ? src[j] : 0 }
          }
        }
      } else {
        // op(B)[k][j] = B[j][k]: gather column k of B's rows j0…j0+15.
        for j in 0..<nr {
          let dst = panel + j
          if j < width {
            let src = b + (j0 + j) * ldb + rowStart
            for kk in 0..<kb { dst[kk * nr] = src[kk] }
          } else {
            for kk in 0..<kb { dst[kk * nr] = 0 }
          }
        }
      }
    }
  }

  /// Packs op(A)[rows, pc..<pc+kb] into panels of 6 rows: panel p holds, for each k, the 6
  /// values of rows 6p…6p+5 (zero beyond the range).
  static func packA<T: GEMMScalar>(
    _ transposed: Bool, _ a: UnsafePointer<T>, _ lda: Int, rows: Range<Int>, colStart: Int, kb: Int,
    into out: UnsafeMutablePointer<T>
  ) {
    let panels = (rows.count + mr - 1) / mr
    for p in 0..<panels {
      let i0 = rows.lowerBound + p * mr, height = min(mr, rows.upperBound - i0)
      let panel = out + p * mr * kb
      if !transposed {
        for i in 0..<mr {
          let dst = panel + i
          if i < height {
            let src = a + (i0 + i) * lda + colStart
            for kk in 0..<kb { dst[kk * mr] = src[kk] }
          } else {
            for kk in 0..<kb { dst[kk * mr] = 0 }
          }
        }
      } else {
        // op(A)[i][k] = A[k][i]: 6 consecutive values of row k of A.
        for kk in 0..<kb {
          let src = a + (colStart + kk) * lda + i0
          let dst = panel + kk * mr
          for i in 0..<mr { dst[i] = i < height ? src[i] : 0 }
        }
      }
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
