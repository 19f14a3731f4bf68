import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A fork-join pool for short parallel regions (a 100-row matrix product takes ~40 µs on two
/// cores): its threads stay alive and, after each region, spin for `spinNanoseconds` before they
/// sleep, so a region that follows soon starts without the tens of microseconds a sleeping
/// thread takes to wake. The caller runs worker 0 itself.
///
/// One region runs at a time; a region asked for while another runs (another thread, or from
/// inside a region) runs on `DispatchQueue.concurrentPerform` instead. Which thread runs which
/// index never changes a result: callers partition their work by index, not by thread.
public final class SpinningWorkers: @unchecked Sendable {
  /// The pool for this process: one thread fewer than the online processors.
  public static let shared = SpinningWorkers(threads: max(0, ParallelRows.availableProcessors - 1))

  /// How long an idle thread spins before it sleeps.
  static let spinNanoseconds: UInt64 = 200_000

  let threadCount: Int
  let busy = Atomic<Bool>(false)
  /// The region: its sequence number times 1024 plus its width (how many indices), published
  /// with release ordering after `body` is set; a thread reads both from one load.
  let region = Atomic<Int>(0)
  let remaining = Atomic<Int>(0)
  /// The region's body: set before `region` is published, read only by the region's workers.
  var body: ((Int) -> Void)?
  static let widthLimit = 1024
  /// Sleeping threads wait on `condition` under `mutex` (at fixed addresses: allocated, not
  /// stored properties, whose addresses Swift does not promise to keep).
  let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Threads asleep on `condition`; read and written under `mutex`.
  var sleepers = 0

  init(threads: Int) {
    threadCount = threads
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
    for i in 0..<threads {
      Self.startDetachedThread { [unowned self] in self.loop(index: i + 1) }
    }
  }

  /// Starts a detached POSIX thread that runs `body` (no Foundation: the C surface links this
  /// module into a library that must not carry Foundation).
  static func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
      &thread, nil,
      { context in
        guard let context else { return nil }
        Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue().body()
        return nil
      }, context)
    precondition(status == 0, "pthread_create failed with \(status)")
    pthread_detach(thread)
  }

  /// Calls `body(i)` for i in 0..<count, index 0 on the calling thread, and returns when all
  /// have returned.
  public func run(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
      if count == 1 { body(0) }
      return
    }
    guard count <= threadCount + 1, count < Self.widthLimit,
      busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
      }
      return
    }
    withoutActuallyEscaping(body) { body in
      self.body = body
      remaining.store(count - 1, ordering: .relaxed)
      let next = (region.load(ordering: .relaxed) / Self.widthLimit + 1) * Self.widthLimit + count
      region.store(next, ordering: .releasing)
      pthread_mutex_lock(mutex)
      if sleepers > 0 { pthread_cond_broadcast(condition) }
      pthread_mutex_unlock(mutex)
      body(0)
      while remaining.load(ordering: .acquiring) > 0 {}
      self.body = nil
    }
    busy.store(false, ordering: .releasing)
  }

  func loop(index: Int) {
    var seen = 0
    while true {
      var now = region.load(ordering: .acquiring)
      if now == seen {
        let start = DispatchTime.now().uptimeNanoseconds
        while now == seen && DispatchTime.now().uptimeNanoseconds - start < Self.spinNanoseconds {
          now = region.load(ordering: .acquiring)
        }
        if now == seen {
          pthread_mutex_lock(mutex)
          sleepers += 1
          while region.load(ordering: .acquiring) == seen { pthread_cond_wait(condition, mutex) }
          sleepers -= 1
          pthread_mutex_unlock(mutex)
          now = region.load(ordering: .acquiring)
        }
      }
      seen = now
      // A region this thread takes part in cannot be followed by another before it is done.
      if index < now % Self.widthLimit {
        // The body's reference is dropped before the caller may see the region finished (it
        // checks, on leaving `withoutActuallyEscaping`, that no one holds the body).
        runBody(index)
        remaining.subtract(1, ordering: .releasing)
      }
    }
  }

  @inline(never)
  func runBody(_ index: Int) {
    guard let body else { preconditionFailure("a region without a body") }
    body(index)
  }
}

/// A thread's entry closure, boxed to pass through `pthread_create`'s context pointer.
private final class ThreadBody: Sendable {
  let body: @Sendable () -> Void
  init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
