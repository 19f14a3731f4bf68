import JVIExperiments

/// The interface's version (`JVI_ABI_VERSION` in jvi.h): the Python package refuses a library
/// whose version differs from the one it was written for.
@c(jvi_abi_version)
public func abiVersion() -> Int32 { 1 }

/// "1.0.0 (release build, Swift 6.3.1, kernels avx512)".
@c(jvi_version)
public func versionText(_ text: UnsafeMutablePointer<CChar>?, _ capacity: Int64) -> Int32 {
  CallGuard.write(RunEnvironment.versionDetails, to: text, capacity: capacity)
  return CallGuard.ok
}
