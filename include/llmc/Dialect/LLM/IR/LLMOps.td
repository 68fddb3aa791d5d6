//===- LLMOps.td - llm dialect ops -------------------------*- tablegen -*-===//
// Tensor ops of the llm dialect. Attributes hold what ONNX passes as constant
// inputs (axes, perm, shapes), normalized by the importer.
//===----------------------------------------------------------------------===//
#ifndef LLMC_LLM_OPS
#define LLMC_LLM_OPS

include "llmc/Dialect/LLM/IR/LLMDialect.td"
include "llmc/Dialect/LLM/IR/LLMTypes.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def LLM_ConstantOp : LLM_Op<"constant", [ConstantLike, Pure,
                                         AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (small literal or weight)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let builders = [OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class LLM_BinaryOp<string mnemonic, list<Trait> traits = []>
    : LLM_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_AddOp : LLM_BinaryOp<"add", [Commutative]> {
  let summary = "Elementwise addition with numpy broadcasting";
  let hasFolder = 1;
}
def LLM_SubOp : LLM_BinaryOp<"sub"> {
  let summary = "Elementwise subtraction with numpy broadcasting";
  let hasFolder = 1;
}
def LLM_MulOp : LLM_BinaryOp<"mul", [Commutative]> {
  let summary = "Elementwise multiplication with numpy broadcasting";
  let hasFolder = 1;
}
def LLM_DivOp : LLM_BinaryOp<"div"> {
  let summary = "Elementwise division (integer division truncates)";
  let hasFolder = 1;
}
def LLM_PowOp : LLM_BinaryOp<"pow"> {
  let summary = "Elementwise power; the exponent may have another element type";
  let hasFolder = 1;
}
def LLM_MaxOp : LLM_BinaryOp<"max", [Commutative]> {
  let summary = "Elementwise maximum (NaN-propagating for floats)";
}
def LLM_MinOp : LLM_BinaryOp<"min", [Commutative]> {
  let summary = "Elementwise minimum (NaN-propagating for floats)";
}
def LLM_AndOp : LLM_BinaryOp<"and", [Commutative]> {
  let summary = "Logical and of i1 tensors";
}
def LLM_OrOp : LLM_BinaryOp<"or", [Commutative]> {
  let summary = "Logical or of i1 tensors";
}

class LLM_CompareOp<string mnemonic> : LLM_BinaryOp<mnemonic> {
  let summary = "Elementwise comparison producing i1";
  let hasFolder = 1;
}
def LLM_EqualOp : LLM_CompareOp<"equal">;
def LLM_LessOp : LLM_CompareOp<"less">;
def LLM_LessEqualOp : LLM_CompareOp<"less_equal">;
def LLM_GreaterOp : LLM_CompareOp<"greater">;
def LLM_GreaterEqualOp : LLM_CompareOp<"greater_equal">;

class LLM_UnaryOp<string mnemonic, list<Trait> traits = []>
    : LLM_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def LLM_SqrtOp : LLM_UnaryOp<"sqrt"> { let summary = "Elementwise square root"; }
def LLM_ReciprocalOp : LLM_UnaryOp<"reciprocal"> { let summary = "Elementwise 1/x"; }
def LLM_NegOp : LLM_UnaryOp<"neg"> {
  let summary = "Elementwise negation";
  let hasFolder = 1;
}
def LLM_AbsOp : LLM_UnaryOp<"abs"> { let summary = "Elementwise absolute value"; }
def LLM_ExpOp : LLM_UnaryOp<"exp"> { let summary = "Elementwise e^x"; }
def LLM_LogOp : LLM_UnaryOp<"log"> { let summary = "Elementwise natural logarithm"; }
def LLM_CosOp : LLM_UnaryOp<"cos"> { let summary = "Elementwise cosine"; }
def LLM_SinOp : LLM_UnaryOp<"sin"> { let summary = "Elementwise sine"; }
def LLM_TanhOp : LLM_UnaryOp<"tanh"> { let summary = "Elementwise tanh"; }
def LLM_ErfOp : LLM_UnaryOp<"erf"> { let summary = "Elementwise error function"; }
def LLM_SigmoidOp : LLM_UnaryOp<"sigmoid"> { let summary = "Elementwise 1/(1+e^-x)"; }
def LLM_ReluOp : LLM_UnaryOp<"relu"> { let summary = "Elementwise max(x, 0)"; }
def LLM_NotOp : LLM_UnaryOp<"not"> { let summary = "Logical not of an i1 tensor"; }
def LLM_GeluOp : LLM_UnaryOp<"gelu"> {
  let summary = "GELU, exact (erf) or tanh-approximated";
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<BoolAttr, "false">:$tanh_approx);
}

def LLM_CastOp : LLM_Op<"cast", [Pure]> {
  let summary = "Elementwise conversion to another element type";
  let description = [{
    Float to integer truncates toward zero (ONNX semantics); anything to i1
    is `x != 0`; i1 to a number gives 0 or 1.
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def LLM_WhereOp : LLM_Op<"where", [Pure, InferTypeOpAdaptor]> {
  let summary = "Elementwise select with numpy broadcasting of all three operands";
  let arguments = (ins AnyRankedTensor:$condition, AnyRankedTensor:$lhs,
                       AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $condition `,` $lhs `,` $rhs attr-dict `:` type($condition) `,` type($lhs)
    `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and normalization
//===----------------------------------------------------------------------===//

def LLM_MatMulOp : LLM_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "numpy matmul: batch dims broadcast, 1-D operands promoted";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

class LLM_SoftmaxLikeOp<string mnemonic>
    : LLM_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}
def LLM_SoftmaxOp : LLM_SoftmaxLikeOp<"softmax"> {
  let summary = "Softmax along one axis (non-negative, normalized)";
}
def LLM_LogSoftmaxOp : LLM_SoftmaxLikeOp<"log_softmax"> {
  let summary = "Log of softmax along one axis";
}

def LLM_LayerNormOp : LLM_Op<"layer_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "Layer normalization over the dims from `axis` on";
  let description = [{
    Returns the normalized tensor, the mean and the inverse standard
    deviation (the last two with the normalized dims kept as 1).
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Optional<AnyRankedTensor>:$bias, I64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$mean,
                      AnyRankedTensor:$inv_std_dev);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class LLM_ReduceOp<string mnemonic> : LLM_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}
def LLM_ReduceMeanOp : LLM_ReduceOp<"reduce_mean"> {
  let summary = "Mean over `axes` (normalized, sorted, non-empty)";
}
def LLM_ReduceSumOp : LLM_ReduceOp<"reduce_sum"> {
  let summary = "Sum over `axes` (normalized, sorted, non-empty)";
}
def LLM_ReduceMaxOp : LLM_ReduceOp<"reduce_max"> {
  let summary = "Maximum over `axes` (normalized, sorted, non-empty)";
}

def LLM_CumSumOp : LLM_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "Cumulative sum along one axis";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LLM_TriluOp : LLM_Op<"trilu", [Pure, SameOperandsAndResultType]> {
  let summary = "Keeps the upper or lower triangle (offset k) of the last two dims";
  let arguments = (ins AnyRankedTensor:$input, BoolAttr:$upper, I64Attr:$k);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def LLM_ReshapeOp : LLM_Op<"reshape", [Pure]> {
  let summary = "Same elements in row-major order, new shape (the result type)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def LLM_TransposeOp : LLM_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "Permutes dims: result dim i is input dim perm[i]";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def LLM_ConcatOp : LLM_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "Concatenation along one axis";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, $result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def LLM_SplitOp : LLM_Op<"split", [Pure, InferTypeOpAdaptor]> {
  let summary = "Splits along one axis into pieces of the given sizes";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($results)";
  let hasVerifier = 1;
}

def LLM_SliceOp : LLM_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "Strided slice; one start/end/step per dim, ONNX clamping rules";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def LLM_GatherOp : LLM_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "Gathers slices of `data` along `axis` (negative indices wrap)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` attr-dict `:` type($data) `,` type($indices) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def LLM_ExpandOp : LLM_Op<"expand", [Pure]> {
  let summary = "Broadcasts the input to the result shape (numpy rules)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def LLM_ScatterNDOp : LLM_Op<"scatter_nd", [Pure]> {
  let summary = "Copy of `data` with `updates` written at `indices`";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       AnyRankedTensor:$updates,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `,` $updates attr-dict `:` type($data) `,`
    type($indices) `,` type($updates) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_ShapeOp : LLM_Op<"shape", [Pure]> {
  let summary = "The dims of a tensor as a 1-D i64 tensor";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs 1DTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Semantic ops (raised from exporter op soup by the llm-raise-* passes;
// docs/raising.md). Each has one fused kernel later; today each lowers to
// linalg in lib/Codegen/Common/LowerSemanticOps.cpp.
//===----------------------------------------------------------------------===//

def LLM_RMSNormOp : LLM_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMS normalization over the last dim, scaled by a weight";
  let description = [{
    `y = round(x / sqrt(mean(x^2 over the last dim) + epsilon)) * weight`,
    `weight` is 1-D with the size of the last dim of `x`. For f16/bf16 the
    statistics and the normalization are computed in f32 and the normalized
    value is rounded to the element type before the weight multiply, which
    is exactly HuggingFace's `LlamaRMSNorm` (compute in f32, `.to(dtype)`,
    `weight * x`); for f32/f64 the rounding is a no-op.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def LLM_SiluMulOp : LLM_Op<"silu_mul", [Pure, AllTypesMatch<["gate", "up", "result"]>]> {
  let summary = "SwiGLU core: silu(gate) * up, elementwise";
  let description = [{
    `silu(g) = g * sigmoid(g)`; f16/bf16 are computed in f32 and rounded
    once. Operands and result have the same type (no broadcasting).
  }];
  let arguments = (ins AnyRankedTensor:$gate, AnyRankedTensor:$up);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LLM_RopeOp : LLM_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding: x * cos + rotate(x) * sin";
  let description = [{
    Not interleaved (rotate-half, HF Llama/NeoX): `rotate(x) =
    concat(-x[..., d/2:], x[..., :d/2])`. Interleaved (GPT-J):
    `rotate(x)[2i] = -x[2i+1]`, `rotate(x)[2i+1] = x[2i]`. `cos` and `sin`
    have the element type of `x`, the same size as `x` in the last dim (which
    is even) and broadcast to the shape of `x` (numpy rules, no growth).
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$cos,
                       AnyRankedTensor:$sin,
                       DefaultValuedAttr<BoolAttr, "false">:$interleaved);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin attr-dict `:` type($input) `,` type($cos) `,` type($sin)
  }];
  let hasVerifier = 1;
}

def LLM_AttentionOp : LLM_Op<"attention", [Pure, InferTypeOpAdaptor]> {
  let summary = "Scaled dot-product attention with grouped (GQA/MQA) KV heads";
  let description = [{
    `y[b, h, i] = sum_j softmax_j(scale * q[b, h, i] . k[b, h / g, j] +
    mask[b, h, i, j])[j] * v[b, h / g, j]` with `q: [B, Hq, S, D]`,
    `k: [B, Hkv, T, D]`, `v: [B, Hkv, T, Dv]`, `g = Hq / Hkv` (`Hq % Hkv ==
    0`; `Hkv == 1` is MQA) and result `[B, Hq, S, Dv]`. `mask` (optional) is
    additive, of the element type of `q`, and broadcasts to `[B, Hq, S, T]`
    (numpy rules, rank <= 4); boolean masks are turned into `0 / -max`
    additive ones by the importers. `causal`: query `i` is the last `S` of
    the `T` positions and sees keys `j <= i + (T - S)`. Softmax is computed
    in f32 (for f16/bf16) with the row maximum subtracted.
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key,
                       AnyRankedTensor:$value, Optional<AnyRankedTensor>:$mask,
                       F32Attr:$scale,
                       DefaultValuedAttr<BoolAttr, "false">:$causal);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Paged KV cache (made by llm-paged-kv-cache; layout in docs/kv-cache.md)
//===----------------------------------------------------------------------===//

def LLM_KVAppendOp : LLM_Op<"kv_append", [Pure,
                                          AllTypesMatch<["cache", "result"]>]> {
  let summary = "Writes the keys and values of new tokens into a paged cache";
  let description = [{
    `cache: [blocks, layers, 2, page, Hkv, D]`; `key`, `value: [1, Hkv, N, D]`
    (the new tokens, flattened); `slot_mapping: i64 [N]`. For every token
    `n` with `slot = slot_mapping[n] >= 0`, the result equals `cache` with
    `[slot / page, layer, 0, slot % page]` set to `key[0, :, n]` and
    `[.., 1, ..]` to `value[0, :, n]` (converted to the cache element type).
    Tokens with a negative slot (padding) write nothing. Kernels update the
    cache buffer in place (the result is the operand's buffer).
  }];
  let arguments = (ins AnyRankedTensor:$cache, AnyRankedTensor:$key,
                       AnyRankedTensor:$value, AnyRankedTensor:$slot_mapping,
                       I64Attr:$layer);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $cache `,` $key `,` $value `,` $slot_mapping attr-dict `:` type($cache)
    `,` type($key) `,` type($value) `,` type($slot_mapping)
  }];
  let hasVerifier = 1;
}

def LLM_PagedAttentionOp : LLM_Op<"paged_attention", [Pure]> {
  let summary = "Causal attention of new tokens over a paged KV cache (GQA)";
  let description = [{
    `query: [1, Hq, N, D]`, `cache: [blocks, layers, 2, page, Hkv, D]`,
    `positions: i64 [1, N]`, `token_seq: i64 [N]`, `block_tables: i64 [B,
    MB]`. Token `n` of sequence `s = token_seq[n]` attends to positions
    `j = 0 .. positions[0, n]` of `s`, whose key and value sit in block
    `block_tables[s, j / page]` at offset `j % page` of layer `layer`;
    query head `h` reads KV head `h / (Hq / Hkv)`. Softmax of `scale * q.k`
    in f32. Result `[1, Hq, N, D]`, the query element type.
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$cache,
                       AnyRankedTensor:$positions, AnyRankedTensor:$token_seq,
                       AnyRankedTensor:$block_tables, I64Attr:$layer,
                       F32Attr:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $query `,` $cache `,` $positions `,` $token_seq `,` $block_tables attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantized ops (imported from onnxruntime's com.microsoft contrib ops;
// lowered in lib/Codegen/Common/LowerQuantized.cpp).
//===----------------------------------------------------------------------===//

def LLM_MatMulNBitsOp : LLM_Op<"matmul_nbits", [Pure, InferTypeOpAdaptor]> {
  let summary = "a @ dequantize(b)^T with a blockwise 4/8-bit packed weight";
  let description = [{
    onnxruntime's `com.microsoft.MatMulNBits` on the raw packed tensors:
    `b` is `ui8 [n, n_blocks, blob]` with `n_blocks = ceil(k / block_size)`
    and `blob = block_size * bits / 8`; element `(j, i)` of the logical
    `[n, k]` weight is quantized value `i % block_size` of block
    `i / block_size` of row `j`, stored low nibble first for 4 bits.
    `scales` (the element type of `a`) is `[n * n_blocks]` or `[n, n_blocks]`.
    `zero_points` (optional) is `ui8 [n * zp_blob]` or `[n, zp_blob]` with
    `zp_blob = ceil(n_blocks * bits / 8)`, packed like `b` (low nibble
    first); without it the zero point is `2^(bits-1)`. Dequantized weight:
    `(q - zp) * scale`. Result: `[..., n]`, the element type of `a`.
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       AnyRankedTensor:$scales,
                       Optional<AnyRankedTensor>:$zero_points,
                       I64Attr:$bits, I64Attr:$block_size, I64Attr:$k,
                       I64Attr:$n);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $scales (`,` $zero_points^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif
