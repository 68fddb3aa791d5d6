// RUN: llmc-opt %s -split-input-file -llm-raise-attention -canonicalize | FileCheck %s

// HF eager attention of the torch.onnx export (tiny Llama, after import +
// canonicalize + cse): repeat_kv of k and v (Reshape -> Expand -> Reshape,
// 2 KV heads to 4), q @ k^T, Div by sqrt(8), Add of the 4-D mask, Softmax,
// @ v. repeat_kv folds into GQA: k/v keep their 2 heads.
// CHECK-LABEL: func.func @torch_llama
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x5x8xf32>, %[[K:.*]]: tensor<1x2x8x8xf32>, %[[V:.*]]: tensor<1x2x8x8xf32>, %[[M:.*]]: tensor<1x1x5x8xf32>)
// CHECK-NEXT: %[[Y:.*]] = llm.attention %[[Q]], %[[K]], %[[V]], %[[M]] {scale = 0.353553385 : f32} : (tensor<1x4x5x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x1x5x8xf32>) -> tensor<1x4x5x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @torch_llama(%q: tensor<1x4x5x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>, %mask: tensor<1x1x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %sqrt_d = llm.constant dense<2.82842708> : tensor<f32>
  %0 = llm.reshape %k : tensor<1x2x8x8xf32> -> tensor<1x2x1x8x8xf32>
  %1 = llm.expand %0 : tensor<1x2x1x8x8xf32> -> tensor<1x2x2x8x8xf32>
  %2 = llm.reshape %1 : tensor<1x2x2x8x8xf32> -> tensor<1x4x8x8xf32>
  %3 = llm.reshape %v : tensor<1x2x8x8xf32> -> tensor<1x2x1x8x8xf32>
  %4 = llm.expand %3 : tensor<1x2x1x8x8xf32> -> tensor<1x2x2x8x8xf32>
  %5 = llm.reshape %4 : tensor<1x2x2x8x8xf32> -> tensor<1x4x8x8xf32>
  %6 = llm.transpose %2 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  %7 = llm.matmul %q, %6 : tensor<1x4x5x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x5x8xf32>
  %8 = llm.div %7, %sqrt_d : tensor<1x4x5x8xf32>, tensor<f32> -> tensor<1x4x5x8xf32>
  %9 = llm.add %8, %mask : tensor<1x4x5x8xf32>, tensor<1x1x5x8xf32> -> tensor<1x4x5x8xf32>
  %10 = llm.softmax %9 {axis = 3 : i64} : tensor<1x4x5x8xf32>
  %11 = llm.matmul %10, %5 : tensor<1x4x5x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x5x8xf32>
  return %11 : tensor<1x4x5x8xf32>
}

// -----

// Scale on q (Mul, constant first) and on the scores (Mul), no mask, mask
// operand order swapped in a second copy, f16 with HF's f32 softmax casts.
// CHECK-LABEL: func.func @scaled_q_f16
// CHECK-NEXT: %[[Y:.*]] = llm.attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32} : (tensor<2x2x3x4xf16>, tensor<2x2x3x4xf16>, tensor<2x2x3x4xf16>) -> tensor<2x2x3x4xf16>
// CHECK-NEXT: return %[[Y]]
func.func @scaled_q_f16(%q: tensor<2x2x3x4xf16>, %k: tensor<2x2x3x4xf16>, %v: tensor<2x2x3x4xf16>) -> tensor<2x2x3x4xf16> {
  %half = llm.constant dense<0.5> : tensor<1xf16>
  %quarter = llm.constant dense<0.25> : tensor<f16>
  %0 = llm.mul %half, %q : tensor<1xf16>, tensor<2x2x3x4xf16> -> tensor<2x2x3x4xf16>
  %1 = llm.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<2x2x3x4xf16> -> tensor<2x2x4x3xf16>
  %2 = llm.matmul %0, %1 : tensor<2x2x3x4xf16>, tensor<2x2x4x3xf16> -> tensor<2x2x3x3xf16>
  %3 = llm.mul %2, %quarter : tensor<2x2x3x3xf16>, tensor<f16> -> tensor<2x2x3x3xf16>
  %4 = llm.cast %3 : tensor<2x2x3x3xf16> to tensor<2x2x3x3xf32>
  %5 = llm.softmax %4 {axis = -1 : i64} : tensor<2x2x3x3xf32>
  %6 = llm.cast %5 : tensor<2x2x3x3xf32> to tensor<2x2x3x3xf16>
  %7 = llm.matmul %6, %v : tensor<2x2x3x3xf16>, tensor<2x2x3x4xf16> -> tensor<2x2x3x4xf16>
  return %7 : tensor<2x2x3x4xf16>
}

// -----

// The genai-builder form: k transposed from [B, T, H, D] with perm (0, 2, 3, 1).
// CHECK-LABEL: func.func @bthd_key
// CHECK: %[[K:.*]] = llm.transpose %arg1 {perm = array<i64: 0, 2, 1, 3>} : tensor<1x5x2x8xf32> -> tensor<1x2x5x8xf32>
// CHECK-NEXT: llm.attention %arg0, %[[K]], %arg2, %arg3 {scale = 5.000000e-01 : f32}
func.func @bthd_key(%q: tensor<1x2x5x8xf32>, %k4: tensor<1x5x2x8xf32>, %v: tensor<1x2x5x8xf32>, %mask: tensor<5x5xf32>) -> tensor<1x2x5x8xf32> {
  %c = llm.constant dense<0.5> : tensor<f32>
  %0 = llm.transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x5x2x8xf32> -> tensor<1x2x8x5xf32>
  %1 = llm.matmul %q, %0 : tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32> -> tensor<1x2x5x5xf32>
  %2 = llm.mul %c, %1 : tensor<f32>, tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>
  %3 = llm.add %mask, %2 : tensor<5x5xf32>, tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>
  %4 = llm.softmax %3 {axis = 3 : i64} : tensor<1x2x5x5xf32>
  %5 = llm.matmul %4, %v : tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %5 : tensor<1x2x5x8xf32>
}

// -----

// Near misses, none raised: softmax over the query axis; k not transposed
// (perm swaps heads and sequence); a mask that grows the scores (batch 2
// against batch 1); a non-constant scale; q and k batch broadcast in the
// matmul.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.attention
// CHECK: return
func.func @near_misses(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>,
                       %big: tensor<2x1x4x4xf32>, %s: tensor<f32>,
                       %qb: tensor<3x2x4x8xf32>)
    -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<3x2x4x8xf32>) {
  %kt = llm.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %sc = llm.matmul %q, %kt : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %p0 = llm.softmax %sc {axis = 2 : i64} : tensor<1x2x4x4xf32>
  %y0 = llm.matmul %p0, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>

  %kx = llm.transpose %k {perm = array<i64: 0, 2, 1, 3>} : tensor<1x2x4x8xf32> -> tensor<1x4x2x8xf32>
  %kr = llm.reshape %kx : tensor<1x4x2x8xf32> -> tensor<1x2x8x4xf32>
  %sc1 = llm.matmul %q, %kr : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %p1 = llm.softmax %sc1 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %y1 = llm.matmul %p1, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>

  %sc2 = llm.add %sc, %big : tensor<1x2x4x4xf32>, tensor<2x1x4x4xf32> -> tensor<2x2x4x4xf32>
  %p2 = llm.softmax %sc2 {axis = 3 : i64} : tensor<2x2x4x4xf32>
  %y2 = llm.matmul %p2, %v : tensor<2x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<2x2x4x8xf32>

  %sc3 = llm.div %sc, %s : tensor<1x2x4x4xf32>, tensor<f32> -> tensor<1x2x4x4xf32>
  %p3 = llm.softmax %sc3 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %y3 = llm.matmul %p3, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>

  %sc5 = llm.matmul %qb, %kt : tensor<3x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<3x2x4x4xf32>
  %p5 = llm.softmax %sc5 {axis = 3 : i64} : tensor<3x2x4x4xf32>
  %y5 = llm.matmul %p5, %v : tensor<3x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<3x2x4x8xf32>
  return %y0, %y1, %y2, %y3, %y5 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<3x2x4x8xf32>
}
