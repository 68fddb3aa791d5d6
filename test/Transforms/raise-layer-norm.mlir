// RUN: llmc-opt %s -split-input-file -llm-raise-layer-norm -canonicalize | FileCheck %s
// With llm-raise-rms-norm after it (the llmc compile order), nothing is left
// for the RMSNorm pattern, which would otherwise take `n * gamma` for the
// RMSNorm of the centered value:
// RUN: llmc-opt %s -split-input-file -llm-raise-layer-norm -llm-raise-rms-norm -canonicalize | FileCheck %s --check-prefix=ORDER
// ORDER-NOT: llm.rms_norm

// torch.onnx export (opset 14) of nn.LayerNorm(16) (native_layer_norm):
// ReduceMean -> Sub -> Pow(2) -> ReduceMean -> Add(eps) -> Sqrt -> Div ->
// Mul(weight) -> Add(bias), rank-0 constants, keepdims.
// CHECK-LABEL: func.func @torch_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x16xf32>, %[[W:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>)
// CHECK-NEXT: %[[Y:.*]], %{{.*}}, %{{.*}} = llm.layer_norm %[[X]], %[[W]], %[[B]] {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x5x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x5x16xf32>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @torch_layer_norm(%x: tensor<2x5x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x5x16xf32> {
  %eps = llm.constant dense<9.99999974E-6> : tensor<f32>
  %two = llm.constant dense<2.000000e+00> : tensor<f32>
  %4 = llm.reduce_mean %x {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %5 = llm.sub %x, %4 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %6 = llm.pow %5, %two : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %7 = llm.reduce_mean %6 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %8 = llm.add %7, %eps : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %9 = llm.sqrt %8 : tensor<2x5x1xf32>
  %10 = llm.div %5, %9 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %11 = llm.mul %10, %w : tensor<2x5x16xf32>, tensor<16xf32> -> tensor<2x5x16xf32>
  %12 = llm.add %11, %b : tensor<2x5x16xf32>, tensor<16xf32> -> tensor<2x5x16xf32>
  return %12 : tensor<2x5x16xf32>
}

// -----

// nn.LayerNorm(16, elementwise_affine=False): no Mul/Add; the scale is ones.
// CHECK-LABEL: func.func @torch_no_affine
// CHECK: %[[ONE:.*]] = llm.constant dense<1.000000e+00> : tensor<16xf32>
// CHECK-NEXT: %[[Y:.*]], %{{.*}}, %{{.*}} = llm.layer_norm %arg0, %[[ONE]] {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x5x16xf32>, tensor<16xf32>) -> (tensor<2x5x16xf32>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @torch_no_affine(%x: tensor<2x5x16xf32>) -> tensor<2x5x16xf32> {
  %0 = llm.constant dense<9.99999974E-6> : tensor<f32>
  %1 = llm.constant dense<2.000000e+00> : tensor<f32>
  %2 = llm.reduce_mean %x {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %3 = llm.sub %x, %2 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %4 = llm.pow %3, %1 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %5 = llm.reduce_mean %4 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %6 = llm.add %5, %0 : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %7 = llm.sqrt %6 : tensor<2x5x1xf32>
  %8 = llm.div %3, %7 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  return %8 : tensor<2x5x16xf32>
}

// -----

// nn.LayerNorm((4, 16), eps=1e-6): normalized over the last two dims
// (ReduceMean axes [1, 2]), weight and bias of the normalized shape.
// CHECK-LABEL: func.func @torch_two_dims
// CHECK-NEXT: %[[Y:.*]], %{{.*}}, %{{.*}} = llm.layer_norm %arg0, %arg1, %arg2 {axis = 1 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<2x4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) -> (tensor<2x4x16xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @torch_two_dims(%x: tensor<2x4x16xf32>, %w: tensor<4x16xf32>, %b: tensor<4x16xf32>) -> tensor<2x4x16xf32> {
  %2 = llm.constant dense<9.99999997E-7> : tensor<f32>
  %3 = llm.constant dense<2.000000e+00> : tensor<f32>
  %4 = llm.reduce_mean %x {axes = array<i64: 1, 2>} : tensor<2x4x16xf32> -> tensor<2x1x1xf32>
  %5 = llm.sub %x, %4 : tensor<2x4x16xf32>, tensor<2x1x1xf32> -> tensor<2x4x16xf32>
  %6 = llm.pow %5, %3 : tensor<2x4x16xf32>, tensor<f32> -> tensor<2x4x16xf32>
  %7 = llm.reduce_mean %6 {axes = array<i64: 1, 2>} : tensor<2x4x16xf32> -> tensor<2x1x1xf32>
  %8 = llm.add %7, %2 : tensor<2x1x1xf32>, tensor<f32> -> tensor<2x1x1xf32>
  %9 = llm.sqrt %8 : tensor<2x1x1xf32>
  %10 = llm.div %5, %9 : tensor<2x4x16xf32>, tensor<2x1x1xf32> -> tensor<2x4x16xf32>
  %11 = llm.mul %10, %w : tensor<2x4x16xf32>, tensor<4x16xf32> -> tensor<2x4x16xf32>
  %12 = llm.add %11, %b : tensor<2x4x16xf32>, tensor<4x16xf32> -> tensor<2x4x16xf32>
  return %12 : tensor<2x4x16xf32>
}

// -----

// Residual (skip) variant, as torch exports `h = x + r; ln(h)` with h also
// used later (the residual stream): the Add stays and feeds the layer_norm
// (the form com.microsoft.SkipLayerNormalization imports to).
// CHECK-LABEL: func.func @residual_skip
// CHECK-NEXT: %[[H:.*]] = llm.add %arg0, %arg1
// CHECK-NEXT: %[[Y:.*]], %{{.*}}, %{{.*}} = llm.layer_norm %[[H]], %arg2, %arg3 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT: return %[[Y]], %[[H]]
func.func @residual_skip(%x: tensor<2x5x16xf32>, %r: tensor<2x5x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<2x5x16xf32>, tensor<2x5x16xf32>) {
  %2 = llm.constant dense<9.99999974E-6> : tensor<f32>
  %3 = llm.constant dense<2.000000e+00> : tensor<f32>
  %4 = llm.add %x, %r : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %5 = llm.reduce_mean %4 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %6 = llm.sub %4, %5 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %7 = llm.pow %6, %3 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %8 = llm.reduce_mean %7 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %9 = llm.add %8, %2 : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %10 = llm.sqrt %9 : tensor<2x5x1xf32>
  %11 = llm.div %6, %10 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %12 = llm.mul %11, %w : tensor<2x5x16xf32>, tensor<16xf32> -> tensor<2x5x16xf32>
  %13 = llm.add %12, %b : tensor<2x5x16xf32>, tensor<16xf32> -> tensor<2x5x16xf32>
  return %13, %4 : tensor<2x5x16xf32>, tensor<2x5x16xf32>
}

// -----

// Hand-written spellings: Mul(d, d) for the square, ReduceMean without
// keepdims then Unsqueeze (reshape), a 1-element eps first, rsqrt as
// Div(1, Sqrt), operands swapped, [1, 1, D] weight and bias; f64.
// CHECK-LABEL: func.func @other_spellings
// CHECK-NEXT: %[[Y:.*]], %{{.*}}, %{{.*}} = llm.layer_norm %arg0, %arg1, %arg2 {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<2x3x8xf64>, tensor<1x1x8xf64>, tensor<1x1x8xf64>)
// CHECK-NEXT: return %[[Y]]
func.func @other_spellings(%x: tensor<2x3x8xf64>, %w: tensor<1x1x8xf64>, %b: tensor<1x1x8xf64>) -> tensor<2x3x8xf64> {
  %eps = llm.constant dense<[1.0e-6]> : tensor<1xf64>
  %one = llm.constant dense<1.0> : tensor<f64>
  %m0 = llm.reduce_mean %x {axes = array<i64: 2>, keepdims = false} : tensor<2x3x8xf64> -> tensor<2x3xf64>
  %m = llm.reshape %m0 : tensor<2x3xf64> -> tensor<2x3x1xf64>
  %d = llm.sub %x, %m : tensor<2x3x8xf64>, tensor<2x3x1xf64> -> tensor<2x3x8xf64>
  %sq = llm.mul %d, %d : tensor<2x3x8xf64>, tensor<2x3x8xf64> -> tensor<2x3x8xf64>
  %v = llm.reduce_mean %sq {axes = array<i64: 2>} : tensor<2x3x8xf64> -> tensor<2x3x1xf64>
  %ve = llm.add %eps, %v : tensor<1xf64>, tensor<2x3x1xf64> -> tensor<2x3x1xf64>
  %s = llm.sqrt %ve : tensor<2x3x1xf64>
  %r = llm.div %one, %s : tensor<f64>, tensor<2x3x1xf64> -> tensor<2x3x1xf64>
  %n = llm.mul %r, %d : tensor<2x3x1xf64>, tensor<2x3x8xf64> -> tensor<2x3x8xf64>
  %g = llm.mul %w, %n : tensor<1x1x8xf64>, tensor<2x3x8xf64> -> tensor<2x3x8xf64>
  %y = llm.add %b, %g : tensor<1x1x8xf64>, tensor<2x3x8xf64> -> tensor<2x3x8xf64>
  return %y : tensor<2x3x8xf64>
}

// -----

// Reciprocal(Sqrt) and a normalized value with another user: the layer_norm
// (scale ones) replaces it, and the affine Mul/Add stay as they are.
// CHECK-LABEL: func.func @normalized_used_twice
// CHECK: %[[ONE:.*]] = llm.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK-NEXT: %[[N:.*]], %{{.*}}, %{{.*}} = llm.layer_norm %arg0, %[[ONE]] {axis = 1 : i64, epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT: %[[G:.*]] = llm.mul %[[N]], %arg1
// CHECK-NEXT: return %[[G]], %[[N]]
func.func @normalized_used_twice(%x: tensor<4x8xf32>, %w: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %eps = llm.constant dense<1.0e-5> : tensor<f32>
  %two = llm.constant dense<2.0> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = llm.sub %x, %m : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  %sq = llm.pow %d, %two : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %v = llm.reduce_mean %sq {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  %ve = llm.add %v, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = llm.sqrt %ve : tensor<4x1xf32>
  %r = llm.reciprocal %s : tensor<4x1xf32>
  %n = llm.mul %d, %r : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  %g = llm.mul %n, %w : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  return %g, %n : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A weight that varies over a dim that is not normalized ([5, 1] against
// axis 2) is not the layer norm's scale: the norm is raised with ones and the
// Mul and the Add stay.
// CHECK-LABEL: func.func @weight_over_rows
// CHECK: llm.layer_norm %arg0, %{{.*}} {axis = 2 : i64
// CHECK-NEXT: llm.mul {{.*}} %arg1
// CHECK-NEXT: llm.add {{.*}} %arg2
func.func @weight_over_rows(%x: tensor<2x5x16xf32>, %w: tensor<5x1xf32>, %b: tensor<16xf32>) -> tensor<2x5x16xf32> {
  %eps = llm.constant dense<1.0e-5> : tensor<f32>
  %two = llm.constant dense<2.0> : tensor<f32>
  %m = llm.reduce_mean %x {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %d = llm.sub %x, %m : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %sq = llm.pow %d, %two : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %v = llm.reduce_mean %sq {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %ve = llm.add %v, %eps : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %s = llm.sqrt %ve : tensor<2x5x1xf32>
  %n = llm.div %d, %s : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %g = llm.mul %n, %w : tensor<2x5x16xf32>, tensor<5x1xf32> -> tensor<2x5x16xf32>
  %y = llm.add %g, %b : tensor<2x5x16xf32>, tensor<16xf32> -> tensor<2x5x16xf32>
  return %y : tensor<2x5x16xf32>
}

// -----

// Near misses, none raised: the mean over a dim that is not a suffix
// (axis 1 of 3); the variance of another centered value (z - mean(x));
// variance and mean over different dims; x^3 instead of x^2; a non-constant
// eps; no Sqrt; f16 statistics (the op computes them in f32).
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.layer_norm
// CHECK: return
func.func @near_misses(%x: tensor<2x5x16xf32>, %z: tensor<2x5x16xf32>, %e: tensor<f32>, %h: tensor<2x16xf16>)
    -> (tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x16xf16>) {
  %eps = llm.constant dense<1.0e-5> : tensor<f32>
  %two = llm.constant dense<2.0> : tensor<f32>
  %three = llm.constant dense<3.0> : tensor<f32>
  // mean over axis 1
  %m1 = llm.reduce_mean %x {axes = array<i64: 1>} : tensor<2x5x16xf32> -> tensor<2x1x16xf32>
  %d1 = llm.sub %x, %m1 : tensor<2x5x16xf32>, tensor<2x1x16xf32> -> tensor<2x5x16xf32>
  %q1 = llm.pow %d1, %two : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %v1 = llm.reduce_mean %q1 {axes = array<i64: 1>} : tensor<2x5x16xf32> -> tensor<2x1x16xf32>
  %e1 = llm.add %v1, %eps : tensor<2x1x16xf32>, tensor<f32> -> tensor<2x1x16xf32>
  %s1 = llm.sqrt %e1 : tensor<2x1x16xf32>
  %y1 = llm.div %d1, %s1 : tensor<2x5x16xf32>, tensor<2x1x16xf32> -> tensor<2x5x16xf32>
  // variance of z - mean(x), normalizing x - mean(x)
  %m = llm.reduce_mean %x {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %d = llm.sub %x, %m : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %dz = llm.sub %z, %m : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  %q2 = llm.pow %dz, %two : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %v2 = llm.reduce_mean %q2 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %e2 = llm.add %v2, %eps : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %s2 = llm.sqrt %e2 : tensor<2x5x1xf32>
  %y2 = llm.div %d, %s2 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  // variance over axes [1, 2], mean over [2]
  %q3 = llm.pow %d, %two : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %v3 = llm.reduce_mean %q3 {axes = array<i64: 1, 2>} : tensor<2x5x16xf32> -> tensor<2x1x1xf32>
  %e3 = llm.add %v3, %eps : tensor<2x1x1xf32>, tensor<f32> -> tensor<2x1x1xf32>
  %s3 = llm.sqrt %e3 : tensor<2x1x1xf32>
  %y3 = llm.div %d, %s3 : tensor<2x5x16xf32>, tensor<2x1x1xf32> -> tensor<2x5x16xf32>
  // cube
  %q4 = llm.pow %d, %three : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %v4 = llm.reduce_mean %q4 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %e4 = llm.add %v4, %eps : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %s4 = llm.sqrt %e4 : tensor<2x5x1xf32>
  %y4 = llm.div %d, %s4 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  // eps is an argument
  %v5 = llm.reduce_mean %q3 {axes = array<i64: 2>} : tensor<2x5x16xf32> -> tensor<2x5x1xf32>
  %e5 = llm.add %v5, %e : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %s5 = llm.sqrt %e5 : tensor<2x5x1xf32>
  %y5 = llm.div %d, %s5 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  // divided by the variance (no Sqrt)
  %e6 = llm.add %v5, %eps : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %y6 = llm.div %d, %e6 : tensor<2x5x16xf32>, tensor<2x5x1xf32> -> tensor<2x5x16xf32>
  // f16
  %epsh = llm.constant dense<1.0e-5> : tensor<f16>
  %twoh = llm.constant dense<2.0> : tensor<f16>
  %mh = llm.reduce_mean %h {axes = array<i64: 1>} : tensor<2x16xf16> -> tensor<2x1xf16>
  %dh = llm.sub %h, %mh : tensor<2x16xf16>, tensor<2x1xf16> -> tensor<2x16xf16>
  %qh = llm.pow %dh, %twoh : tensor<2x16xf16>, tensor<f16> -> tensor<2x16xf16>
  %vh = llm.reduce_mean %qh {axes = array<i64: 1>} : tensor<2x16xf16> -> tensor<2x1xf16>
  %eh = llm.add %vh, %epsh : tensor<2x1xf16>, tensor<f16> -> tensor<2x1xf16>
  %sh = llm.sqrt %eh : tensor<2x1xf16>
  %yh = llm.div %dh, %sh : tensor<2x16xf16>, tensor<2x1xf16> -> tensor<2x16xf16>
  return %y1, %y2, %y3, %y4, %y5, %y6, %yh : tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x16xf16>
}
