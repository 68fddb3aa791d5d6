// RUN: llmc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// Round trip and verifiers of the semantic ops the raising passes create.

// CHECK-LABEL: func.func @round_trip
// CHECK: llm.rms_norm %arg0, %arg1 {epsilon = 9.99999997E-7 : f32} : tensor<2x?x8xf16>, tensor<8xf16>
// CHECK: llm.silu_mul %arg2, %arg2 : tensor<3x4xbf16>
// CHECK: llm.rope %arg3, %arg4, %arg4 : tensor<1x4x5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>
// CHECK: llm.rope %arg3, %arg4, %arg4 {interleaved = true}
func.func @round_trip(%x: tensor<2x?x8xf16>, %w: tensor<8xf16>, %g: tensor<3x4xbf16>, %q: tensor<1x4x5x8xf32>, %t: tensor<5x8xf32>) {
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<2x?x8xf16>, tensor<8xf16>
  %1 = llm.silu_mul %g, %g : tensor<3x4xbf16>
  %2 = llm.rope %q, %t, %t : tensor<1x4x5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>
  %3 = llm.rope %q, %t, %t {interleaved = true} : tensor<1x4x5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>
  return
}

// -----

func.func @rms_norm_weight_size(%x: tensor<2x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{weight size 4 differs from the last input dim 8}}
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<2x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_weight_type(%x: tensor<2x8xf32>, %w: tensor<8xf16>) {
  // expected-error @+1 {{weight must have the input element type}}
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<2x8xf32>, tensor<8xf16>
  return
}

// -----

func.func @rms_norm_int(%x: tensor<2x8xi32>, %w: tensor<8xi32>) {
  // expected-error @+1 {{expects a float input}}
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<2x8xi32>, tensor<8xi32>
  return
}

// -----

func.func @silu_mul_int(%g: tensor<4xi32>) {
  // expected-error @+1 {{expects float operands}}
  %0 = llm.silu_mul %g, %g : tensor<4xi32>
  return
}

// -----

func.func @rope_odd(%x: tensor<2x7xf32>) {
  // expected-error @+1 {{last dim 7 must be even}}
  %0 = llm.rope %x, %x, %x : tensor<2x7xf32>, tensor<2x7xf32>, tensor<2x7xf32>
  return
}

// -----

func.func @rope_grows(%x: tensor<4x8xf32>, %t: tensor<2x4x8xf32>) {
  // expected-error @+1 {{do not broadcast to the input type}}
  %0 = llm.rope %x, %t, %t : tensor<4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @rope_half_table(%x: tensor<4x8xf32>, %t: tensor<4x1xf32>) {
  // expected-error @+1 {{cos/sin last dim must equal the input last dim}}
  %0 = llm.rope %x, %t, %t : tensor<4x8xf32>, tensor<4x1xf32>, tensor<4x1xf32>
  return
}
