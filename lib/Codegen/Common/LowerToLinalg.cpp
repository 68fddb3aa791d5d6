//===- LowerToLinalg.cpp - llm ops to linalg/tensor/arith/math ------------===//
// Placeholder pass body; the op patterns live in Lower*.cpp files.
//===----------------------------------------------------------------------===//
#include "llmc/Transforms/Passes.h"

namespace llmc {
#define GEN_PASS_DEF_LLMLOWERTOLINALG
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

namespace {
struct LowerToLinalgPass
    : llmc::impl::LLMLowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {}
};
} // namespace
