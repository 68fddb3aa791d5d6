// RUN: llmc-opt %s -split-input-file -llm-raise-silu-mul -canonicalize | FileCheck %s

// torch.onnx export of LlamaMLP: act_fn(gate_proj(x)) * up_proj(x) with
// SiLU as Mul(g, Sigmoid(g)).
// CHECK-LABEL: func.func @torch_llama_mlp
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x32xf32>, %[[WG:.*]]: tensor<32x64xf32>, %[[WU:.*]]: tensor<32x64xf32>)
// CHECK-NEXT: %[[G:.*]] = llm.matmul %[[X]], %[[WG]]
// CHECK-NEXT: %[[U:.*]] = llm.matmul %[[X]], %[[WU]]
// CHECK-NEXT: %[[Y:.*]] = llm.silu_mul %[[G]], %[[U]] : tensor<1x5x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @torch_llama_mlp(%x: tensor<1x5x32xf32>, %wg: tensor<32x64xf32>, %wu: tensor<32x64xf32>) -> tensor<1x5x64xf32> {
  %g = llm.matmul %x, %wg : tensor<1x5x32xf32>, tensor<32x64xf32> -> tensor<1x5x64xf32>
  %s = llm.sigmoid %g : tensor<1x5x64xf32>
  %silu = llm.mul %g, %s : tensor<1x5x64xf32>, tensor<1x5x64xf32> -> tensor<1x5x64xf32>
  %u = llm.matmul %x, %wu : tensor<1x5x32xf32>, tensor<32x64xf32> -> tensor<1x5x64xf32>
  %y = llm.mul %silu, %u : tensor<1x5x64xf32>, tensor<1x5x64xf32> -> tensor<1x5x64xf32>
  return %y : tensor<1x5x64xf32>
}

// -----

// Sigmoid(g) * g, and up * silu(g): every operand order; f16 too.
// CHECK-LABEL: func.func @swapped
// CHECK-NEXT: %[[Y:.*]] = llm.silu_mul %arg0, %arg1 : tensor<4x8xf16>
// CHECK-NEXT: return %[[Y]]
func.func @swapped(%g: tensor<4x8xf16>, %u: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %s = llm.sigmoid %g : tensor<4x8xf16>
  %silu = llm.mul %s, %g : tensor<4x8xf16>, tensor<4x8xf16> -> tensor<4x8xf16>
  %y = llm.mul %u, %silu : tensor<4x8xf16>, tensor<4x8xf16> -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

// Near misses, none raised: Sigmoid of another value (a GLU with a
// sigmoid gate, not SiLU), an `up` that broadcasts, a SiLU alone.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: llm.silu_mul
// CHECK: return
func.func @near_misses(%g: tensor<4x8xf32>, %h: tensor<4x8xf32>, %u: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %sh = llm.sigmoid %h : tensor<4x8xf32>
  %a0 = llm.mul %g, %sh : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %a1 = llm.mul %a0, %h : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %sg = llm.sigmoid %g : tensor<4x8xf32>
  %b0 = llm.mul %g, %sg : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %b1 = llm.mul %b0, %u : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  return %a1, %b1, %b0 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
