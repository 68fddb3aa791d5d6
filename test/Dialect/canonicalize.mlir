// RUN: llmc-opt %s -canonicalize | FileCheck %s

// Shape arithmetic of exporters folds to constants once dims are static.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT: llm.shape
// CHECK-NOT: llm.gather
// CHECK-NOT: llm.concat
// CHECK: %[[R:.*]] = llm.reshape %arg0 : tensor<2x3x4xf32> -> tensor<2x12xf32>
// CHECK: return %[[R]]
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %s = llm.shape %x : tensor<2x3x4xf32> -> tensor<3xi64>
  %i = llm.constant dense<0> : tensor<1xi64>
  %d0 = llm.gather %s[%i] {axis = 0 : i64} : tensor<3xi64>, tensor<1xi64> -> tensor<1xi64>
  %m = llm.constant dense<-1> : tensor<1xi64>
  %shape = llm.concat %d0, %m {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = llm.reshape %x : tensor<2x3x4xf32> -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// CHECK-LABEL: func.func @fold_int_math
// CHECK: llm.constant dense<[7, 12]> : tensor<2xi64>
func.func @fold_int_math() -> tensor<2xi64> {
  %a = llm.constant dense<[3, 4]> : tensor<2xi64>
  %b = llm.constant dense<[4, 3]> : tensor<2xi64>
  %c = llm.add %a, %b : tensor<2xi64>, tensor<2xi64> -> tensor<2xi64>
  %d = llm.mul %a, %b : tensor<2xi64>, tensor<2xi64> -> tensor<2xi64>
  %e = llm.slice %d {starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : tensor<2xi64> -> tensor<1xi64>
  %f = llm.slice %c {starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : tensor<2xi64> -> tensor<1xi64>
  %g = llm.concat %f, %e {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %g : tensor<2xi64>
}

// CHECK-LABEL: func.func @reshape_reshape
// CHECK-NEXT: %[[R:.*]] = llm.reshape %arg0 : tensor<2x6xf32> -> tensor<12xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_reshape(%x: tensor<2x6xf32>) -> tensor<12xf32> {
  %0 = llm.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  %1 = llm.reshape %0 : tensor<3x4xf32> -> tensor<12xf32>
  return %1 : tensor<12xf32>
}

// CHECK-LABEL: func.func @transpose_transpose
// CHECK-NEXT: return %arg0
func.func @transpose_transpose(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = llm.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = llm.transpose %0 {perm = array<i64: 2, 0, 1>} : tensor<3x4x2xf32> -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @cast_identity
// CHECK-NEXT: return %arg0
func.func @cast_identity(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = llm.cast %x : tensor<3xf32> to tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @compare_fold
// CHECK: llm.constant dense<[true, false]> : tensor<2xi1>
func.func @compare_fold() -> tensor<2xi1> {
  %a = llm.constant dense<[1, 5]> : tensor<2xi64>
  %b = llm.constant dense<[3, 2]> : tensor<2xi64>
  %c = llm.less %a, %b : tensor<2xi64>, tensor<2xi64> -> tensor<2xi1>
  return %c : tensor<2xi1>
}
