// A hand-written graph for tool tests: two inputs, a weight, a broadcast
// add, a scale, a transpose, and two outputs (one also read by a later step).
module attributes {llm.source = "schedule.mlir"} {
func.func @main(%a: tensor<2x3xf32> {llm.name = "a"}, %b: tensor<3xf32> {llm.name = "b"}) -> (tensor<2x3xf32> {llm.name = "y"}, tensor<3x2xf32> {llm.name = "t"}) {
  %c = llm.constant dense<2.0> : tensor<3xf32>
  %w = llm.constant dense<[[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0],[1.0,2.0,3.0],[4.0,5.0,6.0]]> : tensor<24x3xf32>
  %ws = llm.slice %w {starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : tensor<24x3xf32> -> tensor<2x3xf32>
  %0 = llm.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = llm.mul %0, %c : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %2 = llm.add %1, %ws : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = llm.transpose %2 {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %2, %3 : tensor<2x3xf32>, tensor<3x2xf32>
}
}
