// RUN: llmc-opt %s -split-input-file -llm-cpu-tile-contractions="vector-bits=128 tile-rows=4 tile-vectors=2" -canonicalize | FileCheck %s

// The model's [1, M, K] x [K, N] contraction with M = 10 (two tiles of 4 rows,
// a tail of 2) and N = 20 (two tiles of 2 x 4 lanes, a tail of 4): column
// tiles outermost, the accumulators are vectors carried by the k loop, the
// A element of each row is broadcast, one B vector row is loaded per k.
// CHECK-LABEL: func.func @model_matmul
// CHECK-SAME: (%[[A:.*]]: memref<1x10x8xf32>, %[[B:.*]]: memref<8x20xf32>, %[[C:.*]]: memref<1x10x20xf32>)
// CHECK-NOT: linalg.generic
// CHECK: scf.for %[[N0:.*]] = %c0 to %c16 step %c8 {
// CHECK: scf.for %[[M0:.*]] = %c0 to %c8 step %c4 {
// CHECK-COUNT-4: vector.load %[[C]]{{.*}} : memref<1x10x20xf32>, vector<8xf32>
// CHECK: %[[R:.*]]:4 = scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(%[[ACC0:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK: %[[A0:.*]] = memref.load %[[A]][%c0, %[[M0]], %[[K]]]
// CHECK: %[[S0:.*]] = vector.broadcast %[[A0]] : f32 to vector<8xf32>
// CHECK: %[[BV:.*]] = vector.load %[[B]][%[[K]], %[[N0]]] : memref<8x20xf32>, vector<8xf32>
// CHECK: %[[P0:.*]] = arith.mulf %[[S0]], %[[BV]] : vector<8xf32>
// CHECK: arith.addf %[[ACC0]], %[[P0]] : vector<8xf32>
// CHECK: scf.yield
// CHECK-COUNT-4: vector.store %[[R]]
// The two tail rows: one tile of 2 rows.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>) {
// The tail columns (16..19): tiles of 4 lanes.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>) {
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @model_matmul(%a: memref<1x10x8xf32>, %b: memref<8x20xf32>, %c: memref<1x10x20xf32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<1x10x8xf32>, memref<8x20xf32>) outs(%c : memref<1x10x20xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Named batch_matmul with f16 operands and an f32 accumulator: a batch loop,
// the body's extf applied to whole vectors.
// CHECK-LABEL: func.func @batch_f16
// CHECK-NOT: linalg.batch_matmul
// CHECK: scf.for %[[BT:.*]] = %c0 to %c2 step %c1 {
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.load %{{.*}}[%[[BT]], %{{.*}}, %{{.*}}] : memref<2x3x8xf16>, vector<8xf16>
// CHECK: arith.extf %{{.*}} : vector<8xf16> to vector<8xf32>
func.func @batch_f16(%a: memref<2x4x3xf16>, %b: memref<2x3x8xf16>, %c: memref<2x4x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x4x3xf16>, memref<2x3x8xf16>) outs(%c : memref<2x4x8xf32>)
  return
}

// -----

// One row (decode GEMV) stays in the loop form (min-rows = 2), and so does a
// row reduction (no operand is read along the output's last dim).
// CHECK-LABEL: func.func @gemv
// CHECK: linalg.generic
// CHECK-LABEL: func.func @row_sum
// CHECK: linalg.generic
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @gemv(%a: memref<1x1x8xf32>, %b: memref<8x20xf32>, %c: memref<1x1x20xf32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<1x1x8xf32>, memref<8x20xf32>) outs(%c : memref<1x1x20xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
func.func @row_sum(%a: memref<4x8xf32>, %c: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<4x8xf32>) outs(%c : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %in, %out : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// use-fma (CPUs with FMA): `out + a * b` becomes one vector.fma per row, and
// min-rows = 1 takes single rows too, with
// tile-rows x tile-vectors vectors of columns (64 lanes) in their one row.
// RUN: llmc-opt %s -split-input-file -llm-cpu-tile-contractions="vector-bits=256 tile-rows=4 tile-vectors=2 use-fma=1 min-rows=1" -canonicalize | FileCheck %s --check-prefix=FMA
// FMA-LABEL: func.func @gemv_fma
// FMA-NOT: linalg.generic
// FMA: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<64xf32>) {
// FMA: %[[S:.*]] = vector.broadcast %{{.*}} : f32 to vector<64xf32>
// FMA: %[[BV:.*]] = vector.load %{{.*}} : memref<8x72xf32>, vector<64xf32>
// FMA-NOT: arith.mulf
// FMA: vector.fma %[[S]], %[[BV]], %[[ACC]] : vector<64xf32>
// FMA: scf.for {{.*}} -> (vector<8xf32>) {
// FMA: vector.fma {{.*}} : vector<8xf32>
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @gemv_fma(%a: memref<1x1x8xf32>, %b: memref<8x72xf32>, %c: memref<1x1x72xf32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<1x1x8xf32>, memref<8x72xf32>) outs(%c : memref<1x1x72xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
