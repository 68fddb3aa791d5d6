// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// Round trip of every op form, with inferred result types.

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %c: tensor<?x4xi1>) -> tensor<?x4xf32> {
  // CHECK: llm.add %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %0 = llm.add %a, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: llm.less {{.*}} -> tensor<?x4xi1>
  %1 = llm.less %0, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xi1>
  %2 = llm.and %1, %c : tensor<?x4xi1>, tensor<?x4xi1> -> tensor<?x4xi1>
  // CHECK: llm.where
  %3 = llm.where %2, %0, %b : tensor<?x4xi1>, tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: llm.gelu %{{.*}} {tanh_approx = true} : tensor<?x4xf32>
  %4 = llm.gelu %3 {tanh_approx = true} : tensor<?x4xf32>
  %5 = llm.erf %4 : tensor<?x4xf32>
  return %5 : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @linalg_like
func.func @linalg_like(%x: tensor<2x?x8xf32>, %w: tensor<8x16xf32>, %g: tensor<16xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x1xf32>) {
  // CHECK: llm.matmul {{.*}} -> tensor<2x?x16xf32>
  %0 = llm.matmul %x, %w : tensor<2x?x8xf32>, tensor<8x16xf32> -> tensor<2x?x16xf32>
  // CHECK: llm.layer_norm
  %y, %m, %r = llm.layer_norm %0, %g {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x?x16xf32>, tensor<16xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x1xf32>, tensor<2x?x1xf32>)
  %s = llm.softmax %y {axis = -1 : i64} : tensor<2x?x16xf32>
  // CHECK: llm.reduce_mean {{.*}} -> tensor<2x?x1xf32>
  %mean = llm.reduce_mean %s {axes = array<i64: 2>, keepdims = true} : tensor<2x?x16xf32> -> tensor<2x?x1xf32>
  return %s, %mean : tensor<2x?x16xf32>, tensor<2x?x1xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<2x3x4xf32>, %i: tensor<5xi64>) -> (tensor<4x3x2xf32>, tensor<2x5x4xf32>, tensor<2x3x2xf32>) {
  // CHECK: llm.transpose {{.*}} -> tensor<4x3x2xf32>
  %t = llm.transpose %x {perm = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> -> tensor<4x3x2xf32>
  // CHECK: llm.gather {{.*}} -> tensor<2x5x4xf32>
  %g = llm.gather %x[%i] {axis = 1 : i64} : tensor<2x3x4xf32>, tensor<5xi64> -> tensor<2x5x4xf32>
  // CHECK: llm.slice {{.*}} -> tensor<2x3x2xf32>
  %s = llm.slice %x {starts = array<i64: 0, 0, 3>, ends = array<i64: 9223372036854775807, 3, 0>, steps = array<i64: 1, 1, -2>} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  %a, %b = llm.split %x {axis = 2 : i64, sizes = array<i64: 1, 3>} : tensor<2x3x4xf32> -> tensor<2x3x1xf32>, tensor<2x3x3xf32>
  %c = llm.concat %b, %a {axis = 2 : i64} : (tensor<2x3x3xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %r = llm.reshape %c : tensor<2x3x4xf32> -> tensor<6x4xf32>
  return %t, %g, %s : tensor<4x3x2xf32>, tensor<2x5x4xf32>, tensor<2x3x2xf32>
}

// CHECK-LABEL: func.func private @types
// CHECK-SAME: !llm.qweight<64x128, i4, group = 32, f16>
// CHECK-SAME: !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 64, page = 16, f16>
func.func private @types(!llm.qweight<64x128, i4, group = 32, f16>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 64, page = 16, f16>)

// CHECK-LABEL: func.func @paged_kv
// CHECK: llm.kv_append %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {layer = 1 : i64} : tensor<8x2x2x4x2x8xf16>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<3xi64>
// CHECK: llm.paged_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {layer = 1 : i64, scale = 5.000000e-01 : f32} : (tensor<1x4x3x8xf32>, tensor<8x2x2x4x2x8xf16>, tensor<1x3xi64>, tensor<3xi64>, tensor<2x4xi64>) -> tensor<1x4x3x8xf32>
func.func @paged_kv(%c: tensor<8x2x2x4x2x8xf16>, %k: tensor<1x2x3x8xf32>, %q: tensor<1x4x3x8xf32>, %s: tensor<3xi64>, %p: tensor<1x3xi64>, %bt: tensor<2x4xi64>) -> tensor<1x4x3x8xf32> {
  %0 = llm.kv_append %c, %k, %k, %s {layer = 1 : i64} : tensor<8x2x2x4x2x8xf16>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<3xi64>
  %1 = llm.paged_attention %q, %0, %p, %s, %bt {layer = 1 : i64, scale = 5.000000e-01 : f32} : (tensor<1x4x3x8xf32>, tensor<8x2x2x4x2x8xf16>, tensor<1x3xi64>, tensor<3xi64>, tensor<2x4xi64>) -> tensor<1x4x3x8xf32>
  return %1 : tensor<1x4x3x8xf32>
}
