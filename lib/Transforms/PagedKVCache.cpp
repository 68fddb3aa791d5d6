//===- PagedKVCache.cpp - past/present KV tensors to a paged cache --------===//
// The exported decoder computes one request at a time and hands its whole
// KV history in and out. A serving step instead sees a flat batch of new
// tokens from many sequences and keeps the history in a block-paged cache
// the runtime owns (docs/kv-cache.md). This pass rewrites the graph to that
// contract; it runs after raising, when attention is one llm.attention op.
//===----------------------------------------------------------------------===//
#include "llmc/Dialect/LLM/IR/LLMOps.h"
#include "llmc/Transforms/Passes.h"
#include "llmc/runtime/gen/StepContract.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/BitVector.h"

namespace llmc {
#define GEN_PASS_DEF_LLMPAGEDKVCACHE
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using namespace llmc;
namespace gen = llmc::runtime::gen;

namespace {

StringRef argName(func::FuncOp fn, unsigned i) {
  auto name = fn.getArgAttrOfType<StringAttr>(i, "llm.name");
  return name ? name.getValue() : StringRef();
}

StringRef resultName(func::FuncOp fn, unsigned i) {
  auto name = fn.getResultAttrOfType<StringAttr>(i, "llm.name");
  return name ? name.getValue() : StringRef();
}

/// `concat(past, new)` along the sequence axis, with `past` a graph input.
struct KVConcat {
  BlockArgument past;
  Value fresh;
};

FailureOr<KVConcat> matchKVConcat(Value v) {
  auto concat = v.getDefiningOp<llm::ConcatOp>();
  if (!concat || concat.getAxis() != 2 || concat.getInputs().size() != 2)
    return failure();
  auto past = dyn_cast<BlockArgument>(concat.getInputs()[0]);
  if (!past)
    return failure();
  return KVConcat{past, concat.getInputs()[1]};
}

/// The table a position gather reads, through slices of it.
int64_t tableRows(Value data) {
  while (auto slice = data.getDefiningOp<llm::SliceOp>())
    data = slice.getInput();
  auto type = dyn_cast<RankedTensorType>(data.getType());
  return type && type.getRank() >= 1 ? type.getDimSize(0) : ShapedType::kDynamic;
}

/// What a value depends on among the graph inputs, for finding the
/// position computations derived from the attention mask.
enum class Source { Constant, MaskOnly, Other };

/// The Source of every value of `main` (one block, ops in order); the
/// argument `mask` (may be null) is MaskOnly, every other argument Other.
llvm::DenseMap<Value, Source> valueSources(func::FuncOp main, Value mask) {
  llvm::DenseMap<Value, Source> sources;
  for (BlockArgument arg : main.getArguments())
    sources[arg] = arg == mask ? Source::MaskOnly : Source::Other;
  main.walk([&](Operation *op) {
    Source s = Source::Constant;
    for (Value operand : op->getOperands()) {
      auto it = sources.find(operand);
      Source o = it == sources.end() ? Source::Other : it->second;
      s = std::max(s, o);
    }
    for (Value result : op->getResults())
      sources[result] = s;
  });
  return sources;
}

/// The gathers along axis 0 of a constant table (through slices: RoPE
/// cos/sin tables, learned position embeddings) whose indices are token
/// positions: the graph input `position_ids` / `positions`, or a value
/// computed from the attention mask alone (onnxruntime-genai's GQA:
/// seqlens_k = ReduceSum(attention_mask) - 1 -> positions seqlens_k + 1 - S
/// + s; HF: cumsum(attention_mask) - 1). `maskDerived` collects the latter.
SmallVector<llm::GatherOp>
positionGathers(func::FuncOp main,
                SmallVectorImpl<llm::GatherOp> *maskDerived = nullptr) {
  Value mask, posArg;
  for (unsigned i = 0; i < main.getNumArguments(); ++i) {
    StringRef name = argName(main, i);
    if (name == "attention_mask")
      mask = main.getArgument(i);
    else if (name == "position_ids" || name == "positions")
      posArg = main.getArgument(i);
  }
  llvm::DenseMap<Value, Source> sources = valueSources(main, mask);
  SmallVector<llm::GatherOp> gathers;
  main.walk([&](llm::GatherOp gather) {
    if (gather.getAxis() != 0 ||
        sources.lookup(gather.getData()) != Source::Constant ||
        !getElementTypeOrSelf(gather.getIndices().getType()).isInteger())
      return;
    if (posArg && gather.getIndices() == posArg) {
      gathers.push_back(gather);
    } else if (mask && sources.lookup(gather.getIndices()) ==
                           Source::MaskOnly) {
      gathers.push_back(gather);
      if (maskDerived)
        maskDerived->push_back(gather);
    }
  });
  return gathers;
}

struct Layer {
  llm::AttentionOp attention;
  KVConcat key, value;
};

struct PagedKVCachePass : llmc::impl::LLMPagedKVCacheBase<PagedKVCachePass> {
  using LLMPagedKVCacheBase::LLMPagedKVCacheBase;

  void runOnOperation() override {
    auto main = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!main) {
      getOperation().emitError("expected a graph function named @main");
      return signalPassFailure();
    }
    if (failed(rewrite(main)))
      signalPassFailure();
  }

  FailureOr<Type> cacheElementType(Location loc) {
    Builder b(&getContext());
    if (kvDtype == "fp32")
      return Type(b.getF32Type());
    if (kvDtype == "fp16")
      return Type(b.getF16Type());
    if (kvDtype == "bf16")
      return Type(b.getBF16Type());
    return emitError(loc, "unknown --kv-dtype '")
           << kvDtype << "' (expected fp32, fp16 or bf16)";
  }

  FailureOr<SmallVector<Layer>> findLayers(func::FuncOp main) {
    SmallVector<Layer> layers;
    WalkResult walk = main.walk([&](llm::AttentionOp op) {
      FailureOr<KVConcat> key = matchKVConcat(op.getKey());
      FailureOr<KVConcat> value = matchKVConcat(op.getValue());
      if (failed(key) || failed(value)) {
        op.emitError("llm-paged-kv-cache: pattern not found: the key and "
                     "value of this attention must be concat(past_key_values "
                     "input, new keys/values) along axis 2");
        return WalkResult::interrupt();
      }
      layers.push_back({op, *key, *value});
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (layers.empty())
      return main.emitError("llm-paged-kv-cache: pattern not found: no "
                            "attention over past key/values (is this a "
                            "decoder exported with past_key_values?)");
    return layers;
  }

  std::optional<unsigned> findArg(func::FuncOp main, StringRef name) {
    for (unsigned i = 0; i < main.getNumArguments(); ++i)
      if (argName(main, i) == name)
        return i;
    return std::nullopt;
  }

  LogicalResult rewrite(func::FuncOp main) {
    MLIRContext *ctx = &getContext();
    Location loc = main.getLoc();
    FailureOr<Type> cacheElt = cacheElementType(loc);
    FailureOr<SmallVector<Layer>> layers = findLayers(main);
    if (failed(cacheElt) || failed(layers))
      return failure();

    std::optional<unsigned> idsArg = findArg(main, "input_ids");
    if (!idsArg)
      return main.emitError("llm-paged-kv-cache: pattern not found: the "
                            "model needs a graph input 'input_ids' ([batch, "
                            "sequence])");
    auto q0 = (*layers)[0].attention.getQuery().getType();
    auto k0 = cast<RankedTensorType>((*layers)[0].key.fresh.getType());
    int64_t tokens = q0.getDimSize(2);
    Builder b(ctx);
    auto i64 = b.getI64Type();
    auto stepType = RankedTensorType::get({1, tokens}, i64);
    // The positions: the model's position_ids input, else a new input (a
    // model without one computes them from the attention mask, or has none).
    std::optional<unsigned> posArg = findArg(main, "position_ids");
    if (!posArg) {
      posArg = main.getNumArguments();
      (void)main.insertArgument(*posArg, stepType,
                                b.getDictionaryAttr(b.getNamedAttr(
                                    "llm.name", b.getStringAttr(gen::kStepPositions))),
                                loc);
    }
    auto posType = cast<RankedTensorType>(main.getArgument(*posArg).getType());
    if (q0.getDimSize(0) != 1 || k0.getDimSize(0) != 1 || posType != stepType)
      return main.emitError("llm-paged-kv-cache: the graph must be imported "
                            "with batch 1 and the step's tokens as the "
                            "sequence (position_ids: [1, tokens] i64)");
    if (failed(replaceMaskPositions(main, main.getArgument(*posArg), tokens)))
      return failure();
    if (std::optional<int64_t> rows = findPositionTableRows(main);
        rows && maxSeqLen > *rows)
      return main.emitError("llm-paged-kv-cache: the model's position tables "
                            "have ")
             << *rows << " rows, fewer than --max-seq-len " << int64_t(maxSeqLen);
    int64_t kvHeads = k0.getDimSize(1), headDim = k0.getDimSize(3);
    for (Layer &layer : *layers) {
      auto kt = cast<RankedTensorType>(layer.key.fresh.getType());
      auto vt = cast<RankedTensorType>(layer.value.fresh.getType());
      if (kt != vt || kt.getDimSize(1) != kvHeads ||
          kt.getDimSize(3) != headDim || kt.getDimSize(2) != tokens)
        return layer.attention.emitError(
            "llm-paged-kv-cache: every layer must have the same kv heads and "
            "head dim, and equal key/value shapes");
    }

    // New step inputs.
    auto cacheType = RankedTensorType::get(
        {kvBlocks, int64_t(layers->size()), 2, pageSize, kvHeads, headDim},
        *cacheElt);
    auto addArg = [&](StringRef name, Type type) {
      unsigned index = main.getNumArguments();
      (void)main.insertArgument(index, type,
                                b.getDictionaryAttr(b.getNamedAttr(
                                    "llm.name", b.getStringAttr(name))),
                                loc);
      return main.getArgument(index);
    };
    Value slots = addArg(gen::kStepSlotMapping, RankedTensorType::get({tokens}, i64));
    Value tokenSeq = addArg(gen::kStepTokenSeq, RankedTensorType::get({tokens}, i64));
    Value tables = addArg(gen::kStepBlockTables,
                          RankedTensorType::get({maxBatch, maxBlocksPerSeq}, i64));
    Value samples =
        addArg(gen::kStepSampleIndex, RankedTensorType::get({numSamples}, i64));
    Value cache = addArg(gen::kStepKvCache, cacheType);
    main.setArgAttr(cast<BlockArgument>(cache).getArgNumber(), "llm.state",
                    b.getStringAttr(gen::kStepKvBlocksSymbol));
    main.setArgAttr(*idsArg, "llm.name", b.getStringAttr(gen::kStepTokenIds));
    main.setArgAttr(*posArg, "llm.name", b.getStringAttr(gen::kStepPositions));
    Value positions = main.getArgument(*posArg);

    OpBuilder builder(ctx);
    for (auto [index, layer] : llvm::enumerate(*layers)) {
      llm::AttentionOp op = layer.attention;
      builder.setInsertionPoint(op);
      cache = llm::KVAppendOp::create(builder, op.getLoc(), cacheType, cache,
                                      layer.key.fresh, layer.value.fresh,
                                      slots, builder.getI64IntegerAttr(index));
      Value y = llm::PagedAttentionOp::create(
          builder, op.getLoc(), op.getType(), op.getQuery(), cache, positions,
          tokenSeq, tables, builder.getI64IntegerAttr(index),
          op.getScaleAttr());
      op.replaceAllUsesWith(y);
      op.erase();
    }

    if (failed(dropPresentOutputs(main)) || failed(gatherLogits(main, samples)))
      return failure();
    eraseDeadOps(main);

    // Past inputs and the mask must be unused now.
    llvm::BitVector deadArgs(main.getNumArguments());
    for (Layer &layer : *layers) {
      deadArgs.set(layer.key.past.getArgNumber());
      deadArgs.set(layer.value.past.getArgNumber());
    }
    if (std::optional<unsigned> mask = findArg(main, "attention_mask"))
      deadArgs.set(*mask);
    for (unsigned i : deadArgs.set_bits())
      if (!main.getArgument(i).use_empty()) {
        Operation *user = *main.getArgument(i).getUsers().begin();
        InFlightDiagnostic diag =
            main.emitError("llm-paged-kv-cache: graph input '")
            << argName(main, i)
            << "' is still used after the rewrite (only attention may read "
               "the past key/values; the attention mask may only feed "
               "attention masks and position computations, i.e. the indices "
               "of gathers from constant tables; docs/kv-cache.md, "
               "\"Positions\")";
        diag.attachNote(user->getLoc()) << "used by " << user->getName();
        return diag;
      }
    return main.eraseArguments(deadArgs);
  }

  /// Position computations derived from the attention mask become the
  /// step's `positions`: every index operand of a position gather
  /// (positionGathers()) computed from the mask alone. In a generation step
  /// the mask is gone; with the unpadded, left-aligned batch-1 sequences the
  /// model was imported for, such a computation (genai's GQA: seqlens_k + 1
  /// - S + s; HF: cumsum(mask) - 1) is exactly the tokens' positions.
  LogicalResult replaceMaskPositions(func::FuncOp main, Value positions,
                                     int64_t tokens) {
    SmallVector<llm::GatherOp> derived;
    (void)positionGathers(main, &derived);
    OpBuilder builder(&getContext());
    for (llm::GatherOp gather : derived) {
      auto type = cast<RankedTensorType>(gather.getIndices().getType());
      if (!type.hasStaticShape() || type.getNumElements() != tokens)
        return gather.emitError("llm-paged-kv-cache: these gather indices "
                                "are computed from the attention mask, but "
                                "have shape ")
               << type << ", not one position per token (" << tokens
               << "): cannot replace them by the step's positions";
      builder.setInsertionPoint(gather);
      Value index = positions;
      auto posType = cast<RankedTensorType>(positions.getType());
      if (type.getShape() != posType.getShape())
        index = llm::ReshapeOp::create(builder, gather.getLoc(),
                                       posType.clone(type.getShape()), index);
      if (type.getElementType() != posType.getElementType())
        index = llm::CastOp::create(builder, gather.getLoc(), type, index);
      gather.getIndicesMutable().assign(index);
    }
    return success();
  }

  /// Removes the `present.*` outputs (the concats the cache replaced).
  LogicalResult dropPresentOutputs(func::FuncOp main) {
    auto ret = cast<func::ReturnOp>(main.getBody().front().getTerminator());
    llvm::BitVector drop(main.getNumResults());
    for (unsigned i = 0; i < main.getNumResults(); ++i)
      if (resultName(main, i).starts_with("present") ||
          ret.getOperand(i).getDefiningOp<llm::ConcatOp>())
        drop.set(i);
    if (main.getNumResults() - drop.count() != 1)
      return main.emitError("llm-paged-kv-cache: expected the logits as the "
                            "only output besides present key/values, got ")
             << main.getNumResults() - drop.count();
    ret->eraseOperands(drop);
    return main.eraseResults(drop);
  }

  /// logits[1, N, V] -> logits[1, M, V] at `sample_index`, gathered before
  /// the LM head when the head is a matmul, so it runs on M rows only.
  LogicalResult gatherLogits(func::FuncOp main, Value samples) {
    auto ret = cast<func::ReturnOp>(main.getBody().front().getTerminator());
    Value logits = ret.getOperand(0);
    auto type = dyn_cast<RankedTensorType>(logits.getType());
    if (!type || type.getRank() != 3 || type.getDimSize(0) != 1)
      return main.emitError("llm-paged-kv-cache: logits must be [1, tokens, "
                            "vocab], got ")
             << logits.getType();
    OpBuilder builder(ret);
    Location loc = logits.getLoc();
    auto gather = [&](Value v) {
      return llm::GatherOp::create(builder, loc, v, samples,
                                   builder.getI64IntegerAttr(1))
          .getResult();
    };
    Value result;
    auto head = logits.getDefiningOp<llm::MatMulOp>();
    auto lhsType = head ? dyn_cast<RankedTensorType>(head.getLhs().getType())
                        : RankedTensorType();
    if (head && lhsType && lhsType.getRank() == 3 &&
        head.getRhs().getDefiningOp<llm::ConstantOp>()) {
      builder.setInsertionPoint(head);
      result = llm::MatMulOp::create(builder, head.getLoc(),
                                     gather(head.getLhs()), head.getRhs());
      builder.setInsertionPoint(ret);
    } else {
      result = gather(logits);
    }
    ret->setOperand(0, result);
    main.setType(FunctionType::get(main.getContext(),
                                   main.getArgumentTypes(),
                                   ret.getOperandTypes()));
    main.setResultAttr(0, "llm.name", builder.getStringAttr(gen::kStepLogits));
    return success();
  }

  void eraseDeadOps(func::FuncOp main) {
    SmallVector<Operation *> ops;
    for (Operation &op : main.getBody().front().without_terminator())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (op->use_empty() && isPure(op))
        op->erase();
  }
};

} // namespace

std::optional<int64_t> llmc::findPositionTableRows(func::FuncOp main) {
  std::optional<int64_t> rows;
  for (llm::GatherOp gather : positionGathers(main)) {
    int64_t r = tableRows(gather.getData());
    if (!ShapedType::isDynamic(r))
      rows = std::min(rows.value_or(r), r);
  }
  return rows;
}
