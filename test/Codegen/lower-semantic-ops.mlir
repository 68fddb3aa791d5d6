// RUN: llmc-opt %s -llm-lower-to-linalg | FileCheck %s
// Structure of the semantic-op lowerings, with `?` dims (numerics:
// lower-to-linalg-run-semantic.mlir).

// rms_norm: sum of squares (reduction), 1/sqrt(mean + eps), one generic
// for x * inv * w. silu_mul: one elementwise generic. rope: one generic that
// reads the rotation partner with tensor.extract.
// CHECK-LABEL: func.func private @k(
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: math.sqrt
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: tensor.extract %arg0
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK-NOT: llm.
// CHECK: return
func.func private @k(%x: tensor<?x8xf32>, %w: tensor<8xf32>, %c: tensor<?x8xf32>, %g: tensor<?x?xf16>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x?xf16>) attributes {llm.kernel} {
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<?x8xf32>, tensor<8xf32>
  %1 = llm.rope %x, %c, %c : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
  %2 = llm.silu_mul %g, %g : tensor<?x?xf16>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x?xf16>
}

// A dynamic rotary/normalized dim: sizes from tensor.dim.
// CHECK-LABEL: func.func private @k2(
// CHECK: tensor.dim %arg0, %{{.*}} : tensor<2x?xf32>
// CHECK: tensor.extract %arg0
// CHECK-NOT: llm.
// CHECK: return
func.func private @k2(%x: tensor<2x?xf32>, %w: tensor<?xf32>) -> (tensor<2x?xf32>, tensor<2x?xf32>) attributes {llm.kernel} {
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<2x?xf32>, tensor<?xf32>
  %1 = llm.rope %x, %x, %x {interleaved = true} : tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?xf32>
  return %0, %1 : tensor<2x?xf32>, tensor<2x?xf32>
}
