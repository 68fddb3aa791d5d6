//===- PlanBuilder.cpp - outlined module + code to a plan file ------------===//
// @main after kernel outlining is the whole schedule: its arguments are the
// INPUT buffers, its constants the WEIGHTs, and each call one step.
//===----------------------------------------------------------------------===//
#include "llmc/Plan/PlanBuilder.h"
#include "llmc/Dialect/LLM/IR/LLMOps.h"
#include "llmc/Plan/MemoryPlanner.h"
#include "llmc/Plan/WeightBytes.h"
#include "llmc/runtime/PlanFormat.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace llmc;

namespace {

constexpr uint64_t kArenaAlignment = 64;
constexpr uint64_t kWeightAlignment = 64;

struct BufferInfo {
  plan::Buffer proto;
  Type type; // weights: the constant's type (deduplication)
  int firstStep = -1, lastStep = -1;
};

class PlanBuilder {
public:
  PlanBuilder(ModuleOp module, const PlanBuildOptions &options)
      : module(module), options(options) {}

  LogicalResult build(runtime::PlanWriterInput &out);

private:
  /// The schedule `fn` as the top-level program (`program` null) or as
  /// `program`: its inputs, outputs and steps; activations get arena offsets
  /// of their own (programs run one at a time).
  LogicalResult buildProgram(func::FuncOp fn, plan::Program *program,
                             plan::PlanHeader &header);
  FailureOr<int> newBuffer(Value value, plan::BufferKind kind);
  FailureOr<int> weightBuffer(llm::ConstantOp constant);
  FailureOr<int> stateBuffer(BlockArgument arg, StringRef symbol);
  LogicalResult setDims(plan::Buffer &buffer, RankedTensorType type,
                        Location loc);

  ModuleOp module;
  const PlanBuildOptions &options;
  std::vector<BufferInfo> buffers;
  llvm::DenseMap<Value, int> bufferOf;
  // Programs share weights (one copy per distinct constant) and state.
  llvm::DenseMap<llvm::hash_code, std::vector<int>> weightsByHash;
  llvm::StringMap<int> stateOf;
  llvm::StringMap<int> kernelIndex;
  std::vector<uint8_t> weights;
  uint64_t arenaBytes = 0;
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

FailureOr<int> PlanBuilder::weightBuffer(llm::ConstantOp constant) {
  FailureOr<std::vector<uint8_t>> bytes = constantBytes(constant.getValue());
  if (failed(bytes))
    return constant.emitOpError("cannot serialize this constant");
  // Programs import the model once each: equal bytes of the same type are
  // one weight (resource blobs of two imports are distinct attributes).
  llvm::hash_code hash = llvm::hash_combine(
      constant.getType().getAsOpaquePointer(),
      llvm::hash_combine_range(bytes->begin(), bytes->end()));
  for (int id : weightsByHash[hash]) {
    const plan::Buffer &b = buffers[id].proto;
    if (buffers[id].type == constant.getType() &&
        b.size_bytes() == bytes->size() &&
        std::equal(bytes->begin(), bytes->end(),
                   weights.begin() + b.offset())) {
      bufferOf[constant] = id;
      return id;
    }
  }
  FailureOr<int> id = newBuffer(constant, plan::WEIGHT);
  if (failed(id))
    return failure();
  while (weights.size() % kWeightAlignment)
    weights.push_back(0);
  buffers[*id].proto.set_offset(weights.size());
  buffers[*id].type = constant.getType();
  weights.insert(weights.end(), bytes->begin(), bytes->end());
  weightsByHash[hash].push_back(*id);
  return id;
}

/// A state input (the paged KV cache): one buffer for every program, whose
/// leading dim is the runtime-chosen extent `symbol`.
FailureOr<int> PlanBuilder::stateBuffer(BlockArgument arg, StringRef symbol) {
  if (auto it = stateOf.find(symbol); it != stateOf.end()) {
    const plan::Buffer &existing = buffers[it->second].proto;
    auto type = cast<RankedTensorType>(arg.getType());
    if (existing.size_bytes() != uint64_t(type.getNumElements()) *
                                     elementBytes(type.getElementType()))
      return emitError(arg.getLoc(), "state '")
             << symbol << "' has a different type in another program";
    bufferOf[arg] = it->second;
    return it->second;
  }
  FailureOr<int> id = newBuffer(arg, plan::STATE);
  if (failed(id))
    return failure();
  buffers[*id].proto.mutable_dims(0)->set_symbol(symbol.str());
  stateOf[symbol] = *id;
  return id;
}

static std::string nameAttr(func::FuncOp main, bool result, unsigned index) {
  auto attr = result ? main.getResultAttrOfType<StringAttr>(index, "llm.name")
                     : main.getArgAttrOfType<StringAttr>(index, "llm.name");
  if (attr)
    return attr.str();
  return (result ? "output_" : "input_") + std::to_string(index);
}

LogicalResult PlanBuilder::buildProgram(func::FuncOp fn,
                                        plan::Program *program,
                                        plan::PlanHeader &header) {
  auto *inputs = program ? program->mutable_inputs() : header.mutable_inputs();
  auto *outputs =
      program ? program->mutable_outputs() : header.mutable_outputs();
  auto *steps = program ? program->mutable_steps() : header.mutable_steps();
  size_t firstBuffer = buffers.size();
  Block &body = fn.getBody().front();
  auto returnOp = cast<func::ReturnOp>(body.getTerminator());
  llvm::DenseSet<Value> returned(returnOp.getOperands().begin(),
                                 returnOp.getOperands().end());

  for (BlockArgument arg : body.getArguments()) {
    if (auto symbol = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                      "llm.state")) {
      if (failed(stateBuffer(arg, symbol.getValue())))
        return failure();
      continue;
    }
    FailureOr<int> id = newBuffer(arg, plan::INPUT);
    if (failed(id))
      return failure();
    plan::TensorDesc *desc = inputs->Add();
    desc->set_name(nameAttr(fn, false, arg.getArgNumber()));
    desc->set_dtype(buffers[*id].proto.dtype());
    *desc->mutable_dims() = buffers[*id].proto.dims();
    desc->set_buffer(*id);
  }

  int step = 0;
  for (Operation &op : body.without_terminator()) {
    if (auto constant = dyn_cast<llm::ConstantOp>(op)) {
      if (failed(weightBuffer(constant)))
        return failure();
      continue;
    }
    auto call = dyn_cast<func::CallOp>(op);
    if (!call)
      return op.emitOpError("unexpected op in the schedule; run llm-outline-kernels first");
    StringRef callee = call.getCallee();
    auto kernelFn = module.lookupSymbol<func::FuncOp>(callee);
    auto aliases = kernelFn ? kernelFn->getAttrOfType<DenseI64ArrayAttr>(
                                  kResultAliasesAttrName)
                            : DenseI64ArrayAttr();
    auto aliasOf = [&](unsigned result) -> int64_t {
      return aliases && result < aliases.size() ? aliases[result] : -1;
    };
    unsigned freshResults = 0;
    for (unsigned i = 0; i < call.getNumResults(); ++i)
      freshResults += aliasOf(i) < 0;
    auto [it, inserted] = kernelIndex.try_emplace(callee, header.kernels_size());
    if (inserted) {
      plan::Kernel *kernel = header.add_kernels();
      kernel->set_name(callee.str());
      kernel->set_symbol((callee + options.symbolSuffix).str());
      kernel->set_num_args(call.getNumOperands() + freshResults);
    }
    plan::Step *s = steps->Add();
    s->set_kernel(it->second);
    for (Value operand : call.getOperands()) {
      int id = bufferOf.at(operand);
      buffers[id].lastStep = step;
      s->add_args(id);
    }
    for (auto [index, result] : llvm::enumerate(call.getResults())) {
      // An in-place result is its argument's buffer, passed once above.
      if (int64_t arg = aliasOf(index); arg >= 0) {
        bufferOf[result] = bufferOf.at(call.getOperand(arg));
        continue;
      }
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
    // May be a weight or an input returned as is (ONNX Identity, Constant).
    int id = bufferOf.at(value);
    plan::TensorDesc *desc = outputs->Add();
    desc->set_name(nameAttr(fn, true, index));
    desc->set_dtype(buffers[id].proto.dtype());
    *desc->mutable_dims() = buffers[id].proto.dims();
    desc->set_buffer(id);
  }

  // This program's activations share the arena; lifetimes are step intervals.
  std::vector<BufferLifetime> lifetimes;
  std::vector<int> activationIds;
  for (size_t id = firstBuffer; id < buffers.size(); ++id) {
    BufferInfo &info = buffers[id];
    if (info.proto.kind() != plan::ACTIVATION)
      continue;
    lifetimes.push_back({info.proto.size_bytes(), info.firstStep,
                         std::max(info.firstStep, info.lastStep)});
    activationIds.push_back(id);
  }
  MemoryPlanResult memory = planMemory(lifetimes, kArenaAlignment);
  for (auto [i, id] : llvm::enumerate(activationIds))
    buffers[id].proto.set_offset(memory.offsets[i]);
  arenaBytes = std::max(arenaBytes, memory.arenaBytes);
  return success();
}

LogicalResult PlanBuilder::build(runtime::PlanWriterInput &out) {
  plan::PlanHeader &header = out.header;
  header.set_producer(options.producer);
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (main && failed(buildProgram(main, nullptr, header)))
    return failure();
  for (auto fn : module.getOps<func::FuncOp>()) {
    auto name = fn->getAttrOfType<StringAttr>(kProgramAttrName);
    if (!name)
      continue;
    plan::Program *program = header.add_programs();
    program->set_name(name.str());
    if (failed(buildProgram(fn, program, header)))
      return failure();
  }
  if (!main && header.programs_size() == 0)
    return module.emitError("nothing to run: no @main and no programs");

  header.mutable_memory()->set_arena_bytes(arenaBytes);
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
  for (const auto &[name, bytes] : options.extraSections) {
    for (const auto &[existing, unused] : out.sections)
      if (existing == name)
        return module.emitError("plan section '" + name + "' given twice");
    out.sections.emplace_back(name, bytes);
  }
  for (const auto &[key, value] : options.metadata)
    (*header.mutable_metadata())[key] = value;
  return success();
}

LogicalResult llmc::writePlanFile(ModuleOp outlined,
                                  const PlanBuildOptions &options,
                                  const std::string &path) {
  runtime::PlanWriterInput input;
  PlanBuilder builder(outlined, options);
  if (failed(builder.build(input)))
    return failure();
  if (auto source = outlined->getAttrOfType<StringAttr>("llm.source"))
    (*input.header.mutable_metadata())["source"] = source.str();
  if (!options.stripWeights.model.empty()) {
    StripWeightsReport report;
    runtime::Status status =
        stripWeights(input, options.stripWeights, report);
    if (!status.ok())
      return outlined.emitError("--no-weights: ") << status.message;
    if (options.stripReport)
      *options.stripReport = std::move(report);
  }
  runtime::Status status = runtime::writePlan(path, input);
  if (!status.ok())
    return outlined.emitError(status.message);
  return success();
}
