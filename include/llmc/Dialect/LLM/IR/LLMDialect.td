//===- LLMDialect.td - the llm dialect ---------------------*- tablegen -*-===//
// The graph-level dialect of llmc: ONNX-shaped tensor ops plus the semantic
// ops (attention, norms, RoPE) that the raising passes produce.
//===----------------------------------------------------------------------===//
#ifndef LLMC_LLM_DIALECT
#define LLMC_LLM_DIALECT

include "mlir/IR/OpBase.td"

def LLM_Dialect : Dialect {
  let name = "llm";
  let cppNamespace = "::llmc::llm";
  let summary = "Tensor-level dialect for LLM inference graphs";
  let description = [{
    Ops on ranked tensors with static or dynamic (`?`) dims. Every op infers
    its result type from its operands and attributes so that imported graphs
    with symbolic batch/sequence dims come out fully typed.
  }];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

#endif
