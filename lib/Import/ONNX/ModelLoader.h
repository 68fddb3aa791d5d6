//===- ModelLoader.h - read ONNX protobuf files -----------------*- C++ -*-===//
// File-level work of the importer: parsing ModelProto / TensorProto files and
// reading external tensor data safely (inside the model directory only).
//===----------------------------------------------------------------------===//
#ifndef LLMC_LIB_IMPORT_ONNX_MODELLOADER_H
#define LLMC_LIB_IMPORT_ONNX_MODELLOADER_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"

#include <memory>
#include <string>

namespace llmc::onnx_import {

/// Parses the binary ModelProto at `path`. Emits an error at an UnknownLoc
/// and returns null when the file is missing, not a ModelProto, or has no
/// graph.
std::unique_ptr<onnx::ModelProto> loadModel(mlir::MLIRContext *ctx,
                                            llvm::StringRef path);

/// Parses the binary TensorProto at `path` (the test_data_set_N/input_K.pb
/// format). `what` names the tensor's role in error messages.
std::unique_ptr<onnx::TensorProto> loadTensorFile(mlir::MLIRContext *ctx,
                                                  llvm::StringRef path,
                                                  llvm::StringRef what);

/// Reads the `expectedBytes` bytes of external data of `tensor`. The file
/// named by the `location` key must lie inside `baseDir`: absolute paths, `..`
/// components and symlinks that resolve outside `baseDir` are rejected.
mlir::FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
readExternalData(const onnx::TensorProto &tensor, llvm::StringRef baseDir,
                 uint64_t expectedBytes, mlir::Location loc);

} // namespace llmc::onnx_import

#endif
