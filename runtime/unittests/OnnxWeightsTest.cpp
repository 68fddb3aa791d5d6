// Weight-stripped plans: the ONNX initializer reader (raw, typed and
// external data; path escapes, truncation, garbage) and filling a stripped
// plan from a model or from random values.
#include "TestUtil.h"

#include "llmc/runtime/Checksum.h"
#include "llmc/runtime/OnnxWeights.h"
#include "llmc/runtime/Runtime.h"
#include "onnxio.pb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;
namespace onnxio = llmc::onnxio;

namespace {

std::string floatBytes(const std::vector<float> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()), v.size() * 4);
}

onnxio::TensorProto *addInit(onnxio::ModelProto &m, const std::string &name,
                             std::vector<int64_t> dims) {
  onnxio::TensorProto *t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnxio::TensorProto::FLOAT);
  for (int64_t d : dims)
    t->add_dims(d);
  return t;
}

void setExternal(onnxio::TensorProto *t, const std::string &location,
                 uint64_t offset) {
  t->set_data_location(onnxio::TensorProto::EXTERNAL);
  auto *e = t->add_external_data();
  e->set_key("location");
  e->set_value(location);
  e = t->add_external_data();
  e->set_key("offset");
  e->set_value(std::to_string(offset));
}

std::string writeModel(const TempDir &dir, const onnxio::ModelProto &m,
                       const std::string &name = "model.onnx") {
  writeBytes(dir.file(name), m.SerializeAsString());
  return dir.file(name);
}

std::vector<float> readFloats(const OnnxWeightFile &f, const std::string &name,
                              size_t n, Status &st) {
  std::vector<float> out(n);
  st = f.read(f.find(name), reinterpret_cast<uint8_t *>(out.data()), n * 4);
  return out;
}

TEST(OnnxWeights, ReadsRawTypedAndExternalData) {
  TempDir dir;
  onnxio::ModelProto m;
  m.set_ir_version(8);
  m.mutable_graph()->set_name("g");
  addInit(m, "raw", {2, 2})->set_raw_data(floatBytes({1, 2, 3, 4}));
  auto *typed = addInit(m, "typed", {3});
  for (float v : {5.f, 6.f, 7.f})
    typed->add_float_data(v);
  setExternal(addInit(m, "ext", {2}), "data/w.bin", 8);
  ::mkdir(dir.file("data").c_str(), 0755);
  writeBytes(dir.file("data/w.bin"), std::string(8, 'x') + floatBytes({8, 9}));
  std::unique_ptr<OnnxWeightFile> f;
  Status st = OnnxWeightFile::open(writeModel(dir, m), f);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(f->initializers().size(), 3u);
  EXPECT_EQ(f->initializers()[0].dims, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(f->find("nope"), -1);
  EXPECT_EQ(readFloats(*f, "raw", 4, st), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(readFloats(*f, "typed", 3, st), (std::vector<float>{5, 6, 7}));
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(readFloats(*f, "ext", 2, st), (std::vector<float>{8, 9}));
  EXPECT_TRUE(st.ok()) << st.message;
  readFloats(*f, "raw", 3, st); // the caller's size must match
  EXPECT_NE(st.message.find("not the 12 bytes expected"), std::string::npos)
      << st.message;
}

TEST(OnnxWeights, ExternalDataMustStayInTheModelFolder) {
  TempDir dir;
  ::mkdir(dir.file("m").c_str(), 0755);
  writeBytes(dir.file("w.bin"), floatBytes({1, 2}));
  ::symlink(dir.file("w.bin").c_str(), dir.file("m/link.bin").c_str());
  for (std::string location :
       {"../w.bin", "/etc/passwd", "a/../../w.bin", "link.bin"}) {
    onnxio::ModelProto m;
    setExternal(addInit(m, "w", {2}), location, 0);
    std::unique_ptr<OnnxWeightFile> f;
    Status st = OnnxWeightFile::open(writeModel(dir, m, "m/model.onnx"), f);
    ASSERT_TRUE(st.ok()) << st.message;
    readFloats(*f, "w", 2, st);
    EXPECT_NE(st.message.find("escapes the model folder"), std::string::npos)
        << location << ": " << st.message;
    EXPECT_EQ(st.message.find('\n'), std::string::npos);
  }
}

TEST(OnnxWeights, TruncatedExternalDataAndGarbage) {
  TempDir dir;
  writeBytes(dir.file("w.bin"), floatBytes({1, 2, 3}));
  onnxio::ModelProto m;
  setExternal(addInit(m, "w", {4}), "w.bin", 0);
  std::unique_ptr<OnnxWeightFile> f;
  Status st = OnnxWeightFile::open(writeModel(dir, m), f);
  ASSERT_TRUE(st.ok()) << st.message;
  readFloats(*f, "w", 4, st);
  EXPECT_NE(st.message.find("initializer 'w': external data file"),
            std::string::npos) << st.message;
  EXPECT_NE(st.message.find("is truncated"), std::string::npos) << st.message;

  // A model cut in the middle of an initializer, and non-protobuf bytes.
  std::string bytes = m.SerializeAsString();
  writeBytes(dir.file("cut.onnx"), bytes.substr(0, bytes.size() - 3));
  st = OnnxWeightFile::open(dir.file("cut.onnx"), f);
  EXPECT_NE(st.message.find("not an ONNX model"), std::string::npos)
      << st.message;
  writeBytes(dir.file("text.onnx"), "hello, this is not a model\n");
  st = OnnxWeightFile::open(dir.file("text.onnx"), f);
  EXPECT_NE(st.message.find("not an ONNX model"), std::string::npos)
      << st.message;
  st = OnnxWeightFile::open(dir.file("missing.onnx"), f);
  EXPECT_NE(st.message.find("cannot open ONNX model"), std::string::npos);
}

// The reference plan (y = 2 * (x + w)) with w = {10,20,30,40} left out as
// the initializer "w": c stays in the section, w follows it in the image.
std::unique_ptr<PlanFile> strippedReferencePlan() {
  PlanWriterInput in = makeReferencePlan();
  plan::PlanHeader &h = in.header;
  const float w[4] = {10, 20, 30, 40};
  for (plan::Buffer &b : *h.mutable_buffers())
    if (b.id() == 1)
      b.set_offset(128);
  h.set_weights_bytes(128 + 16);
  plan::ExternalWeight *e = h.add_external_weights();
  e->set_buffer(1);
  e->set_initializer("w");
  e->set_checksum(crc32c(w, sizeof w));
  e->set_alignment(64);
  std::string bytes;
  Status st = serializePlan(in, bytes);
  EXPECT_TRUE(st.ok()) << st.message;
  std::unique_ptr<PlanFile> pf;
  st = PlanFile::openBytes(bytes, "stripped.plan", pf);
  EXPECT_TRUE(st.ok()) << st.message;
  return pf;
}

std::vector<float> runReference(std::unique_ptr<PlanFile> pf, Status &st) {
  std::unique_ptr<Engine> e;
  st = Engine::create(std::move(pf), e);
  if (!st.ok())
    return {};
  Tensor x;
  x.dtype = plan::FLOAT;
  x.shape = {4};
  x.data.assign(16, 0);
  if (!(st = e->setInput("x", x)).ok() || !(st = e->run()).ok())
    return {};
  Tensor y;
  st = e->getOutput("y", y);
  std::vector<float> out(4);
  std::memcpy(out.data(), y.data.data(), 16);
  return out;
}

TEST(StrippedPlan, NeedsWeightsThenMatchesTheFullPlan) {
  std::unique_ptr<PlanFile> pf = strippedReferencePlan();
  ASSERT_TRUE(pf);
  EXPECT_EQ(pf->header().format_version(), 2u);
  EXPECT_TRUE(pf->missingWeights());
  Status st;
  runReference(strippedReferencePlan(), st);
  EXPECT_NE(st.message.find("the plan has no weights"), std::string::npos)
      << st.message;
  EXPECT_NE(st.message.find("--random-weights SEED"), std::string::npos);

  TempDir dir;
  onnxio::ModelProto m;
  addInit(m, "w", {4})->set_raw_data(floatBytes({10, 20, 30, 40}));
  st = attachOnnxWeights(*pf, writeModel(dir, m));
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_FALSE(pf->missingWeights());
  EXPECT_EQ(runReference(std::move(pf), st),
            (std::vector<float>{20, 40, 60, 80}));
  EXPECT_TRUE(st.ok()) << st.message;

  // The same bytes in another shape are the same weight (a reshape).
  pf = strippedReferencePlan();
  m.mutable_graph()->mutable_initializer(0)->clear_dims();
  for (int d : {2, 2})
    m.mutable_graph()->mutable_initializer(0)->add_dims(d);
  st = attachOnnxWeights(*pf, writeModel(dir, m));
  EXPECT_TRUE(st.ok()) << st.message;
}

TEST(StrippedPlan, WrongModelsAreOneLineErrors) {
  TempDir dir;
  struct Case {
    std::string name;
    std::vector<int64_t> dims;
    std::vector<float> values;
    std::string error;
  } cases[] = {
      {"w", {4}, {10, 20, 30, 41}, "initializer 'w' does not match the plan"},
      {"v", {4}, {10, 20, 30, 40}, "no initializer 'w'"},
      {"w", {5}, {10, 20, 30, 40, 50}, "initializer 'w' is float32[5], the "
                                       "plan needs float32[4]"},
  };
  for (const Case &c : cases) {
    std::unique_ptr<PlanFile> pf = strippedReferencePlan();
    onnxio::ModelProto m;
    addInit(m, c.name, c.dims)->set_raw_data(floatBytes(c.values));
    Status st = attachOnnxWeights(*pf, writeModel(dir, m));
    EXPECT_NE(st.message.find(c.error), std::string::npos) << st.message;
    EXPECT_EQ(st.message.find('\n'), std::string::npos);
    EXPECT_TRUE(pf->missingWeights());
  }
}

TEST(StrippedPlan, RandomWeightsAreDeterministicAndFinite) {
  std::vector<float> runs[3];
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<PlanFile> pf = strippedReferencePlan();
    Status st = attachRandomWeights(*pf, i < 2 ? 7 : 8);
    ASSERT_TRUE(st.ok()) << st.message;
    runs[i] = runReference(std::move(pf), st);
    ASSERT_TRUE(st.ok()) << st.message;
    for (float v : runs[i]) {
      EXPECT_TRUE(std::isfinite(v));
      EXPECT_LT(std::fabs(v), 1.0f); // 2 * N(0, 0.02)
    }
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_NE(runs[0], runs[2]);
}

TEST(StrippedPlan, BadExternalWeightTablesAreRejected) {
  auto open = [](auto mutate) {
    PlanWriterInput in = makeReferencePlan();
    in.header.set_weights_bytes(144);
    plan::ExternalWeight *e = in.header.add_external_weights();
    e->set_buffer(1);
    e->set_initializer("w");
    e->set_alignment(64);
    for (plan::Buffer &b : *in.header.mutable_buffers())
      if (b.id() == 1)
        b.set_offset(128);
    mutate(in.header);
    std::string bytes;
    EXPECT_TRUE(serializePlan(in, bytes).ok());
    std::unique_ptr<PlanFile> pf;
    return PlanFile::openBytes(bytes, "bad.plan", pf).message;
  };
  EXPECT_EQ(open([](plan::PlanHeader &) {}), "");
  EXPECT_NE(open([](plan::PlanHeader &h) {
              h.mutable_external_weights(0)->set_buffer(2);
            }).find("is not a WEIGHT buffer"),
            std::string::npos);
  EXPECT_NE(open([](plan::PlanHeader &h) { h.set_weights_bytes(130); })
                .find("is not in the stripped part"),
            std::string::npos);
  EXPECT_NE(open([](plan::PlanHeader &h) {
              h.mutable_buffers(1)->set_offset(0); // inside the section
            }).find("is not in the stripped part"),
            std::string::npos);
  EXPECT_NE(open([](plan::PlanHeader &h) {
              h.mutable_external_weights(0)->set_alignment(256);
            }).find("is not aligned to 256"),
            std::string::npos);
}

} // namespace
