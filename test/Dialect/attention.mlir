// RUN: llmc-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @roundtrip
// CHECK: llm.attention %arg0, %arg1, %arg2, %arg3 {causal = true, scale = 1.250000e-01 : f32} : (tensor<2x8x5x64xf16>, tensor<2x2x9x64xf16>, tensor<2x2x9x32xf16>, tensor<5x9xf16>) -> tensor<2x8x5x32xf16>
// CHECK: llm.attention %arg0, %arg1, %arg1 {scale = 1.000000e+00 : f32} : (tensor<2x8x5x64xf16>, tensor<2x2x9x64xf16>, tensor<2x2x9x64xf16>) -> tensor<2x8x5x64xf16>
func.func @roundtrip(%q: tensor<2x8x5x64xf16>, %k: tensor<2x2x9x64xf16>, %v: tensor<2x2x9x32xf16>, %m: tensor<5x9xf16>) {
  %0 = llm.attention %q, %k, %v, %m {scale = 0.125 : f32, causal = true} : (tensor<2x8x5x64xf16>, tensor<2x2x9x64xf16>, tensor<2x2x9x32xf16>, tensor<5x9xf16>) -> tensor<2x8x5x32xf16>
  %1 = llm.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<2x8x5x64xf16>, tensor<2x2x9x64xf16>, tensor<2x2x9x64xf16>) -> tensor<2x8x5x64xf16>
  return
}

// -----

func.func @heads(%q: tensor<1x6x5x8xf32>, %k: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of the key/value heads (4)}}
  %0 = llm.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<1x6x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>) -> tensor<1x6x5x8xf32>
  return
}

// -----

func.func @head_dim(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x5x4xf32>) {
  // expected-error @+1 {{query head dim 8 differs from the key head dim 4}}
  %0 = llm.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<1x4x5x8xf32>, tensor<1x4x5x4xf32>, tensor<1x4x5x4xf32>) -> tensor<1x4x5x4xf32>
  return
}

// -----

func.func @mask(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x5x8xf32>, %m: tensor<2x1x5x5xf32>) {
  // expected-error @+1 {{mask of type 'tensor<2x1x5x5xf32>' does not broadcast to [B, Hq, S, T]}}
  %0 = llm.attention %q, %k, %k, %m {scale = 1.0 : f32} : (tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<2x1x5x5xf32>) -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @bool_mask(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x5x8xf32>, %m: tensor<5x5xi1>) {
  // expected-error @+1 {{mask must be additive, of the query element type}}
  %0 = llm.attention %q, %k, %k, %m {scale = 1.0 : f32} : (tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<5x5xi1>) -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @causal(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x3x8xf32>) {
  // expected-error @+1 {{causal attention needs at least as many keys (3) as queries (5)}}
  %0 = llm.attention %q, %k, %k {scale = 1.0 : f32, causal = true} : (tensor<1x4x5x8xf32>, tensor<1x4x3x8xf32>, tensor<1x4x3x8xf32>) -> tensor<1x4x5x8xf32>
  return
}
