//===- RaiseGelu.cpp - llm-raise-gelu -------------------------------------===//
// Recognizes GELU as torch.onnx (opset < 20) and hand-written modules export
// it:
//
//   exact:  x * 0.5 * (1 + Erf(x / sqrt(2)))          (F.gelu, HF GELU)
//   tanh:   0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
//           (F.gelu(approximate='tanh'), HF NewGELU / gelu_pytorch_tanh)
//           | 0.5 * x * (1 + Tanh(x * sqrt(2/pi) * (1 + 0.044715 * x * x)))
//           (HF FastGELU)
//
// and replaces it by `llm.gelu x {tanh_approx}`. Products are matched as
// products: every association and operand order of the Mul trees, Div by a
// constant as a Mul by its inverse, constants split into several factors
// (their product must be the expected value), x^3 as Pow(x, 3), x*x*x or
// x*Pow(x, 2). x and the result must have one type (no broadcasting) and be
// f32/f64: in f16 the graph rounds each of the ~8 steps to f16 while the op
// computes in f32 and rounds once (same rule as llm-raise-rms-norm).
// GeGLU (gelu(gate) * up) becomes llm.gelu + llm.mul: there is no fused op.
//===----------------------------------------------------------------------===//
#include "RaiseUtils.h"

#include "llmc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace llmc {
#define GEN_PASS_DEF_LLMRAISEGELU
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
using namespace llmc::raising;

namespace {

constexpr unsigned kMaxDepth = 8;

/// A product: the non-constant factors and the product of the constants.
struct Product {
  SmallVector<Value> terms;
  double constant = 1;
  bool ok = true;
};

/// Flattens the Mul (and Div-by-constant) tree of `v` into `p`, treating
/// `stop` as a leaf. Constants must broadcast into `shape` without growing it.
static void flatten(Value v, Value stop, ArrayRef<int64_t> shape, Product &p,
                    unsigned depth = 0) {
  if (v != stop) {
    if (std::optional<double> c = getScalarConstant(v)) {
      if (!broadcastsInto(v, shape))
        p.ok = false;
      p.constant *= *c;
      return;
    }
    if (depth < kMaxDepth) {
      if (auto mul = v.getDefiningOp<llm::MulOp>()) {
        flatten(mul.getLhs(), stop, shape, p, depth + 1);
        flatten(mul.getRhs(), stop, shape, p, depth + 1);
        return;
      }
      if (auto div = v.getDefiningOp<llm::DivOp>()) {
        std::optional<double> c = getScalarConstant(div.getRhs());
        if (c && *c != 0) {
          if (!broadcastsInto(div.getRhs(), shape))
            p.ok = false;
          p.constant /= *c;
          flatten(div.getLhs(), stop, shape, p, depth + 1);
          return;
        }
      }
    }
  }
  p.terms.push_back(v);
}

static Product productOf(Value v, Value stop) {
  Product p;
  flatten(v, stop, tensorType(v).getShape(), p);
  return p;
}

static bool near(double a, double expected) {
  return std::fabs(a - expected) <= 1e-6 * std::fabs(expected);
}

/// `v` is 1 + t (either order, 1 a splat that does not grow t); returns t.
static Value matchOnePlus(Value v) {
  auto add = v.getDefiningOp<llm::AddOp>();
  if (!add)
    return {};
  Value t;
  eitherOrder(add, [&](Value one, Value other) {
    if (!isScalarConstant(one, 1.0) || other.getType() != add.getType() ||
        !broadcastsInto(one, other))
      return false;
    t = other;
    return true;
  });
  return t;
}

/// The total power of x in `terms` (each x or Pow(x, integer)), or -1.
static int degreeIn(ArrayRef<Value> terms, Value x) {
  int degree = 0;
  for (Value t : terms) {
    if (t == x) {
      ++degree;
      continue;
    }
    auto pow = t.getDefiningOp<llm::PowOp>();
    std::optional<double> n = pow ? getScalarConstant(pow.getRhs()) : std::nullopt;
    if (!pow || pow.getLhs() != x || !n || *n != std::floor(*n) || *n < 1 ||
        *n > 3 || pow.getType() != x.getType())
      return -1;
    degree += static_cast<int>(*n);
  }
  return degree;
}

/// `k` is 0.044715 * x^degree.
static bool isCubicCoefficientTerm(Value k, Value x, int degree) {
  Product p = productOf(k, x);
  return p.ok && near(p.constant, 0.044715) && degreeIn(p.terms, x) == degree;
}

/// `arg` is sqrt(2/pi) * (x + 0.044715 * x^3) in one of its spellings.
static bool isTanhArgument(Value arg, Value x) {
  Product p = productOf(arg, x);
  if (!p.ok || !near(p.constant, std::sqrt(2.0 / M_PI)))
    return false;
  if (p.terms.size() == 1) {
    // x + 0.044715 * x^3
    auto add = p.terms[0].getDefiningOp<llm::AddOp>();
    return add && add.getType() == x.getType() &&
           eitherOrder(add, [&](Value a, Value k) {
             return a == x && isCubicCoefficientTerm(k, x, 3);
           });
  }
  if (p.terms.size() == 2) {
    // x * (1 + 0.044715 * x^2)
    for (int i = 0; i < 2; ++i) {
      Value t = matchOnePlus(p.terms[1 - i]);
      if (p.terms[i] == x && t && p.terms[1 - i].getType() == x.getType() &&
          isCubicCoefficientTerm(t, x, 2))
        return true;
    }
  }
  return false;
}

/// `inner` is Erf(x / sqrt 2) (returns false) or Tanh(...) (returns true).
static std::optional<bool> matchInner(Value inner, Value x) {
  if (auto erf = inner.getDefiningOp<llm::ErfOp>()) {
    Product p = productOf(erf.getInput(), x);
    if (p.ok && p.terms.size() == 1 && p.terms[0] == x &&
        near(p.constant, M_SQRT1_2))
      return false;
    return std::nullopt;
  }
  if (auto tanh = inner.getDefiningOp<llm::TanhOp>())
    if (isTanhArgument(tanh.getInput(), x))
      return true;
  return std::nullopt;
}

/// Every value of the Mul/Div tree of `v` of type `type`: the candidates
/// for GELU's x.
static void collectCandidates(Value v, Type type, SmallVectorImpl<Value> &out,
                              unsigned depth = 0) {
  if (depth > 0 && v.getType() == type && !getScalarConstant(v) &&
      !llvm::is_contained(out, v))
    out.push_back(v);
  if (depth >= kMaxDepth)
    return;
  Operation *op = v.getDefiningOp();
  if (isa_and_nonnull<llm::MulOp, llm::DivOp>(op))
    for (Value operand : op->getOperands())
      collectCandidates(operand, type, out, depth + 1);
}

template <typename RootOp>
struct RaiseGeluPattern : OpRewritePattern<RootOp> {
  RaiseGeluPattern(MLIRContext *ctx)
      : OpRewritePattern<RootOp>(ctx, /*benefit=*/1, {"llm.gelu"}) {
    this->setDebugName("RaiseGeluPattern");
  }

  LogicalResult matchAndRewrite(RootOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    Type elt = type.getElementType();
    if (!elt.isF32() && !elt.isF64())
      return rewriter.notifyMatchFailure(op, "not an f32/f64 product");
    SmallVector<Value> candidates;
    collectCandidates(op.getResult(), type, candidates);
    for (Value x : candidates) {
      // 0.5 * x * (1 + inner)
      Product p = productOf(op.getResult(), x);
      if (!p.ok || p.terms.size() != 2 || !near(p.constant, 0.5))
        continue;
      for (int i = 0; i < 2; ++i) {
        if (p.terms[i] != x)
          continue;
        Value inner = matchOnePlus(p.terms[1 - i]);
        if (!inner || p.terms[1 - i].getType() != type)
          continue;
        std::optional<bool> tanhApprox = matchInner(inner, x);
        if (!tanhApprox)
          continue;
        rewriter.replaceOpWithNewOp<llm::GeluOp>(op, type, x, *tanhApprox);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "not 0.5 * x * (1 + erf|tanh(..))");
  }
};

struct RaiseGeluPass : llmc::impl::LLMRaiseGeluBase<RaiseGeluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseGeluPattern<llm::MulOp>, RaiseGeluPattern<llm::DivOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
