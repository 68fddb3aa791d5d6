//===- LLMTypes.h - llm dialect types -----------------------------*- C++ -*-===//
#ifndef LLMC_DIALECT_LLM_IR_LLMTYPES_H
#define LLMC_DIALECT_LLM_IR_LLMTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"

#define GET_TYPEDEF_CLASSES
#include "llmc/Dialect/LLM/IR/LLMTypes.h.inc"

#endif
