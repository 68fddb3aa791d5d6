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

  // Programs (docs/plan-format.md): the top-level inputs/outputs/steps are
  // the default program "", plus one per PlanHeader.programs entry.
  // programNames() lists the named ones in plan order. inputNames,
  // outputNames, setInput, run, getOutput and outputData act on the selected
  // program ("" until selectProgram is called).
  std::vector<std::string> programNames() const;
  Status selectProgram(const std::string &name);
  const std::string &selectedProgram() const;
  // True when the plan has named programs and an empty default program (a
  // generation plan): there is nothing to run without selectProgram.
  bool defaultProgramEmpty() const;

  std::vector<std::string> inputNames() const;
  std::vector<std::string> outputNames() const;

  // Checks dtype and shape against the plan and copies the data in. Inputs stay
  // set across run() calls.
  Status setInput(const std::string &name, const Tensor &tensor);
  // The same from raw host memory (no Tensor to fill first).
  Status setInputData(const std::string &name, plan::DType dtype,
                      const std::vector<int64_t> &shape, const void *data,
                      size_t bytes);
  // Executes every step of the selected program in order; fails if an input
  // was never set. Allocates STATE buffers not sized by setStateExtent yet.
  Status run();
  // Copies an output (from wherever its buffer lives) into `out`.
  Status getOutput(const std::string &name, Tensor &out);
  // Zero-copy read of an output on a host-addressable device (the CPU):
  // `data` points at the output's bytes and stays valid until the next run()
  // of any program. Elsewhere an error; use getOutput.
  Status outputData(const std::string &name, const void *&data, size_t &bytes);

  // STATE buffers persist across run() calls and programs. Allocates
  // (zero-filled) every STATE buffer whose dims[0] is `symbol` with `extent`
  // rows; an error when that exceeds a buffer's size_bytes. Calling it again
  // reallocates (and clears) them. Without a call, the first run() allocates
  // every STATE buffer at its size_bytes.
  Status setStateExtent(const std::string &symbol, int64_t extent);

private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_RUNTIME_H
