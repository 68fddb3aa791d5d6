// Engine: validates a plan, binds its buffers to device memory and runs its
// steps in order on one Device.
#include "llmc/runtime/Runtime.h"

#include <algorithm>
#include <unordered_map>

namespace llmc::runtime {
namespace {

constexpr size_t kIoAlignment = 64;

const char *kindName(plan::BufferKind kind) {
  switch (kind) {
  case plan::INPUT: return "INPUT";
  case plan::OUTPUT: return "OUTPUT";
  case plan::WEIGHT: return "WEIGHT";
  case plan::ACTIVATION: return "ACTIVATION";
  default: return "UNSPECIFIED";
  }
}

// Converts plan dims to static extents and computes the byte size;
// symbolic dims and sizes that overflow 64 bits are rejected.
Status staticShape(const google::protobuf::RepeatedPtrField<plan::Dim> &dims,
                   DType dtype, const std::string &what,
                   std::vector<int64_t> &out, uint64_t &bytes) {
  out.clear();
  bytes = dtypeSize(dtype);
  for (int i = 0; i < dims.size(); ++i) {
    const plan::Dim &d = dims[i];
    if (d.kind_case() == plan::Dim::kSymbol)
      return Status::error(what + ": dimension " + std::to_string(i) +
                           " is symbolic ('" + d.symbol() +
                           "'); this runtime requires static shapes");
    if (d.kind_case() != plan::Dim::kValue || d.value() < 0)
      return Status::error(what + ": dimension " + std::to_string(i) +
                           " is missing or negative");
    out.push_back(d.value());
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d.value()), &bytes))
      return Status::error(what + ": shape is too large");
  }
  return Status::success();
}

} // namespace

struct Engine::Impl {
  struct BufferSlot {
    const plan::Buffer *desc = nullptr;
    void *ptr = nullptr;
    bool owned = false; // allocated by the engine (INPUT / OUTPUT)
    bool inputSet = false;
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
    std::vector<void *> args;
    std::vector<int64_t> launchDims;
  };

  std::unique_ptr<PlanFile> plan;
  std::unique_ptr<Device> device;     // destroyed after everything below
  std::unique_ptr<CodeModule> module; // unloaded before the device goes
  void *arena = nullptr;
  void *weights = nullptr;
  std::vector<BufferSlot> slots;
  std::unordered_map<int32_t, size_t> slotById;
  std::vector<Binding> inputs, outputs;
  std::vector<StepExec> steps;
  bool ran = false;

  ~Impl() {
    if (!device)
      return;
    for (BufferSlot &s : slots)
      if (s.owned)
        device->free(s.ptr);
    if (arena)
      device->free(arena);
    if (weights)
      device->releaseHostView(weights);
    steps.clear();
    module.reset();
  }

  Status init();
  Status bindBuffers();
  Status bindIo(const google::protobuf::RepeatedPtrField<plan::TensorDesc> &descs,
                const char *what, std::vector<Binding> &out);
  Status loadKernels(std::vector<KernelHandle> &kernels);
  Status buildSteps(const std::vector<KernelHandle> &kernels);
};

Status Engine::Impl::init() {
  LLMC_RETURN_IF_ERROR(bindBuffers());
  LLMC_RETURN_IF_ERROR(bindIo(plan->header().inputs(), "input", inputs));
  LLMC_RETURN_IF_ERROR(bindIo(plan->header().outputs(), "output", outputs));
  for (const Binding &b : inputs)
    if (slots[b.slot].desc->kind() != plan::INPUT)
      return Status::error("input '" + b.name + "' is bound to buffer " +
                           std::to_string(slots[b.slot].desc->id()) +
                           " of kind " + kindName(slots[b.slot].desc->kind()) +
                           "; inputs must use INPUT buffers");
  std::vector<KernelHandle> kernels;
  LLMC_RETURN_IF_ERROR(loadKernels(kernels));
  return buildSteps(kernels);
}

Status Engine::Impl::bindBuffers() {
  const PlanHeader &h = plan->header();
  const plan::MemoryPlan &mem = h.memory();

  size_t arenaAlign = std::max<uint64_t>(kIoAlignment, mem.arena_alignment());
  if (mem.arena_bytes() > 0)
    LLMC_RETURN_IF_ERROR(device->allocate(mem.arena_bytes(), arenaAlign, arena));

  PlanFile::Bytes weightBytes;
  bool haveWeights = plan->section(kWeightsSectionName, weightBytes);
  if (haveWeights)
    LLMC_RETURN_IF_ERROR(
        device->mapHostReadOnly(weightBytes.data, weightBytes.size, weights));

  slots.reserve(h.buffers_size());
  for (const plan::Buffer &b : h.buffers()) {
    std::string what = "buffer " + std::to_string(b.id());
    if (!slotById.emplace(b.id(), slots.size()).second)
      return Status::error("duplicate " + what);
    slots.push_back(BufferSlot{&b});
    BufferSlot &slot = slots.back();

    if (dtypeSize(b.dtype()) == 0)
      return Status::error(what + ": unsupported dtype " +
                           dtypeName(b.dtype()));
    std::vector<int64_t> shape;
    uint64_t need = 0;
    LLMC_RETURN_IF_ERROR(staticShape(b.dims(), b.dtype(), what, shape, need));
    if (b.size_bytes() < need)
      return Status::error(what + ": size_bytes " +
                           std::to_string(b.size_bytes()) + " is smaller than " +
                           typeString(b.dtype(), shape) + " (" +
                           std::to_string(need) + " bytes)");
    uint64_t end = b.offset() + b.size_bytes();
    switch (b.kind()) {
    case plan::ACTIVATION:
      if (end < b.offset() || end > mem.arena_bytes())
        return Status::error(what + ": activation range [" +
                             std::to_string(b.offset()) + ", " +
                             std::to_string(end) + ") exceeds the arena (" +
                             std::to_string(mem.arena_bytes()) + " bytes)");
      slot.ptr = static_cast<uint8_t *>(arena) + b.offset();
      break;
    case plan::WEIGHT:
      if (!haveWeights)
        return Status::error(what + " is a WEIGHT but the plan has no '" +
                             kWeightsSectionName + "' section");
      if (end < b.offset() || end > weightBytes.size)
        return Status::error(what + ": weight range [" +
                             std::to_string(b.offset()) + ", " +
                             std::to_string(end) +
                             ") exceeds the weights section (" +
                             std::to_string(weightBytes.size) + " bytes)");
      slot.ptr = static_cast<uint8_t *>(weights) + b.offset();
      break;
    case plan::INPUT:
    case plan::OUTPUT:
      LLMC_RETURN_IF_ERROR(
          device->allocate(b.size_bytes(), kIoAlignment, slot.ptr));
      slot.owned = true;
      break;
    default:
      return Status::error(what + ": unspecified buffer kind");
    }
  }
  return Status::success();
}

Status Engine::Impl::bindIo(
    const google::protobuf::RepeatedPtrField<plan::TensorDesc> &descs,
    const char *what, std::vector<Binding> &out) {
  for (const plan::TensorDesc &d : descs) {
    std::string q = std::string(what) + " '" + d.name() + "'";
    for (const Binding &b : out)
      if (b.name == d.name())
        return Status::error("duplicate " + q);
    auto it = slotById.find(d.buffer());
    if (it == slotById.end())
      return Status::error(q + " refers to unknown buffer " +
                           std::to_string(d.buffer()));
    Binding b;
    b.name = d.name();
    b.slot = it->second;
    b.dtype = d.dtype();
    uint64_t bytes = 0;
    LLMC_RETURN_IF_ERROR(staticShape(d.dims(), b.dtype, q, b.shape, bytes));
    b.bytes = bytes;
    const plan::Buffer &buf = *slots[b.slot].desc;
    if (b.dtype != buf.dtype() || b.bytes > buf.size_bytes())
      return Status::error(q + " (" + typeString(b.dtype, b.shape) +
                           ") does not fit buffer " + std::to_string(buf.id()) +
                           " (" + dtypeName(buf.dtype()) + ", " +
                           std::to_string(buf.size_bytes()) + " bytes)");
    out.push_back(std::move(b));
  }
  return Status::success();
}

Status Engine::Impl::loadKernels(std::vector<KernelHandle> &kernels) {
  const PlanHeader &h = plan->header();
  if (h.kernels_size() == 0)
    return Status::success();
  const plan::Target *target = nullptr;
  std::string available;
  for (const plan::Target &t : h.targets()) {
    if (t.name() == device->targetName())
      target = &t;
    available += (available.empty() ? "" : ", ") + t.name();
  }
  if (!target)
    return Status::error("plan has no code for target '" +
                         device->targetName() + "' (plan targets: " +
                         (available.empty() ? "none" : available) + ")");
  if (target->code_section() < 0 ||
      target->code_section() >= h.sections_size())
    return Status::error("target '" + target->name() + "': code_section " +
                         std::to_string(target->code_section()) +
                         " is out of range");
  PlanFile::Bytes code = plan->section(target->code_section());
  Status st = device->loadCode(code.data, code.size, module);
  if (!st.ok())
    return Status::error("section '" +
                         h.sections(target->code_section()).name() +
                         "': " + st.message);
  for (const plan::Kernel &k : h.kernels()) {
    KernelHandle handle;
    LLMC_RETURN_IF_ERROR(module->lookup(k.symbol(), handle));
    kernels.push_back(handle);
  }
  return Status::success();
}

Status Engine::Impl::buildSteps(const std::vector<KernelHandle> &kernels) {
  const PlanHeader &h = plan->header();
  for (int i = 0; i < h.steps_size(); ++i) {
    const plan::Step &s = h.steps(i);
    std::string what = "step " + std::to_string(i);
    if (s.kernel() < 0 || s.kernel() >= h.kernels_size())
      return Status::error(what + ": kernel index " +
                           std::to_string(s.kernel()) + " is out of range");
    const plan::Kernel &k = h.kernels(s.kernel());
    if (s.args_size() != k.num_args())
      return Status::error(what + ": kernel '" + k.symbol() + "' takes " +
                           std::to_string(k.num_args()) + " args, got " +
                           std::to_string(s.args_size()));
    StepExec exec;
    exec.kernel = kernels[s.kernel()];
    for (int32_t id : s.args()) {
      auto it = slotById.find(id);
      if (it == slotById.end())
        return Status::error(what + ": unknown buffer " + std::to_string(id));
      exec.args.push_back(slots[it->second].ptr);
    }
    uint64_t unused = 0;
    LLMC_RETURN_IF_ERROR(staticShape(s.launch_dims(), plan::UINT8,
                                     what + " launch", exec.launchDims, unused));
    steps.push_back(std::move(exec));
  }
  return Status::success();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

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

std::vector<std::string> Engine::inputNames() const {
  std::vector<std::string> names;
  for (const auto &b : impl_->inputs)
    names.push_back(b.name);
  return names;
}

std::vector<std::string> Engine::outputNames() const {
  std::vector<std::string> names;
  for (const auto &b : impl_->outputs)
    names.push_back(b.name);
  return names;
}

Status Engine::setInput(const std::string &name, const Tensor &tensor) {
  for (const Impl::Binding &b : impl_->inputs) {
    if (b.name != name)
      continue;
    if (tensor.dtype != b.dtype || tensor.shape != b.shape)
      return Status::error("input '" + name + "': expected " +
                           typeString(b.dtype, b.shape) + ", got " +
                           typeString(tensor.dtype, tensor.shape));
    if (tensor.data.size() != b.bytes)
      return Status::error("input '" + name + "': tensor holds " +
                           std::to_string(tensor.data.size()) +
                           " bytes, expected " + std::to_string(b.bytes));
    Impl::BufferSlot &slot = impl_->slots[b.slot];
    LLMC_RETURN_IF_ERROR(
        impl_->device->copyToDevice(slot.ptr, tensor.data.data(), b.bytes));
    slot.inputSet = true;
    return Status::success();
  }
  std::string known;
  for (const auto &b : impl_->inputs)
    known += (known.empty() ? "'" : ", '") + b.name + "'";
  return Status::error("unknown input '" + name + "' (plan inputs: " +
                       (known.empty() ? "none" : known) + ")");
}

Status Engine::run() {
  for (const Impl::Binding &b : impl_->inputs)
    if (!impl_->slots[b.slot].inputSet)
      return Status::error("input '" + b.name + "' was not set");
  impl_->ran = false;
  for (Impl::StepExec &s : impl_->steps)
    LLMC_RETURN_IF_ERROR(impl_->device->launch(s.kernel, s.args.data(),
                                               s.args.size(), s.launchDims));
  LLMC_RETURN_IF_ERROR(impl_->device->synchronize());
  impl_->ran = true;
  return Status::success();
}

Status Engine::getOutput(const std::string &name, Tensor &out) {
  for (const Impl::Binding &b : impl_->outputs) {
    if (b.name != name)
      continue;
    const Impl::BufferSlot &slot = impl_->slots[b.slot];
    plan::BufferKind kind = slot.desc->kind();
    if (kind == plan::INPUT && !slot.inputSet)
      return Status::error("output '" + name +
                           "' is a graph input that was not set");
    if ((kind == plan::OUTPUT || kind == plan::ACTIVATION) && !impl_->ran)
      return Status::error("output '" + name +
                           "' is not available: run() has not completed");
    out.dtype = b.dtype;
    out.shape = b.shape;
    out.data.resize(b.bytes);
    return impl_->device->copyToHost(out.data.data(), slot.ptr, b.bytes);
  }
  std::string known;
  for (const auto &b : impl_->outputs)
    known += (known.empty() ? "'" : ", '") + b.name + "'";
  return Status::error("unknown output '" + name + "' (plan outputs: " +
                       (known.empty() ? "none" : known) + ")");
}

} // namespace llmc::runtime
