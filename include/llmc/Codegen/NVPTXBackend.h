//===- NVPTXBackend.h - kernel functions to PTX (NVIDIA GPUs) ---*- C++ -*-===//
// The kernels of a plan lowered to PTX text with MLIR's NVPTX path (no CUDA
// toolkit involved), plus the host-side launch schedule of each plan kernel.
// docs/codegen.md describes the mapping, docs/plan-format.md the section.
#ifndef LLMC_CODEGEN_NVPTXBACKEND_H
#define LLMC_CODEGEN_NVPTXBACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace llmc {

struct NVPTXCodegenOptions {
  /// CUDA compute capability, "sm_80", "sm_89" or "sm_90".
  std::string chip = "sm_80";
  std::function<void(mlir::PassManager &)> configurePassManager;
};

/// One gpu.launch_func of a plan kernel. Arguments refer to the plan
/// kernel's arguments (`arg >= 0`, the CPU ABI order) or to one of its
/// scratch buffers (`scratch >= 0`); every argument is a device pointer.
struct PTXLaunchArg {
  int64_t arg = -1;
  int64_t scratch = -1;
};
struct PTXLaunch {
  std::string function; // .entry name in the PTX
  std::array<int64_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  std::vector<PTXLaunchArg> args;
};
struct PTXKernelSchedule {
  std::string name; // the plan kernel
  std::vector<uint64_t> scratchBytes;
  std::vector<PTXLaunch> launches; // run in this order
};
struct PTXCode {
  std::string chip;
  std::string ptx;
  std::vector<PTXKernelSchedule> kernels;
};

/// Lowers a module of `llm.kernel` functions to PTX. `kernels` is consumed
/// (a copy of the tensor-level kernels, as for the CPU path).
mlir::FailureOr<PTXCode>
lowerKernelsToPTX(mlir::ModuleOp kernels,
                  llvm::ArrayRef<std::string> kernelNames,
                  const NVPTXCodegenOptions &options);

/// The plan section "code.ptx-<chip>": a JSON document (docs/plan-format.md).
std::string serializePTXCode(const PTXCode &code);

/// Whether `chip` is a supported --target value (sm_80, sm_89, sm_90).
bool isSupportedPTXChip(llvm::StringRef chip);

} // namespace llmc

#endif
