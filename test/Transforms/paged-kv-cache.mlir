// RUN: llmc-opt %s -split-input-file -verify-diagnostics \
// RUN:   -llm-paged-kv-cache="page-size=4 max-batch=2 num-samples=2 max-blocks-per-seq=3 kv-blocks=6 max-seq-len=8" \
// RUN: | FileCheck %s

// One decoder layer after raising (batch 1, N = 3 new tokens, past 5): the
// past/present concats and the mask disappear; kv_append writes the new K/V
// into the paged cache and paged_attention reads it; the step inputs are
// appended and the LM head runs on the sample_index rows only.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[IDS:.*]]: tensor<1x3xi64> {llm.name = "token_ids"}, %[[POS:.*]]: tensor<1x3xi64> {llm.name = "positions"},
// CHECK-SAME: %[[SLOTS:.*]]: tensor<3xi64> {llm.name = "slot_mapping"}, %[[SEQ:.*]]: tensor<3xi64> {llm.name = "token_seq"},
// CHECK-SAME: %[[TABLES:.*]]: tensor<2x3xi64> {llm.name = "block_tables"}, %[[SAMPLES:.*]]: tensor<2xi64> {llm.name = "sample_index"},
// CHECK-SAME: %[[CACHE:.*]]: tensor<6x1x2x4x1x4xf32> {llm.name = "kv_cache", llm.state = "kv_blocks"})
// CHECK-SAME: -> (tensor<1x2x16xf32> {llm.name = "logits"})
// CHECK: %[[C1:.*]] = llm.kv_append %[[CACHE]], %[[K:.*]], %[[V:.*]], %[[SLOTS]] {layer = 0 : i64}
// CHECK: %[[Y:.*]] = llm.paged_attention %[[Q:.*]], %[[C1]], %[[POS]], %[[SEQ]], %[[TABLES]] {layer = 0 : i64, scale = 5.000000e-01 : f32}
// CHECK-NOT: llm.attention
// CHECK-NOT: llm.concat
// CHECK: %[[H:.*]] = llm.gather %{{.*}}[%[[SAMPLES]]] {axis = 1 : i64} : tensor<1x3x4xf32>, tensor<2xi64> -> tensor<1x2x4xf32>
// CHECK: %[[L:.*]] = llm.matmul %[[H]], %{{.*}} : tensor<1x2x4xf32>, tensor<4x16xf32> -> tensor<1x2x16xf32>
// CHECK: return %[[L]]
func.func @main(%ids: tensor<1x3xi64> {llm.name = "input_ids"},
                %mask: tensor<1x8xi64> {llm.name = "attention_mask"},
                %pos: tensor<1x3xi64> {llm.name = "position_ids"},
                %pk: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.key"},
                %pv: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.value"})
    -> (tensor<1x3x16xf32> {llm.name = "logits"},
        tensor<1x1x8x4xf32> {llm.name = "present.0.key"},
        tensor<1x1x8x4xf32> {llm.name = "present.0.value"}) {
  %emb = llm.constant dense<0.5> : tensor<16x4xf32>
  %head = llm.constant dense<0.25> : tensor<4x16xf32>
  %x = llm.gather %emb[%ids] {axis = 0 : i64} : tensor<16x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32>
  %x4 = llm.reshape %x : tensor<1x3x4xf32> -> tensor<1x1x3x4xf32>
  %k = llm.concat %pk, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %v = llm.concat %pv, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %m = llm.cast %mask : tensor<1x8xi64> to tensor<1x8xf32>
  %m4 = llm.reshape %m : tensor<1x8xf32> -> tensor<1x1x1x8xf32>
  %y = llm.attention %x4, %k, %v, %m4 {scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x1x8xf32>) -> tensor<1x1x3x4xf32>
  %y3 = llm.reshape %y : tensor<1x1x3x4xf32> -> tensor<1x3x4xf32>
  %logits = llm.matmul %y3, %head : tensor<1x3x4xf32>, tensor<4x16xf32> -> tensor<1x3x16xf32>
  return %logits, %k, %v : tensor<1x3x16xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}

// -----

// Attention over keys that are not concat(past input, new): not a decoder
// with a KV cache the pass can page.
func.func @main(%ids: tensor<1x3xi64> {llm.name = "input_ids"},
                %pos: tensor<1x3xi64> {llm.name = "position_ids"},
                %q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  // expected-error @+1 {{llm-paged-kv-cache: pattern not found: the key and value of this attention must be concat(past_key_values input, new keys/values) along axis 2}}
  %y = llm.attention %q, %k, %k {scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32>
  return %y : tensor<1x1x3x4xf32>
}

// -----

// No position_ids input (onnxruntime-genai's GroupQueryAttention form): the
// rotary positions are computed from the attention mask (seqlens_k =
// ReduceSum(mask) - 1, positions seqlens_k + 1 - S + s). A new `positions`
// input replaces the mask-derived gather indices; the mask disappears.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[IDS:.*]]: tensor<1x3xi64> {llm.name = "token_ids"},
// CHECK-SAME: %[[POS:.*]]: tensor<1x3xi64> {llm.name = "positions"}
// CHECK-NOT: attention_mask
// CHECK-NOT: llm.reduce_sum
// CHECK: %[[COS:.*]] = llm.gather %{{.*}}[%[[POS]]] {axis = 0 : i64} : tensor<8x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32>
// CHECK: %[[COS4:.*]] = llm.reshape %[[COS]]
// CHECK: llm.rope %{{.*}}, %[[COS4]], %[[COS4]]
// CHECK: llm.paged_attention %{{.*}}, %{{.*}}, %[[POS]],
func.func @main(%ids: tensor<1x3xi64> {llm.name = "input_ids"},
                %mask: tensor<1x8xi64> {llm.name = "attention_mask"},
                %pk: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.key"},
                %pv: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.value"})
    -> (tensor<1x3x16xf32> {llm.name = "logits"},
        tensor<1x1x8x4xf32> {llm.name = "present.0.key"},
        tensor<1x1x8x4xf32> {llm.name = "present.0.value"}) {
  %emb = llm.constant dense<0.5> : tensor<16x4xf32>
  %head = llm.constant dense<0.25> : tensor<4x16xf32>
  %table = llm.constant dense<1.0> : tensor<8x4xf32>
  %sum = llm.reduce_sum %mask {axes = array<i64: 1>} : tensor<1x8xi64> -> tensor<1x1xi64>
  %one = llm.constant dense<1> : tensor<i64>
  %last = llm.sub %sum, %one : tensor<1x1xi64>, tensor<i64> -> tensor<1x1xi64>
  %seqlens = llm.cast %last : tensor<1x1xi64> to tensor<1x1xi32>
  %wide = llm.cast %seqlens : tensor<1x1xi32> to tensor<1x1xi64>
  %offsets = llm.constant dense<[[-2, -1, 0]]> : tensor<1x3xi64>
  %positions = llm.add %wide, %offsets : tensor<1x1xi64>, tensor<1x3xi64> -> tensor<1x3xi64>
  %cos = llm.gather %table[%positions] {axis = 0 : i64} : tensor<8x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32>
  %cos4 = llm.reshape %cos : tensor<1x3x4xf32> -> tensor<1x1x3x4xf32>
  %x = llm.gather %emb[%ids] {axis = 0 : i64} : tensor<16x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32>
  %x4 = llm.reshape %x : tensor<1x3x4xf32> -> tensor<1x1x3x4xf32>
  %q = llm.rope %x4, %cos4, %cos4 : tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>
  %k = llm.concat %pk, %q {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %v = llm.concat %pv, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %y = llm.attention %q, %k, %v {causal = true, scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x3x4xf32>
  %y3 = llm.reshape %y : tensor<1x1x3x4xf32> -> tensor<1x3x4xf32>
  %logits = llm.matmul %y3, %head : tensor<1x3x4xf32>, tensor<4x16xf32> -> tensor<1x3x16xf32>
  return %logits, %k, %v : tensor<1x3x16xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}

// -----

// Mask-derived gather indices that are not one position per token.
func.func @main(%ids: tensor<1x3xi64> {llm.name = "input_ids"},
                %mask: tensor<1x8xi64> {llm.name = "attention_mask"},
                %pk: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.key"},
                %x4: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %table = llm.constant dense<1.0> : tensor<8x4xf32>
  // expected-error @+1 {{llm-paged-kv-cache: these gather indices are computed from the attention mask, but have shape 'tensor<1x8xi64>', not one position per token (3)}}
  %rows = llm.gather %table[%mask] {axis = 0 : i64} : tensor<8x4xf32>, tensor<1x8xi64> -> tensor<1x8x4xf32>
  %k = llm.concat %pk, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %y = llm.attention %x4, %k, %k {scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x3x4xf32>
  return %y : tensor<1x1x3x4xf32>
}

// -----

// Positions derived from the mask by arithmetic rather than a table gather:
// not recognized, and the mask stays in use.
// expected-error @+1 {{llm-paged-kv-cache: graph input 'attention_mask' is still used after the rewrite}}
func.func @main(%ids: tensor<1x3xi64> {llm.name = "input_ids"},
                %mask: tensor<1x8xi64> {llm.name = "attention_mask"},
                %pk: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.key"},
                %pv: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.value"},
                %x4: tensor<1x1x3x4xf32>)
    -> (tensor<1x3x4xf32> {llm.name = "logits"},
        tensor<1x1x8x4xf32> {llm.name = "present.0.key"},
        tensor<1x1x8x4xf32> {llm.name = "present.0.value"}) {
  // expected-note @+1 {{used by llm.reduce_sum}}
  %sum = llm.reduce_sum %mask {axes = array<i64: 1>} : tensor<1x8xi64> -> tensor<1x1xi64>
  %f = llm.cast %sum : tensor<1x1xi64> to tensor<1x1xf32>
  %q = llm.add %x4, %f : tensor<1x1x3x4xf32>, tensor<1x1xf32> -> tensor<1x1x3x4xf32>
  %k = llm.concat %pk, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %v = llm.concat %pv, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %y = llm.attention %q, %k, %v {scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x3x4xf32>
  %y3 = llm.reshape %y : tensor<1x1x3x4xf32> -> tensor<1x3x4xf32>
  return %y3, %k, %v : tensor<1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}

// -----

// No input_ids input.
// expected-error @+1 {{llm-paged-kv-cache: pattern not found: the model needs a graph input 'input_ids'}}
func.func @main(%pos: tensor<1x3xi64> {llm.name = "position_ids"},
                %pk: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.key"},
                %x4: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %k = llm.concat %pk, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %y = llm.attention %x4, %k, %k {scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x3x4xf32>
  return %y : tensor<1x1x3x4xf32>
}

// -----

// A position table shorter than --max-seq-len.
// expected-error @+1 {{llm-paged-kv-cache: the model's position tables have 6 rows, fewer than --max-seq-len 8}}
func.func @main(%ids: tensor<1x3xi64> {llm.name = "input_ids"},
                %pos: tensor<1x3xi64> {llm.name = "position_ids"},
                %pk: tensor<1x1x5x4xf32> {llm.name = "past_key_values.0.key"},
                %x4: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %table = llm.constant dense<1.0> : tensor<6x4xf32>
  %p = llm.gather %table[%pos] {axis = 0 : i64} : tensor<6x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32>
  %p4 = llm.reshape %p : tensor<1x3x4xf32> -> tensor<1x1x3x4xf32>
  %q = llm.add %x4, %p4 : tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32> -> tensor<1x1x3x4xf32>
  %k = llm.concat %pk, %x4 {axis = 2 : i64} : (tensor<1x1x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x8x4xf32>
  %y = llm.attention %q, %k, %k {scale = 5.000000e-01 : f32} : (tensor<1x1x3x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x3x4xf32>
  return %y : tensor<1x1x3x4xf32>
}
