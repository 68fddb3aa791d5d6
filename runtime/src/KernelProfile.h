// KernelProfile: per-kernel wall time of engine runs, enabled by the
// environment variable LLMC_PROFILE=1 and printed to stderr when the engine
// is destroyed. For finding the kernel that dominates a step, not a benchmark.
#ifndef LLMC_RUNTIME_KERNELPROFILE_H
#define LLMC_RUNTIME_KERNELPROFILE_H

#include "llmc/runtime/PlanFormat.h"

#include <cstdint>
#include <vector>

namespace llmc::runtime {

class KernelProfile {
public:
  // Reads LLMC_PROFILE; sized for the plan's kernels.
  void init(const PlanHeader &header);
  bool enabled() const { return enabled_; }
  void add(int32_t kernel, double seconds);
  // Prints the kernels by total time (top 30), if enabled and used.
  void print(const PlanHeader &header) const;

private:
  bool enabled_ = false;
  std::vector<double> seconds_;
  std::vector<int64_t> calls_;
};

} // namespace llmc::runtime

#endif
