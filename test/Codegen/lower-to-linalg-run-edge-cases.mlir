// Rank-0 operands and empty (size-0) tensors: nothing may crash, and reductions over nothing give their identity.
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @rank0(%a: tensor<f32>, %b: tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<1x1xf32>) attributes {llm.kernel} {
  %0 = llm.add %a, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  %1 = llm.softmax %a {axis = 0 : i64} : tensor<f32>
  %2 = llm.cumsum %a {axis = 0 : i64} : tensor<f32>
  %3 = llm.cumsum %a {axis = 0 : i64, exclusive = true} : tensor<f32>
  %4 = llm.reshape %b : tensor<f32> -> tensor<1x1xf32>
  return %0, %1, %2, %3, %4 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<1x1xf32>
}
func.func private @empty(%a: tensor<2x0xf32>, %b: tensor<0x3xf32>, %i: tensor<0xi64>, %c: tensor<3xf32>) -> (tensor<2x0xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x0xf32>, tensor<0xf32>, tensor<2x0xf32>, tensor<0x3xf32>) attributes {llm.kernel} {
  %0 = llm.mul %a, %a : tensor<2x0xf32>, tensor<2x0xf32> -> tensor<2x0xf32>
  %1 = llm.matmul %a, %b : tensor<2x0xf32>, tensor<0x3xf32> -> tensor<2x3xf32>
  %2 = llm.reduce_sum %a {axes = array<i64: 1>, keepdims = false} : tensor<2x0xf32> -> tensor<2xf32>
  %3 = llm.reduce_max %a {axes = array<i64: 1>, keepdims = false} : tensor<2x0xf32> -> tensor<2xf32>
  %4 = llm.softmax %a {axis = 1 : i64} : tensor<2x0xf32>
  %5 = llm.gather %c[%i] {axis = 0 : i64} : tensor<3xf32>, tensor<0xi64> -> tensor<0xf32>
  %6 = llm.slice %a {starts = array<i64: 0, -1>, ends = array<i64: 2, -9223372036854775807>, steps = array<i64: 1, -1>} : tensor<2x0xf32> -> tensor<2x0xf32>
  %7 = llm.cumsum %b {axis = 0 : i64, reverse = true} : tensor<0x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x0xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x0xf32>, tensor<0xf32>, tensor<2x0xf32>, tensor<0x3xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %a = arith.constant dense<2.0> : tensor<f32>
  %b = arith.constant dense<3.0> : tensor<f32>
  %r:5 = call @rank0(%a, %b) : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<1x1xf32>)
  %u0 = tensor.cast %r#0 : tensor<f32> to tensor<*xf32>
  call @print(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %r#1 : tensor<f32> to tensor<*xf32>
  call @print(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %r#2 : tensor<f32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %r#3 : tensor<f32> to tensor<*xf32>
  call @print(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r#4 : tensor<1x1xf32> to tensor<*xf32>
  call @print(%u4) : (tensor<*xf32>) -> ()
  %e0 = arith.constant dense<> : tensor<2x0xf32>
  %e1 = arith.constant dense<> : tensor<0x3xf32>
  %e2 = arith.constant dense<> : tensor<0xi64>
  %e3 = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %s:8 = call @empty(%e0, %e1, %e2, %e3) : (tensor<2x0xf32>, tensor<0x3xf32>, tensor<0xi64>, tensor<3xf32>) -> (tensor<2x0xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x0xf32>, tensor<0xf32>, tensor<2x0xf32>, tensor<0x3xf32>)
  %v1 = tensor.cast %s#1 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%v1) : (tensor<*xf32>) -> ()
  %v2 = tensor.cast %s#2 : tensor<2xf32> to tensor<*xf32>
  call @print(%v2) : (tensor<*xf32>) -> ()
  %v3 = tensor.cast %s#3 : tensor<2xf32> to tensor<*xf32>
  call @print(%v3) : (tensor<*xf32>) -> ()
  return
}

// CHECK: Unranked Memref
// CHECK-NEXT: [5]
// CHECK: Unranked Memref
// CHECK-NEXT: [1]
// CHECK: Unranked Memref
// CHECK-NEXT: [2]
// CHECK: Unranked Memref
// CHECK-NEXT: [0]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}3]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0, 0, 0],
// CHECK-NEXT: [0, 0, 0]]
// CHECK: Unranked Memref
// CHECK-NEXT: [0, 0]
// CHECK: Unranked Memref
// CHECK-NEXT: [-inf, -inf]
