#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A pthread mutex (the library keeps to the toolchain's libraries).
final class Lock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
  init() { pthread_mutex_init(mutex, nil) }
  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }
  func withLock<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return body()
  }
}

/// The failure of the lowest row among parallel workers, so that the error reported does not
/// depend on the thread count or on which worker finished first.
public final class FirstFailure<Failure>: @unchecked Sendable {
  private var earliest: (row: Int, failure: Failure)?
  private let lock = Lock()

  public init() {}

  /// Keeps `failure` unless a failure of a lower or the same row was recorded.
  public func record(row: Int, _ failure: Failure) {
    lock.withLock {
      if let e = earliest, e.row <= row { return }
      earliest = (row, failure)
    }
  }

  /// The failure of the lowest row, if any.
  public var first: Failure? { lock.withLock { earliest?.failure } }
}
