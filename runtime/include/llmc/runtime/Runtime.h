// Runtime: executes a verified plan (Engine) on a Device.
// Umbrella header for users of the runtime.
#ifndef LLMC_RUNTIME_RUNTIME_H
#define LLMC_RUNTIME_RUNTIME_H

#include "llmc/runtime/DType.h"
#include "llmc/runtime/Device.h"
#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/Status.h"
#include "llmc/runtime/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc::runtime {

// One loaded plan, ready to run. Not thread-safe; one run at a time.
class Engine {
public:
  // Validates the plan's buffers/kernels/steps, picks the CPU device, loads the
  // code section, resolves kernels and allocates memory.
  static Status create(std::unique_ptr<PlanFile> plan,
                       std::unique_ptr<Engine> &out);
  // Same with an explicit device.
  static Status create(std::unique_ptr<PlanFile> plan,
                       std::unique_ptr<Device> device,
                       std::unique_ptr<Engine> &out);
  ~Engine();
  Engine(const Engine &) = delete;
  Engine &operator=(const Engine &) = delete;

  const PlanHeader &header() const;
  std::vector<std::string> inputNames() const;
  std::vector<std::string> outputNames() const;

  // Checks dtype and shape against the plan and copies the data in. Inputs stay
  // set across run() calls.
  Status setInput(const std::string &name, const Tensor &tensor);
  // Executes every step in order; fails if an input was never set.
  Status run();
  // Copies an output (from wherever its buffer lives) into `out`.
  Status getOutput(const std::string &name, Tensor &out);

private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_RUNTIME_H
