// llmrun --device auto|cpu|cuda end to end with the fake CUDA driver: the
// fallback message, clean errors, and no link-time libcuda.
#include "FakeCuda.h"

#include "llmc/runtime/TensorFile.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;

namespace {

class LlmrunDevice : public ::testing::Test {
protected:
  void SetUp() override {
    PlanWriterInput cudaPlan = makeCudaPlan({"sm_80", "sm_90"});
    PlanWriterInput cpuPlan = makeCudaPlan({});
    ASSERT_TRUE(writePlan(dir.file("m.plan"), cudaPlan).ok());
    ASSERT_TRUE(writePlan(dir.file("cpu.plan"), cpuPlan).ok());
    Tensor x;
    x.dtype = plan::FLOAT;
    x.shape = {4};
    x.data.resize(16);
    const float v[4] = {1, 2, 3, 4};
    std::memcpy(x.data.data(), v, 16);
    ASSERT_TRUE(writeTensorFile(dir.file("x.pb"), x, "x").ok());
    writeBytes(dir.file("fake.log"), "");
  }
  LlmrunResult exec(const std::string &plan, const std::string &flags) {
    return llmrun(dir, dir.file(plan) + " --exec --input x=" + dir.file("x.pb") +
                           " --output-dir " + dir.file("out") + " " + flags);
  }
  float lastOutput() {
    Tensor y;
    std::string name;
    EXPECT_TRUE(readTensorFile(dir.file("out/y.pb"), y, name).ok());
    float v[4] = {};
    if (y.data.size() == 16)
      std::memcpy(v, y.data.data(), 16);
    return v[3];
  }
  int launches() {
    int n = 0;
    for (const FakeCall &c : readFakeLog(dir.file("fake.log")))
      n += c.op == "launch";
    return n;
  }

  TempDir dir;
  ScopedEnv driver{"LLMC_CUDA_DRIVER", LLMC_FAKE_CUDA_PATH};
  ScopedEnv logPath{"LLMC_FAKE_CUDA_LOG", dir.file("fake.log").c_str()};
  ScopedEnv cc{"LLMC_FAKE_CUDA_CC", "9.0"};
  ScopedEnv initError{"LLMC_FAKE_CUDA_INIT_ERROR", nullptr};
  ScopedEnv failLaunch{"LLMC_FAKE_CUDA_FAIL_LAUNCH", nullptr};
};

TEST_F(LlmrunDevice, AutoUsesCudaWhenAvailable) {
  LlmrunResult r = exec("m.plan", "");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(launches(), 3);
}

TEST_F(LlmrunDevice, AutoFallsBackWithOneMessage) {
  ScopedEnv none("LLMC_FAKE_CUDA_CC", "none");
  LlmrunResult r = exec("m.plan", "--device auto");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "llmrun: CUDA unavailable (no CUDA device); running on CPU\n");
  EXPECT_EQ(lastOutput(), 88.0f);
}

TEST_F(LlmrunDevice, DefaultDriverNameInTheMessage) {
  ScopedEnv unset("LLMC_CUDA_DRIVER", nullptr);
  LlmrunResult r = exec("m.plan", "");
  EXPECT_EQ(r.code, 0) << r.err;
  if (r.err.find("libcuda.so.1 not found") == std::string::npos)
    GTEST_SKIP() << "a real libcuda.so.1 is installed: " << r.err;
  EXPECT_EQ(r.err, "llmrun: CUDA unavailable (libcuda.so.1 not found); running "
                   "on CPU\n");
  r = exec("m.plan", "--device cuda");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: --device cuda: CUDA unavailable "
                   "(libcuda.so.1 not found)\n");
}

TEST_F(LlmrunDevice, CpuOnlyPlanIsSilent) {
  ScopedEnv none("LLMC_FAKE_CUDA_CC", "none");
  LlmrunResult r = exec("cpu.plan", "");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(LlmrunDevice, DeviceCpuNeverUsesCuda) {
  LlmrunResult r = exec("m.plan", "--device cpu");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(launches(), 0);
  EXPECT_EQ(lastOutput(), 88.0f);
}

TEST_F(LlmrunDevice, DeviceCudaUnavailableIsOneLineError) {
  ScopedEnv init("LLMC_FAKE_CUDA_INIT_ERROR", "100");
  LlmrunResult r = exec("m.plan", "--device cuda");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: --device cuda: CUDA unavailable (cuInit "
                   "failed: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is "
                   "detected)\n");
}

TEST_F(LlmrunDevice, FailingLaunchIsOneLineError) {
  ScopedEnv fail("LLMC_FAKE_CUDA_FAIL_LAUNCH", "3");
  LlmrunResult r = exec("m.plan", "--device cuda");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "llmrun: error: kernel 'k_scale': GPU function "
                   "'k_scale__0' (launch 1 of 1): CUDA_ERROR_LAUNCH_FAILED: "
                   "unspecified launch failure\n");
}

TEST_F(LlmrunDevice, UnknownDeviceIsRejected) {
  LlmrunResult r = exec("m.plan", "--device tpu");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--device"), std::string::npos) << r.err;
}

TEST_F(LlmrunDevice, NoLinkTimeCudaDependency) {
  LlmrunResult r = llmrun(dir, "--version"); // llmrun exists and runs
  ASSERT_EQ(r.code, 0);
  std::string cmd = std::string("readelf -d ") + LLMC_LLMRUN_PATH + " > " +
                    dir.file("needed") + " 2>&1";
  ASSERT_EQ(system(cmd.c_str()), 0);
  std::vector<uint8_t> b = readBytes(dir.file("needed"));
  std::string needed(b.begin(), b.end());
  EXPECT_EQ(needed.find("libcuda"), std::string::npos) << needed;
  EXPECT_EQ(needed.find("libcudart"), std::string::npos) << needed;
}

} // namespace
