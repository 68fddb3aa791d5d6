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
    int64_t kvHeads = cacheType.getDimSize(4);
    int64_t group = heads / kvHeads;
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
          // One KV head at a time: each K/V row is read once for the
          // `group` query heads that share it (GQA), each with its own
          // online-softmax state (running max m, sum l, output row).
          auto headLoop = scf::ForOp::create(
              b, l, c0, indexConst(b, l, kvHeads), c1, outs,
              [&](OpBuilder &hb, Location hl, Value kvHead, ValueRange out) {
                SmallVector<Value> headIds, qRows, init;
                for (int64_t g = 0; g < group; ++g) {
                  Value h = arith::AddIOp::create(
                      hb, hl, arith::MulIOp::create(hb, hl, kvHead, groupV),
                      indexConst(hb, hl, g));
                  headIds.push_back(h);
                  qRows.push_back(readRow(hb, hl, q, {c0, h, n, c0}, dim, f32));
                  init.append({negInf, zeroF, zeroVec});
                }
                auto keyLoop = scf::ForOp::create(
                    hb, hl, c0, context, c1, init,
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
                      Value kRow = row(0), vRow = row(1);
                      SmallVector<Value> next;
                      for (int64_t g = 0; g < group; ++g) {
                        Value mOld = st[3 * g], lOld = st[3 * g + 1],
                              accOld = st[3 * g + 2];
                        Value prod = arith::MulFOp::create(kb, kl, qRows[g], kRow);
                        Value dot = vector::ReductionOp::create(
                            kb, kl, vector::CombiningKind::ADD, prod);
                        Value s = arith::MulFOp::create(kb, kl, dot, scale);
                        Value m = arith::MaximumFOp::create(kb, kl, mOld, s);
                        Value alpha = math::ExpOp::create(
                            kb, kl, arith::SubFOp::create(kb, kl, mOld, m));
                        Value p = math::ExpOp::create(
                            kb, kl, arith::SubFOp::create(kb, kl, s, m));
                        Value sum = arith::AddFOp::create(
                            kb, kl, arith::MulFOp::create(kb, kl, lOld, alpha),
                            p);
                        Value alphaV = vector::BroadcastOp::create(
                            kb, kl, vecType, alpha);
                        Value pV = vector::BroadcastOp::create(kb, kl, vecType, p);
                        Value acc = arith::AddFOp::create(
                            kb, kl, arith::MulFOp::create(kb, kl, accOld, alphaV),
                            arith::MulFOp::create(kb, kl, pV, vRow));
                        next.append({m, sum, acc});
                      }
                      scf::YieldOp::create(kb, kl, next);
                    });
                Value written = out[0];
                for (int64_t g = 0; g < group; ++g) {
                  Value sumV = vector::BroadcastOp::create(
                      hb, hl, vecType, keyLoop.getResult(3 * g + 1));
                  Value y = arith::DivFOp::create(
                      hb, hl, keyLoop.getResult(3 * g + 2), sumV);
                  y = convertRow(hb, hl, y, elt);
                  written = vector::TransferWriteOp::create(
                                hb, hl, y, written,
                                ValueRange{c0, headIds[g], n, c0},
                                ArrayRef<bool>{true})
                                .getResult();
                }
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
