// Engine construction: validates the plan's buffers, programs, kernels and
// steps, binds buffers to device memory and resolves kernels. Every problem
// is one line; nothing in a bad header may crash the runtime.
#include "CpuFeatures.h"
#include "EngineImpl.h"

#include <algorithm>
#include <set>

namespace llmc::runtime {
namespace {

constexpr size_t kIoAlignment = 64;
using Dims = google::protobuf::RepeatedPtrField<plan::Dim>;

const char *kindName(plan::BufferKind kind) {
  switch (kind) {
  case plan::INPUT: return "INPUT";
  case plan::OUTPUT: return "OUTPUT";
  case plan::WEIGHT: return "WEIGHT";
  case plan::ACTIVATION: return "ACTIVATION";
  case plan::STATE: return "STATE";
  default: return "UNSPECIFIED";
  }
}

// Converts dims[first..] to static extents and multiplies them into `bytes`
// (which starts as the element size); symbolic dims and sizes that overflow
// 64 bits are rejected.
Status staticShape(const Dims &dims, int first, DType dtype,
                   const std::string &what, std::vector<int64_t> &out,
                   uint64_t &bytes) {
  out.clear();
  bytes = dtypeSize(dtype);
  for (int i = first; i < dims.size(); ++i) {
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

Status staticShape(const Dims &dims, DType dtype, const std::string &what,
                   std::vector<int64_t> &out, uint64_t &bytes) {
  return staticShape(dims, 0, dtype, what, out, bytes);
}

// A STATE buffer's dims[0] may be symbolic (the runtime picks the extent);
// the rest must be static. Sets the row size and the symbol ("" if static).
Status stateShape(const plan::Buffer &b, const std::string &what,
                  uint64_t &rowBytes, std::string &symbol, uint64_t &need) {
  std::vector<int64_t> rest;
  symbol.clear();
  if (b.dims_size() == 0)
    return Status::error(what + ": a STATE buffer needs at least one dimension");
  for (int i = 1; i < b.dims_size(); ++i)
    if (b.dims(i).kind_case() == plan::Dim::kSymbol)
      return Status::error(what + ": dimension " + std::to_string(i) +
                           " is symbolic ('" + b.dims(i).symbol() +
                           "'); only dimension 0 of a STATE buffer may be");
  LLMC_RETURN_IF_ERROR(staticShape(b.dims(), 1, b.dtype(), what, rest, rowBytes));
  const plan::Dim &d0 = b.dims(0);
  if (d0.kind_case() == plan::Dim::kSymbol) {
    if (d0.symbol().empty())
      return Status::error(what + ": dimension 0 has an empty symbol");
    symbol = d0.symbol();
    need = rowBytes; // room for at least one row
    return Status::success();
  }
  return staticShape(b.dims(), b.dtype(), what, rest, need);
}

std::string shapeForMessage(const plan::Buffer &b) {
  std::string s = std::string(dtypeName(b.dtype())) + "[";
  for (int i = 0; i < b.dims_size(); ++i) {
    const plan::Dim &d = b.dims(i);
    s += (i ? "," : "") + (d.kind_case() == plan::Dim::kSymbol
                               ? d.symbol()
                               : std::to_string(d.value()));
  }
  return s + "]";
}

} // namespace

Engine::Impl::~Impl() {
  if (!device)
    return;
  for (BufferSlot &s : slots)
    if (s.owned && s.ptr)
      device->free(s.ptr);
  if (arena)
    device->free(arena);
  if (weights)
    device->releaseHostView(weights);
  programs.clear();
  module.reset();
}

Status Engine::Impl::init() {
  const PlanHeader &h = plan->header();
  profile.init(h);
  if (auto it = h.metadata().find("cpu.features");
      it != h.metadata().end() &&
      device->targetName().rfind("cpu", 0) == 0) {
    auto cpu = h.metadata().find("cpu");
    LLMC_RETURN_IF_ERROR(checkCpuFeatures(
        it->second, cpu == h.metadata().end() ? "?" : cpu->second));
  }
  LLMC_RETURN_IF_ERROR(bindBuffers());
  std::vector<KernelHandle> kernels;
  LLMC_RETURN_IF_ERROR(loadKernels(kernels));
  programs.resize(1 + h.programs_size());
  LLMC_RETURN_IF_ERROR(
      buildProgram(programs[0], h.inputs(), h.outputs(), h.steps(), kernels));
  std::set<std::string> names;
  for (int i = 0; i < h.programs_size(); ++i) {
    const plan::Program &src = h.programs(i);
    if (src.name().empty())
      return Status::error("program " + std::to_string(i) +
                           " has an empty name");
    if (!names.insert(src.name()).second)
      return Status::error("duplicate program '" + src.name() + "'");
    Program &p = programs[1 + i];
    p.name = src.name();
    Status st =
        buildProgram(p, src.inputs(), src.outputs(), src.steps(), kernels);
    if (!st.ok())
      return Status::error("program '" + p.name + "': " + st.message);
  }
  return Status::success();
}

Status Engine::Impl::bindBuffers() {
  const PlanHeader &h = plan->header();
  const plan::MemoryPlan &mem = h.memory();

  size_t arenaAlign = std::max<uint64_t>(kIoAlignment, mem.arena_alignment());
  if (mem.arena_bytes() > 0)
    LLMC_RETURN_IF_ERROR(device->allocate(mem.arena_bytes(), arenaAlign, arena));

  if (plan->missingWeights())
    return Status::error(
        "the plan has no weights (compiled with --no-weights; " +
        std::to_string(h.external_weights_size()) +
        " weights are not in the file): supply them with --weights "
        "MODEL.onnx or --random-weights SEED");
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
    slots.emplace_back();
    BufferSlot &slot = slots.back();
    slot.desc = &b;

    if (dtypeSize(b.dtype()) == 0)
      return Status::error(what + ": unsupported dtype " +
                           dtypeName(b.dtype()));
    std::vector<int64_t> shape;
    uint64_t need = 0;
    if (b.kind() == plan::STATE)
      LLMC_RETURN_IF_ERROR(
          stateShape(b, what, slot.rowBytes, slot.symbol, need));
    else
      LLMC_RETURN_IF_ERROR(staticShape(b.dims(), b.dtype(), what, shape, need));
    if (b.size_bytes() < need)
      return Status::error(what + ": size_bytes " +
                           std::to_string(b.size_bytes()) + " is smaller than " +
                           shapeForMessage(b) + " (" + std::to_string(need) +
                           " bytes)");
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
    case plan::STATE:
      slot.owned = true; // allocated by setStateExtent or the first run()
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
    const plan::Buffer &buf = *slots[b.slot].desc;
    // The cache is private to the kernels: no caller reads or writes it.
    if (buf.kind() == plan::STATE)
      return Status::error(q + " is bound to buffer " +
                           std::to_string(buf.id()) +
                           " of kind STATE; STATE buffers cannot be " + what +
                           "s");
    uint64_t bytes = 0;
    LLMC_RETURN_IF_ERROR(staticShape(d.dims(), b.dtype, q, b.shape, bytes));
    b.bytes = bytes;
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

Status Engine::Impl::buildProgram(
    Program &p, const google::protobuf::RepeatedPtrField<plan::TensorDesc> &ins,
    const google::protobuf::RepeatedPtrField<plan::TensorDesc> &outs,
    const google::protobuf::RepeatedPtrField<plan::Step> &steps,
    const std::vector<KernelHandle> &kernels) {
  const PlanHeader &h = plan->header();
  LLMC_RETURN_IF_ERROR(bindIo(ins, "input", p.inputs));
  LLMC_RETURN_IF_ERROR(bindIo(outs, "output", p.outputs));
  for (const Binding &b : p.inputs)
    if (slots[b.slot].desc->kind() != plan::INPUT)
      return Status::error("input '" + b.name + "' is bound to buffer " +
                           std::to_string(slots[b.slot].desc->id()) +
                           " of kind " + kindName(slots[b.slot].desc->kind()) +
                           "; inputs must use INPUT buffers");
  // The default program keeps its old freedom (an output may be an input or
  // a weight); named programs are new and strict.
  if (!p.name.empty())
    for (const Binding &b : p.outputs)
      if (slots[b.slot].desc->kind() != plan::OUTPUT)
        return Status::error(
            "output '" + b.name + "' is bound to buffer " +
            std::to_string(slots[b.slot].desc->id()) + " of kind " +
            kindName(slots[b.slot].desc->kind()) +
            "; program outputs must use OUTPUT buffers");
  for (int i = 0; i < steps.size(); ++i) {
    const plan::Step &s = steps[i];
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
    exec.kernelIndex = s.kernel();
    for (int32_t id : s.args()) {
      auto it = slotById.find(id);
      if (it == slotById.end())
        return Status::error(what + ": unknown buffer " + std::to_string(id));
      exec.slots.push_back(it->second);
      exec.args.push_back(slots[it->second].ptr);
    }
    uint64_t unused = 0;
    LLMC_RETURN_IF_ERROR(staticShape(s.launch_dims(), plan::UINT8,
                                     what + " launch", exec.launchDims, unused));
    p.steps.push_back(std::move(exec));
  }
  return Status::success();
}

} // namespace llmc::runtime
