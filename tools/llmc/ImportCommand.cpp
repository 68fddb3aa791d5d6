//===- ImportCommand.cpp - `llmc import`: ONNX to llm MLIR ----------------===//
#include "Commands.h"
#include "Options.h"

#include "llmc/Import/ONNXImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

llmc::tool::Action llmc::tool::addImportCommand(CLI::App &app) {
  auto *cmd = app.add_subcommand("import", "Import an ONNX model and print it in the llm dialect");
  auto opts = std::make_shared<ImportCLIOptions>();
  addImportOptions(*cmd, *opts);
  auto debugInfo = std::make_shared<bool>(false);
  cmd->add_flag("--mlir-print-debuginfo", *debugInfo,
                "Print locations (ONNX node names)");
  auto printWeights = std::make_shared<bool>(false);
  cmd->add_flag("--print-weights", *printWeights,
                "Print large weights in full (by default they are elided, and "
                "the output cannot be compiled back)");
  return [opts, debugInfo, printWeights]() -> int {
    MLIRContext ctx;
    loadDialects(ctx);
    installDiagnosticPrinter(ctx);
    ImportOptions options;
    if (!toImportOptions(*opts, options))
      return 1;
    OwningOpRef<ModuleOp> module = importONNX(ctx, opts->model, options);
    if (!module)
      return 1;
    OpPrintingFlags flags;
    if (*debugInfo)
      flags.enableDebugInfo();
    if (!*printWeights)
      flags.elideLargeResourceString(64);
    module->print(llvm::outs(), flags);
    llvm::outs() << "\n";
    return 0;
  };
}
