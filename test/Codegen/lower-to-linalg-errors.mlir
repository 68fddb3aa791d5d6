// RUN: llmc-opt %s -llm-lower-to-linalg -split-input-file -verify-diagnostics

// Reshape needs static shapes to pick its reassociation.
func.func private @dynamic_reshape(%a: tensor<?x4xf32>) -> tensor<?xf32> attributes {llm.kernel} {
  // expected-error @+1 {{'llm.reshape' op dynamic shapes are not supported by the CPU code generator yet}}
  %0 = llm.reshape %a : tensor<?x4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func private @dynamic_concat(%a: tensor<?x4xf32>, %b: tensor<2x4xf32>) -> tensor<?x4xf32> attributes {llm.kernel} {
  // expected-error @+1 {{'llm.concat' op dynamic shapes are not supported by the CPU code generator yet}}
  %0 = llm.concat %a, %b {axis = 0 : i64} : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func private @dynamic_slice(%a: tensor<?xf32>) -> tensor<?xf32> attributes {llm.kernel} {
  // expected-error @+1 {{'llm.slice' op dynamic shapes are not supported by the CPU code generator yet}}
  %0 = llm.slice %a {starts = array<i64: 1>, ends = array<i64: 3>, steps = array<i64: 1>} : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
