// RUN: llmc-opt %s -llm-lower-to-linalg -split-input-file | FileCheck %s

// Broadcast operands read index 0 in size-1 dims and drop leading dims.
// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[$SCALAR2:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func private @binary_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<1x3xf32>, %[[C:.*]]: tensor<f32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID2]], #[[$ROW]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<1x3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[$SCALAR2]], #[[$ID2]], #[[$ID2]]]
// CHECK: math.powf
func.func private @binary_broadcast(%a: tensor<2x3xf32>, %b: tensor<1x3xf32>, %c: tensor<f32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) attributes {llm.kernel} {
  %0 = llm.add %a, %b : tensor<2x3xf32>, tensor<1x3xf32> -> tensor<2x3xf32>
  %1 = llm.pow %c, %0 : tensor<f32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func private @float_binary
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ole
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oge
func.func private @float_binary(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) attributes {llm.kernel} {
  %0 = llm.sub %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = llm.mul %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %2 = llm.div %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %3 = llm.max %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %4 = llm.min %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %5 = llm.equal %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  %6 = llm.less %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  %7 = llm.less_equal %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  %8 = llm.greater %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  %9 = llm.greater_equal %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// Unsigned element types become signless in the signature; the arithmetic
// keeps the unsigned semantics.
// CHECK-LABEL: func.func private @unsigned
// CHECK-SAME: (%{{.*}}: tensor<4xi32>, %{{.*}}: tensor<i32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi1>, tensor<4xi64>)
// CHECK: arith.divui
// CHECK: arith.maxui
// CHECK: arith.minui
// CHECK: arith.cmpi ult
// CHECK: arith.extui {{.*}} : i32 to i64
// CHECK-NOT: ui32
func.func private @unsigned(%a: tensor<4xui32>, %b: tensor<ui32>) -> (tensor<4xui32>, tensor<4xui32>, tensor<4xui32>, tensor<4xi1>, tensor<4xi64>) attributes {llm.kernel} {
  %0 = llm.div %a, %b : tensor<4xui32>, tensor<ui32> -> tensor<4xui32>
  %1 = llm.max %a, %b : tensor<4xui32>, tensor<ui32> -> tensor<4xui32>
  %2 = llm.min %a, %b : tensor<4xui32>, tensor<ui32> -> tensor<4xui32>
  %3 = llm.less %a, %b : tensor<4xui32>, tensor<ui32> -> tensor<4xi1>
  %4 = llm.cast %a : tensor<4xui32> to tensor<4xi64>
  return %0, %1, %2, %3, %4 : tensor<4xui32>, tensor<4xui32>, tensor<4xui32>, tensor<4xi1>, tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func private @signed_int
// CHECK: arith.divsi
// CHECK: arith.maxsi
// CHECK: arith.cmpi sge
// CHECK: arith.sitofp {{.*}} : i64 to f64
// CHECK: arith.sitofp {{.*}} : i32 to f64
// CHECK: math.powf {{.*}} : f64
// CHECK: arith.fptosi {{.*}} : f64 to i64
// CHECK: arith.andi
// CHECK: arith.ori
func.func private @signed_int(%a: tensor<4xi64>, %b: tensor<4xi32>, %p: tensor<4xi1>, %q: tensor<4xi1>) -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi1>, tensor<4xi64>, tensor<4xi1>, tensor<4xi1>) attributes {llm.kernel} {
  %0 = llm.div %a, %a : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %1 = llm.max %a, %a : tensor<4xi64>, tensor<4xi64> -> tensor<4xi64>
  %2 = llm.greater_equal %a, %a : tensor<4xi64>, tensor<4xi64> -> tensor<4xi1>
  %3 = llm.pow %a, %b : tensor<4xi64>, tensor<4xi32> -> tensor<4xi64>
  %4 = llm.and %p, %q : tensor<4xi1>, tensor<4xi1> -> tensor<4xi1>
  %5 = llm.or %p, %q : tensor<4xi1>, tensor<4xi1> -> tensor<4xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<4xi64>, tensor<4xi64>, tensor<4xi1>, tensor<4xi64>, tensor<4xi1>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func private @unary
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: arith.negf
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.cos
// CHECK: math.sin
// CHECK: math.tanh
// CHECK: math.erf
// Sigmoid: 1 / (1 + exp(-x)).
// CHECK: arith.negf
// CHECK-NEXT: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: arith.maximumf
// Exact gelu: 0.5 * x * (1 + erf(x / sqrt(2))).
// CHECK: arith.constant 0.707106769 : f32
// CHECK: math.erf
// Tanh gelu.
// CHECK: arith.constant 4.471500e-02 : f32
// CHECK: math.tanh
func.func private @unary(%a: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) attributes {llm.kernel} {
  %0 = llm.sqrt %a : tensor<5xf32>
  %1 = llm.reciprocal %a : tensor<5xf32>
  %2 = llm.neg %a : tensor<5xf32>
  %3 = llm.abs %a : tensor<5xf32>
  %4 = llm.exp %a : tensor<5xf32>
  %5 = llm.log %a : tensor<5xf32>
  %6 = llm.cos %a : tensor<5xf32>
  %7 = llm.sin %a : tensor<5xf32>
  %8 = llm.tanh %a : tensor<5xf32>
  %9 = llm.erf %a : tensor<5xf32>
  %10 = llm.sigmoid %a : tensor<5xf32>
  %11 = llm.relu %a : tensor<5xf32>
  %12 = llm.gelu %a : tensor<5xf32>
  %13 = llm.gelu %a {tanh_approx = true} : tensor<5xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13 : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}

// -----

// Half floats are computed in f32; integer unary ops stay integer.
// CHECK-LABEL: func.func private @unary_types
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK-NEXT: math.exp {{.*}} : f32
// CHECK-NEXT: arith.truncf {{.*}} : f32 to f16
// CHECK: arith.subi
// CHECK: arith.maxsi
// CHECK: arith.maxsi
// CHECK: arith.xori
func.func private @unary_types(%a: tensor<5xf16>, %b: tensor<5xi32>, %c: tensor<5xi1>) -> (tensor<5xf16>, tensor<5xi32>, tensor<5xi32>, tensor<5xi1>) attributes {llm.kernel} {
  %0 = llm.exp %a : tensor<5xf16>
  %1 = llm.abs %b : tensor<5xi32>
  %2 = llm.relu %b : tensor<5xi32>
  %3 = llm.not %c : tensor<5xi1>
  return %0, %1, %2, %3 : tensor<5xf16>, tensor<5xi32>, tensor<5xi32>, tensor<5xi1>
}

// -----

// CHECK-LABEL: func.func private @casts
// CHECK: arith.fptosi {{.*}} : f32 to i64
// Narrow targets go through i32 like a C++ static_cast on x86.
// CHECK: arith.fptosi {{.*}} : f32 to i32
// CHECK-NEXT: arith.trunci {{.*}} : i32 to i8
// CHECK: arith.cmpf une
// CHECK: arith.uitofp {{.*}} : i8 to f32
// CHECK: arith.uitofp {{.*}} : i1 to f32
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK-NEXT: arith.truncf {{.*}} : f32 to f16
// CHECK: arith.sitofp {{.*}} : i64 to f32
// CHECK-NEXT: arith.truncf {{.*}} : f32 to bf16
// Same-width signedness changes are free.
// CHECK-NOT: linalg.generic
// CHECK: return
func.func private @casts(%a: tensor<3xf32>, %b: tensor<3xui8>, %c: tensor<3xi1>, %d: tensor<3xbf16>, %e: tensor<3xi64>) -> (tensor<3xi64>, tensor<3xui8>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf16>, tensor<3xbf16>, tensor<3xi8>) attributes {llm.kernel} {
  %0 = llm.cast %a : tensor<3xf32> to tensor<3xi64>
  %1 = llm.cast %a : tensor<3xf32> to tensor<3xui8>
  %2 = llm.cast %a : tensor<3xf32> to tensor<3xi1>
  %3 = llm.cast %b : tensor<3xui8> to tensor<3xf32>
  %4 = llm.cast %c : tensor<3xi1> to tensor<3xf32>
  %5 = llm.cast %d : tensor<3xbf16> to tensor<3xf16>
  %6 = llm.cast %e : tensor<3xi64> to tensor<3xbf16>
  %7 = llm.cast %b : tensor<3xui8> to tensor<3xi8>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<3xi64>, tensor<3xui8>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf16>, tensor<3xbf16>, tensor<3xi8>
}

// -----

// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$LAST:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$NONE:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func private @where
// CHECK: linalg.generic {indexing_maps = [#[[$COL]], #[[$LAST]], #[[$NONE]], #{{.*}}]
// CHECK: arith.select
func.func private @where(%c: tensor<2x1xi1>, %a: tensor<3xf32>, %b: tensor<f32>) -> tensor<2x3xf32> attributes {llm.kernel} {
  %0 = llm.where %c, %a, %b : tensor<2x1xi1>, tensor<3xf32>, tensor<f32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func private @matmul_2d
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[F]] : tensor<2x4xf32>)
func.func private @matmul_2d(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func private @matmul_batch
// CHECK: linalg.batch_matmul
func.func private @matmul_batch(%a: tensor<5x2x3xi32>, %b: tensor<5x3x4xi32>) -> tensor<5x2x4xi32> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<5x2x3xi32>, tensor<5x3x4xi32> -> tensor<5x2x4xi32>
  return %0 : tensor<5x2x4xi32>
}

// -----

// Batch broadcasting and f16 accumulation in f32.
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func private @matmul_broadcast
// CHECK: linalg.fill {{.*}} -> tensor<2x5x2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.extf
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func private @matmul_broadcast(%a: tensor<2x1x2x3xf16>, %b: tensor<5x3x4xf16>) -> tensor<2x5x2x4xf16> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<2x1x2x3xf16>, tensor<5x3x4xf16> -> tensor<2x5x2x4xf16>
  return %0 : tensor<2x5x2x4xf16>
}

// -----

// 1-D operands are promoted and their dim dropped from the result.
// CHECK-DAG: #[[$VEC:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[$MAT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[$RES:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func private @matmul_vector
// CHECK: linalg.generic {indexing_maps = [#[[$VEC]], #[[$MAT]], #[[$RES]]], iterator_types = ["parallel", "parallel", "reduction"]}
func.func private @matmul_vector(%a: tensor<3xf32>, %b: tensor<2x3x4xf32>) -> tensor<2x4xf32> attributes {llm.kernel} {
  %0 = llm.matmul %a, %b : tensor<3xf32>, tensor<2x3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func private @softmax
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: outs(%[[MAXINIT]] : tensor<2xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$ROWS]], #[[$ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[$X]], #[[$ROWS]], #[[$ROWS]], #[[$X]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%{{.*}}, %[[MAX]], %[[SUM]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.divf
// LogSoftmax: x - max - log(sum).
// CHECK: math.log
// CHECK-NEXT: arith.subf
func.func private @softmax(%a: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) attributes {llm.kernel} {
  %0 = llm.softmax %a {axis = -1 : i64} : tensor<2x3xf32>
  %1 = llm.log_softmax %a {axis = 1 : i64} : tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-DAG: #[[$STATS:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
// CHECK-DAG: #[[$SCALE:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func private @layer_norm
// CHECK: %[[N:.*]] = arith.constant 1.200000e+01 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK-SAME: ins(%{{.*}}, %[[MEAN]] : tensor<2x3x4xf32>, tensor<2xf32>)
// CHECK: arith.mulf
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: math.sqrt
// CHECK: %[[MEANX:.*]] = tensor.expand_shape %[[MEAN]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK: %[[INVX:.*]] = tensor.expand_shape %[[INV]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[$STATS]], #[[$STATS]], #[[$SCALE]], #[[$BIAS]], #{{.*}}]
// CHECK: return %[[Y]], %[[MEANX]], %[[INVX]]
func.func private @layer_norm(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %b: tensor<3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) attributes {llm.kernel} {
  %0:3 = llm.layer_norm %x, %s, %b {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
}

// -----

// CHECK-LABEL: func.func private @reduce
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.addf
// CHECK: arith.constant 3.000000e+00 : f32
// CHECK: arith.divf
// CHECK: tensor.expand_shape {{.*}} {{\[\[}}0, 1], [2]] output_shape [2, 1, 4]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: arith.constant -9223372036854775808 : i64
// CHECK: arith.maxsi
// CHECK: arith.constant 0 : i8
// CHECK: arith.maxui
// CHECK: arith.constant 6 : i64
// CHECK: arith.divsi
// CHECK: tensor.expand_shape {{.*}} [] output_shape [1, 1] : tensor<i64> into tensor<1x1xi64>
func.func private @reduce(%a: tensor<2x3x4xf32>, %b: tensor<2x3xi64>, %c: tensor<2x3xui8>) -> (tensor<2x1x4xf32>, tensor<4xf32>, tensor<2x1xi64>, tensor<2x1xui8>, tensor<1x1xi64>) attributes {llm.kernel} {
  %0 = llm.reduce_mean %a {axes = array<i64: 1>} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  %1 = llm.reduce_sum %a {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x3x4xf32> -> tensor<4xf32>
  %2 = llm.reduce_max %b {axes = array<i64: 1>} : tensor<2x3xi64> -> tensor<2x1xi64>
  %3 = llm.reduce_max %c {axes = array<i64: 1>} : tensor<2x3xui8> -> tensor<2x1xui8>
  %4 = llm.reduce_mean %b {axes = array<i64: 0, 1>} : tensor<2x3xi64> -> tensor<1x1xi64>
  return %0, %1, %2, %3, %4 : tensor<2x1x4xf32>, tensor<4xf32>, tensor<2x1xi64>, tensor<2x1xui8>, tensor<1x1xi64>
}

// -----

// out[i] = sum over j of in[j] for j <= i (exclusive: j < i; reverse: >=, >).
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$SUMS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func private @cumsum
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$SUMS]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: %[[J:.*]] = linalg.index 2
// CHECK: arith.cmpi sle, %[[J]], %[[I]]
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sgt
func.func private @cumsum(%a: tensor<2x3xi64>) -> (tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>) attributes {llm.kernel} {
  %0 = llm.cumsum %a {axis = 1 : i64} : tensor<2x3xi64>
  %1 = llm.cumsum %a {axis = -1 : i64, exclusive = true} : tensor<2x3xi64>
  %2 = llm.cumsum %a {axis = 1 : i64, reverse = true} : tensor<2x3xi64>
  %3 = llm.cumsum %a {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x3xi64>
  return %0, %1, %2, %3 : tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>
}

// -----

// CHECK-LABEL: func.func private @trilu
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: %[[J:.*]] = linalg.index 2
// CHECK: %[[D:.*]] = arith.subi %[[J]], %[[I]]
// CHECK: %[[K:.*]] = arith.constant 1 : index
// CHECK: arith.cmpi sge, %[[D]], %[[K]]
// CHECK: arith.select
// CHECK: arith.constant -1 : index
// CHECK: arith.cmpi sle
func.func private @trilu(%a: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) attributes {llm.kernel} {
  %0 = llm.trilu %a {upper = true, k = 1 : i64} : tensor<2x3x4xf32>
  %1 = llm.trilu %a {upper = false, k = -1 : i64} : tensor<2x3x4xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func private @reshape
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [4, 6]
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
func.func private @reshape(%a: tensor<2x3x4xf32>, %s: tensor<f32>) -> (tensor<6x4xf32>, tensor<4x6xf32>, tensor<1x1xf32>) attributes {llm.kernel} {
  %0 = llm.reshape %a : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = llm.reshape %a : tensor<2x3x4xf32> -> tensor<4x6xf32>
  %2 = llm.reshape %s : tensor<f32> -> tensor<1x1xf32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<4x6xf32>, tensor<1x1xf32>
}

// -----

// CHECK-LABEL: func.func private @transpose
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%[[E]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func private @transpose(%a: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> attributes {llm.kernel} {
  %0 = llm.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// Pieces are written with linalg.copy into slices (in-place subviews after
// bufferization) rather than returned as views: a strided memref.copy would
// need the memrefCopy runtime helper.
// CHECK-LABEL: func.func private @concat_split
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x0xf32>, %[[C:.*]]: tensor<2x1xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[W0:.*]] = tensor.extract_slice %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: %[[C0:.*]] = linalg.copy ins(%[[A]] : tensor<2x3xf32>) outs(%[[W0]] : tensor<2x3xf32>)
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[C0]] into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: %[[I2:.*]] = tensor.insert_slice %{{.*}} into %[[I0]][0, 3] [2, 1] [1, 1]
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[A]][0, 0] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2x1xf32>
// CHECK: %[[R0:.*]] = linalg.copy ins(%[[S0]] : tensor<2x1xf32>)
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[A]][0, 1] [2, 2] [1, 1] : tensor<2x3xf32> to tensor<2x2xf32>
// CHECK: %[[R1:.*]] = linalg.copy ins(%[[S1]] : tensor<2x2xf32>)
// CHECK: return %[[I2]], %[[R0]], %[[R1]]
func.func private @concat_split(%a: tensor<2x3xf32>, %b: tensor<2x0xf32>, %c: tensor<2x1xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x2xf32>) attributes {llm.kernel} {
  %0 = llm.concat %a, %b, %c {axis = -1 : i64} : (tensor<2x3xf32>, tensor<2x0xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  %1:2 = llm.split %a {axis = 1 : i64, sizes = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<2x1xf32>, tensor<2x2xf32>
  return %0, %1#0, %1#1 : tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x2xf32>
}

// -----

// Negative steps read input[start + step * i] through an affine map.
// CHECK-DAG: #[[$REV:.*]] = affine_map<(d0, d1) -> (d0 * -2 + 4, d1)>
// CHECK-LABEL: func.func private @slice
// CHECK: %[[V:.*]] = tensor.extract_slice %{{.*}}[1, 0] [2, 2] [2, 2] : tensor<5x4xf32> to tensor<2x2xf32>
// CHECK: linalg.copy ins(%[[V]] : tensor<2x2xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$REV]], #{{.*}}]
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<0x4xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[EMPTY]]
func.func private @slice(%a: tensor<5x4xf32>) -> (tensor<2x2xf32>, tensor<3x4xf32>, tensor<0x4xf32>) attributes {llm.kernel} {
  %0 = llm.slice %a {starts = array<i64: 1, 0>, ends = array<i64: 5, 4>, steps = array<i64: 2, 2>} : tensor<5x4xf32> -> tensor<2x2xf32>
  %1 = llm.slice %a {starts = array<i64: -1, 0>, ends = array<i64: -9223372036854775808, 100>, steps = array<i64: -2, 1>} : tensor<5x4xf32> -> tensor<3x4xf32>
  %2 = llm.slice %a {starts = array<i64: 3, 0>, ends = array<i64: 1, 4>, steps = array<i64: 1, 1>} : tensor<5x4xf32> -> tensor<0x4xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<3x4xf32>, tensor<0x4xf32>
}

// -----

// CHECK-DAG: #[[$IDX:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func private @gather
// CHECK-SAME: (%[[DATA:.*]]: tensor<5x4xf32>, %[[IND:.*]]: tensor<2x3xi64>, %[[IND32:.*]]: tensor<i32>)
// CHECK: %[[C5:.*]] = arith.constant 5 : index
// CHECK: linalg.generic {indexing_maps = [#[[$IDX]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[IND]] : tensor<2x3xi64>)
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]]
// CHECK: %[[WRAP:.*]] = arith.addi %[[I]], %[[C5]]
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[I]]
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]]
// CHECK: %[[IN:.*]] = arith.minsi %[[LO]]
// CHECK: %[[COL:.*]] = linalg.index 2
// CHECK: tensor.extract %[[DATA]][%[[IN]], %[[COL]]]
// CHECK: arith.index_cast %{{.*}} : i32 to index
func.func private @gather(%a: tensor<5x4xf32>, %i: tensor<2x3xi64>, %j: tensor<i32>) -> (tensor<2x3x4xf32>, tensor<5xf32>) attributes {llm.kernel} {
  %0 = llm.gather %a[%i] {axis = 0 : i64} : tensor<5x4xf32>, tensor<2x3xi64> -> tensor<2x3x4xf32>
  %1 = llm.gather %a[%j] {axis = 1 : i64} : tensor<5x4xf32>, tensor<i32> -> tensor<5xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<5xf32>
}

// -----

// CHECK-DAG: #[[$SRC:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func private @expand
// CHECK: linalg.generic {indexing_maps = [#[[$SRC]], #{{.*}}]
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
func.func private @expand(%a: tensor<3x1xf32>) -> tensor<2x3x4xf32> attributes {llm.kernel} {
  %0 = llm.expand %a : tensor<3x1xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func private @scatter_nd
// CHECK: %[[COPY:.*]] = linalg.copy
// CHECK: scf.for %[[U:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[COPY]]) -> (tensor<4x3xf32>)
// CHECK: tensor.extract %{{.*}}[%[[U]], %{{.*}}] : tensor<2x1xi64>
// CHECK: %[[ROW:.*]] = tensor.extract_slice %{{.*}}[%[[U]], 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<3xf32>
// CHECK: %[[WIN:.*]] = tensor.extract_slice %[[ACC]][%[[I:.*]], 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
// CHECK: %[[CP:.*]] = linalg.copy ins(%[[ROW]] : tensor<3xf32>) outs(%[[WIN]] : tensor<3xf32>)
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[CP]] into %[[ACC]][%[[I]], 0] [1, 3] [1, 1]
// CHECK: scf.yield %[[INS]]
// Element updates with a reduction read, combine and write back one scalar.
// CHECK: scf.for
// CHECK: %[[OLD:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<4x3xf32>
// CHECK: arith.addf %[[OLD]]
// CHECK: tensor.insert
func.func private @scatter_nd(%d: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>, %i2: tensor<2x2xi64>, %u2: tensor<2xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) attributes {llm.kernel} {
  %0 = llm.scatter_nd %d[%i], %u : tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32> -> tensor<4x3xf32>
  %1 = llm.scatter_nd %d[%i2], %u2 {reduction = "add"} : tensor<4x3xf32>, tensor<2x2xi64>, tensor<2xf32> -> tensor<4x3xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// Kernel constants become arith.constant; weights in the graph function stay
// llm.constant (only their unsigned type is made signless), and calls follow
// the converted kernel signatures.
// CHECK-LABEL: func.func private @kernel
// CHECK-SAME: (%{{.*}}: tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xi8>)
// CHECK: %[[SHAPE:.*]] = arith.constant dense<[2, 3]> : tensor<2xi64>
// CHECK: %[[C:.*]] = arith.constant dense<[1, -1]> : tensor<2xi8>
// CHECK: return %[[SHAPE]], %[[C]]
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xi8>)
// CHECK: %[[W:.*]] = llm.constant dense<[7, -56]> : tensor<2xi8>
// CHECK: %[[F:.*]] = llm.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: %[[R:.*]]:2 = call @kernel(%[[X]]) : (tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xi8>)
// CHECK: return %[[R]]#0, %[[W]]
func.func private @kernel(%a: tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xui8>) attributes {llm.kernel} {
  %0 = llm.shape %a : tensor<2x3xf32> -> tensor<2xi64>
  %1 = llm.constant dense<[1, 255]> : tensor<2xui8>
  return %0, %1 : tensor<2xi64>, tensor<2xui8>
}
func.func @main(%a: tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xui8>) {
  %w = llm.constant dense<[7, 200]> : tensor<2xui8>
  %f = llm.constant dense<1.0> : tensor<2xf32>
  %0:2 = call @kernel(%a) : (tensor<2x3xf32>) -> (tensor<2xi64>, tensor<2xui8>)
  return %0#0, %w : tensor<2xi64>, tensor<2xui8>
}

// -----

// Elementwise ops, reductions, matmul and friends take their `?` sizes from
// tensor.dim of an operand.
// CHECK-LABEL: func.func private @dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>, %{{.*}}: tensor<3xf32>, %[[M:.*]]: tensor<3x?xf32>)
// CHECK: %[[D0:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x3xf32>
// CHECK: tensor.empty(%[[D0]]) : tensor<?x3xf32>
// CHECK: tensor.empty(%{{.*}}) : tensor<?xf32>
// CHECK: %[[C:.*]] = tensor.dim %[[M]], %{{.*}} : tensor<3x?xf32>
// CHECK: tensor.empty(%{{.*}}, %[[C]]) : tensor<?x?xf32>
// CHECK: linalg.matmul
// CHECK: arith.index_cast %{{.*}} : index to i64
// CHECK: tensor.from_elements
func.func private @dynamic(%a: tensor<?x3xf32>, %b: tensor<3xf32>, %m: tensor<3x?xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x?xf32>, tensor<2xi64>) attributes {llm.kernel} {
  %0 = llm.add %a, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %1 = llm.softmax %a {axis = 1 : i64} : tensor<?x3xf32>
  %2 = llm.matmul %a, %m : tensor<?x3xf32>, tensor<3x?xf32> -> tensor<?x?xf32>
  %3 = llm.shape %a : tensor<?x3xf32> -> tensor<2xi64>
  return %0, %1, %2, %3 : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x?xf32>, tensor<2xi64>
}

// -----

// Empty pieces produce no slice at all: their offset may equal the dim size,
// which tensor slices reject.
// CHECK-LABEL: func.func private @empty_pieces
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %{{.*}}: tensor<2x0xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0] [2, 3] [1, 1]
// CHECK-NOT: [0, 3]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x0xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[E]]
func.func private @empty_pieces(%a: tensor<2x3xf32>, %b: tensor<2x0xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x0xf32>) attributes {llm.kernel} {
  %0 = llm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x0xf32>) -> tensor<2x3xf32>
  %1:2 = llm.split %a {axis = 1 : i64, sizes = array<i64: 3, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>, tensor<2x0xf32>
  return %0, %1#0, %1#1 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x0xf32>
}
