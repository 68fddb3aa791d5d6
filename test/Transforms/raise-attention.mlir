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

// -----

// HF GPT-2 `_attn` (torch.onnx export of test/peer/models/gpt2.onnx): the
// scale is `torch.full([], head_dim ** 0.5)`, imported as Add(Pow(16, 0.5), 0)
// (evaluated here without canonicalize); the causal mask is a Where between
// the scores and finfo.min, conditioned on rows [T - S, T) of the tril `bias`
// buffer, and the padding mask (1 - mask) * finfo.min is added afterwards.
// The Where becomes the additive term where(cond, 0, finfo.min) of the mask;
// k and v stay the concats of past and new keys/values.
// CHECK-LABEL: func.func @gpt2
// CHECK-DAG: %[[ZERO:.*]] = llm.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[MIN:.*]] = llm.constant dense<-3.40282347E+38> : tensor<f32>
// CHECK-DAG: %[[K:.*]] = llm.concat %arg1, %arg2 {axis = 2 : i64}
// CHECK-DAG: %[[V:.*]] = llm.concat %arg3, %arg4 {axis = 2 : i64}
// CHECK-DAG: %[[PAD:.*]] = llm.mul {{.*}} -> tensor<1x1x1x8xf32>
// CHECK-DAG: %[[C:.*]] = llm.slice {{.*}} -> tensor<1x1x5x8xi1>
// CHECK: %[[W:.*]] = llm.where %[[C]], %[[ZERO]], %[[MIN]] : tensor<1x1x5x8xi1>, tensor<f32>, tensor<f32> -> tensor<1x1x5x8xf32>
// CHECK: %[[M:.*]] = llm.add %[[W]], %[[PAD]] : tensor<1x1x5x8xf32>, tensor<1x1x1x8xf32> -> tensor<1x1x5x8xf32>
// CHECK: %[[Y:.*]] = llm.attention %arg0, %[[K]], %[[V]], %[[M]] {scale = 2.500000e-01 : f32} : (tensor<1x4x5x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x1x5x8xf32>) -> tensor<1x4x5x16xf32>
// CHECK-NEXT: return %[[Y]], %[[K]], %[[V]]
func.func @gpt2(%q: tensor<1x4x5x16xf32>, %past_k: tensor<1x4x3x16xf32>, %k_new: tensor<1x4x5x16xf32>,
                %past_v: tensor<1x4x3x16xf32>, %v_new: tensor<1x4x5x16xf32>, %attention_mask: tensor<1x8xi64>)
    -> (tensor<1x4x5x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) {
  %bias = llm.constant dense<[[[[true, false, false, false, false, false, false, false],
                                 [true, true, false, false, false, false, false, false],
                                 [true, true, true, false, false, false, false, false],
                                 [true, true, true, true, false, false, false, false],
                                 [true, true, true, true, true, false, false, false],
                                 [true, true, true, true, true, true, false, false],
                                 [true, true, true, true, true, true, true, false],
                                 [true, true, true, true, true, true, true, true]]]]> : tensor<1x1x8x8xi1>
  %min = llm.constant dense<-3.40282347E+38> : tensor<f32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %zero = llm.constant dense<0.0> : tensor<f32>
  %half = llm.constant dense<0.5> : tensor<f32>
  %d = llm.constant dense<16.0> : tensor<f32>
  %m0 = llm.reshape %attention_mask : tensor<1x8xi64> -> tensor<1x1x1x8xi64>
  %m1 = llm.cast %m0 : tensor<1x1x1x8xi64> to tensor<1x1x1x8xf32>
  %m2 = llm.sub %one, %m1 : tensor<f32>, tensor<1x1x1x8xf32> -> tensor<1x1x1x8xf32>
  %pad = llm.mul %m2, %min : tensor<1x1x1x8xf32>, tensor<f32> -> tensor<1x1x1x8xf32>
  %k = llm.concat %past_k, %k_new {axis = 2 : i64} : (tensor<1x4x3x16xf32>, tensor<1x4x5x16xf32>) -> tensor<1x4x8x16xf32>
  %v = llm.concat %past_v, %v_new {axis = 2 : i64} : (tensor<1x4x3x16xf32>, tensor<1x4x5x16xf32>) -> tensor<1x4x8x16xf32>
  %kt = llm.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x8x16xf32> -> tensor<1x4x16x8xf32>
  %s0 = llm.matmul %q, %kt : tensor<1x4x5x16xf32>, tensor<1x4x16x8xf32> -> tensor<1x4x5x8xf32>
  %p = llm.pow %d, %half : tensor<f32>, tensor<f32> -> tensor<f32>
  %c = llm.add %p, %zero : tensor<f32>, tensor<f32> -> tensor<f32>
  %s1 = llm.div %s0, %c : tensor<1x4x5x8xf32>, tensor<f32> -> tensor<1x4x5x8xf32>
  %b0 = llm.slice %bias {starts = array<i64: 0, 0, 3, 0>, ends = array<i64: 1, 1, 8, 8>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x1x8x8xi1> -> tensor<1x1x5x8xi1>
  %b1 = llm.slice %b0 {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 1, 5, 8>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x1x5x8xi1> -> tensor<1x1x5x8xi1>
  %s2 = llm.where %b1, %s1, %min : tensor<1x1x5x8xi1>, tensor<1x4x5x8xf32>, tensor<f32> -> tensor<1x4x5x8xf32>
  %s3 = llm.add %s2, %pad : tensor<1x4x5x8xf32>, tensor<1x1x1x8xf32> -> tensor<1x4x5x8xf32>
  %sm = llm.softmax %s3 {axis = 3 : i64} : tensor<1x4x5x8xf32>
  %y = llm.matmul %sm, %v : tensor<1x4x5x8xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x5x16xf32>
  return %y, %k, %v : tensor<1x4x5x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
}

// -----

// The masked_fill form Where(cond, -inf, s) with no padding mask (f16), and
// a Where outside the additive mask: Where(cond, s + mask, finfo.min)
// becomes the mask where(cond, mask, finfo.min).
// CHECK-LABEL: func.func @masked_fill_forms
// CHECK-DAG: %[[NINF:.*]] = llm.constant dense<0xFC00> : tensor<f16>
// CHECK-DAG: %[[ZERO:.*]] = llm.constant dense<0.000000e+00> : tensor<f16>
// CHECK-DAG: %[[MIN:.*]] = llm.constant dense<-3.40282347E+38> : tensor<f32>
// CHECK: %[[W0:.*]] = llm.where %arg3, %[[NINF]], %[[ZERO]] : tensor<4x4xi1>, tensor<f16>, tensor<f16> -> tensor<4x4xf16>
// CHECK: %[[Y0:.*]] = llm.attention %arg0, %arg1, %arg2, %[[W0]] {scale = 1.250000e-01 : f32}
// CHECK: %[[W1:.*]] = llm.where %arg7, %arg8, %[[MIN]] : tensor<1x1x4x4xi1>, tensor<1x1x1x4xf32>, tensor<f32> -> tensor<1x1x4x4xf32>
// CHECK: %[[Y1:.*]] = llm.attention %arg4, %arg5, %arg6, %[[W1]] {scale = 1.000000e+00 : f32}
// CHECK-NEXT: return %[[Y0]], %[[Y1]]
func.func @masked_fill_forms(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf16>, %hide: tensor<4x4xi1>,
                             %q2: tensor<1x2x4x8xf32>, %k2: tensor<1x2x4x8xf32>, %v2: tensor<1x2x4x8xf32>,
                             %keep: tensor<1x1x4x4xi1>, %pad: tensor<1x1x1x4xf32>)
    -> (tensor<1x2x4x8xf16>, tensor<1x2x4x8xf32>) {
  %ninf = llm.constant dense<0xFC00> : tensor<f16>
  %eighth = llm.constant dense<0.125> : tensor<f16>
  %kt = llm.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf16> -> tensor<1x2x8x4xf16>
  %s0 = llm.matmul %q, %kt : tensor<1x2x4x8xf16>, tensor<1x2x8x4xf16> -> tensor<1x2x4x4xf16>
  %s1 = llm.mul %s0, %eighth : tensor<1x2x4x4xf16>, tensor<f16> -> tensor<1x2x4x4xf16>
  %s2 = llm.where %hide, %ninf, %s1 : tensor<4x4xi1>, tensor<f16>, tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %p0 = llm.softmax %s2 {axis = -1 : i64} : tensor<1x2x4x4xf16>
  %y0 = llm.matmul %p0, %v : tensor<1x2x4x4xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>

  %min = llm.constant dense<-3.40282347E+38> : tensor<f32>
  %kt2 = llm.transpose %k2 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %t0 = llm.matmul %q2, %kt2 : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %t1 = llm.add %pad, %t0 : tensor<1x1x1x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %t2 = llm.where %keep, %t1, %min : tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32> -> tensor<1x2x4x4xf32>
  %p1 = llm.softmax %t2 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %y1 = llm.matmul %p1, %v2 : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %y0, %y1 : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf32>
}

// -----

// Where near misses, none raised (the scores would not be exactly
// scale * q.k + mask): a fill that does not absorb the scores (-1e4, old
// GPT-2's masked_bias); a fill that is not a constant; a condition that
// grows the scores (batch 2 against batch 1); two additive masks around the
// Where ((s + m1) + m2 is not s + (m1 + m2) in floating point).
// CHECK-LABEL: func.func @where_near_misses
// CHECK-NOT: llm.attention
// CHECK: return
func.func @where_near_misses(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>,
                             %c: tensor<1x1x4x4xi1>, %fill: tensor<f32>, %c2: tensor<2x1x4x4xi1>,
                             %m1: tensor<1x1x1x4xf32>, %m2: tensor<1x1x4x4xf32>)
    -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %small = llm.constant dense<-1.0e+04> : tensor<f32>
  %min = llm.constant dense<-3.40282347E+38> : tensor<f32>
  %kt = llm.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %sc = llm.matmul %q, %kt : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>

  %w0 = llm.where %c, %sc, %small : tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32> -> tensor<1x2x4x4xf32>
  %p0 = llm.softmax %w0 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %y0 = llm.matmul %p0, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>

  %w1 = llm.where %c, %sc, %fill : tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32> -> tensor<1x2x4x4xf32>
  %p1 = llm.softmax %w1 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %y1 = llm.matmul %p1, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>

  %w2 = llm.where %c2, %sc, %min : tensor<2x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32> -> tensor<2x2x4x4xf32>
  %p2 = llm.softmax %w2 {axis = 3 : i64} : tensor<2x2x4x4xf32>
  %y2 = llm.matmul %p2, %v : tensor<2x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<2x2x4x8xf32>

  %w3 = llm.where %c, %sc, %min : tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32> -> tensor<1x2x4x4xf32>
  %a3 = llm.add %w3, %m1 : tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32> -> tensor<1x2x4x4xf32>
  %b3 = llm.add %a3, %m2 : tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x2x4x4xf32>
  %p3 = llm.softmax %b3 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %y3 = llm.matmul %p3, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %y0, %y1, %y2, %y3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>
}
