//===- LowerQuantized.cpp - matmul_nbits to linalg -------------------------===//
// llm.matmul_nbits (onnxruntime's MatMulNBits) becomes one linalg.generic
// over (batch..., m, n, k) that reads the packed weight, the scales and the
// zero points with tensor.extract and dequantizes each weight element inside
// the contraction, exactly as ORT does it: 4-bit values low nibble first,
// `(q - zp) * scale` with zero point 2^(bits-1) when none is given, zero
// points packed like the weight. Accumulation is in f32 for f16/bf16 (in the
// element type otherwise), rounded once at the end.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

struct MatMulNBitsPattern : OpConversionPattern<llm::MatMulNBitsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::MatMulNBitsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value a = adaptor.getA(), packed = adaptor.getB(),
          scales = adaptor.getScales(), zeroPoints = adaptor.getZeroPoints();
    auto at = cast<RankedTensorType>(a.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elt = at.getElementType(), ct = getComputeType(elt);
    int64_t bits = op.getBits(), blockSize = op.getBlockSize();
    int64_t k = op.getK(), n = op.getN();
    int64_t nBlocks = (k + blockSize - 1) / blockSize;
    int64_t zpBlob = (nBlocks * bits + 7) / 8;
    bool flatScales =
        cast<RankedTensorType>(scales.getType()).getRank() == 1;
    bool flatZeroPoints =
        zeroPoints && cast<RankedTensorType>(zeroPoints.getType()).getRank() == 1;

    // Loops: the result dims (batch..., m, n), then k (reduction).
    int64_t outRank = resultType.getRank(), loops = outRank + 1;
    int64_t nDim = outRank - 1, kDim = outRank;
    SmallVector<AffineExpr> aExprs, outExprs;
    for (int64_t i = 0; i < outRank - 1; ++i) {
      aExprs.push_back(getAffineDimExpr(i, ctx));
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
    aExprs.push_back(getAffineDimExpr(kDim, ctx));
    outExprs.push_back(getAffineDimExpr(nDim, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, aExprs, ctx),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(loops,
                                               utils::IteratorType::parallel);
    iterators[kDim] = utils::IteratorType::reduction;

    SmallVector<OpFoldResult> sizes = getDims(rewriter, loc, a);
    sizes.back() = rewriter.getIndexAttr(n);
    auto accType = resultType.clone(ct);
    Value init = createFilled(rewriter, loc, accType, sizes,
                              scalarConstant(rewriter, loc, ct, 0));

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{a}, ValueRange{init},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Type i32 = b.getI32Type();
          auto cidx = [&](int64_t v) {
            return (Value)arith::ConstantIndexOp::create(b, l, v);
          };
          auto ci32 = [&](int64_t v) {
            return (Value)arith::ConstantIntOp::create(b, l, i32, v);
          };
          Value col = linalg::IndexOp::create(b, l, nDim);
          Value kk = linalg::IndexOp::create(b, l, kDim);
          Value blk = arith::DivUIOp::create(b, l, kk, cidx(blockSize));
          Value inBlk = arith::RemUIOp::create(b, l, kk, cidx(blockSize));
          // Value `i` of a packed byte array: byte i*bits/8, low bits first.
          auto unpack = [&](Value byte, Value i) -> Value {
            Value v = arith::ExtUIOp::create(b, l, i32, byte);
            if (bits == 8)
              return v;
            Value odd = arith::RemUIOp::create(b, l, i, cidx(2));
            Value shift = arith::MulIOp::create(
                b, l, arith::IndexCastOp::create(b, l, i32, odd), ci32(4));
            return arith::AndIOp::create(
                b, l, arith::ShRUIOp::create(b, l, v, shift), ci32(15));
          };
          auto byteIndex = [&](Value i) -> Value {
            return bits == 8 ? i : (Value)arith::DivUIOp::create(b, l, i, cidx(2));
          };
          Value q = unpack(tensor::ExtractOp::create(
                               b, l, packed,
                               ValueRange{col, blk, byteIndex(inBlk)}),
                           inBlk);
          // Row `col`, entry `j` of a [n * width] or [n, width] tensor.
          auto rowEntry = [&](Value t, bool flat, int64_t width, Value j) {
            if (!flat)
              return (Value)tensor::ExtractOp::create(b, l, t,
                                                      ValueRange{col, j});
            Value idx = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, col, cidx(width)), j);
            return (Value)tensor::ExtractOp::create(b, l, t, ValueRange{idx});
          };
          Value zp = zeroPoints
                         ? unpack(rowEntry(zeroPoints, flatZeroPoints, zpBlob,
                                           byteIndex(blk)),
                                  blk)
                         : ci32(int64_t(1) << (bits - 1));
          Value scale =
              extTo(b, l, rowEntry(scales, flatScales, nBlocks, blk), ct);
          Value w = arith::MulFOp::create(
              b, l,
              arith::SIToFPOp::create(b, l, ct,
                                      arith::SubIOp::create(b, l, q, zp)),
              scale);
          Value prod =
              arith::MulFOp::create(b, l, extTo(b, l, args[0], ct), w);
          Value sum = arith::AddFOp::create(b, l, args[1], prod);
          linalg::YieldOp::create(b, l, sum);
        });
    Value result = generic.getResult(0);
    if (ct != elt)
      result = buildBroadcastMap(rewriter, loc, {result}, resultType,
                                 [&](OpBuilder &b, Location l, ValueRange args) {
                                   return truncTo(b, l, args[0], elt);
                                 });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerQuantizedPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulNBitsPattern>(converter, patterns.getContext());
}
