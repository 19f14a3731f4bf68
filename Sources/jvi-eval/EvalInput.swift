import CommandLineSupport
import JVICore
import JVIExperiments

/// The log-weights one `jvi-eval` run evaluates, served a block of rows at a time, and what
/// happens to them on the way: with --save-logw each block is streamed into a float64 .npy as it
/// is read, and the file appears (atomically) once the last block is in.
struct EvalInput {
  var blocks: any LogWeightBlockSource
  /// The global index of row 0 (a shard's first instance), for per-instance numbering.
  var firstInstance = 0
  var savePath: String?
  /// Runs after the saved file is complete (a shard's metadata, a message).
  var afterSave: () throws -> Void = {}
  /// Runs after every block is read (a timing message).
  var finished: () -> Void = {}

  init(blocks: any LogWeightBlockSource, firstInstance: Int = 0) {
    self.blocks = blocks
    self.firstInstance = firstInstance
  }

  mutating func save(to path: String, then: @escaping () throws -> Void) {
    savePath = path
    afterSave = then
  }

  /// Runs `consume` on the blocks (read once, in order), saving them if asked, then completes
  /// the saved file.
  func read<R>(_ consume: (any LogWeightBlockSource) throws -> R) throws -> R {
    guard let savePath else {
      let result = try consume(blocks)
      finished()
      return result
    }
    let saving = try SavedBlocks(blocks, path: savePath)
    let result = try consume(saving)
    finished()
    try saving.writer.commit()
    try afterSave()
    return result
  }
}

/// Blocks that are also appended to a `.npy` as they are read (in order, each once).
final class SavedBlocks: LogWeightBlockSource {
  let base: any LogWeightBlockSource
  let writer: NPYMatrixWriter

  init(_ base: any LogWeightBlockSource, path: String) throws {
    self.base = base
    writer = try NPYMatrixWriter(path: path, rowCount: base.rowCount, columnCount: base.columnCount)
  }

  var rowCount: Int { base.rowCount }
  var columnCount: Int { base.columnCount }
  var hasAnalyticKLInputs: Bool { base.hasAnalyticKLInputs }

  func block(_ rows: Range<Int>) throws -> LogWeightMatrix {
    precondition(rows.lowerBound == writer.rowsWritten, "blocks are saved in order, each once")
    let m = try base.block(rows)
    try m.values.withUnsafeBufferPointer { try writer.append($0) }
    return m
  }
}
