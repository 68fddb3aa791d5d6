// Unit tests of llm dialect type inference from C++ builders.
#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace llmc;

namespace {
struct DialectTest : ::testing::Test {
  DialectTest() : builder(&ctx) {
    ctx.loadDialect<llm::LLMDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToStart(module->getBody());
  }
  Value arg(ArrayRef<int64_t> shape, Type elt) {
    auto type = RankedTensorType::get(shape, elt);
    return llm::ConstantOp::create(
        builder, builder.getUnknownLoc(),
        cast<ElementsAttr>(DenseElementsAttr::get(
            type, builder.getZeroAttr(elt))));
  }
  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};
} // namespace

TEST_F(DialectTest, BroadcastWithDynamicDims) {
  SmallVector<int64_t> out;
  int64_t d = ShapedType::kDynamic;
  ASSERT_TRUE(succeeded(llm::broadcastShapes({d, 1, 8}, {4, 8}, out)));
  EXPECT_EQ(out, (SmallVector<int64_t>{d, 4, 8}));
  EXPECT_TRUE(failed(llm::broadcastShapes({3}, {4}, out)));
}

TEST_F(DialectTest, MatMulInfersBatchBroadcast) {
  Value a = arg({2, 1, 5, 3}, builder.getF32Type());
  Value b = arg({4, 3, 7}, builder.getF32Type());
  auto mm = llm::MatMulOp::create(builder, builder.getUnknownLoc(), a, b);
  EXPECT_EQ(mm.getType().getShape(), (ArrayRef<int64_t>{2, 4, 5, 7}));
}

TEST_F(DialectTest, ShapeOfStaticTensorFolds) {
  Value a = arg({2, 3}, builder.getF32Type());
  Value s = builder.createOrFold<llm::ShapeOp>(
      builder.getUnknownLoc(),
      RankedTensorType::get({2}, builder.getI64Type()), a);
  auto constant = s.getDefiningOp<llm::ConstantOp>();
  ASSERT_TRUE(constant);
  auto values = cast<DenseElementsAttr>(constant.getValue()).getValues<int64_t>();
  EXPECT_EQ(values[0], 2);
  EXPECT_EQ(values[1], 3);
}
