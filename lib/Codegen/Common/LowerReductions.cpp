//===- LowerReductions.cpp - matmul, normalizations and reductions --------===//
// Reductions accumulate in f32 for f16/bf16 inputs (in the element type
// otherwise) and round once at the end, which is what ONNX Runtime does.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

/// Rounds a compute-type tensor to the signless form of `orig` elementwise.
static Value roundTo(OpBuilder &b, Location loc, Value v, Type orig) {
  auto t = cast<RankedTensorType>(v.getType());
  Type ct = t.getElementType();
  if (ct == toSignless(orig))
    return v;
  return buildBroadcastMap(b, loc, {v}, t.clone(toSignless(orig)),
                           [&](OpBuilder &nb, Location nloc, ValueRange args) {
                             return convertScalar(nb, nloc, args[0], ct, orig);
                           });
}

/// Number of elements over `axes` of `input` as a scalar of `type`.
static Value countOver(OpBuilder &b, Location loc, Value input,
                       ArrayRef<int64_t> axes, Type type) {
  auto t = cast<RankedTensorType>(input.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t a : axes) {
    if (!t.isDynamicDim(a)) {
      staticCount *= t.getDimSize(a);
      continue;
    }
    Value d = tensor::DimOp::create(b, loc, input, a);
    dynamicCount =
        dynamicCount ? (Value)arith::MulIOp::create(b, loc, dynamicCount, d) : d;
  }
  if (!dynamicCount)
    return scalarConstant(b, loc, type, (double)staticCount);
  Value n = arith::MulIOp::create(
      b, loc, dynamicCount, arith::ConstantIndexOp::create(b, loc, staticCount));
  n = arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
  return convertScalar(b, loc, n, b.getI64Type(), type);
}

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

struct MatMulPattern : OpConversionPattern<llm::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    auto resultType =
        getTypeConverter()->convertType<RankedTensorType>(op.getType());
    Type elt = elementTypeOf(op.getLhs());
    Type eltS = toSignless(elt), acc = toSignless(getComputeType(elt));
    int64_t ra = lt.getRank(), rb = rt.getRank();
    bool lhsVec = ra == 1, rhsVec = rb == 1;
    int64_t outRank = resultType.getRank();
    int64_t batch = outRank - !lhsVec - !rhsVec;
    int64_t lb = lhsVec ? 0 : ra - 2, rbb = rhsVec ? 0 : rb - 2;
    int64_t mDim = batch, nDim = batch + !lhsVec, kDim = outRank;
    ArrayRef<int64_t> out = resultType.getShape();

    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < outRank; ++i) {
      if (!resultType.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(out[i]));
      } else if (!lhsVec && i == mDim) {
        sizes.push_back(tensor::DimOp::create(rewriter, loc, lhs, ra - 2).getResult());
      } else if (!rhsVec && i == nDim) {
        sizes.push_back(tensor::DimOp::create(rewriter, loc, rhs, rb - 1).getResult());
      } else {
        int64_t dl = i - (batch - lb), dr = i - (batch - rbb);
        bool fromLhs = dl >= 0 && lt.isDynamicDim(dl);
        sizes.push_back(tensor::DimOp::create(rewriter, loc, fromLhs ? lhs : rhs,
                                              fromLhs ? dl : dr)
                            .getResult());
      }
    }

    auto accType = resultType.clone(acc);
    Value init = createFilled(rewriter, loc, accType, sizes,
                              scalarConstant(rewriter, loc, acc, 0));

    // Named ops where no broadcasting or promotion is involved: they are
    // what later tiling/vectorization strategies match on.
    bool sameBatch = ra == 3 && rb == 3 && lt.getDimSize(0) == rt.getDimSize(0) &&
                     !lt.isDynamicDim(0);
    if (acc == eltS && ((ra == 2 && rb == 2) || sameBatch)) {
      Value res =
          ra == 2 ? linalg::MatmulOp::create(rewriter, loc, TypeRange{accType},
                                             ValueRange{lhs, rhs},
                                             ValueRange{init})
                        .getResult(0)
                  : linalg::BatchMatmulOp::create(rewriter, loc,
                                                  TypeRange{accType},
                                                  ValueRange{lhs, rhs},
                                                  ValueRange{init})
                        .getResult(0);
      rewriter.replaceOp(op, res);
      return success();
    }

    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    auto batchExprs = [&](RankedTensorType t, int64_t n,
                          SmallVectorImpl<AffineExpr> &exprs) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t loop = batch - n + i;
        exprs.push_back(t.getDimSize(i) == 1 && out[loop] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : d(loop));
      }
    };
    SmallVector<AffineExpr> le, re, oe;
    batchExprs(lt, lb, le);
    if (!lhsVec)
      le.push_back(d(mDim));
    le.push_back(d(kDim));
    batchExprs(rt, rbb, re);
    re.push_back(d(kDim));
    if (!rhsVec)
      re.push_back(d(nDim));
    for (int64_t i = 0; i < outRank; ++i)
      oe.push_back(d(i));
    SmallVector<AffineMap> maps{AffineMap::get(outRank + 1, 0, le, ctx),
                                AffineMap::get(outRank + 1, 0, re, ctx),
                                AffineMap::get(outRank + 1, 0, oe, ctx)};
    SmallVector<utils::IteratorType> iters(outRank,
                                           utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{lhs, rhs},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = extTo(b, l, args[0], acc), y = extTo(b, l, args[1], acc);
          Value prod = emitBinary(b, l, BinaryKind::Mul, x, y, acc, acc);
          linalg::YieldOp::create(
              b, l, emitBinary(b, l, BinaryKind::Add, args[2], prod, acc, acc));
        });
    rewriter.replaceOp(op, roundTo(rewriter, loc, generic.getResult(0), elt));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Softmax and LogSoftmax
//===----------------------------------------------------------------------===//

static Value buildSoftmax(OpBuilder &b, Location loc, Value x, Type elt,
                          int64_t axis, bool isLog) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() == 0) {
    Value one = buildStaticReshape(b, loc, x, type.clone(ArrayRef<int64_t>{1}));
    return buildStaticReshape(b, loc, buildSoftmax(b, loc, one, elt, 0, isLog),
                              type);
  }
  Type ct = getComputeType(elt);
  int64_t rank = type.getRank();
  // Max-subtracted so that exp never overflows.
  Value max = buildReduction(
      b, loc, x, {}, {axis}, ct, lowestValue(b, loc, ct),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        return arith::MaximumFOp::create(nb, l, extTo(nb, l, args[0], ct),
                                         args[1]);
      });
  Value sum = buildReduction(
      b, loc, x, {max}, {axis}, ct, scalarConstant(b, loc, ct, 0),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value s = arith::SubFOp::create(nb, l, extTo(nb, l, args[0], ct), args[1]);
        return arith::AddFOp::create(nb, l, args[2], math::ExpOp::create(nb, l, s));
      });
  AffineMap kept = getDropDimsMap(b.getContext(), rank, {axis});
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank), kept, kept};
  return buildParallelGeneric(
      b, loc, {x, max, sum}, maps, type, getDims(b, loc, x),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value s = arith::SubFOp::create(nb, l, extTo(nb, l, args[0], ct), args[1]);
        Value r = isLog ? (Value)arith::SubFOp::create(
                              nb, l, s, math::LogOp::create(nb, l, args[2]))
                        : (Value)arith::DivFOp::create(
                              nb, l, math::ExpOp::create(nb, l, s), args[2]);
        return r.getType() == elt ? r
                                  : (Value)arith::TruncFOp::create(nb, l, elt, r);
      });
}

template <typename OpTy, bool IsLog>
struct SoftmaxPattern : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type elt = op.getType().getElementType();
    if (!isa<FloatType>(elt))
      return rewriter.notifyMatchFailure(op, "expects a float tensor");
    int64_t rank = op.getType().getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    rewriter.replaceOp(op, buildSoftmax(rewriter, op.getLoc(),
                                        adaptor.getInput(), elt, axis, IsLog));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// LayerNormalization
//===----------------------------------------------------------------------===//

struct LayerNormPattern : OpConversionPattern<llm::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elt = type.getElementType();
    Type ct = getComputeType(elt);
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    auto axes = llvm::to_vector(llvm::seq<int64_t>(axis, rank));

    Value n = countOver(rewriter, loc, x, axes, ct);
    Value sum = buildReduction(
        rewriter, loc, x, {}, axes, ct, scalarConstant(rewriter, loc, ct, 0),
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::AddFOp::create(b, l, args[1], extTo(b, l, args[0], ct));
        });
    auto redType = cast<RankedTensorType>(sum.getType());
    SmallVector<OpFoldResult> redSizes = getDims(rewriter, loc, sum);
    Value mean = buildParallelGeneric(
        rewriter, loc, {sum}, {rewriter.getMultiDimIdentityMap(axis)}, redType,
        redSizes, [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::DivFOp::create(b, l, args[0], n);
        });
    // Two passes (mean, then squared deviations) instead of E[x^2]-E[x]^2:
    // no cancellation for inputs with a large mean.
    Value sq = buildReduction(
        rewriter, loc, x, {mean}, axes, ct, scalarConstant(rewriter, loc, ct, 0),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value dev = arith::SubFOp::create(b, l, extTo(b, l, args[0], ct), args[1]);
          return arith::AddFOp::create(b, l, args[2],
                                       arith::MulFOp::create(b, l, dev, dev));
        });
    double eps = op.getEpsilon().convertToDouble();
    Value invStd = buildParallelGeneric(
        rewriter, loc, {sq}, {rewriter.getMultiDimIdentityMap(axis)}, redType,
        redSizes, [&](OpBuilder &b, Location l, ValueRange args) {
          Value var = arith::DivFOp::create(b, l, args[0], n);
          Value std = math::SqrtOp::create(
              b, l, arith::AddFOp::create(b, l, var, scalarConstant(b, l, ct, eps)));
          return arith::DivFOp::create(b, l, scalarConstant(b, l, ct, 1), std);
        });

    auto statsType = cast<RankedTensorType>(op.getMean().getType());
    Value meanFull =
        expandReducedDims(rewriter, loc, mean, statsType.clone(ct), axes);
    Value invFull =
        expandReducedDims(rewriter, loc, invStd, statsType.clone(ct), axes);
    SmallVector<Value> ins{x, meanFull, invFull, adaptor.getScale()};
    if (adaptor.getBias())
      ins.push_back(adaptor.getBias());
    Value y = buildBroadcastMap(
        rewriter, loc, ins, type, [&](OpBuilder &b, Location l, ValueRange args) {
          Value dev = arith::SubFOp::create(b, l, extTo(b, l, args[0], ct), args[1]);
          Value r = arith::MulFOp::create(
              b, l, arith::MulFOp::create(b, l, dev, args[2]),
              extTo(b, l, args[3], ct));
          if (args.size() > 4)
            r = arith::AddFOp::create(b, l, r, extTo(b, l, args[4], ct));
          return r.getType() == elt ? r
                                    : (Value)arith::TruncFOp::create(b, l, elt, r);
        });
    Type statElt = statsType.getElementType();
    rewriter.replaceOp(op, {y, roundTo(rewriter, loc, meanFull, statElt),
                            roundTo(rewriter, loc, invFull, statElt)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ReduceMean / ReduceSum / ReduceMax
//===----------------------------------------------------------------------===//

enum class ReduceKind { Sum, Mean, Max };

template <typename OpTy, ReduceKind Kind>
struct ReducePattern : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Type elt = elementTypeOf(op.getInput());
    Type ct = getComputeType(elt);
    ArrayRef<int64_t> axes = op.getAxes();
    // Floats combine in the compute type; integers keep their original
    // (possibly unsigned) type so that max picks maxui/maxsi.
    Type combineType = isa<FloatType>(elt) ? ct : elt;
    Value init = Kind == ReduceKind::Max
                     ? lowestValue(rewriter, loc, combineType)
                     : scalarConstant(rewriter, loc, ct, 0);
    BinaryKind combine =
        Kind == ReduceKind::Max ? BinaryKind::Max : BinaryKind::Add;
    Value red = buildReduction(
        rewriter, loc, x, {}, axes, toSignless(ct), init,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return emitBinary(b, l, combine, extTo(b, l, args[0], toSignless(ct)),
                            args[1], combineType, combineType);
        });
    auto redType = cast<RankedTensorType>(red.getType());
    Type eltS = toSignless(elt);
    if (Kind == ReduceKind::Mean) {
      Value n = countOver(rewriter, loc, x, axes, toSignless(ct));
      red = buildParallelGeneric(
          rewriter, loc, {red}, {rewriter.getMultiDimIdentityMap(redType.getRank())},
          redType.clone(eltS), getDims(rewriter, loc, red),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value q = emitBinary(b, l, BinaryKind::Div, args[0], n, combineType,
                                 combineType);
            return q.getType() == eltS ? q
                                       : (Value)arith::TruncFOp::create(b, l, eltS, q);
          });
    } else {
      red = roundTo(rewriter, loc, red, elt);
    }
    auto resultType =
        this->getTypeConverter()->template convertType<RankedTensorType>(
            op.getType());
    rewriter.replaceOp(op, expandReducedDims(rewriter, loc, red, resultType, axes));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// CumSum and Trilu
//===----------------------------------------------------------------------===//

/// out[.., i, ..] = sum over j of in[.., j, ..] where j is before i (or after,
/// for reverse): a masked reduction. Quadratic in the axis length but one
/// parallel linalg op, which maps to any backend without a sequential scan.
struct CumSumPattern : OpConversionPattern<llm::CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getRank() == 0) {
      // A scalar's running sum is itself (exclusive: zero).
      if (!op.getExclusive()) {
        rewriter.replaceOp(op, x);
        return success();
      }
      Type elt = type.getElementType();
      rewriter.replaceOp(op, createFilled(rewriter, loc, type, {},
                                          scalarConstant(rewriter, loc, elt, 0)));
      return success();
    }
    Type elt = elementTypeOf(op.getInput());
    Type ct = toSignless(getComputeType(elt));
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    MLIRContext *ctx = getContext();
    SmallVector<AffineExpr> inExprs;
    for (int64_t i = 0; i < rank; ++i)
      inExprs.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    SmallVector<AffineMap> maps{
        AffineMap::get(rank + 1, 0, inExprs, ctx),
        AffineMap::get(rank + 1, 0,
                       AffineMap::getMultiDimIdentityMap(rank, ctx).getResults(),
                       ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    auto accType = type.clone(ct);
    Value init = createFilled(rewriter, loc, accType, getDims(rewriter, loc, x),
                              scalarConstant(rewriter, loc, ct, 0));
    using P = arith::CmpIPredicate;
    P pred = op.getReverse() ? (op.getExclusive() ? P::sgt : P::sge)
                             : (op.getExclusive() ? P::slt : P::sle);
    Type combineType = isa<FloatType>(elt) ? ct : elt;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{x}, ValueRange{init},
        maps, iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value take = arith::CmpIOp::create(b, l, pred, j, i);
          Value v = extTo(b, l, args[0], ct);
          Value sum = emitBinary(b, l, BinaryKind::Add, args[1], v, combineType,
                                 combineType);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::SelectOp::create(b, l, take, sum, args[1])});
        });
    rewriter.replaceOp(op, roundTo(rewriter, loc, generic.getResult(0), elt));
    return success();
  }
};

struct TriluPattern : OpConversionPattern<llm::TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = type.getRank();
    bool upper = op.getUpper();
    int64_t k = op.getK();
    Value res = buildBroadcastMap(
        rewriter, op.getLoc(), {adaptor.getInput()}, type,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = linalg::IndexOp::create(b, l, rank - 2);
          Value j = linalg::IndexOp::create(b, l, rank - 1);
          Value diff = arith::SubIOp::create(b, l, j, i);
          Value kv = arith::ConstantIndexOp::create(b, l, k);
          Value keep = arith::CmpIOp::create(
              b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
              diff, kv);
          Value zero = scalarConstant(b, l, type.getElementType(), 0);
          return arith::SelectOp::create(b, l, keep, args[0], zero);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerReductionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulPattern, SoftmaxPattern<llm::SoftmaxOp, false>,
               SoftmaxPattern<llm::LogSoftmaxOp, true>, LayerNormPattern,
               ReducePattern<llm::ReduceSumOp, ReduceKind::Sum>,
               ReducePattern<llm::ReduceMeanOp, ReduceKind::Mean>,
               ReducePattern<llm::ReduceMaxOp, ReduceKind::Max>, CumSumPattern,
               TriluPattern>(converter, patterns.getContext());
}
