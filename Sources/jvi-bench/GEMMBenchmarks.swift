import JVICore
import JVIModels

/// The matrix-multiply suite, Float32, 1 and 2 threads: the products of the default VAE (peer:
/// numpy/OpenBLAS and torch in benchmarks/peers/gemm.py, same shapes and threads).
///
/// Shapes M×K×N of C = op(A)·op(B): the forward products Y = X·W of a batch of 100 images
/// through the encoder and of 500 rows (100 images × 5 samples) through the decoder, 1024 rows
/// through the decoder for log-weights; the weight gradients Xᵀ·dY (AtB, M and N the layer's
/// widths, K the rows); the input gradients dY·Wᵀ (ABt).
enum GEMMBenchmarks {
  static let shapes: [(product: String, m: Int, k: Int, n: Int)] = [
    ("AB", 100, 784, 200), ("AB", 100, 200, 200), ("AB", 500, 50, 200), ("AB", 500, 200, 200),
    ("AB", 500, 200, 784), ("AB", 1024, 200, 784),
    ("AtB", 784, 100, 200), ("AtB", 200, 500, 200), ("AtB", 200, 500, 784),
    ("ABt", 100, 200, 200), ("ABt", 500, 200, 200), ("ABt", 500, 784, 200),
  ]

  static func all() -> [BenchCase] {
    var list: [BenchCase] = []
    for (kind, m, k, n) in shapes {
      let (ta, tb) = (kind == "AtB", kind == "ABt")
      for threads in [1, 2] {
        list.append(
          BenchCase(
            suite: "gemm", name: "gemm-\(kind)-\(m)x\(k)x\(n)",
            parameters: [("product", kind), ("m", String(m)), ("k", String(k)), ("n", String(n))],
            threads: threads, work: 2 * Double(m) * Double(n) * Double(k), unit: "GFLOP/s", unitScale: 1e-9,
            target: ">= 1.0 x OpenBLAS, spread <= 10%",
            prepare: {
              var g = Xoshiro256StarStar(seed: 1)
              let aCount = m * k, bCount = k * n
              let a = UnsafeMutablePointer<Float>.allocate(capacity: aCount)
              let b = UnsafeMutablePointer<Float>.allocate(capacity: bCount)
              let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
              for i in 0..<aCount { a[i] = Float(Sampling.uniform(using: &g)) - 0.5 }
              for i in 0..<bCount { b[i] = Float(Sampling.uniform(using: &g)) - 0.5 }
              c.initialize(repeating: 0, count: m * n)
              let ws = GEMMWorkspace<Float>()
              return {
                GEMM.multiply(
                  transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n,
                  beta: 0, c: c, ldc: n, threads: threads, workspace: ws)
              }
            }))
      }
    }
    return list
  }
}
