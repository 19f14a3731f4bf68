import Dispatch
import JVICore

/// Single-precision matrix multiply for backpropagation:
///
///     C = α·op(A)·op(B) + β·C,   op(X) = X or Xᵀ,   C is M × N, op(A) is M × K, op(B) is K × N,
///
/// all row-major with leading dimensions (row strides) lda, ldb, ldc. A·B, Aᵀ·B and A·Bᵀ run
/// through one kernel: transposes happen while packing.
///
/// Blocking (BLIS-style): K in blocks of `kc`, B packed into panels of 16 columns, A into
/// panels of 6 rows, and a 6 × 16 register tile of twelve `SIMD8<Float>` accumulators with
/// FMA. With threads, C's rows are split at tile boundaries into fixed contiguous ranges.
///
/// Determinism: every element of C receives exactly the same sequence of operations (k in
/// order within a block, blocks in order, then α and β), whatever the thread count or
/// where its row falls in a panel: results are bit-identical for 1 and 2 threads.
///
/// Cost: 2MNK flops; about 80–90 GFLOP/s on one core of the project machine for the VAE's
/// shapes (`make bench`).
public enum GEMM {
  public static let kc = 256
  static let mr = 6, nr = 16

  /// C = α·op(A)·op(B) + β·C.
  ///
  /// - Parameter threads: workers; more than one only when the product is large enough to gain.
  public static func multiply(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1, workspace: GEMMWorkspace
  ) {
    if m == 0 || n == 0 { return }
    if k == 0 {
      scale(c, ldc: ldc, m: m, n: n, beta: beta)
      return
    }
    let tilesM = (m + mr - 1) / mr, tilesN = (n + nr - 1) / nr
    let kbMax = min(k, kc)
    // Split the larger dimension (in tiles) across workers, only when there is enough work.
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    let workers = flops >= 4e6 ? max(1, min(threads, max(tilesM, tilesN) / 2)) : 1
    let splitRows = tilesM >= tilesN
    workspace.reserve(packedB: workers * tilesN * nr * kbMax, packedA: workers * tilesM * mr * kbMax)
    var pc = 0
    while pc < k {
      let kb = min(kc, k - pc)
      let betaBlock = pc == 0 ? beta : 1
      let blockStart = pc
      if workers == 1 {
        packB(transposeB, b, ldb, rowStart: pc, kb: kb, columnPanels: 0..<tilesN, n: n, into: workspace.packedB)
        runTiles(
          rows: 0..<m, columnPanels: 0..<tilesN, transposeA: transposeA, a: a, lda: lda, pc: pc, kb: kb, n: n,
          alpha: alpha, beta: betaBlock, packedB: workspace.packedB, c: c, ldc: ldc, packedA: workspace.packedA)
      } else {
        if splitRows {
          packB(transposeB, b, ldb, rowStart: pc, kb: kb, columnPanels: 0..<tilesN, n: n, into: workspace.packedB)
        }
        let shared = SharedPointers(
          a: a, b: b, c: SharedMutablePointer(c), packedA: SharedMutablePointer(workspace.packedA),
          packedB: SharedMutablePointer(workspace.packedB))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
          let packedA = shared.packedA.pointer + w * tilesM * mr * kbMax
          if splitRows {
            let t0 = tilesM * w / workers, t1 = tilesM * (w + 1) / workers
            let rows = (t0 * mr)..<min(m, t1 * mr)
            if rows.isEmpty { return }
            runTiles(
              rows: rows, columnPanels: 0..<tilesN, transposeA: transposeA, a: shared.a, lda: lda, pc: blockStart,
              kb: kb, n: n, alpha: alpha, beta: betaBlock, packedB: shared.packedB.pointer, c: shared.c.pointer,
              ldc: ldc, packedA: packedA)
          } else {
            // Each worker packs and multiplies its own column panels.
            let panels = (tilesN * w / workers)..<(tilesN * (w + 1) / workers)
            if panels.isEmpty { return }
            let packedB = shared.packedB.pointer + w * tilesN * nr * kbMax
            packB(transposeB, shared.b, ldb, rowStart: blockStart, kb: kb, columnPanels: panels, n: n, into: packedB)
            runTiles(
              rows: 0..<m, columnPanels: panels, transposeA: transposeA, a: shared.a, lda: lda, pc: blockStart,
              kb: kb, n: n, alpha: alpha, beta: betaBlock, packedB: packedB, c: shared.c.pointer, ldc: ldc,
              packedA: packedA)
          }
        }
      }
      pc += kb
    }
  }

  static func scale(_ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, beta: Float) {
    for i in 0..<m {
      for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
    }
  }

  /// The tiles of C in `rows` × `columnPanels` for one K block: pack A's rows, then every
  /// 6 × 16 tile. `packedB` holds the panels of `columnPanels`, the first at offset 0.
  static func runTiles(
    rows: Range<Int>, columnPanels: Range<Int>, transposeA: Bool, a: UnsafePointer<Float>, lda: Int, pc: Int,
    kb: Int, n: Int, alpha: Float, beta: Float, packedB: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
    ldc: Int, packedA: UnsafeMutablePointer<Float>
  ) {
    packA(transposeA, a, lda, rows: rows, colStart: pc, kb: kb, into: packedA)
    let tilesM = (rows.count + mr - 1) / mr
    for (p, jt) in columnPanels.enumerated() {
      let bPanel = UnsafePointer(packedB + p * nr * kb)
      let cols = min(nr, n - jt * nr)
      for it in 0..<tilesM {
        let aPanel = UnsafePointer(packedA + it * mr * kb)
        let r0 = rows.lowerBound + it * mr
        let nrows = min(mr, rows.upperBound - r0)
        microKernel(
          kb: kb, a: aPanel, b: bPanel, c: c + r0 * ldc + jt * nr, ldc: ldc, rows: nrows, cols: cols, alpha: alpha,
          beta: beta)
      }
    }
  }

  /// Packs op(B)[pc..<pc+kb, panels] into panels of 16 columns, the first of `columnPanels` at
  /// offset 0: each panel holds, for each k, the 16 values of its columns (zero beyond n).
  static func packB(
    _ transposed: Bool, _ b: UnsafePointer<Float>, _ ldb: Int, rowStart: Int, kb: Int, columnPanels: Range<Int>,
    n: Int, into out: UnsafeMutablePointer<Float>
  ) {
    for (q, p) in columnPanels.enumerated() {
      let j0 = p * nr, width = min(nr, n - j0)
      let panel = out + q * nr * kb
      if !transposed {
        // op(B)[k][j] = B[k][j]: contiguous 16 floats per k.
        for kk in 0..<kb {
          let src = b + (rowStart + kk) * ldb + j0
          let dst = panel + kk * nr
          if width == nr {
            UnsafeMutableRawPointer(dst).storeBytes(
              of: UnsafeRawPointer(src).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
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
  static func packA(
    _ transposed: Bool, _ a: UnsafePointer<Float>, _ lda: Int, rows: Range<Int>, colStart: Int, kb: Int,
    into out: UnsafeMutablePointer<Float>
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

  /// C[0..<rows, 0..<cols] = α·(Σ_k a_k ⊗ b_k) + β·C on one 6 × 16 tile.
  @inline(__always)
  static func microKernel(
    kb: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, alpha: Float, beta: Float
  ) {
    typealias V = SIMD8<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    var pa = a, pb = b
    for _ in 0..<kb {
      let b0 = UnsafeRawPointer(pb).loadUnaligned(as: V.self)
      let b1 = UnsafeRawPointer(pb + 8).loadUnaligned(as: V.self)
      var x = V(repeating: pa[0])
      c00 = c00.addingProduct(x, b0)
      c01 = c01.addingProduct(x, b1)
      x = V(repeating: pa[1])
      c10 = c10.addingProduct(x, b0)
      c11 = c11.addingProduct(x, b1)
      x = V(repeating: pa[2])
      c20 = c20.addingProduct(x, b0)
      c21 = c21.addingProduct(x, b1)
      x = V(repeating: pa[3])
      c30 = c30.addingProduct(x, b0)
      c31 = c31.addingProduct(x, b1)
      x = V(repeating: pa[4])
      c40 = c40.addingProduct(x, b0)
      c41 = c41.addingProduct(x, b1)
      x = V(repeating: pa[5])
      c50 = c50.addingProduct(x, b0)
      c51 = c51.addingProduct(x, b1)
      pa += mr
      pb += nr
    }
    store(c00, c01, row: 0, c, ldc, rows, cols, alpha, beta)
    store(c10, c11, row: 1, c, ldc, rows, cols, alpha, beta)
    store(c20, c21, row: 2, c, ldc, rows, cols, alpha, beta)
    store(c30, c31, row: 3, c, ldc, rows, cols, alpha, beta)
    store(c40, c41, row: 4, c, ldc, rows, cols, alpha, beta)
    store(c50, c51, row: 5, c, ldc, rows, cols, alpha, beta)
  }

  @inline(__always)
  static func store(
    _ lo: SIMD8<Float>, _ hi: SIMD8<Float>, row: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ rows: Int,
    _ cols: Int, _ alpha: Float, _ beta: Float
  ) {
    if row >= rows { return }
    let p = c + row * ldc
    if cols == 16 {
      var v0 = lo * alpha, v1 = hi * alpha
      if beta != 0 {
        v0 = v0.addingProduct(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self), beta)
        v1 = v1.addingProduct(UnsafeRawPointer(p + 8).loadUnaligned(as: SIMD8<Float>.self), beta)
      }
      UnsafeMutableRawPointer(p).storeBytes(of: v0, as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(p + 8).storeBytes(of: v1, as: SIMD8<Float>.self)
    } else {
      for j in 0..<cols {
        let v = (j < 8 ? lo[j] : hi[j - 8]) * alpha
        p[j] = beta != 0 ? v.addingProduct(p[j], beta) : v
      }
    }
  }
}

/// Packing buffers for `GEMM`, reused across calls (no allocation in a training loop).
public final class GEMMWorkspace: @unchecked Sendable {
  private(set) var packedB: UnsafeMutablePointer<Float>
  private(set) var packedA: UnsafeMutablePointer<Float>
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

/// Pointers handed to worker threads that write disjoint parts of the memory they point to.
struct SharedMutablePointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>
  init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}

struct SharedPointers: @unchecked Sendable {
  let a: UnsafePointer<Float>
  let b: UnsafePointer<Float>
  let c: SharedMutablePointer<Float>
  let packedA: SharedMutablePointer<Float>
  let packedB: SharedMutablePointer<Float>
}
