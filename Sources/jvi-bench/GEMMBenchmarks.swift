import JVICore
import JVIModels

/// The matrix-multiply suite: the peers' shapes and the VAE's, 1 and 2 threads.
enum GEMMBenchmarks {
  static func all() -> [BenchCase] {
    // (M, K, N, numpy/OpenBLAS 1-thread GFLOP/s), typed in from an earlier peer measurement.
    let peerShapes: [(Int, Int, Int, Double?)] = [
      (100, 784, 300, 87), (100, 300, 300, 88), (5000, 40, 300, 78), (5000, 300, 784, 91),
      (100, 784, 200, nil), (500, 200, 784, nil), (5000, 200, 784, nil), (5000, 50, 200, nil),
    ]
    var list: [BenchCase] = []
    for (m, k, n, peer) in peerShapes {
      for (ta, tb, kind) in [(false, false, "AB"), (true, false, "AtB"), (false, true, "ABt")] {
        // The transposed products only for the VAE's backward shapes.
        if kind != "AB" && peer != nil { continue }
        for threads in [1, 2] {
          let peerRate: Double? = kind == "AB" ? (threads == 1 ? peer : peer.map { _ in 148 }) : nil
          list.append(
            BenchCase(
              suite: "gemm", name: "gemm-\(kind)-\(m)x\(k)x\(n)",
              parameters: [("product", kind), ("m", String(m)), ("k", String(k)), ("n", String(n))],
              threads: threads, work: 2 * Double(m) * Double(n) * Double(k), unit: "GFLOP/s", unitScale: 1e-9,
              peer: peerRate == nil ? "" : (threads == 1 ? "numpy/OpenBLAS" : "numpy/OpenBLAS (low end)"),
              peerRate: peerRate, target: threads == 1 && peer != nil ? ">= 0.8 x OpenBLAS" : "",
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
    }
    return list
  }
}
