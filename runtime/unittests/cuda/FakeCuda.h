// Test helpers for the CUDA device: a reference plan with PTX sections and
// the fake driver (test/cuda/fake_driver) with its call log.
#ifndef LLMC_RUNTIME_UNITTESTS_CUDA_FAKECUDA_H
#define LLMC_RUNTIME_UNITTESTS_CUDA_FAKECUDA_H

#include "TestUtil.h"
#include "llmc/runtime/PlanFormat.h"

#include <map>
#include <string>
#include <vector>

namespace llmc::runtime::test {

// makeReferencePlan() with distinct buffer sizes (so that the fake's
// allocations identify them), kernels named k_add / k_scale (symbols stay
// add_f32 / scale2_f32) and `code.ptx-<chip>` sections for `chips`:
//   k_add   scratch [100, 300]: k_add__0   grid 2,1,1 block 128,1,1 (arg0, arg1, scratch0)
//                               k_add__1   grid 1,1,1 block 1,1,1   (scratch0, scratch1, arg2)
//   k_scale scratch [1000]:     k_scale__0 grid 3,2,1 block 64,2,1  (arg0, scratch0, arg1)
// Sizes: arena 192 (t at 64), weights 80, x 48, y 96; the shared scratch
// allocation is 1024 bytes. `ptxExtra` is appended to every PTX text.
PlanWriterInput makeCudaPlan(const std::vector<std::string> &chips,
                             bool withCpu = true,
                             const std::string &ptxExtra = "");
constexpr size_t kArenaBytes = 192, kWeightBytes = 80, kInputBytes = 48,
                 kOutputBytes = 96, kScratchBytes = 1024;

// Sets (or with a null value unsets) an environment variable for a scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value);
  ~ScopedEnv();

private:
  std::string name_;
  bool had_ = false;
  std::string old_;
};

// One line of the fake driver's log, split at spaces: op, then fields.
struct FakeCall {
  std::string op;
  std::vector<std::string> fields;
};
std::vector<FakeCall> readFakeLog(const std::string &path);

// The fake's allocations by size (each size must occur exactly once).
std::map<size_t, unsigned long long> allocationsBySize(
    const std::vector<FakeCall> &log);

} // namespace llmc::runtime::test

#endif
