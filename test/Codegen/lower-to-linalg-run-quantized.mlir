// Numerics of llm.matmul_nbits (onnxruntime MatMulNBits): 4-bit with packed
// zero points (odd block count: the last zero-point byte holds one value),
// 8-bit with the default zero point 128, 4-bit with the default zero point 8;
// K = 40 with block size 16 pads the last block. Expected values from numpy
// (dequantize (q - zp) * scale, low nibble first, then a @ w^T); the inputs
// are small integers and power-of-two scales, so the results are exact.
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @nbits(%a: tensor<2x40xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) attributes {llm.kernel} {
  %b4 = llm.constant dense<[[[72, 239, 130, 223, 171, 176, 23, 131], [139, 217, 90, 154, 1, 106, 89, 35], [214, 102, 249, 150, 151, 167, 168, 47]], [[120, 53, 96, 29, 246, 63, 160, 64], [215, 161, 40, 221, 247, 233, 159, 36], [57, 236, 131, 32, 230, 175, 153, 96]], [[111, 51, 11, 239, 121, 140, 87, 199], [0, 91, 12, 30, 246, 161, 107, 129], [214, 90, 144, 164, 93, 142, 200, 236]]]> : tensor<3x3x8xui8>
  %s4 = llm.constant dense<[2.0, 0.25, 0.5, 2.0, 0.5, 0.25, 1.0, 2.0, 1.0]> : tensor<9xf32>
  %z4 = llm.constant dense<[172, 2, 109, 13, 253, 0]> : tensor<6xui8>
  %b8 = llm.constant dense<[[[221, 160, 124, 203, 243, 131, 22, 185, 59, 57, 49, 50, 232, 92, 27, 45], [101, 88, 79, 242, 221, 146, 252, 87, 35, 69, 22, 243, 56, 113, 51, 250], [40, 131, 243, 133, 230, 229, 196, 190, 147, 148, 212, 109, 242, 224, 95, 105]], [[182, 236, 24, 17, 63, 110, 41, 132, 138, 243, 190, 64, 201, 206, 174, 173], [79, 183, 34, 161, 235, 248, 76, 85, 158, 101, 187, 51, 43, 12, 120, 54], [76, 234, 208, 215, 151, 28, 191, 154, 232, 122, 44, 152, 116, 168, 96, 78]], [[32, 246, 193, 119, 60, 160, 105, 162, 23, 47, 188, 15, 173, 105, 0, 195], [179, 208, 229, 186, 215, 28, 235, 233, 177, 205, 189, 224, 227, 133, 208, 234], [76, 11, 43, 7, 111, 5, 66, 64, 180, 63, 243, 48, 248, 145, 62, 9]]]> : tensor<3x3x16xui8>
  %s8 = llm.constant dense<[[0.25, 0.5, 0.25], [0.25, 0.25, 1.0], [0.25, 0.25, 0.5]]> : tensor<3x3xf32>
  %s4b = llm.constant dense<[[2.0, 0.25, 0.5], [2.0, 0.5, 0.25], [1.0, 2.0, 1.0]]> : tensor<3x3xf32>
  %0 = llm.matmul_nbits %a, %b4, %s4, %z4 {bits = 4 : i64, block_size = 16 : i64, k = 40 : i64, n = 3 : i64} : (tensor<2x40xf32>, tensor<3x3x8xui8>, tensor<9xf32>, tensor<6xui8>) -> tensor<2x3xf32>
  %1 = llm.matmul_nbits %a, %b8, %s8 {bits = 8 : i64, block_size = 16 : i64, k = 40 : i64, n = 3 : i64} : (tensor<2x40xf32>, tensor<3x3x16xui8>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %2 = llm.matmul_nbits %a, %b4, %s4b {bits = 4 : i64, block_size = 16 : i64, k = 40 : i64, n = 3 : i64} : (tensor<2x40xf32>, tensor<3x3x8xui8>, tensor<3x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %a = arith.constant dense<[[2.0, 1.0, 1.0, 2.0, 0.0, 1.0, 2.0, -1.0, -2.0, -1.0, -1.0, 2.0, 2.0, -2.0, 0.0, 2.0, -2.0, 1.0, -2.0, 0.0, 2.0, -1.0, -1.0, -1.0, 1.0, -1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 1.0, 1.0, 1.0, -1.0, 2.0], [0.0, -1.0, 2.0, -2.0, 2.0, 1.0, -2.0, -2.0, 0.0, -2.0, -2.0, 0.0, 2.0, 0.0, 2.0, 2.0, 2.0, 1.0, 0.0, 0.0, -1.0, 0.0, -1.0, -1.0, 2.0, -2.0, -2.0, -2.0, 2.0, 1.0, 2.0, -1.0, 1.0, -1.0, 0.0, -2.0, 1.0, 2.0, 1.0, -2.0]]> : tensor<2x40xf32>
  %r:3 = call @nbits(%a) : (tensor<2x40xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
  %u0 = tensor.cast %r#0 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %r#1 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %r#2 : tensor<2x3xf32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  return
}

// CHECK: Unranked Memref
// CHECK-NEXT: [53.25,   -181.75,   60],
// CHECK-NEXT: [-56.5,   -167.75,   -133]]
// CHECK: Unranked Memref
// CHECK-NEXT: [186.5,   409.5,   -332.5],
// CHECK-NEXT: [-288.5,   -556.75,   -24]]
// CHECK: Unranked Memref
// CHECK-NEXT: [92.25,   -89.75,   8],
// CHECK-NEXT: [-56.5,   -167.75,   -133]]
