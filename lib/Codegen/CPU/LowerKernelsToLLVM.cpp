//===- LowerKernelsToLLVM.cpp - kernel IR to the LLVM dialect (CPU) -------===//
// Kernel outputs become caller-provided buffers (buffer-results-to-out-params)
// and memrefs become bare pointers: the runtime ABI is `void k(void **args)`.
//===----------------------------------------------------------------------===//
#include "llmc/Codegen/CPUBackend.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

// The pass list inside the module anchor (parsePassPipeline into an existing
// module PassManager takes the inner list).
static constexpr const char *kCPUPipeline =
    "llm-lower-to-linalg,canonicalize,cse,llm-isolate-kernel-results,"
    "llm-cpu-loop-order,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    // In-place kernels (llm.kv_append) return their argument's buffer
    // (once canonicalize folds the loop-carried copies of it): dropping that
    // result leaves the argument as the only binding.
    "canonicalize,llm-drop-in-place-results,"
    "buffer-results-to-out-params{hoist-static-allocs=true modify-public-functions=true},"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "func.func(convert-linalg-to-loops),"
    "convert-vector-to-scf,"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-vector-to-llvm,"
    "convert-math-to-llvm,convert-math-to-libm,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "convert-cf-to-llvm,reconcile-unrealized-casts";

LogicalResult llmc::lowerKernelsToLLVMDialect(ModuleOp kernels,
                                              const CPUCodegenOptions &options) {
  PassManager pm(kernels.getContext());
  if (options.configurePassManager)
    options.configurePassManager(pm);
  if (failed(parsePassPipeline(kCPUPipeline, pm, llvm::errs())))
    return kernels.emitError("internal error: bad CPU pass pipeline");
  return pm.run(kernels);
}
