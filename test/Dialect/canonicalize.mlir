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

// Float constant arithmetic folds (GPT-2's attention scale
// torch.full([], head_dim ** 0.5) imports as Add(Pow(16, 0.5), 0)); every
// result is rounded to the element type (f16: 1/3 -> 0.333251953).
// CHECK-LABEL: func.func @fold_float_scalars
// CHECK-DAG: llm.constant dense<4.000000e+00> : tensor<f32>
// CHECK-DAG: llm.constant dense<1.250000e+00> : tensor<1xf32>
// CHECK-DAG: llm.constant dense<[4.000000e+00, 9.000000e+00]> : tensor<2xf32>
// CHECK-DAG: llm.constant dense<3.332520e-01> : tensor<f16>
// CHECK-NOT: llm.pow
// CHECK-NOT: llm.add
// CHECK-NOT: llm.sub
// CHECK-NOT: llm.div
// CHECK: return
func.func @fold_float_scalars() -> (tensor<f32>, tensor<1xf32>, tensor<2xf32>, tensor<f16>) {
  %d = llm.constant dense<16.0> : tensor<f32>
  %half = llm.constant dense<0.5> : tensor<f32>
  %zero = llm.constant dense<0.0> : tensor<f32>
  %p = llm.pow %d, %half : tensor<f32>, tensor<f32> -> tensor<f32>
  %s = llm.add %p, %zero : tensor<f32>, tensor<f32> -> tensor<f32>
  %three = llm.constant dense<3.0> : tensor<1xf32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %k = llm.constant dense<2.5> : tensor<f32>
  %four = llm.constant dense<4.0> : tensor<f32>
  %a = llm.sub %three, %one : tensor<1xf32>, tensor<f32> -> tensor<1xf32>
  %b = llm.mul %a, %k : tensor<1xf32>, tensor<f32> -> tensor<1xf32>
  %c = llm.div %b, %four : tensor<1xf32>, tensor<f32> -> tensor<1xf32>
  %base = llm.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %two = llm.constant dense<2> : tensor<i64>
  %sq = llm.pow %base, %two : tensor<2xf32>, tensor<i64> -> tensor<2xf32>
  %h1 = llm.constant dense<1.0> : tensor<f16>
  %h3 = llm.constant dense<3.0> : tensor<f16>
  %third = llm.div %h1, %h3 : tensor<f16>, tensor<f16> -> tensor<f16>
  return %s, %c, %sq, %third : tensor<f32>, tensor<1xf32>, tensor<2xf32>, tensor<f16>
}

// Pow of a runtime value does not fold.
// CHECK-LABEL: func.func @pow_not_constant
// CHECK: llm.pow %arg0
func.func @pow_not_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = llm.constant dense<3.0> : tensor<f32>
  %y = llm.pow %x, %e : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}
