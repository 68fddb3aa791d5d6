// Numerics of llm.kv_append + llm.paged_attention lowered by
// llm-lower-to-linalg (scf loops over tokens/heads, head_dim vectors).
// Cache [4 blocks, 1 layer, 2, page 2, 1 kv head, head_dim 2]. One sequence
// whose block table is [2, 0]: positions 0, 1 go to block 2 (slots 4, 5),
// position 2 to block 0 (slot 0); a padding token (slot -1) writes nothing.
// Two query heads share the KV head (GQA). Expected values from numpy:
//   s = 0.5 * q[p] @ k[:p+1].T; w = exp(s - s.max()); (w / w.sum()) @ v[:p+1]
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),convert-vector-to-scf,expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-vector-to-llvm,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @append(%c: tensor<4x1x2x2x1x2xf32>, %k: tensor<1x1x4x2xf32>, %v: tensor<1x1x4x2xf32>, %s: tensor<4xi64>) -> tensor<4x1x2x2x1x2xf32> attributes {llm.kernel} {
  %0 = llm.kv_append %c, %k, %v, %s {layer = 0 : i64} : tensor<4x1x2x2x1x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<4xi64>
  return %0 : tensor<4x1x2x2x1x2xf32>
}
func.func private @attend(%q: tensor<1x2x3x2xf32>, %c: tensor<4x1x2x2x1x2xf32>, %p: tensor<1x3xi64>, %ts: tensor<3xi64>, %bt: tensor<1x2xi64>) -> tensor<1x2x3x2xf32> attributes {llm.kernel} {
  %0 = llm.paged_attention %q, %c, %p, %ts, %bt {layer = 0 : i64, scale = 5.000000e-01 : f32} : (tensor<1x2x3x2xf32>, tensor<4x1x2x2x1x2xf32>, tensor<1x3xi64>, tensor<3xi64>, tensor<1x2xi64>) -> tensor<1x2x3x2xf32>
  return %0 : tensor<1x2x3x2xf32>
}
func.func private @append_f16(%c: tensor<4x1x2x2x1x2xf16>, %k: tensor<1x1x4x2xf32>, %v: tensor<1x1x4x2xf32>, %s: tensor<4xi64>) -> tensor<4x1x2x2x1x2xf16> attributes {llm.kernel} {
  %0 = llm.kv_append %c, %k, %v, %s {layer = 0 : i64} : tensor<4x1x2x2x1x2xf16>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<4xi64>
  return %0 : tensor<4x1x2x2x1x2xf16>
}
func.func private @attend_f16(%q: tensor<1x2x3x2xf32>, %c: tensor<4x1x2x2x1x2xf16>, %p: tensor<1x3xi64>, %ts: tensor<3xi64>, %bt: tensor<1x2xi64>) -> tensor<1x2x3x2xf32> attributes {llm.kernel} {
  %0 = llm.paged_attention %q, %c, %p, %ts, %bt {layer = 0 : i64, scale = 5.000000e-01 : f32} : (tensor<1x2x3x2xf32>, tensor<4x1x2x2x1x2xf16>, tensor<1x3xi64>, tensor<3xi64>, tensor<1x2xi64>) -> tensor<1x2x3x2xf32>
  return %0 : tensor<1x2x3x2xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  // Token 2 is padding (slot -1) and carries garbage that must not land.
  %k = arith.constant dense<[[[[1.0, 2.0], [0.5, -1.0], [99.0, 99.0], [2.0, 0.0]]]]> : tensor<1x1x4x2xf32>
  %v = arith.constant dense<[[[[1.0, 10.0], [2.0, 20.0], [99.0, 99.0], [3.0, 30.0]]]]> : tensor<1x1x4x2xf32>
  %slots = arith.constant dense<[4, 5, -1, 0]> : tensor<4xi64>
  %c0 = arith.constant dense<0.0> : tensor<4x1x2x2x1x2xf32>
  %c1 = call @append(%c0, %k, %v, %slots) : (tensor<4x1x2x2x1x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<4xi64>) -> tensor<4x1x2x2x1x2xf32>
  %q = arith.constant dense<[[[[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]], [[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]]]]> : tensor<1x2x3x2xf32>
  %pos = arith.constant dense<[[0, 1, 2]]> : tensor<1x3xi64>
  %seq = arith.constant dense<[0, 0, 0]> : tensor<3xi64>
  %tables = arith.constant dense<[[2, 0]]> : tensor<1x2xi64>
  %y = call @attend(%q, %c1, %pos, %seq, %tables) : (tensor<1x2x3x2xf32>, tensor<4x1x2x2x1x2xf32>, tensor<1x3xi64>, tensor<3xi64>, tensor<1x2xi64>) -> tensor<1x2x3x2xf32>
  %u1 = tensor.cast %y : tensor<1x2x3x2xf32> to tensor<*xf32>
  call @print(%u1) : (tensor<*xf32>) -> ()
  %h0 = arith.constant dense<0.0> : tensor<4x1x2x2x1x2xf16>
  %h1 = call @append_f16(%h0, %k, %v, %slots) : (tensor<4x1x2x2x1x2xf16>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<4xi64>) -> tensor<4x1x2x2x1x2xf16>
  %yh = call @attend_f16(%q, %h1, %pos, %seq, %tables) : (tensor<1x2x3x2xf32>, tensor<4x1x2x2x1x2xf16>, tensor<1x3xi64>, tensor<3xi64>, tensor<1x2xi64>) -> tensor<1x2x3x2xf32>
  %u2 = tensor.cast %yh : tensor<1x2x3x2xf32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  %u0 = tensor.cast %c1 : tensor<4x1x2x2x1x2xf32> to tensor<*xf32>
  call @print(%u0) : (tensor<*xf32>) -> ()
  return
}

// Causal over each token's own context; both query heads read KV head 0.
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[}}1,     10],
// CHECK-NEXT: [1.04209,     10.4209],
// CHECK-NEXT: [1.48539,     14.8539]],
// CHECK-NEXT: {{\[\[}}1,     10],
// CHECK-NEXT: [1.04209,     10.4209],
// CHECK-NEXT: [1.48539,     14.8539]]]]
// An f16 cache holds these values exactly.
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[}}1,     10],
// CHECK-NEXT: [1.04209,     10.4209],
// CHECK-NEXT: [1.48539,     14.8539]],
// Block 0 holds position 2 at offset 0; block 2 positions 0 and 1; blocks 1
// and 3 stay zero (the padding token wrote nothing).
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[\[\[}}2,     0]],
// CHECK-NEXT: {{\[\[}}0,     0]]],
// CHECK-NEXT: {{\[\[\[}}3,     30]],
// CHECK-NEXT: {{\[\[}}0,     0]]]]],
// CHECK-NEXT: {{\[\[\[\[\[}}0,     0]],
// CHECK-NEXT: {{\[\[}}0,     0]]],
// CHECK-NEXT: {{\[\[\[}}0,     0]],
// CHECK-NEXT: {{\[\[}}0,     0]]]]],
// CHECK-NEXT: {{\[\[\[\[\[}}1,     2]],
// CHECK-NEXT: {{\[\[}}0.5,     -1]]],
// CHECK-NEXT: {{\[\[\[}}1,     10]],
// CHECK-NEXT: {{\[\[}}2,     20]]]]],
