//===- Commands.h - llmc subcommands ------------------------------*- C++ -*-===//
#ifndef LLMC_TOOLS_LLMC_COMMANDS_H
#define LLMC_TOOLS_LLMC_COMMANDS_H

#include <CLI/CLI.hpp>

#include <functional>

namespace mlir {
class MLIRContext;
}

namespace llmc::tool {

/// Each subcommand registers its options and returns the action to run;
/// actions return the process exit code.
using Action = std::function<int()>;

Action addImportCommand(CLI::App &app);
Action addCompileCommand(CLI::App &app);
Action addInspectCommand(CLI::App &app);

/// Routes MLIR diagnostics to stderr as one line each: `llmc: error: ...`.
void installDiagnosticPrinter(mlir::MLIRContext &ctx);

/// Registers every dialect the compiler uses.
void loadDialects(mlir::MLIRContext &ctx);

} // namespace llmc::tool

#endif
