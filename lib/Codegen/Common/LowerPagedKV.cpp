//===- LowerPagedKV.cpp - llm.kv_append / llm.paged_attention -------------===//
// The paged cache is addressed through data (slot_mapping, block tables,
// positions), which affine indexing maps cannot express, so both ops become
// scf loops over tokens and heads whose innermost work is one head_dim
// vector: a K/V row read or written with vector.transfer_* at a computed
// offset. Attention uses the online (flash) softmax over the context of each
// token, so the loop bound is that token's own context length and nothing
// is materialized per position.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// tensor.extract of an i64 element as an index.
Value extractIndex(OpBuilder &b, Location loc, Value tensor,
                   ValueRange indices) {
  Value v = tensor::ExtractOp::create(b, loc, tensor, indices);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// One row of `head_dim` elements at `indices` (the last index is 0),
/// converted to `to`.
Value readRow(OpBuilder &b, Location loc, Value tensor, ValueRange indices,
              int64_t length, Type to) {
  Type elt = cast<RankedTensorType>(tensor.getType()).getElementType();
  auto type = VectorType::get({length}, elt);
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  Value row = vector::TransferReadOp::create(b, loc, type, tensor, indices, pad,
                                             ArrayRef<bool>{true});
  return convertRow(b, loc, row, to);
}

} // namespace

Value llmc::lowering::convertRow(OpBuilder &b, Location loc, Value row,
                                 Type to) {
  auto type = cast<VectorType>(row.getType());
  Type from = type.getElementType();
  if (from == to)
    return row;
  auto target = type.clone(to);
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth())
    return arith::ExtFOp::create(b, loc, target, row);
  return arith::TruncFOp::create(b, loc, target, row);
}

namespace {

struct KVAppendPattern : OpConversionPattern<llm::KVAppendOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::KVAppendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto cacheType = op.getCache().getType();
    auto keyType = op.getKey().getType();
    int64_t page = cacheType.getDimSize(3), heads = keyType.getDimSize(1),
            dim = keyType.getDimSize(3);
    Type cacheElt = cacheType.getElementType();
    Value k = adaptor.getKey(), v = adaptor.getValue(),
          slots = adaptor.getSlotMapping();
    Value c0 = indexConst(rewriter, loc, 0), c1 = indexConst(rewriter, loc, 1);
    Value layer = indexConst(rewriter, loc, op.getLayer());
    Value pageV = indexConst(rewriter, loc, page);
    Value zero64 = arith::ConstantIntOp::create(rewriter, loc, 0, 64);

    auto tokens = scf::ForOp::create(
        rewriter, loc, c0, dimIndex(rewriter, loc, k, 2), c1,
        ValueRange{adaptor.getCache()},
        [&](OpBuilder &b, Location l, Value n, ValueRange iter) {
          Value slot = tensor::ExtractOp::create(b, l, slots, ValueRange{n});
          Value valid = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge,
                                              slot, zero64);
          auto ifOp = scf::IfOp::create(
              b, l, valid,
              [&](OpBuilder &tb, Location tl) {
                Value s = arith::IndexCastOp::create(tb, tl,
                                                     tb.getIndexType(), slot);
                Value block = arith::DivUIOp::create(tb, tl, s, pageV);
                Value offset = arith::RemUIOp::create(tb, tl, s, pageV);
                auto headLoop = scf::ForOp::create(
                    tb, tl, c0, indexConst(tb, tl, heads), c1, iter,
                    [&](OpBuilder &hb, Location hl, Value h, ValueRange c) {
                      Value cache = c[0];
                      Value sources[] = {k, v};
                      for (auto [which, src] : llvm::enumerate(sources)) {
                        Value row = readRow(hb, hl, src, {c0, h, n, c0}, dim,
                                            cacheElt);
                        cache = vector::TransferWriteOp::create(
                                    hb, hl, row, cache,
                                    ValueRange{block, layer,
                                               indexConst(hb, hl,
                                                          int64_t(which)),
                                               offset, h, c0},
                                    ArrayRef<bool>{true})
                                    .getResult();
                      }
                      scf::YieldOp::create(hb, hl, cache);
                    });
                scf::YieldOp::create(tb, tl, headLoop.getResults());
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter);
              });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    rewriter.replaceOp(op, tokens.getResults());
    return success();
  }
};

struct PagedAttentionPattern : OpConversionPattern<llm::PagedAttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::PagedAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qType = op.getQuery().getType();
    auto cacheType = op.getCache().getType();
    int64_t heads = qType.getDimSize(1), tokens = qType.getDimSize(2),
            dim = qType.getDimSize(3), page = cacheType.getDimSize(3);
    int64_t group = heads / cacheType.getDimSize(4);
    Type elt = qType.getElementType(), f32 = rewriter.getF32Type();
    auto vecType = VectorType::get({dim}, f32);
    Value q = adaptor.getQuery(), cache = adaptor.getCache(),
          positions = adaptor.getPositions(), seqs = adaptor.getTokenSeq(),
          tables = adaptor.getBlockTables();
    Value c0 = indexConst(rewriter, loc, 0), c1 = indexConst(rewriter, loc, 1);
    Value layer = indexConst(rewriter, loc, op.getLayer());
    Value pageV = indexConst(rewriter, loc, page);
    Value groupV = indexConst(rewriter, loc, group);
    Value scale = arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(op.getScale().convertToFloat()));
    Value negInf = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
    Value zeroF = arith::ConstantOp::create(rewriter, loc,
                                            rewriter.getF32FloatAttr(0));
    Value zeroVec = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(vecType, 0.0f));
    Value init = tensor::EmptyOp::create(rewriter, loc, qType.getShape(), elt);

    auto tokenLoop = scf::ForOp::create(
        rewriter, loc, c0, indexConst(rewriter, loc, tokens), c1,
        ValueRange{init},
        [&](OpBuilder &b, Location l, Value n, ValueRange outs) {
          Value pos = extractIndex(b, l, positions, {c0, n});
          Value seq = extractIndex(b, l, seqs, {n});
          Value context = arith::AddIOp::create(b, l, pos, c1);
          auto headLoop = scf::ForOp::create(
              b, l, c0, indexConst(b, l, heads), c1, outs,
              [&](OpBuilder &hb, Location hl, Value h, ValueRange out) {
                Value kvHead = arith::DivUIOp::create(hb, hl, h, groupV);
                Value qRow = readRow(hb, hl, q, {c0, h, n, c0}, dim, f32);
                // Online softmax over the context: running max m, running
                // sum l and the unnormalized output row.
                auto keyLoop = scf::ForOp::create(
                    hb, hl, c0, context, c1,
                    ValueRange{negInf, zeroF, zeroVec},
                    [&](OpBuilder &kb, Location kl, Value j, ValueRange st) {
                      Value slotBlock = arith::DivUIOp::create(kb, kl, j, pageV);
                      Value offset = arith::RemUIOp::create(kb, kl, j, pageV);
                      Value block = extractIndex(kb, kl, tables,
                                                 {seq, slotBlock});
                      auto row = [&](int64_t which) {
                        return readRow(kb, kl, cache,
                                       {block, layer,
                                        indexConst(kb, kl, which), offset,
                                        kvHead, c0},
                                       dim, f32);
                      };
                      Value prod = arith::MulFOp::create(kb, kl, qRow, row(0));
                      Value dot = vector::ReductionOp::create(
                          kb, kl, vector::CombiningKind::ADD, prod);
                      Value s = arith::MulFOp::create(kb, kl, dot, scale);
                      Value m = arith::MaximumFOp::create(kb, kl, st[0], s);
                      Value alpha = math::ExpOp::create(
                          kb, kl, arith::SubFOp::create(kb, kl, st[0], m));
                      Value p = math::ExpOp::create(
                          kb, kl, arith::SubFOp::create(kb, kl, s, m));
                      Value sum = arith::AddFOp::create(
                          kb, kl, arith::MulFOp::create(kb, kl, st[1], alpha),
                          p);
                      Value alphaV = vector::BroadcastOp::create(kb, kl, vecType,
                                                                 alpha);
                      Value pV = vector::BroadcastOp::create(kb, kl, vecType, p);
                      Value acc = arith::AddFOp::create(
                          kb, kl, arith::MulFOp::create(kb, kl, st[2], alphaV),
                          arith::MulFOp::create(kb, kl, pV, row(1)));
                      scf::YieldOp::create(kb, kl, ValueRange{m, sum, acc});
                    });
                Value sumV = vector::BroadcastOp::create(
                    hb, hl, vecType, keyLoop.getResult(1));
                Value y = arith::DivFOp::create(hb, hl, keyLoop.getResult(2),
                                                sumV);
                y = convertRow(hb, hl, y, elt);
                Value written =
                    vector::TransferWriteOp::create(
                        hb, hl, y, out[0], ValueRange{c0, h, n, c0},
                        ArrayRef<bool>{true})
                        .getResult();
                scf::YieldOp::create(hb, hl, written);
              });
          scf::YieldOp::create(b, l, headLoop.getResults());
        });
    rewriter.replaceOp(op, tokenLoop.getResults());
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerPagedKVPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<KVAppendPattern, PagedAttentionPattern>(converter,
                                                       patterns.getContext());
}
