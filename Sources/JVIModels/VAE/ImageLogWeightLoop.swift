import JVICore

/// The worker loop both VAE log-weight sources run: `count` images in fixed chunks of 4 over
/// `threads` workers (`ParallelRows`, so the bits do not depend on the thread count), each worker
/// with its own network state (`makeState`, called once on the worker's thread) and pixel
/// buffer. `body(r, state, pixels, parameters)` computes image r's log-weights into slots of
/// its own.
enum ImageLogWeightLoop {
  static func run<State, T: NetworkScalar>(
    count: Int, threads: Int, parameters: [T], inputSize: Int, makeState: @Sendable () -> State,
    body: @Sendable (Int, State, UnsafeMutablePointer<T>, UnsafePointer<T>) -> Void
  ) {
    ParallelRows.forEachChunk(count: count, chunkSize: 4, threads: threads) { _ in
      (state: makeState(), image: ScalarBuffer<T>(count: inputSize))
    } _: { worker, images in
      parameters.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { return }
        for r in images { body(r, worker.state, worker.image.pointer, base) }
      }
    }
  }
}
