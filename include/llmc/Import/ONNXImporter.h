//===- ONNXImporter.h - ONNX ModelProto -> llm dialect ------------*- C++
//-*-===//
// Entry point of the ONNX importer: reads a binary ModelProto and produces a
// module with `func.func @main` made of llm dialect ops.
//===----------------------------------------------------------------------===//
#ifndef LLMC_IMPORT_ONNXIMPORTER_H
#define LLMC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmc {

struct ImportOptions {
  // Overrides for graph input shapes, e.g. {"input_ids", {1, 7}}: turns
  // symbolic dims into static ones. The rank must match the declared rank; a
  // -1 entry keeps the declared dim.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  // Graph inputs replaced by constants read from ONNX TensorProto .pb files
  // (name -> path).
  std::map<std::string, std::string> frozenInputs;
};

// Parses the ModelProto at `path` (protobuf, not text) and returns a module
// with `func.func @main`. On failure returns null after emitting MLIR
// diagnostics (errors at the ONNX node's location) or, for file-level
// problems, a diagnostic at an UnknownLoc / FileLineColLoc of the model path.
// Every unsupported op is reported at once.
mlir::OwningOpRef<mlir::ModuleOp> importONNX(mlir::MLIRContext &ctx,
                                             const std::string &path,
                                             const ImportOptions &options);

/// A graph input (initializers excluded) as declared: dims < 0 are symbolic
/// or unknown.
struct GraphInput {
  std::string name;
  std::vector<int64_t> dims;
};

/// The declared graph inputs of the model at `path`, in order, or failure
/// after a diagnostic (the same file checks as importONNX).
mlir::FailureOr<std::vector<GraphInput>>
listONNXGraphInputs(mlir::MLIRContext &ctx, const std::string &path);

/// The model's metadata_props (key -> value), or failure after a diagnostic.
mlir::FailureOr<std::map<std::string, std::string>>
readONNXMetadataProps(mlir::MLIRContext &ctx, const std::string &path);

} // namespace llmc

#endif // LLMC_IMPORT_ONNXIMPORTER_H
