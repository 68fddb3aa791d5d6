// llm.matmul_nbits: round trip, inferred type and verifier errors.
// RUN: llmc-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func @ok
// CHECK: llm.matmul_nbits %arg0, %arg1, %arg2, %arg3 {bits = 4 : i64, block_size = 16 : i64, k = 40 : i64, n = 6 : i64} : (tensor<?x3x40xf32>, tensor<6x3x8xui8>, tensor<18xf32>, tensor<6x2xui8>) -> tensor<?x3x6xf32>
// CHECK: llm.matmul_nbits %arg4, %{{.*}}, %{{.*}} {bits = 8 : i64, {{.*}}} : (tensor<40xf16>, tensor<6x3x16xui8>, tensor<6x3xf16>) -> tensor<6xf16>
func.func @ok(%a: tensor<?x3x40xf32>, %b: tensor<6x3x8xui8>, %s: tensor<18xf32>, %z: tensor<6x2xui8>,
              %ah: tensor<40xf16>, %b8: tensor<6x3x16xui8>, %sh: tensor<6x3xf16>) -> (tensor<?x3x6xf32>, tensor<6xf16>) {
  %0 = llm.matmul_nbits %a, %b, %s, %z {bits = 4 : i64, block_size = 16 : i64, k = 40 : i64, n = 6 : i64} : (tensor<?x3x40xf32>, tensor<6x3x8xui8>, tensor<18xf32>, tensor<6x2xui8>) -> tensor<?x3x6xf32>
  %1 = llm.matmul_nbits %ah, %b8, %sh {bits = 8 : i64, block_size = 16 : i64, k = 40 : i64, n = 6 : i64} : (tensor<40xf16>, tensor<6x3x16xui8>, tensor<6x3xf16>) -> tensor<6xf16>
  return %0, %1 : tensor<?x3x6xf32>, tensor<6xf16>
}

// -----
func.func @bits(%a: tensor<2x32xf32>, %b: tensor<4x2x8xui8>, %s: tensor<8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{bits must be 4 or 8, got 3}}
  %0 = llm.matmul_nbits %a, %b, %s {bits = 3 : i64, block_size = 16 : i64, k = 32 : i64, n = 4 : i64} : (tensor<2x32xf32>, tensor<4x2x8xui8>, tensor<8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----
func.func @packed_shape(%a: tensor<2x32xf32>, %b: tensor<4x2x16xui8>, %s: tensor<8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{packed weight must be ui8 [4, 2, 8]}}
  %0 = llm.matmul_nbits %a, %b, %s {bits = 4 : i64, block_size = 16 : i64, k = 32 : i64, n = 4 : i64} : (tensor<2x32xf32>, tensor<4x2x16xui8>, tensor<8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----
func.func @k_mismatch(%a: tensor<2x30xf32>, %b: tensor<4x2x8xui8>, %s: tensor<8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{input last dim must be k = 32}}
  %0 = llm.matmul_nbits %a, %b, %s {bits = 4 : i64, block_size = 16 : i64, k = 32 : i64, n = 4 : i64} : (tensor<2x30xf32>, tensor<4x2x8xui8>, tensor<8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----
func.func @scales(%a: tensor<2x32xf32>, %b: tensor<4x2x8xui8>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{scales must be [8] or [4, 2]}}
  %0 = llm.matmul_nbits %a, %b, %s {bits = 4 : i64, block_size = 16 : i64, k = 32 : i64, n = 4 : i64} : (tensor<2x32xf32>, tensor<4x2x8xui8>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----
func.func @zero_points(%a: tensor<2x32xf32>, %b: tensor<4x2x8xui8>, %s: tensor<8xf32>, %z: tensor<8xui8>) -> tensor<2x4xf32> {
  // expected-error @+1 {{zero points must be ui8 [4] or [4, 1]}}
  %0 = llm.matmul_nbits %a, %b, %s, %z {bits = 4 : i64, block_size = 16 : i64, k = 32 : i64, n = 4 : i64} : (tensor<2x32xf32>, tensor<4x2x8xui8>, tensor<8xf32>, tensor<8xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
