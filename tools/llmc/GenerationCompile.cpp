//===- GenerationCompile.cpp - past/present decoders to step programs -----===//
// Kernels have static shapes, so the step is compiled once per token
// bucket N = 1, 2, 4, ... --max-num-tokens. Each bucket is imported with
// batch 1, N new tokens and a past of max-seq-len - N: the past length only
// sizes what llm-paged-kv-cache removes, and makes tables the exporter
// slices to "past + new" rows (RoPE caches) cover every position.
// position_ids is optional: onnxruntime-genai exports compute positions from
// attention_mask inside GroupQueryAttention (seqlens_k), and
// llm-paged-kv-cache replaces those by the step's `positions`
// (docs/kv-cache.md, "Positions").
//===----------------------------------------------------------------------===//
#include "GenerationCompile.h"

#include "llmc/Transforms/Passes.h"
#include "llmc/runtime/gen/GenerationMetadata.h"
#include "llmc/runtime/gen/StepContract.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"

#include <algorithm>

using namespace mlir;
using namespace llmc;
using namespace llmc::tool;

namespace {
constexpr int64_t kDefaultMaxSeqLen = 2048;

bool isPastKV(const GraphInput &input) {
  return input.dims.size() == 4 &&
         StringRef(input.name).lower().find("past") != std::string::npos;
}

/// --input-shape values for one bucket; failure after a diagnostic naming an
/// input whose role is unknown.
FailureOr<ImportOptions> bucketShapes(MLIRContext &ctx,
                                      const std::vector<GraphInput> &inputs,
                                      int64_t tokens, int64_t past) {
  ImportOptions options;
  for (const GraphInput &input : inputs) {
    std::vector<int64_t> dims = input.dims;
    if (input.name == "input_ids" || input.name == "position_ids") {
      dims = {1, tokens};
    } else if (input.name == "attention_mask") {
      dims = {1, past + tokens};
    } else if (isPastKV(input)) {
      if (dims[1] < 0 || dims[3] < 0)
        return emitError(UnknownLoc::get(&ctx), "past input '")
               << input.name
               << "' must declare static kv_heads and head_dim dims (dims 1 "
                  "and 3)";
      dims = {1, dims[1], past, dims[3]};
    } else if (llvm::any_of(dims, [](int64_t d) { return d < 0; })) {
      return emitError(UnknownLoc::get(&ctx), "graph input '")
             << input.name
             << "' has symbolic dims and no known role in a decoder step "
                "(expected input_ids, attention_mask, past_key_values.*, "
                "optionally position_ids)";
    }
    options.inputShapes[input.name] = dims;
  }
  return options;
}

std::vector<int64_t> tokenBuckets(int64_t maxNumTokens) {
  std::vector<int64_t> buckets;
  for (int64_t n = 1; n < maxNumTokens; n *= 2)
    buckets.push_back(n);
  buckets.push_back(maxNumTokens);
  return buckets;
}

/// Import + graph passes (+ the paged-KV rewrite when `paged` is set) of
/// one bucket.
OwningOpRef<ModuleOp> importBucket(
    MLIRContext &ctx, const std::string &path,
    const std::vector<GraphInput> &inputs, int64_t tokens, int64_t past,
    const std::function<void(PassManager &)> &configure,
    const std::function<void(PassManager &)> &addGraphPasses,
    const LLMPagedKVCacheOptions *paged, const std::string &prefix) {
  FailureOr<ImportOptions> shapes = bucketShapes(ctx, inputs, tokens, past);
  if (failed(shapes))
    return nullptr;
  OwningOpRef<ModuleOp> module = importONNX(ctx, path, *shapes);
  if (!module)
    return nullptr;
  PassManager pm(&ctx);
  configure(pm);
  addGraphPasses(pm);
  if (paged) {
    pm.addPass(createLLMPagedKVCache(*paged));
    LLMOutlineKernelsOptions outline;
    outline.kernelPrefix = prefix;
    pm.addPass(createLLMOutlineKernels(outline));
  }
  if (failed(pm.run(*module)))
    return nullptr;
  return module;
}

/// "2", "2,3", "[2, 32000]": the non-negative integers in it; empty when
/// anything else appears.
std::vector<int64_t> parseIds(const std::string &text) {
  std::vector<int64_t> ids;
  std::string digits;
  auto flush = [&] {
    if (!digits.empty())
      ids.push_back(std::stoll(digits.substr(0, 18)));
    digits.clear();
  };
  for (char c : text) {
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c == ',' || c == ' ' || c == '[' || c == ']')
      flush();
    else
      return {};
  }
  flush();
  return ids;
}

std::string joinIds(const std::vector<int64_t> &ids) {
  std::string out;
  for (int64_t id : ids)
    out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}
} // namespace

bool llmc::tool::hasPastKVInputs(const std::vector<GraphInput> &inputs) {
  return llvm::any_of(inputs, isPastKV);
}

OwningOpRef<ModuleOp> llmc::tool::buildGenerationModule(
    MLIRContext &ctx, const std::string &path,
    const std::vector<GraphInput> &inputs, GenerationOptions options,
    const std::function<void(PassManager &)> &configure,
    const std::function<void(PassManager &)> &addGraphPasses,
    std::map<std::string, std::string> &metadata) {
  Location loc = UnknownLoc::get(&ctx);
  for (auto [name, value] : {std::pair{"--page-size", options.pageSize},
                             {"--max-batch", options.maxBatch},
                             {"--max-num-tokens", options.maxNumTokens}})
    if (value <= 0) {
      emitError(loc) << name << " must be positive";
      return nullptr;
    }
  if (options.maxNumTokens < options.maxBatch) {
    emitError(loc) << "--max-num-tokens (" << options.maxNumTokens
                   << ") must be at least --max-batch (" << options.maxBatch
                   << "): every running sequence decodes in one step";
    return nullptr;
  }

  // The longest sequence the model's position tables cover, from a probe
  // import of the smallest bucket (a short past, so that no table is sliced
  // beyond its end; the rows are read through the slices).
  if (options.maxSeqLen <= 0) {
    OwningOpRef<ModuleOp> probe = importBucket(
        ctx, path, inputs, 1, 1, configure, addGraphPasses, nullptr, "");
    if (!probe)
      return nullptr;
    auto main = probe->lookupSymbol<func::FuncOp>("main");
    std::optional<int64_t> rows = main ? findPositionTableRows(main)
                                       : std::nullopt;
    options.maxSeqLen = std::min(rows.value_or(kDefaultMaxSeqLen),
                                 kDefaultMaxSeqLen);
  }
  if (options.maxSeqLen < 2) {
    emitError(loc) << "--max-seq-len must be at least 2";
    return nullptr;
  }

  // EOS ids: --eos-token-id, else the exporter's metadata_props (HF
  // config names), else (CompileCommand) the tokenizer's.
  if (options.eosTokenIds.empty()) {
    FailureOr<std::map<std::string, std::string>> props =
        readONNXMetadataProps(ctx, path);
    if (failed(props))
      return nullptr;
    for (const char *key : {"eos_token_id", "eos_token_ids"}) {
      auto it = props->find(key);
      if (it == props->end())
        continue;
      options.eosTokenIds = parseIds(it->second);
      if (options.eosTokenIds.empty()) {
        emitError(loc) << "model metadata '" << key << "' = '" << it->second
                       << "' is not a token id or a list of them";
        return nullptr;
      }
      break;
    }
  }

  int64_t blocksPerSeq =
      (options.maxSeqLen + options.pageSize - 1) / options.pageSize;
  int64_t kvBlocks = options.maxBatch * blocksPerSeq;
  OwningOpRef<ModuleOp> combined = ModuleOp::create(loc);
  std::vector<int64_t> buckets = tokenBuckets(options.maxNumTokens);
  for (int64_t tokens : buckets) {
    LLMPagedKVCacheOptions paged;
    paged.pageSize = options.pageSize;
    paged.maxBatch = std::min(tokens, options.maxBatch);
    paged.numSamples = paged.maxBatch;
    paged.maxBlocksPerSeq = blocksPerSeq;
    paged.kvBlocks = kvBlocks;
    paged.kvDtype = options.kvDtype;
    paged.maxSeqLen = options.maxSeqLen;
    std::string program =
        runtime::gen::kStepProgramPrefix + std::to_string(tokens);
    int64_t past = std::max<int64_t>(1, options.maxSeqLen - tokens);
    OwningOpRef<ModuleOp> module =
        importBucket(ctx, path, inputs, tokens, past, configure,
                     addGraphPasses, &paged, "n" + std::to_string(tokens) + "_");
    if (!module)
      return nullptr;
    if (!combined->getOperation()->hasAttr("llm.source"))
      if (Attribute source = (*module)->getAttr("llm.source"))
        (*combined)->setAttr("llm.source", source);
    auto main = module->lookupSymbol<func::FuncOp>("main");
    main.setName(program);
    main->setAttr(kProgramAttrName, StringAttr::get(&ctx, program));
    for (Operation &op :
         llvm::make_early_inc_range(module->getBody()->getOperations()))
      op.moveBefore(combined->getBody(), combined->getBody()->end());
  }

  metadata[runtime::gen::kMetaGenerationStep] = runtime::gen::kStepPagedV1;
  metadata[runtime::gen::kMetaPageSize] = std::to_string(options.pageSize);
  metadata[runtime::gen::kMetaKvBlocksMax] = std::to_string(kvBlocks);
  metadata[runtime::gen::kMetaMaxBatch] = std::to_string(options.maxBatch);
  metadata[runtime::gen::kMetaMaxNumTokens] = std::to_string(buckets.back());
  metadata[runtime::gen::kMetaMaxModelLen] = std::to_string(options.maxSeqLen);
  metadata[runtime::gen::kMetaKvDtype] = options.kvDtype;
  if (!options.eosTokenIds.empty())
    metadata[runtime::gen::kMetaEosTokenIds] = joinIds(options.eosTokenIds);
  return combined;
}
