// The plan's `code.ptx-<chip>` sections (docs/plan-format.md): parsing the
// JSON document and picking the section for a device's compute capability.
#ifndef LLMC_RUNTIME_SRC_CUDA_PTXSECTION_H
#define LLMC_RUNTIME_SRC_CUDA_PTXSECTION_H

#include "llmc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace llmc::runtime::cuda {

struct PtxArg {
  bool scratch = false; // else an argument of the plan kernel
  uint32_t index = 0;
};
struct PtxLaunch {
  std::string function; // .entry in the PTX
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  std::vector<PtxArg> args;
};
struct PtxKernel {
  std::string name; // plan Kernel.name
  std::vector<uint64_t> scratchBytes;
  std::vector<PtxLaunch> launches; // in order
};
struct PtxSection {
  std::string chip;
  std::string ptx;
  std::vector<PtxKernel> kernels;
};

// Parses and checks a "llmc-ptx-1" document; errors are one line naming the
// offending kernel/launch.
Status parsePtxSection(const void *data, size_t size, PtxSection &out);

// "ptx-sm_86" -> 86; -1 for anything else.
int ptxTargetChip(const std::string &target);

// The plan target for a device of compute capability major.minor: the exact
// chip, else the highest lower one (PTX is JIT-compiled forward). "" if none.
std::string pickPtxTarget(const std::vector<std::string> &targets, int major,
                          int minor);

} // namespace llmc::runtime::cuda

#endif
