// Numerics of elementwise lowerings (casts, unsigned and signed integer division, broadcasting, NaN in max/min, integer pow, activations).
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @cast_trunc(%a: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) attributes {llm.kernel} {
  %0 = llm.cast %a : tensor<5xf32> to tensor<5xi32>
  %1 = llm.cast %0 : tensor<5xi32> to tensor<5xf32>
  %2 = llm.cast %a : tensor<5xf32> to tensor<5xi1>
  %3 = llm.cast %2 : tensor<5xi1> to tensor<5xf32>
  %4 = llm.cast %a : tensor<5xf32> to tensor<5xi64>
  %5 = llm.cast %4 : tensor<5xi64> to tensor<5xui8>
  %6 = llm.cast %5 : tensor<5xui8> to tensor<5xf32>
  return %1, %3, %6 : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}
func.func private @unsigned_ops(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) attributes {llm.kernel} {
  %ua = llm.cast %a : tensor<4xf32> to tensor<4xui8>
  %ub = llm.cast %b : tensor<4xf32> to tensor<4xui8>
  %q = llm.div %ua, %ub : tensor<4xui8>, tensor<4xui8> -> tensor<4xui8>
  %0 = llm.cast %q : tensor<4xui8> to tensor<4xf32>
  %g = llm.greater %ua, %ub : tensor<4xui8>, tensor<4xui8> -> tensor<4xi1>
  %1 = llm.cast %g : tensor<4xi1> to tensor<4xf32>
  %m = llm.max %ua, %ub : tensor<4xui8>, tensor<4xui8> -> tensor<4xui8>
  %2 = llm.cast %m : tensor<4xui8> to tensor<4xf32>
  %ia = llm.cast %a : tensor<4xf32> to tensor<4xi32>
  %ib = llm.cast %b : tensor<4xf32> to tensor<4xi32>
  %n = llm.neg %ib : tensor<4xi32>
  %d = llm.div %ia, %n : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  %3 = llm.cast %d : tensor<4xi32> to tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
func.func private @broadcast_nan(%a: tensor<f32>, %b: tensor<2x2xf32>, %c: tensor<2x1xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) attributes {llm.kernel} {
  %0 = llm.sub %a, %b : tensor<f32>, tensor<2x2xf32> -> tensor<2x2xf32>
  %1 = llm.max %b, %c : tensor<2x2xf32>, tensor<2x1xf32> -> tensor<2x2xf32>
  %2 = llm.min %c, %b : tensor<2x1xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  %lt = llm.less %c, %b : tensor<2x1xf32>, tensor<2x2xf32> -> tensor<2x2xi1>
  %3 = llm.where %lt, %a, %b : tensor<2x2xi1>, tensor<f32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
func.func private @pow_int(%a: tensor<3xf32>, %b: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) attributes {llm.kernel} {
  %ia = llm.cast %a : tensor<3xf32> to tensor<3xi64>
  %ib = llm.cast %b : tensor<3xf32> to tensor<3xi32>
  %p = llm.pow %ia, %ib : tensor<3xi64>, tensor<3xi32> -> tensor<3xi64>
  %0 = llm.cast %p : tensor<3xi64> to tensor<3xf32>
  %1 = llm.pow %a, %ib : tensor<3xf32>, tensor<3xi32> -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}
func.func private @unary(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) attributes {llm.kernel} {
  %0 = llm.sigmoid %a : tensor<4xf32>
  %1 = llm.gelu %a : tensor<4xf32>
  %2 = llm.gelu %a {tanh_approx = true} : tensor<4xf32>
  %3 = llm.relu %a : tensor<4xf32>
  %4 = llm.erf %a : tensor<4xf32>
  %h = llm.cast %a : tensor<4xf32> to tensor<4xf16>
  %t = llm.tanh %h : tensor<4xf16>
  %5 = llm.cast %t : tensor<4xf16> to tensor<4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %in0 = arith.constant dense<[-2.7, 2.7, -0.5, 0.0, 300.9]> : tensor<5xf32>
  %r1:3 = call @cast_trunc(%in0) : (tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>)
  %u2 = tensor.cast %r1#0 : tensor<5xf32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %r1#1 : tensor<5xf32> to tensor<*xf32>
  call @print(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r1#2 : tensor<5xf32> to tensor<*xf32>
  call @print(%u4) : (tensor<*xf32>) -> ()
  %in5 = arith.constant dense<[200.0, 255.0, 7.0, -7.0]> : tensor<4xf32>
  %in6 = arith.constant dense<[3.0, 16.0, 2.0, 2.0]> : tensor<4xf32>
  %r7:4 = call @unsigned_ops(%in5, %in6) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  %u8 = tensor.cast %r7#0 : tensor<4xf32> to tensor<*xf32>
  call @print(%u8) : (tensor<*xf32>) -> ()
  %u9 = tensor.cast %r7#1 : tensor<4xf32> to tensor<*xf32>
  call @print(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %r7#2 : tensor<4xf32> to tensor<*xf32>
  call @print(%u10) : (tensor<*xf32>) -> ()
  %u11 = tensor.cast %r7#3 : tensor<4xf32> to tensor<*xf32>
  call @print(%u11) : (tensor<*xf32>) -> ()
  %in12 = arith.constant dense<10.0> : tensor<f32>
  %in13 = arith.constant dense<[[1.0, 0x7FC00000], [3.0, -4.0]]> : tensor<2x2xf32>
  %in14 = arith.constant dense<[[2.0], [0x7FC00000]]> : tensor<2x1xf32>
  %r15:4 = call @broadcast_nan(%in12, %in13, %in14) : (tensor<f32>, tensor<2x2xf32>, tensor<2x1xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>)
  %u16 = tensor.cast %r15#0 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u16) : (tensor<*xf32>) -> ()
  %u17 = tensor.cast %r15#1 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u17) : (tensor<*xf32>) -> ()
  %u18 = tensor.cast %r15#2 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u18) : (tensor<*xf32>) -> ()
  %u19 = tensor.cast %r15#3 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%u19) : (tensor<*xf32>) -> ()
  %in20 = arith.constant dense<[2.0, -3.0, 10.0]> : tensor<3xf32>
  %in21 = arith.constant dense<[10.0, 3.0, 0.0]> : tensor<3xf32>
  %r22:2 = call @pow_int(%in20, %in21) : (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %u23 = tensor.cast %r22#0 : tensor<3xf32> to tensor<*xf32>
  call @print(%u23) : (tensor<*xf32>) -> ()
  %u24 = tensor.cast %r22#1 : tensor<3xf32> to tensor<*xf32>
  call @print(%u24) : (tensor<*xf32>) -> ()
  %in25 = arith.constant dense<[-1.0, 0.0, 0.5, 3.0]> : tensor<4xf32>
  %r26:6 = call @unary(%in25) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  %u27 = tensor.cast %r26#0 : tensor<4xf32> to tensor<*xf32>
  call @print(%u27) : (tensor<*xf32>) -> ()
  %u28 = tensor.cast %r26#1 : tensor<4xf32> to tensor<*xf32>
  call @print(%u28) : (tensor<*xf32>) -> ()
  %u29 = tensor.cast %r26#2 : tensor<4xf32> to tensor<*xf32>
  call @print(%u29) : (tensor<*xf32>) -> ()
  %u30 = tensor.cast %r26#3 : tensor<4xf32> to tensor<*xf32>
  call @print(%u30) : (tensor<*xf32>) -> ()
  %u31 = tensor.cast %r26#4 : tensor<4xf32> to tensor<*xf32>
  call @print(%u31) : (tensor<*xf32>) -> ()
  %u32 = tensor.cast %r26#5 : tensor<4xf32> to tensor<*xf32>
  call @print(%u32) : (tensor<*xf32>) -> ()
  return
}

// CHECK: Unranked Memref
// CHECK-NEXT: [-2, 2, 0, 0, 300]
// CHECK: Unranked Memref
// CHECK-NEXT: [1, 1, 1, 0, 1]
// CHECK: Unranked Memref
// CHECK-NEXT: [254, 2, 0, 0, 44]
// CHECK: Unranked Memref
// CHECK-NEXT: [66, 15, 3, 124]
// CHECK: Unranked Memref
// CHECK-NEXT: [1, 1, 1, 1]
// CHECK: Unranked Memref
// CHECK-NEXT: [200, 255, 7, 249]
// CHECK: Unranked Memref
// CHECK-NEXT: [-66, -15, -3, 3]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}9, nan],
// CHECK-NEXT: [7, 14]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}2, nan],
// CHECK-NEXT: [nan, nan]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, nan],
// CHECK-NEXT: [nan, nan]]
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[}}1, nan],
// CHECK-NEXT: [3, -4]]
// CHECK: Unranked Memref
// CHECK-NEXT: [1024, -27, 1]
// CHECK: Unranked Memref
// CHECK-NEXT: [1024, -27, 1]
// CHECK: Unranked Memref
// CHECK-NEXT: [0.268941, 0.5, 0.622459, 0.952574]
// CHECK: Unranked Memref
// CHECK-NEXT: [-0.158655, 0, 0.345731, 2.99595]
// CHECK: Unranked Memref
// CHECK-NEXT: [-0.158808, 0, 0.345714, 2.99636]
// CHECK: Unranked Memref
// CHECK-NEXT: [0, 0, 0.5, 3]
// CHECK: Unranked Memref
// CHECK-NEXT: [-0.842701, 0, 0.5205, 0.999978]
// CHECK: Unranked Memref
// CHECK-NEXT: [-0.761719, 0, 0.462158, 0.995117]
