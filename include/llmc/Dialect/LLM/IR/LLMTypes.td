//===- LLMTypes.td - llm dialect types ---------------------*- tablegen -*-===//
// Types designed for what comes after the foundation: quantized weights and a
// runtime-owned paged KV cache. Activations use builtin tensors (f32/f16/bf16).
//===----------------------------------------------------------------------===//
#ifndef LLMC_LLM_TYPES
#define LLMC_LLM_TYPES

include "llmc/Dialect/LLM/IR/LLMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class LLM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<LLM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def LLM_QuantizedWeightType : LLM_Type<"QuantizedWeight", "qweight"> {
  let summary = "A weight matrix stored in a low-precision integer or fp8 format";
  let description = [{
    `!llm.qweight<4096x4096, i4, group = 128, f16>`: the logical shape, the
    storage element type (i8, i4 or an fp8 type), the number of consecutive
    elements along the last (reduction) dim that share one scale, and the
    scale element type. Zero points, when present, use the storage type.
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::Type":$storageType,
                        "int64_t":$groupSize,
                        "::mlir::Type":$scaleType);
  let assemblyFormat = [{
    `<` custom<DimList>($shape) `,` $storageType `,` `group` `=` $groupSize `,` $scaleType `>`
  }];
  let genVerifyDecl = 1;
}

def LLM_KVCacheType : LLM_Type<"KVCache", "kv_cache"> {
  let summary = "Opaque handle to the paged KV cache owned by the runtime";
  let description = [{
    `!llm.kv_cache<layers = 16, kv_heads = 8, head_dim = 64, page = 16, f16>`.
    The compiler only knows the layout parameters; the runtime allocates the
    blocks and passes block tables as step inputs.
  }];
  let parameters = (ins "int64_t":$numLayers, "int64_t":$numKvHeads,
                        "int64_t":$headDim, "int64_t":$pageSize,
                        "::mlir::Type":$elementType);
  let assemblyFormat = [{
    `<` `layers` `=` $numLayers `,` `kv_heads` `=` $numKvHeads `,`
        `head_dim` `=` $headDim `,` `page` `=` $pageSize `,` $elementType `>`
  }];
}

#endif
