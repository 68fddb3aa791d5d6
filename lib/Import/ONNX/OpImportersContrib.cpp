//===- OpImportersContrib.cpp - genai-builder and opset-23 LLM ops --------===//
// The forms that onnxruntime-genai's model builder writes (ORT contrib ops,
// most in the com.microsoft domain) and the opset-23 ONNX ops for the same
// blocks, imported straight into the semantic ops that the raising passes
// make from the torch form (docs/importer.md, "onnxruntime-genai builder and
// opset-23 forms"):
//   SimplifiedLayerNormalization, RMSNormalization       -> llm.rms_norm
//   com.microsoft.SkipSimplifiedLayerNormalization       -> llm.add + rms_norm
//   com.microsoft.SkipLayerNormalization                 -> llm.add + layer_norm
//   com.microsoft.RotaryEmbedding, RotaryEmbedding (23)  -> llm.rope
//   com.microsoft.FastGelu                               -> llm.gelu tanh
//   com.microsoft.QuickGelu                              -> x * sigmoid(a x)
//   com.microsoft.MatMulNBits                            -> llm.matmul_nbits
//===----------------------------------------------------------------------===//
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// `v` converted to element type `elt` (no op when it already has it).
FailureOr<Value> castTo(NodeContext &n, Value v, Type elt) {
  RankedTensorType t = typeOf(v);
  if (t.getElementType() == elt)
    return v;
  return n.createTyped<CastOp>(t.clone(elt), v);
}

/// Emits "output K ('name') ... is not supported" for a used optional output.
LogicalResult rejectOutput(NodeContext &n, unsigned i, StringRef what) {
  if (!n.hasOutput(i))
    return success();
  return n.emitError() << "output " << i << " ('" << n.node.output(i) << "', "
                       << what << ") is not supported";
}

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

/// RMS normalization of `x` over the dims from `axis` on, scaled by `scale`
/// (which must cover exactly those dims, leading 1s allowed). The last axis is
/// one llm.rms_norm; earlier axes flatten the normalized dims into one.
FailureOr<Value> rmsNorm(NodeContext &n, Value x, Value scale, int64_t axis,
                         float eps) {
  RankedTensorType xt = typeOf(x), st = typeOf(scale);
  if (!isa<FloatType>(xt.getElementType()))
    return n.emitError() << "expects a float input, got " << xt;
  int64_t rank = xt.getRank();
  ArrayRef<int64_t> normDims = xt.getShape().drop_front(axis);
  int64_t d = shapeProduct(normDims);
  auto dropLeadingOnes = [](ArrayRef<int64_t> s) {
    while (!s.empty() && s.front() == 1)
      s = s.drop_front();
    return s;
  };
  bool lastAxis = axis == rank - 1;
  bool covers = dropLeadingOnes(st.getShape()) == dropLeadingOnes(normDims) &&
                d != kDyn;
  if (lastAxis && st.getRank() == 1 &&
      succeeded(verifyCompatibleShape(st.getShape(), normDims)))
    covers = true;
  if (!covers)
    return n.emitError() << "scale of shape " << shapeString(st.getShape())
                         << " must cover the normalized dims "
                         << shapeString(normDims)
                         << " (broadcasting a smaller scale is not supported)";
  FailureOr<Value> w = castTo(n, scale, xt.getElementType());
  if (failed(w))
    return failure();
  if (st.getRank() != 1) {
    w = n.reshape(*w, {d});
    if (failed(w))
      return failure();
  }
  NamedAttribute epsAttr = n.namedAttr("epsilon", n.b.getF32FloatAttr(eps));
  if (lastAxis)
    return n.createTyped<RMSNormOp>(xt, {x, *w}, {epsAttr});
  SmallVector<int64_t> flat(xt.getShape().take_front(axis));
  flat.push_back(d);
  FailureOr<Value> x2 = n.reshape(x, flat);
  if (failed(x2))
    return failure();
  FailureOr<Value> y =
      n.createTyped<RMSNormOp>(typeOf(*x2), {*x2, *w}, {epsAttr});
  if (failed(y))
    return failure();
  return n.reshape(*y, xt.getShape());
}

/// 1 / sqrt(mean(x^2 over the dims from axis) + eps) in f32, normalized dims
/// kept as 1 (the inv_std_var output of the simplified norms).
FailureOr<Value> invStdVar(NodeContext &n, Value x, int64_t axis, float eps) {
  Type f32 = n.b.getF32Type();
  FailureOr<Value> xf = castTo(n, x, f32);
  if (failed(xf))
    return failure();
  FailureOr<Value> sq = n.create<MulOp>({*xf, *xf});
  if (failed(sq))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = axis, r = typeOf(x).getRank(); i < r; ++i)
    axes.push_back(i);
  FailureOr<Value> mean = n.create<ReduceMeanOp>(
      {*sq}, {n.namedAttr("axes", n.b.getDenseI64ArrayAttr(axes)),
              n.namedAttr("keepdims", n.b.getBoolAttr(true))});
  if (failed(mean))
    return failure();
  FailureOr<Value> v = n.create<AddOp>({*mean, n.scalarConstant(f32, eps)});
  if (failed(v))
    return failure();
  FailureOr<Value> s = n.create<SqrtOp>({*v});
  if (failed(s))
    return failure();
  return n.create<ReciprocalOp>({*s});
}

/// SimplifiedLayerNormalization (ORT, default domain) and RMSNormalization
/// (opset 23): X, scale; axis (-1), epsilon (1e-5), stash_type (f32).
LogicalResult importSimplifiedNorm(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  if (n.intAttr("stash_type", 1) != 1)
    return n.emitError() << "stash_type " << n.intAttr("stash_type", 1)
                         << " is not supported (only 1: statistics in f32)";
  FailureOr<int64_t> axis =
      normalizeAxis(n, n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  float eps = n.floatAttr("epsilon", 1e-5f);
  FailureOr<Value> y = rmsNorm(n, n.input(0), n.input(1), *axis, eps);
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  if (n.hasOutput(1)) {
    FailureOr<Value> inv = invStdVar(n, n.input(0), *axis, eps);
    if (failed(inv))
      return failure();
    n.setOutput(1, *inv);
  }
  return success();
}

/// input + skip [+ bias], checked to keep the input's type.
FailureOr<Value> skipSum(NodeContext &n, int biasIndex) {
  FailureOr<Value> sum = n.create<AddOp>({n.input(0), n.input(1)});
  if (failed(sum))
    return failure();
  if (biasIndex >= 0 && n.hasInput(biasIndex)) {
    sum = n.create<AddOp>({*sum, n.input(biasIndex)});
    if (failed(sum))
      return failure();
  }
  if (sum->getType() != n.inputType(0))
    return n.emitError() << "skip/bias broadcast the input "
                         << n.inputType(0) << " to " << sum->getType();
  return sum;
}

/// com.microsoft.SkipSimplifiedLayerNormalization: input, skip, gamma, [bias]
/// -> output, mean (unsupported), inv_std_var, input_skip_bias_sum.
LogicalResult importSkipSimplifiedNorm(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  if (failed(rejectOutput(n, 1, "mean")))
    return failure();
  FailureOr<Value> sum = skipSum(n, 3);
  if (failed(sum))
    return failure();
  int64_t axis = n.inputType(0).getRank() - 1;
  float eps = n.floatAttr("epsilon", 1e-12f);
  FailureOr<Value> y = rmsNorm(n, *sum, n.input(2), axis, eps);
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  if (n.hasOutput(2)) {
    FailureOr<Value> inv = invStdVar(n, *sum, axis, eps);
    if (failed(inv))
      return failure();
    n.setOutput(2, *inv);
  }
  n.setOutput(3, *sum);
  return success();
}

/// com.microsoft.SkipLayerNormalization: input, skip, gamma, [beta], [bias]
/// -> output, mean, inv_std_var, input_skip_bias_sum.
LogicalResult importSkipLayerNorm(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  FailureOr<Value> sum = skipSum(n, 4);
  if (failed(sum))
    return failure();
  int64_t axis = n.inputType(0).getRank() - 1;
  SmallVector<Value> operands = {*sum, n.input(2)};
  if (n.hasInput(3))
    operands.push_back(n.input(3));
  auto results = n.createMulti<LayerNormOp>(
      operands, {n.namedAttr("axis", n.b.getI64IntegerAttr(axis)),
                 n.namedAttr("epsilon", n.b.getF32FloatAttr(
                                            n.floatAttr("epsilon", 1e-12f)))});
  if (failed(results))
    return failure();
  for (unsigned i = 0; i < 3; ++i)
    n.setOutput(i, (*results)[i]);
  n.setOutput(3, *sum);
  return success();
}

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// llm.slice of the last dim of `v` to [begin, end).
FailureOr<Value> sliceLast(NodeContext &n, Value v, int64_t begin,
                           int64_t end) {
  RankedTensorType t = typeOf(v);
  int64_t rank = t.getRank();
  SmallVector<int64_t> starts(rank, 0), ends, steps(rank, 1);
  for (int64_t dim : t.getShape())
    ends.push_back(dim == kDyn ? std::numeric_limits<int64_t>::max() : dim);
  starts.back() = begin;
  ends.back() = end;
  return n.create<SliceOp>(
      {v}, {n.namedAttr("starts", n.b.getDenseI64ArrayAttr(starts)),
            n.namedAttr("ends", n.b.getDenseI64ArrayAttr(ends)),
            n.namedAttr("steps", n.b.getDenseI64ArrayAttr(steps))});
}

FailureOr<Value> concatLast(NodeContext &n, ValueRange vs) {
  return n.create<ConcatOp>(
      vs, {n.namedAttr("axis", n.b.getI64IntegerAttr(
                                   typeOf(vs[0]).getRank() - 1))});
}

struct RopeInputs {
  Value x, cosCache, sinCache;
  Value positions;       ///< null: the caches are already [B, S, rd/2]
  bool offsetPositions;  ///< positions is [1]: position = offset + s
  bool interleaved;
  int64_t numHeads, rotaryDim;
  bool exactCacheWidth;  ///< contrib op: cache width must be rd/2
};

/// Half-width table [.., rd/2] -> full width [.., rd] for llm.rope: the
/// halves repeated (rotate-half) or every entry twice (interleaved).
FailureOr<Value> fullWidthTable(NodeContext &n, Value half, bool interleaved) {
  if (!interleaved)
    return concatLast(n, {half, half});
  RankedTensorType t = typeOf(half);
  SmallVector<int64_t> shape(t.getShape());
  shape.push_back(1);
  FailureOr<Value> col = n.reshape(half, shape);
  if (failed(col))
    return failure();
  FailureOr<Value> pairs = concatLast(n, {*col, *col});
  if (failed(pairs))
    return failure();
  shape.pop_back();
  shape.back() = shape.back() == kDyn ? kDyn : shape.back() * 2;
  return n.reshape(*pairs, shape);
}

/// Both RotaryEmbedding forms. `x` is [B, S, N*H] or [B, N, S, H]; the result
/// has x's shape. The first rd dims of each head rotate, the rest pass.
LogicalResult importRope(NodeContext &n, const RopeInputs &in) {
  RankedTensorType xt = typeOf(in.x);
  Type elt = xt.getElementType();
  int64_t rank = xt.getRank();
  if (rank != 3 && rank != 4)
    return n.emitError() << "input must be 3-D [batch, seq, hidden] or 4-D "
                            "[batch, heads, seq, head_size], got "
                         << xt;
  RankedTensorType ct = typeOf(in.cosCache);
  int64_t cacheRank = in.positions ? 2 : 3;
  if (ct.getRank() != cacheRank || typeOf(in.sinCache) != ct)
    return n.emitError() << "cos_cache and sin_cache must both be "
                         << cacheRank << "-D of one type, got " << ct
                         << " and " << typeOf(in.sinCache);
  int64_t width = ct.getShape().back();
  if (width == kDyn)
    return n.emitError() << "the cache width must be static";

  // The input as [B, S, N, H] (3-D) or [B, N, S, H] (4-D).
  Value x4 = in.x;
  int64_t headSize, seqAxis = rank == 3 ? 1 : 2;
  if (rank == 3) {
    int64_t hidden = xt.getDimSize(2);
    if (hidden == kDyn)
      return n.emitError() << "the hidden size must be static";
    int64_t heads = in.numHeads;
    if (heads <= 0) {
      if (in.rotaryDim > 0)
        return n.emitError() << "num_heads is required with rotary_embedding_dim "
                                "for a 3-D input";
      heads = hidden / (2 * width);
    }
    if (heads <= 0 || hidden % heads != 0)
      return n.emitError() << "hidden size " << hidden
                           << " is not a multiple of num_heads " << heads;
    headSize = hidden / heads;
    FailureOr<Value> r = n.reshape(
        in.x, {xt.getDimSize(0), xt.getDimSize(1), heads, headSize});
    if (failed(r))
      return failure();
    x4 = *r;
  } else {
    headSize = xt.getDimSize(3);
    if (headSize == kDyn)
      return n.emitError() << "the head size must be static";
  }
  int64_t rd = in.rotaryDim > 0 ? in.rotaryDim : headSize;
  if (rd > headSize || rd % 2 != 0)
    return n.emitError() << "rotary_embedding_dim " << rd
                         << " must be even and at most the head size "
                         << headSize;
  if (in.exactCacheWidth ? width != rd / 2 : width < rd / 2)
    return n.emitError() << "cos_cache width " << width
                         << (in.exactCacheWidth ? " must be" : " must be >= ")
                         << " rotary_embedding_dim / 2 = " << rd / 2;

  // Per-token tables [B, S, rd/2] or per-position [S, rd/2].
  Value cosT = in.cosCache, sinT = in.sinCache;
  if (in.positions) {
    Value pos = in.positions;
    if (in.offsetPositions) {
      int64_t seq = typeOf(x4).getDimSize(seqAxis);
      if (seq == kDyn)
        return n.emitError() << "the sequence length must be static when "
                                "position_ids is a start offset";
      SmallVector<int64_t> range;
      for (int64_t s = 0; s < seq; ++s)
        range.push_back(s);
      FailureOr<Value> p = castTo(n, pos, n.b.getI64Type());
      if (failed(p))
        return failure();
      FailureOr<Value> sum = n.create<AddOp>({*p, n.i64Constant(range)});
      if (failed(sum))
        return failure();
      pos = *sum;
    }
    for (Value *table : {&cosT, &sinT}) {
      FailureOr<Value> g = n.create<GatherOp>(
          {*table, pos}, {n.namedAttr("axis", n.b.getI64IntegerAttr(0))});
      if (failed(g))
        return failure();
      *table = *g;
    }
  }
  for (Value *table : {&cosT, &sinT}) {
    FailureOr<Value> t = castTo(n, *table, elt);
    if (succeeded(t) && width != rd / 2)
      t = sliceLast(n, *t, 0, rd / 2);
    if (succeeded(t))
      t = fullWidthTable(n, *t, in.interleaved);
    if (failed(t))
      return failure();
    // Insert the head axis: [B, S, 1, rd] (3-D input), [B, 1, S, rd] (4-D);
    // per-position [S, rd] tables only need it for the 3-D layout.
    SmallVector<int64_t> shape(typeOf(*t).getShape());
    if (shape.size() == 3)
      shape.insert(shape.begin() + (rank == 3 ? 2 : 1), 1);
    else if (rank == 3)
      shape.insert(shape.begin() + 1, 1);
    t = n.reshape(*t, shape);
    if (failed(t))
      return failure();
    *table = *t;
  }

  NamedAttribute inter =
      n.namedAttr("interleaved", n.b.getBoolAttr(in.interleaved));
  FailureOr<Value> y;
  if (rd == headSize) {
    y = n.createTyped<RopeOp>(typeOf(x4), {x4, cosT, sinT}, {inter});
  } else {
    FailureOr<Value> rot = sliceLast(n, x4, 0, rd);
    FailureOr<Value> pass = sliceLast(n, x4, rd, headSize);
    if (failed(rot) || failed(pass))
      return failure();
    FailureOr<Value> r =
        n.createTyped<RopeOp>(typeOf(*rot), {*rot, cosT, sinT}, {inter});
    if (failed(r))
      return failure();
    y = concatLast(n, {*r, *pass});
  }
  if (failed(y))
    return failure();
  return n.setResult(n.reshape(*y, xt.getShape()));
}

/// com.microsoft.RotaryEmbedding: input, position_ids, cos_cache, sin_cache.
LogicalResult importContribRope(NodeContext &n) {
  if (failed(n.requireInputs(4)))
    return failure();
  if (n.intAttr("is_packed_batching", 0) != 0)
    return n.emitError() << "is_packed_batching = 1 is not supported";
  if (n.floatAttr("scale", 1.0f) != 1.0f)
    return n.emitError() << "scale " << n.floatAttr("scale", 1.0f)
                         << " is not supported (only 1.0)";
  RankedTensorType pt = n.inputType(1);
  bool offset = pt.getRank() == 1;
  if (offset ? !(pt.getDimSize(0) == 1) : pt.getRank() != 2)
    return n.emitError() << "position_ids must be [1] (a start offset) or "
                            "[batch, seq], got "
                         << pt;
  RopeInputs in{n.input(0), n.input(2), n.input(3), n.input(1), offset,
                n.intAttr("interleaved", 0) != 0, n.intAttr("num_heads", 0),
                n.intAttr("rotary_embedding_dim", 0),
                /*exactCacheWidth=*/true};
  return importRope(n, in);
}

/// RotaryEmbedding (opset 23): X, cos_cache, sin_cache, [position_ids].
LogicalResult importOnnxRope(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  if (n.inputType(0).getRank() == 3 && n.intAttr("num_heads", 0) <= 0)
    return n.emitError() << "num_heads is required for a 3-D input";
  if (n.hasInput(3) && n.inputType(3).getRank() != 2)
    return n.emitError() << "position_ids must be [batch, seq], got "
                         << n.inputType(3);
  RopeInputs in{n.input(0), n.input(1), n.input(2), n.input(3),
                /*offsetPositions=*/false, n.intAttr("interleaved", 0) != 0,
                n.intAttr("num_heads", 0), n.intAttr("rotary_embedding_dim", 0),
                /*exactCacheWidth=*/false};
  return importRope(n, in);
}

//===----------------------------------------------------------------------===//
// GELU variants
//===----------------------------------------------------------------------===//

/// com.microsoft.FastGelu: tanh-approximated GELU of input [+ bias].
LogicalResult importFastGelu(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  Value x = n.input(0);
  if (n.hasInput(1)) {
    FailureOr<Value> sum = n.create<AddOp>({x, n.input(1)});
    if (failed(sum))
      return failure();
    x = *sum;
  }
  return n.setResult(n.create<GeluOp>(
      {x}, {n.namedAttr("tanh_approx", n.b.getBoolAttr(true))}));
}

/// com.microsoft.QuickGelu: x * sigmoid(alpha * x), alpha default 1.702.
/// Three elementwise llm ops: no kernel needs a dedicated op for this, and
/// elementwise fusion will merge them.
LogicalResult importQuickGelu(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  Value x = n.input(0);
  Type elt = n.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return n.emitError() << "expects a float input, got " << n.inputType(0);
  float alpha = n.floatAttr("alpha", 1.702f);
  Value ax = x;
  if (alpha != 1.0f) {
    FailureOr<Value> scaled = n.create<MulOp>({x, n.scalarConstant(elt, alpha)});
    if (failed(scaled))
      return failure();
    ax = *scaled;
  }
  FailureOr<Value> s = n.create<SigmoidOp>({ax});
  if (failed(s))
    return failure();
  return n.setResult(n.create<MulOp>({x, *s}));
}

//===----------------------------------------------------------------------===//
// MatMulNBits
//===----------------------------------------------------------------------===//

/// com.microsoft.MatMulNBits: A, B (packed), scales, [zero_points], [g_idx],
/// [bias]; K, N, bits, block_size (accuracy_level ignored). The packed
/// weight stays packed: llm.matmul_nbits dequantizes inside its kernel.
LogicalResult importMatMulNBits(NodeContext &n) {
  if (failed(n.requireInputs(3)))
    return failure();
  for (const char *name : {"K", "N", "block_size"})
    if (!n.hasAttr(name))
      return n.emitError() << "attribute '" << name << "' is required";
  if (n.hasInput(4))
    return n.emitError() << "g_idx (input 4, act-order) is not supported";
  SmallVector<Value> operands = {n.input(0), n.input(1), n.input(2)};
  if (n.hasInput(3)) {
    if (!n.inputType(3).getElementType().isUnsignedInteger(8))
      return n.emitError() << "zero_points of type " << n.inputType(3)
                           << " are not supported (only packed uint8)";
    operands.push_back(n.input(3));
  }
  FailureOr<Value> y = n.create<MatMulNBitsOp>(
      operands,
      {n.namedAttr("bits", n.b.getI64IntegerAttr(n.intAttr("bits", 4))),
       n.namedAttr("block_size",
                   n.b.getI64IntegerAttr(n.intAttr("block_size", 0))),
       n.namedAttr("k", n.b.getI64IntegerAttr(n.intAttr("K", 0))),
       n.namedAttr("n", n.b.getI64IntegerAttr(n.intAttr("N", 0)))});
  if (failed(y))
    return failure();
  if (n.hasInput(5)) {
    y = n.create<AddOp>({*y, n.input(5)});
    if (failed(y))
      return failure();
  }
  n.setOutput(0, *y);
  return success();
}

} // namespace

void registerContribImporters(OpImporterMap &map) {
  // Default domain: ORT registers SimplifiedLayerNormalization there, and the
  // genai builder writes it without a domain.
  map["SimplifiedLayerNormalization"] = importSimplifiedNorm;
  map["RMSNormalization"] = importSimplifiedNorm;
  map["RotaryEmbedding"] = importOnnxRope;
  // com.microsoft: exactly these ops; every other one stays unsupported.
  auto ms = [&](StringRef op, OpImporter fn) {
    map[importerKey("com.microsoft", op)] = fn;
  };
  ms("SkipSimplifiedLayerNormalization", importSkipSimplifiedNorm);
  ms("SkipLayerNormalization", importSkipLayerNorm);
  ms("RotaryEmbedding", importContribRope);
  ms("FastGelu", importFastGelu);
  ms("QuickGelu", importQuickGelu);
  ms("MatMulNBits", importMatMulNBits);
}

} // namespace llmc::onnx_import
