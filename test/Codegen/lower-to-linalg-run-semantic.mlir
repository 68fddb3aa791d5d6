// Numerics of the semantic ops: rms_norm (f32, and f16 computed in f32),
// silu_mul, rope (rotate-half and interleaved). Expected values from numpy.
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @rms_norm(%x: tensor<2x4xf32>, %w: tensor<4xf32>) -> tensor<2x4xf32> attributes {llm.kernel} {
  %0 = llm.rms_norm %x, %w {epsilon = 0.5 : f32} : tensor<2x4xf32>, tensor<4xf32>
  return %0 : tensor<2x4xf32>
}
func.func private @rms_norm_f16(%x: tensor<2x4xf32>, %w: tensor<4xf32>) -> tensor<2x4xf32> attributes {llm.kernel} {
  %xh = llm.cast %x : tensor<2x4xf32> to tensor<2x4xf16>
  %wh = llm.cast %w : tensor<4xf32> to tensor<4xf16>
  %0 = llm.rms_norm %xh, %wh {epsilon = 0.5 : f32} : tensor<2x4xf16>, tensor<4xf16>
  %1 = llm.cast %0 : tensor<2x4xf16> to tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}
func.func private @silu_mul(%g: tensor<2x3xf32>, %u: tensor<2x3xf32>) -> tensor<2x3xf32> attributes {llm.kernel} {
  %0 = llm.silu_mul %g, %u : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
func.func private @rope(%x: tensor<2x2x4xf32>, %c: tensor<2x4xf32>, %s: tensor<2x4xf32>) -> (tensor<2x2x4xf32>, tensor<2x2x4xf32>) attributes {llm.kernel} {
  %0 = llm.rope %x, %c, %s : tensor<2x2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  %1 = llm.rope %x, %c, %s {interleaved = true} : tensor<2x2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  return %0, %1 : tensor<2x2x4xf32>, tensor<2x2x4xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]]> : tensor<2x4xf32>
  %w = arith.constant dense<[1.0, 0.5, 2.0, -1.0]> : tensor<4xf32>
  %r0 = call @rms_norm(%x, %w) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %u0 = tensor.cast %r0 : tensor<2x4xf32> to tensor<*xf32>
  call @print(%u0) : (tensor<*xf32>) -> ()
  %r1 = call @rms_norm_f16(%x, %w) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %u1 = tensor.cast %r1 : tensor<2x4xf32> to tensor<*xf32>
  call @print(%u1) : (tensor<*xf32>) -> ()
  %g = arith.constant dense<[[-2.0, 0.0, 1.0], [3.0, -0.5, 10.0]]> : tensor<2x3xf32>
  %up = arith.constant dense<[[1.0, 5.0, 2.0], [-1.0, 4.0, 0.5]]> : tensor<2x3xf32>
  %r2 = call @silu_mul(%g, %up) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %u2 = tensor.cast %r2 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  %q = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], [[-1.0, 0.0, 1.0, 2.0], [0.5, 0.25, -0.5, 1.0]]]> : tensor<2x2x4xf32>
  %c = arith.constant dense<[[1.0, 0.5, 1.0, 0.5], [0.0, -1.0, 2.0, 0.25]]> : tensor<2x4xf32>
  %s = arith.constant dense<[[0.0, 1.0, 0.5, 2.0], [1.0, 0.5, -1.0, 3.0]]> : tensor<2x4xf32>
  %r3:2 = call @rope(%q, %c, %s) : (tensor<2x2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x2x4xf32>, tensor<2x2x4xf32>)
  %u3 = tensor.cast %r3#0 : tensor<2x2x4xf32> to tensor<*xf32>
  call @print(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r3#1 : tensor<2x2x4xf32> to tensor<*xf32>
  call @print(%u4) : (tensor<*xf32>) -> ()
  return
}

// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0.353553,   0.353553,   2.12132,   -1.41421],
// CHECK-NEXT: [-0.742781,   0.185695,   0,   -1.48556]]
// f16: x/rms rounded to f16, times w, rounded again (HF LlamaRMSNorm).
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}0.353516,   0.353516,   2.12109,   -1.41406],
// CHECK-NEXT: [-0.742676,   0.185669,   0,   -1.48535]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}-0.238406,   0,   1.46212],
// CHECK-NEXT: [-2.85772,   -0.755081,   4.99977]]
// rotate-half
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}1,    -3,    3.5,    6],
// CHECK-NEXT: [-7,    -10,    9,    20]],
// CHECK-NEXT: {{\[\[}}-1,    -2,    0.5,    1],
// CHECK-NEXT: [0.5,    -0.75,    -1.5,    1]]]
// interleaved
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[}}1,    2,    1,    8],
// CHECK-NEXT: [-6,    -3.5,    22,    23]],
// CHECK-NEXT: {{\[\[}}-1,    -1,    0,    3],
// CHECK-NEXT: [-0.25,    0,    0,    -1.25]]]
