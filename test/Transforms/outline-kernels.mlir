// RUN: llmc-opt %s -split-input-file -llm-outline-kernels=max-inline-constant-elements=4 | FileCheck %s

// Each op becomes a kernel; small constants are baked in, large ones stay
// in @main as weights; @main becomes the schedule of calls.
// CHECK-LABEL: func.func private @k0_add
// CHECK-SAME: (%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> tensor<2x3xf32> attributes {llm.kernel}
// CHECK: llm.add
// CHECK-LABEL: func.func private @k1_mul
// CHECK-SAME: (%arg0: tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: llm.constant dense<2.000000e+00> : tensor<3xf32>
// CHECK-LABEL: func.func private @k2_add
// CHECK-SAME: (%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>)
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = llm.constant dense<{{.*}}> : tensor<2x3xf32>
// CHECK: %[[A:.*]] = call @k0_add(%arg0, %arg1)
// CHECK: %[[B:.*]] = call @k1_mul(%[[A]])
// CHECK: %[[C:.*]] = call @k2_add(%[[B]], %[[W]])
// CHECK: return %[[C]]
func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %c = llm.constant dense<2.0> : tensor<3xf32>
  %w = llm.constant dense<[[1.0,2.0,3.0],[4.0,5.0,6.0]]> : tensor<2x3xf32>
  %0 = llm.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = llm.mul %0, %c : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %2 = llm.add %1, %w : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// Zero-element tensors become empty constants; no kernel touches them.
// CHECK-LABEL: func.func @main
// CHECK-NOT: call
// CHECK: %[[E:.*]] = llm.constant dense<> : tensor<3x0xf32>
// CHECK: return %[[E]]
func.func @main(%a: tensor<0x3xf32>) -> tensor<3x0xf32> {
  %0 = llm.transpose %a {perm = array<i64: 1, 0>} : tensor<0x3xf32> -> tensor<3x0xf32>
  %1 = llm.neg %0 : tensor<3x0xf32>
  return %1 : tensor<3x0xf32>
}
