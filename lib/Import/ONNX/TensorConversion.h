//===- TensorConversion.h - ONNX tensors and types -> MLIR ------*- C++ -*-===//
// ONNX element types to MLIR types, TensorProto to ElementsAttr (dense for
// small tensors, dense_resource blobs for weights), and reading integer /
// float values back out of constant attributes.
//===----------------------------------------------------------------------===//
#ifndef LLMC_LIB_IMPORT_ONNX_TENSORCONVERSION_H
#define LLMC_LIB_IMPORT_ONNX_TENSORCONVERSION_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace llmc::onnx_import {

/// Tensors with more elements than this become dense_resource blobs.
constexpr int64_t kMaxDenseElements = 4096;

/// The MLIR element type of an ONNX TensorProto::DataType; null when the
/// importer does not support it (string, complex, undefined, ...).
mlir::Type convertDataType(mlir::MLIRContext *ctx, int32_t dataType);

/// "FLOAT", "STRING", ... for messages ("<n>" for unknown numbers).
std::string dataTypeName(int32_t dataType);

/// An error at `loc` naming `what` (e.g. "initializer 'w'") and the type.
mlir::LogicalResult emitUnsupportedDataType(mlir::Location loc,
                                            llvm::StringRef what,
                                            int32_t dataType);

/// Builds an ElementsAttr of `type` from row-major little-endian bytes (i1:
/// one byte per element). Small tensors give a DenseElementsAttr; larger ones
/// a DenseResourceElementsAttr whose blob name derives from `name`.
mlir::ElementsAttr makeElementsAttr(mlir::RankedTensorType type,
                                    llvm::ArrayRef<char> bytes,
                                    llvm::StringRef name);

/// Converts a TensorProto (raw_data, typed fields or external data relative to
/// `baseDir`). `what` describes the tensor in errors; `nameHint` names the
/// resource blob when the tensor itself has no name.
mlir::FailureOr<mlir::ElementsAttr>
convertTensor(mlir::MLIRContext *ctx, const onnx::TensorProto &tensor,
              llvm::StringRef baseDir, mlir::Location loc, llvm::StringRef what,
              llvm::StringRef nameHint = "");

/// An ElementsAttr of `type` (integer element type) holding `values`
/// (truncated to the element width).
mlir::ElementsAttr makeIntElements(mlir::RankedTensorType type,
                                   llvm::ArrayRef<int64_t> values,
                                   llvm::StringRef name);

/// An ElementsAttr of `type` (float element type) holding `values` rounded to
/// the element type.
mlir::ElementsAttr makeFloatElements(mlir::RankedTensorType type,
                                     llvm::ArrayRef<double> values,
                                     llvm::StringRef name);

/// The values of an integer (or bool) constant, sign-extended (zero-extended
/// for unsigned types); nullopt for non-integer or unreadable attributes.
std::optional<llvm::SmallVector<int64_t>> getIntValues(mlir::ElementsAttr attr);

/// The values of a float or integer constant as doubles.
std::optional<llvm::SmallVector<double>>
getFloatValues(mlir::ElementsAttr attr);

} // namespace llmc::onnx_import

#endif
