//===- CompileCommand.cpp - `llmc compile`: ONNX to a plan ----------------===//
// import -> graph passes -> kernel outlining -> per-target codegen -> plan.
//===----------------------------------------------------------------------===//
#include "ChatTemplateSection.h"
#include "Commands.h"
#include "GenerationCompile.h"
#include "Options.h"
#include "TokenizerSection.h"

#include "llmc/Codegen/CPUBackend.h"
#include "llmc/Codegen/NVPTXBackend.h"
#include "llmc/Import/ONNXImporter.h"
#include "llmc/Plan/PlanBuilder.h"
#include "llmc/Transforms/Passes.h"
#include "llmc/runtime/gen/GenerationMetadata.h"
#include "llmc/runtime/text/ChatTemplate.h"
#include "llmc/runtime/text/Tokenizer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <algorithm>
#include <iostream>

using namespace mlir;

namespace {
struct CompileCLIOptions {
  llmc::tool::ImportCLIOptions import;
  std::string output;
  std::vector<std::string> targets{"cpu"};
  std::string cpu = "x86-64-v3";
  bool printIRAfterAll = false;
  bool timing = false;
  llmc::tool::GenerationOptions generation;
  std::string tokenizer; // tokenizer.model or tokenizer.json for the plan
  bool addBos = false;
  std::string chatTemplate; // Jinja file or tokenizer_config.json
  bool noWeights = false;             // weight-stripped plan
  uint64_t keepWeightsBelow = 64 * 1024;
};
} // namespace

/// What the runtime checks before running code compiled for `cpu` (the
/// x86-64 micro-architecture levels; other CPU names are not checked).
static std::string requiredCpuFeatures(llvm::StringRef cpu) {
  if (cpu == "x86-64-v2")
    return "sse4.2,popcnt";
  if (cpu == "x86-64-v3")
    return "avx,avx2,fma,bmi2";
  if (cpu == "x86-64-v4")
    return "avx,avx2,fma,bmi2,avx512f,avx512bw,avx512vl,avx512dq";
  return "";
}

/// Graph-level passes; fusion passes join this list.
static void addGraphPasses(PassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Raising (docs/raising.md): exporter op soup -> semantic ops. Needs the
  // shape arithmetic folded (canonicalize) and duplicates merged (CSE) so
  // that e.g. the two halves of rotate_half slice the same value.
  pm.addPass(llmc::createLLMRaiseLayerNorm()); // before rms-norm
  pm.addPass(llmc::createLLMRaiseGelu());
  pm.addPass(llmc::createLLMRaiseRMSNorm());
  pm.addPass(llmc::createLLMRaiseSiluMul());
  pm.addPass(llmc::createLLMRaiseRope());
  pm.addPass(llmc::createLLMRaiseAttention());
  // Drops what the raised ops replaced (and merges their shared pieces).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}


/// One line on stderr: what --no-weights left out, and what it could not.
static void printStripReport(const llmc::StripWeightsReport &r,
                             const std::string &plan) {
  std::cerr << "llmc: " << plan << ": --no-weights left out " << r.stripped
            << " weights (" << r.strippedBytes << " bytes), kept " << r.kept
            << " (" << r.keptBytes << " bytes)";
  if (!r.notVerbatim.empty()) {
    std::cerr << "; not verbatim initializers:";
    for (const std::string &w : r.notVerbatim)
      std::cerr << " " << w << (&w == &r.notVerbatim.back() ? "" : ",");
  }
  std::cerr << "\n";
}

static int compile(const CompileCLIOptions &opts) {
  MLIRContext ctx;
  llmc::tool::loadDialects(ctx);
  llmc::tool::installDiagnosticPrinter(ctx);
  if (opts.printIRAfterAll)
    ctx.disableMultithreading();
  // `cpu` and CUDA compute capabilities (sm_80, sm_89, sm_90: PTX, see
  // docs/codegen.md); each target is one code section of the plan.
  bool cpuTarget = false;
  std::vector<std::string> ptxChips;
  for (const std::string &t : opts.targets) {
    if (t == "cpu") {
      cpuTarget = true;
    } else if (llmc::isSupportedPTXChip(t)) {
      if (std::find(ptxChips.begin(), ptxChips.end(), t) == ptxChips.end())
        ptxChips.push_back(t);
    } else {
      std::cerr << "llmc: error: unknown target '" << t
                << "' (supported: cpu, sm_80, sm_89, sm_90)\n";
      return 1;
    }
  }
  // Without `cpu` the plan runs only on CUDA (docs/cuda-runtime.md).
  if (!cpuTarget && ptxChips.empty()) {
    std::cerr << "llmc: error: --target needs cpu or a chip (sm_80, sm_89, "
                 "sm_90)\n";
    return 1;
  }

  auto configure = [&](PassManager &pm) {
    if (opts.printIRAfterAll)
      pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                          [](Pass *, Operation *) { return true; },
                          /*printModuleScope=*/true,
                          /*printAfterOnlyOnChange=*/false);
    if (opts.timing)
      pm.enableTiming();
  };

  // The tokenizer is read first so that a bad file fails before compiling.
  llmc::tool::TokenizerSection tokenizer;
  if (!opts.tokenizer.empty()) {
    if (!llmc::tool::readTokenizerSection(opts.tokenizer, opts.addBos,
                                          tokenizer))
      return 1;
  } else if (opts.addBos) {
    std::cerr << "llmc: error: --add-bos needs --tokenizer\n";
    return 1;
  }
  std::string chatTemplate;
  if (!opts.chatTemplate.empty() &&
      !llmc::tool::readChatTemplate(opts.chatTemplate, chatTemplate))
    return 1;

  std::map<std::string, std::string> metadata;
  OwningOpRef<ModuleOp> module;
  bool fixedShapes =
      !opts.import.inputShapes.empty() || !opts.import.frozenInputs.empty();
  bool isMLIR = llvm::StringRef(opts.import.model).ends_with(".mlir");
  std::vector<llmc::GraphInput> graphInputs;
  if (!isMLIR && !fixedShapes) {
    FailureOr<std::vector<llmc::GraphInput>> listed =
        llmc::listONNXGraphInputs(ctx, opts.import.model);
    if (failed(listed))
      return 1;
    graphInputs = std::move(*listed);
  }
  if (llmc::tool::hasPastKVInputs(graphInputs)) {
    // A decoder with past/present KV: a generation plan (docs/kv-cache.md).
    module = llmc::tool::buildGenerationModule(
        ctx, opts.import.model, graphInputs, opts.generation, configure,
        addGraphPasses, metadata);
    if (!module)
      return 1;
  } else {
    llmc::ImportOptions importOptions;
    if (!llmc::tool::toImportOptions(opts.import, importOptions))
      return 1;
    // An .mlir input (llm dialect, as printed by `llmc import`) skips the
    // importer: useful for tests and for graphs edited by hand.
    module = isMLIR ? parseSourceFile<ModuleOp>(opts.import.model, &ctx)
                    : llmc::importONNX(ctx, opts.import.model, importOptions);
    if (!module)
      return 1;
    PassManager graph(&ctx);
    configure(graph);
    addGraphPasses(graph);
    graph.addPass(llmc::createLLMOutlineKernels());
    if (failed(graph.run(*module)))
      return 1;
  }

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
  // Each GPU target lowers its own copy of the tensor-level kernels.
  std::vector<std::pair<std::string, std::string>> ptxSections;
  for (const std::string &chip : ptxChips) {
    OwningOpRef<ModuleOp> copy = kernels->clone();
    llmc::NVPTXCodegenOptions ptxOptions;
    ptxOptions.chip = chip;
    ptxOptions.configurePassManager = configure;
    FailureOr<llmc::PTXCode> ptx =
        llmc::lowerKernelsToPTX(*copy, kernelNames, ptxOptions);
    if (failed(ptx))
      return 1;
    ptxSections.emplace_back("ptx-" + chip, llmc::serializePTXCode(*ptx));
  }
  llmc::PlanBuildOptions planOptions;
  planOptions.producer = std::string("llmc ") + LLMC_VERSION;
  if (cpuTarget) {
    llmc::CPUCodegenOptions cpuOptions;
    cpuOptions.cpu = opts.cpu;
    cpuOptions.configurePassManager = configure;
    if (failed(llmc::lowerKernelsToLLVMDialect(*kernels, cpuOptions)))
      return 1;
    FailureOr<std::vector<uint8_t>> code =
        llmc::emitCPUSharedObject(*kernels, kernelNames, cpuOptions);
    if (failed(code))
      return 1;
    planOptions.code.push_back({"cpu-x86_64", std::move(*code)});
  }
  for (auto &[target, text] : ptxSections)
    planOptions.code.push_back(
        {target, std::vector<uint8_t>(text.begin(), text.end())});
  planOptions.symbolSuffix = llmc::kPackedKernelSuffix.str();
  if (!tokenizer.bytes.empty()) {
    // A generation plan stops at the tokenizer's eos ids (tokenizer.json:
    // also generation_config.json's) unless --eos-token-id or the model's
    // metadata said otherwise.
    if (metadata.count(llmc::runtime::gen::kMetaEosTokenIds) == 0 &&
        metadata.count(llmc::runtime::gen::kMetaGenerationStep) &&
        !tokenizer.eosIds.empty()) {
      std::string ids;
      for (int64_t id : tokenizer.eosIds)
        ids += (ids.empty() ? "" : ",") + std::to_string(id);
      metadata[llmc::runtime::gen::kMetaEosTokenIds] = ids;
    }
    planOptions.extraSections.emplace_back(
        llmc::runtime::text::kTokenizerSectionName, std::move(tokenizer.bytes));
  }
  if (!chatTemplate.empty())
    planOptions.extraSections.emplace_back(
        llmc::runtime::text::kChatTemplateSectionName,
        std::vector<uint8_t>(chatTemplate.begin(), chatTemplate.end()));
  // tokenizer_config.json's chat template, unless the plan has one already
  // (--chat-template FILE).
  if (!tokenizer.chatTemplate.empty() &&
      std::none_of(planOptions.extraSections.begin(),
                   planOptions.extraSections.end(), [](const auto &s) {
                     return s.first ==
                            llmc::runtime::text::kChatTemplateSectionName;
                   }))
    planOptions.extraSections.emplace_back(
        llmc::runtime::text::kChatTemplateSectionName,
        std::vector<uint8_t>(tokenizer.chatTemplate.begin(),
                             tokenizer.chatTemplate.end()));
  planOptions.metadata = std::move(metadata);
  if (cpuTarget) {
    planOptions.metadata["cpu"] = opts.cpu;
    if (std::string features = requiredCpuFeatures(opts.cpu);
        !features.empty())
      planOptions.metadata["cpu.features"] = features;
  }
  llmc::StripWeightsReport stripped;
  if (opts.noWeights) {
    planOptions.stripWeights.model = opts.import.model;
    planOptions.stripWeights.keepBelow = opts.keepWeightsBelow;
    planOptions.stripReport = &stripped;
  }
  if (failed(llmc::writePlanFile(*module, planOptions, opts.output)))
    return 1;
  if (opts.noWeights)
    printStripReport(stripped, opts.output);
  return 0;
}

llmc::tool::Action llmc::tool::addCompileCommand(CLI::App &app) {
  auto *cmd = app.add_subcommand("compile", "Compile an ONNX model into a plan");
  auto opts = std::make_shared<CompileCLIOptions>();
  addImportOptions(*cmd, opts->import);
  cmd->add_option("-o,--output", opts->output, "Plan file to write")->required();
  cmd->add_option("--target", opts->targets,
                  "Targets to generate code for: cpu and CUDA compute "
                  "capabilities sm_80, sm_89, sm_90 (PTX), comma separated")
      ->delimiter(',');
  cmd->add_option("--cpu", opts->cpu, "x86-64 CPU to tune host code for")
      ->capture_default_str();
  cmd->add_flag("--print-ir-after-all", opts->printIRAfterAll,
                "Print the IR after every pass (to stderr)");
  cmd->add_flag("--mlir-timing", opts->timing, "Report time spent in each pass");
  // Generation plans (models with past key/values; docs/kv-cache.md).
  llmc::tool::GenerationOptions &gen = opts->generation;
  cmd->add_option("--page-size", gen.pageSize, "Tokens per KV-cache block")
      ->capture_default_str();
  cmd->add_option("--max-batch", gen.maxBatch,
                  "Most sequences in one generation step")
      ->capture_default_str();
  cmd->add_option("--max-num-tokens", gen.maxNumTokens,
                  "Most new tokens in one generation step (largest bucket)")
      ->capture_default_str();
  cmd->add_option("--max-seq-len", gen.maxSeqLen,
                  "Longest sequence, prompt + output (default: what the "
                  "model's position tables cover, at most 2048)");
  cmd->add_option("--kv-dtype", gen.kvDtype, "KV-cache element type")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}))
      ->capture_default_str();
  cmd->add_option("--eos-token-id", gen.eosTokenIds,
                  "End-of-sequence token ids (repeatable or comma separated)")
      ->delimiter(',');
  cmd->add_option("--tokenizer", opts->tokenizer,
                  "Tokenizer to store in the plan, so that llmrun can take "
                  "text prompts: a SentencePiece tokenizer.model or a Hugging "
                  "Face tokenizer.json (byte-level BPE; tokenizer_config.json "
                  "beside it gives eos and the chat template; "
                  "docs/tokenizer.md)")
      ->type_name("FILE");
  cmd->add_flag("--add-bos", opts->addBos,
                "With --tokenizer: encoding a prompt starts with the bos id");
  cmd->add_option("--chat-template", opts->chatTemplate,
                  "Chat template to store in the plan for chat requests: a "
                  "Jinja file or a tokenizer_config.json (its "
                  "\"chat_template\"); it must parse (docs/chat-templates.md)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  cmd->add_flag("--no-weights", opts->noWeights,
                "Leave the weights that are verbatim ONNX initializers out of "
                "the plan; llmrun reads them back with --weights MODEL.onnx");
  cmd->add_option("--keep-weights-below", opts->keepWeightsBelow,
                  "With --no-weights: weights smaller than this many bytes "
                  "stay in the plan")
      ->capture_default_str();
  return [opts]() { return compile(*opts); };
}
