// RUN: llmc-opt %s -split-input-file -llm-raise-gelu -canonicalize | FileCheck %s

// torch.onnx export (opset 14, after canonicalize + CSE) of F.gelu(x),
// F.gelu(x, approximate='tanh'), GPT-2's NewGELU with torch.pow(x, 3),
// HF's `x * 0.5 * (1 + erf(x / sqrt(2)))` and FastGELU's
// `0.5 * x * (1 + tanh(x * 0.7978845608 * (1 + 0.044715 * x * x)))`; CSE
// shares `x * 0.5` and `1 + erf(.)` between them.
// CHECK-LABEL: func.func @torch_gelus
// CHECK-NEXT: %[[A:.*]] = llm.gelu %arg0 : tensor<2x5x16xf32>
// CHECK-NEXT: %[[B:.*]] = llm.gelu %arg0 {tanh_approx = true} : tensor<2x5x16xf32>
// CHECK-NEXT: %[[C:.*]] = llm.gelu %arg0 {tanh_approx = true} : tensor<2x5x16xf32>
// CHECK-NEXT: %[[D:.*]] = llm.gelu %arg0 : tensor<2x5x16xf32>
// CHECK-NEXT: %[[E:.*]] = llm.gelu %arg0 {tanh_approx = true} : tensor<2x5x16xf32>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]]
func.func @torch_gelus(%arg0: tensor<2x5x16xf32>) -> (tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>) {
  %0 = llm.constant dense<3.000000e+00> : tensor<f32>
  %1 = llm.constant dense<0.797884583> : tensor<f32>
  %2 = llm.constant dense<4.471500e-02> : tensor<f32>
  %3 = llm.constant dense<5.000000e-01> : tensor<f32>
  %4 = llm.constant dense<1.000000e+00> : tensor<f32>
  %5 = llm.constant dense<1.41421354> : tensor<f32>
  %6 = llm.div %arg0, %5 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %7 = llm.erf %6 : tensor<2x5x16xf32>
  %8 = llm.add %7, %4 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %9 = llm.mul %arg0, %8 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %10 = llm.mul %9, %3 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %11 = llm.mul %arg0, %arg0 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %12 = llm.mul %arg0, %11 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %13 = llm.mul %12, %2 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %14 = llm.add %arg0, %13 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %15 = llm.mul %14, %1 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %16 = llm.tanh %15 : tensor<2x5x16xf32>
  %17 = llm.add %16, %4 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %18 = llm.mul %arg0, %17 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %19 = llm.mul %18, %3 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %20 = llm.mul %arg0, %3 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %21 = llm.pow %arg0, %0 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %22 = llm.mul %21, %2 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %23 = llm.add %arg0, %22 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %24 = llm.mul %23, %1 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %25 = llm.tanh %24 : tensor<2x5x16xf32>
  %26 = llm.add %25, %4 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %27 = llm.mul %20, %26 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %28 = llm.mul %20, %8 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %29 = llm.mul %arg0, %1 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %30 = llm.mul %arg0, %2 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %31 = llm.mul %30, %arg0 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %32 = llm.add %31, %4 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %33 = llm.mul %29, %32 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  %34 = llm.tanh %33 : tensor<2x5x16xf32>
  %35 = llm.add %34, %4 : tensor<2x5x16xf32>, tensor<f32> -> tensor<2x5x16xf32>
  %36 = llm.mul %20, %35 : tensor<2x5x16xf32>, tensor<2x5x16xf32> -> tensor<2x5x16xf32>
  return %10, %19, %27, %28, %36 : tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>
}

// -----

// GeGLU (torch: F.gelu(gate) * up): the GELU is raised, the product stays an
// llm.mul (there is no fused gelu_mul op). x as the output of a matmul + bias
// (as in every MLP), x * 0.70710678 for the erf argument, (x * (1 + erf)) / 2.
// CHECK-LABEL: func.func @geglu
// CHECK: %[[H:.*]] = llm.add
// CHECK-NEXT: %[[G:.*]] = llm.gelu %[[H]] : tensor<4x8xf32>
// CHECK-NEXT: %[[Y:.*]] = llm.mul %[[G]], %arg3
// CHECK-NEXT: return %[[Y]]
func.func @geglu(%a: tensor<4x16xf32>, %w: tensor<16x8xf32>, %b: tensor<8xf32>, %up: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = llm.constant dense<0.707106769> : tensor<f32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %two = llm.constant dense<2.0> : tensor<f32>
  %mm = llm.matmul %a, %w : tensor<4x16xf32>, tensor<16x8xf32> -> tensor<4x8xf32>
  %x = llm.add %mm, %b : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  %0 = llm.mul %c, %x : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = llm.erf %0 : tensor<4x8xf32>
  %2 = llm.add %one, %1 : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %3 = llm.mul %x, %2 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %4 = llm.div %3, %two : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y = llm.mul %4, %up : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// GELU of a product: x = p * q is itself a Mul, which the product matcher
// must keep whole; f64.
// CHECK-LABEL: func.func @gelu_of_product
// CHECK: %[[X:.*]] = llm.mul %arg0, %arg1
// CHECK-NEXT: %[[Y:.*]] = llm.gelu %[[X]] {tanh_approx = true} : tensor<8xf64>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_of_product(%p: tensor<8xf64>, %q: tensor<8xf64>) -> tensor<8xf64> {
  %half = llm.constant dense<0.5> : tensor<f64>
  %one = llm.constant dense<1.0> : tensor<f64>
  %k = llm.constant dense<0.044715> : tensor<f64>
  %c = llm.constant dense<0.79788456080286541> : tensor<f64>
  %x = llm.mul %p, %q : tensor<8xf64>, tensor<8xf64> -> tensor<8xf64>
  %x2 = llm.mul %x, %x : tensor<8xf64>, tensor<8xf64> -> tensor<8xf64>
  %x3 = llm.mul %x2, %x : tensor<8xf64>, tensor<8xf64> -> tensor<8xf64>
  %t0 = llm.mul %k, %x3 : tensor<f64>, tensor<8xf64> -> tensor<8xf64>
  %t1 = llm.add %t0, %x : tensor<8xf64>, tensor<8xf64> -> tensor<8xf64>
  %t2 = llm.mul %c, %t1 : tensor<f64>, tensor<8xf64> -> tensor<8xf64>
  %t3 = llm.tanh %t2 : tensor<8xf64>
  %t4 = llm.add %t3, %one : tensor<8xf64>, tensor<f64> -> tensor<8xf64>
  %h = llm.mul %half, %x : tensor<f64>, tensor<8xf64> -> tensor<8xf64>
  %y = llm.mul %h, %t4 : tensor<8xf64>, tensor<8xf64> -> tensor<8xf64>
  return %y : tensor<8xf64>
}

// -----

// Near misses, none raised: 0.6 instead of 0.5; erf(x / 2); 1 + erf of
// another value; the tanh form with 0.05 instead of 0.044715; x^2 instead of
// x^3; the tanh form without sqrt(2/pi); 1 - erf (sub); f16 (the op rounds
// once, the graph after every step); a non-constant factor in place of 0.5.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.gelu
// CHECK: return
func.func @near_misses(%x: tensor<4x8xf32>, %z: tensor<4x8xf32>, %h: tensor<8xf16>, %r: tensor<4x1xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf16>, tensor<4x8xf32>) {
  %half = llm.constant dense<0.5> : tensor<f32>
  %p6 = llm.constant dense<0.6> : tensor<f32>
  %one = llm.constant dense<1.0> : tensor<f32>
  %two = llm.constant dense<2.0> : tensor<f32>
  %three = llm.constant dense<3.0> : tensor<f32>
  %sqrt2 = llm.constant dense<1.41421354> : tensor<f32>
  %k = llm.constant dense<0.044715> : tensor<f32>
  %k5 = llm.constant dense<0.05> : tensor<f32>
  %c = llm.constant dense<0.797884583> : tensor<f32>
  %xh = llm.mul %x, %half : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %e0 = llm.div %x, %sqrt2 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %e1 = llm.erf %e0 : tensor<4x8xf32>
  %e2 = llm.add %e1, %one : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  // 0.6
  %x6 = llm.mul %x, %p6 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y1 = llm.mul %x6, %e2 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // erf(x / 2)
  %f0 = llm.div %x, %two : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %f1 = llm.erf %f0 : tensor<4x8xf32>
  %f2 = llm.add %f1, %one : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y2 = llm.mul %xh, %f2 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // 1 + erf(z / sqrt 2) times 0.5 x
  %g0 = llm.div %z, %sqrt2 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %g1 = llm.erf %g0 : tensor<4x8xf32>
  %g2 = llm.add %g1, %one : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y3 = llm.mul %xh, %g2 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // tanh form, 0.05
  %p3 = llm.pow %x, %three : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %a0 = llm.mul %p3, %k5 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %a1 = llm.add %x, %a0 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %a2 = llm.mul %a1, %c : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %a3 = llm.tanh %a2 : tensor<4x8xf32>
  %a4 = llm.add %a3, %one : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y4 = llm.mul %xh, %a4 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // x^2
  %p2 = llm.pow %x, %two : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %b0 = llm.mul %p2, %k : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %b1 = llm.add %x, %b0 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %b2 = llm.mul %b1, %c : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %b3 = llm.tanh %b2 : tensor<4x8xf32>
  %b4 = llm.add %b3, %one : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y5 = llm.mul %xh, %b4 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // no sqrt(2/pi)
  %d0 = llm.mul %p3, %k : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %d1 = llm.add %x, %d0 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %d3 = llm.tanh %d1 : tensor<4x8xf32>
  %d4 = llm.add %d3, %one : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %y6 = llm.mul %xh, %d4 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // 1 - erf
  %s2 = llm.sub %one, %e1 : tensor<f32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %y7 = llm.mul %xh, %s2 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // f16
  %hh = llm.constant dense<0.5> : tensor<f16>
  %oh = llm.constant dense<1.0> : tensor<f16>
  %sh = llm.constant dense<1.414> : tensor<f16>
  %h0 = llm.div %h, %sh : tensor<8xf16>, tensor<f16> -> tensor<8xf16>
  %h1 = llm.erf %h0 : tensor<8xf16>
  %h2 = llm.add %h1, %oh : tensor<8xf16>, tensor<f16> -> tensor<8xf16>
  %h3 = llm.mul %h, %h2 : tensor<8xf16>, tensor<8xf16> -> tensor<8xf16>
  %y8 = llm.mul %h3, %hh : tensor<8xf16>, tensor<f16> -> tensor<8xf16>
  // 0.5 as a [4, 1] tensor that is not a constant
  %rh = llm.mul %x, %r : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  %y9 = llm.mul %rh, %e2 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %y1, %y2, %y3, %y4, %y5, %y6, %y7, %y8, %y9 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf16>, tensor<4x8xf32>
}
