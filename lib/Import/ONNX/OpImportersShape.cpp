//===- OpImportersShape.cpp - data movement ONNX ops ----------------------===//
// Reshape/Squeeze/Unsqueeze/Flatten become llm.reshape with a static result
// type computed here from constant shape/axes inputs; Slice/Split/Concat/
// Gather/Transpose/Expand map onto their llm ops with normalized attributes.
//===----------------------------------------------------------------------===//
#include "ConstantEval.h"
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace llmc::llm;

namespace llmc::onnx_import {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

/// Normalizes a list of axes against `rank`; rejects duplicates.
FailureOr<SmallVector<int64_t>>
normalizeAxes(NodeContext &n, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(n, a, rank);
    if (failed(axis))
      return failure();
    if (llvm::is_contained(out, *axis))
      return n.emitError() << "axis " << a << " is listed twice";
    out.push_back(*axis);
  }
  return out;
}

/// Reads axes from input `index` (opset >= `inputSince`) or the `axes`
/// attribute (older opsets). Returns nullopt when none are given.
FailureOr<std::optional<SmallVector<int64_t>>>
readAxes(NodeContext &n, unsigned index, int64_t inputSince) {
  if (n.opset >= inputSince) {
    if (!n.hasInput(index))
      return std::optional<SmallVector<int64_t>>();
    FailureOr<SmallVector<int64_t>> axes = n.constInts(index);
    if (failed(axes))
      return failure();
    return std::optional<SmallVector<int64_t>>(*axes);
  }
  return n.intsAttr("axes");
}

//===----------------------------------------------------------------------===//
// Reshape family
//===----------------------------------------------------------------------===//

LogicalResult importReshape(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = n.constInts(1);
  if (failed(shape))
    return failure();
  RankedTensorType in = n.inputType(0);
  bool allowZero = n.intAttr("allowzero", 0) != 0;
  SmallVector<int64_t> out(shape->size());
  SmallVector<bool> copied(shape->size(), false);
  int64_t inferIndex = -1;
  for (auto [i, s] : llvm::enumerate(*shape)) {
    if (s == 0 && !allowZero) {
      if ((int64_t)i >= in.getRank())
        return n.emitError()
               << "shape entry " << i << " is 0 (copy) but the input " << in
               << " has no dim " << i;
      out[i] = in.getDimSize(i);
      copied[i] = true;
    } else if (s == -1) {
      if (inferIndex >= 0)
        return n.emitError()
               << "shape " << shapeString(*shape) << " has more than one -1";
      inferIndex = i;
    } else if (s < 0) {
      return n.emitError() << "shape " << shapeString(*shape)
                           << " has an invalid entry " << s;
    } else {
      out[i] = s;
    }
  }
  if (inferIndex >= 0) {
    // Dims copied by position cancel out, so a dynamic dim that is copied
    // does not prevent computing the -1 entry.
    bool dynamic = false;
    int64_t inProduct = 1, outProduct = 1;
    for (int64_t j = 0; j < in.getRank(); ++j) {
      if (j < (int64_t)copied.size() && copied[j])
        continue;
      if (in.isDynamicDim(j))
        dynamic = true;
      else
        inProduct *= in.getDimSize(j);
    }
    for (auto [i, d] : llvm::enumerate(out))
      if ((int64_t)i != inferIndex && !copied[i])
        outProduct *= d;
    if (dynamic) {
      out[inferIndex] = kDyn;
    } else if (outProduct == 0 || inProduct % outProduct != 0) {
      return n.emitError() << "cannot reshape " << in << " into shape "
                           << shapeString(*shape);
    } else {
      out[inferIndex] = inProduct / outProduct;
    }
  }
  auto outType = RankedTensorType::get(out, in.getElementType());
  if (in.hasStaticShape() && outType.hasStaticShape() &&
      in.getNumElements() != outType.getNumElements())
    return n.emitError() << "cannot reshape " << in << " into shape "
                         << shapeString(*shape);
  return n.setResult(n.reshape(n.input(0), out));
}

LogicalResult importSqueeze(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  auto axesOr = readAxes(n, 1, /*inputSince=*/13);
  if (failed(axesOr))
    return failure();
  RankedTensorType in = n.inputType(0);
  SmallVector<bool> squeeze(in.getRank(), false);
  if (*axesOr && !(*axesOr)->empty()) {
    auto axes = normalizeAxes(n, **axesOr, in.getRank());
    if (failed(axes))
      return failure();
    for (int64_t a : *axes) {
      if (!in.isDynamicDim(a) && in.getDimSize(a) != 1)
        return n.emitError() << "cannot squeeze dim " << a << " of size "
                             << in.getDimSize(a) << " in " << in;
      squeeze[a] = true;
    }
  } else {
    for (int64_t i = 0; i < in.getRank(); ++i) {
      if (in.isDynamicDim(i))
        return n.emitError()
               << "squeezing all size-1 dims of " << in
               << " needs static dims (fix symbolic dims with --input-shape)";
      squeeze[i] = in.getDimSize(i) == 1;
    }
  }
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!squeeze[i])
      out.push_back(in.isDynamicDim(i) ? kDyn : in.getDimSize(i));
  return n.setResult(n.reshape(n.input(0), out));
}

LogicalResult importUnsqueeze(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  auto axesOr = readAxes(n, 1, /*inputSince=*/13);
  if (failed(axesOr))
    return failure();
  if (!*axesOr)
    return n.emitError() << "missing axes";
  RankedTensorType in = n.inputType(0);
  int64_t outRank = in.getRank() + (*axesOr)->size();
  auto axes = normalizeAxes(n, **axesOr, outRank);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> out;
  int64_t next = 0;
  for (int64_t i = 0; i < outRank; ++i)
    out.push_back(llvm::is_contained(*axes, i) ? 1 : in.getDimSize(next++));
  return n.setResult(n.reshape(n.input(0), out));
}

LogicalResult importFlatten(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  int64_t axis = n.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return n.emitError() << "axis " << axis << " is out of range for rank "
                         << rank;
  if (axis < 0)
    axis += rank;
  SmallVector<int64_t> out = {shapeProduct(in.getShape().take_front(axis)),
                              shapeProduct(in.getShape().drop_front(axis))};
  return n.setResult(n.reshape(n.input(0), out));
}

//===----------------------------------------------------------------------===//
// Transpose, Concat, Split, Slice, Gather, Expand
//===----------------------------------------------------------------------===//

LogicalResult importTranspose(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> attr = n.intsAttr("perm")) {
    perm = *attr;
    if ((int64_t)perm.size() != rank)
      return n.emitError() << "perm has " << perm.size()
                           << " entries for an input of rank " << rank;
    for (int64_t &p : perm) {
      FailureOr<int64_t> axis = normalizeAxis(n, p, rank, "perm entry");
      if (failed(axis))
        return failure();
      p = *axis;
    }
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  }
  return n.setResult(n.create<TransposeOp>(
      {n.input(0)}, {n.namedAttr("perm", n.b.getDenseI64ArrayAttr(perm))}));
}

LogicalResult importConcat(NodeContext &n) {
  if (failed(n.requireInputs(std::max(1u, n.numInputs()))))
    return failure();
  if (!n.hasAttr("axis"))
    return n.emitError() << "missing the 'axis' attribute";
  FailureOr<int64_t> axis =
      normalizeAxis(n, n.intAttr("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    inputs.push_back(n.input(i));
  return n.setResult(n.create<ConcatOp>(
      inputs, {n.namedAttr("axis", n.b.getI64IntegerAttr(*axis))}));
}

LogicalResult importSplit(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  RankedTensorType in = n.inputType(0);
  FailureOr<int64_t> axis =
      normalizeAxis(n, n.intAttr("axis", 0), in.getRank());
  if (failed(axis))
    return failure();
  int64_t numOutputs = n.numOutputs();
  SmallVector<int64_t> sizes;
  if (n.opset >= 13 && n.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> split = n.constInts(1);
    if (failed(split))
      return failure();
    sizes = *split;
  } else if (n.opset < 13 && n.hasAttr("split")) {
    sizes = *n.intsAttr("split");
  } else {
    int64_t pieces = numOutputs;
    if (n.opset >= 18 && n.hasAttr("num_outputs")) {
      pieces = n.intAttr("num_outputs", 0);
      if (pieces != numOutputs)
        return n.emitError()
               << "num_outputs is " << pieces << " but the node has "
               << numOutputs << " outputs";
    }
    if (pieces <= 0)
      return n.emitError() << "needs at least one output";
    if (in.isDynamicDim(*axis))
      return n.emitError() << "cannot split the dynamic dim " << *axis << " of "
                           << in
                           << " into equal parts (fix symbolic dims with "
                              "--input-shape)";
    int64_t dim = in.getDimSize(*axis);
    int64_t chunk = (dim + pieces - 1) / pieces;
    int64_t last = dim - chunk * (pieces - 1);
    if (last < 0)
      return n.emitError() << "cannot split dim " << *axis << " of size " << dim
                           << " into " << pieces << " parts";
    sizes.assign(pieces - 1, chunk);
    sizes.push_back(last);
  }
  if ((int64_t)sizes.size() != numOutputs)
    return n.emitError() << "split has " << sizes.size()
                         << " sizes but the node has " << numOutputs
                         << " outputs";
  for (int64_t s : sizes)
    if (s < 0)
      return n.emitError() << "split sizes must be non-negative";
  auto results = n.createMulti<SplitOp>(
      {n.input(0)}, {n.namedAttr("axis", n.b.getI64IntegerAttr(*axis)),
                     n.namedAttr("sizes", n.b.getDenseI64ArrayAttr(sizes))});
  if (failed(results))
    return failure();
  for (auto [i, v] : llvm::enumerate(*results))
    n.setOutput(i, v);
  return success();
}

/// Pre-clamps one start/end/step triple of a static dim so that the values are
/// canonical (counts of zero included); dynamic dims keep the raw values.
void canonicalizeSlice(int64_t dim, int64_t &start, int64_t &end,
                       int64_t &step) {
  if (dim == kDyn)
    return;
  auto wrap = [&](int64_t v) { return v < 0 ? v + dim : v; };
  if (step > 0) {
    start = std::clamp<int64_t>(wrap(start), 0, dim);
    end = std::clamp<int64_t>(wrap(end), 0, dim);
    if (end < start)
      end = start;
    return;
  }
  if (dim == 0) {
    start = end = 0;
    step = 1;
    return;
  }
  start = std::clamp<int64_t>(wrap(start), 0, dim - 1);
  end = std::clamp<int64_t>(wrap(end), -1, dim - 1);
  if (end >= start)
    end = start; // empty
  if (end == -1)
    end = -dim - 1; // "before the first element", as the dialect reads it
}

LogicalResult importSlice(NodeContext &n) {
  if (failed(n.requireInputs(1)))
    return failure();
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    auto s = n.intsAttr("starts"), e = n.intsAttr("ends");
    if (!s || !e)
      return n.emitError() << "missing the 'starts' or 'ends' attribute";
    starts = *s;
    ends = *e;
    if (auto a = n.intsAttr("axes"))
      axes = *a;
  } else {
    if (failed(n.requireInputs(3)))
      return failure();
    auto s = n.constInts(1);
    if (failed(s))
      return failure();
    auto e = n.constInts(2);
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (n.hasInput(3)) {
      auto a = n.constInts(3);
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (n.hasInput(4)) {
      auto t = n.constInts(4);
      if (failed(t))
        return failure();
      steps = *t;
    }
  }
  if (axes.empty())
    for (int64_t i = 0; i < (int64_t)starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return n.emitError() << "starts, ends, axes and steps differ in length ("
                         << starts.size() << ", " << ends.size() << ", "
                         << axes.size() << ", " << steps.size() << ")";
  auto normAxes = normalizeAxes(n, axes, rank);
  if (failed(normAxes))
    return failure();
  SmallVector<int64_t> fullStarts(rank, 0), fullEnds(rank, kInt64Max),
      fullSteps(rank, 1);
  for (auto [k, a] : llvm::enumerate(*normAxes)) {
    if (steps[k] == 0)
      return n.emitError() << "slice step must be non-zero";
    fullStarts[a] = starts[k];
    fullEnds[a] = ends[k];
    fullSteps[a] = steps[k];
  }
  for (int64_t d = 0; d < rank; ++d)
    canonicalizeSlice(in.isDynamicDim(d) ? kDyn : in.getDimSize(d),
                      fullStarts[d], fullEnds[d], fullSteps[d]);
  return n.setResult(n.create<SliceOp>(
      {n.input(0)},
      {n.namedAttr("starts", n.b.getDenseI64ArrayAttr(fullStarts)),
       n.namedAttr("ends", n.b.getDenseI64ArrayAttr(fullEnds)),
       n.namedAttr("steps", n.b.getDenseI64ArrayAttr(fullSteps))}));
}

LogicalResult importGather(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(n, n.intAttr("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(
      n.create<GatherOp>({n.input(0), n.input(1)},
                         {n.namedAttr("axis", n.b.getI64IntegerAttr(*axis))}));
}

LogicalResult importExpand(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = n.constInts(1);
  if (failed(shape))
    return failure();
  RankedTensorType in = n.inputType(0);
  for (int64_t d : *shape)
    if (d < 0)
      return n.emitError() << "shape " << shapeString(*shape)
                           << " has a negative dim";
  SmallVector<int64_t> out;
  if (failed(broadcastShapes(in.getShape(), *shape, out)))
    return n.emitError() << "cannot expand " << in << " to shape "
                         << shapeString(*shape);
  auto type = RankedTensorType::get(out, in.getElementType());
  if (type == in) {
    n.setOutput(0, n.input(0));
    return success();
  }
  DenseElementsAttr splat;
  if (matchPattern(n.input(0), m_Constant(&splat)) && splat.isSplat()) {
    n.setOutput(0, n.constant(splat.resizeSplat(type)));
    return success();
  }
  if (DenseElementsAttr folded = evalBroadcastTo(
          {n.input(0)}, type, [](ArrayRef<Attribute> a) { return a[0]; })) {
    n.setOutput(0, n.constant(folded));
    return success();
  }
  return n.setResult(n.createTyped<ExpandOp>(type, {n.input(0)}));
}

} // namespace

void registerShapeImporters(OpImporterMap &map) {
  map["Reshape"] = importReshape;
  map["Squeeze"] = importSqueeze;
  map["Unsqueeze"] = importUnsqueeze;
  map["Flatten"] = importFlatten;
  map["Transpose"] = importTranspose;
  map["Concat"] = importConcat;
  map["Split"] = importSplit;
  map["Slice"] = importSlice;
  map["Gather"] = importGather;
  map["Expand"] = importExpand;
}

} // namespace llmc::onnx_import
