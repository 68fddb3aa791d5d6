//===- RaiseAttention.cpp - llm-raise-attention ---------------------------===//
// Recognizes eager scaled dot-product attention (HF `eager_attention_forward`,
// HF GPT-2 `_attn`, torch.onnx exports, hand-written graphs):
//
//   s = MatMul(q', Transpose(k', perm = [0, 1, 3, 2]))
//         | MatMul(q', Transpose(k4, perm = [0, 2, 3, 1]))   k4: [B, T, H, D]
//   s = Div(s, c) | Mul(s, c) | s          q' = q | Mul(q, c) | Div(q, c)
//   s = Where(cond, s, fill) | Where(cond, fill, s) | s      fill: -max, -inf
//   s = Add(s, mask) | s                   k' = k | Mul(k, c) | Div(k, c)
//   (the Where and the Add in either order, at most one Add)
//   p = Softmax(s, axis = -1) | Cast(Softmax(Cast(s, f32)), T)
//   y = MatMul(p, v')
//
// where k' and v' may be HF `repeat_kv` of the KV heads:
// Reshape(Expand(Reshape(x [B, Hkv, T, D] -> [B, Hkv, 1, T, D])
// -> [B, Hkv, n, T, D]) -> [B, Hkv * n, T, D]), which folds into GQA. y is
// replaced by `llm.attention q, k, v[, mask] {scale}` (the product of the
// constant factors; c may be a scalar expression such as GPT-2's
// Add(Pow(16, 0.5), 0)). A Where becomes the additive term
// `where(cond, 0, fill)` of the mask (docs/raising.md explains why that is
// exact). Shapes must be static (no batch broadcasting hides in the
// matmuls); the mask stays an explicit operand.
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace llmc {
#define GEN_PASS_DEF_LLMRAISEATTENTION
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

/// Strips `Mul(x, c)` / `Div(x, c)` by a scalar constant (or constant
/// scalar expression) from `v`, multiplying the factor into `scale`.
static Value stripScale(Value v, double &scale) {
  if (auto div = v.getDefiningOp<llm::DivOp>()) {
    std::optional<double> c = evaluateScalar(div.getRhs());
    if (c && *c != 0 && broadcastsInto(div.getRhs(), div.getLhs()) &&
        div.getLhs().getType() == div.getType()) {
      scale /= *c;
      return div.getLhs();
    }
  }
  if (auto mul = v.getDefiningOp<llm::MulOp>()) {
    Value x;
    eitherOrder(mul, [&](Value a, Value b) {
      std::optional<double> c = evaluateScalar(b);
      if (!c || !broadcastsInto(b, a) || a.getType() != mul.getType())
        return false;
      scale *= *c;
      x = a;
      return true;
    });
    if (x)
      return x;
  }
  return v;
}

/// HF repeat_kv: returns the [B, Hkv, T, D] tensor that `v` repeats, or
/// `v` itself.
static Value stripRepeatKV(Value v) {
  auto outer = v.getDefiningOp<llm::ReshapeOp>();
  if (!outer)
    return v;
  auto expand = outer.getInput().getDefiningOp<llm::ExpandOp>();
  if (!expand)
    return v;
  auto inner = expand.getInput().getDefiningOp<llm::ReshapeOp>();
  if (!inner)
    return v;
  auto x = inner.getInput().getType(), u = inner.getType(),
       e = expand.getType(), y = outer.getType();
  if (!x.hasStaticShape() || !e.hasStaticShape() || !y.hasStaticShape() ||
      x.getRank() != 4 || u.getRank() != 5 || e.getRank() != 5 ||
      y.getRank() != 4)
    return v;
  int64_t b = x.getDimSize(0), h = x.getDimSize(1), t = x.getDimSize(2),
          d = x.getDimSize(3), n = e.getDimSize(2);
  if (u.getShape() != ArrayRef<int64_t>{b, h, 1, t, d} ||
      e.getShape() != ArrayRef<int64_t>{b, h, n, t, d} ||
      y.getShape() != ArrayRef<int64_t>{b, h * n, t, d})
    return v;
  return inner.getInput();
}

static bool isLastAxis(int64_t axis, int64_t rank) {
  return axis == rank - 1 || axis == -1;
}

/// One term of what the graph adds to (or selects around) the scaled scores.
struct MaskTerm {
  Value value;               // Add: the additive mask; Where: the condition
  Value fill;                // Where only: the constant of hidden positions
  bool isWhere = false;
  bool fillWhenTrue = false; // Where(cond, fill, s) (masked_fill) form
};

/// The scores decomposed: scale * (qk) with `terms` around it, outermost
/// first.
struct Scores {
  llm::MatMulOp qk;
  double scale = 1.0;
  SmallVector<MaskTerm, 2> terms;
};

/// A constant that swallows any finite score added to it: -inf, or the
/// lowest finite value of the element type (torch.finfo(dtype).min), for
/// which `s + fill == fill` in f32 for every |s| < 2^103.
static bool isAbsorbingFill(Value f, Type elt) {
  std::optional<double> c = getScalarConstant(f);
  auto ft = dyn_cast<FloatType>(elt);
  if (!c || !ft || tensorType(f).getElementType() != elt)
    return false;
  if (std::isinf(*c))
    return *c < 0;
  APFloat lowest = APFloat::getLargest(ft.getFloatSemantics(), /*Negative=*/true);
  return *c <= lowest.convertToDouble();
}

/// Matches `s` (of type `scoresType`) as scale * (q @ k^T) under at most one
/// additive mask and any number of absorbing Wheres, recording them in `out`.
static bool matchScores(Value s, RankedTensorType scoresType, Scores &out,
                        bool addAllowed) {
  if (s.getType() != scoresType)
    return false;
  Type elt = scoresType.getElementType();
  ArrayRef<int64_t> shape = scoresType.getShape();
  if (auto add = s.getDefiningOp<llm::AddOp>(); add && addAllowed) {
    Scores saved = out;
    bool ok = eitherOrder(add, [&](Value a, Value m) {
      out = saved;
      auto mt = tensorType(m);
      if (mt.getRank() > 4 || mt.getElementType() != elt ||
          !broadcastsInto(m, shape))
        return false;
      out.terms.push_back({m, {}, false, false});
      return matchScores(a, scoresType, out, /*addAllowed=*/false);
    });
    if (ok)
      return true;
    out = saved;
  }
  if (auto where = s.getDefiningOp<llm::WhereOp>()) {
    Value cond = where.getCondition();
    auto ct = tensorType(cond);
    if (ct.getElementType().isInteger(1) && ct.getRank() <= 4 &&
        broadcastsInto(cond, shape)) {
      for (bool fillWhenTrue : {false, true}) {
        Value x = fillWhenTrue ? where.getRhs() : where.getLhs();
        Value fill = fillWhenTrue ? where.getLhs() : where.getRhs();
        if (!isAbsorbingFill(fill, elt) || !broadcastsInto(fill, shape))
          continue;
        Scores saved = out;
        out.terms.push_back({cond, fill, true, fillWhenTrue});
        if (matchScores(x, scoresType, out, addAllowed))
          return true;
        out = saved;
      }
    }
  }
  double scale = out.scale;
  auto qk = stripScale(s, scale).getDefiningOp<llm::MatMulOp>();
  if (!qk || qk.getType() != scoresType ||
      !qk.getRhs().getDefiningOp<llm::TransposeOp>())
    return false;
  out.qk = qk;
  out.scale = scale;
  return true;
}

/// The additive mask equivalent to `terms`: each Where becomes
/// `where(cond, inner, fill)` (or `where(cond, fill, inner)`) of what it
/// wraps (0 where nothing is wrapped), the Add adds its mask.
static Value buildMask(PatternRewriter &rewriter, Location loc,
                       ArrayRef<MaskTerm> terms, Type elt) {
  Value mask;
  for (const MaskTerm &t : llvm::reverse(terms)) {
    if (!t.isWhere) {
      mask = mask ? llm::AddOp::create(rewriter, loc, mask, t.value).getResult()
                  : t.value;
      continue;
    }
    Value inner = mask;
    if (!inner) {
      auto zeroType = RankedTensorType::get({}, elt);
      inner = llm::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(zeroType,
                                 rewriter.getFloatAttr(elt, 0.0).getValue()));
    }
    mask = llm::WhereOp::create(rewriter, loc, t.value,
                                t.fillWhenTrue ? t.fill : inner,
                                t.fillWhenTrue ? inner : t.fill);
  }
  return mask;
}

struct RaiseAttentionPattern : OpRewritePattern<llm::MatMulOp> {
  RaiseAttentionPattern(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/1, {"llm.attention"}) {
    setDebugName("RaiseAttentionPattern");
  }

  LogicalResult matchAndRewrite(llm::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    Type elt = type.getElementType();
    if (!isa<FloatType>(elt) || type.getRank() != 4 || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not a static 4-D float matmul");

    // p = Softmax(s, -1) | Cast(Softmax(Cast(s, f32)), T)
    Value p = op.getLhs();
    Value sm;
    if (auto back = p.getDefiningOp<llm::CastOp>()) {
      auto soft = back.getInput().getDefiningOp<llm::SoftmaxOp>();
      if (!soft || !soft.getType().getElementType().isF32())
        return rewriter.notifyMatchFailure(op, "no softmax");
      auto up = soft.getInput().getDefiningOp<llm::CastOp>();
      if (!up || up.getInput().getType().getElementType() != elt)
        return rewriter.notifyMatchFailure(op, "softmax casts do not round trip");
      if (!isLastAxis(soft.getAxis(), 4))
        return rewriter.notifyMatchFailure(op, "softmax not over the last dim");
      sm = up.getInput();
    } else if (auto soft = p.getDefiningOp<llm::SoftmaxOp>()) {
      if (!isLastAxis(soft.getAxis(), 4))
        return rewriter.notifyMatchFailure(op, "softmax not over the last dim");
      sm = soft.getInput();
    } else {
      return rewriter.notifyMatchFailure(op, "lhs is not a softmax");
    }
    auto scoresType = tensorType(sm);
    if (scoresType.getElementType() != elt || !scoresType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "scores of another type");

    // s = [Add(.., mask)] around [Where(cond, .., fill)]s around
    //     scale * (q @ k^T)
    Scores scores;
    if (!matchScores(sm, scoresType, scores, /*addAllowed=*/true))
      return rewriter.notifyMatchFailure(
          op, "scores are not scale * q @ k^T under an additive mask and "
              "absorbing wheres");
    llm::MatMulOp qk = scores.qk;
    double scale = scores.scale;

    Value q = stripScale(qk.getLhs(), scale);
    auto kT = qk.getRhs().getDefiningOp<llm::TransposeOp>();
    if (!kT)
      return rewriter.notifyMatchFailure(op, "k is not transposed");
    ArrayRef<int64_t> perm = kT.getPerm();
    Value kIn = kT.getInput();
    bool fromBTHD = false;
    if (perm == ArrayRef<int64_t>{0, 2, 3, 1})
      fromBTHD = true;
    else if (perm != ArrayRef<int64_t>{0, 1, 3, 2})
      return rewriter.notifyMatchFailure(op, "k transpose is not k^T");
    Value k = fromBTHD ? kIn : stripScale(kIn, scale);
    Value v = op.getRhs();
    if (!fromBTHD) {
      Value kBase = stripRepeatKV(k), vBase = stripRepeatKV(v);
      // Fold repeat_kv only when k and v are repeated alike.
      if (tensorType(kBase).getDimSize(1) == tensorType(vBase).getDimSize(1)) {
        k = kBase;
        v = vBase;
      }
    }

    auto qt = tensorType(q), vt = tensorType(v);
    auto kt = tensorType(k);
    if (qt.getRank() != 4 || kt.getRank() != 4 || vt.getRank() != 4 ||
        !qt.hasStaticShape() || !kt.hasStaticShape() || !vt.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "q/k/v are not static 4-D");
    int64_t b = qt.getDimSize(0), hq = qt.getDimSize(1), s = qt.getDimSize(2),
            d = qt.getDimSize(3);
    int64_t kb = kt.getDimSize(0), hkv = kt.getDimSize(fromBTHD ? 2 : 1),
            t = kt.getDimSize(fromBTHD ? 1 : 2), kd = kt.getDimSize(3);
    if (kb != b || kd != d || vt.getDimSize(0) != b ||
        vt.getDimSize(1) != hkv || vt.getDimSize(2) != t || hkv == 0 ||
        hq % hkv != 0 || kt.getElementType() != elt ||
        vt.getElementType() != elt)
      return rewriter.notifyMatchFailure(op, "q/k/v shapes do not match");
    if (type.getShape() != ArrayRef<int64_t>{b, hq, s, vt.getDimSize(3)} ||
        scoresType.getShape() != ArrayRef<int64_t>{b, hq, s, t})
      return rewriter.notifyMatchFailure(op, "matmuls broadcast");

    if (fromBTHD)
      k = llm::TransposeOp::create(rewriter, kT.getLoc(), k,
                                   rewriter.getDenseI64ArrayAttr({0, 2, 1, 3}));
    SmallVector<Value> operands{q, k, v};
    if (Value mask = buildMask(rewriter, sm.getLoc(), scores.terms, elt))
      operands.push_back(mask);
    auto attn = llm::AttentionOp::create(
        rewriter, op.getLoc(), type, operands,
        {rewriter.getNamedAttr("scale", rewriter.getF32FloatAttr(scale)),
         rewriter.getNamedAttr("causal", rewriter.getBoolAttr(false))});
    rewriter.replaceOp(op, attn.getResult());
    return success();
  }
};

struct RaiseAttentionPass
    : llmc::impl::LLMRaiseAttentionBase<RaiseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseAttentionPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
