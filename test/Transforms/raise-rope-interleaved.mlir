// RUN: llmc-opt %s -split-input-file -llm-raise-rope -canonicalize | FileCheck %s

// torch.onnx export (opset 14) of GPT-J's rotate_every_two:
//   x1 = x[..., ::2]; x2 = x[..., 1::2]
//   rot = torch.stack((-x2, x1), dim=-1).flatten(-2)
//   y = x * cos + rot * sin
// with the cos/sin cache gathered by position and duplicated per pair
// (stack((t, t), -1).flatten(-2)[:, None]); the table ops stay.
// CHECK-LABEL: func.func @gptj_rotate_every_two
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x5x8xf32>
// CHECK: %[[SIN:.*]] = llm.reshape %{{.*}} : tensor<1x5x4x2xf32> -> tensor<1x1x5x8xf32>
// CHECK: %[[COS:.*]] = llm.reshape %{{.*}} : tensor<1x5x4x2xf32> -> tensor<1x1x5x8xf32>
// CHECK-NEXT: %[[Y:.*]] = llm.rope %[[X]], %[[COS]], %[[SIN]] {interleaved = true} : tensor<1x2x5x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gptj_rotate_every_two(%arg0: tensor<1x2x5x8xf32>, %arg1: tensor<1x5xi64>, %table: tensor<32x8xf32>) -> tensor<1x2x5x8xf32> {
  %1 = llm.gather %table[%arg1] {axis = 0 : i64} : tensor<32x8xf32>, tensor<1x5xi64> -> tensor<1x5x8xf32>
  %2:2 = llm.split %1 {axis = 2 : i64, sizes = array<i64: 4, 4>} : tensor<1x5x8xf32> -> tensor<1x5x4xf32>, tensor<1x5x4xf32>
  %3 = llm.reshape %2#0 : tensor<1x5x4xf32> -> tensor<1x5x4x1xf32>
  %4 = llm.concat %3, %3 {axis = 3 : i64} : (tensor<1x5x4x1xf32>, tensor<1x5x4x1xf32>) -> tensor<1x5x4x2xf32>
  %5 = llm.reshape %4 : tensor<1x5x4x2xf32> -> tensor<1x1x5x8xf32>
  %6 = llm.reshape %2#1 : tensor<1x5x4xf32> -> tensor<1x5x4x1xf32>
  %7 = llm.concat %6, %6 {axis = 3 : i64} : (tensor<1x5x4x1xf32>, tensor<1x5x4x1xf32>) -> tensor<1x5x4x2xf32>
  %8 = llm.reshape %7 : tensor<1x5x4x2xf32> -> tensor<1x1x5x8xf32>
  %9 = llm.mul %arg0, %8 : tensor<1x2x5x8xf32>, tensor<1x1x5x8xf32> -> tensor<1x2x5x8xf32>
  %10 = llm.slice %arg0 {ends = array<i64: 1, 2, 5, 8>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 2>} : tensor<1x2x5x8xf32> -> tensor<1x2x5x4xf32>
  %11 = llm.slice %arg0 {ends = array<i64: 1, 2, 5, 8>, starts = array<i64: 0, 0, 0, 1>, steps = array<i64: 1, 1, 1, 2>} : tensor<1x2x5x8xf32> -> tensor<1x2x5x4xf32>
  %12 = llm.neg %11 : tensor<1x2x5x4xf32>
  %13 = llm.reshape %12 : tensor<1x2x5x4xf32> -> tensor<1x2x5x4x1xf32>
  %14 = llm.reshape %10 : tensor<1x2x5x4xf32> -> tensor<1x2x5x4x1xf32>
  %15 = llm.concat %13, %14 {axis = 4 : i64} : (tensor<1x2x5x4x1xf32>, tensor<1x2x5x4x1xf32>) -> tensor<1x2x5x4x2xf32>
  %16 = llm.reshape %15 : tensor<1x2x5x4x2xf32> -> tensor<1x2x5x8xf32>
  %17 = llm.mul %16, %5 : tensor<1x2x5x8xf32>, tensor<1x1x5x8xf32> -> tensor<1x2x5x8xf32>
  %18 = llm.add %9, %17 : tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %18 : tensor<1x2x5x8xf32>
}

// -----

// The pairs form `xr = x.reshape(..., d/2, 2); x1 = xr[..., 0]; x2 =
// xr[..., 1]` (Gathers of scalar indices 0 and 1 on the last axis; torch
// exports x[..., 1] with index 1, x[..., -1] would be -1), with [S, d]
// tables and the operands of the Add/Muls swapped.
// CHECK-LABEL: func.func @pairs_gather
// CHECK-NEXT: %[[Y:.*]] = llm.rope %arg0, %arg1, %arg2 {interleaved = true} : tensor<1x2x5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @pairs_gather(%arg0: tensor<1x2x5x8xf32>, %arg1: tensor<5x8xf32>, %arg2: tensor<5x8xf32>) -> tensor<1x2x5x8xf32> {
  %0 = llm.constant dense<0> : tensor<i64>
  %1 = llm.constant dense<-1> : tensor<i64>
  %2 = llm.reshape %arg0 : tensor<1x2x5x8xf32> -> tensor<1x2x5x4x2xf32>
  %3 = llm.gather %2[%0] {axis = 4 : i64} : tensor<1x2x5x4x2xf32>, tensor<i64> -> tensor<1x2x5x4xf32>
  %4 = llm.gather %2[%1] {axis = 4 : i64} : tensor<1x2x5x4x2xf32>, tensor<i64> -> tensor<1x2x5x4xf32>
  %5 = llm.neg %4 : tensor<1x2x5x4xf32>
  %6 = llm.reshape %5 : tensor<1x2x5x4xf32> -> tensor<1x2x5x4x1xf32>
  %7 = llm.reshape %3 : tensor<1x2x5x4xf32> -> tensor<1x2x5x4x1xf32>
  %8 = llm.concat %6, %7 {axis = 4 : i64} : (tensor<1x2x5x4x1xf32>, tensor<1x2x5x4x1xf32>) -> tensor<1x2x5x4x2xf32>
  %9 = llm.reshape %8 : tensor<1x2x5x4x2xf32> -> tensor<1x2x5x8xf32>
  %10 = llm.mul %arg1, %arg0 : tensor<5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  %11 = llm.mul %arg2, %9 : tensor<5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  %12 = llm.add %11, %10 : tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %12 : tensor<1x2x5x8xf32>
}

// -----

// Slices that keep the pair dim (xr[..., 0:1], xr[..., 1:2]) and the
// negation after the concat input was formed: no unsqueeze needed.
// CHECK-LABEL: func.func @pairs_slice
// CHECK-NEXT: %[[Y:.*]] = llm.rope %arg0, %arg1, %arg2 {interleaved = true} : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @pairs_slice(%x: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %xr = llm.reshape %x : tensor<3x8xf32> -> tensor<3x4x2xf32>
  %e = llm.slice %xr {ends = array<i64: 3, 4, 1>, starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<3x4x2xf32> -> tensor<3x4x1xf32>
  %o = llm.slice %xr {ends = array<i64: 3, 4, 2>, starts = array<i64: 0, 0, 1>, steps = array<i64: 1, 1, 1>} : tensor<3x4x2xf32> -> tensor<3x4x1xf32>
  %n = llm.neg %o : tensor<3x4x1xf32>
  %c = llm.concat %n, %e {axis = -1 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<3x4x2xf32>
  %rot = llm.reshape %c : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %a = llm.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %b = llm.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y = llm.add %a, %b : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Near misses, none raised: the pairs the other way (stack(x2, -x1), i.e.
// rotating by -90 degrees); evens and odds swapped (stack(-x1, x2)); odds
// of another tensor; step-2 slices starting at 2; a concat along the
// sequence instead of the pair dim; a [3, 1] sin table.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.rope
// CHECK: return
func.func @near_misses(%x: tensor<3x8xf32>, %z: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>, %s1: tensor<3x1xf32>)
    -> (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) {
  %ev = llm.slice %x {ends = array<i64: 3, 8>, starts = array<i64: 0, 0>, steps = array<i64: 1, 2>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %od = llm.slice %x {ends = array<i64: 3, 8>, starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %xc = llm.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %ue = llm.reshape %ev : tensor<3x4xf32> -> tensor<3x4x1xf32>
  %uo = llm.reshape %od : tensor<3x4xf32> -> tensor<3x4x1xf32>
  // stack(x2, -x1)
  %ne = llm.neg %ue : tensor<3x4x1xf32>
  %c1 = llm.concat %uo, %ne {axis = 2 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<3x4x2xf32>
  %r1 = llm.reshape %c1 : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %m1 = llm.mul %r1, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y1 = llm.add %xc, %m1 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // stack(-x1, x2)
  %c2 = llm.concat %ne, %uo {axis = 2 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<3x4x2xf32>
  %r2 = llm.reshape %c2 : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %m2 = llm.mul %r2, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y2 = llm.add %xc, %m2 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // odds of z
  %oz = llm.slice %z {ends = array<i64: 3, 8>, starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<3x8xf32> -> tensor<3x4xf32>
  %uz = llm.reshape %oz : tensor<3x4xf32> -> tensor<3x4x1xf32>
  %nz = llm.neg %uz : tensor<3x4x1xf32>
  %c3 = llm.concat %nz, %ue {axis = 2 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<3x4x2xf32>
  %r3 = llm.reshape %c3 : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %m3 = llm.mul %r3, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y3 = llm.add %xc, %m3 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // x[..., 2::2] (3 elements) padded: start 2 is not a pair element
  %s2 = llm.slice %x {ends = array<i64: 3, 8>, starts = array<i64: 0, 2>, steps = array<i64: 1, 2>} : tensor<3x8xf32> -> tensor<3x3xf32>
  %od3 = llm.slice %x {ends = array<i64: 3, 7>, starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<3x8xf32> -> tensor<3x3xf32>
  %no3 = llm.neg %od3 : tensor<3x3xf32>
  %a4 = llm.reshape %no3 : tensor<3x3xf32> -> tensor<3x3x1xf32>
  %b4 = llm.reshape %s2 : tensor<3x3xf32> -> tensor<3x3x1xf32>
  %c4 = llm.concat %a4, %b4 {axis = 2 : i64} : (tensor<3x3x1xf32>, tensor<3x3x1xf32>) -> tensor<3x3x2xf32>
  %r4a = llm.reshape %c4 : tensor<3x3x2xf32> -> tensor<3x6xf32>
  %r4 = llm.concat %r4a, %ev {axis = 1 : i64} : (tensor<3x6xf32>, tensor<3x4xf32>) -> tensor<3x10xf32>
  %r4s = llm.slice %r4 {ends = array<i64: 3, 8>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<3x10xf32> -> tensor<3x8xf32>
  %m4 = llm.mul %r4s, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y4 = llm.add %xc, %m4 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // concat along dim 0 of [3, 4, 1] pieces: [6, 4, 1] reshaped to [3, 8]
  %no = llm.neg %uo : tensor<3x4x1xf32>
  %c5 = llm.concat %no, %ue {axis = 0 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<6x4x1xf32>
  %r5 = llm.reshape %c5 : tensor<6x4x1xf32> -> tensor<3x8xf32>
  %m5 = llm.mul %r5, %sin : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  %y5 = llm.add %xc, %m5 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  // sin of shape [3, 1]
  %c6 = llm.concat %no, %ue {axis = 2 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<3x4x2xf32>
  %r6 = llm.reshape %c6 : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %m6 = llm.mul %r6, %s1 : tensor<3x8xf32>, tensor<3x1xf32> -> tensor<3x8xf32>
  %y6 = llm.add %xc, %m6 : tensor<3x8xf32>, tensor<3x8xf32> -> tensor<3x8xf32>
  return %y1, %y2, %y3, %y4, %y5, %y6 : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>
}
