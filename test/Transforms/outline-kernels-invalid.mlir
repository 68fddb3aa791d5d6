// RUN: llmc-opt %s -llm-outline-kernels -verify-diagnostics

// expected-error @+1 {{expected a graph function named @main}}
module {
  func.func @not_main() {
    return
  }
}
