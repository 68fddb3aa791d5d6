// Numerics of llm.attention lowered to linalg: GQA with group 2 and an
// additive mask, causal with S < T (query i sees keys j <= i + T - S), and
// f16 (computed in f32). Expected values from numpy:
//   def sdpa(q, k, v, mask=0, scale=1, causal=False):
//     g = q.shape[1] // k.shape[1]; k = np.repeat(k, g, 1); v = np.repeat(v, g, 1)
//     s = scale * q @ k.swapaxes(-1, -2) + mask
//     if causal: S, T = s.shape[-2:]; s = np.where(np.arange(T) > np.arange(S)[:, None] + T - S, -np.inf, s)
//     p = np.exp(s - s.max(-1, keepdims=True)); return (p / p.sum(-1, keepdims=True)) @ v
// RUN: llmc-opt %s -llm-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params,func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-libm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @gqa(%q: tensor<1x2x2x2xf32>, %k: tensor<1x1x3x2xf32>, %v: tensor<1x1x3x2xf32>, %m: tensor<1x1x2x3xf32>) -> tensor<1x2x2x2xf32> attributes {llm.kernel} {
  %0 = llm.attention %q, %k, %v, %m {scale = 5.000000e-01 : f32} : (tensor<1x2x2x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}
func.func private @causal(%q: tensor<1x1x2x2xf32>, %k: tensor<1x1x3x2xf32>, %v: tensor<1x1x3x2xf32>) -> tensor<1x1x2x2xf32> attributes {llm.kernel} {
  %0 = llm.attention %q, %k, %v {scale = 1.000000e+00 : f32, causal = true} : (tensor<1x1x2x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}
func.func private @causal_f16(%q: tensor<1x1x2x2xf32>, %k: tensor<1x1x3x2xf32>, %v: tensor<1x1x3x2xf32>) -> tensor<1x1x2x2xf32> attributes {llm.kernel} {
  %qh = llm.cast %q : tensor<1x1x2x2xf32> to tensor<1x1x2x2xf16>
  %kh = llm.cast %k : tensor<1x1x3x2xf32> to tensor<1x1x3x2xf16>
  %vh = llm.cast %v : tensor<1x1x3x2xf32> to tensor<1x1x3x2xf16>
  %0 = llm.attention %qh, %kh, %vh {scale = 1.000000e+00 : f32, causal = true} : (tensor<1x1x2x2xf16>, tensor<1x1x3x2xf16>, tensor<1x1x3x2xf16>) -> tensor<1x1x2x2xf16>
  %1 = llm.cast %0 : tensor<1x1x2x2xf16> to tensor<1x1x2x2xf32>
  return %1 : tensor<1x1x2x2xf32>
}
func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func @main() {
  %q = arith.constant dense<[[[[1.0, 0.0], [0.0, 2.0]], [[-1.0, 1.0], [3.0, 0.5]]]]> : tensor<1x2x2x2xf32>
  %k = arith.constant dense<[[[[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]]]> : tensor<1x1x3x2xf32>
  %v = arith.constant dense<[[[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]]]> : tensor<1x1x3x2xf32>
  %m = arith.constant dense<[[[[0.0, -1.0, 0.5], [0.0, 0.0, -100.0]]]]> : tensor<1x1x2x3xf32>
  %r0 = call @gqa(%q, %k, %v, %m) : (tensor<1x2x2x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x2x2x2xf32>
  %u0 = tensor.cast %r0 : tensor<1x2x2x2xf32> to tensor<*xf32>
  call @print(%u0) : (tensor<*xf32>) -> ()
  %q1 = arith.constant dense<[[[[1.0, 0.0], [0.5, 2.0]]]]> : tensor<1x1x2x2xf32>
  %r1 = call @causal(%q1, %k, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x2x2xf32>
  %u1 = tensor.cast %r1 : tensor<1x1x2x2xf32> to tensor<*xf32>
  call @print(%u1) : (tensor<*xf32>) -> ()
  %r2 = call @causal_f16(%q1, %k, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x2x2xf32>
  %u2 = tensor.cast %r2 : tensor<1x1x2x2xf32> to tensor<*xf32>
  call @print(%u2) : (tensor<*xf32>) -> ()
  return
}

// GQA: query heads 0 and 1 both read KV head 0; mask [1, 1, 2, 3] broadcast.
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[}}2.42906,     24.2906],
// CHECK-NEXT: [1.04743,     10.4743]],
// CHECK-NEXT: {{\[\[}}1.57094,     15.7094],
// CHECK-NEXT: [1.18243,     11.8243]]]]
// Causal, S = 2 < T = 3: row 0 sees keys 0..1, row 1 all three.
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[}}1.37754,     13.7754],
// CHECK-NEXT: [1.06039,     10.6039]]]]
// f16 (f32 inside, rounded once).
// CHECK: Unranked Memref
// CHECK-NEXT: {{\[\[\[\[}}1.37793,     13.7734],
// CHECK-NEXT: [1.06055,     10.6016]]]]
