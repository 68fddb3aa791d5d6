//===- CompileCommand.cpp - `llmc compile`: ONNX to a plan ----------------===//
// import -> graph passes -> kernel outlining -> per-target codegen -> plan.
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Options.h"

#include "llmc/Codegen/CPUBackend.h"
#include "llmc/Import/ONNXImporter.h"
#include "llmc/Plan/PlanBuilder.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <iostream>

using namespace mlir;

namespace {
struct CompileCLIOptions {
  llmc::tool::ImportCLIOptions import;
  std::string output;
  std::vector<std::string> targets{"cpu"};
  std::string cpu = "x86-64-v2";
  bool printIRAfterAll = false;
  bool timing = false;
};
} // namespace

/// Graph-level passes; fusion passes join this list.
static void addGraphPasses(PassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Raising (docs/raising.md): exporter op soup -> semantic ops. Needs the
  // shape arithmetic folded (canonicalize) and duplicates merged (CSE) so
  // that e.g. the two halves of rotate_half slice the same value.
  pm.addPass(llmc::createLLMRaiseRMSNorm());
  pm.addPass(llmc::createLLMRaiseSiluMul());
  pm.addPass(llmc::createLLMRaiseRope());
  pm.addPass(llmc::createLLMRaiseAttention());
  // Drops what the raised ops replaced (and merges their shared pieces).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

static int compile(const CompileCLIOptions &opts) {
  MLIRContext ctx;
  llmc::tool::loadDialects(ctx);
  llmc::tool::installDiagnosticPrinter(ctx);
  if (opts.printIRAfterAll)
    ctx.disableMultithreading();
  for (const std::string &t : opts.targets) {
    if (t != "cpu") {
      std::cerr << "llmc: error: unknown target '" << t
                << "' (supported: cpu)\n";
      return 1;
    }
  }

  llmc::ImportOptions importOptions;
  if (!llmc::tool::toImportOptions(opts.import, importOptions))
    return 1;
  // An .mlir input (llm dialect, as printed by `llmc import`) skips the
  // importer: useful for tests and for graphs edited by hand.
  OwningOpRef<ModuleOp> module =
      llvm::StringRef(opts.import.model).ends_with(".mlir")
          ? parseSourceFile<ModuleOp>(opts.import.model, &ctx)
          : llmc::importONNX(ctx, opts.import.model, importOptions);
  if (!module)
    return 1;

  auto configure = [&](PassManager &pm) {
    if (opts.printIRAfterAll)
      pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                          [](Pass *, Operation *) { return true; },
                          /*printModuleScope=*/true,
                          /*printAfterOnlyOnChange=*/false);
    if (opts.timing)
      pm.enableTiming();
  };

  PassManager graph(&ctx);
  configure(graph);
  addGraphPasses(graph);
  graph.addPass(llmc::createLLMOutlineKernels());
  if (failed(graph.run(*module)))
    return 1;

  // Kernels are lowered in a copy so that @main keeps its tensor-level
  // schedule for the plan builder.
  OwningOpRef<ModuleOp> kernels = module->clone();
  std::vector<std::string> kernelNames;
  for (auto fn : llvm::make_early_inc_range(kernels->getOps<func::FuncOp>())) {
    if (fn->hasAttr(llmc::kKernelAttrName)) {
      kernelNames.push_back(fn.getName().str());
      fn.setPublic();
    } else {
      fn.erase();
    }
  }
  llmc::CPUCodegenOptions cpuOptions;
  cpuOptions.cpu = opts.cpu;
  cpuOptions.configurePassManager = configure;
  if (failed(llmc::lowerKernelsToLLVMDialect(*kernels, cpuOptions)))
    return 1;
  FailureOr<std::vector<uint8_t>> code =
      llmc::emitCPUSharedObject(*kernels, kernelNames, cpuOptions);
  if (failed(code))
    return 1;

  llmc::PlanBuildOptions planOptions;
  planOptions.producer = std::string("llmc ") + LLMC_VERSION;
  planOptions.code.push_back({"cpu-x86_64", std::move(*code)});
  planOptions.symbolSuffix = llmc::kPackedKernelSuffix.str();
  if (failed(llmc::writePlanFile(*module, planOptions, opts.output)))
    return 1;
  return 0;
}

llmc::tool::Action llmc::tool::addCompileCommand(CLI::App &app) {
  auto *cmd = app.add_subcommand("compile", "Compile an ONNX model into a plan");
  auto opts = std::make_shared<CompileCLIOptions>();
  addImportOptions(*cmd, opts->import);
  cmd->add_option("-o,--output", opts->output, "Plan file to write")->required();
  cmd->add_option("--target", opts->targets,
                  "Targets to generate code for (supported: cpu)")
      ->delimiter(',');
  cmd->add_option("--cpu", opts->cpu, "x86-64 CPU to tune host code for")
      ->capture_default_str();
  cmd->add_flag("--print-ir-after-all", opts->printIRAfterAll,
                "Print the IR after every pass (to stderr)");
  cmd->add_flag("--mlir-timing", opts->timing, "Report time spent in each pass");
  return [opts]() { return compile(*opts); };
}
