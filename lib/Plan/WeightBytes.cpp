//===- WeightBytes.cpp - MLIR types and constants in plan terms -----------===//
#include "llmc/Plan/WeightBytes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace llmc;

plan::DType llmc::toPlanDType(Type t) {
  if (t.isF32())
    return plan::FLOAT;
  if (t.isF16())
    return plan::FLOAT16;
  if (t.isBF16())
    return plan::BFLOAT16;
  if (t.isF64())
    return plan::DOUBLE;
  auto i = dyn_cast<IntegerType>(t);
  if (!i)
    return plan::UNDEFINED;
  bool u = i.isUnsigned();
  switch (i.getWidth()) {
  case 1:
    return plan::BOOL;
  case 8:
    return u ? plan::UINT8 : plan::INT8;
  case 16:
    return u ? plan::UINT16 : plan::INT16;
  case 32:
    return u ? plan::UINT32 : plan::INT32;
  case 64:
    return u ? plan::UINT64 : plan::INT64;
  default:
    return plan::UNDEFINED;
  }
}

size_t llmc::elementBytes(Type t) {
  unsigned bits = t.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

FailureOr<std::vector<uint8_t>> llmc::constantBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  Type elt = type.getElementType();
  size_t width = elementBytes(elt);
  int64_t n = type.getNumElements();
  std::vector<uint8_t> out;
  out.reserve(n * width);

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> data = blob->getData();
    if (data.size() != size_t(n) * width)
      return failure();
    out.assign(data.begin(), data.end());
    return out;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return failure();
  auto push = [&](const APInt &bits) {
    uint64_t words = bits.getBitWidth() <= 64 ? bits.getZExtValue() : 0;
    for (size_t i = 0; i < width; ++i)
      out.push_back(static_cast<uint8_t>((words >> (8 * i)) & 0xff));
  };
  if (isa<FloatType>(elt)) {
    for (APFloat f : dense.getValues<APFloat>())
      push(f.bitcastToAPInt());
  } else if (isa<IntegerType>(elt)) {
    for (APInt i : dense.getValues<APInt>())
      push(i.getBitWidth() == 1 ? APInt(8, i.getZExtValue()) : i);
  } else {
    return failure();
  }
  return out;
}
