//===- LowerToLinalgPatterns.h - shared pieces of llm-lower-to-linalg -----===//
// The patterns see two element types for every value: the ORIGINAL llm type
// (which may be unsigned, `ui8`..`ui64`) read from the op being replaced, and
// the signless type that arith/linalg require, which is what the adaptor
// operands carry. Signedness decisions always use the original type.
//===----------------------------------------------------------------------===//
#ifndef LLMC_LIB_CODEGEN_COMMON_LOWERTOLINALGPATTERNS_H
#define LLMC_LIB_CODEGEN_COMMON_LOWERTOLINALGPATTERNS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace llmc::lowering {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

//===-- Element types -----------------------------------------------------===//

/// `uiN` -> `iN`; everything else unchanged.
mlir::Type toSignless(mlir::Type type);
/// True for `uiN` and for `i1` (bool orders and extends like an unsigned).
bool isUnsignedLike(mlir::Type type);
/// Floats narrower than f32 are computed in f32; everything else in itself.
mlir::Type getComputeType(mlir::Type type);
/// Converts a scalar between two original element types (`v` carries the
/// signless form of `from`) with ONNX Cast semantics.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          mlir::Type from, mlir::Type to);
/// A scalar constant of a signless int, index or float type.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);
/// The identity of max for `type` (-inf, the smallest int, or 0 unsigned).
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Type origType);

/// Scalar binary math shared by elementwise ops and scatter_nd reductions.
enum class BinaryKind { Add, Sub, Mul, Div, Pow, Max, Min, And, Or,
                        Eq, Lt, Le, Gt, Ge };
/// `l` and `r` carry the signless forms of `lt` and `rt`; the result has the
/// signless form of the op result element type.
mlir::Value emitBinary(mlir::OpBuilder &b, mlir::Location loc, BinaryKind kind,
                       mlir::Value l, mlir::Value r, mlir::Type lt,
                       mlir::Type rt);

/// Takes int64_t on purpose: I64Attr getters return uint64_t, on which a
/// `< 0` test is always false.
inline int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

//===-- Shapes and linalg builders ----------------------------------------===//

/// Sizes of `tensor`, static as attributes and dynamic as tensor.dim.
llvm::SmallVector<mlir::OpFoldResult> getDims(mlir::OpBuilder &b,
                                             mlir::Location loc,
                                             mlir::Value tensor);
/// tensor.empty of `type`; `sizes` is only read at the dynamic dims.
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes = {});
/// tensor.empty filled with the scalar `value`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value value);
/// numpy broadcasting map from the loops of `resultShape` to an operand:
/// leading result dims are dropped, size-1 operand dims read index 0.
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx,
                                llvm::ArrayRef<int64_t> operandShape,
                                llvm::ArrayRef<int64_t> resultShape);
/// Result sizes of a numpy broadcast of `inputs` (dynamic dims come from the
/// first input that has that dim dynamic).
llvm::SmallVector<mlir::OpFoldResult>
getBroadcastSizes(mlir::OpBuilder &b, mlir::Location loc,
                  mlir::ValueRange inputs, mlir::RankedTensorType resultType);
/// An all-parallel linalg.generic writing a fresh tensor of `resultType`
/// (identity output map), reading `inputs` through `maps`.
mlir::Value buildParallelGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::ValueRange inputs,
                                 llvm::ArrayRef<mlir::AffineMap> maps,
                                 mlir::RankedTensorType resultType,
                                 llvm::ArrayRef<mlir::OpFoldResult> sizes,
                                 BodyFn body);
/// Elementwise op with numpy broadcasting of all inputs to `resultType`.
mlir::Value buildBroadcastMap(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::ValueRange inputs,
                              mlir::RankedTensorType resultType, BodyFn body);
/// Map dropping the loop dims listed in `axes` (sorted).
mlir::AffineMap getDropDimsMap(mlir::MLIRContext *ctx, int64_t rank,
                               llvm::ArrayRef<int64_t> axes);
/// Reduces `input` over `axes` (sorted) into a tensor of the kept dims with
/// element type `accType`, starting from `init`. `extras` have the kept
/// dims' shape and are read alongside. The body gets (input element,
/// extras..., accumulator).
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input, mlir::ValueRange extras,
                           llvm::ArrayRef<int64_t> axes, mlir::Type accType,
                           mlir::Value init, BodyFn body);
/// expand_shape of a reduced tensor back to `type` (reduced dims are 1).
mlir::Value expandReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value reduced, mlir::RankedTensorType type,
                              llvm::ArrayRef<int64_t> axes);
/// Any static reshape, as collapse-to-1-D then expand (or a cheaper subset).
mlir::Value buildStaticReshape(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value input, mlir::RankedTensorType type);

//===-- Small value helpers -----------------------------------------------===//

/// Element type of a shaped value.
mlir::Type elementTypeOf(mlir::Value v);
/// `v` extended (arith.extf) or truncated (arith.truncf) to float `type`;
/// `v` itself when it already has that type.
mlir::Value extTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                  mlir::Type type);
mlir::Value truncTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                    mlir::Type type);
/// Dim `d` of tensor `t` as an index value (a constant when static).
mlir::Value dimIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t,
                     int64_t d);

//===-- Pattern sets ------------------------------------------------------===//

/// Ops that handle `?` dims; every other llm op needs static shapes.
bool supportsDynamicShapes(mlir::Operation *op);

void populateLowerElementwisePatterns(const mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
void populateLowerReductionPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);
void populateLowerDataMovementPatterns(const mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);
/// rms_norm, silu_mul, rope (LowerSemanticOps.cpp).
void populateLowerSemanticPatterns(const mlir::TypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);
/// attention (LowerAttention.cpp).
void populateLowerAttentionPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);
/// matmul_nbits (LowerQuantized.cpp).
void populateLowerPagedKVPatterns(const mlir::TypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
/// A float vector converted to element type `to` (extf/truncf; same: itself).
mlir::Value convertRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value row,
                       mlir::Type to);
void populateLowerQuantizedPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);

} // namespace llmc::lowering

#endif
