//===- llmc-opt.cpp - mlir-opt with the llm dialect and llmc passes -------===//
#include "llmc/Dialect/LLM/IR/LLMDialect.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllPasses();
  registry.insert<llmc::llm::LLMDialect>();
  llmc::registerLLMCPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "llmc optimizer driver\n", registry));
}
