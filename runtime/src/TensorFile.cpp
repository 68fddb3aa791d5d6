// ONNX TensorProto (.pb) <-> Tensor, using a private copy of onnx.proto
// compiled into package llmc.onnxio (same wire format, no clash with libonnx).
#include "llmc/runtime/TensorFile.h"

#include "TensorProtoData.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data is little-endian; big-endian hosts need byte swaps");

namespace llmc::runtime {
namespace {

using Proto = ::llmc::onnxio::TensorProto;

const char *onnxTypeName(int t) {
  switch (t) {
  case Proto::STRING: return "string";
  case Proto::COMPLEX64: return "complex64";
  case Proto::COMPLEX128: return "complex128";
  default: return nullptr;
  }
}

} // namespace

template <typename Dst, typename Field>
static void storeAs(const Field &values, std::vector<uint8_t> &data) {
  data.resize(values.size() * sizeof(Dst));
  auto *out = reinterpret_cast<Dst *>(data.data());
  for (int i = 0; i < values.size(); ++i)
    out[i] = static_cast<Dst>(values.Get(i));
}

Status decodeTyped(const Proto &p, DType dtype, std::vector<uint8_t> &data,
                   size_t &count) {
  switch (dtype) {
  case plan::FLOAT:
    storeAs<float>(p.float_data(), data);
    count = p.float_data_size();
    return Status::success();
  case plan::INT32:
    storeAs<int32_t>(p.int32_data(), data);
    break;
  case plan::INT16:
    storeAs<int16_t>(p.int32_data(), data);
    break;
  case plan::INT8:
    storeAs<int8_t>(p.int32_data(), data);
    break;
  case plan::UINT16:
  case plan::FLOAT16:  // int32_data holds the 16-bit pattern
  case plan::BFLOAT16:
    storeAs<uint16_t>(p.int32_data(), data);
    break;
  case plan::UINT8:
    storeAs<uint8_t>(p.int32_data(), data);
    break;
  case plan::BOOL:
    data.resize(p.int32_data_size());
    for (int i = 0; i < p.int32_data_size(); ++i)
      data[i] = p.int32_data(i) != 0;
    break;
  case plan::INT64:
    storeAs<int64_t>(p.int64_data(), data);
    count = p.int64_data_size();
    return Status::success();
  case plan::DOUBLE:
    storeAs<double>(p.double_data(), data);
    count = p.double_data_size();
    return Status::success();
  case plan::UINT32:
    storeAs<uint32_t>(p.uint64_data(), data);
    count = p.uint64_data_size();
    return Status::success();
  case plan::UINT64:
    storeAs<uint64_t>(p.uint64_data(), data);
    count = p.uint64_data_size();
    return Status::success();
  default:
    return Status::error("unsupported tensor data type " +
                         std::to_string(static_cast<int>(dtype)));
  }
  count = p.int32_data_size();
  return Status::success();
}

Status parseTensorProto(const std::string &bytes, Tensor &out,
                        std::string &name) {
  Proto p;
  if (!p.ParseFromString(bytes))
    return Status::error("not a valid TensorProto");
  name = p.name();
  const std::string q = name.empty() ? "tensor" : "tensor '" + name + "'";
  int t = p.data_type();
  DType dtype = static_cast<DType>(t);
  if (!plan::DType_IsValid(t) || dtypeSize(dtype) == 0) {
    const char *n = onnxTypeName(t);
    return Status::error(q + ": unsupported data type " +
                         (n ? std::string(n) : std::to_string(t)));
  }
  if (p.data_location() == Proto::EXTERNAL)
    return Status::error(q + ": external data is not supported");
  if (p.has_segment())
    return Status::error(q + ": segmented tensors are not supported");

  Tensor tensor;
  tensor.dtype = dtype;
  for (int64_t d : p.dims()) {
    if (d < 0)
      return Status::error(q + ": negative dimension " + std::to_string(d));
    tensor.shape.push_back(d);
  }
  size_t expect = tensor.numElements();
  if (p.has_raw_data()) {
    if (p.raw_data().size() != expect * dtypeSize(dtype))
      return Status::error(q + ": raw_data has " +
                           std::to_string(p.raw_data().size()) +
                           " bytes, expected " +
                           std::to_string(expect * dtypeSize(dtype)) +
                           " for " + typeString(dtype, tensor.shape));
    tensor.data.assign(p.raw_data().begin(), p.raw_data().end());
  } else {
    size_t count = 0;
    LLMC_RETURN_IF_ERROR(decodeTyped(p, dtype, tensor.data, count));
    if (count != expect)
      return Status::error(q + ": has " + std::to_string(count) +
                           " elements, expected " + std::to_string(expect) +
                           " for " + typeString(dtype, tensor.shape));
  }
  out = std::move(tensor);
  return Status::success();
}

Status serializeTensorProto(const Tensor &tensor, const std::string &name,
                            std::string &bytes) {
  if (dtypeSize(tensor.dtype) == 0)
    return Status::error("cannot serialize tensor of dtype " +
                         std::string(dtypeName(tensor.dtype)));
  if (tensor.data.size() != tensor.byteSize())
    return Status::error("tensor holds " + std::to_string(tensor.data.size()) +
                         " bytes, expected " +
                         std::to_string(tensor.byteSize()) + " for " +
                         typeString(tensor.dtype, tensor.shape));
  Proto p;
  p.set_name(name);
  for (int64_t d : tensor.shape)
    p.add_dims(d);
  p.set_data_type(static_cast<int>(tensor.dtype));
  p.set_raw_data(tensor.data.data(), tensor.data.size());
  if (!p.SerializeToString(&bytes))
    return Status::error("cannot serialize tensor");
  return Status::success();
}

Status readTensorFile(const std::string &path, Tensor &out, std::string &name) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot open tensor file '" + path +
                         "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    return Status::error("cannot read tensor file '" + path + "'");
  Status st = parseTensorProto(ss.str(), out, name);
  if (!st.ok())
    return Status::error(path + ": " + st.message);
  return Status::success();
}

Status writeTensorFile(const std::string &path, const Tensor &tensor,
                       const std::string &name) {
  std::string bytes;
  Status st = serializeTensorProto(tensor, name, bytes);
  if (!st.ok())
    return Status::error(path + ": " + st.message);
  std::ofstream o(path, std::ios::binary | std::ios::trunc);
  if (!o)
    return Status::error("cannot write tensor file '" + path +
                         "': " + std::strerror(errno));
  o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  o.close();
  if (!o)
    return Status::error("cannot write tensor file '" + path + "'");
  return Status::success();
}

} // namespace llmc::runtime
