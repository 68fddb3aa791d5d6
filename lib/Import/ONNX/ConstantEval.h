//===- ConstantEval.h - import-time evaluation of small constants -*- C++
//-*-===//
// Evaluates elementwise ops whose operands are all small dense constants, for
// the ops the llm dialect does not fold (Where, Max/Min, And/Or/Not, Expand).
// Exporters use them in shape computations (e.g. Where(Equal(s, -1), 1, s)),
// which must fold for Reshape/Expand to get static types.
//===----------------------------------------------------------------------===//
#ifndef LLMC_LIB_IMPORT_ONNX_CONSTANTEVAL_H
#define LLMC_LIB_IMPORT_ONNX_CONSTANTEVAL_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace llmc::onnx_import {

/// Applies `fn` to the broadcast elements of `operands` (numpy rules) and
/// returns a DenseElementsAttr of element type `resultElt`. Returns null when
/// an operand is not a dense constant, or the result would be large.
/// `fn` gets one Attribute (IntegerAttr/FloatAttr) per operand and returns
/// the result element, or null to give up.
mlir::DenseElementsAttr evalBroadcast(
    llvm::ArrayRef<mlir::Value> operands, mlir::Type resultElt,
    llvm::function_ref<mlir::Attribute(llvm::ArrayRef<mlir::Attribute>)> fn);

/// Same, with the result shape given (Expand: operands broadcast to it).
mlir::DenseElementsAttr evalBroadcastTo(
    llvm::ArrayRef<mlir::Value> operands, mlir::RankedTensorType resultType,
    llvm::function_ref<mlir::Attribute(llvm::ArrayRef<mlir::Attribute>)> fn);

/// Elementwise max/min of two numeric attributes (NaN-propagating for
/// floats, unsigned compare for unsigned integers).
mlir::Attribute maxOrMin(mlir::Attribute a, mlir::Attribute b, bool isMax);

/// True when the IntegerAttr/FloatAttr is non-zero.
bool isNonZero(mlir::Attribute a);

} // namespace llmc::onnx_import

#endif
