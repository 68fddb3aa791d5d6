// Numerics of softmax, layer_norm, matmul broadcasting, reductions and cumsum.
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @softmax(%a: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) attributes {llm.kernel} {
  %0 = llm.softmax %a {axis = -1 : i64} : tensor<2x3xf32>
  %1 = llm.log_softmax %a {axis = 0 : i64} : tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}
func.func private @layer_norm(%x: tensor<2x2x3xf32>, %s: tensor<3xf32>, %b: tensor<2x3xf32>) -> (tensor<2x2x3xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) attributes {llm.kernel} {
  %0:3 = llm.layer_norm %x, %s, %b {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x2x3xf32>, tensor<3xf32>, tensor<2x3xf32>) -> (tensor<2x2x3xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x2x3xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
}
func.func private @matmul_bcast(%a: tensor<2x1x2x3xf32>, %b: tensor<2x3x2xf32>) -> tensor<2x2x2x2xf32> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<2x1x2x3xf32>, tensor<2x3x2xf32> -> tensor<2x2x2x2xf32>
  return %0 : tensor<2x2x2x2xf32>
}
func.func private @matmul_vec(%a: tensor<3xf32>, %b: tensor<2x3x2xf32>) -> tensor<2x2xf32> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<3xf32>, tensor<2x3x2xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
func.func private @matmul_f16(%a: tensor<2x3xf16>, %b: tensor<3xf16>) -> tensor<2xf32> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<2x3xf16>, tensor<3xf16> -> tensor<2xf16>
  %1 = llm.cast %0 : tensor<2xf16> to tensor<2xf32>
  return %1 : tensor<2xf32>
}
func.func private @reduce(%a: tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<3xf32>, tensor<1x1xf32>) attributes {llm.kernel} {
  %0 = llm.reduce_mean %a {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2x1xf32>
  %1 = llm.reduce_sum %a {axes = array<i64: 0>, keepdims = false} : tensor<2x3xf32> -> tensor<3xf32>
  %2 = llm.reduce_max %a {axes = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<1x1xf32>
  return %0, %1, %2 : tensor<2x1xf32>, tensor<3xf32>, tensor<1x1xf32>
}
func.func private @cumsum(%a: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) attributes {llm.kernel} {
  %0 = llm.cumsum %a {axis = 1 : i64} : tensor<2x3xf32>
  %1 = llm.cumsum %a {axis = 1 : i64, exclusive = true} : tensor<2x3xf32>
  %2 = llm.cumsum %a {axis = -1 : i64, exclusive = true, reverse = true} : tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %in0 = arith.constant dense<[[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]> : tensor<2x3xf32>
  %r1:2 = call @softmax(%in0) : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  %u2 = tensor.cast %r1#0 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %r1#1 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u3) : (tensor<*xf32>) -> ()
  %in4 = arith.constant dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 1.0, 1.0], [2.0, 2.0, 8.0]]]> : tensor<2x2x3xf32>
  %in5 = arith.constant dense<[1.0, 2.0, 0.5]> : tensor<3xf32>
  %in6 = arith.constant dense<[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]> : tensor<2x3xf32>
  %r7:3 = call @layer_norm(%in4, %in5, %in6) : (tensor<2x2x3xf32>, tensor<3xf32>, tensor<2x3xf32>) -> (tensor<2x2x3xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  %u8 = tensor.cast %r7#0 : tensor<2x2x3xf32> to tensor<*xf32>
  call @print(%u8) : (tensor<*xf32>) -> ()
  %u9 = tensor.cast %r7#1 : tensor<2x1x1xf32> to tensor<*xf32>
  call @print(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %r7#2 : tensor<2x1x1xf32> to tensor<*xf32>
  call @print(%u10) : (tensor<*xf32>) -> ()
  %in11 = arith.constant dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]], [[[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]]]]> : tensor<2x1x2x3xf32>
  %in12 = arith.constant dense<[[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]]> : tensor<2x3x2xf32>
  %r13 = call @matmul_bcast(%in11, %in12) : (tensor<2x1x2x3xf32>, tensor<2x3x2xf32>) -> (tensor<2x2x2x2xf32>)
  %u14 = tensor.cast %r13 : tensor<2x2x2x2xf32> to tensor<*xf32>
  call @print(%u14) : (tensor<*xf32>) -> ()
  %in15 = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %in16 = arith.constant dense<[[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]]> : tensor<2x3x2xf32>
  %r17 = call @matmul_vec(%in15, %in16) : (tensor<3xf32>, tensor<2x3x2xf32>) -> (tensor<2x2xf32>)
  %u18 = tensor.cast %r17 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u18) : (tensor<*xf32>) -> ()
  %in19 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf16>
  %in20 = arith.constant dense<[0.5, 0.25, 2.0]> : tensor<3xf16>
  %r21 = call @matmul_f16(%in19, %in20) : (tensor<2x3xf16>, tensor<3xf16>) -> (tensor<2xf32>)
  %u22 = tensor.cast %r21 : tensor<2xf32> to tensor<*xf32>
  call @print(%u22) : (tensor<*xf32>) -> ()
  %in23 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, -5.0, 6.5]]> : tensor<2x3xf32>
  %r24:3 = call @reduce(%in23) : (tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<3xf32>, tensor<1x1xf32>)
  %u25 = tensor.cast %r24#0 : tensor<2x1xf32> to tensor<*xf32>
  call @print(%u25) : (tensor<*xf32>) -> ()
  %u26 = tensor.cast %r24#1 : tensor<3xf32> to tensor<*xf32>
  call @print(%u26) : (tensor<*xf32>) -> ()
  %u27 = tensor.cast %r24#2 : tensor<1x1xf32> to tensor<*xf32>
  call @print(%u27) : (tensor<*xf32>) -> ()
  %in28 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %r29:3 = call @cumsum(%in28) : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
  %u30 = tensor.cast %r29#0 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u30) : (tensor<*xf32>) -> ()
  %u31 = tensor.cast %r29#1 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u31) : (tensor<*xf32>) -> ()
  %u32 = tensor.cast %r29#2 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u32) : (tensor<*xf32>) -> ()
  return
}

// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0.0900306, 0.244728, 0.665241],
// CHECK-NEXT: [0.333333, 0.333333, 0.333333]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}-0.693147, -0.313262, -0.126928],
// CHECK-NEXT: [-0.693147, -1.31326, -2.12693]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}-1.46385, -1.75662, -0.146385],
// CHECK-NEXT: [1.29277, 2.75662, 1.73192]],
// CHECK-NEXT: {{\[\[}}-0.6, -1.2, -0.3],
// CHECK-NEXT: [0.8, 0.6, 2.1]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}3.5]],
// CHECK-NEXT: {{\[\[}}2.5]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}0.585539]],
// CHECK-NEXT: {{\[\[}}0.4]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[}}10, 13],
// CHECK-NEXT: [28, 40]],
// CHECK-NEXT: {{\[\[}}28, 31],
// CHECK-NEXT: [100, 112]]],
// CHECK-NEXT: {{\[\[\[}}46, 67],
// CHECK-NEXT: [64, 94]],
// CHECK-NEXT: {{\[\[}}172, 193],
// CHECK-NEXT: [244, 274]]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}16, 22],
// CHECK-NEXT: [52, 58]]
// CHECK: Unranked Memref
// CHECK-NEXT: [7, 15.25]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}2],
// CHECK-NEXT: [1.83333]]
// CHECK: Unranked Memref
// CHECK-NEXT: [5, -3, 9.5]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}6.5]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, 3, 6],
// CHECK-NEXT: [4, 9, 15]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0, 1, 3],
// CHECK-NEXT: [0, 4, 9]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}5, 3, 0],
// CHECK-NEXT: [11, 6, 0]]
