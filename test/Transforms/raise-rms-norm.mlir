// RUN: llmc-opt %s -split-input-file -llm-raise-rms-norm -canonicalize | FileCheck %s

// torch.onnx export of HF LlamaRMSNorm (f32 model; the f32 casts fold away):
// Pow(x, 2) -> ReduceMean(-1, keepdims) -> Add(eps) -> Sqrt -> Div(1, .)
// -> Mul(x, .) -> Mul(., weight), rank-0 constants.
// CHECK-LABEL: func.func @torch_llama
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x32xf32>, %[[W:.*]]: tensor<32xf32>)
// CHECK-NEXT: %[[Y:.*]] = llm.rms_norm %[[X]], %[[W]] {epsilon = 9.99999997E-7 : f32} : tensor<1x5x32xf32>, tensor<32xf32>
// CHECK-NEXT: return %[[Y]]
func.func @torch_llama(%x: tensor<1x5x32xf32>, %w: tensor<32xf32>) -> tensor<1x5x32xf32> {
  %two = llm.constant dense<2.0> : tensor<f32>
  %eps = llm.constant dense<1.0e-6> : tensor<f32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %0 = llm.pow %x, %two : tensor<1x5x32xf32>, tensor<f32> -> tensor<1x5x32xf32>
  %1 = llm.reduce_mean %0 {axes = array<i64: 2>} : tensor<1x5x32xf32> -> tensor<1x5x1xf32>
  %2 = llm.add %1, %eps : tensor<1x5x1xf32>, tensor<f32> -> tensor<1x5x1xf32>
  %3 = llm.sqrt %2 : tensor<1x5x1xf32>
  %4 = llm.div %one, %3 : tensor<f32>, tensor<1x5x1xf32> -> tensor<1x5x1xf32>
  %5 = llm.mul %x, %4 : tensor<1x5x32xf32>, tensor<1x5x1xf32> -> tensor<1x5x32xf32>
  %6 = llm.mul %5, %w : tensor<1x5x32xf32>, tensor<32xf32> -> tensor<1x5x32xf32>
  return %6 : tensor<1x5x32xf32>
}

// -----

// Other spellings: Mul(x, x), a 1-element eps, Reciprocal, operands swapped
// everywhere, weight first.
// CHECK-LABEL: func.func @swapped_reciprocal
// CHECK-NEXT: %[[Y:.*]] = llm.rms_norm %arg0, %arg1 {epsilon = 9.99999974E-6 : f32} : tensor<4x16xf32>, tensor<16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @swapped_reciprocal(%x: tensor<4x16xf32>, %w: tensor<16xf32>) -> tensor<4x16xf32> {
  %eps = llm.constant dense<[1.0e-5]> : tensor<1xf32>
  %0 = llm.mul %x, %x : tensor<4x16xf32>, tensor<4x16xf32> -> tensor<4x16xf32>
  %1 = llm.reduce_mean %0 {axes = array<i64: 1>} : tensor<4x16xf32> -> tensor<4x1xf32>
  %2 = llm.add %eps, %1 : tensor<1xf32>, tensor<4x1xf32> -> tensor<4x1xf32>
  %3 = llm.sqrt %2 : tensor<4x1xf32>
  %4 = llm.reciprocal %3 : tensor<4x1xf32>
  %5 = llm.mul %4, %x : tensor<4x1xf32>, tensor<4x16xf32> -> tensor<4x16xf32>
  %6 = llm.mul %w, %5 : tensor<16xf32>, tensor<4x16xf32> -> tensor<4x16xf32>
  return %6 : tensor<4x16xf32>
}

// -----

// x / sqrt(.), ReduceMean without keepdims then Unsqueeze (a reshape), and a
// [1, 1, D] weight (reshaped to 1-D).
// CHECK-LABEL: func.func @div_nokeepdims
// CHECK: %[[W:.*]] = llm.reshape %arg1 : tensor<1x1x8xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[Y:.*]] = llm.rms_norm %arg0, %[[W]] {epsilon = 1.000000e-01 : f32} : tensor<2x3x8xf32>, tensor<8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @div_nokeepdims(%x: tensor<2x3x8xf32>, %w: tensor<1x1x8xf32>) -> tensor<2x3x8xf32> {
  %two = llm.constant dense<2.0> : tensor<1x1x1xf32>
  %eps = llm.constant dense<0.1> : tensor<f32>
  %0 = llm.pow %x, %two : tensor<2x3x8xf32>, tensor<1x1x1xf32> -> tensor<2x3x8xf32>
  %1 = llm.reduce_mean %0 {axes = array<i64: 2>, keepdims = false} : tensor<2x3x8xf32> -> tensor<2x3xf32>
  %2 = llm.reshape %1 : tensor<2x3xf32> -> tensor<2x3x1xf32>
  %3 = llm.add %2, %eps : tensor<2x3x1xf32>, tensor<f32> -> tensor<2x3x1xf32>
  %4 = llm.sqrt %3 : tensor<2x3x1xf32>
  %5 = llm.div %x, %4 : tensor<2x3x8xf32>, tensor<2x3x1xf32> -> tensor<2x3x8xf32>
  %6 = llm.mul %5, %w : tensor<2x3x8xf32>, tensor<1x1x8xf32> -> tensor<2x3x8xf32>
  return %6 : tensor<2x3x8xf32>
}

// -----

// HF in half precision: x.to(f32) ... .to(f16) * weight becomes one op on
// the f16 input (statistics in f32 are part of the op's semantics).
// CHECK-LABEL: func.func @f16_cast_round_trip
// CHECK-NEXT: %[[Y:.*]] = llm.rms_norm %arg0, %arg1 {epsilon = 9.99999997E-7 : f32} : tensor<3x8xf16>, tensor<8xf16>
// CHECK-NEXT: return %[[Y]]
func.func @f16_cast_round_trip(%x: tensor<3x8xf16>, %w: tensor<8xf16>) -> tensor<3x8xf16> {
  %two = llm.constant dense<2.0> : tensor<f32>
  %eps = llm.constant dense<1.0e-6> : tensor<f32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %xf = llm.cast %x : tensor<3x8xf16> to tensor<3x8xf32>
  %0 = llm.pow %xf, %two : tensor<3x8xf32>, tensor<f32> -> tensor<3x8xf32>
  %1 = llm.reduce_mean %0 {axes = array<i64: 1>} : tensor<3x8xf32> -> tensor<3x1xf32>
  %2 = llm.add %1, %eps : tensor<3x1xf32>, tensor<f32> -> tensor<3x1xf32>
  %3 = llm.sqrt %2 : tensor<3x1xf32>
  %4 = llm.div %one, %3 : tensor<f32>, tensor<3x1xf32> -> tensor<3x1xf32>
  %5 = llm.mul %xf, %4 : tensor<3x8xf32>, tensor<3x1xf32> -> tensor<3x8xf32>
  %6 = llm.cast %5 : tensor<3x8xf32> to tensor<3x8xf16>
  %7 = llm.mul %w, %6 : tensor<8xf16>, tensor<3x8xf16> -> tensor<3x8xf16>
  return %7 : tensor<3x8xf16>
}

// -----

// Near misses, none raised: the mean over a dim that is not the last one,
// x^3, a different value normalized than squared, f16 statistics without
// the f32 casts, a weight over the wrong dim, 2 instead of 1 in Div(1, .).
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.rms_norm
// CHECK: return
func.func @near_misses(%x: tensor<4x16xf32>, %z: tensor<4x16xf32>, %w: tensor<16xf32>, %h: tensor<4x16xf16>, %wh: tensor<16xf16>, %w4: tensor<4x1xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf16>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %two = llm.constant dense<2.0> : tensor<f32>
  %three = llm.constant dense<3.0> : tensor<f32>
  %eps = llm.constant dense<1.0e-6> : tensor<f32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %twoh = llm.constant dense<2.0> : tensor<f16>
  %epsh = llm.constant dense<1.0e-3> : tensor<f16>
  // mean over dim 0
  %a0 = llm.pow %x, %two : tensor<4x16xf32>, tensor<f32> -> tensor<4x16xf32>
  %a1 = llm.reduce_mean %a0 {axes = array<i64: 0>} : tensor<4x16xf32> -> tensor<1x16xf32>
  %a2 = llm.add %a1, %eps : tensor<1x16xf32>, tensor<f32> -> tensor<1x16xf32>
  %a3 = llm.sqrt %a2 : tensor<1x16xf32>
  %a4 = llm.div %x, %a3 : tensor<4x16xf32>, tensor<1x16xf32> -> tensor<4x16xf32>
  %a5 = llm.mul %a4, %w : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  // x^3
  %b0 = llm.pow %x, %three : tensor<4x16xf32>, tensor<f32> -> tensor<4x16xf32>
  %b1 = llm.reduce_mean %b0 {axes = array<i64: 1>} : tensor<4x16xf32> -> tensor<4x1xf32>
  %b2 = llm.add %b1, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %b3 = llm.sqrt %b2 : tensor<4x1xf32>
  %b4 = llm.div %x, %b3 : tensor<4x16xf32>, tensor<4x1xf32> -> tensor<4x16xf32>
  %b5 = llm.mul %b4, %w : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  // z normalized by the rms of x
  %c0 = llm.pow %x, %two : tensor<4x16xf32>, tensor<f32> -> tensor<4x16xf32>
  %c1 = llm.reduce_mean %c0 {axes = array<i64: 1>} : tensor<4x16xf32> -> tensor<4x1xf32>
  %c2 = llm.add %c1, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %c3 = llm.sqrt %c2 : tensor<4x1xf32>
  %c4 = llm.div %z, %c3 : tensor<4x16xf32>, tensor<4x1xf32> -> tensor<4x16xf32>
  %c5 = llm.mul %c4, %w : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  // f16 statistics
  %d0 = llm.pow %h, %twoh : tensor<4x16xf16>, tensor<f16> -> tensor<4x16xf16>
  %d1 = llm.reduce_mean %d0 {axes = array<i64: 1>} : tensor<4x16xf16> -> tensor<4x1xf16>
  %d2 = llm.add %d1, %epsh : tensor<4x1xf16>, tensor<f16> -> tensor<4x1xf16>
  %d3 = llm.sqrt %d2 : tensor<4x1xf16>
  %d4 = llm.div %h, %d3 : tensor<4x16xf16>, tensor<4x1xf16> -> tensor<4x16xf16>
  %d5 = llm.mul %d4, %wh : tensor<4x16xf16>, tensor<16xf16> -> tensor<4x16xf16>
  // weight per row ([4, 1]), not per feature
  %e0 = llm.pow %x, %two : tensor<4x16xf32>, tensor<f32> -> tensor<4x16xf32>
  %e1 = llm.reduce_mean %e0 {axes = array<i64: 1>} : tensor<4x16xf32> -> tensor<4x1xf32>
  %e2 = llm.add %e1, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %e3 = llm.sqrt %e2 : tensor<4x1xf32>
  %e4 = llm.div %x, %e3 : tensor<4x16xf32>, tensor<4x1xf32> -> tensor<4x16xf32>
  %e5 = llm.mul %e4, %w4 : tensor<4x16xf32>, tensor<4x1xf32> -> tensor<4x16xf32>
  // 2 / sqrt(.)
  %f0 = llm.pow %x, %two : tensor<4x16xf32>, tensor<f32> -> tensor<4x16xf32>
  %f1 = llm.reduce_mean %f0 {axes = array<i64: 1>} : tensor<4x16xf32> -> tensor<4x1xf32>
  %f2 = llm.add %f1, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %f3 = llm.sqrt %f2 : tensor<4x1xf32>
  %f4 = llm.div %two, %f3 : tensor<f32>, tensor<4x1xf32> -> tensor<4x1xf32>
  %f5 = llm.mul %x, %f4 : tensor<4x16xf32>, tensor<4x1xf32> -> tensor<4x16xf32>
  %f6 = llm.mul %f5, %w : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
  return %a5, %b5, %c5, %d5, %e5, %f6 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf16>, tensor<4x16xf32>, tensor<4x16xf32>
}
