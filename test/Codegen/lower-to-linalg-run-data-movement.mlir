// Numerics of gather (negative indices), slice (negative steps), concat/split/transpose/reshape/expand, scatter_nd and trilu.
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @gather(%a: tensor<3x4xf32>, %i: tensor<2x2xf32>) -> (tensor<2x2x4xf32>, tensor<3x2x2xf32>) attributes {llm.kernel} {
  %i64 = llm.cast %i : tensor<2x2xf32> to tensor<2x2xi64>
  %0 = llm.gather %a[%i64] {axis = 0 : i64} : tensor<3x4xf32>, tensor<2x2xi64> -> tensor<2x2x4xf32>
  %i32 = llm.cast %i : tensor<2x2xf32> to tensor<2x2xi32>
  %1 = llm.gather %a[%i32] {axis = -1 : i64} : tensor<3x4xf32>, tensor<2x2xi32> -> tensor<3x2x2xf32>
  return %0, %1 : tensor<2x2x4xf32>, tensor<3x2x2xf32>
}
func.func private @slice(%a: tensor<3x4xf32>) -> (tensor<2x2xf32>, tensor<3x2xf32>, tensor<0x4xf32>) attributes {llm.kernel} {
  %0 = llm.slice %a {starts = array<i64: -1, 3>, ends = array<i64: -9223372036854775807, -5>, steps = array<i64: -2, -2>} : tensor<3x4xf32> -> tensor<2x2xf32>
  %1 = llm.slice %a {starts = array<i64: 0, 1>, ends = array<i64: 100, 4>, steps = array<i64: 1, 2>} : tensor<3x4xf32> -> tensor<3x2xf32>
  %2 = llm.slice %a {starts = array<i64: 2, 0>, ends = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<3x4xf32> -> tensor<0x4xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<3x2xf32>, tensor<0x4xf32>
}
func.func private @movement(%a: tensor<2x3xf32>, %b: tensor<2x1xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x2x3xf32>) attributes {llm.kernel} {
  %0 = llm.concat %b, %a {axis = 1 : i64} : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  %1:2 = llm.split %a {axis = -1 : i64, sizes = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<2x1xf32>, tensor<2x2xf32>
  %2 = llm.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %3 = llm.reshape %a : tensor<2x3xf32> -> tensor<3x2xf32>
  %4 = llm.expand %b : tensor<2x1xf32> -> tensor<2x2x3xf32>
  return %0, %1#0, %1#1, %2, %3, %4 : tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x2x3xf32>
}
func.func private @scatter(%d: tensor<4x2xf32>, %u: tensor<2x2xf32>, %v: tensor<3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) attributes {llm.kernel} {
  %i = llm.constant dense<[[3], [-4]]> : tensor<2x1xi64>
  %0 = llm.scatter_nd %d[%i], %u : tensor<4x2xf32>, tensor<2x1xi64>, tensor<2x2xf32> -> tensor<4x2xf32>
  %j = llm.constant dense<[[1, 1], [1, 1], [0, -1]]> : tensor<3x2xi64>
  %1 = llm.scatter_nd %d[%j], %v {reduction = "add"} : tensor<4x2xf32>, tensor<3x2xi64>, tensor<3xf32> -> tensor<4x2xf32>
  %2 = llm.scatter_nd %d[%j], %v {reduction = "max"} : tensor<4x2xf32>, tensor<3x2xi64>, tensor<3xf32> -> tensor<4x2xf32>
  %k = llm.constant dense<[[1], [-3]]> : tensor<2x1xi32>
  %3 = llm.scatter_nd %d[%k], %u {reduction = "mul"} : tensor<4x2xf32>, tensor<2x1xi32>, tensor<2x2xf32> -> tensor<4x2xf32>
  return %0, %1, %2, %3 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}
func.func private @trilu(%a: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) attributes {llm.kernel} {
  %0 = llm.trilu %a {upper = true, k = 1 : i64} : tensor<3x4xf32>
  %1 = llm.trilu %a {upper = false, k = -1 : i64} : tensor<3x4xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<3x4xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %in0 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %in1 = arith.constant dense<[[-1.0, 0.0], [1.0, -3.0]]> : tensor<2x2xf32>
  %r2:2 = call @gather(%in0, %in1) : (tensor<3x4xf32>, tensor<2x2xf32>) -> (tensor<2x2x4xf32>, tensor<3x2x2xf32>)
  %u3 = tensor.cast %r2#0 : tensor<2x2x4xf32> to tensor<*xf32>
  call @print(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r2#1 : tensor<3x2x2xf32> to tensor<*xf32>
  call @print(%u4) : (tensor<*xf32>) -> ()
  %in5 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %r6:3 = call @slice(%in5) : (tensor<3x4xf32>) -> (tensor<2x2xf32>, tensor<3x2xf32>, tensor<0x4xf32>)
  %u7 = tensor.cast %r6#0 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u7) : (tensor<*xf32>) -> ()
  %u8 = tensor.cast %r6#1 : tensor<3x2xf32> to tensor<*xf32>
  call @print(%u8) : (tensor<*xf32>) -> ()
  %in9 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %in10 = arith.constant dense<[[10.0], [20.0]]> : tensor<2x1xf32>
  %r11:6 = call @movement(%in9, %in10) : (tensor<2x3xf32>, tensor<2x1xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x2x3xf32>)
  %u12 = tensor.cast %r11#0 : tensor<2x4xf32> to tensor<*xf32>
  call @print(%u12) : (tensor<*xf32>) -> ()
  %u13 = tensor.cast %r11#1 : tensor<2x1xf32> to tensor<*xf32>
  call @print(%u13) : (tensor<*xf32>) -> ()
  %u14 = tensor.cast %r11#2 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u14) : (tensor<*xf32>) -> ()
  %u15 = tensor.cast %r11#3 : tensor<3x2xf32> to tensor<*xf32>
  call @print(%u15) : (tensor<*xf32>) -> ()
  %u16 = tensor.cast %r11#4 : tensor<3x2xf32> to tensor<*xf32>
  call @print(%u16) : (tensor<*xf32>) -> ()
  %u17 = tensor.cast %r11#5 : tensor<2x2x3xf32> to tensor<*xf32>
  call @print(%u17) : (tensor<*xf32>) -> ()
  %in18 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %in19 = arith.constant dense<[[-1.0, -2.0], [-3.0, -4.0]]> : tensor<2x2xf32>
  %in20 = arith.constant dense<[10.0, 100.0, 1.5]> : tensor<3xf32>
  %r21:4 = call @scatter(%in18, %in19, %in20) : (tensor<4x2xf32>, tensor<2x2xf32>, tensor<3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>)
  %u22 = tensor.cast %r21#0 : tensor<4x2xf32> to tensor<*xf32>
  call @print(%u22) : (tensor<*xf32>) -> ()
  %u23 = tensor.cast %r21#1 : tensor<4x2xf32> to tensor<*xf32>
  call @print(%u23) : (tensor<*xf32>) -> ()
  %u24 = tensor.cast %r21#2 : tensor<4x2xf32> to tensor<*xf32>
  call @print(%u24) : (tensor<*xf32>) -> ()
  %u25 = tensor.cast %r21#3 : tensor<4x2xf32> to tensor<*xf32>
  call @print(%u25) : (tensor<*xf32>) -> ()
  %in26 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %r27:2 = call @trilu(%in26) : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>)
  %u28 = tensor.cast %r27#0 : tensor<3x4xf32> to tensor<*xf32>
  call @print(%u28) : (tensor<*xf32>) -> ()
  %u29 = tensor.cast %r27#1 : tensor<3x4xf32> to tensor<*xf32>
  call @print(%u29) : (tensor<*xf32>) -> ()
  return
}

// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}9, 10, 11, 12],
// CHECK-NEXT: [1, 2, 3, 4]],
// CHECK-NEXT: {{\[\[}}5, 6, 7, 8],
// CHECK-NEXT: [1, 2, 3, 4]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}4, 1],
// CHECK-NEXT: [2, 2]],
// CHECK-NEXT: {{\[\[}}8, 5],
// CHECK-NEXT: [6, 6]],
// CHECK-NEXT: {{\[\[}}12, 9],
// CHECK-NEXT: [10, 10]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}12, 10],
// CHECK-NEXT: [4, 2]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}2, 4],
// CHECK-NEXT: [6, 8],
// CHECK-NEXT: [10, 12]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}10, 1, 2, 3],
// CHECK-NEXT: [20, 4, 5, 6]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1],
// CHECK-NEXT: [4]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}2, 3],
// CHECK-NEXT: [5, 6]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, 4],
// CHECK-NEXT: [2, 5],
// CHECK-NEXT: [3, 6]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, 2],
// CHECK-NEXT: [3, 4],
// CHECK-NEXT: [5, 6]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}10, 10, 10],
// CHECK-NEXT: [20, 20, 20]],
// CHECK-NEXT: {{\[\[}}10, 10, 10],
// CHECK-NEXT: [20, 20, 20]]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}-3, -4],
// CHECK-NEXT: [3, 4],
// CHECK-NEXT: [5, 6],
// CHECK-NEXT: [-1, -2]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, 3.5],
// CHECK-NEXT: [3, 114],
// CHECK-NEXT: [5, 6],
// CHECK-NEXT: [7, 8]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, 2],
// CHECK-NEXT: [3, 100],
// CHECK-NEXT: [5, 6],
// CHECK-NEXT: [7, 8]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, 2],
// CHECK-NEXT: [9, 32],
// CHECK-NEXT: [5, 6],
// CHECK-NEXT: [7, 8]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0, 2, 3, 4],
// CHECK-NEXT: [0, 0, 7, 8],
// CHECK-NEXT: [0, 0, 0, 12]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0, 0, 0, 0],
// CHECK-NEXT: [5, 0, 0, 0],
// CHECK-NEXT: [9, 10, 0, 0]]
