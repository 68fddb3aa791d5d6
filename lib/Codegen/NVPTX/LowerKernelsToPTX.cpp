//===- LowerKernelsToPTX.cpp - kernel IR to PTX (NVIDIA GPUs) -------------===//
// The same tensor-level kernels as the CPU path, bufferized the same way
// (results to out-params, in-place results dropped), then a naive GPU
// mapping: each top-level parallel loop nest (a linalg op's parallel dims) is
// one launch, tiled 1-D into blocks of threads; everything else (sequential
// loops, vector code) runs as a single-thread launch. The gpu.module is
// lowered to NVVM and serialized to PTX by LLVM's NVPTX backend in-process:
// no CUDA toolkit is needed. Math functions are expanded into polynomials
// so that no libdevice call remains.
//===----------------------------------------------------------------------===//
#include "llmc/Codegen/NVPTXBackend.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// Threads per block of a mapped parallel loop (its leading dim is tiled).
static constexpr int64_t kThreadsPerBlock = 128;

static constexpr const char *kBufferizePipeline =
    "llm-lower-to-linalg,canonicalize,cse,llm-isolate-kernel-results,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "canonicalize,llm-drop-in-place-results,"
    "buffer-results-to-out-params{hoist-static-allocs=true modify-public-functions=true},"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref,canonicalize";

static constexpr const char *kLoopsPipeline =
    "func.func(convert-linalg-to-parallel-loops),canonicalize,"
    "func.func(scf-parallel-loop-tiling{parallel-loop-tile-sizes=%T}),"
    "canonicalize";

static constexpr const char *kDevicePipeline =
    "gpu.module(convert-vector-to-scf{full-unroll=true},"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-vector-to-llvm,"
    "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
    "canonicalize,cse,reconcile-unrealized-casts)";

bool llmc::isSupportedPTXChip(llvm::StringRef chip) {
  return chip == "sm_80" || chip == "sm_89" || chip == "sm_90";
}

/// PTX ISA version the chip needs (7.0 introduced sm_80, 7.8 sm_89/sm_90).
static std::string ptxFeatures(llvm::StringRef chip) {
  return chip == "sm_80" ? "+ptx70" : "+ptx78";
}

/// memref.copy (from bufferization) as linalg.copy, so that it becomes a
/// parallel loop like any other linalg op (no memrefCopy runtime call).
static void copiesToLinalg(ModuleOp module) {
  SmallVector<memref::CopyOp> copies;
  module.walk([&](memref::CopyOp op) { copies.push_back(op); });
  for (memref::CopyOp op : copies) {
    OpBuilder b(op);
    linalg::CopyOp::create(b, op.getLoc(), op.getSource(), op.getTarget());
    op.erase();
  }
}

/// scf.parallel (without reductions) as nested scf.for.
static LogicalResult parallelToFor(scf::ParallelOp op) {
  if (op.getNumResults() != 0)
    return op.emitOpError("parallel reductions are not supported on NVPTX");
  OpBuilder b(op);
  SmallVector<Value> ivs;
  for (auto [lb, ub, step] :
       llvm::zip(op.getLowerBound(), op.getUpperBound(), op.getStep())) {
    auto loop = scf::ForOp::create(b, op.getLoc(), lb, ub, step);
    ivs.push_back(loop.getInductionVar());
    b.setInsertionPointToStart(loop.getBody());
  }
  Block *inner = b.getInsertionBlock();
  Block &body = op.getRegion().front();
  for (auto [arg, iv] : llvm::zip(body.getArguments(), ivs))
    arg.replaceAllUsesWith(iv);
  inner->getOperations().splice(Block::iterator(inner->getTerminator()),
                                body.getOperations(), body.begin(),
                                std::prev(body.end()));
  op.erase();
  return success();
}

static bool staysOnHost(Operation *op) {
  return isa<scf::ParallelOp, memref::AllocOp, memref::DeallocOp,
             func::ReturnOp>(op) ||
         (isMemoryEffectFree(op) && op->getNumRegions() == 0);
}

/// Wraps `ops` (consecutive, in one block) into a 1x1x1 gpu.launch; the
/// parallel loops inside them become sequential loops.
static LogicalResult wrapSingleThread(ArrayRef<Operation *> ops) {
  SmallVector<scf::ParallelOp> loops;
  for (Operation *op : ops)
    op->walk([&](scf::ParallelOp p) { loops.push_back(p); });
  for (scf::ParallelOp p : loops)
    if (failed(parallelToFor(p)))
      return failure();
  OpBuilder b(ops.front());
  Location loc = ops.front()->getLoc();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
  Block &body = launch.getBody().front();
  for (Operation *op : ops)
    op->moveBefore(&body, body.end());
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  return success();
}

/// Top-level parallel loops stay for the GPU mapping; runs of other
/// effectful ops become single-thread launches. When a sequential run
/// defines values that code after it uses, the whole body is one launch.
static LogicalResult wrapSequentialCode(func::FuncOp fn) {
  Block &block = fn.getBody().front();
  SmallVector<SmallVector<Operation *>> groups;
  SmallVector<Operation *> current;
  for (Operation &op : block) {
    if (staysOnHost(&op)) {
      if (!current.empty())
        groups.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(&op);
    }
  }
  if (!current.empty())
    groups.push_back(std::move(current));
  bool escapes = false;
  for (auto &group : groups) {
    llvm::SmallPtrSet<Operation *, 16> in(group.begin(), group.end());
    for (Operation *op : group)
      for (Value r : op->getResults())
        for (Operation *user : r.getUsers())
          escapes |= !in.contains(block.findAncestorOpInBlock(*user));
  }
  if (escapes) {
    SmallVector<scf::ParallelOp> loops;
    fn.walk([&](scf::ParallelOp p) { loops.push_back(p); });
    for (scf::ParallelOp p : loops)
      if (failed(parallelToFor(p)))
        return failure();
    SmallVector<Operation *> all;
    for (Operation &op : block.without_terminator())
      if (!isa<memref::AllocOp, memref::DeallocOp>(op))
        all.push_back(&op);
    // Allocations first: they are the plan kernel's scratch buffers.
    for (Operation &op : llvm::make_early_inc_range(block.without_terminator()))
      if (isa<memref::AllocOp>(op))
        op.moveBefore(&block, block.begin());
    return all.empty() ? success() : wrapSingleThread(all);
  }
  for (auto &group : groups)
    if (failed(wrapSingleThread(group)))
      return failure();
  return success();
}

/// Values used in a launch are then only the function's arguments and its
/// allocations: index arithmetic, constants and memref views are cloned in.
static LogicalResult sinkIntoLaunches(ModuleOp module) {
  SmallVector<gpu::LaunchOp> launches;
  module.walk([&](gpu::LaunchOp op) { launches.push_back(op); });
  for (gpu::LaunchOp launch : launches) {
    Region &body = launch.getBody();
    bool changed = true;
    while (changed) {
      changed = false;
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(body, captured);
      for (Value v : captured) {
        Operation *def = v.getDefiningOp();
        if (!def || !isMemoryEffectFree(def) || def->getNumRegions() != 0)
          continue;
        OpBuilder b(&body.front(), body.front().begin());
        Operation *clone = b.clone(*def);
        for (auto [from, to] :
             llvm::zip(def->getResults(), clone->getResults()))
          replaceAllUsesInRegionWith(from, to, body);
        changed = true;
      }
    }
  }
  return success();
}

/// All outlined kernels in one gpu.module (one PTX module), named
/// `<plan kernel>__<i>`.
static gpu::GPUModuleOp mergeGPUModules(ModuleOp module) {
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto merged = gpu::GPUModuleOp::create(b, module.getLoc(), "llmc_ptx");
  llvm::StringMap<int> counters;
  SmallVector<gpu::GPUModuleOp> modules;
  for (auto m : module.getOps<gpu::GPUModuleOp>())
    if (m != merged)
      modules.push_back(m);
  for (auto fn : module.getOps<func::FuncOp>()) {
    fn.walk([&](gpu::LaunchFuncOp launch) {
      auto src = module.lookupSymbol<gpu::GPUModuleOp>(
          launch.getKernelModuleName());
      auto kernel = src.lookupSymbol<gpu::GPUFuncOp>(launch.getKernelName());
      std::string name = (fn.getName() + "__" +
                          llvm::itostr(counters[fn.getName()]++))
                             .str();
      kernel.setName(name);
      kernel->moveBefore(merged.getBody(), merged.getBody()->end());
      launch.setKernelAttr(SymbolRefAttr::get(
          b.getContext(), "llmc_ptx",
          {FlatSymbolRefAttr::get(b.getContext(), name)}));
    });
  }
  // Other symbols the kernels reference (memref.global constants).
  for (gpu::GPUModuleOp m : modules) {
    for (Operation &op : llvm::make_early_inc_range(m.getBody()->getOperations())) {
      auto sym = dyn_cast<SymbolOpInterface>(op);
      if (!sym || merged.lookupSymbol(sym.getName()))
        continue;
      op.moveBefore(merged.getBody(), merged.getBody()->end());
    }
    m.erase();
  }
  return merged;
}

/// LLVM's type suffix of an intrinsic overload ("f32", "v4f16").
static std::string intrinsicSuffix(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto v = dyn_cast<VectorType>(type)) {
    os << "v" << v.getNumElements();
    type = v.getElementType();
  }
  os << (type.isBF16() ? "bf16" : "f" + llvm::itostr(type.getIntOrFloatBitWidth()));
  return s;
}

/// Math ops whose LLVM intrinsics convert-gpu-to-nvvm would send to
/// libdevice: called as intrinsics, which the NVPTX backend selects
/// (sqrt.rn, cvt.rmi, ...).
static void mathToIntrinsics(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<math::SqrtOp, math::RsqrtOp, math::FloorOp, math::CeilOp,
            math::RoundOp, math::RoundEvenOp, math::TruncOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Type type = op->getResult(0).getType();
    StringRef name = llvm::TypeSwitch<Operation *, StringRef>(op)
                         .Case([](math::SqrtOp) { return "llvm.sqrt"; })
                         .Case([](math::RsqrtOp) { return "llvm.sqrt"; })
                         .Case([](math::FloorOp) { return "llvm.floor"; })
                         .Case([](math::CeilOp) { return "llvm.ceil"; })
                         .Case([](math::RoundOp) { return "llvm.round"; })
                         .Case([](math::RoundEvenOp) { return "llvm.roundeven"; })
                         .Case([](math::TruncOp) { return "llvm.trunc"; });
    Value result =
        LLVM::CallIntrinsicOp::create(
            b, loc, type,
            b.getStringAttr(name + "." + intrinsicSuffix(type)),
            op->getOperand(0))
            .getResult(0);
    if (isa<math::RsqrtOp>(op)) {
      Value one = arith::ConstantOp::create(
          b, loc, type,
          isa<VectorType>(type)
              ? cast<TypedAttr>(DenseElementsAttr::get(
                    cast<ShapedType>(type),
                    b.getFloatAttr(getElementTypeOrSelf(type), 1.0)))
              : cast<TypedAttr>(b.getFloatAttr(type, 1.0)));
      result = arith::DivFOp::create(b, loc, one, result);
    }
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
}

/// Expands math ops into arithmetic (polynomial approximations) so that the
/// NVVM lowering needs no libdevice.
static LogicalResult expandMath(Operation *op) {
  RewritePatternSet patterns(op->getContext());
  auto all = [](StringRef) { return true; };
  populateMathF32ExpansionPatterns(patterns, all);
  populateMathPolynomialApproximationPatterns(patterns, all);
  if (failed(applyPatternsGreedily(op, std::move(patterns))))
    return failure();
  mathToIntrinsics(op);
  return success();
}

static LogicalResult runPipeline(ModuleOp module, StringRef pipeline,
                                 const llmc::NVPTXCodegenOptions &options) {
  PassManager pm(module.getContext());
  if (options.configurePassManager)
    options.configurePassManager(pm);
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return module.emitError("internal error: bad NVPTX pass pipeline: ")
           << pipeline;
  return pm.run(module);
}

/// The host side of `fn` after outlining: allocations and launches.
static FailureOr<llmc::PTXKernelSchedule> hostSchedule(func::FuncOp fn) {
  llmc::PTXKernelSchedule schedule;
  schedule.name = fn.getName().str();
  llvm::DenseMap<Value, llmc::PTXLaunchArg> refs;
  for (BlockArgument arg : fn.getArguments())
    refs[arg].arg = arg.getArgNumber();
  for (Operation &op : fn.getBody().front()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape())
        return alloc.emitOpError("dynamic allocation in an NVPTX kernel");
      unsigned bits = type.getElementTypeBitWidth();
      refs[alloc].scratch = schedule.scratchBytes.size();
      schedule.scratchBytes.push_back(
          (type.getNumElements() * bits + 7) / 8);
      continue;
    }
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      llmc::PTXLaunch l;
      l.function = launch.getKernelName().str();
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      Value dims[6] = {grid.x, grid.y, grid.z, block.x, block.y, block.z};
      for (int i = 0; i < 6; ++i) {
        std::optional<int64_t> c = getConstantIntValue(dims[i]);
        if (!c)
          return launch.emitOpError("launch size is not a constant");
        (i < 3 ? l.grid[i] : l.block[i - 3]) = *c;
      }
      for (Value operand : launch.getKernelOperands()) {
        auto it = refs.find(operand);
        if (it == refs.end())
          return launch.emitOpError("kernel operand is neither a kernel "
                                    "argument nor a scratch buffer");
        l.args.push_back(it->second);
      }
      schedule.launches.push_back(std::move(l));
      continue;
    }
    if (isa<memref::DeallocOp, func::ReturnOp>(op) || isMemoryEffectFree(&op))
      continue;
    return op.emitOpError("left on the host by the NVPTX mapping");
  }
  return schedule;
}

FailureOr<llmc::PTXCode>
llmc::lowerKernelsToPTX(ModuleOp kernels, ArrayRef<std::string> kernelNames,
                        const NVPTXCodegenOptions &options) {
  MLIRContext *ctx = kernels.getContext();
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  ctx->appendDialectRegistry(registry);
  ctx->loadDialect<gpu::GPUDialect, scf::SCFDialect, linalg::LinalgDialect,
                   LLVM::LLVMDialect, math::MathDialect>();

  if (failed(runPipeline(kernels, kBufferizePipeline, options)))
    return failure();
  copiesToLinalg(kernels);
  std::string loops = kLoopsPipeline;
  loops.replace(loops.find("%T"), 2, llvm::itostr(kThreadsPerBlock));
  if (failed(runPipeline(kernels, loops, options)))
    return failure();
  for (auto fn : kernels.getOps<func::FuncOp>())
    if (failed(wrapSequentialCode(fn)))
      return failure();
  if (failed(runPipeline(kernels,
                         "func.func(gpu-map-parallel-loops,"
                         "convert-parallel-loops-to-gpu),canonicalize",
                         options)))
    return failure();
  if (failed(sinkIntoLaunches(kernels)))
    return failure();
  if (failed(runPipeline(kernels, "gpu-kernel-outlining,canonicalize,cse",
                         options)))
    return failure();

  gpu::GPUModuleOp merged = mergeGPUModules(kernels);
  PTXCode code;
  code.chip = options.chip;
  for (const std::string &name : kernelNames) {
    auto fn = kernels.lookupSymbol<func::FuncOp>(name);
    if (!fn)
      return kernels.emitError("kernel '") << name << "' vanished";
    FailureOr<PTXKernelSchedule> schedule = hostSchedule(fn);
    if (failed(schedule))
      return failure();
    code.kernels.push_back(std::move(*schedule));
  }
  if (failed(expandMath(merged)))
    return kernels.emitError("math expansion did not converge");
  std::string device = kDevicePipeline;
  device += ",nvvm-attach-target{chip=" + options.chip +
            " features=" + ptxFeatures(options.chip) +
            " O=3},gpu-module-to-binary{format=isa}";
  if (failed(runPipeline(kernels, device, options)))
    return failure();
  auto binary = kernels.lookupSymbol<gpu::BinaryOp>("llmc_ptx");
  if (!binary || binary.getObjects().size() != 1)
    return kernels.emitError("no PTX produced");
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  code.ptx = object.getObject().str();
  return code;
}

static std::string jsonString(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default:
      if ((unsigned char)c < 0x20) {
        char buf[8];
        snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string llmc::serializePTXCode(const PTXCode &code) {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto dim3 = [&](const std::array<int64_t, 3> &d) {
    os << "[" << d[0] << "," << d[1] << "," << d[2] << "]";
  };
  os << "{\"format\":\"llmc-ptx-1\",\"chip\":" << jsonString(code.chip)
     << ",\"kernels\":[";
  for (auto [i, k] : llvm::enumerate(code.kernels)) {
    os << (i ? ",\n" : "\n") << "{\"name\":" << jsonString(k.name)
       << ",\"scratch_bytes\":[";
    for (auto [j, bytes] : llvm::enumerate(k.scratchBytes))
      os << (j ? "," : "") << bytes;
    os << "],\"launches\":[";
    for (auto [j, l] : llvm::enumerate(k.launches)) {
      os << (j ? "," : "") << "{\"function\":" << jsonString(l.function)
         << ",\"grid\":";
      dim3(l.grid);
      os << ",\"block\":";
      dim3(l.block);
      os << ",\"args\":[";
      for (auto [a, arg] : llvm::enumerate(l.args))
        os << (a ? "," : "")
           << (arg.arg >= 0 ? "{\"arg\":" + llvm::itostr(arg.arg)
                            : "{\"scratch\":" + llvm::itostr(arg.scratch))
           << "}";
      os << "]}";
    }
    os << "]}";
  }
  os << "],\n\"ptx\":" << jsonString(code.ptx) << "}\n";
  return s;
}
