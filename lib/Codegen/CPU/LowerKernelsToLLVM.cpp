//===- LowerKernelsToLLVM.cpp - kernel IR to the LLVM dialect (CPU) -------===//
// Kernel outputs become caller-provided buffers (buffer-results-to-out-params)
// and memrefs become bare pointers: the runtime ABI is `void k(void **args)`.
//===----------------------------------------------------------------------===//
#include "llmc/Codegen/CPUBackend.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

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
    // Register-tiled micro-kernels for contractions; the vector width
    // follows --cpu (cpuTileContractions below).
    "%TILE%,"
    "func.func(convert-linalg-to-loops),"
    "convert-vector-to-scf,"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-vector-to-llvm,"
    "convert-math-to-llvm,convert-math-to-libm,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "convert-cf-to-llvm,reconcile-unrealized-casts";

/// What the tiling needs to know of `cpu` (an LLVM x86 CPU name or "native").
struct CPUVectorInfo {
  int64_t bits = 128; // 512 with AVX-512F, 256 with AVX, else 128 (SSE)
  bool fma = false;
};
static CPUVectorInfo vectorInfoForCPU(llvm::StringRef cpu) {
  std::string name = cpu.str();
  if (name == "native")
    name = llvm::sys::getHostCPUName().str();
  llvm::SmallVector<llvm::StringRef> features;
  llvm::X86::getFeaturesForCPU(name, features, /*NeedPlus=*/false);
  CPUVectorInfo info;
  bool avx = false, avx512 = false;
  for (llvm::StringRef f : features) {
    avx |= f == "avx";
    avx512 |= f == "avx512f";
    info.fma |= f == "fma";
  }
  info.bits = avx512 ? 512 : avx ? 256 : 128;
  return info;
}

/// Register tiles of 4 rows x 2 vectors: 8 accumulators plus the operand
/// registers fit the 16 vector registers of SSE and AVX (more rows or a
/// third vector per row measured slower). With FMA the multiply-add of the
/// tile is fused, and every contraction, single rows (decode) included, takes
/// the tiled form, so that a row's result does not depend on how many rows
/// the step batches (the loop form does not fuse).
static std::string cpuTileContractions(llvm::StringRef cpu) {
  CPUVectorInfo info = vectorInfoForCPU(cpu);
  int64_t rows = info.bits == 512 ? 8 : 4;
  return "llm-cpu-tile-contractions{vector-bits=" + llvm::itostr(info.bits) +
         " tile-rows=" + llvm::itostr(rows) + " tile-vectors=2" +
         (info.fma ? " use-fma=1 min-rows=1" : " min-rows=2") + "}";
}

LogicalResult llmc::lowerKernelsToLLVMDialect(ModuleOp kernels,
                                              const CPUCodegenOptions &options) {
  PassManager pm(kernels.getContext());
  if (options.configurePassManager)
    options.configurePassManager(pm);
  std::string pipeline = kCPUPipeline;
  pipeline.replace(pipeline.find("%TILE%"), 6,
                   cpuTileContractions(options.cpu));
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return kernels.emitError("internal error: bad CPU pass pipeline");
  return pm.run(kernels);
}
