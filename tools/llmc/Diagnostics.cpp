//===- Diagnostics.cpp - one-line diagnostics and dialect loading ---------===//
#include "Commands.h"

#include "llmc/Dialect/LLM/IR/LLMDialect.h"
#include "llmc/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// `model.onnx: node 'Add_3'` for importer locations, else MLIR's form.
static std::string describe(Location loc) {
  std::string out;
  llvm::raw_string_ostream os(out);
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (auto file = dyn_cast<FileLineColLoc>(name.getChildLoc()))
      os << file.getFilename().getValue() << ": ";
    os << "node '" << name.getName().getValue() << "'";
  } else if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine())
      os << ":" << file.getLine() << ":" << file.getColumn();
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (!fused.getLocations().empty())
      return describe(fused.getLocations().front());
  } else if (!isa<UnknownLoc>(loc)) {
    loc.print(os);
  }
  return out;
}

void llmc::tool::installDiagnosticPrinter(MLIRContext &ctx) {
  // One line per error: no op dumps attached to diagnostics.
  ctx.printOpOnDiagnostic(false);
  ctx.getDiagEngine().registerHandler([](Diagnostic &diag) {
    const char *severity = diag.getSeverity() == DiagnosticSeverity::Error
                               ? "error"
                               : diag.getSeverity() == DiagnosticSeverity::Warning
                                     ? "warning"
                                     : "note";
    std::string where = describe(diag.getLocation());
    std::string message = diag.str();
    // Importer messages already name the node ("Reshape 'r': ..."); keep
    // only the file then.
    if (auto name = dyn_cast<NameLoc>(diag.getLocation()))
      if (message.find("'" + name.getName().str() + "'") != std::string::npos)
        where = describe(name.getChildLoc());
    llvm::errs() << "llmc: " << severity << ": ";
    if (!where.empty())
      llvm::errs() << where << ": ";
    llvm::errs() << message;
    for (Diagnostic &note : diag.getNotes())
      llvm::errs() << " (" << note.str() << ")";
    llvm::errs() << "\n";
    return success();
  });
}

void llmc::tool::loadDialects(MLIRContext &ctx) {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<llm::LLMDialect>();
  ctx.appendDialectRegistry(registry);
  ctx.loadDialect<llm::LLMDialect, func::FuncDialect>();
  registerAllPasses();
  registerLLMCPasses();
}
