//===- Passes.td - llmc pass declarations ------------------*- tablegen -*-===//
#ifndef LLMC_TRANSFORMS_PASSES
#define LLMC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def LLMOutlineKernels : Pass<"llm-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Splits the graph function into kernel functions and calls";
  let description = [{
    Target-independent kernel formation: every compute op of the graph
    function `@main` becomes a private function tagged `llm.kernel` whose
    arguments are its operands and whose results are its results, and `@main`
    becomes a sequence of `func.call`s (the step schedule). Large constants
    stay in `@main` (they become weights); small ones are cloned into the
    kernels that use them. Shape-only ops must have been folded away.
  }];
  let options = [
    Option<"maxInlineConstantElements", "max-inline-constant-elements",
           "int64_t", "64",
           "Constants up to this many elements are cloned into kernels">
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def LLMLowerToLinalg : Pass<"llm-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers llm ops to linalg, tensor, arith and math";
  let description = [{
    The target-independent kernel IR: every llm op inside kernel functions
    becomes linalg/tensor/arith/math on tensors, ready for bufferization and
    for either the CPU (LLVM) or the GPU (NVVM) backend.
  }];
  let dependentDialects = [
    "mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect"
  ];
}

def LLMIsolateKernelResults : Pass<"llm-isolate-kernel-results", "mlir::ModuleOp"> {
  let summary = "Gives every kernel result its own fresh tensor";
  let description = [{
    The kernel ABI writes each result into its own caller-provided buffer.
    A kernel that returns one of its arguments, or the same value twice,
    would alias buffers; this pass returns a copy (`bufferization.alloc_tensor
    copy(...)`) instead, so that bufferization can turn every result into an
    out-parameter.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def LLMCPULoopOrder : Pass<"llm-cpu-loop-order", "mlir::ModuleOp"> {
  let summary = "Makes the most contiguous loop innermost in reductions (CPU)";
  let description = [{
    Contractions lower to loops in iterator order, which for `linalg.matmul`
    is (m, n, k): the innermost loop strides through the right operand. This
    pass generalizes reduction ops and interchanges their loops so that the
    loop along which most operands are contiguous is innermost, e.g.
    (m, k, n), which reads the right operand and the output along rows and
    lets LLVM vectorize. Row reductions (softmax, norms) keep their order.
    The summation order of every output element is unchanged.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif
