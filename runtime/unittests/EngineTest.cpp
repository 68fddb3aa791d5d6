// Executor end to end: the reference plan run on the CPU device, plus the
// validation errors Engine::create/setInput/run/getOutput report.
#include "TestUtil.h"

#include "llmc/runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;

namespace {

Tensor floats(std::vector<float> v, std::vector<int64_t> shape = {4}) {
  Tensor t;
  t.dtype = plan::FLOAT;
  t.shape = std::move(shape);
  t.data.resize(v.size() * sizeof(float));
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

std::vector<float> asFloats(const Tensor &t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

Status createEngine(PlanWriterInput in, std::unique_ptr<Engine> &engine) {
  std::string bytes;
  LLMC_RETURN_IF_ERROR(serializePlan(in, bytes));
  std::unique_ptr<PlanFile> pf;
  LLMC_RETURN_IF_ERROR(PlanFile::openBytes(bytes, "test.plan", pf));
  return Engine::create(std::move(pf), engine);
}

std::unique_ptr<Engine> mustCreate(PlanWriterInput in) {
  std::unique_ptr<Engine> e;
  Status st = createEngine(std::move(in), e);
  EXPECT_TRUE(st.ok()) << st.message;
  return e;
}

void expectCreateError(PlanWriterInput in, const std::string &words) {
  std::unique_ptr<Engine> e;
  Status st = createEngine(std::move(in), e);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find(words), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("test.plan"), std::string::npos) << st.message;
}

TEST(Engine, ReferencePlanFromFile) {
  TempDir dir;
  PlanWriterInput in = makeReferencePlan();
  ASSERT_TRUE(writePlan(dir.file("m.plan"), in).ok());
  std::unique_ptr<PlanFile> pf;
  Status st = PlanFile::open(dir.file("m.plan"), pf);
  ASSERT_TRUE(st.ok()) << st.message;
  std::unique_ptr<Engine> e;
  st = Engine::create(std::move(pf), e);
  ASSERT_TRUE(st.ok()) << st.message;

  EXPECT_EQ(e->inputNames(), std::vector<std::string>{"x"});
  EXPECT_EQ(e->outputNames(),
            (std::vector<std::string>{"y", "const/c", "x_echo"}));
  EXPECT_EQ(e->header().producer(), "llmc-runtime-tests");

  ASSERT_TRUE(e->setInput("x", floats({1, 2, 3, 4})).ok());
  st = e->run();
  ASSERT_TRUE(st.ok()) << st.message;

  Tensor y, c, echo;
  ASSERT_TRUE(e->getOutput("y", y).ok());
  EXPECT_EQ(y.dtype, plan::FLOAT);
  EXPECT_EQ(y.shape, std::vector<int64_t>{4});
  EXPECT_EQ(asFloats(y), (std::vector<float>{22, 44, 66, 88}));
  ASSERT_TRUE(e->getOutput("const/c", c).ok()); // WEIGHT buffer
  EXPECT_EQ(asFloats(c), (std::vector<float>{1, 2, 3, 4}));
  ASSERT_TRUE(e->getOutput("x_echo", echo).ok()); // INPUT buffer
  EXPECT_EQ(asFloats(echo), (std::vector<float>{1, 2, 3, 4}));

  // Inputs persist; a new value changes the next run.
  ASSERT_TRUE(e->run().ok());
  ASSERT_TRUE(e->getOutput("y", y).ok());
  EXPECT_EQ(asFloats(y), (std::vector<float>{22, 44, 66, 88}));
  ASSERT_TRUE(e->setInput("x", floats({0, 0, 0, -40})).ok());
  ASSERT_TRUE(e->run().ok());
  ASSERT_TRUE(e->getOutput("y", y).ok());
  EXPECT_EQ(asFloats(y), (std::vector<float>{20, 40, 60, 0}));
}

TEST(Engine, SeveralEnginesAndReloads) {
  // Modules with the same symbols but different code, loaded side by side and
  // one after another, must never be confused (memfd paths get reused).
  auto run = [](Engine &e) {
    EXPECT_TRUE(e.setInput("x", floats({1, 1, 1, 1})).ok());
    EXPECT_TRUE(e.run().ok());
    Tensor y;
    EXPECT_TRUE(e.getOutput("y", y).ok());
    return asFloats(y);
  };
  const std::vector<float> times2 = {22, 42, 62, 82}, times3 = {33, 63, 93, 123};
  for (int round = 0; round < 3; ++round) {
    PlanWriterInput a = makeReferencePlan();
    PlanWriterInput b = makeReferencePlan();
    b.sections[0].second = testKernelBytes(/*alt=*/true);
    auto ea = mustCreate(std::move(a));
    auto eb = mustCreate(std::move(b));
    ASSERT_TRUE(ea && eb);
    EXPECT_EQ(run(*ea), times2);
    EXPECT_EQ(run(*eb), times3);
    ea.reset();
    PlanWriterInput c = makeReferencePlan();
    if (round % 2)
      c.sections[0].second = testKernelBytes(/*alt=*/true);
    auto ec = mustCreate(std::move(c));
    ASSERT_TRUE(ec);
    EXPECT_EQ(run(*ec), round % 2 ? times3 : times2);
    EXPECT_EQ(run(*eb), times3);
  }
}

TEST(Engine, InputErrors) {
  auto e = mustCreate(makeReferencePlan());
  ASSERT_TRUE(e);
  Status st = e->run();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "input 'x' was not set");

  Tensor y;
  st = e->getOutput("y", y);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("run() has not completed"), std::string::npos);
  st = e->getOutput("x_echo", y);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("not set"), std::string::npos);
  EXPECT_TRUE(e->getOutput("const/c", y).ok());
  st = e->getOutput("nope", y);
  EXPECT_NE(st.message.find("unknown output 'nope'"), std::string::npos);

  Tensor wrongType;
  wrongType.dtype = plan::INT64;
  wrongType.shape = {4};
  wrongType.data.resize(32);
  st = e->setInput("x", wrongType);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "input 'x': expected float32[4], got int64[4]");

  st = e->setInput("x", floats({1, 2, 3, 4, 5, 6}, {2, 3}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "input 'x': expected float32[4], got float32[2,3]");

  Tensor shortData = floats({1, 2, 3, 4});
  shortData.data.resize(8);
  EXPECT_FALSE(e->setInput("x", shortData).ok());

  st = e->setInput("z", floats({1, 2, 3, 4}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "unknown input 'z' (plan inputs: 'x')");
}

TEST(Engine, MissingKernelSymbol) {
  PlanWriterInput in = makeReferencePlan();
  in.header.mutable_kernels(0)->set_symbol("no_such_kernel");
  expectCreateError(std::move(in), "kernel symbol 'no_such_kernel' not found");
}

TEST(Engine, SymbolicDimsAreRejected) {
  PlanWriterInput in = makeReferencePlan();
  in.header.mutable_buffers(2)->mutable_dims(0)->set_symbol("batch");
  expectCreateError(std::move(in),
                    "buffer 2: dimension 0 is symbolic ('batch')");
}

TEST(Engine, NoCodeForTarget) {
  PlanWriterInput in = makeReferencePlan();
  in.header.mutable_targets(0)->set_name("cuda-sm90");
  expectCreateError(std::move(in), "plan has no code for target '" +
                                       std::string(hostCpuTargetName()) +
                                       "' (plan targets: cuda-sm90)");
}

TEST(Engine, BadCodeSection) {
  PlanWriterInput in = makeReferencePlan();
  in.sections[0].second = {1, 2, 3, 4};
  expectCreateError(std::move(in), "cannot load code section");
}

TEST(Engine, PlanValidation) {
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_buffers(2)->set_offset(120);
    expectCreateError(std::move(in), "exceeds the arena");
  }
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_buffers(4)->set_offset(4096);
    expectCreateError(std::move(in), "exceeds the weights section");
  }
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_buffers(3)->set_size_bytes(8);
    expectCreateError(std::move(in), "size_bytes 8 is smaller than float32[4]");
  }
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_steps(0)->add_args(3);
    expectCreateError(std::move(in), "kernel 'add_f32' takes 3 args, got 4");
  }
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_steps(1)->set_args(0, 99);
    expectCreateError(std::move(in), "step 1: unknown buffer 99");
  }
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_inputs(0)->set_buffer(2);
    expectCreateError(std::move(in), "inputs must use INPUT buffers");
  }
  {
    PlanWriterInput in = makeReferencePlan();
    in.header.mutable_buffers(1)->set_kind(plan::BUFFER_KIND_UNSPECIFIED);
    expectCreateError(std::move(in), "unspecified buffer kind");
  }
}

TEST(Engine, PlanWithoutKernels) {
  // An ONNX graph whose outputs are an input and an initializer.
  PlanWriterInput in = makeReferencePlan();
  in.header.clear_kernels();
  in.header.clear_steps();
  in.header.clear_targets();
  in.header.mutable_outputs()->DeleteSubrange(0, 1); // drop "y"
  in.sections.erase(in.sections.begin());
  auto e = mustCreate(std::move(in));
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->setInput("x", floats({5, 6, 7, 8})).ok());
  ASSERT_TRUE(e->run().ok());
  Tensor echo, c;
  ASSERT_TRUE(e->getOutput("x_echo", echo).ok());
  EXPECT_EQ(asFloats(echo), (std::vector<float>{5, 6, 7, 8}));
  ASSERT_TRUE(e->getOutput("const/c", c).ok());
  EXPECT_EQ(asFloats(c), (std::vector<float>{1, 2, 3, 4}));
}

} // namespace

namespace {

// Header mutations that keep the checksum valid must give a Status (either
// way), never a crash, from PlanFile::open and Engine::create.
TEST(Engine, MutatedHeadersNeverCrash) {
  int opened = forEachMutatedHeader(
      makeReferencePlan(), 0x9E3779B97F4A7C15ull, 400,
      [](std::unique_ptr<PlanFile> pf) {
        std::unique_ptr<Engine> e;
        Status st = Engine::create(std::move(pf), e);
        if (!st.ok()) {
          EXPECT_EQ(st.message.find('\n'), std::string::npos) << st.message;
        }
      });
  EXPECT_GT(opened, 0);
}

} // namespace
