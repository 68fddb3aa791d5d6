// RUN: llmc-opt %s -split-input-file -llm-outline-kernels -verify-diagnostics

// expected-error @+1 {{expected a graph function named @main}}
module {
  func.func @not_main() {
    return
  }
}

// -----

// expected-error @+1 {{graph inputs with symbolic dims: 'x' tensor<?x8xf32>; code generation needs static shapes}}
func.func @main(%x: tensor<?x8xf32> {llm.name = "x"}) -> tensor<?x8xf32> {
  %0 = llm.relu %x : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}
