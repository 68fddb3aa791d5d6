// Engine internals shared by EngineBuild.cpp (validation and binding) and
// Engine.cpp (the public API). Not installed.
#ifndef LLMC_RUNTIME_SRC_ENGINEIMPL_H
#define LLMC_RUNTIME_SRC_ENGINEIMPL_H

#include "KernelProfile.h"
#include "llmc/runtime/Runtime.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmc::runtime {

struct Engine::Impl {
  struct BufferSlot {
    const plan::Buffer *desc = nullptr;
    void *ptr = nullptr; // null for a STATE buffer not allocated yet
    bool owned = false;  // allocated by the engine (INPUT / OUTPUT / STATE)
    bool inputSet = false;
    // STATE only: bytes of one dims[0] row, and dims[0]'s symbol if any.
    uint64_t rowBytes = 0;
    std::string symbol;
  };
  struct Binding {
    std::string name;
    size_t slot = 0;
    DType dtype = plan::UNDEFINED;
    std::vector<int64_t> shape;
    size_t bytes = 0;
  };
  struct StepExec {
    KernelHandle kernel;
    int32_t kernelIndex = 0;   // into the header's kernels (profiling)
    std::vector<size_t> slots; // arg i is buffer slots[i]
    std::vector<void *> args;  // their pointers (refreshed when STATE moves)
    std::vector<int64_t> launchDims;
  };
  struct Program {
    std::string name; // "" for the top-level default program
    std::vector<Binding> inputs, outputs;
    std::vector<StepExec> steps;
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);

  std::unique_ptr<PlanFile> plan;
  std::unique_ptr<Device> device;     // destroyed after everything below
  KernelProfile profile;
  std::unique_ptr<CodeModule> module; // unloaded before the device goes
  void *arena = nullptr;
  void *weights = nullptr;
  std::vector<BufferSlot> slots;
  std::unordered_map<int32_t, size_t> slotById;
  std::vector<Program> programs; // [0] is the default program
  size_t current = 0;
  // The program whose last run() completed, if no other ran since: only its
  // outputs are readable (programs share the arena and may share OUTPUT
  // buffers, so another program's run overwrites them).
  size_t lastRun = kNone;

  ~Impl();

  // EngineBuild.cpp
  Status init();
  Status bindBuffers();
  Status bindIo(const google::protobuf::RepeatedPtrField<plan::TensorDesc> &descs,
                const char *what, std::vector<Binding> &out);
  Status loadKernels(std::vector<KernelHandle> &kernels);
  Status buildProgram(Program &p,
                      const google::protobuf::RepeatedPtrField<plan::TensorDesc> &ins,
                      const google::protobuf::RepeatedPtrField<plan::TensorDesc> &outs,
                      const google::protobuf::RepeatedPtrField<plan::Step> &steps,
                      const std::vector<KernelHandle> &kernels);

  // Engine.cpp
  Program &selected() { return programs[current]; }
  Status allocateState(BufferSlot &slot, uint64_t bytes);
  void refreshStepArgs();
  Status findOutput(const std::string &name, const Binding *&out);
};

} // namespace llmc::runtime

#endif
