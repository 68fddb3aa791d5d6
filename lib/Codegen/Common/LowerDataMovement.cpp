//===- LowerDataMovement.cpp - shape and indexing llm ops -----------------===//
// Reshape stays a view (collapse/expand of a contiguous buffer). Strided
// pieces (split, slice, concat inputs, scatter rows) are moved with
// linalg.copy so that bufferization never needs a strided memref.copy.
// Computed addresses (gather, reversed slices) become a linalg.generic, and
// scatter_nd an scf.for over the updates.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

/// An integer index tensor element as `index`; negative values count from
/// the end of a dim of size `dimSize` (ONNX Gather/ScatterND).
static Value toIndex(OpBuilder &b, Location loc, Value v, Type origType,
                     Value dimSize) {
  if (isUnsignedLike(origType))
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, loc, neg,
                                 arith::AddIOp::create(b, loc, i, dimSize), i);
}

/// Writes `src` into the `offsets/sizes/strides` window of `dest` with a
/// linalg.copy into the slice (bufferized in place into a subview) instead of
/// a bare insert_slice, which bufferizes to a memref.copy between strided
/// views: that lowers to a call of the `memrefCopy` runtime helper, which a
/// kernel library linked against libc alone does not have.
static Value insertByCopy(OpBuilder &b, Location loc, Value src, Value dest,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes,
                          ArrayRef<OpFoldResult> strides) {
  auto srcType = cast<RankedTensorType>(src.getType());
  Value window = tensor::ExtractSliceOp::create(b, loc, srcType, dest, offsets,
                                                sizes, strides);
  Value copied = linalg::CopyOp::create(b, loc, src, window).getResult(0);
  return tensor::InsertSliceOp::create(b, loc, copied, dest, offsets, sizes,
                                       strides);
}

/// A fresh tensor holding the elements of a view (extract_slice), for the
/// same reason as insertByCopy: returning the view itself would make the
/// caller's copy a strided memref.copy.
static Value copyToFresh(OpBuilder &b, Location loc, Value view) {
  auto type = cast<RankedTensorType>(view.getType());
  Value init = createEmpty(b, loc, type, getDims(b, loc, view));
  return linalg::CopyOp::create(b, loc, view, init).getResult(0);
}

struct ReshapePattern : OpConversionPattern<llm::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, buildStaticReshape(rewriter, op.getLoc(),
                                              adaptor.getInput(), type));
    return success();
  }
};

struct TransposePattern : OpConversionPattern<llm::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> in = getDims(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : op.getPerm())
      sizes.push_back(in[p]);
    Value init = createEmpty(rewriter, loc, type, sizes);
    auto t = linalg::TransposeOp::create(rewriter, loc, adaptor.getInput(), init,
                                         op.getPerm());
    rewriter.replaceOp(op, t->getResult(0));
    return success();
  }
};

struct ConcatPattern : OpConversionPattern<llm::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    int64_t rank = type.getRank(), axis = normalizeAxis(op.getAxis(), rank);
    Value acc = createEmpty(rewriter, loc, type);
    int64_t offset = 0;
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      // Empty pieces may sit at offset == dim size, which slices reject.
      if (t.getNumElements() == 0)
        continue;
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
          getContext(), t.getShape());
      acc = insertByCopy(rewriter, loc, in, acc, offsets, sizes, strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

struct SplitPattern : OpConversionPattern<llm::SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(in.getType()).getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    SmallVector<OpFoldResult> sizes = getDims(rewriter, loc, in);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<Value> results;
    int64_t offset = 0;
    for (auto [size, res] : llvm::zip(op.getSizes(), op.getResults())) {
      auto type = getTypeConverter()->convertType<RankedTensorType>(res.getType());
      if (type.hasStaticShape() && type.getNumElements() == 0) {
        results.push_back(createEmpty(rewriter, loc, type));
        offset += size;
        continue;
      }
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(size);
      results.push_back(copyToFresh(
          rewriter, loc,
          tensor::ExtractSliceOp::create(rewriter, loc, type, in, offsets, sizes,
                                         strides)));
      offset += size;
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct SlicePattern : OpConversionPattern<llm::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto inType = cast<RankedTensorType>(in.getType());
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    int64_t rank = inType.getRank();
    // ONNX clamping, as in SliceOp type inference.
    SmallVector<int64_t> starts, counts, steps(op.getSteps());
    bool anyNegative = false;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t dim = inType.getDimSize(i), step = steps[i];
      int64_t start = op.getStarts()[i], end = op.getEnds()[i];
      if (start < 0)
        start += dim;
      if (end < 0)
        end += dim;
      int64_t count = 0;
      if (step > 0) {
        start = std::clamp<int64_t>(start, 0, dim);
        end = std::clamp<int64_t>(end, 0, dim);
        count = end > start ? (end - start + step - 1) / step : 0;
      } else if (dim > 0) {
        start = std::clamp<int64_t>(start, 0, dim - 1);
        end = std::clamp<int64_t>(end, -1, dim - 1);
        count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
        anyNegative = true;
      } else {
        start = 0;
      }
      if (count != type.getDimSize(i))
        return rewriter.notifyMatchFailure(op, "result type disagrees with "
                                               "ONNX slice clamping");
      starts.push_back(start);
      counts.push_back(count);
    }
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, createEmpty(rewriter, loc, type));
      return success();
    }
    if (!anyNegative) {
      Value view = tensor::ExtractSliceOp::create(
          rewriter, loc, type, in, getAsIndexOpFoldResult(getContext(), starts),
          getAsIndexOpFoldResult(getContext(), counts),
          getAsIndexOpFoldResult(getContext(), steps));
      rewriter.replaceOp(op, copyToFresh(rewriter, loc, view));
      return success();
    }
    // Reversed dims: read input[start + step * i] through an affine map, a
    // strided view with a negative stride not being expressible in tensor.
    MLIRContext *ctx = getContext();
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < rank; ++i)
      exprs.push_back(getAffineConstantExpr(starts[i], ctx) +
                      getAffineDimExpr(i, ctx) * steps[i]);
    Value res = buildParallelGeneric(
        rewriter, loc, {in}, {AffineMap::get(rank, 0, exprs, ctx)}, type, {},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rewriter.replaceOp(op, res);
    return success();
  }
};

struct GatherPattern : OpConversionPattern<llm::GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto idxType = cast<RankedTensorType>(indices.getType());
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    Type idxElt = elementTypeOf(op.getIndices());
    int64_t r = dataType.getRank(), q = idxType.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), r), outRank = type.getRank();

    SmallVector<OpFoldResult> dataDims = getDims(rewriter, loc, data);
    SmallVector<OpFoldResult> idxDims = getDims(rewriter, loc, indices);
    SmallVector<OpFoldResult> sizes(dataDims.begin(), dataDims.begin() + axis);
    llvm::append_range(sizes, idxDims);
    sizes.append(dataDims.begin() + axis + 1, dataDims.end());
    Value dimSize = getValueOrCreateConstantIndexOp(rewriter, loc, dataDims[axis]);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value last = arith::SubIOp::create(
        rewriter, loc, dimSize, arith::ConstantIndexOp::create(rewriter, loc, 1));

    MLIRContext *ctx = getContext();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    Value res = buildParallelGeneric(
        rewriter, loc, {indices}, {AffineMap::get(outRank, 0, idxExprs, ctx)},
        type, sizes, [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = toIndex(b, l, args[0], idxElt, dimSize);
          // Out-of-range indices are an error in ONNX; clamping keeps a bad
          // input from reading outside the buffer.
          idx = arith::MinSIOp::create(
              b, l, arith::MaxSIOp::create(b, l, idx, zero), last);
          SmallVector<Value> coords;
          for (int64_t i = 0; i < axis; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i));
          coords.push_back(idx);
          for (int64_t i = axis + q; i < outRank; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i));
          return tensor::ExtractOp::create(b, l, data, coords);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

struct ExpandPattern : OpConversionPattern<llm::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    if (adaptor.getInput().getType() == type) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    rewriter.replaceOp(
        op, buildBroadcastMap(
                rewriter, op.getLoc(), {adaptor.getInput()}, type,
                [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    return success();
  }
};

/// A copy of data, then one update row per index tuple in order (so the
/// last of duplicate indices wins, as in ONNX Runtime).
struct ScatterNDPattern : OpConversionPattern<llm::ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto idxType = cast<RankedTensorType>(adaptor.getIndices().getType());
    Type elt = elementTypeOf(op.getData()), eltS = dataType.getElementType();
    Type idxElt = elementTypeOf(op.getIndices());
    int64_t r = dataType.getRank(), k = idxType.getShape().back();
    int64_t numUpdates = 1;
    for (int64_t d : idxType.getShape().drop_back())
      numUpdates *= d;
    ArrayRef<int64_t> rest = dataType.getShape().drop_front(k);
    StringRef reduction = op.getReduction();
    std::optional<BinaryKind> combine;
    if (reduction == "add")
      combine = BinaryKind::Add;
    else if (reduction == "mul")
      combine = BinaryKind::Mul;
    else if (reduction == "max")
      combine = BinaryKind::Max;
    else if (reduction == "min")
      combine = BinaryKind::Min;

    Value copy = linalg::CopyOp::create(rewriter, loc, data,
                                        createEmpty(rewriter, loc, dataType))
                     .getResult(0);
    // No update touches an element (and zero-size slices may not even be
    // expressible at their offsets).
    if (numUpdates == 0 || dataType.getNumElements() == 0) {
      rewriter.replaceOp(op, copy);
      return success();
    }
    Value indices = buildStaticReshape(
        rewriter, loc, adaptor.getIndices(),
        RankedTensorType::get({numUpdates, k}, idxType.getElementType()));
    SmallVector<int64_t> updShape{numUpdates};
    llvm::append_range(updShape, rest);
    Value updates = buildStaticReshape(rewriter, loc, adaptor.getUpdates(),
                                       RankedTensorType::get(updShape, eltS));
    auto sliceType = RankedTensorType::get(rest, eltS);
    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, numUpdates);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, one, ValueRange{copy},
        [&](OpBuilder &b, Location l, Value u, ValueRange iterArgs) {
          Value acc = iterArgs[0];
          SmallVector<Value> coords;
          for (int64_t i = 0; i < k; ++i) {
            Value c = arith::ConstantIndexOp::create(b, l, i);
            Value v = tensor::ExtractOp::create(b, l, indices, ValueRange{u, c});
            Value dim = arith::ConstantIndexOp::create(b, l, dataType.getDimSize(i));
            coords.push_back(toIndex(b, l, v, idxElt, dim));
          }
          Value next;
          if (rest.empty()) {
            Value val = tensor::ExtractOp::create(b, l, updates, ValueRange{u});
            if (combine) {
              Value cur = tensor::ExtractOp::create(b, l, acc, coords);
              val = emitBinary(b, l, *combine, cur, val, elt, elt);
            }
            next = tensor::InsertOp::create(b, l, val, acc, coords);
          } else {
            SmallVector<OpFoldResult> offsets(coords.begin(), coords.end());
            offsets.append(rest.size(), b.getIndexAttr(0));
            SmallVector<OpFoldResult> sizes(k, b.getIndexAttr(1));
            llvm::append_range(sizes, getAsIndexOpFoldResult(b.getContext(), rest));
            SmallVector<OpFoldResult> strides(r, b.getIndexAttr(1));
            SmallVector<OpFoldResult> updOffsets{u};
            updOffsets.append(rest.size(), b.getIndexAttr(0));
            SmallVector<OpFoldResult> updSizes{b.getIndexAttr(1)};
            llvm::append_range(updSizes, getAsIndexOpFoldResult(b.getContext(), rest));
            SmallVector<OpFoldResult> updStrides(rest.size() + 1, b.getIndexAttr(1));
            Value val = tensor::ExtractSliceOp::create(
                b, l, sliceType, updates, updOffsets, updSizes, updStrides);
            if (!combine) {
              next = insertByCopy(b, l, val, acc, offsets, sizes, strides);
            } else {
              // Combine in place: the window of the result is the generic's
              // init, so no temporary is allocated per update.
              Value window = tensor::ExtractSliceOp::create(
                  b, l, sliceType, acc, offsets, sizes, strides);
              int64_t rank = sliceType.getRank();
              SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
              SmallVector<utils::IteratorType> iters(
                  rank, utils::IteratorType::parallel);
              Value combined =
                  linalg::GenericOp::create(
                      b, l, TypeRange{sliceType}, ValueRange{val},
                      ValueRange{window}, maps, iters,
                      [&](OpBuilder &nb, Location nl, ValueRange args) {
                        linalg::YieldOp::create(
                            nb, nl,
                            emitBinary(nb, nl, *combine, args[1], args[0], elt,
                                       elt));
                      })
                      .getResult(0);
              next = tensor::InsertSliceOp::create(b, l, combined, acc, offsets,
                                                   sizes, strides);
            }
          }
          scf::YieldOp::create(b, l, next);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

struct ShapePattern : OpConversionPattern<llm::ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto type = cast<RankedTensorType>(op.getType());
    if (inType.hasStaticShape()) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::get(type, inType.getShape()));
      return success();
    }
    SmallVector<Value> dims;
    for (int64_t i = 0; i < inType.getRank(); ++i) {
      Value d = tensor::DimOp::create(rewriter, loc, adaptor.getInput(), i);
      dims.push_back(
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), d));
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, dims);
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerDataMovementPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReshapePattern, TransposePattern, ConcatPattern, SplitPattern,
               SlicePattern, GatherPattern, ExpandPattern, ScatterNDPattern,
               ShapePattern>(converter, patterns.getContext());
}
