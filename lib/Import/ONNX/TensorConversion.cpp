//===- TensorConversion.cpp - ONNX tensors and types -> MLIR --------------===//
#include "TensorConversion.h"
#include "ModelLoader.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"

#include <cstring>

using namespace mlir;

namespace llmc::onnx_import {

Type convertDataType(MLIRContext *ctx, int32_t dataType) {
  auto signless = [&](unsigned w) { return IntegerType::get(ctx, w); };
  auto unsignedTy = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(ctx);
  case onnx::TensorProto::DOUBLE:
    return Float64Type::get(ctx);
  case onnx::TensorProto::FLOAT16:
    return Float16Type::get(ctx);
  case onnx::TensorProto::BFLOAT16:
    return BFloat16Type::get(ctx);
  case onnx::TensorProto::INT8:
    return signless(8);
  case onnx::TensorProto::INT16:
    return signless(16);
  case onnx::TensorProto::INT32:
    return signless(32);
  case onnx::TensorProto::INT64:
    return signless(64);
  case onnx::TensorProto::UINT8:
    return unsignedTy(8);
  case onnx::TensorProto::UINT16:
    return unsignedTy(16);
  case onnx::TensorProto::UINT32:
    return unsignedTy(32);
  case onnx::TensorProto::UINT64:
    return unsignedTy(64);
  case onnx::TensorProto::BOOL:
    return signless(1);
  default:
    return {};
  }
}

std::string dataTypeName(int32_t dataType) {
  // Names of types this protobuf version does not know (FLOAT8*, INT4, ...).
  static const char *const newer[] = {
      "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
      "UINT4",        "INT4",           "FLOAT4E2M1"};
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  if (dataType >= 17 && dataType < 17 + (int)std::size(newer))
    return newer[dataType - 17];
  return "<data type " + std::to_string(dataType) + ">";
}

LogicalResult emitUnsupportedDataType(Location loc, StringRef what,
                                      int32_t dataType) {
  return emitError(loc) << what << " has unsupported element type "
                        << dataTypeName(dataType)
                        << " (supported: float, double, float16, bfloat16, "
                           "int8/16/32/64, uint8/16/32/64, bool)";
}

/// Storage bytes of one element as laid out in raw_data (bool: 1).
static int64_t storageBytes(Type elt) {
  if (elt.isInteger(1))
    return 1;
  return elt.getIntOrFloatBitWidth() / 8;
}

static std::string resourceName(StringRef name) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (out.empty() || !(llvm::isAlpha(out[0]) || out[0] == '_'))
    out.insert(out.begin(), '_');
  return out;
}

ElementsAttr makeElementsAttr(RankedTensorType type, ArrayRef<char> bytes,
                              StringRef name) {
  Type elt = type.getElementType();
  int64_t n = type.getNumElements();
  if (n <= kMaxDenseElements) {
    if (elt.isInteger(1)) {
      SmallVector<bool> bits;
      bits.reserve(n);
      for (char c : bytes)
        bits.push_back(c != 0);
      return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
    }
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  }
  size_t align = std::max<size_t>(storageBytes(elt), 1);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      bytes, std::max<size_t>(align, 8));
  return DenseResourceElementsAttr::get(type, resourceName(name),
                                        std::move(blob));
}

/// Appends `values` converted to the little-endian storage of `elt`.
template <typename T>
static void appendAs(std::vector<char> &out, Type elt, const T &values) {
  int64_t width = storageBytes(elt);
  size_t start = out.size();
  out.resize(start + values.size() * width);
  char *dst = out.data() + start;
  for (auto v : values) {
    if (isa<Float32Type>(elt)) {
      float f = static_cast<float>(v);
      std::memcpy(dst, &f, 4);
    } else if (isa<Float64Type>(elt)) {
      double d = static_cast<double>(v);
      std::memcpy(dst, &d, 8);
    } else {
      // Integers, bool and the 16-bit float bit patterns stored in int32_data.
      uint64_t bits = static_cast<uint64_t>(v);
      if (elt.isInteger(1))
        bits = bits != 0;
      std::memcpy(dst, &bits, width); // little-endian host
    }
    dst += width;
  }
}

FailureOr<ElementsAttr> convertTensor(MLIRContext *ctx,
                                      const onnx::TensorProto &tensor,
                                      StringRef baseDir, Location loc,
                                      StringRef what, StringRef nameHint) {
  Type elt = convertDataType(ctx, tensor.data_type());
  if (!elt)
    return emitUnsupportedDataType(loc, what, tensor.data_type());
  if (tensor.has_segment())
    return emitError(loc) << what << " is a segmented tensor (unsupported)";
  SmallVector<int64_t> shape;
  int64_t n = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return emitError(loc) << what << " has a negative dim " << d;
    shape.push_back(d);
    if (__builtin_mul_overflow(n, d, &n) || n > (int64_t(1) << 40))
      return emitError(loc) << what << " is too large";
  }
  auto type = RankedTensorType::get(shape, elt);
  int64_t width = storageBytes(elt);
  uint64_t expectedBytes = static_cast<uint64_t>(n) * width;
  std::string name = !tensor.name().empty() ? tensor.name()
                     : !nameHint.empty()    ? nameHint.str()
                                            : what.str();

  auto sizeError = [&](int64_t got) {
    return emitError(loc) << what << " has " << got
                          << " values but its shape needs " << n;
  };

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto buffer = readExternalData(tensor, baseDir, expectedBytes, loc);
    if (failed(buffer))
      return failure();
    StringRef data = (*buffer)->getBuffer();
    return makeElementsAttr(type, ArrayRef<char>(data.data(), data.size()),
                            name);
  }
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (raw.size() != expectedBytes)
      return emitError(loc) << what << " has " << raw.size()
                            << " bytes of raw_data but its shape and type need "
                            << expectedBytes;
    return makeElementsAttr(type, ArrayRef<char>(raw.data(), raw.size()), name);
  }

  std::vector<char> bytes;
  bytes.reserve(expectedBytes);
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (tensor.float_data_size() != n)
      return sizeError(tensor.float_data_size());
    appendAs(bytes, elt, tensor.float_data());
    break;
  case onnx::TensorProto::DOUBLE:
    if (tensor.double_data_size() != n)
      return sizeError(tensor.double_data_size());
    appendAs(bytes, elt, tensor.double_data());
    break;
  case onnx::TensorProto::INT64:
    if (tensor.int64_data_size() != n)
      return sizeError(tensor.int64_data_size());
    appendAs(bytes, elt, tensor.int64_data());
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    if (tensor.uint64_data_size() != n)
      return sizeError(tensor.uint64_data_size());
    appendAs(bytes, elt, tensor.uint64_data());
    break;
  default: // int8/16/32, uint8/16, bool, float16, bfloat16: int32_data
    if (tensor.int32_data_size() != n)
      return sizeError(tensor.int32_data_size());
    appendAs(bytes, elt, tensor.int32_data());
    break;
  }
  return makeElementsAttr(type, bytes, name);
}

ElementsAttr makeIntElements(RankedTensorType type, ArrayRef<int64_t> values,
                             StringRef name) {
  std::vector<char> bytes;
  appendAs(bytes, type.getElementType(), values);
  return makeElementsAttr(type, bytes, name);
}

ElementsAttr makeFloatElements(RankedTensorType type, ArrayRef<double> values,
                               StringRef name) {
  auto floatType = cast<FloatType>(type.getElementType());
  unsigned width = floatType.getWidth() / 8;
  std::vector<char> bytes(values.size() * width);
  for (size_t i = 0; i < values.size(); ++i) {
    APFloat f(values[i]);
    bool lost;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &lost);
    uint64_t bits = f.bitcastToAPInt().getZExtValue();
    std::memcpy(bytes.data() + i * width, &bits, width);
  }
  return makeElementsAttr(type, bytes, name);
}

/// The raw bytes of a resource-backed constant, if available.
static std::optional<ArrayRef<char>> resourceBytes(ElementsAttr attr) {
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  return blob->getData();
}

std::optional<SmallVector<int64_t>> getIntValues(ElementsAttr attr) {
  auto intType = dyn_cast<IntegerType>(attr.getElementType());
  if (!intType)
    return std::nullopt;
  bool isUnsigned = intType.isUnsigned() || intType.getWidth() == 1;
  SmallVector<int64_t> out;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    out.reserve(dense.getNumElements());
    for (const APInt &v : dense.getValues<APInt>())
      out.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                               : v.getSExtValue());
    return out;
  }
  std::optional<ArrayRef<char>> bytes = resourceBytes(attr);
  if (!bytes)
    return std::nullopt;
  unsigned width = intType.getWidth() == 1 ? 1 : intType.getWidth() / 8;
  int64_t n = attr.getNumElements();
  if ((int64_t)bytes->size() != n * (int64_t)width)
    return std::nullopt;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, bytes->data() + i * width, width);
    APInt v(intType.getWidth() == 1 ? 8 : intType.getWidth(), bits);
    out.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                             : v.getSExtValue());
  }
  return out;
}

std::optional<SmallVector<double>> getFloatValues(ElementsAttr attr) {
  Type elt = attr.getElementType();
  if (isa<IntegerType>(elt)) {
    auto ints = getIntValues(attr);
    if (!ints)
      return std::nullopt;
    return llvm::to_vector(llvm::map_range(
        *ints, [](int64_t v) { return static_cast<double>(v); }));
  }
  auto floatType = dyn_cast<FloatType>(elt);
  if (!floatType)
    return std::nullopt;
  SmallVector<double> out;
  auto toDouble = [](APFloat v) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    return v.convertToDouble();
  };
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &v : dense.getValues<APFloat>())
      out.push_back(toDouble(v));
    return out;
  }
  std::optional<ArrayRef<char>> bytes = resourceBytes(attr);
  if (!bytes)
    return std::nullopt;
  unsigned width = floatType.getWidth() / 8;
  int64_t n = attr.getNumElements();
  if ((int64_t)bytes->size() != n * (int64_t)width)
    return std::nullopt;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, bytes->data() + i * width, width);
    out.push_back(toDouble(APFloat(floatType.getFloatSemantics(),
                                   APInt(floatType.getWidth(), bits))));
  }
  return out;
}

} // namespace llmc::onnx_import
