// llmrun end to end: runs the built binary on the reference plan and checks
// outputs, exit codes and the one-line error format.
#include "TestUtil.h"

#include "llmc/runtime/TensorFile.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <sys/wait.h>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;

namespace {

Tensor floats(std::vector<float> v) {
  Tensor t;
  t.dtype = plan::FLOAT;
  t.shape = {static_cast<int64_t>(v.size())};
  t.data.resize(v.size() * 4);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

std::vector<float> readFloats(const std::string &path) {
  Tensor t;
  std::string name;
  Status st = readTensorFile(path, t, name);
  EXPECT_TRUE(st.ok()) << st.message;
  std::vector<float> v(t.data.size() / 4);
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

void expectOneLineError(const LlmrunResult &r, const std::string &words) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("llmrun: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

class Llmrun : public ::testing::Test {
protected:
  void SetUp() override {
    PlanWriterInput in = makeReferencePlan();
    ASSERT_TRUE(writePlan(dir.file("m.plan"), in).ok());
    ASSERT_TRUE(writeTensorFile(dir.file("named.pb"), floats({1, 2, 3, 4}), "x")
                    .ok());
    ASSERT_TRUE(
        writeTensorFile(dir.file("anon.pb"), floats({0, 0, 0, 1}), "").ok());
  }
  TempDir dir;
};

TEST_F(Llmrun, ExecWithNameBinding) {
  LlmrunResult r = llmrun(dir, dir.file("m.plan") + " --exec --input x=" +
                             dir.file("anon.pb") + " --output-dir " +
                             dir.file("out/nested"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(readFloats(dir.file("out/nested/y.pb")),
            (std::vector<float>{20, 40, 60, 82}));
  EXPECT_EQ(readFloats(dir.file("out/nested/const_c.pb")),
            (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(readFloats(dir.file("out/nested/x_echo.pb")),
            (std::vector<float>{0, 0, 0, 1}));
  Tensor t;
  std::string name;
  ASSERT_TRUE(readTensorFile(dir.file("out/nested/const_c.pb"), t, name).ok());
  EXPECT_EQ(name, "const/c");
}

TEST_F(Llmrun, ExecWithProtoNameBinding) {
  LlmrunResult r = llmrun(dir, "--exec " + dir.file("m.plan") + " --input " +
                             dir.file("named.pb") + " -o " + dir.file("out"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(readFloats(dir.file("out/y.pb")),
            (std::vector<float>{22, 44, 66, 88}));
}

TEST_F(Llmrun, Errors) {
  std::string plan = dir.file("m.plan");
  std::string out = " --output-dir " + dir.file("out");
  expectOneLineError(llmrun(dir, plan + " --exec" + out),
                     "missing input 'x' (use --input x=FILE.pb)");
  expectOneLineError(
      llmrun(dir, plan + " --exec --input " + dir.file("anon.pb") + out),
      "has no tensor name");
  expectOneLineError(
      llmrun(dir, plan + " --exec --input x=/nonexistent.pb" + out),
      "/nonexistent.pb");
  expectOneLineError(
      llmrun(dir, plan + " --exec --input q=" + dir.file("named.pb") + out),
      "plan has no input 'q'");
  expectOneLineError(llmrun(dir, plan + " --exec --input x=" +
                                     dir.file("named.pb") + " --input " +
                                     dir.file("named.pb") + out),
                     "input 'x' is given more than once");
  expectOneLineError(llmrun(dir, dir.file("missing.plan") + " --exec" + out),
                     "missing.plan");
  expectOneLineError(llmrun(dir, dir.file("named.pb") + " --exec" + out),
                     "not an llmc plan (bad magic)");
  expectOneLineError(llmrun(dir, plan + " --exec"), "--output-dir");
  expectOneLineError(llmrun(dir, "--exec --bogus " + plan + out), "bogus");
  expectOneLineError(llmrun(dir, "--exec" + out), "plan");

  // Corrupt weights: the loader's checksum message comes through.
  std::vector<uint8_t> bytes = readBytes(plan);
  bytes.back() ^= 1;
  writeBytes(dir.file("bad.plan"), std::string(bytes.begin(), bytes.end()));
  expectOneLineError(llmrun(dir, dir.file("bad.plan") + " --exec --input " +
                                     dir.file("named.pb") + out),
                     "checksum mismatch in section 'weights'");
}

TEST_F(Llmrun, ModesAndHelp) {
  LlmrunResult r = llmrun(dir, dir.file("m.plan"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no mode given: use --exec, --batch or --prompt"),
            std::string::npos);

  r = llmrun(dir, "--help");
  EXPECT_EQ(r.code, 0);
  for (const char *word : {"--exec", "--input", "--output-dir", "PLAN"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;

  r = llmrun(dir, "--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("llmrun 0.1.0"), std::string::npos);
}

} // namespace
