// TensorProto files: raw_data and typed-field decoding, writing, and errors.
#include "TestUtil.h"

#include "llmc/runtime/TensorFile.h"
#include "onnxio.pb.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;
using Proto = llmc::onnxio::TensorProto;

namespace {

template <typename T>
Tensor make(DType dtype, std::vector<int64_t> shape, std::vector<T> values) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(T));
  if (!t.data.empty())
    std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

Tensor parse(const Proto &p, std::string *nameOut = nullptr) {
  Tensor t;
  std::string name;
  Status st = parseTensorProto(p.SerializeAsString(), t, name);
  EXPECT_TRUE(st.ok()) << st.message;
  if (nameOut)
    *nameOut = name;
  return t;
}

void expectSame(const Tensor &a, const Tensor &b) {
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.data, b.data);
}

TEST(TensorFile, RawDataRoundTripThroughFiles) {
  TempDir dir;
  std::vector<Tensor> tensors = {
      make<float>(plan::FLOAT, {2, 2}, {1.5f, -2, 0, 1e30f}),
      make<int64_t>(plan::INT64, {3}, {-1, 0, int64_t(1) << 40}),
      make<uint8_t>(plan::BOOL, {2, 1}, {1, 0}),
      make<uint16_t>(plan::FLOAT16, {2}, {0x3C00, 0xC000}),
      make<float>(plan::FLOAT, {}, {42}), // scalar
      make<float>(plan::FLOAT, {0, 3}, {}),
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::string path = dir.file("t" + std::to_string(i) + ".pb");
    Status st = writeTensorFile(path, tensors[i], "t" + std::to_string(i));
    ASSERT_TRUE(st.ok()) << st.message;
    Tensor back;
    std::string name;
    st = readTensorFile(path, back, name);
    ASSERT_TRUE(st.ok()) << st.message;
    EXPECT_EQ(name, "t" + std::to_string(i));
    expectSame(back, tensors[i]);
  }
}

TEST(TensorFile, WrittenProtoUsesRawData) {
  std::string bytes;
  ASSERT_TRUE(serializeTensorProto(make<int64_t>(plan::INT64, {2}, {7, 8}),
                                   "idx", bytes)
                  .ok());
  Proto p;
  ASSERT_TRUE(p.ParseFromString(bytes));
  EXPECT_EQ(p.name(), "idx");
  EXPECT_EQ(p.data_type(), Proto::INT64);
  ASSERT_EQ(p.dims_size(), 1);
  EXPECT_EQ(p.dims(0), 2);
  EXPECT_EQ(p.raw_data().size(), 16u);
  EXPECT_EQ(p.int64_data_size(), 0);
}

TEST(TensorFile, TypedFields) {
  {
    Proto p;
    p.set_name("f");
    p.set_data_type(Proto::FLOAT);
    p.add_dims(3);
    for (float v : {1.f, 2.f, -3.5f})
      p.add_float_data(v);
    std::string name;
    expectSame(parse(p, &name), make<float>(plan::FLOAT, {3}, {1, 2, -3.5f}));
    EXPECT_EQ(name, "f");
  }
  {
    Proto p;
    p.set_data_type(Proto::INT64);
    p.add_dims(2);
    p.add_int64_data(-5);
    p.add_int64_data(int64_t(1) << 50);
    expectSame(parse(p), make<int64_t>(plan::INT64, {2}, {-5, int64_t(1) << 50}));
  }
  {
    Proto p;
    p.set_data_type(Proto::BOOL);
    p.add_dims(3);
    for (int v : {1, 0, 1})
      p.add_int32_data(v);
    expectSame(parse(p), make<uint8_t>(plan::BOOL, {3}, {1, 0, 1}));
  }
  {
    Proto p;
    p.set_data_type(Proto::FLOAT16);
    p.add_dims(2);
    p.add_int32_data(0x3C00);
    p.add_int32_data(0xC000);
    expectSame(parse(p), make<uint16_t>(plan::FLOAT16, {2}, {0x3C00, 0xC000}));
  }
  {
    Proto p;
    p.set_data_type(Proto::INT8);
    p.add_dims(2);
    p.add_int32_data(-128);
    p.add_int32_data(127);
    expectSame(parse(p), make<int8_t>(plan::INT8, {2}, {-128, 127}));
  }
  {
    Proto p;
    p.set_data_type(Proto::UINT32);
    p.add_dims(1);
    p.add_uint64_data(4000000000u);
    expectSame(parse(p), make<uint32_t>(plan::UINT32, {1}, {4000000000u}));
  }
  {
    Proto p;
    p.set_data_type(Proto::DOUBLE);
    p.add_double_data(2.25);
    expectSame(parse(p), make<double>(plan::DOUBLE, {}, {2.25}));
  }
}

TEST(TensorFile, Errors) {
  Tensor t;
  std::string name;
  auto parseError = [&](const Proto &p) {
    Status st = parseTensorProto(p.SerializeAsString(), t, name);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message.find('\n'), std::string::npos);
    return st.message;
  };
  {
    Proto p;
    p.set_name("s");
    p.set_data_type(Proto::STRING);
    p.add_string_data("hi");
    EXPECT_EQ(parseError(p), "tensor 's': unsupported data type string");
  }
  {
    Proto p;
    p.set_data_type(Proto::COMPLEX64);
    EXPECT_EQ(parseError(p), "tensor: unsupported data type complex64");
  }
  {
    Proto p;
    p.set_data_type(Proto::FLOAT);
    p.add_dims(4);
    p.set_raw_data(std::string(8, '\0'));
    EXPECT_NE(parseError(p).find("raw_data has 8 bytes, expected 16"),
              std::string::npos);
  }
  {
    Proto p;
    p.set_data_type(Proto::FLOAT);
    p.add_dims(4);
    p.add_float_data(1);
    EXPECT_NE(parseError(p).find("has 1 elements, expected 4"),
              std::string::npos);
  }
  {
    Proto p;
    p.set_data_type(Proto::FLOAT);
    p.set_data_location(Proto::EXTERNAL);
    EXPECT_NE(parseError(p).find("external data"), std::string::npos);
  }
  Status st = parseTensorProto("\xff\xff\xff", t, name);
  EXPECT_FALSE(st.ok());
  st = readTensorFile("/nonexistent/t.pb", t, name);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("/nonexistent/t.pb"), std::string::npos);
}

} // namespace
