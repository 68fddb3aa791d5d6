// Numerics of llm-cpu-tile-contractions: shapes that are not multiples of
// the register tile (row and column tails), a broadcast weight (the model's
// [1, M, K] x [K, N]), a batched matmul, each compared with a reference
// computed as reduce_sum(a * b) (not a contraction, so not tiled) and
// printed. Two tile configurations: SSE-like (4 rows x 2 x 4 lanes) and
// AVX-like (3 rows x 1 x 8 lanes).
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params)" \
// RUN: | llmc-opt -llm-cpu-tile-contractions="vector-bits=128 tile-rows=4 tile-vectors=2" \
// RUN: | mlir-opt -pass-pipeline="builtin.module(func.func(convert-linalg-to-loops),convert-vector-to-scf,expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params)" \
// RUN: | llmc-opt -llm-cpu-tile-contractions="vector-bits=256 tile-rows=3 tile-vectors=1" \
// RUN: | mlir-opt -pass-pipeline="builtin.module(func.func(convert-linalg-to-loops),convert-vector-to-scf,expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @mm(%a: tensor<7x5xf32>, %b: tensor<5x13xf32>) -> (tensor<7x13xf32>, tensor<1xf32>, tensor<f32>) attributes {llm.kernel} {
  %c = llm.matmul %a, %b : tensor<7x5xf32>, tensor<5x13xf32> -> tensor<7x13xf32>
  %a1 = llm.reshape %a : tensor<7x5xf32> -> tensor<7x5x1xf32>
  %b1 = llm.reshape %b : tensor<5x13xf32> -> tensor<5x13xf32>
  %p = llm.mul %a1, %b1 : tensor<7x5x1xf32>, tensor<5x13xf32> -> tensor<7x5x13xf32>
  %r = llm.reduce_sum %p {axes = array<i64: 1>, keepdims = false} : tensor<7x5x13xf32> -> tensor<7x13xf32>
  %d = llm.sub %c, %r : tensor<7x13xf32>, tensor<7x13xf32> -> tensor<7x13xf32>
  %ad = llm.abs %d : tensor<7x13xf32>
  %m = llm.reduce_max %ad {axes = array<i64: 0, 1>, keepdims = false} : tensor<7x13xf32> -> tensor<f32>
  %m1 = llm.reshape %m : tensor<f32> -> tensor<1xf32>
  %s = llm.reduce_sum %c {axes = array<i64: 0, 1>, keepdims = false} : tensor<7x13xf32> -> tensor<f32>
  return %c, %m1, %s : tensor<7x13xf32>, tensor<1xf32>, tensor<f32>
}
func.func private @bcast(%a: tensor<1x6x4xf32>, %b: tensor<4x20xf32>) -> (tensor<1x6x20xf32>, tensor<1xf32>, tensor<f32>) attributes {llm.kernel} {
  %c = llm.matmul %a, %b : tensor<1x6x4xf32>, tensor<4x20xf32> -> tensor<1x6x20xf32>
  %a1 = llm.reshape %a : tensor<1x6x4xf32> -> tensor<1x6x4x1xf32>
  %b1 = llm.reshape %b : tensor<4x20xf32> -> tensor<4x20xf32>
  %p = llm.mul %a1, %b1 : tensor<1x6x4x1xf32>, tensor<4x20xf32> -> tensor<1x6x4x20xf32>
  %r = llm.reduce_sum %p {axes = array<i64: 2>, keepdims = false} : tensor<1x6x4x20xf32> -> tensor<1x6x20xf32>
  %d = llm.sub %c, %r : tensor<1x6x20xf32>, tensor<1x6x20xf32> -> tensor<1x6x20xf32>
  %ad = llm.abs %d : tensor<1x6x20xf32>
  %m = llm.reduce_max %ad {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<1x6x20xf32> -> tensor<f32>
  %m1 = llm.reshape %m : tensor<f32> -> tensor<1xf32>
  %s = llm.reduce_sum %c {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<1x6x20xf32> -> tensor<f32>
  return %c, %m1, %s : tensor<1x6x20xf32>, tensor<1xf32>, tensor<f32>
}
func.func private @batch(%a: tensor<2x5x3xf32>, %b: tensor<2x3x9xf32>) -> (tensor<2x5x9xf32>, tensor<1xf32>, tensor<f32>) attributes {llm.kernel} {
  %c = llm.matmul %a, %b : tensor<2x5x3xf32>, tensor<2x3x9xf32> -> tensor<2x5x9xf32>
  %a1 = llm.reshape %a : tensor<2x5x3xf32> -> tensor<2x5x3x1xf32>
  %b1 = llm.reshape %b : tensor<2x3x9xf32> -> tensor<2x1x3x9xf32>
  %p = llm.mul %a1, %b1 : tensor<2x5x3x1xf32>, tensor<2x1x3x9xf32> -> tensor<2x5x3x9xf32>
  %r = llm.reduce_sum %p {axes = array<i64: 2>, keepdims = false} : tensor<2x5x3x9xf32> -> tensor<2x5x9xf32>
  %d = llm.sub %c, %r : tensor<2x5x9xf32>, tensor<2x5x9xf32> -> tensor<2x5x9xf32>
  %ad = llm.abs %d : tensor<2x5x9xf32>
  %m = llm.reduce_max %ad {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x5x9xf32> -> tensor<f32>
  %m1 = llm.reshape %m : tensor<f32> -> tensor<1xf32>
  %s = llm.reduce_sum %c {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x5x9xf32> -> tensor<f32>
  return %c, %m1, %s : tensor<2x5x9xf32>, tensor<1xf32>, tensor<f32>
}
func.func private @lmhead(%a: tensor<1x9x16xf32>, %b: tensor<16x37xf32>) -> (tensor<1x9x37xf32>, tensor<1xf32>, tensor<f32>) attributes {llm.kernel} {
  %c = llm.matmul %a, %b : tensor<1x9x16xf32>, tensor<16x37xf32> -> tensor<1x9x37xf32>
  %a1 = llm.reshape %a : tensor<1x9x16xf32> -> tensor<1x9x16x1xf32>
  %b1 = llm.reshape %b : tensor<16x37xf32> -> tensor<16x37xf32>
  %p = llm.mul %a1, %b1 : tensor<1x9x16x1xf32>, tensor<16x37xf32> -> tensor<1x9x16x37xf32>
  %r = llm.reduce_sum %p {axes = array<i64: 2>, keepdims = false} : tensor<1x9x16x37xf32> -> tensor<1x9x37xf32>
  %d = llm.sub %c, %r : tensor<1x9x37xf32>, tensor<1x9x37xf32> -> tensor<1x9x37xf32>
  %ad = llm.abs %d : tensor<1x9x37xf32>
  %m = llm.reduce_max %ad {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<1x9x37xf32> -> tensor<f32>
  %m1 = llm.reshape %m : tensor<f32> -> tensor<1xf32>
  %s = llm.reduce_sum %c {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<1x9x37xf32> -> tensor<f32>
  return %c, %m1, %s : tensor<1x9x37xf32>, tensor<1xf32>, tensor<f32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %mm_a = arith.constant dense<[[1.0, -4.0, -1.0, -1.0, 3.0], [-1.0, 1.0, -2.0, 0.0, 3.0], [2.0, 4.0, 4.0, -3.0, 2.0], [3.0, 3.0, 4.0, -3.0, 1.0], [4.0, 0.0, -1.0, -4.0, -1.0], [1.0, -4.0, -2.0, -1.0, 4.0], [-3.0, -1.0, -1.0, -1.0, 3.0]]> : tensor<7x5xf32>
  %mm_b = arith.constant dense<[[-4.0, -3.0, -4.0, 0.0, 3.0, -1.0, -2.0, 3.0, -2.0, -4.0, -4.0, 0.0, 1.0], [1.0, 2.0, 4.0, 0.0, -3.0, 0.0, 4.0, -3.0, -3.0, 3.0, -1.0, 2.0, 3.0], [-2.0, -4.0, -1.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0, -1.0, 0.0, 0.0, 4.0], [0.0, -1.0, 3.0, 1.0, 1.0, -4.0, -3.0, 1.0, -1.0, -4.0, 1.0, -4.0, -3.0], [-2.0, 0.0, -2.0, -4.0, -1.0, -2.0, -4.0, 3.0, 1.0, -4.0, -2.0, 3.0, -2.0]]> : tensor<5x13xf32>
  %mm:3 = call @mm(%mm_a, %mm_b) : (tensor<7x5xf32>, tensor<5x13xf32>) -> (tensor<7x13xf32>, tensor<1xf32>, tensor<f32>)
  %mm_u0 = tensor.cast %mm#0 : tensor<7x13xf32> to tensor<*xf32>
  call @print(%mm_u0) : (tensor<*xf32>) -> ()
  %mm_u1 = tensor.cast %mm#1 : tensor<1xf32> to tensor<*xf32>
  call @print(%mm_u1) : (tensor<*xf32>) -> ()
  %mm_u2 = tensor.cast %mm#2 : tensor<f32> to tensor<*xf32>
  call @print(%mm_u2) : (tensor<*xf32>) -> ()
  %bcast_a = arith.constant dense<[[[1.0, 4.0, 1.0, -4.0], [-4.0, -3.0, 3.0, 2.0], [-2.0, 0.0, 1.0, -2.0], [0.0, -2.0, 0.0, 3.0], [3.0, -3.0, 3.0, -4.0], [2.0, 3.0, 2.0, -3.0]]]> : tensor<1x6x4xf32>
  %bcast_b = arith.constant dense<[[-4.0, -3.0, 4.0, 4.0, -1.0, 4.0, 3.0, -1.0, 2.0, 1.0, -3.0, -1.0, 0.0, 4.0, -3.0, 0.0, -4.0, -1.0, -2.0, -4.0], [0.0, -2.0, 3.0, 3.0, 4.0, 2.0, -1.0, 3.0, 3.0, 0.0, 1.0, -1.0, 2.0, 4.0, -4.0, -2.0, 3.0, 3.0, 3.0, -1.0], [-4.0, 4.0, 3.0, 3.0, -3.0, -3.0, -1.0, -4.0, 4.0, 2.0, 0.0, 1.0, 2.0, -2.0, 1.0, 3.0, 4.0, 0.0, 0.0, 3.0], [3.0, 0.0, -4.0, -2.0, -4.0, 3.0, -3.0, 3.0, 4.0, 0.0, -4.0, -3.0, 4.0, -2.0, -1.0, -3.0, -2.0, 3.0, -2.0, 2.0]]> : tensor<4x20xf32>
  %bcast:3 = call @bcast(%bcast_a, %bcast_b) : (tensor<1x6x4xf32>, tensor<4x20xf32>) -> (tensor<1x6x20xf32>, tensor<1xf32>, tensor<f32>)
  %bcast_u0 = tensor.cast %bcast#0 : tensor<1x6x20xf32> to tensor<*xf32>
  call @print(%bcast_u0) : (tensor<*xf32>) -> ()
  %bcast_u1 = tensor.cast %bcast#1 : tensor<1xf32> to tensor<*xf32>
  call @print(%bcast_u1) : (tensor<*xf32>) -> ()
  %bcast_u2 = tensor.cast %bcast#2 : tensor<f32> to tensor<*xf32>
  call @print(%bcast_u2) : (tensor<*xf32>) -> ()
  %batch_a = arith.constant dense<[[[4.0, 4.0, 2.0], [-2.0, 4.0, 3.0], [-2.0, -3.0, 1.0], [0.0, 0.0, 1.0], [3.0, -1.0, 2.0]], [[0.0, -1.0, 3.0], [2.0, -3.0, -1.0], [1.0, 4.0, 0.0], [2.0, -1.0, -2.0], [-4.0, 0.0, -2.0]]]> : tensor<2x5x3xf32>
  %batch_b = arith.constant dense<[[[0.0, -3.0, 3.0, 4.0, -2.0, 4.0, 3.0, -3.0, 2.0], [4.0, 1.0, -1.0, -4.0, -4.0, -2.0, 4.0, 4.0, -2.0], [2.0, 1.0, 2.0, 2.0, 2.0, -1.0, 4.0, -2.0, -3.0]], [[0.0, 4.0, -3.0, 2.0, 1.0, -3.0, -2.0, 0.0, 3.0], [2.0, 0.0, 1.0, 4.0, -1.0, -4.0, -4.0, 1.0, 3.0], [1.0, -4.0, 4.0, 2.0, 1.0, -3.0, 3.0, 0.0, -1.0]]]> : tensor<2x3x9xf32>
  %batch:3 = call @batch(%batch_a, %batch_b) : (tensor<2x5x3xf32>, tensor<2x3x9xf32>) -> (tensor<2x5x9xf32>, tensor<1xf32>, tensor<f32>)
  %batch_u0 = tensor.cast %batch#0 : tensor<2x5x9xf32> to tensor<*xf32>
  call @print(%batch_u0) : (tensor<*xf32>) -> ()
  %batch_u1 = tensor.cast %batch#1 : tensor<1xf32> to tensor<*xf32>
  call @print(%batch_u1) : (tensor<*xf32>) -> ()
  %batch_u2 = tensor.cast %batch#2 : tensor<f32> to tensor<*xf32>
  call @print(%batch_u2) : (tensor<*xf32>) -> ()
  %lmhead_a = arith.constant dense<[[[4.0, -1.0, 4.0, 4.0, -4.0, 1.0, -1.0, 1.0, 3.0, 2.0, -4.0, 0.0, 3.0, 4.0, -3.0, 2.0], [-2.0, -2.0, -3.0, -1.0, 1.0, 4.0, -3.0, 4.0, 3.0, 4.0, -3.0, -4.0, 1.0, 0.0, -3.0, 1.0], [0.0, 3.0, 2.0, -4.0, -4.0, -2.0, 0.0, 1.0, 4.0, 4.0, 3.0, 1.0, -3.0, -3.0, -3.0, 1.0], [1.0, 3.0, 0.0, -1.0, -4.0, -4.0, -4.0, -4.0, -2.0, -2.0, 3.0, -4.0, 1.0, -4.0, -3.0, 0.0], [-3.0, -2.0, -2.0, 0.0, 4.0, -4.0, 2.0, -4.0, 0.0, -3.0, 1.0, -3.0, 4.0, 4.0, 3.0, -4.0], [-4.0, -3.0, 3.0, 4.0, 3.0, 0.0, -4.0, -4.0, 0.0, -1.0, -4.0, 4.0, -2.0, 3.0, -2.0, -3.0], [-1.0, -2.0, 0.0, -3.0, -2.0, -2.0, 3.0, -1.0, 0.0, -3.0, 2.0, 3.0, -3.0, -4.0, -4.0, 1.0], [4.0, 0.0, 4.0, 4.0, -1.0, 0.0, -2.0, 1.0, 0.0, 3.0, -3.0, -4.0, 3.0, 0.0, 4.0, 4.0], [0.0, -3.0, 0.0, -4.0, 1.0, 2.0, 3.0, -4.0, 3.0, 4.0, -3.0, 1.0, -1.0, 2.0, -3.0, -1.0]]]> : tensor<1x9x16xf32>
  %lmhead_b = arith.constant dense<[[3.0, 0.0, -4.0, 4.0, 0.0, 3.0, 4.0, 1.0, 2.0, 3.0, -1.0, 1.0, -3.0, 4.0, -2.0, 4.0, 0.0, 1.0, -4.0, 4.0, 3.0, -3.0, -2.0, 1.0, -2.0, 3.0, 2.0, 3.0, -3.0, 1.0, 3.0, 1.0, 3.0, -2.0, 2.0, 0.0, 4.0], [0.0, -1.0, 4.0, 1.0, 2.0, -1.0, 4.0, 0.0, -2.0, 3.0, 3.0, -2.0, -2.0, -4.0, 3.0, 1.0, -4.0, -1.0, -1.0, 1.0, 1.0, 0.0, 3.0, -2.0, -2.0, 2.0, 2.0, -1.0, 2.0, 3.0, 3.0, -4.0, 4.0, 0.0, 1.0, 0.0, 1.0], [-4.0, -1.0, 1.0, 0.0, -2.0, 1.0, -3.0, 3.0, 2.0, -4.0, -3.0, 3.0, -4.0, -1.0, 3.0, -1.0, 1.0, 2.0, -3.0, 1.0, -1.0, 2.0, 4.0, 1.0, 2.0, 3.0, -4.0, -2.0, -3.0, 2.0, -2.0, -2.0, 1.0, 3.0, -3.0, 0.0, 3.0], [-1.0, -3.0, -2.0, -1.0, -3.0, 1.0, 0.0, 1.0, -2.0, 0.0, -3.0, -1.0, -2.0, -3.0, 0.0, 1.0, 4.0, -1.0, -3.0, -2.0, 2.0, 1.0, 3.0, -3.0, -1.0, -1.0, 1.0, -4.0, 3.0, -2.0, 2.0, -4.0, -3.0, -4.0, 0.0, 2.0, 1.0], [2.0, 0.0, 3.0, -4.0, 0.0, -2.0, 4.0, 4.0, -2.0, 4.0, 4.0, 0.0, 4.0, -4.0, 0.0, 3.0, 1.0, 2.0, 0.0, 2.0, -1.0, -4.0, 2.0, -1.0, -3.0, 0.0, -3.0, 1.0, -3.0, 4.0, -1.0, -4.0, -3.0, 0.0, 4.0, 1.0, 0.0], [-1.0, 1.0, -4.0, 4.0, 3.0, 0.0, -1.0, -1.0, 2.0, -3.0, 3.0, -3.0, -2.0, -4.0, 3.0, -3.0, 1.0, -2.0, -2.0, -3.0, -1.0, 0.0, -1.0, 4.0, -4.0, 2.0, 4.0, -1.0, 3.0, -3.0, 4.0, -2.0, 4.0, -4.0, 0.0, 4.0, 4.0], [2.0, 0.0, -1.0, -4.0, 0.0, -4.0, 1.0, -2.0, -2.0, 2.0, -2.0, -4.0, 0.0, -3.0, 1.0, 1.0, 2.0, 1.0, 1.0, 0.0, 2.0, -2.0, -3.0, -3.0, 0.0, 4.0, 4.0, 3.0, 1.0, 4.0, 3.0, -3.0, 0.0, 2.0, -1.0, 2.0, -3.0], [2.0, 4.0, -4.0, 2.0, -3.0, 0.0, 0.0, 4.0, 3.0, 4.0, -4.0, -2.0, 2.0, -4.0, -1.0, 4.0, -4.0, -1.0, 4.0, -3.0, 1.0, -2.0, 4.0, -1.0, -1.0, 1.0, -2.0, 2.0, -2.0, -3.0, 0.0, -2.0, -4.0, 4.0, -1.0, -3.0, -2.0], [-2.0, -3.0, 1.0, 4.0, -1.0, 0.0, -1.0, 0.0, 2.0, -2.0, 2.0, 0.0, 0.0, -3.0, 3.0, -3.0, -4.0, -1.0, 2.0, -4.0, 2.0, -3.0, -4.0, -2.0, -4.0, -3.0, 4.0, 0.0, 0.0, 2.0, 0.0, -3.0, -3.0, 1.0, 1.0, -3.0, 2.0], [2.0, 0.0, 3.0, 3.0, 4.0, -2.0, 1.0, 1.0, -1.0, 4.0, 4.0, -4.0, -2.0, 3.0, 3.0, 2.0, -3.0, -1.0, 0.0, -2.0, -4.0, -3.0, 1.0, -3.0, -3.0, -1.0, 4.0, -3.0, 2.0, 0.0, -4.0, 0.0, 2.0, -2.0, -3.0, -3.0, -3.0], [2.0, 4.0, -1.0, -2.0, 1.0, -1.0, -2.0, 2.0, -3.0, -1.0, -2.0, -1.0, -1.0, 3.0, -3.0, -1.0, 3.0, -1.0, 2.0, 4.0, 1.0, -4.0, -4.0, 1.0, 1.0, 0.0, 4.0, 3.0, 2.0, -3.0, 0.0, 1.0, -3.0, 2.0, 2.0, -3.0, 2.0], [1.0, -1.0, -2.0, -1.0, 0.0, 4.0, 0.0, -2.0, 2.0, -4.0, -2.0, -4.0, 4.0, -3.0, 3.0, -2.0, 2.0, -3.0, 1.0, -4.0, 2.0, 2.0, 1.0, 3.0, -4.0, 2.0, -1.0, -3.0, 3.0, 2.0, -2.0, 1.0, -1.0, 2.0, -2.0, -3.0, -3.0], [-1.0, 2.0, 1.0, -4.0, 3.0, -2.0, -2.0, 2.0, -2.0, 0.0, -1.0, 0.0, -2.0, -2.0, 1.0, -1.0, 0.0, -1.0, 2.0, -3.0, 3.0, -3.0, 0.0, 2.0, 2.0, 2.0, -2.0, 0.0, 4.0, 1.0, 0.0, 1.0, 3.0, -1.0, 4.0, 4.0, -1.0], [2.0, 2.0, 3.0, -1.0, -3.0, 1.0, -4.0, 1.0, 2.0, 4.0, 2.0, -1.0, 0.0, 3.0, -2.0, 0.0, -4.0, -4.0, -4.0, -3.0, -2.0, 0.0, -2.0, 2.0, -4.0, 4.0, -3.0, 0.0, 0.0, -4.0, 0.0, 2.0, 3.0, 0.0, 1.0, -3.0, -3.0], [2.0, 1.0, 1.0, 2.0, -3.0, -4.0, 0.0, 0.0, -4.0, 1.0, -1.0, 3.0, -2.0, 2.0, -3.0, 1.0, 4.0, 2.0, 4.0, 1.0, -2.0, -3.0, -1.0, 4.0, -1.0, 3.0, 3.0, 2.0, -2.0, 1.0, 1.0, 4.0, 0.0, -3.0, -3.0, -3.0, -1.0], [-2.0, 0.0, 3.0, 1.0, 2.0, -1.0, -1.0, 4.0, -4.0, -4.0, 1.0, 2.0, 0.0, -2.0, -3.0, 3.0, 1.0, 2.0, 4.0, 2.0, -4.0, 2.0, 3.0, -3.0, 2.0, 3.0, 3.0, 4.0, -4.0, 3.0, 1.0, -2.0, 0.0, -3.0, 2.0, 1.0, -3.0]]> : tensor<16x37xf32>
  %lmhead:3 = call @lmhead(%lmhead_a, %lmhead_b) : (tensor<1x9x16xf32>, tensor<16x37xf32>) -> (tensor<1x9x37xf32>, tensor<1xf32>, tensor<f32>)
  %lmhead_u0 = tensor.cast %lmhead#0 : tensor<1x9x37xf32> to tensor<*xf32>
  call @print(%lmhead_u0) : (tensor<*xf32>) -> ()
  %lmhead_u1 = tensor.cast %lmhead#1 : tensor<1xf32> to tensor<*xf32>
  call @print(%lmhead_u1) : (tensor<*xf32>) -> ()
  %lmhead_u2 = tensor.cast %lmhead#2 : tensor<f32> to tensor<*xf32>
  call @print(%lmhead_u2) : (tensor<*xf32>) -> ()
  return
}

// mm: (7, 5) x (5, 13)
// CHECK: Unranked Memref {{.*}} rank = 2
// CHECK: [{{ *}}-12,{{ *}}-6,{{ *}}-28,{{ *}}-14,{{ *}}11,{{ *}}-3,{{ *}}-29,{{ *}}23,{{ *}}14,{{ *}}-23,{{ *}}-7,{{ *}}5,{{ *}}-18]
// CHECK: [{{ *}}3,{{ *}}13,{{ *}}4,{{ *}}-14,{{ *}}-9,{{ *}}-5,{{ *}}-10,{{ *}}3,{{ *}}2,{{ *}}-3,{{ *}}-3,{{ *}}11,{{ *}}-12]
// CHECK: [{{ *}}-16,{{ *}}-11,{{ *}}-9,{{ *}}-7,{{ *}}-11,{{ *}}6,{{ *}}21,{{ *}}-3,{{ *}}-11,{{ *}}4,{{ *}}-19,{{ *}}26,{{ *}}35]
// CHECK: [{{ *}}-19,{{ *}}-16,{{ *}}-15,{{ *}}-3,{{ *}}-4,{{ *}}7,{{ *}}19,{{ *}}0,{{ *}}-11,{{ *}}1,{{ *}}-20,{{ *}}21,{{ *}}35]
// CHECK: [{{ *}}-12,{{ *}}-4,{{ *}}-25,{{ *}}-1,{{ *}}9,{{ *}}14,{{ *}}6,{{ *}}5,{{ *}}-5,{{ *}}5,{{ *}}-18,{{ *}}13,{{ *}}14]
// CHECK: [{{ *}}-12,{{ *}}-2,{{ *}}-29,{{ *}}-19,{{ *}}10,{{ *}}-5,{{ *}}-35,{{ *}}26,{{ *}}15,{{ *}}-26,{{ *}}-9,{{ *}}8,{{ *}}-24]
// CHECK: [{{ *}}7,{{ *}}12,{{ *}}0,{{ *}}-14,{{ *}}-10,{{ *}}1,{{ *}}-9,{{ *}}2,{{ *}}13,{{ *}}2,{{ *}}6,{{ *}}11,{{ *}}-13]
// The tiled matmul equals the loop-form reference exactly.
// CHECK: Unranked Memref {{.*}} rank = 1
// CHECK-NEXT: [0]
// CHECK: Unranked Memref {{.*}} rank = 0
// CHECK-NEXT: [-200]
// bcast: (1, 6, 4) x (4, 20)
// CHECK: Unranked Memref {{.*}} rank = 3
// CHECK: [{{ *}}-20,{{ *}}-7,{{ *}}35,{{ *}}27,{{ *}}28,{{ *}}-3,{{ *}}10,{{ *}}-5,{{ *}}2,{{ *}}3,{{ *}}17,{{ *}}8,{{ *}}-6,{{ *}}26,{{ *}}-14,{{ *}}7,{{ *}}20,{{ *}}-1,{{ *}}18,{{ *}}-13]
// CHECK: [{{ *}}10,{{ *}}30,{{ *}}-24,{{ *}}-20,{{ *}}-25,{{ *}}-25,{{ *}}-18,{{ *}}-11,{{ *}}3,{{ *}}2,{{ *}}1,{{ *}}4,{{ *}}8,{{ *}}-38,{{ *}}25,{{ *}}9,{{ *}}15,{{ *}}1,{{ *}}-5,{{ *}}32]
// CHECK: [{{ *}}-2,{{ *}}10,{{ *}}3,{{ *}}-1,{{ *}}7,{{ *}}-17,{{ *}}-1,{{ *}}-8,{{ *}}-8,{{ *}}0,{{ *}}14,{{ *}}9,{{ *}}-6,{{ *}}-6,{{ *}}9,{{ *}}9,{{ *}}16,{{ *}}-4,{{ *}}8,{{ *}}7]
// CHECK: [{{ *}}9,{{ *}}4,{{ *}}-18,{{ *}}-12,{{ *}}-20,{{ *}}5,{{ *}}-7,{{ *}}3,{{ *}}6,{{ *}}0,{{ *}}-14,{{ *}}-7,{{ *}}8,{{ *}}-14,{{ *}}5,{{ *}}-5,{{ *}}-12,{{ *}}3,{{ *}}-12,{{ *}}8]
// CHECK: [{{ *}}-36,{{ *}}9,{{ *}}28,{{ *}}20,{{ *}}-8,{{ *}}-15,{{ *}}21,{{ *}}-36,{{ *}}-7,{{ *}}9,{{ *}}4,{{ *}}15,{{ *}}-16,{{ *}}2,{{ *}}10,{{ *}}27,{{ *}}-1,{{ *}}-24,{{ *}}-7,{{ *}}-8]
// CHECK: [{{ *}}-25,{{ *}}-4,{{ *}}35,{{ *}}29,{{ *}}16,{{ *}}-1,{{ *}}10,{{ *}}-10,{{ *}}9,{{ *}}6,{{ *}}9,{{ *}}6,{{ *}}-2,{{ *}}22,{{ *}}-13,{{ *}}9,{{ *}}15,{{ *}}-2,{{ *}}11,{{ *}}-11]
// The tiled matmul equals the loop-form reference exactly.
// CHECK: Unranked Memref {{.*}} rank = 1
// CHECK-NEXT: [0]
// CHECK: Unranked Memref {{.*}} rank = 0
// CHECK-NEXT: [171]
// batch: (2, 5, 3) x (2, 3, 9)
// CHECK: Unranked Memref {{.*}} rank = 3
// CHECK: [{{ *}}20,{{ *}}-6,{{ *}}12,{{ *}}4,{{ *}}-20,{{ *}}6,{{ *}}36,{{ *}}0,{{ *}}-6]
// CHECK: [{{ *}}22,{{ *}}13,{{ *}}-4,{{ *}}-18,{{ *}}-6,{{ *}}-19,{{ *}}22,{{ *}}16,{{ *}}-21]
// CHECK: [{{ *}}-10,{{ *}}4,{{ *}}-1,{{ *}}6,{{ *}}18,{{ *}}-3,{{ *}}-14,{{ *}}-8,{{ *}}-1]
// CHECK: [{{ *}}2,{{ *}}1,{{ *}}2,{{ *}}2,{{ *}}2,{{ *}}-1,{{ *}}4,{{ *}}-2,{{ *}}-3]
// CHECK: [{{ *}}0,{{ *}}-8,{{ *}}14,{{ *}}20,{{ *}}2,{{ *}}12,{{ *}}13,{{ *}}-17,{{ *}}2]
// CHECK: [{{ *}}1,{{ *}}-12,{{ *}}11,{{ *}}2,{{ *}}4,{{ *}}-5,{{ *}}13,{{ *}}-1,{{ *}}-6]
// CHECK: [{{ *}}-7,{{ *}}12,{{ *}}-13,{{ *}}-10,{{ *}}4,{{ *}}9,{{ *}}5,{{ *}}-3,{{ *}}-2]
// CHECK: [{{ *}}8,{{ *}}4,{{ *}}1,{{ *}}18,{{ *}}-3,{{ *}}-19,{{ *}}-18,{{ *}}4,{{ *}}15]
// CHECK: [{{ *}}-4,{{ *}}16,{{ *}}-15,{{ *}}-4,{{ *}}1,{{ *}}4,{{ *}}-6,{{ *}}-1,{{ *}}5]
// CHECK: [{{ *}}-2,{{ *}}-8,{{ *}}4,{{ *}}-12,{{ *}}-6,{{ *}}18,{{ *}}2,{{ *}}0,{{ *}}-10]
// The tiled matmul equals the loop-form reference exactly.
// CHECK: Unranked Memref {{.*}} rank = 1
// CHECK-NEXT: [0]
// CHECK: Unranked Memref {{.*}} rank = 0
// CHECK-NEXT: [81]
// lmhead: (1, 9, 16) x (16, 37)
// CHECK: Unranked Memref {{.*}} rank = 3
// CHECK: [{{ *}}-32,{{ *}}-24,{{ *}}-12,{{ *}}43,{{ *}}-11,{{ *}}41,{{ *}}-35,{{ *}}21,{{ *}}47,{{ *}}-13,{{ *}}-14,{{ *}}0,{{ *}}-50,{{ *}}-4,{{ *}}27,{{ *}}2,{{ *}}-41,{{ *}}-25,{{ *}}-54,{{ *}}-55,{{ *}}10,{{ *}}21,{{ *}}22,{{ *}}-12,{{ *}}-20,{{ *}}25,{{ *}}-13,{{ *}}-33,{{ *}}4,{{ *}}-17,{{ *}}5,{{ *}}-19,{{ *}}40,{{ *}}-23,{{ *}}-3,{{ *}}11,{{ *}}10]
// CHECK: [{{ *}}-10,{{ *}}10,{{ *}}0,{{ *}}48,{{ *}}29,{{ *}}-10,{{ *}}-6,{{ *}}22,{{ *}}29,{{ *}}24,{{ *}}53,{{ *}}-18,{{ *}}11,{{ *}}-25,{{ *}}19,{{ *}}5,{{ *}}-68,{{ *}}-15,{{ *}}17,{{ *}}-53,{{ *}}-30,{{ *}}-16,{{ *}}12,{{ *}}-24,{{ *}}-24,{{ *}}-43,{{ *}}8,{{ *}}-9,{{ *}}2,{{ *}}-36,{{ *}}-12,{{ *}}-24,{{ *}}-2,{{ *}}-21,{{ *}}14,{{ *}}11,{{ *}}-4]
// CHECK: [{{ *}}-12,{{ *}}-7,{{ *}}13,{{ *}}48,{{ *}}31,{{ *}}10,{{ *}}3,{{ *}}-5,{{ *}}18,{{ *}}-23,{{ *}}6,{{ *}}-19,{{ *}}-11,{{ *}}13,{{ *}}35,{{ *}}-11,{{ *}}-52,{{ *}}-3,{{ *}}24,{{ *}}9,{{ *}}-4,{{ *}}0,{{ *}}-8,{{ *}}-38,{{ *}}3,{{ *}}-25,{{ *}}48,{{ *}}1,{{ *}}-1,{{ *}}18,{{ *}}-27,{{ *}}-13,{{ *}}-6,{{ *}}47,{{ *}}-28,{{ *}}-52,{{ *}}6]
// CHECK: [{{ *}}-29,{{ *}}-7,{{ *}}17,{{ *}}-6,{{ *}}30,{{ *}}14,{{ *}}8,{{ *}}-10,{{ *}}-23,{{ *}}-26,{{ *}}-9,{{ *}}48,{{ *}}-34,{{ *}}56,{{ *}}-20,{{ *}}-11,{{ *}}3,{{ *}}21,{{ *}}-12,{{ *}}71,{{ *}}16,{{ *}}26,{{ *}}-3,{{ *}}-15,{{ *}}79,{{ *}}-41,{{ *}}-4,{{ *}}5,{{ *}}4,{{ *}}-3,{{ *}}-1,{{ *}}23,{{ *}}18,{{ *}}2,{{ *}}24,{{ *}}22,{{ *}}44]
// CHECK: [{{ *}}18,{{ *}}10,{{ *}}47,{{ *}}-88,{{ *}}-28,{{ *}}-44,{{ *}}-17,{{ *}}-8,{{ *}}-40,{{ *}}43,{{ *}}8,{{ *}}27,{{ *}}16,{{ *}}29,{{ *}}-34,{{ *}}-16,{{ *}}24,{{ *}}6,{{ *}}1,{{ *}}9,{{ *}}12,{{ *}}-37,{{ *}}-51,{{ *}}18,{{ *}}17,{{ *}}-5,{{ *}}-42,{{ *}}14,{{ *}}10,{{ *}}5,{{ *}}-8,{{ *}}33,{{ *}}-13,{{ *}}5,{{ *}}36,{{ *}}10,{{ *}}-21]
// CHECK: [{{ *}}-34,{{ *}}-48,{{ *}}17,{{ *}}-28,{{ *}}-35,{{ *}}48,{{ *}}-27,{{ *}}-17,{{ *}}37,{{ *}}-39,{{ *}}13,{{ *}}8,{{ *}}32,{{ *}}-15,{{ *}}36,{{ *}}-44,{{ *}}18,{{ *}}-20,{{ *}}-62,{{ *}}-47,{{ *}}-13,{{ *}}59,{{ *}}31,{{ *}}20,{{ *}}-26,{{ *}}-31,{{ *}}-83,{{ *}}-85,{{ *}}14,{{ *}}-12,{{ *}}-43,{{ *}}-4,{{ *}}-17,{{ *}}-4,{{ *}}-18,{{ *}}4,{{ *}}1]
// CHECK: [{{ *}}-12,{{ *}}-8,{{ *}}-28,{{ *}}-24,{{ *}}9,{{ *}}21,{{ *}}-1,{{ *}}-31,{{ *}}12,{{ *}}-59,{{ *}}-34,{{ *}}-6,{{ *}}37,{{ *}}-4,{{ *}}2,{{ *}}-22,{{ *}}24,{{ *}}13,{{ *}}23,{{ *}}26,{{ *}}21,{{ *}}34,{{ *}}-21,{{ *}}-15,{{ *}}39,{{ *}}-19,{{ *}}5,{{ *}}20,{{ *}}-6,{{ *}}24,{{ *}}-9,{{ *}}0,{{ *}}-36,{{ *}}52,{{ *}}-9,{{ *}}0,{{ *}}-4]
// CHECK: [{{ *}}-19,{{ *}}-10,{{ *}}14,{{ *}}45,{{ *}}-9,{{ *}}-15,{{ *}}-3,{{ *}}51,{{ *}}-23,{{ *}}11,{{ *}}-9,{{ *}}45,{{ *}}-71,{{ *}}12,{{ *}}-14,{{ *}}45,{{ *}}5,{{ *}}28,{{ *}}-10,{{ *}}8,{{ *}}-24,{{ *}}-12,{{ *}}47,{{ *}}-12,{{ *}}12,{{ *}}32,{{ *}}11,{{ *}}1,{{ *}}-37,{{ *}}9,{{ *}}11,{{ *}}-8,{{ *}}31,{{ *}}-59,{{ *}}-6,{{ *}}16,{{ *}}14]
// CHECK: [{{ *}}0,{{ *}}-22,{{ *}}19,{{ *}}9,{{ *}}32,{{ *}}1,{{ *}}-5,{{ *}}-32,{{ *}}33,{{ *}}-3,{{ *}}56,{{ *}}-30,{{ *}}13,{{ *}}14,{{ *}}44,{{ *}}-28,{{ *}}-31,{{ *}}-10,{{ *}}-27,{{ *}}-31,{{ *}}-20,{{ *}}-3,{{ *}}-45,{{ *}}-5,{{ *}}-37,{{ *}}-7,{{ *}}14,{{ *}}-15,{{ *}}7,{{ *}}23,{{ *}}-23,{{ *}}1,{{ *}}31,{{ *}}2,{{ *}}-10,{{ *}}2,{{ *}}-14]
// The tiled matmul equals the loop-form reference exactly.
// CHECK: Unranked Memref {{.*}} rank = 1
// CHECK-NEXT: [0]
// CHECK: Unranked Memref {{.*}} rank = 0
// CHECK-NEXT: [-496]
