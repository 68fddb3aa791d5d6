//===- LowerAttention.cpp - llm.attention to linalg -----------------------===//
// Scaled dot-product attention as five linalg.generic ops, all computed in
// the compute type (f32 for f16/bf16):
//
//   scores[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h/g,j,d]        (contraction)
//   x[b,h,i,j]      = scale * scores + mask, -inf where causal hides j
//   m[b,h,i]        = max_j x                                  (stable softmax)
//   l[b,h,i]        = sum_j exp(x - m)
//   y[b,h,i,e]      = sum_j exp(x - m) / l * v[b,h/g,j,e]      (contraction)
//
// GQA/MQA reads the shared KV head through the indexing map `h floordiv g`
// (g = Hq / Hkv, static), so repeated K/V are never materialized. A fused
// (flash) kernel replaces this pattern in a backend that has one.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

/// A linalg.generic over `loops` dims whose last `numReduced` are reductions,
/// accumulating into `init` (identity map over the leading dims).
static Value buildContraction(OpBuilder &b, Location loc, ValueRange inputs,
                              ArrayRef<AffineMap> inputMaps, Value init,
                              unsigned loops, unsigned numReduced,
                              BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(inputMaps);
  SmallVector<AffineExpr> outExprs;
  for (unsigned i = 0; i < loops - numReduced; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  maps.push_back(AffineMap::get(loops, 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iters(loops - numReduced,
                                         utils::IteratorType::parallel);
  iters.append(numReduced, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return generic.getResult(0);
}

struct AttentionPattern : OpConversionPattern<llm::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Value mask = adaptor.getMask();
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t hq = qt.getDimSize(1), hkv = kt.getDimSize(1);
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return rewriter.notifyMatchFailure(op, "head counts must be static");
    int64_t group = hq / hkv;
    Type elt = qt.getElementType(), ct = getComputeType(elt);

    SmallVector<OpFoldResult> qDims = getDims(rewriter, loc, q);
    SmallVector<OpFoldResult> kDims = getDims(rewriter, loc, k);
    SmallVector<OpFoldResult> vDims = getDims(rewriter, loc, v);
    SmallVector<int64_t> scoreShape{qt.getDimSize(0), hq, qt.getDimSize(2),
                                    kt.getDimSize(2)};
    auto scoreType = RankedTensorType::get(scoreShape, ct);
    SmallVector<OpFoldResult> scoreSizes{qDims[0], qDims[1], qDims[2],
                                         kDims[2]};
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    Value zero = scalarConstant(rewriter, loc, ct, 0);
    Value negInf = scalarConstant(rewriter, loc, ct,
                                  -std::numeric_limits<double>::infinity());

    // scores = q . k over d; loops (b, h, i, j, d).
    Value scores = buildContraction(
        rewriter, loc, {q, k},
        {AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
         AffineMap::get(5, 0, {d(0), d(1).floorDiv(group), d(3), d(4)}, ctx)},
        createFilled(rewriter, loc, scoreType, scoreSizes, zero), 5, 1,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = arith::MulFOp::create(b, l, extTo(b, l, args[0], ct),
                                          extTo(b, l, args[1], ct));
          return arith::AddFOp::create(b, l, args[2], p);
        });

    // Scale, additive mask, causal cut.
    SmallVector<Value> inputs{scores};
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(4)};
    if (mask) {
      inputs.push_back(mask);
      maps.push_back(getBroadcastMap(
          ctx, cast<RankedTensorType>(mask.getType()).getShape(), scoreShape));
    }
    Value offset; // T - S
    if (op.getCausal())
      offset = arith::SubIOp::create(rewriter, loc, dimIndex(rewriter, loc, k, 2),
                                     dimIndex(rewriter, loc, q, 2));
    double scale = op.getScale().convertToDouble();
    Value x = buildParallelGeneric(
        rewriter, loc, inputs, maps, scoreType, scoreSizes,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value s = arith::MulFOp::create(b, l, args[0],
                                          scalarConstant(b, l, ct, scale));
          if (mask)
            s = arith::AddFOp::create(b, l, s, extTo(b, l, args[1], ct));
          if (offset) {
            Value i = linalg::IndexOp::create(b, l, 2);
            Value j = linalg::IndexOp::create(b, l, 3);
            Value hidden = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ugt, j,
                arith::AddIOp::create(b, l, i, offset));
            s = arith::SelectOp::create(b, l, hidden, negInf, s);
          }
          return s;
        });

    // Numerically stable softmax over j.
    Value rowMax = buildReduction(
        rewriter, loc, x, {}, {3}, ct, negInf,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MaximumFOp::create(b, l, args[0], args[1]);
        });
    Value rowSum = buildReduction(
        rewriter, loc, x, {rowMax}, {3}, ct, zero,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, args[0], args[1]));
          return arith::AddFOp::create(b, l, args[2], e);
        });
    AffineMap rowMap = getDropDimsMap(ctx, 4, {3});
    Value probs = buildParallelGeneric(
        rewriter, loc, {x, rowMax, rowSum},
        {rewriter.getMultiDimIdentityMap(4), rowMap, rowMap}, scoreType,
        scoreSizes, [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, args[0], args[1]));
          return arith::DivFOp::create(b, l, e, args[2]);
        });

    // y = probs . v over j; loops (b, h, i, e, j).
    auto accType = resultType.clone(ct);
    SmallVector<OpFoldResult> outSizes{qDims[0], qDims[1], qDims[2], vDims[3]};
    Value y = buildContraction(
        rewriter, loc, {probs, v},
        {AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
         AffineMap::get(5, 0, {d(0), d(1).floorDiv(group), d(4), d(3)}, ctx)},
        createFilled(rewriter, loc, accType, outSizes, zero), 5, 1,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = arith::MulFOp::create(b, l, args[0],
                                          extTo(b, l, args[1], ct));
          return arith::AddFOp::create(b, l, args[2], p);
        });
    if (ct != elt)
      y = buildParallelGeneric(
          rewriter, loc, {y}, {rewriter.getMultiDimIdentityMap(4)}, resultType,
          outSizes, [&](OpBuilder &b, Location l, ValueRange args) {
            return arith::TruncFOp::create(b, l, elt, args[0]);
          });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerAttentionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<AttentionPattern>(converter, patterns.getContext());
}
