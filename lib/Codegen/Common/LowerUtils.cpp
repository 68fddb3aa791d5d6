//===- LowerUtils.cpp - helpers shared by the llm-to-linalg patterns ------===//
#include "LowerToLinalgPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;

namespace llmc::lowering {

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

Type toSignless(Type type) {
  if (auto i = dyn_cast<IntegerType>(type); i && !i.isSignless())
    return IntegerType::get(type.getContext(), i.getWidth());
  return type;
}

bool isUnsignedLike(Type type) {
  return type.isUnsignedInteger() || type.isInteger(1);
}

Type getComputeType(Type type) {
  if (auto f = dyn_cast<FloatType>(type); f && f.getWidth() < 32)
    return Float32Type::get(type.getContext());
  return type;
}

Value convertScalar(OpBuilder &b, Location loc, Value v, Type from, Type to) {
  if (from == to)
    return v;
  Type dst = toSignless(to);
  auto fromF = dyn_cast<FloatType>(from);
  auto toF = dyn_cast<FloatType>(to);
  if (to.isInteger(1)) {
    // ONNX: anything non-zero (NaN included) is true.
    if (fromF)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   scalarConstant(b, loc, from, 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 scalarConstant(b, loc, toSignless(from), 0));
  }
  if (fromF && toF) {
    // f16/bf16 <-> f64 go through f32 like ONNX Runtime's conversions; this
    // also keeps backends to the f32 <-> f16/bf16 conversions (the ones
    // arith-expand and the f16 compiler-rt/libgcc helpers provide).
    unsigned wf = fromF.getWidth(), wt = toF.getWidth();
    if ((wf < 32 && wt > 32) || (wf > 32 && wt < 32)) {
      Value mid = convertScalar(b, loc, v, from, b.getF32Type());
      return convertScalar(b, loc, mid, b.getF32Type(), to);
    }
    if (fromF.getWidth() < toF.getWidth())
      return arith::ExtFOp::create(b, loc, dst, v);
    if (fromF.getWidth() > toF.getWidth())
      return arith::TruncFOp::create(b, loc, dst, v);
    // f16 <-> bf16: both are exact in f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, dst, wide);
  }
  if (fromF) {
    if (fromF.getWidth() < 32) {
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
      fromF = b.getF32Type();
    }
    // Out-of-range values are undefined in ONNX; converting through a wider
    // signed int first reproduces what ONNX Runtime's static_cast does on
    // x86 (e.g. -1.0 -> ui8 gives 255) instead of LLVM poison.
    unsigned w = dst.getIntOrFloatBitWidth();
    if (w < 32 || (to.isUnsignedInteger() && w == 32)) {
      Type wide = b.getIntegerType(w < 32 ? 32 : 64);
      Value i = arith::FPToSIOp::create(b, loc, wide, v);
      return arith::TruncIOp::create(b, loc, dst, i);
    }
    if (to.isUnsignedInteger())
      return arith::FPToUIOp::create(b, loc, dst, v);
    return arith::FPToSIOp::create(b, loc, dst, v);
  }
  if (toF) {
    // Narrow floats go through f32 like ONNX Runtime (and so that no
    // int -> f16/bf16 conversion has to be supported by the backend).
    Type mid = toF.getWidth() < 32 ? b.getF32Type() : dst;
    Value f = isUnsignedLike(from)
                  ? (Value)arith::UIToFPOp::create(b, loc, mid, v)
                  : (Value)arith::SIToFPOp::create(b, loc, mid, v);
    if (mid != dst)
      f = arith::TruncFOp::create(b, loc, dst, f);
    return f;
  }
  unsigned wf = from.getIntOrFloatBitWidth(), wt = to.getIntOrFloatBitWidth();
  if (wf < wt)
    return isUnsignedLike(from)
               ? (Value)arith::ExtUIOp::create(b, loc, dst, v)
               : (Value)arith::ExtSIOp::create(b, loc, dst, v);
  if (wf > wt)
    return arith::TruncIOp::create(b, loc, dst, v);
  return v; // iN <-> uiN: same bits.
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  type = toSignless(type);
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, value));
  if (type.isIndex())
    return arith::ConstantIndexOp::create(b, loc, (int64_t)value);
  auto v = (int64_t)value;
  APInt bits(type.getIntOrFloatBitWidth(), (uint64_t)v, /*isSigned=*/v < 0);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, bits));
}

Value lowestValue(OpBuilder &b, Location loc, Type origType) {
  Type type = toSignless(origType);
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(), true)));
  unsigned w = type.getIntOrFloatBitWidth();
  APInt bits = isUnsignedLike(origType) ? APInt::getZero(w)
                                        : APInt::getSignedMinValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, bits));
}

static Value extToCompute(OpBuilder &b, Location loc, Value v, Type orig) {
  Type ct = getComputeType(orig);
  return ct == orig ? v : (Value)arith::ExtFOp::create(b, loc, ct, v);
}

static Value truncFromCompute(OpBuilder &b, Location loc, Value v, Type orig) {
  return v.getType() == orig ? v
                             : (Value)arith::TruncFOp::create(b, loc, orig, v);
}

static Value emitFloatBinary(OpBuilder &b, Location loc, BinaryKind kind,
                             Value l, Value r) {
  switch (kind) {
  case BinaryKind::Add: return arith::AddFOp::create(b, loc, l, r);
  case BinaryKind::Sub: return arith::SubFOp::create(b, loc, l, r);
  case BinaryKind::Mul: return arith::MulFOp::create(b, loc, l, r);
  case BinaryKind::Div: return arith::DivFOp::create(b, loc, l, r);
  case BinaryKind::Pow: return math::PowFOp::create(b, loc, l, r);
  case BinaryKind::Max: return arith::MaximumFOp::create(b, loc, l, r);
  case BinaryKind::Min: return arith::MinimumFOp::create(b, loc, l, r);
  case BinaryKind::Eq:
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, r);
  case BinaryKind::Lt:
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, l, r);
  case BinaryKind::Le:
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, l, r);
  case BinaryKind::Gt:
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, r);
  case BinaryKind::Ge:
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, l, r);
  case BinaryKind::And:
  case BinaryKind::Or:
    break;
  }
  return {};
}

static Value emitIntBinary(OpBuilder &b, Location loc, BinaryKind kind,
                           Value l, Value r, bool isUnsigned) {
  using P = arith::CmpIPredicate;
  switch (kind) {
  case BinaryKind::Add: return arith::AddIOp::create(b, loc, l, r);
  case BinaryKind::Sub: return arith::SubIOp::create(b, loc, l, r);
  case BinaryKind::Mul: return arith::MulIOp::create(b, loc, l, r);
  case BinaryKind::Div:
    return isUnsigned ? (Value)arith::DivUIOp::create(b, loc, l, r)
                      : (Value)arith::DivSIOp::create(b, loc, l, r);
  case BinaryKind::Max:
    return isUnsigned ? (Value)arith::MaxUIOp::create(b, loc, l, r)
                      : (Value)arith::MaxSIOp::create(b, loc, l, r);
  case BinaryKind::Min:
    return isUnsigned ? (Value)arith::MinUIOp::create(b, loc, l, r)
                      : (Value)arith::MinSIOp::create(b, loc, l, r);
  case BinaryKind::And: return arith::AndIOp::create(b, loc, l, r);
  case BinaryKind::Or: return arith::OrIOp::create(b, loc, l, r);
  case BinaryKind::Eq: return arith::CmpIOp::create(b, loc, P::eq, l, r);
  case BinaryKind::Lt:
    return arith::CmpIOp::create(b, loc, isUnsigned ? P::ult : P::slt, l, r);
  case BinaryKind::Le:
    return arith::CmpIOp::create(b, loc, isUnsigned ? P::ule : P::sle, l, r);
  case BinaryKind::Gt:
    return arith::CmpIOp::create(b, loc, isUnsigned ? P::ugt : P::sgt, l, r);
  case BinaryKind::Ge:
    return arith::CmpIOp::create(b, loc, isUnsigned ? P::uge : P::sge, l, r);
  case BinaryKind::Pow:
    break;
  }
  return {};
}

Value emitBinary(OpBuilder &b, Location loc, BinaryKind kind, Value l, Value r,
                 Type lt, Type rt) {
  if (kind == BinaryKind::Pow) {
    if (isa<FloatType>(lt)) {
      Type ct = getComputeType(lt);
      Value base = extToCompute(b, loc, l, lt);
      Value exp = convertScalar(b, loc, r, rt, ct);
      return truncFromCompute(b, loc, math::PowFOp::create(b, loc, base, exp),
                              lt);
    }
    // Integer powers via f64 like ONNX Runtime (std::pow then a cast);
    // exact for every result that fits the 53-bit mantissa.
    Type f64 = b.getF64Type();
    Value base = convertScalar(b, loc, l, lt, f64);
    Value exp = convertScalar(b, loc, r, rt, f64);
    Value p = math::PowFOp::create(b, loc, base, exp);
    return convertScalar(b, loc, p, f64, lt);
  }
  if (isa<FloatType>(lt)) {
    Value res = emitFloatBinary(b, loc, kind, extToCompute(b, loc, l, lt),
                                extToCompute(b, loc, r, rt));
    return res.getType().isInteger(1) ? res : truncFromCompute(b, loc, res, lt);
  }
  return emitIntBinary(b, loc, kind, l, r, isUnsignedLike(lt));
}

//===----------------------------------------------------------------------===//
// Shapes and linalg builders
//===----------------------------------------------------------------------===//

SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[i]));
  return tensor::EmptyOp::create(b, loc, type, dynamic);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = createEmpty(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

AffineMap getBroadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                          ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size(), offset = rank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    int64_t d = offset + i;
    exprs.push_back(size == 1 && resultShape[d] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<OpFoldResult> getBroadcastSizes(OpBuilder &b, Location loc,
                                            ValueRange inputs,
                                            RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    OpFoldResult size;
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t d = i - (rank - t.getRank());
      if (d >= 0 && t.isDynamicDim(d)) {
        size = tensor::DimOp::create(b, loc, in, d).getResult();
        break;
      }
    }
    // A static operand dim under a dynamic result dim (e.g. after a cast
    // that relaxed the type) fixes the size.
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t d = i - (rank - t.getRank());
      if (!size && d >= 0 && t.getDimSize(d) != 1)
        size = b.getIndexAttr(t.getDimSize(d));
    }
    sizes.push_back(size ? size : b.getIndexAttr(1));
  }
  return sizes;
}

Value buildParallelGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                           ArrayRef<AffineMap> maps, RankedTensorType resultType,
                           ArrayRef<OpFoldResult> sizes, BodyFn body) {
  int64_t rank = resultType.getRank();
  Value init = createEmpty(b, loc, resultType, sizes);
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, allMaps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value v = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, v);
      });
  return generic.getResult(0);
}

Value buildBroadcastMap(OpBuilder &b, Location loc, ValueRange inputs,
                        RankedTensorType resultType, BodyFn body) {
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(getBroadcastMap(
        b.getContext(), cast<RankedTensorType>(in.getType()).getShape(),
        resultType.getShape()));
  SmallVector<OpFoldResult> sizes =
      getBroadcastSizes(b, loc, inputs, resultType);
  return buildParallelGeneric(b, loc, inputs, maps, resultType, sizes, body);
}

AffineMap getDropDimsMap(MLIRContext *ctx, int64_t rank,
                         ArrayRef<int64_t> axes) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i))
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildReduction(OpBuilder &b, Location loc, Value input, ValueRange extras,
                     ArrayRef<int64_t> axes, Type accType, Value init,
                     BodyFn body) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<OpFoldResult> dims = getDims(b, loc, input), keptSizes;
  SmallVector<int64_t> keptShape;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
    if (!reduced) {
      keptShape.push_back(inType.getDimSize(i));
      keptSizes.push_back(dims[i]);
    }
  }
  auto outType = RankedTensorType::get(keptShape, accType);
  Value out = createFilled(b, loc, outType, keptSizes, init);
  AffineMap kept = getDropDimsMap(b.getContext(), rank, axes);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  maps.append(extras.size(), kept);
  maps.push_back(kept);
  SmallVector<Value> ins{input};
  llvm::append_range(ins, extras);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ins, ValueRange{out}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return generic.getResult(0);
}

Value expandReducedDims(OpBuilder &b, Location loc, Value reduced,
                        RankedTensorType type, ArrayRef<int64_t> axes) {
  auto redType = cast<RankedTensorType>(reduced.getType());
  if (redType.getRank() == type.getRank())
    return reduced;
  SmallVector<ReassociationIndices> groups(redType.getRank());
  int64_t g = -1;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      ++g;
    if (!groups.empty())
      groups[std::max<int64_t>(g, 0)].push_back(d);
  }
  return tensor::ExpandShapeOp::create(b, loc, type, reduced, groups);
}

Value buildStaticReshape(OpBuilder &b, Location loc, Value input,
                         RankedTensorType type) {
  auto inType = cast<RankedTensorType>(input.getType());
  if (inType.getShape() == type.getShape())
    return input;
  if (type.getNumElements() == 0) // Nothing to move; any reassociation of
    return createEmpty(b, loc, type); // zero-size dims is arbitrary.
  if (inType.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, type, input,
                                         ArrayRef<ReassociationIndices>{});
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, input,
                                           ArrayRef<ReassociationIndices>{});
  // A single collapse or expand when the dims group up; the bufferizer
  // turns either into a view.
  if (inType.getRank() != type.getRank()) {
    if (auto groups = getReassociationIndicesForReshape(inType, type)) {
      if (inType.getRank() > type.getRank())
        return tensor::CollapseShapeOp::create(b, loc, type, input, *groups);
      return tensor::ExpandShapeOp::create(b, loc, type, input, *groups);
    }
  }
  Value flat = input;
  if (inType.getRank() != 1) {
    auto all = llvm::to_vector<2>(llvm::seq<int64_t>(0, inType.getRank()));
    flat = tensor::CollapseShapeOp::create(b, loc, input,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (type.getRank() == 1)
    return flat;
  auto all = llvm::to_vector<2>(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::ExpandShapeOp::create(b, loc, type, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

} // namespace llmc::lowering

//===-- Small value helpers -----------------------------------------------===//

Type llmc::lowering::elementTypeOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

Value llmc::lowering::extTo(OpBuilder &b, Location loc, Value v, Type type) {
  return v.getType() == type ? v : (Value)arith::ExtFOp::create(b, loc, type, v);
}

Value llmc::lowering::truncTo(OpBuilder &b, Location loc, Value v, Type type) {
  return v.getType() == type ? v
                             : (Value)arith::TruncFOp::create(b, loc, type, v);
}

Value llmc::lowering::dimIndex(OpBuilder &b, Location loc, Value t, int64_t d) {
  auto tt = cast<RankedTensorType>(t.getType());
  if (!tt.isDynamicDim(d))
    return arith::ConstantIndexOp::create(b, loc, tt.getDimSize(d));
  return tensor::DimOp::create(b, loc, t, d);
}
