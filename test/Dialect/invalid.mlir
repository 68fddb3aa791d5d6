// RUN: llmc-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operands are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = llm.add %a, %b : tensor<3xf32>, tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @mixed_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{operand element types differ}}
  %0 = llm.mul %a, %b : tensor<3xf32>, tensor<3xf16> -> tensor<3xf32>
  return
}

// -----

func.func @bad_reshape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{element count changes from 6 to 8}}
  %0 = llm.reshape %a : tensor<2x3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @bad_perm(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = llm.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @bad_split(%a: tensor<2x6xf32>) {
  // expected-error @+1 {{split sizes sum to 5 but the axis has 6}}
  %0, %1 = llm.split %a {axis = 1 : i64, sizes = array<i64: 2, 3>} : tensor<2x6xf32> -> tensor<2x2xf32>, tensor<2x3xf32>
  return
}

// -----

func.func @bad_where(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{condition must be i1}}
  %0 = llm.where %c, %a, %a : tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @unsorted_axes(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axes must be sorted and unique}}
  %0 = llm.reduce_sum %a {axes = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<1x1xf32>
  return
}

// -----

// expected-error @+1 {{quantized weights are 2-D, got rank 1}}
func.func private @bad_qweight(!llm.qweight<64, i4, group = 32, f16>)

// -----

func.func @bad_scatter(%d: tensor<4xf32>, %i: tensor<1x1xi64>, %u: tensor<1xf32>) {
  // expected-error @+1 {{unknown reduction 'avg'}}
  %0 = llm.scatter_nd %d[%i], %u {reduction = "avg"} : tensor<4xf32>, tensor<1x1xi64>, tensor<1xf32> -> tensor<4xf32>
  return
}

// -----

func.func @kv_append_bad_layer(%c: tensor<8x2x2x4x2x8xf32>, %k: tensor<1x2x3x8xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{layer 2 is outside the cache's 2 layers}}
  %0 = llm.kv_append %c, %k, %k, %s {layer = 2 : i64} : tensor<8x2x2x4x2x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<3xi64>
  return
}

// -----

func.func @kv_append_bad_heads(%c: tensor<8x2x2x4x2x8xf32>, %k: tensor<1x3x3x8xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{does not match the cache}}
  %0 = llm.kv_append %c, %k, %k, %s {layer = 0 : i64} : tensor<8x2x2x4x2x8xf32>, tensor<1x3x3x8xf32>, tensor<1x3x3x8xf32>, tensor<3xi64>
  return
}

// -----

func.func @paged_attention_bad_group(%q: tensor<1x3x3x8xf32>, %c: tensor<8x2x2x4x2x8xf32>, %p: tensor<1x3xi64>, %s: tensor<3xi64>, %bt: tensor<2x4xi64>) {
  // expected-error @+1 {{query heads (3) must be a multiple of the cache's kv heads (2)}}
  %0 = llm.paged_attention %q, %c, %p, %s, %bt {layer = 0 : i64, scale = 1.0 : f32} : (tensor<1x3x3x8xf32>, tensor<8x2x2x4x2x8xf32>, tensor<1x3xi64>, tensor<3xi64>, tensor<2x4xi64>) -> tensor<1x3x3x8xf32>
  return
}

// -----

func.func @paged_attention_bad_positions(%q: tensor<1x4x3x8xf32>, %c: tensor<8x2x2x4x2x8xf32>, %p: tensor<1x2xi64>, %s: tensor<3xi64>, %bt: tensor<2x4xi64>) {
  // expected-error @+1 {{positions [1, N] and token_seq [N] must match the query's N = 3}}
  %0 = llm.paged_attention %q, %c, %p, %s, %bt {layer = 0 : i64, scale = 1.0 : f32} : (tensor<1x4x3x8xf32>, tensor<8x2x2x4x2x8xf32>, tensor<1x2xi64>, tensor<3xi64>, tensor<2x4xi64>) -> tensor<1x4x3x8xf32>
  return
}
