//===- PlanBuilder.cpp - outlined module + code to a plan file ------------===//
// @main after kernel outlining is the whole schedule: its arguments are the
// INPUT buffers, its constants the WEIGHTs, and each call one step.
//===----------------------------------------------------------------------===//
#include "llmc/Plan/PlanBuilder.h"
#include "llmc/Dialect/LLM/IR/LLMOps.h"
#include "llmc/Plan/MemoryPlanner.h"
#include "llmc/Plan/WeightBytes.h"
#include "llmc/runtime/PlanFormat.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace llmc;

namespace {

constexpr uint64_t kArenaAlignment = 64;
constexpr uint64_t kWeightAlignment = 64;

struct BufferInfo {
  plan::Buffer proto;
  int firstStep = -1, lastStep = -1;
};

class PlanBuilder {
public:
  PlanBuilder(func::FuncOp main, const PlanBuildOptions &options)
      : main(main), options(options) {}

  LogicalResult build(runtime::PlanWriterInput &out);

private:
  FailureOr<int> newBuffer(Value value, plan::BufferKind kind);
  LogicalResult setDims(plan::Buffer &buffer, RankedTensorType type,
                        Location loc);

  func::FuncOp main;
  const PlanBuildOptions &options;
  std::vector<BufferInfo> buffers;
  llvm::DenseMap<Value, int> bufferOf;
  std::vector<uint8_t> weights;
};

} // namespace

LogicalResult PlanBuilder::setDims(plan::Buffer &buffer, RankedTensorType type,
                                   Location loc) {
  plan::DType dtype = toPlanDType(type.getElementType());
  if (dtype == plan::UNDEFINED)
    return emitError(loc, "element type ")
           << type.getElementType() << " has no plan encoding";
  if (!type.hasStaticShape())
    return emitError(loc, "buffer of type ")
           << type << " has dynamic dims; compile with --input-shape";
  buffer.set_dtype(dtype);
  for (int64_t d : type.getShape())
    buffer.add_dims()->set_value(d);
  buffer.set_size_bytes(type.getNumElements() *
                        elementBytes(type.getElementType()));
  return success();
}

FailureOr<int> PlanBuilder::newBuffer(Value value, plan::BufferKind kind) {
  BufferInfo info;
  info.proto.set_id(buffers.size());
  info.proto.set_kind(kind);
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return emitError(value.getLoc(), "plan buffers must be ranked tensors");
  if (failed(setDims(info.proto, type, value.getLoc())))
    return failure();
  buffers.push_back(std::move(info));
  bufferOf[value] = buffers.size() - 1;
  return buffers.size() - 1;
}

static std::string nameAttr(func::FuncOp main, bool result, unsigned index) {
  auto attr = result ? main.getResultAttrOfType<StringAttr>(index, "llm.name")
                     : main.getArgAttrOfType<StringAttr>(index, "llm.name");
  if (attr)
    return attr.str();
  return (result ? "output_" : "input_") + std::to_string(index);
}

LogicalResult PlanBuilder::build(runtime::PlanWriterInput &out) {
  plan::PlanHeader &header = out.header;
  header.set_producer(options.producer);
  Block &body = main.getBody().front();
  auto returnOp = cast<func::ReturnOp>(body.getTerminator());
  llvm::DenseSet<Value> returned(returnOp.getOperands().begin(),
                                 returnOp.getOperands().end());

  for (BlockArgument arg : body.getArguments()) {
    FailureOr<int> id = newBuffer(arg, plan::INPUT);
    if (failed(id))
      return failure();
    plan::TensorDesc *desc = header.add_inputs();
    desc->set_name(nameAttr(main, false, arg.getArgNumber()));
    desc->set_dtype(buffers[*id].proto.dtype());
    *desc->mutable_dims() = buffers[*id].proto.dims();
    desc->set_buffer(*id);
  }

  llvm::StringMap<int> kernelIndex;
  int step = 0;
  for (Operation &op : body.without_terminator()) {
    if (auto constant = dyn_cast<llm::ConstantOp>(op)) {
      FailureOr<int> id = newBuffer(constant, plan::WEIGHT);
      if (failed(id))
        return failure();
      FailureOr<std::vector<uint8_t>> bytes = constantBytes(constant.getValue());
      if (failed(bytes))
        return constant.emitOpError("cannot serialize this constant");
      while (weights.size() % kWeightAlignment)
        weights.push_back(0);
      buffers[*id].proto.set_offset(weights.size());
      weights.insert(weights.end(), bytes->begin(), bytes->end());
      continue;
    }
    auto call = dyn_cast<func::CallOp>(op);
    if (!call)
      return op.emitOpError("unexpected op in the schedule; run llm-outline-kernels first");
    StringRef callee = call.getCallee();
    auto [it, inserted] = kernelIndex.try_emplace(callee, header.kernels_size());
    if (inserted) {
      plan::Kernel *kernel = header.add_kernels();
      kernel->set_name(callee.str());
      kernel->set_symbol((callee + options.symbolSuffix).str());
      kernel->set_num_args(call.getNumOperands() + call.getNumResults());
    }
    plan::Step *s = header.add_steps();
    s->set_kernel(it->second);
    for (Value operand : call.getOperands()) {
      int id = bufferOf.at(operand);
      buffers[id].lastStep = step;
      s->add_args(id);
    }
    for (Value result : call.getResults()) {
      FailureOr<int> id = newBuffer(
          result, returned.contains(result) ? plan::OUTPUT : plan::ACTIVATION);
      if (failed(id))
        return failure();
      buffers[*id].firstStep = buffers[*id].lastStep = step;
      s->add_args(*id);
    }
    ++step;
  }

  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    int id = bufferOf.at(value);
    plan::TensorDesc *desc = header.add_outputs();
    desc->set_name(nameAttr(main, true, index));
    desc->set_dtype(buffers[id].proto.dtype());
    *desc->mutable_dims() = buffers[id].proto.dims();
    desc->set_buffer(id);
  }

  // Activations share one arena; lifetimes are step intervals.
  std::vector<BufferLifetime> lifetimes;
  std::vector<int> activationIds;
  for (auto [id, info] : llvm::enumerate(buffers)) {
    if (info.proto.kind() != plan::ACTIVATION)
      continue;
    lifetimes.push_back({info.proto.size_bytes(), info.firstStep,
                         std::max(info.firstStep, info.lastStep)});
    activationIds.push_back(id);
  }
  MemoryPlanResult memory = planMemory(lifetimes, kArenaAlignment);
  for (auto [i, id] : llvm::enumerate(activationIds))
    buffers[id].proto.set_offset(memory.offsets[i]);
  header.mutable_memory()->set_arena_bytes(memory.arenaBytes);
  header.mutable_memory()->set_arena_alignment(kArenaAlignment);
  for (BufferInfo &info : buffers)
    *header.add_buffers() = std::move(info.proto);

  for (const TargetCode &code : options.code) {
    plan::Target *target = header.add_targets();
    target->set_name(code.target);
    target->set_code_section(out.sections.size());
    out.sections.emplace_back(runtime::kCodeSectionPrefix + code.target,
                              code.bytes);
  }
  out.sections.emplace_back(runtime::kWeightsSectionName, std::move(weights));
  return success();
}

LogicalResult llmc::writePlanFile(ModuleOp outlined,
                                  const PlanBuildOptions &options,
                                  const std::string &path) {
  auto main = outlined.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return outlined.emitError("expected a graph function named @main");
  runtime::PlanWriterInput input;
  PlanBuilder builder(main, options);
  if (failed(builder.build(input)))
    return failure();
  if (auto source = outlined->getAttrOfType<StringAttr>("llm.source"))
    (*input.header.mutable_metadata())["source"] = source.str();
  runtime::Status status = runtime::writePlan(path, input);
  if (!status.ok())
    return outlined.emitError(status.message);
  return success();
}
