//===- LowerSemanticOps.cpp - rms_norm, silu_mul, rope to linalg ----------===//
// The semantic ops made by the llm-raise-* passes (docs/raising.md). Each
// becomes a few linalg ops here so that raised graphs compile end to end; a
// backend with fused kernels replaces these patterns. f16/bf16 are computed
// in f32 and rounded once, like every other lowering (docs/codegen.md).
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

/// Size of dim `d` of `t` as a scalar of the float type `type`.
static Value dimAsFloat(OpBuilder &b, Location loc, Value t, int64_t d,
                        Type type) {
  auto tt = cast<RankedTensorType>(t.getType());
  if (!tt.isDynamicDim(d))
    return scalarConstant(b, loc, type, (double)tt.getDimSize(d));
  Value n = tensor::DimOp::create(b, loc, t, d);
  n = arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
  return arith::SIToFPOp::create(b, loc, type, n);
}

//===----------------------------------------------------------------------===//
// rms_norm: sum of squares over the last dim, 1/sqrt(mean + eps), then
// round(x * inv) * weight. Same operation order as the exporter's graph
// (ReduceMean of x^2, Add eps, Sqrt, Div 1 by it, Mul x, Mul weight).
//===----------------------------------------------------------------------===//

struct RMSNormPattern : OpConversionPattern<llm::RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    auto type = cast<RankedTensorType>(x.getType());
    Type elt = type.getElementType(), ct = getComputeType(elt);
    int64_t rank = type.getRank(), last = rank - 1;

    Value n = dimAsFloat(rewriter, loc, x, last, ct);
    Value sumsq = buildReduction(
        rewriter, loc, x, {}, {last}, ct, scalarConstant(rewriter, loc, ct, 0),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = extTo(b, l, args[0], ct);
          return arith::AddFOp::create(b, l, args[1],
                                       arith::MulFOp::create(b, l, v, v));
        });
    auto redType = cast<RankedTensorType>(sumsq.getType());
    double eps = op.getEpsilon().convertToDouble();
    Value inv = buildParallelGeneric(
        rewriter, loc, {sumsq}, {rewriter.getMultiDimIdentityMap(last)}, redType,
        getDims(rewriter, loc, sumsq),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value mean = arith::DivFOp::create(b, l, args[0], n);
          Value s = math::SqrtOp::create(
              b, l, arith::AddFOp::create(b, l, mean, scalarConstant(b, l, ct, eps)));
          return arith::DivFOp::create(b, l, scalarConstant(b, l, ct, 1), s);
        });
    SmallVector<AffineMap> maps{
        rewriter.getMultiDimIdentityMap(rank), getDropDimsMap(ctx, rank, {last}),
        AffineMap::get(rank, 0, getAffineDimExpr(last, ctx))};
    Value y = buildParallelGeneric(
        rewriter, loc, {x, inv, w}, maps, type, getDims(rewriter, loc, x),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = arith::MulFOp::create(b, l, extTo(b, l, args[0], ct), args[1]);
          // HF rounds the normalized value to the model dtype before scaling.
          v = extTo(b, l, truncTo(b, l, v, elt), ct);
          v = arith::MulFOp::create(b, l, v, extTo(b, l, args[2], ct));
          return truncTo(b, l, v, elt);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// silu_mul: gate * sigmoid(gate) * up in one elementwise op.
//===----------------------------------------------------------------------===//

struct SiluMulPattern : OpConversionPattern<llm::SiluMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::SiluMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getGate().getType());
    Type elt = type.getElementType(), ct = getComputeType(elt);
    Value y = buildBroadcastMap(
        rewriter, op.getLoc(), {adaptor.getGate(), adaptor.getUp()}, type,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value g = extTo(b, l, args[0], ct);
          Value one = scalarConstant(b, l, ct, 1);
          Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, g));
          Value sig = arith::DivFOp::create(b, l, one,
                                            arith::AddFOp::create(b, l, one, e));
          Value silu = arith::MulFOp::create(b, l, g, sig);
          Value r = arith::MulFOp::create(b, l, silu, extTo(b, l, args[1], ct));
          return truncTo(b, l, r, elt);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// rope: one elementwise op over x's shape reading cos/sin through broadcast
// maps and the rotation partner of each element with tensor.extract.
//===----------------------------------------------------------------------===//

struct RopePattern : OpConversionPattern<llm::RopeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elt = type.getElementType(), ct = getComputeType(elt);
    int64_t rank = type.getRank(), last = rank - 1;
    bool interleaved = op.getInterleaved();
    Value half;
    if (!interleaved) {
      Value d = type.isDynamicDim(last)
                    ? (Value)tensor::DimOp::create(rewriter, loc, x, last)
                    : (Value)arith::ConstantIndexOp::create(
                          rewriter, loc, type.getDimSize(last));
      half = arith::DivUIOp::create(
          rewriter, loc, d, arith::ConstantIndexOp::create(rewriter, loc, 2));
    }
    Value y = buildBroadcastMap(
        rewriter, loc, {x, adaptor.getCos(), adaptor.getSin()}, type,
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> idx;
          for (int64_t i = 0; i < rank; ++i)
            idx.push_back(linalg::IndexOp::create(b, l, i));
          Value i = idx[last], first, partner;
          Value one = arith::ConstantIndexOp::create(b, l, 1);
          if (interleaved) {
            // Pairs (2k, 2k+1): the even element takes -x[2k+1].
            Value two = arith::ConstantIndexOp::create(b, l, 2);
            Value zero = arith::ConstantIndexOp::create(b, l, 0);
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                          arith::RemUIOp::create(b, l, i, two),
                                          zero);
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, i, one),
                arith::SubIOp::create(b, l, i, one));
          } else {
            // First half takes -x[i + d/2], second half x[i - d/2].
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, i, half);
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, i, half),
                arith::SubIOp::create(b, l, i, half));
          }
          idx[last] = partner;
          Value p = extTo(b, l, tensor::ExtractOp::create(b, l, x, idx), ct);
          Value rot = arith::SelectOp::create(
              b, l, first, arith::NegFOp::create(b, l, p), p);
          Value a = arith::MulFOp::create(b, l, extTo(b, l, args[0], ct),
                                          extTo(b, l, args[1], ct));
          Value c = arith::MulFOp::create(b, l, rot, extTo(b, l, args[2], ct));
          return truncTo(b, l, arith::AddFOp::create(b, l, a, c), elt);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerSemanticPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RMSNormPattern, SiluMulPattern, RopePattern>(
      converter, patterns.getContext());
}
