//===- Passes.td - llmc pass declarations ------------------*- tablegen -*-===//
#ifndef LLMC_TRANSFORMS_PASSES
#define LLMC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def LLMOutlineKernels : Pass<"llm-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Splits the graph function into kernel functions and calls";
  let description = [{
    Target-independent kernel formation: every compute op of the graph
    function `@main` becomes a private function tagged `llm.kernel` whose
    arguments are its operands and whose results are its results, and `@main`
    becomes a sequence of `func.call`s (the step schedule). Large constants
    stay in `@main` (they become weights); small ones are cloned into the
    kernels that use them. Shape-only ops must have been folded away.
  }];
  let options = [
    Option<"maxInlineConstantElements", "max-inline-constant-elements",
           "int64_t", "64",
           "Constants up to this many elements are cloned into kernels">,
    Option<"kernelPrefix", "kernel-prefix", "std::string", "\"\"",
           "Prepended to kernel names (programs compiled into one module)">
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def LLMLowerToLinalg : Pass<"llm-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers llm ops to linalg, tensor, arith and math";
  let description = [{
    The target-independent kernel IR: every llm op inside kernel functions
    becomes linalg/tensor/arith/math on tensors, ready for bufferization and
    for either the CPU (LLVM) or the GPU (NVVM) backend.
  }];
  let dependentDialects = [
    "mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def LLMIsolateKernelResults : Pass<"llm-isolate-kernel-results", "mlir::ModuleOp"> {
  let summary = "Gives every kernel result its own fresh tensor";
  let description = [{
    The kernel ABI writes each result into its own caller-provided buffer.
    A kernel that returns one of its arguments, or the same value twice,
    would alias buffers; this pass returns a copy (`bufferization.alloc_tensor
    copy(...)`) instead, so that bufferization can turn every result into an
    out-parameter.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def LLMDropInPlaceResults : Pass<"llm-drop-in-place-results", "mlir::ModuleOp"> {
  let summary = "Removes the results that in-place kernels return as an argument";
  let description = [{
    Runs after bufferization. A kernel whose `llm.result_aliases` attribute
    names an argument for result `i` (e.g. the paged KV cache that
    `llm.kv_append` updates) must return exactly that argument's buffer;
    the result is removed from the signature, so the argument is the only
    binding of the buffer in the kernel ABI. A kernel that did not bufferize
    in place is an error: silently copying the cache would be wrong.
  }];
}

//===----------------------------------------------------------------------===//
// Raising: exporter op soup to semantic ops (docs/raising.md)
//===----------------------------------------------------------------------===//

def LLMRaiseLayerNorm : Pass<"llm-raise-layer-norm", "mlir::ModuleOp"> {
  let summary = "Raises decomposed LayerNorm (ReduceMean/Sub/Pow/Sqrt/Div) to llm.layer_norm";
  let description = [{
    Matches `[(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma
    [+ beta]]` over a suffix of the dims (torch.onnx opset < 17
    native_layer_norm and hand-written forms; Pow or Mul for the square,
    Div / Reciprocal / Div(1, .), keepdims or a Reshape back) in f32/f64
    and replaces it with `llm.layer_norm x, gamma[, beta] {axis, epsilon}`
    (gamma = ones without the affine Mul). Run before llm-raise-rms-norm.
  }];
}

def LLMRaiseGelu : Pass<"llm-raise-gelu", "mlir::ModuleOp"> {
  let summary = "Raises decomposed exact and tanh GELU to llm.gelu";
  let description = [{
    Matches `0.5 * x * (1 + erf(x / sqrt(2)))` and `0.5 * x * (1 +
    tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))` (any association of the
    products, FastGELU's `x * c * (1 + k * x * x)`) in f32/f64 and replaces
    it with `llm.gelu x {tanh_approx}`.
  }];
}

def LLMRaiseRMSNorm : Pass<"llm-raise-rms-norm", "mlir::ModuleOp"> {
  let summary = "Raises decomposed RMSNorm (Pow/ReduceMean/Sqrt/...) to llm.rms_norm";
  let description = [{
    Matches `w * [cast](x * 1/sqrt(mean(x^2, -1) + eps))` in the spellings
    torch and HF Optimum exports use (Pow or Mul for the square, Reciprocal,
    Div(1, .) or a direct Div, the f32 Cast round trip of LlamaRMSNorm,
    commutative operand orders, splat or 1-element constants) and replaces it
    with `llm.rms_norm x, w {epsilon}`. Run after canonicalize.
  }];
}

def LLMRaiseSiluMul : Pass<"llm-raise-silu-mul", "mlir::ModuleOp"> {
  let summary = "Raises silu(gate) * up (SwiGLU) to llm.silu_mul";
  let description = [{
    Matches `(g * sigmoid(g)) * up` in every operand order, with g, up and
    the product of one type, and replaces it with `llm.silu_mul g, up`.
  }];
}

def LLMRaiseRope : Pass<"llm-raise-rope", "mlir::ModuleOp"> {
  let summary = "Raises rotate-half rotary embeddings to llm.rope";
  let description = [{
    Matches `x * cos + concat(-x[..., d/2:], x[..., :d/2]) * sin` (halves
    from Slices or one Split, commutative orders) where cos/sin broadcast to
    x with the full last dim, and replaces it with `llm.rope x, cos, sin`.
  }];
}

def LLMRaiseAttention : Pass<"llm-raise-attention", "mlir::ModuleOp"> {
  let summary = "Raises eager scaled dot-product attention to llm.attention";
  let description = [{
    Matches `MatMul(Softmax(MatMul(q, Transpose(k)) * scale [+ mask]), v)`
    (scale as Div/Mul on the scores or on q/k, the f32 Cast round trip
    around Softmax, HF `repeat_kv` Reshape/Expand/Reshape of k and v folded
    into GQA) with static shapes and replaces it with
    `llm.attention q, k, v[, mask] {scale}`.
  }];
}

def LLMCPULoopOrder : Pass<"llm-cpu-loop-order", "mlir::ModuleOp"> {
  let summary = "Makes the most contiguous loop innermost in reductions (CPU)";
  let description = [{
    Contractions lower to loops in iterator order, which for `linalg.matmul`
    is (m, n, k): the innermost loop strides through the right operand. This
    pass generalizes reduction ops and interchanges their loops so that the
    loop along which most operands are contiguous is innermost, e.g.
    (m, k, n), which reads the right operand and the output along rows and
    lets LLVM vectorize. Row reductions (softmax, norms) keep their order.
    The summation order of every output element is unchanged.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def LLMCPUTileContractions
    : Pass<"llm-cpu-tile-contractions", "mlir::ModuleOp"> {
  let summary = "Register-tiled vector micro-kernels for contractions (CPU)";
  let description = [{
    Runs on bufferized linalg ops (memrefs). A contraction with static shapes
    (one reduction dim k, an output whose last dim n is also the last,
    contiguous dim of one input, elementwise arith body) and at least
    `min-rows` rows m becomes loops over tiles of `tile-rows` x
    (`tile-vectors` x vector width) outputs: the tile's accumulators are
    vectors carried through the k loop (scf.for iter_args), each k step loads
    one vector row of the n-operand per vector and broadcasts one scalar of
    the other operand per row. Remainder rows and columns get smaller tiles of
    the same form. Each output keeps its summation order (k ascending, the
    body's own mul and add), so results are bit-identical to the loop form;
    with `use-fma`, `out + x * y` bodies become fused multiply-adds (same
    order, one rounding per step instead of two).
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "128",
           "Width of a vector register in bits (128 SSE, 256 AVX)">,
    Option<"tileRows", "tile-rows", "int64_t", "4", "Rows per register tile">,
    Option<"tileVectors", "tile-vectors", "int64_t", "2",
           "Vector registers per row of a register tile">,
    Option<"minRows", "min-rows", "int64_t", "2",
           "Contractions with fewer rows keep the loop form">,
    Option<"useFma", "use-fma", "bool", "false",
           "Emit `out + x * y` bodies as vector.fma (one rounding per step)">,
    Option<"kPanelBytes", "k-panel-bytes", "int64_t", "16384",
           "Bytes of the n-operand panel (k block x tile columns) kept in L1 "
           "while the row tiles of a column tile read it">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

//===----------------------------------------------------------------------===//
// KV-cache layout (docs/kv-cache.md)
//===----------------------------------------------------------------------===//

def LLMPagedKVCache : Pass<"llm-paged-kv-cache", "mlir::ModuleOp"> {
  let summary = "Replaces past/present KV tensors by a runtime-owned paged cache";
  let description = [{
    On a raised decoder graph imported with batch 1 and N new tokens: every
    `llm.attention` whose key and value are `llm.concat(past input, new,
    axis = 2)` becomes `llm.kv_append` (write the new K/V into the cache at
    `slot_mapping`) + `llm.paged_attention` (causal over the block table).
    The past inputs, the present outputs and the attention mask go away; new
    inputs `slot_mapping`, `token_seq`, `block_tables`, `sample_index` and
    the `kv_cache` state appear, `input_ids` / `position_ids` become
    `token_ids` / `positions`, and `logits` is computed only for the rows in
    `sample_index`. A graph without the pattern is an error naming the
    missing piece.
  }];
  let options = [
    Option<"pageSize", "page-size", "int64_t", "16", "Tokens per KV block">,
    Option<"maxBatch", "max-batch", "int64_t", "16",
           "Rows of block_tables (sequences per step)">,
    Option<"numSamples", "num-samples", "int64_t", "16",
           "Rows of sample_index (logits rows per step)">,
    Option<"maxBlocksPerSeq", "max-blocks-per-seq", "int64_t", "64",
           "Columns of block_tables">,
    Option<"kvBlocks", "kv-blocks", "int64_t", "1024",
           "Blocks of the largest cache the runtime may allocate">,
    Option<"kvDtype", "kv-dtype", "std::string", "\"fp32\"",
           "Cache element type: fp32, fp16 or bf16">,
    Option<"maxSeqLen", "max-seq-len", "int64_t", "0",
           "Longest sequence; position-indexed tables must have this many "
           "rows (0: not checked)">
  ];
}

#endif
