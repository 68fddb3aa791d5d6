// Engine: the public API over a validated plan (EngineBuild.cpp): program
// selection, inputs, runs, outputs and the persistent STATE buffers.
#include "EngineImpl.h"

#include <chrono>

namespace llmc::runtime {
namespace {

constexpr size_t kStateAlignment = 64;

std::string quotedNames(const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "'" : ", '") + n + "'";
  return s.empty() ? "none" : s;
}

} // namespace

Status Engine::Impl::allocateState(BufferSlot &slot, uint64_t bytes) {
  if (slot.ptr) {
    device->free(slot.ptr);
    slot.ptr = nullptr;
  }
  // Kernels must never read garbage (NaNs) from rows nobody wrote yet.
  LLMC_RETURN_IF_ERROR(device->allocate(bytes, kStateAlignment, slot.ptr));
  Status st = device->fillZero(slot.ptr, bytes);
  if (!st.ok()) {
    device->free(slot.ptr);
    slot.ptr = nullptr;
  }
  return st;
}

void Engine::Impl::refreshStepArgs() {
  for (Program &p : programs)
    for (StepExec &s : p.steps)
      for (size_t i = 0; i < s.slots.size(); ++i)
        s.args[i] = slots[s.slots[i]].ptr;
}

Status Engine::Impl::findOutput(const std::string &name, const Binding *&out) {
  Program &p = selected();
  for (const Binding &b : p.outputs) {
    if (b.name != name)
      continue;
    const BufferSlot &slot = slots[b.slot];
    plan::BufferKind kind = slot.desc->kind();
    if (kind == plan::INPUT && !slot.inputSet)
      return Status::error("output '" + name +
                           "' is a graph input that was not set");
    if ((kind == plan::OUTPUT || kind == plan::ACTIVATION) &&
        lastRun != current)
      return Status::error(
          "output '" + name + "' is not available: run() has not completed" +
          (lastRun != kNone ? " (program '" + programs[lastRun].name +
                                  "' ran last)"
                            : ""));
    out = &b;
    return Status::success();
  }
  std::vector<std::string> known;
  for (const Binding &b : p.outputs)
    known.push_back(b.name);
  return Status::error("unknown output '" + name + "' (plan outputs: " +
                       quotedNames(known) + ")");
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() {
  if (impl_ && impl_->plan)
    impl_->profile.print(impl_->plan->header());
}

Status Engine::create(std::unique_ptr<PlanFile> plan,
                      std::unique_ptr<Engine> &out) {
  return create(std::move(plan), createCpuDevice(), out);
}

Status Engine::create(std::unique_ptr<PlanFile> plan,
                      std::unique_ptr<Device> device,
                      std::unique_ptr<Engine> &out) {
  if (!plan || !device)
    return Status::error("Engine::create: null plan or device");
  auto impl = std::make_unique<Impl>();
  std::string path = plan->path();
  impl->plan = std::move(plan);
  impl->device = std::move(device);
  Status st = impl->init();
  if (!st.ok())
    return Status::error(path + ": " + st.message);
  out.reset(new Engine(std::move(impl)));
  return Status::success();
}

const PlanHeader &Engine::header() const { return impl_->plan->header(); }

std::vector<std::string> Engine::programNames() const {
  std::vector<std::string> names;
  for (size_t i = 1; i < impl_->programs.size(); ++i)
    names.push_back(impl_->programs[i].name);
  return names;
}

Status Engine::selectProgram(const std::string &name) {
  for (size_t i = 0; i < impl_->programs.size(); ++i)
    if (impl_->programs[i].name == name) {
      impl_->current = i;
      return Status::success();
    }
  return Status::error("unknown program '" + name + "' (plan programs: " +
                       quotedNames(programNames()) + ")");
}

const std::string &Engine::selectedProgram() const {
  return impl_->programs[impl_->current].name;
}

bool Engine::defaultProgramEmpty() const {
  const PlanHeader &h = header();
  return h.programs_size() > 0 && h.steps_size() == 0 &&
         h.inputs_size() == 0 && h.outputs_size() == 0;
}

std::vector<std::string> Engine::inputNames() const {
  std::vector<std::string> names;
  for (const auto &b : impl_->programs[impl_->current].inputs)
    names.push_back(b.name);
  return names;
}

std::vector<std::string> Engine::outputNames() const {
  std::vector<std::string> names;
  for (const auto &b : impl_->programs[impl_->current].outputs)
    names.push_back(b.name);
  return names;
}

Status Engine::setInput(const std::string &name, const Tensor &tensor) {
  return setInputData(name, tensor.dtype, tensor.shape, tensor.data.data(),
                      tensor.data.size());
}

Status Engine::setInputData(const std::string &name, plan::DType dtype,
                            const std::vector<int64_t> &shape,
                            const void *data, size_t bytes) {
  const Impl::Program &p = impl_->selected();
  for (const Impl::Binding &b : p.inputs) {
    if (b.name != name)
      continue;
    if (dtype != b.dtype || shape != b.shape)
      return Status::error("input '" + name + "': expected " +
                           typeString(b.dtype, b.shape) + ", got " +
                           typeString(dtype, shape));
    if (bytes != b.bytes)
      return Status::error("input '" + name + "': tensor holds " +
                           std::to_string(bytes) + " bytes, expected " +
                           std::to_string(b.bytes));
    Impl::BufferSlot &slot = impl_->slots[b.slot];
    LLMC_RETURN_IF_ERROR(impl_->device->copyToDevice(slot.ptr, data, b.bytes));
    slot.inputSet = true;
    return Status::success();
  }
  std::vector<std::string> known;
  for (const auto &b : p.inputs)
    known.push_back(b.name);
  return Status::error("unknown input '" + name + "' (plan inputs: " +
                       quotedNames(known) + ")");
}

Status Engine::setStateExtent(const std::string &symbol, int64_t extent) {
  if (extent < 1)
    return Status::error("STATE extent " + symbol + " = " +
                         std::to_string(extent) + " must be at least 1");
  std::vector<Impl::BufferSlot *> matches;
  for (Impl::BufferSlot &s : impl_->slots) {
    if (s.desc->kind() != plan::STATE || s.symbol != symbol)
      continue;
    uint64_t bytes = 0;
    uint64_t cap = s.rowBytes ? s.desc->size_bytes() / s.rowBytes : 0;
    if (__builtin_mul_overflow(s.rowBytes, static_cast<uint64_t>(extent),
                               &bytes) ||
        bytes > s.desc->size_bytes())
      return Status::error("STATE buffer " + std::to_string(s.desc->id()) +
                           ": " + symbol + " = " + std::to_string(extent) +
                           " exceeds its size_bytes " +
                           std::to_string(s.desc->size_bytes()) + " (" +
                           symbol + " <= " + std::to_string(cap) + ")");
    matches.push_back(&s);
  }
  if (matches.empty())
    return Status::error("no STATE buffer has the symbolic dimension '" +
                         symbol + "'");
  Status st;
  for (Impl::BufferSlot *s : matches) {
    st = impl_->allocateState(*s, s->rowBytes * static_cast<uint64_t>(extent));
    if (!st.ok())
      break;
  }
  impl_->refreshStepArgs();
  return st;
}

Status Engine::run() {
  Impl &m = *impl_;
  Impl::Program &p = m.selected();
  if (m.current == 0 && defaultProgramEmpty())
    return Status::error("the plan has no default program; select one of its "
                         "programs (" +
                         quotedNames(programNames()) + ")");
  for (const Impl::Binding &b : p.inputs)
    if (!m.slots[b.slot].inputSet)
      return Status::error("input '" + b.name + "' was not set");
  bool allocated = false;
  for (Impl::BufferSlot &s : m.slots)
    if (s.desc->kind() == plan::STATE && !s.ptr) {
      LLMC_RETURN_IF_ERROR(m.allocateState(s, s.desc->size_bytes()));
      allocated = true;
    }
  if (allocated)
    m.refreshStepArgs();
  m.lastRun = Impl::kNone;
  const bool profiling = m.profile.enabled();
  for (Impl::StepExec &s : p.steps) {
    std::chrono::steady_clock::time_point start;
    if (profiling)
      start = std::chrono::steady_clock::now();
    LLMC_RETURN_IF_ERROR(m.device->launch(s.kernel, s.args.data(),
                                          s.args.size(), s.launchDims));
    if (profiling) {
      LLMC_RETURN_IF_ERROR(m.device->synchronize());
      m.profile.add(s.kernelIndex,
                    std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count());
    }
  }
  LLMC_RETURN_IF_ERROR(m.device->synchronize());
  m.lastRun = m.current;
  return Status::success();
}

Status Engine::getOutput(const std::string &name, Tensor &out) {
  const Impl::Binding *b = nullptr;
  LLMC_RETURN_IF_ERROR(impl_->findOutput(name, b));
  out.dtype = b->dtype;
  out.shape = b->shape;
  out.data.resize(b->bytes);
  return impl_->device->copyToHost(out.data.data(), impl_->slots[b->slot].ptr,
                                   b->bytes);
}

Status Engine::outputData(const std::string &name, const void *&data,
                          size_t &bytes) {
  if (!impl_->device->hostAddressable())
    return Status::error("output '" + name + "': device '" +
                         impl_->device->targetName() +
                         "' memory is not host-addressable; use getOutput");
  const Impl::Binding *b = nullptr;
  LLMC_RETURN_IF_ERROR(impl_->findOutput(name, b));
  data = impl_->slots[b->slot].ptr;
  bytes = b->bytes;
  return Status::success();
}

} // namespace llmc::runtime
