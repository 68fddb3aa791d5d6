//===- CPUBackend.h - kernel functions to an x86-64 shared object -*- C++ -*-===//
#ifndef LLMC_CODEGEN_CPUBACKEND_H
#define LLMC_CODEGEN_CPUBACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <functional>
#include <string>
#include <vector>

namespace llmc {

struct CPUCodegenOptions {
  /// LLVM CPU name; x86-64-v3 (AVX2 + FMA: Haswell, Zen and later) is what
  /// the contraction micro-kernels are tuned for (docs/performance.md).
  std::string cpu = "x86-64-v3";
  /// Hook to add instrumentation (IR printing, timing) to each pass manager.
  std::function<void(mlir::PassManager &)> configurePassManager;
};

/// Suffix of the exported `void sym(void **args)` entry of each kernel.
inline constexpr llvm::StringLiteral kPackedKernelSuffix = "_packed";

/// Lowers a module of `llm.kernel` functions (llm ops on tensors) to the LLVM
/// dialect through linalg and bufferization.
mlir::LogicalResult lowerKernelsToLLVMDialect(mlir::ModuleOp kernels,
                                              const CPUCodegenOptions &options);

/// Translates an LLVM-dialect kernel module to LLVM IR, adds the packed
/// entry points, emits an x86-64 object and links it into a shared object.
mlir::FailureOr<std::vector<uint8_t>>
emitCPUSharedObject(mlir::ModuleOp llvmDialectModule,
                    llvm::ArrayRef<std::string> kernelNames,
                    const CPUCodegenOptions &options);

} // namespace llmc

#endif
