//===- OpImportersAttention.cpp - attention ops to llm.attention ----------===//
// Fused attention ops, imported into `llm.attention` plus the reshapes,
// transposes and KV concats around it (docs/importer.md, "Attention"):
//   Attention (opset 23)                    q/k/v 3-D or 4-D, mask, past
//   com.microsoft.MultiHeadAttention        3-D q/k/v, attention_bias, past
//   com.microsoft.GroupQueryAttention       3-D q/k/v, past, rotary, causal
// GQA's rotary reads the cos/sin rows at positions seqlens_k + 1 - S + s: a
// static slice when seqlens_k is a constant, else a gather at positions
// computed from seqlens_k (onnxruntime-genai computes it from
// attention_mask; llm-paged-kv-cache replaces such mask-derived positions
// by the generation step's `positions`, docs/kv-cache.md "Positions").
//===----------------------------------------------------------------------===//
#include "NodeContext.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

LogicalResult rejectOutput(NodeContext &n, unsigned i, StringRef what) {
  if (!n.hasOutput(i))
    return success();
  return n.emitError() << "output " << i << " ('" << n.node.output(i) << "', "
                       << what << ") is not supported";
}

LogicalResult rejectInput(NodeContext &n, unsigned i, StringRef what) {
  if (!n.hasInput(i))
    return success();
  return n.emitError() << "input " << i << " ('" << n.inputName(i) << "', "
                       << what << ") is not supported";
}

FailureOr<Value> transpose(NodeContext &n, Value v, ArrayRef<int64_t> perm) {
  return n.create<TransposeOp>({v},
                               {n.namedAttr("perm", n.b.getDenseI64ArrayAttr(perm))});
}

/// [B, S, H * D] -> [B, H, S, D].
FailureOr<Value> splitHeads(NodeContext &n, Value x, int64_t heads,
                            StringRef what) {
  RankedTensorType t = typeOf(x);
  if (t.getRank() != 3)
    return n.emitError() << what << " must be 3-D [B, S, H * D], got " << t;
  int64_t hd = t.getDimSize(2);
  if (heads <= 0 || hd == kDyn || hd % heads != 0)
    return n.emitError() << what << " hidden size " << hd
                         << " is not a multiple of the head count " << heads;
  FailureOr<Value> r = n.reshape(
      x, {t.getDimSize(0), t.getDimSize(1), heads, hd / heads});
  if (failed(r))
    return failure();
  return transpose(n, *r, {0, 2, 1, 3});
}

/// [B, H, S, D] -> [B, S, H * D].
FailureOr<Value> mergeHeads(NodeContext &n, Value y) {
  FailureOr<Value> t = transpose(n, y, {0, 2, 1, 3});
  if (failed(t))
    return failure();
  RankedTensorType tt = typeOf(*t);
  return n.reshape(*t, {tt.getDimSize(0), tt.getDimSize(1),
                        shapeProduct(tt.getShape().drop_front(2))});
}

/// concat(past, cur) along the sequence axis 2, or cur without a past.
FailureOr<Value> appendKV(NodeContext &n, unsigned pastIndex, Value cur) {
  if (!n.hasInput(pastIndex))
    return cur;
  Value past = n.input(pastIndex);
  if (typeOf(past).getRank() != 4)
    return n.emitError() << "input '" << n.inputName(pastIndex)
                         << "' must be 4-D [B, H, P, D], got " << typeOf(past);
  return n.create<ConcatOp>({past, cur},
                            {n.namedAttr("axis", n.b.getI64IntegerAttr(2))});
}

/// An additive mask from a bool (true = attend: 0, false: the most negative
/// finite value) or float one.
FailureOr<Value> additiveMask(NodeContext &n, Value mask, Type elt) {
  RankedTensorType t = typeOf(mask);
  if (t.getElementType().isInteger(1)) {
    auto ft = cast<FloatType>(elt);
    double lowest =
        APFloat::getLargest(ft.getFloatSemantics(), /*Negative=*/true)
            .convertToDouble();
    return n.create<WhereOp>({mask, n.scalarConstant(elt, 0.0),
                              n.scalarConstant(elt, lowest)});
  }
  if (t.getElementType() != elt)
    return n.emitError() << "mask element type " << t.getElementType()
                         << " differs from the query element type " << elt;
  return mask;
}

FailureOr<Value> attention(NodeContext &n, Value q, Value k, Value v,
                           Value mask, double scale, bool causal) {
  SmallVector<Value> ops{q, k, v};
  if (mask)
    ops.push_back(mask);
  return n.create<AttentionOp>(
      ops, {n.namedAttr("scale", n.b.getF32FloatAttr(scale)),
            n.namedAttr("causal", n.b.getBoolAttr(causal))});
}

double defaultScale(NodeContext &n, Value q4) {
  int64_t d = typeOf(q4).getDimSize(3);
  return n.floatAttr("scale", 0.0f) != 0.0f ? n.floatAttr("scale", 0.0f)
                                             : 1.0 / std::sqrt((double)d);
}

/// The tail all three attention importers share: present = past ++ new
/// (inputs pastIndex, pastIndex + 1), the optional additive mask of input
/// `maskIndex` (< 0: none), attention, then outputs Y (heads merged back to
/// [B, S, H * D] when `merge`), present_key, present_value.
LogicalResult attendAndSetOutputs(NodeContext &n, Value q, Value k, Value v,
                                  unsigned pastIndex, int maskIndex,
                                  bool causal, bool merge) {
  FailureOr<Value> presentK = appendKV(n, pastIndex, k);
  if (failed(presentK))
    return failure();
  FailureOr<Value> presentV = appendKV(n, pastIndex + 1, v);
  if (failed(presentV))
    return failure();
  Value mask;
  if (maskIndex >= 0 && n.hasInput(maskIndex)) {
    FailureOr<Value> m =
        additiveMask(n, n.input(maskIndex), typeOf(q).getElementType());
    if (failed(m))
      return failure();
    mask = *m;
  }
  FailureOr<Value> y =
      attention(n, q, *presentK, *presentV, mask, defaultScale(n, q), causal);
  if (failed(y))
    return failure();
  if (failed(n.setResult(merge ? mergeHeads(n, *y) : y)))
    return failure();
  n.setOutput(1, *presentK);
  n.setOutput(2, *presentV);
  return success();
}

//===----------------------------------------------------------------------===//
// Attention (ONNX opset 23)
//===----------------------------------------------------------------------===//

LogicalResult importOnnxAttention(NodeContext &n) {
  if (failed(n.requireInputs(3)) ||
      failed(rejectInput(n, 6, "nonpad_kv_seqlen")) ||
      failed(rejectOutput(n, 3, "qk_matmul_output")))
    return failure();
  if (n.floatAttr("softcap", 0.0f) != 0.0f)
    return n.emitError() << "softcap " << n.floatAttr("softcap", 0.0f)
                         << " is not supported (only 0)";
  if (n.intAttr("qk_matmul_output_mode", 0) != 0)
    return n.emitError() << "qk_matmul_output_mode "
                         << n.intAttr("qk_matmul_output_mode", 0)
                         << " is not supported (only 0)";
  Type elt = n.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return n.emitError() << "expects float inputs";
  bool threeD = n.inputType(0).getRank() == 3;
  Value q = n.input(0), k = n.input(1), v = n.input(2);
  if (threeD) {
    int64_t hq = n.intAttr("q_num_heads", 0), hkv = n.intAttr("kv_num_heads", 0);
    if (hq <= 0 || hkv <= 0)
      return n.emitError()
             << "3-D inputs need the q_num_heads and kv_num_heads attributes";
    FailureOr<Value> q4 = splitHeads(n, q, hq, "Q");
    if (failed(q4))
      return failure();
    FailureOr<Value> k4 = splitHeads(n, k, hkv, "K");
    if (failed(k4))
      return failure();
    FailureOr<Value> v4 = splitHeads(n, v, hkv, "V");
    if (failed(v4))
      return failure();
    q = *q4, k = *k4, v = *v4;
  } else if (n.inputType(0).getRank() != 4 || n.inputType(1).getRank() != 4 ||
             n.inputType(2).getRank() != 4) {
    return n.emitError() << "Q, K and V must all be 3-D or all 4-D";
  }
  // With a past, query i is at position P + i and sees keys j <= P + i
  // (the triangle aligned to the lower right, as ONNX Runtime 1.30 runs it):
  // exactly llm.attention's `causal`.
  bool causal = n.intAttr("is_causal", 0) != 0;
  return attendAndSetOutputs(n, q, k, v, /*pastIndex=*/4, /*maskIndex=*/3,
                             causal, /*merge=*/threeD);
}

//===----------------------------------------------------------------------===//
// com.microsoft.MultiHeadAttention
//===----------------------------------------------------------------------===//

LogicalResult importMultiHeadAttention(NodeContext &n) {
  if (failed(n.requireInputs(3)) || failed(rejectInput(n, 3, "bias")) ||
      failed(rejectInput(n, 4, "key_padding_mask")) ||
      failed(rejectInput(n, 8, "past_sequence_length")) ||
      failed(rejectInput(n, 9, "cache_indirection")) ||
      failed(rejectOutput(n, 3, "qk")))
    return failure();
  int64_t heads = n.intAttr("num_heads", 0);
  Type elt = n.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return n.emitError() << "expects float inputs";
  if (n.inputType(1).getRank() != 3 || n.inputType(2).getRank() != 3)
    return n.emitError() << "only 3-D key and value [B, L, H * D] are "
                            "supported (no packed or BNSH forms)";
  FailureOr<Value> q = splitHeads(n, n.input(0), heads, "query");
  if (failed(q))
    return failure();
  FailureOr<Value> k = splitHeads(n, n.input(1), heads, "key");
  if (failed(k))
    return failure();
  FailureOr<Value> v = splitHeads(n, n.input(2), heads, "value");
  if (failed(v))
    return failure();
  return attendAndSetOutputs(n, *q, *k, *v, /*pastIndex=*/6, /*maskIndex=*/5,
                             n.intAttr("unidirectional", 0) != 0,
                             /*merge=*/true);
}

//===----------------------------------------------------------------------===//
// com.microsoft.GroupQueryAttention
//===----------------------------------------------------------------------===//

/// Half-width rows [..., D/2] of a cos/sin cache widened to [..., D] for
/// llm.rope (rotate-half: concat(c, c); interleaved: each value twice).
FailureOr<Value> widenRopeRows(NodeContext &n, Value rows, bool interleaved) {
  RankedTensorType t = typeOf(rows);
  int64_t rank = t.getRank();
  auto axis = n.namedAttr("axis", n.b.getI64IntegerAttr(rank - 1));
  if (!interleaved)
    return n.create<ConcatOp>({rows, rows}, {axis});
  SmallVector<int64_t> shape(t.getShape());
  shape.push_back(1);
  FailureOr<Value> r = n.reshape(rows, shape);
  if (failed(r))
    return failure();
  shape.back() = 2;
  FailureOr<Value> e = n.createTyped<ExpandOp>(
      RankedTensorType::get(shape, t.getElementType()), *r);
  if (failed(e))
    return failure();
  shape.pop_back();
  shape.back() *= 2;
  return n.reshape(*e, shape);
}

LogicalResult checkRopeCache(NodeContext &n, Value cache, int64_t d) {
  RankedTensorType t = typeOf(cache);
  if (t.getRank() != 2 || t.getDimSize(1) == kDyn)
    return n.emitError() << "cos/sin cache must be 2-D [max_pos, D / 2], got "
                         << t;
  if (t.getDimSize(1) * 2 != d)
    return n.emitError() << "partial rotary (cache width "
                         << t.getDimSize(1) << " for head dim " << d
                         << ") is not supported";
  return success();
}

/// cos/sin rows [P, P + S) of a [max_pos, D/2] cache, widened to [S, D].
FailureOr<Value> ropeTable(NodeContext &n, Value cache, int64_t start,
                           int64_t s, int64_t d, bool interleaved) {
  if (failed(checkRopeCache(n, cache, d)))
    return failure();
  RankedTensorType t = typeOf(cache);
  if (t.getDimSize(0) != kDyn && start + s > t.getDimSize(0))
    return n.emitError() << "positions up to " << start + s
                         << " exceed the cos/sin cache of "
                         << t.getDimSize(0) << " rows";
  FailureOr<Value> rows = n.create<SliceOp>(
      {cache}, {n.namedAttr("starts", n.b.getDenseI64ArrayAttr({start, 0})),
                n.namedAttr("ends", n.b.getDenseI64ArrayAttr(
                                        {start + s, t.getDimSize(1)})),
                n.namedAttr("steps", n.b.getDenseI64ArrayAttr({1, 1}))});
  if (failed(rows))
    return failure();
  return widenRopeRows(n, *rows, interleaved);
}

/// GQA's rotary positions from seqlens_k (ONNX Runtime: the new tokens are
/// the last S of each row's seqlens_k + 1): positions[b, s] = seqlens_k[b] +
/// 1 - S + s, as i64 [B, S].
FailureOr<Value> gqaPositions(NodeContext &n, Value seqlensK, int64_t b,
                              int64_t s) {
  RankedTensorType t = typeOf(seqlensK);
  if (!t.hasStaticShape() || t.getNumElements() != b)
    return n.emitError() << "seqlens_k must have one entry per batch row ("
                         << b << "), got " << t;
  FailureOr<Value> col = n.reshape(seqlensK, {b, 1});
  if (failed(col))
    return failure();
  if (!typeOf(*col).getElementType().isInteger(64)) {
    col = n.createTyped<CastOp>(typeOf(*col).clone(n.b.getI64Type()), *col);
    if (failed(col))
      return failure();
  }
  SmallVector<int64_t> offsets;
  for (int64_t i = 0; i < s; ++i)
    offsets.push_back(1 - s + i);
  FailureOr<Value> range = n.reshape(n.i64Constant(offsets), {1, s});
  if (failed(range))
    return failure();
  return n.create<AddOp>({*col, *range});
}

/// cos/sin rows at `positions` [B, S] of a [max_pos, D/2] cache, widened to
/// [B, 1, S, D] (broadcast over the heads of [B, H, S, D]).
FailureOr<Value> gatheredRopeTable(NodeContext &n, Value cache,
                                   Value positions, int64_t d,
                                   bool interleaved) {
  if (failed(checkRopeCache(n, cache, d)))
    return failure();
  FailureOr<Value> rows = n.create<GatherOp>(
      {cache, positions}, {n.namedAttr("axis", n.b.getI64IntegerAttr(0))});
  if (failed(rows))
    return failure();
  FailureOr<Value> wide = widenRopeRows(n, *rows, interleaved);
  if (failed(wide))
    return failure();
  RankedTensorType w = typeOf(*wide);
  return n.reshape(*wide, {w.getDimSize(0), 1, w.getDimSize(1), d});
}

LogicalResult importGroupQueryAttention(NodeContext &n) {
  if (failed(n.requireInputs(3)) ||
      failed(rejectInput(n, 9, "position_ids")) ||
      failed(rejectInput(n, 10, "attention_bias")) ||
      failed(rejectInput(n, 11, "head_sink")) ||
      failed(rejectOutput(n, 3, "output_qk")))
    return failure();
  if (n.intAttr("local_window_size", -1) != -1)
    return n.emitError() << "local_window_size "
                         << n.intAttr("local_window_size", -1)
                         << " is not supported (only -1)";
  if (n.floatAttr("softcap", 0.0f) != 0.0f)
    return n.emitError() << "softcap is not supported (only 0)";
  if (n.intAttr("smooth_softmax", 0) != 0)
    return n.emitError() << "smooth_softmax is not supported";
  int64_t hq = n.intAttr("num_heads", 0), hkv = n.intAttr("kv_num_heads", 0);
  Type elt = n.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return n.emitError() << "expects float inputs";
  FailureOr<Value> q = splitHeads(n, n.input(0), hq, "query");
  if (failed(q))
    return failure();
  FailureOr<Value> k = splitHeads(n, n.input(1), hkv, "key");
  if (failed(k))
    return failure();
  FailureOr<Value> v = splitHeads(n, n.input(2), hkv, "value");
  if (failed(v))
    return failure();
  int64_t s = typeOf(*q).getDimSize(2), d = typeOf(*q).getDimSize(3);
  int64_t past = 0;
  if (n.hasInput(3)) {
    past = n.inputType(3).getRank() == 4 ? n.inputType(3).getDimSize(2) : kDyn;
    if (past == kDyn)
      return n.emitError() << "past_key must be 4-D [B, Hkv, P, D] with a "
                              "static P";
  }
  // Supported: every sequence continues right after the whole past buffer
  // (batch 1 or uniform lengths): seqlens_k = P + S - 1 for every batch row.
  bool constantSeqlens = false;
  if (n.hasInput(5)) {
    if (auto c = n.input(5).getDefiningOp<ConstantOp>()) {
      constantSeqlens = true;
      auto dense = dyn_cast<DenseIntElementsAttr>(c.getValue());
      if (dense)
        for (APInt len : dense.getValues<APInt>())
          if (s != kDyn && len.getSExtValue() != past + s - 1)
            return n.emitError()
                   << "seqlens_k " << len.getSExtValue()
                   << " is not past + new - 1 = " << past + s - 1
                   << " (only uniform lengths filling the past buffer are "
                      "supported)";
    }
  }
  if (n.intAttr("do_rotary", 0)) {
    if (!n.hasInput(7) || !n.hasInput(8))
      return n.emitError() << "do_rotary needs cos_cache and sin_cache";
    if (s == kDyn || d == kDyn)
      return n.emitError() << "do_rotary needs a static sequence length";
    bool interleaved = n.intAttr("rotary_interleaved", 0) != 0;
    FailureOr<Value> cos, sin;
    if (n.hasInput(5) && !constantSeqlens) {
      // seqlens_k is computed (onnxruntime-genai: ReduceSum(attention_mask)
      // - 1): gather the rows at positions derived from it, which
      // llm-paged-kv-cache recognizes and replaces by the step's positions
      // (docs/kv-cache.md, "Positions"). The rows are the same as below when
      // seqlens_k = P + S - 1.
      int64_t batch = typeOf(*q).getDimSize(0);
      if (batch == kDyn)
        return n.emitError() << "do_rotary needs a static batch size";
      FailureOr<Value> pos = gqaPositions(n, n.input(5), batch, s);
      if (failed(pos))
        return failure();
      cos = gatheredRopeTable(n, n.input(7), *pos, d, interleaved);
      if (failed(cos))
        return failure();
      sin = gatheredRopeTable(n, n.input(8), *pos, d, interleaved);
    } else {
      cos = ropeTable(n, n.input(7), past, s, d, interleaved);
      if (failed(cos))
        return failure();
      sin = ropeTable(n, n.input(8), past, s, d, interleaved);
    }
    if (failed(sin))
      return failure();
    auto attrs = {n.namedAttr("interleaved", n.b.getBoolAttr(interleaved))};
    q = n.createTyped<RopeOp>(typeOf(*q), ValueRange{*q, *cos, *sin}, attrs);
    if (failed(q))
      return failure();
    k = n.createTyped<RopeOp>(typeOf(*k), ValueRange{*k, *cos, *sin}, attrs);
    if (failed(k))
      return failure();
  }
  return attendAndSetOutputs(n, *q, *k, *v, /*pastIndex=*/3, /*maskIndex=*/-1,
                             /*causal=*/true, /*merge=*/true);
}

} // namespace

void registerAttentionImporters(OpImporterMap &map) {
  map["Attention"] = importOnnxAttention;
  map[importerKey("com.microsoft", "MultiHeadAttention")] =
      importMultiHeadAttention;
  map[importerKey("com.microsoft", "GroupQueryAttention")] =
      importGroupQueryAttention;
}

} // namespace llmc::onnx_import
