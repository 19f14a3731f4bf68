#if JVI_LIBFUZZER
  import CommandLineSupport
  import Foundation
  import JVICore

  /// libFuzzer entry points, compiled only by `make libfuzz` (`-D JVI_LIBFUZZER`, `--sanitize=fuzzer`
  /// and `--sanitize=address`): coverage-guided fuzzing of the same `FuzzTarget`s the seeded loop uses.
  ///
  /// The parser is chosen by the environment variable `JVI_FUZZ_PARSER` (libFuzzer owns the
  /// command line). `LLVMFuzzerInitialize` writes the target's seed inputs into the first corpus
  /// folder on the command line, before libFuzzer reads it. A broken rule (`FuzzFailure`, or any
  /// other error the body throws) is turned into a trap, so libFuzzer saves the input as a crash.
  enum LibFuzzerState {
    nonisolated(unsafe) static var target: FuzzTarget?
    nonisolated(unsafe) static var scratch = ""
  }

  @_cdecl("LLVMFuzzerInitialize")
  func libFuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
  ) -> Int32 {
    let name = ProcessInfo.processInfo.environment["JVI_FUZZ_PARSER"] ?? ""
    let scratch = FileManager.default.temporaryDirectory.path + "/jvi-libfuzzer-\(getpid())"
    do {
      try FileIO.createDirectories(scratch)
      let target = try FuzzTargets.make(name, scratch: scratch)
      LibFuzzerState.target = target
      LibFuzzerState.scratch = scratch
      atexit { try? FileManager.default.removeItem(atPath: LibFuzzerState.scratch) }
      let arguments = (0..<Int(argc.pointee)).compactMap { argv.pointee?[$0].map { String(cString: $0) } }
      if let corpus = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }) {
        try FileIO.createDirectories(corpus)
        for (i, seed) in target.seeds.enumerated() {
          try FileIO.writeAtomically(seed, to: corpus + "/seed-\(i)")
        }
      }
    } catch {
      Output.standardError(
        "jvi-fuzz: set JVI_FUZZ_PARSER to one of \(FuzzTargets.names.joined(separator: ", ")): \(error)\n")
      ToolRunner.exit(.usage)
    }
    return 0
  }

  @_cdecl("LLVMFuzzerTestOneInput")
  func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = LibFuzzerState.target else { fatalError("LLVMFuzzerInitialize did not run") }
    let input = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
      _ = try target.run(input)
    } catch {
      fatalError("\(target.name): the input broke a rule: \(error)")
    }
    return 0
  }
#endif
