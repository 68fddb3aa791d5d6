// RUN: llmc-opt %s -split-input-file -llm-raise-rope -canonicalize | FileCheck %s

// torch.onnx export of HF apply_rotary_pos_emb after import + canonicalize:
// rotate_half's x[..., :d/2] and x[..., d/2:] are Slices (torch writes
// INT64_MAX ends, the importer clamps them for static dims), the cos/sin
// tables are gathered by position_ids and unsqueezed to [B, 1, S, d].
// CHECK-LABEL: func.func @torch_llama
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x5x8xf32>, %[[C:.*]]: tensor<1x1x5x8xf32>, %[[S:.*]]: tensor<1x1x5x8xf32>)
// CHECK-NEXT: %[[Y:.*]] = llm.rope %[[Q]], %[[C]], %[[S]] : tensor<1x4x5x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @torch_llama(%q: tensor<1x4x5x8xf32>, %cos: tensor<1x1x5x8xf32>, %sin: tensor<1x1x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %0 = llm.mul %q, %cos : tensor<1x4x5x8xf32>, tensor<1x1x5x8xf32> -> tensor<1x4x5x8xf32>
  %1 = llm.slice %q {ends = array<i64: 1, 4, 5, 4>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x5x8xf32> -> tensor<1x4x5x4xf32>
  %2 = llm.slice %q {ends = array<i64: 1, 4, 5, 8>, starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x5x8xf32> -> tensor<1x4x5x4xf32>
  %3 = llm.neg %2 : tensor<1x4x5x4xf32>
  %4 = llm.concat %3, %1 {axis = 3 : i64} : (tensor<1x4x5x4xf32>, tensor<1x4x5x4xf32>) -> tensor<1x4x5x8xf32>
  %5 = llm.mul %4, %sin : tensor<1x4x5x8xf32>, tensor<1x1x5x8xf32> -> tensor<1x4x5x8xf32>
  %6 = llm.add %0, %5 : tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32> -> tensor<1x4x5x8xf32>
  return %6 : tensor<1x4x5x8xf32>
}

// -----

// Split into halves, [S, d] tables, every commutative operand swapped, and
// a slice end beyond the dim (unclamped INT64_MAX).
// CHECK-LABEL: func.func @split_swapped
// CHECK-NEXT: %[[Y:.*]] = llm.rope %arg0, %arg1, %arg2 : tensor<2x6x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
// CHECK-NEXT: %[[Z:.*]] = llm.rope %arg0, %arg1, %arg2 : tensor<2x6x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
// CHECK-NEXT: return %[[Y]], %[[Z]]
func.func @split_swapped(%x: tensor<2x6x2x8xf32>, %cos: tensor<2x8xf32>, %sin: tensor<2x8xf32>) -> (tensor<2x6x2x8xf32>, tensor<2x6x2x8xf32>) {
  %h:2 = llm.split %x {axis = -1 : i64, sizes = array<i64: 4, 4>} : tensor<2x6x2x8xf32> -> tensor<2x6x2x4xf32>, tensor<2x6x2x4xf32>
  %n = llm.neg %h#1 : tensor<2x6x2x4xf32>
  %r = llm.concat %n, %h#0 {axis = -1 : i64} : (tensor<2x6x2x4xf32>, tensor<2x6x2x4xf32>) -> tensor<2x6x2x8xf32>
  %a = llm.mul %cos, %x : tensor<2x8xf32>, tensor<2x6x2x8xf32> -> tensor<2x6x2x8xf32>
  %b = llm.mul %sin, %r : tensor<2x8xf32>, tensor<2x6x2x8xf32> -> tensor<2x6x2x8xf32>
  %y = llm.add %b, %a : tensor<2x6x2x8xf32>, tensor<2x6x2x8xf32> -> tensor<2x6x2x8xf32>
  %s1 = llm.slice %x {ends = array<i64: 2, 6, 2, 4>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x6x2x8xf32> -> tensor<2x6x2x4xf32>
  %s2 = llm.slice %x {ends = array<i64: 2, 6, 2, 9223372036854775807>, starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x6x2x8xf32> -> tensor<2x6x2x4xf32>
  %n2 = llm.neg %s2 : tensor<2x6x2x4xf32>
  %r2 = llm.concat %n2, %s1 {axis = 3 : i64} : (tensor<2x6x2x4xf32>, tensor<2x6x2x4xf32>) -> tensor<2x6x2x8xf32>
  %a2 = llm.mul %x, %cos : tensor<2x6x2x8xf32>, tensor<2x8xf32> -> tensor<2x6x2x8xf32>
  %b2 = llm.mul %r2, %sin : tensor<2x6x2x8xf32>, tensor<2x8xf32> -> tensor<2x6x2x8xf32>
  %z = llm.add %a2, %b2 : tensor<2x6x2x8xf32>, tensor<2x6x2x8xf32> -> tensor<2x6x2x8xf32>
  return %y, %z : tensor<2x6x2x8xf32>, tensor<2x6x2x8xf32>
}

// -----

// Near misses, none raised: halves concatenated as (x1, -x2) (rotation the
// other way), slices of another tensor, quarters instead of halves (partial
// rotary needs a slice of x first), a cos table with a last dim of 1.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.rope
// CHECK: return
func.func @near_misses(%x: tensor<3x8xf32>, %z: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>, %c1: tensor<3x1xf32>)
    -> (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) {
  %x1 = llm.slice %x {ends = array<i64: 3, 4>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %x2 = llm.slice %x {ends = array<i64: 3, 8>, starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %xc = llm.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // (x1, -x2)
  %n1 = llm.neg %x2 : tensor<3x4xf32>
  %r1 = llm.concat %x1, %n1 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
  %m1 = llm.mul %r1, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y1 = llm.add %xc, %m1 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // rotate_half(z) with x * cos
  %z1 = llm.slice %z {ends = array<i64: 3, 4>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %z2 = llm.slice %z {ends = array<i64: 3, 8>, starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %n2 = llm.neg %z2 : tensor<3x4xf32>
  %r2 = llm.concat %n2, %z1 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
  %m2 = llm.mul %r2, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y2 = llm.add %xc, %m2 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // quarters: x[..., 4:6] and x[..., 0:2] (not a rotation of x)
  %q1 = llm.slice %x {ends = array<i64: 3, 2>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<3x8xf32> -> tensor<3x2xf32>
  %q2 = llm.slice %x {ends = array<i64: 3, 6>, starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<3x8xf32> -> tensor<3x2xf32>
  %n3 = llm.neg %q2 : tensor<3x2xf32>
  %r3 = llm.concat %n3, %q1, %q1, %q1 {axis = 1 : i64} : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x8xf32>
  %m3 = llm.mul %r3, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y3 = llm.add %xc, %m3 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // cos of shape [3, 1]
  %n4 = llm.neg %x2 : tensor<3x4xf32>
  %r4 = llm.concat %n4, %x1 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
  %m4 = llm.mul %r4, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %xc1 = llm.mul %x, %c1 : tensor<3x8xf32>, tensor<3x1xf32> -> tensor<3x8xf32>
  %y4 = llm.add %xc1, %m4 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  return %y1, %y2, %y3, %y4 : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>
}
