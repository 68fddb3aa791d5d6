//===- Options.h - import options shared by import and compile ----*- C++ -*-===//
#ifndef LLMC_TOOLS_LLMC_OPTIONS_H
#define LLMC_TOOLS_LLMC_OPTIONS_H

#include "llmc/Import/ONNXImporter.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace llmc::tool {

struct ImportCLIOptions {
  std::string model;
  std::vector<std::string> inputShapes;  // NAME=1x7
  std::vector<std::string> frozenInputs; // NAME=FILE.pb
};

inline void addImportOptions(CLI::App &cmd, ImportCLIOptions &o) {
  cmd.add_option("model", o.model, "ONNX model file (.onnx)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd.add_option("--input-shape", o.inputShapes,
                 "Fix the shape of a graph input, e.g. input_ids=1x7 (repeatable)");
  cmd.add_option("--freeze-input", o.frozenInputs,
                 "Replace a graph input by the tensor in an ONNX TensorProto "
                 "file, e.g. shape=shape.pb (repeatable)");
}

/// Parses NAME=VALUE lists; prints a one-line error and returns false on bad syntax.
inline bool toImportOptions(const ImportCLIOptions &o, ImportOptions &out) {
  for (const std::string &s : o.inputShapes) {
    size_t eq = s.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "llmc: error: --input-shape expects NAME=D0xD1x..., got '" << s << "'\n";
      return false;
    }
    std::vector<int64_t> dims;
    std::stringstream ss(s.substr(eq + 1));
    std::string dim;
    while (std::getline(ss, dim, 'x')) {
      if (dim.empty() || dim.find_first_not_of("0123456789") != std::string::npos) {
        std::cerr << "llmc: error: bad dim '" << dim << "' in --input-shape " << s << "\n";
        return false;
      }
      dims.push_back(std::stoll(dim));
    }
    out.inputShapes[s.substr(0, eq)] = dims;
  }
  for (const std::string &s : o.frozenInputs) {
    size_t eq = s.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "llmc: error: --freeze-input expects NAME=FILE.pb, got '" << s << "'\n";
      return false;
    }
    out.frozenInputs[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return true;
}

} // namespace llmc::tool

#endif
