//===- LowerElementwise.cpp - elementwise llm ops to linalg.generic -------===//
// Every elementwise op becomes one linalg.generic over the result shape with
// numpy-broadcasting indexing maps, so that later fusion sees plain maps.
//===----------------------------------------------------------------------===//
#include "LowerToLinalgPatterns.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace llmc;
using namespace llmc::lowering;

namespace {

template <typename OpTy, BinaryKind Kind>
struct BinaryPattern : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = this->getTypeConverter()
                          ->template convertType<RankedTensorType>(op.getType());
    Type lt = elementTypeOf(op.getLhs()), rt = elementTypeOf(op.getRhs());
    Value res = buildBroadcastMap(
        rewriter, op.getLoc(), {adaptor.getLhs(), adaptor.getRhs()},
        resultType, [&](OpBuilder &b, Location loc, ValueRange args) {
          return emitBinary(b, loc, Kind, args[0], args[1], lt, rt);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

enum class UnaryKind { Sqrt, Reciprocal, Neg, Abs, Exp, Log, Cos, Sin, Tanh,
                       Erf, Sigmoid, Relu, Not, Gelu, GeluTanh };

static Value emitFloatUnary(OpBuilder &b, Location loc, UnaryKind kind,
                            Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return scalarConstant(b, loc, t, v); };
  switch (kind) {
  case UnaryKind::Sqrt: return math::SqrtOp::create(b, loc, x);
  case UnaryKind::Reciprocal: return arith::DivFOp::create(b, loc, c(1), x);
  case UnaryKind::Neg: return arith::NegFOp::create(b, loc, x);
  case UnaryKind::Abs: return math::AbsFOp::create(b, loc, x);
  case UnaryKind::Exp: return math::ExpOp::create(b, loc, x);
  case UnaryKind::Log: return math::LogOp::create(b, loc, x);
  case UnaryKind::Cos: return math::CosOp::create(b, loc, x);
  case UnaryKind::Sin: return math::SinOp::create(b, loc, x);
  case UnaryKind::Tanh: return math::TanhOp::create(b, loc, x);
  case UnaryKind::Erf: return math::ErfOp::create(b, loc, x);
  case UnaryKind::Sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, c(1),
                                 arith::AddFOp::create(b, loc, c(1), e));
  }
  case UnaryKind::Relu: return arith::MaximumFOp::create(b, loc, x, c(0));
  case UnaryKind::Gelu:
  case UnaryKind::GeluTanh: {
    Value inner;
    if (kind == UnaryKind::Gelu) {
      inner = math::ErfOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
    } else {
      Value x3 = arith::MulFOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, x), x);
      Value poly = arith::AddFOp::create(
          b, loc, x, arith::MulFOp::create(b, loc, c(0.044715), x3));
      inner = math::TanhOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, c(std::sqrt(2.0 / M_PI)), poly));
    }
    Value half = arith::MulFOp::create(b, loc, c(0.5), x);
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, c(1), inner));
  }
  case UnaryKind::Not:
    break;
  }
  return {};
}

static Value emitIntUnary(OpBuilder &b, Location loc, UnaryKind kind, Value x,
                          bool isUnsigned) {
  Type t = x.getType();
  switch (kind) {
  case UnaryKind::Neg:
    return arith::SubIOp::create(b, loc, scalarConstant(b, loc, t, 0), x);
  case UnaryKind::Abs:
    // max(x, -x) rather than math.absi, which convert-math-to-libm rejects.
    return isUnsigned ? x
                      : (Value)arith::MaxSIOp::create(
                            b, loc, x,
                            arith::SubIOp::create(
                                b, loc, scalarConstant(b, loc, t, 0), x));
  case UnaryKind::Relu:
    return isUnsigned ? x
                      : (Value)arith::MaxSIOp::create(
                            b, loc, x, scalarConstant(b, loc, t, 0));
  case UnaryKind::Not:
    return arith::XOrIOp::create(
        b, loc, x,
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, APInt::getAllOnes(
                                                    t.getIntOrFloatBitWidth()))));
  default:
    return {};
  }
}

template <typename OpTy, UnaryKind Kind>
struct UnaryPattern : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    UnaryKind kind = Kind;
    if constexpr (std::is_same_v<OpTy, llm::GeluOp>)
      if (op.getTanhApprox())
        kind = UnaryKind::GeluTanh;
    auto resultType = this->getTypeConverter()
                          ->template convertType<RankedTensorType>(op.getType());
    Type elt = elementTypeOf(op.getInput());
    bool isFloat = isa<FloatType>(elt);
    bool supported = isFloat ? kind != UnaryKind::Not
                             : kind == UnaryKind::Neg || kind == UnaryKind::Abs ||
                                   kind == UnaryKind::Relu ||
                                   (kind == UnaryKind::Not && elt.isInteger(1));
    if (!supported)
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value res = buildBroadcastMap(
        rewriter, op.getLoc(), {adaptor.getInput()}, resultType,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          if (!isFloat)
            return emitIntUnary(b, loc, kind, x, isUnsignedLike(elt));
          Type ct = getComputeType(elt);
          if (ct != elt)
            x = arith::ExtFOp::create(b, loc, ct, x);
          Value y = emitFloatUnary(b, loc, kind, x);
          return ct == elt ? y : (Value)arith::TruncFOp::create(b, loc, elt, y);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

struct CastPattern : OpConversionPattern<llm::CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getTypeConverter()->convertType<RankedTensorType>(op.getType());
    Type from = elementTypeOf(op.getInput()), to = op.getType().getElementType();
    // iN <-> uiN keeps the bits: nothing to compute once both are signless.
    if (toSignless(from) == toSignless(to) &&
        adaptor.getInput().getType() == resultType) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    Value res = buildBroadcastMap(
        rewriter, op.getLoc(), {adaptor.getInput()}, resultType,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return convertScalar(b, loc, args[0], from, to);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

struct WherePattern : OpConversionPattern<llm::WhereOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::WhereOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getTypeConverter()->convertType<RankedTensorType>(op.getType());
    Value res = buildBroadcastMap(
        rewriter, op.getLoc(),
        {adaptor.getCondition(), adaptor.getLhs(), adaptor.getRhs()},
        resultType, [&](OpBuilder &b, Location loc, ValueRange args) {
          return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

/// Kernel constants become arith.constant; graph-level constants (weights)
/// stay llm.constant and only lose the unsigned element type.
struct ConstantPattern : OpConversionPattern<llm::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getTypeConverter()->convertType<RankedTensorType>(op.getType());
    ElementsAttr value = op.getValue();
    if (value.getType() != type) {
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        value = dense.bitcast(type.getElementType());
      else if (auto res = dyn_cast<DenseResourceElementsAttr>(value))
        value = DenseResourceElementsAttr::get(type, res.getRawHandle());
      else
        return rewriter.notifyMatchFailure(op, "unsupported constant attribute");
    }
    auto func = op->getParentOfType<func::FuncOp>();
    if (func && func->hasAttr(kKernelAttrName))
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type,
                                                     cast<TypedAttr>(value));
    else
      rewriter.replaceOpWithNewOp<llm::ConstantOp>(op, value);
    return success();
  }
};

} // namespace

void llmc::lowering::populateLowerElementwisePatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      BinaryPattern<llm::AddOp, BinaryKind::Add>,
      BinaryPattern<llm::SubOp, BinaryKind::Sub>,
      BinaryPattern<llm::MulOp, BinaryKind::Mul>,
      BinaryPattern<llm::DivOp, BinaryKind::Div>,
      BinaryPattern<llm::PowOp, BinaryKind::Pow>,
      BinaryPattern<llm::MaxOp, BinaryKind::Max>,
      BinaryPattern<llm::MinOp, BinaryKind::Min>,
      BinaryPattern<llm::AndOp, BinaryKind::And>,
      BinaryPattern<llm::OrOp, BinaryKind::Or>,
      BinaryPattern<llm::EqualOp, BinaryKind::Eq>,
      BinaryPattern<llm::LessOp, BinaryKind::Lt>,
      BinaryPattern<llm::LessEqualOp, BinaryKind::Le>,
      BinaryPattern<llm::GreaterOp, BinaryKind::Gt>,
      BinaryPattern<llm::GreaterEqualOp, BinaryKind::Ge>,
      UnaryPattern<llm::SqrtOp, UnaryKind::Sqrt>,
      UnaryPattern<llm::ReciprocalOp, UnaryKind::Reciprocal>,
      UnaryPattern<llm::NegOp, UnaryKind::Neg>,
      UnaryPattern<llm::AbsOp, UnaryKind::Abs>,
      UnaryPattern<llm::ExpOp, UnaryKind::Exp>,
      UnaryPattern<llm::LogOp, UnaryKind::Log>,
      UnaryPattern<llm::CosOp, UnaryKind::Cos>,
      UnaryPattern<llm::SinOp, UnaryKind::Sin>,
      UnaryPattern<llm::TanhOp, UnaryKind::Tanh>,
      UnaryPattern<llm::ErfOp, UnaryKind::Erf>,
      UnaryPattern<llm::SigmoidOp, UnaryKind::Sigmoid>,
      UnaryPattern<llm::ReluOp, UnaryKind::Relu>,
      UnaryPattern<llm::NotOp, UnaryKind::Not>,
      UnaryPattern<llm::GeluOp, UnaryKind::Gelu>, CastPattern, WherePattern,
      ConstantPattern>(converter, ctx);
}
