//===- RaiseRope.cpp - llm-raise-rope -------------------------------------===//
// Recognizes rotate-half rotary embeddings (HF apply_rotary_pos_emb):
//
//   rot = Concat(Neg(x2), x1, axis = -1)   where x1 = x[..., :d/2] and
//         x2 = x[..., d/2:] come from two Slices (torch: ends INT64_MAX) or
//         from one Split into [d/2, d/2]
//   y   = Add(Mul(x, cos), Mul(rot, sin))  (all operand orders)
//
// and replaces y by `llm.rope x, cos, sin`. Also GPT-J's rotate_every_two
// (interleaved pairs):
//
//   rot = Reshape(Concat(Unsqueeze(Neg(x[..., 1::2])), Unsqueeze(x[..., ::2]),
//                        axis = -1), x.shape)      stack(-x2, x1, -1).flatten(-2)
//
// (the halves also as element 1/0 of Reshape(x) to [.., d/2, 2]), which
// becomes `llm.rope x, cos, sin {interleaved = true}`. cos/sin must have x's element
// type, the full last dim d and broadcast to x without changing its shape
// (a [S, d] or [B, 1, S, d] table against [B, H, S, d]).
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc {
#define GEN_PASS_DEF_LLMRAISEROPE
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

/// The first or second half (`second`) of `x` along the last dim.
static Value halfOf(Value v, bool second) {
  if (auto slice = v.getDefiningOp<llm::SliceOp>()) {
    int64_t d = slice.getInput().getType().getShape().back();
    if (ShapedType::isDynamic(d) || d % 2)
      return {};
    bool ok = second ? isLastDimSlice(slice, d / 2, d)
                     : isLastDimSlice(slice, 0, d / 2);
    return ok ? slice.getInput() : Value();
  }
  if (auto split = v.getDefiningOp<llm::SplitOp>()) {
    auto in = split.getInput().getType();
    int64_t rank = in.getRank(), d = in.getShape().back();
    int64_t axis = static_cast<int64_t>(split.getAxis()); // I64Attr: uint64_t
    if (axis < 0)
      axis += rank;
    ArrayRef<int64_t> sizes = split.getSizes();
    if (axis != rank - 1 || sizes.size() != 2 || ShapedType::isDynamic(d) ||
        sizes[0] * 2 != d || sizes[1] * 2 != d ||
        cast<OpResult>(v).getResultNumber() != (second ? 1u : 0u))
      return {};
    return split.getInput();
  }
  return {};
}

/// `v` is rotate_half(x); returns x.
static Value matchRotateHalf(Value v) {
  auto concat = v.getDefiningOp<llm::ConcatOp>();
  if (!concat || concat.getInputs().size() != 2)
    return {};
  int64_t rank = concat.getType().getRank();
  int64_t axis = static_cast<int64_t>(concat.getAxis()); // I64Attr: uint64_t
  if (axis < 0)
    axis += rank;
  if (axis != rank - 1)
    return {};
  auto neg = concat.getInputs()[0].getDefiningOp<llm::NegOp>();
  if (!neg)
    return {};
  Value x = halfOf(neg.getInput(), /*second=*/true);
  if (!x || halfOf(concat.getInputs()[1], /*second=*/false) != x ||
      x.getType() != concat.getType())
    return {};
  return x;
}

/// `v` with a trailing unit dim removed by a reshape ([.., n] -> [.., n, 1],
/// torch's Unsqueeze(-1) of stack), or `v` itself.
static Value stripUnsqueeze(Value v) {
  auto reshape = v.getDefiningOp<llm::ReshapeOp>();
  if (!reshape)
    return v;
  ArrayRef<int64_t> in = reshape.getInput().getType().getShape(),
                    out = reshape.getType().getShape();
  if (out.size() == in.size() + 1 && out.back() == 1 &&
      out.drop_back() == in)
    return reshape.getInput();
  return v;
}

/// x when `xr` is Reshape(x) from [.., d] to [.., d/2, 2] (x's even/odd
/// elements as pairs), else null.
static Value pairedSource(Value xr) {
  auto reshape = xr.getDefiningOp<llm::ReshapeOp>();
  if (!reshape)
    return {};
  auto x = reshape.getInput();
  ArrayRef<int64_t> xs = x.getType().getShape(),
                    rs = reshape.getType().getShape();
  if (xs.size() + 1 != rs.size() || xs.drop_back() != rs.drop_back(2) ||
      ShapedType::isDynamic(xs.back()) || xs.back() != 2 * rs[rs.size() - 2])
    return {};
  return x;
}

/// `v` is the even (`odd` = false) or odd elements of x along its last dim
/// d, shaped [.., d/2] or [.., d/2, 1]: a step-2 Slice of x starting at 0/1,
/// or element 0/1 of the last dim of Reshape(x) to [.., d/2, 2] (a Gather
/// of a scalar or 1-element index, or a Slice [k, k+1)). Returns x.
static Value evenOddOf(Value v, bool odd) {
  int64_t want = odd ? 1 : 0;
  auto vt = tensorType(v);
  if (auto slice = v.getDefiningOp<llm::SliceOp>()) {
    auto in = slice.getInput().getType();
    int64_t rank = in.getRank();
    ArrayRef<int64_t> starts = slice.getStarts(), steps = slice.getSteps();
    for (int64_t i = 0; i < rank - 1; ++i)
      if (steps[i] != 1 || starts[i] != 0 ||
          in.getDimSize(i) != vt.getDimSize(i) ||
          ShapedType::isDynamic(in.getDimSize(i)))
        return {};
    int64_t d = in.getShape().back();
    if (ShapedType::isDynamic(d))
      return {};
    // x[..., k::2] on x itself.
    if (steps.back() == 2 && starts.back() == want && d % 2 == 0 &&
        vt.getShape().back() == d / 2)
      return slice.getInput();
    // xr[..., k:k+1] on xr = Reshape(x) to [.., d/2, 2].
    if (steps.back() == 1 && starts.back() == want && d == 2 &&
        vt.getShape().back() == 1)
      v = slice.getInput();
    else
      return {};
    return pairedSource(v);
  }
  if (auto gather = v.getDefiningOp<llm::GatherOp>()) {
    auto in = gather.getData().getType();
    int64_t rank = in.getRank();
    int64_t axis = static_cast<int64_t>(gather.getAxis());
    if (axis < 0)
      axis += rank;
    auto idxType = tensorType(gather.getIndices());
    if (axis != rank - 1 || in.getShape().back() != 2 ||
        !idxType.hasStaticShape() || idxType.getNumElements() != 1 ||
        idxType.getRank() > 1)
      return {};
    auto c = gather.getIndices().getDefiningOp<llm::ConstantOp>();
    auto dense = c ? dyn_cast<DenseIntElementsAttr>(c.getValue()) : nullptr;
    if (!dense)
      return {};
    int64_t k = (*dense.getValues<APInt>().begin()).getSExtValue();
    if (k < 0)
      k += 2;
    if (k != want)
      return {};
    return pairedSource(gather.getData());
  }
  return {};
}

/// `v` is rotate_every_two(x) (GPT-J): Reshape(Concat(Unsqueeze(-x[..,
/// 1::2]), Unsqueeze(x[.., ::2]), axis = -1), x.shape), the negation before
/// or after the unsqueeze; returns x.
static Value matchRotateEveryTwo(Value v) {
  auto reshape = v.getDefiningOp<llm::ReshapeOp>();
  if (!reshape)
    return {};
  auto concat = reshape.getInput().getDefiningOp<llm::ConcatOp>();
  if (!concat || concat.getInputs().size() != 2)
    return {};
  auto ct = concat.getType();
  auto vt = tensorType(v);
  int64_t rank = ct.getRank();
  int64_t axis = static_cast<int64_t>(concat.getAxis()); // I64Attr: uint64_t
  if (axis < 0)
    axis += rank;
  if (axis != rank - 1 || ct.getShape().back() != 2 ||
      rank != vt.getRank() + 1 ||
      ct.getShape().drop_back(2) != vt.getShape().drop_back() ||
      ShapedType::isDynamic(vt.getShape().back()) ||
      vt.getShape().back() != 2 * ct.getDimSize(rank - 2))
    return {};
  Value a = concat.getInputs()[0];
  bool negated = false;
  if (auto neg = a.getDefiningOp<llm::NegOp>())
    a = neg.getInput(), negated = true;
  a = stripUnsqueeze(a);
  if (!negated)
    if (auto neg = a.getDefiningOp<llm::NegOp>())
      a = neg.getInput(), negated = true;
  if (!negated)
    return {};
  Value x = evenOddOf(a, /*odd=*/true);
  if (!x || evenOddOf(stripUnsqueeze(concat.getInputs()[1]), /*odd=*/false) != x ||
      x.getType() != v.getType())
    return {};
  return x;
}

/// cos/sin table usable by llm.rope against x.
static bool isTableFor(Value t, Value x) {
  auto tt = tensorType(t), xt = tensorType(x);
  return tt.getElementType() == xt.getElementType() && tt.getRank() >= 1 &&
         tt.getShape().back() == xt.getShape().back() && broadcastsInto(t, x);
}

struct RaiseRopePattern : OpRewritePattern<llm::AddOp> {
  RaiseRopePattern(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/1, {"llm.rope"}) {
    setDebugName("RaiseRopePattern");
  }

  LogicalResult matchAndRewrite(llm::AddOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a float add");
    Value x, cos, sin;
    bool interleaved = false;
    bool matched = eitherOrder(op, [&](Value a, Value b) {
      auto mulCos = a.getDefiningOp<llm::MulOp>();
      auto mulSin = b.getDefiningOp<llm::MulOp>();
      if (!mulCos || !mulSin)
        return false;
      return eitherOrder(mulSin, [&](Value rot, Value s) {
        Value in = matchRotateHalf(rot);
        bool every2 = false;
        if (!in) {
          in = matchRotateEveryTwo(rot);
          every2 = true;
        }
        if (!in || in.getType() != type || !isTableFor(s, in))
          return false;
        return eitherOrder(mulCos, [&](Value xv, Value c) {
          if (xv != in || !isTableFor(c, in))
            return false;
          x = in;
          interleaved = every2;
          cos = c;
          sin = s;
          return true;
        });
      });
    });
    if (!matched)
      return rewriter.notifyMatchFailure(
          op, "not x * cos + rotate_half|rotate_every_two(x) * sin");
    rewriter.replaceOpWithNewOp<llm::RopeOp>(op, type, x, cos, sin,
                                             interleaved);
    return success();
  }
};

struct RaiseRopePass : llmc::impl::LLMRaiseRopeBase<RaiseRopePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseRopePattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
