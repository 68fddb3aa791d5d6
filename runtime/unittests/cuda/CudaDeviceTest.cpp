// The CUDA device against the fake driver (test/cuda/fake_driver): chip
// selection, fallbacks, and the driver calls of a run (launch order, grids,
// argument pointers, one weight upload, one scratch allocation). The fake
// cannot execute PTX, so output values are not checked here
// (test/cuda/gpu_checks.py does that on a GPU).
#include "FakeCuda.h"
#include "cuda/PtxSection.h"
#include "llmc/runtime/DeviceSelect.h"
#include "llmc/runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;

namespace {

class CudaDeviceTest : public ::testing::Test {
protected:
  void SetUp() override { writeBytes(dir.file("fake.log"), ""); }

  // Opens `in` (written to disk) on `kind`.
  Status open(PlanWriterInput in, DeviceKind kind,
              std::unique_ptr<Engine> &engine, std::string &note,
              std::string *target = nullptr) {
    std::string path = dir.file("m.plan");
    Status st = writePlan(path, in);
    if (!st.ok())
      return st;
    std::unique_ptr<PlanFile> plan;
    LLMC_RETURN_IF_ERROR(PlanFile::open(path, plan));
    std::unique_ptr<Device> device;
    LLMC_RETURN_IF_ERROR(createDevice(plan->header(), kind, device, note));
    if (target)
      *target = device->targetName();
    return Engine::create(std::move(plan), std::move(device), engine);
  }
  std::vector<FakeCall> log() { return readFakeLog(dir.file("fake.log")); }

  TempDir dir;
  ScopedEnv driver{"LLMC_CUDA_DRIVER", LLMC_FAKE_CUDA_PATH};
  ScopedEnv logPath{"LLMC_FAKE_CUDA_LOG", dir.file("fake.log").c_str()};
  ScopedEnv cc{"LLMC_FAKE_CUDA_CC", "9.0"};
  ScopedEnv initError{"LLMC_FAKE_CUDA_INIT_ERROR", nullptr};
  ScopedEnv failLaunch{"LLMC_FAKE_CUDA_FAIL_LAUNCH", nullptr};
  ScopedEnv sync{"LLMC_CUDA_SYNC", nullptr};
};

std::vector<uint8_t> floats(std::vector<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::string hex(unsigned long long p) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%llx", p);
  return buf;
}

TEST(PtxSection, PicksExactChipElseHighestLower) {
  std::vector<std::string> t = {"cpu-x86_64", "ptx-sm_80", "ptx-sm_90",
                                "ptx-sm_90a", "ptx-sm_89"};
  EXPECT_EQ(cuda::pickPtxTarget(t, 9, 0), "ptx-sm_90");
  EXPECT_EQ(cuda::pickPtxTarget(t, 8, 6), "ptx-sm_80");
  EXPECT_EQ(cuda::pickPtxTarget(t, 8, 9), "ptx-sm_89");
  EXPECT_EQ(cuda::pickPtxTarget(t, 12, 0), "ptx-sm_90");
  EXPECT_EQ(cuda::pickPtxTarget(t, 7, 5), "");
  EXPECT_EQ(cuda::ptxTargetChip("ptx-sm_90a"), -1);
  EXPECT_EQ(cuda::ptxTargetChip("cpu-x86_64"), -1);
  EXPECT_EQ(cuda::ptxTargetChip("ptx-sm_100"), 100);
}

TEST(PtxSection, RejectsBadSchedulesWithOneLine) {
  auto parse = [](const std::string &text) {
    cuda::PtxSection s;
    return cuda::parsePtxSection(text.data(), text.size(), s).message;
  };
  EXPECT_EQ(parse("not json"), "PTX section is not a JSON object");
  EXPECT_EQ(parse(R"({"format":"x"})"),
            "PTX section format 'x' is not llmc-ptx-1");
  std::string head = R"({"format":"llmc-ptx-1","chip":"sm_80","ptx":"",)";
  EXPECT_EQ(parse(head + R"("kernels":[{"name":"k","scratch_bytes":[4],
      "launches":[{"function":"f","grid":[1,1,1],"block":[1,1,1],
      "args":[{"scratch":1}]}]}]})"),
            "PTX kernel 0 ('k') launch 0: scratch 1 is out of range (1 "
            "scratch buffers)");
  EXPECT_EQ(parse(head + R"("kernels":[{"name":"k","scratch_bytes":[],
      "launches":[{"function":"f","grid":[0,1,1],"block":[1,1,1],"args":[]}]}]})"),
            "PTX kernel 0 ('k') launch 0: grid[0] = 0 is out of range");
  std::string missing = parse(head + R"("kernels":[{"name":"k"}]})");
  EXPECT_EQ(missing.rfind("malformed PTX section: ", 0), 0u) << missing;
  EXPECT_EQ(missing.find('\n'), std::string::npos);
}

TEST_F(CudaDeviceTest, Sm90RunsTheScheduleWithTheRightPointers) {
  std::unique_ptr<Engine> engine;
  std::string note, target;
  Status st = open(makeCudaPlan({"sm_80", "sm_90"}), DeviceKind::Auto, engine,
                   note, &target);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(note, "");
  EXPECT_EQ(target, "ptx-sm_90");
  std::vector<uint8_t> x = floats({1, 2, 3, 4});
  for (int run = 0; run < 2; ++run) {
    ASSERT_TRUE(engine->setInputData("x", plan::FLOAT, {4}, x.data(), 16).ok());
    st = engine->run();
    ASSERT_TRUE(st.ok()) << st.message;
    Tensor y;
    st = engine->getOutput("y", y);
    ASSERT_TRUE(st.ok()) << st.message;
  }
  const void *data = nullptr;
  size_t bytes = 0;
  EXPECT_FALSE(engine->outputData("y", data, bytes).ok()); // not host memory

  std::vector<FakeCall> calls = log();
  int allocs = 0, loads = 0, weightUploads = 0;
  for (const FakeCall &c : calls) {
    allocs += c.op == "alloc";
    if (c.op == "module_load") {
      ++loads;
      EXPECT_EQ(c.fields[0], "target=sm_90");
    }
  }
  EXPECT_EQ(loads, 1);
  // Arena, weights, x, y and the one scratch block; nothing per run.
  EXPECT_EQ(allocs, 5);
  std::map<size_t, unsigned long long> by = allocationsBySize(calls);
  ASSERT_EQ(by.size(), 5u);
  for (size_t size : {kArenaBytes, kWeightBytes, kInputBytes, kOutputBytes,
                      kScratchBytes})
    ASSERT_TRUE(by.count(size)) << size;
  unsigned long long arena = by[kArenaBytes], weights = by[kWeightBytes],
                     in = by[kInputBytes], out = by[kOutputBytes],
                     scratch = by[kScratchBytes];
  for (const FakeCall &c : calls)
    if (c.op == "htod" && c.fields[0] == hex(weights))
      ++weightUploads;
  EXPECT_EQ(weightUploads, 1);

  // The reference plan's steps: add_f32(x, w -> t@64), scale2_f32(t -> y).
  std::vector<std::string> want = {
      "k_add__0 grid=2,1,1 block=128,1,1 args=" + hex(in) + "," + hex(weights) +
          "," + hex(scratch),
      "k_add__1 grid=1,1,1 block=1,1,1 args=" + hex(scratch) + "," +
          hex(scratch + 256) + "," + hex(arena + 64),
      "k_scale__0 grid=3,2,1 block=64,2,1 args=" + hex(arena + 64) + "," +
          hex(scratch) + "," + hex(out)};
  std::vector<std::string> launches;
  std::vector<std::string> io;
  for (const FakeCall &c : calls) {
    if (c.op == "launch")
      launches.push_back(c.fields[0] + " " + c.fields[1] + " " + c.fields[2] +
                         " " + c.fields[3]);
    if ((c.op == "htod" && c.fields[0] != hex(weights)) || c.op == "dtoh")
      io.push_back(c.op + " " + c.fields[0] + " " + c.fields[1]);
  }
  ASSERT_EQ(launches.size(), 6u);
  for (size_t i = 0; i < launches.size(); ++i)
    EXPECT_EQ(launches[i], want[i % 3]) << i;
  std::string setX = "htod " + hex(in) + " 16",
              getY = "dtoh " + hex(out) + " 16";
  std::vector<std::string> wantIo = {setX, getY, setX, getY};
  EXPECT_EQ(io, wantIo);

  engine.reset();
  int frees = 0;
  for (const FakeCall &c : log())
    frees += c.op == "free";
  EXPECT_EQ(frees, 5); // everything allocated is released
}

TEST_F(CudaDeviceTest, Sm86DevicePicksSm80) {
  ScopedEnv sm86("LLMC_FAKE_CUDA_CC", "8.6");
  std::unique_ptr<Engine> engine;
  std::string note, target;
  Status st = open(makeCudaPlan({"sm_80", "sm_90"}), DeviceKind::Cuda, engine,
                   note, &target);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(target, "ptx-sm_80");
  bool loaded = false;
  for (const FakeCall &c : log())
    if (c.op == "module_load")
      loaded = c.fields[0] == "target=sm_80";
  EXPECT_TRUE(loaded);
}

TEST_F(CudaDeviceTest, SetsTheDeviceMallocHeap) {
  std::unique_ptr<Engine> engine;
  std::string note;
  ASSERT_TRUE(
      open(makeCudaPlan({"sm_90"}), DeviceKind::Cuda, engine, note).ok());
  bool set = false;
  for (const FakeCall &c : log())
    set |= c.op == "set_limit" && c.fields[0] == "2" &&
           c.fields[1] == std::to_string(256u << 20);
  EXPECT_TRUE(set);
}

TEST_F(CudaDeviceTest, StateBuffersAreZeroedOnTheDevice) {
  PlanWriterInput in = makeCudaPlan({"sm_90"});
  plan::Buffer *state = in.header.add_buffers();
  state->set_id(5);
  state->set_kind(plan::STATE);
  state->set_dtype(plan::FLOAT);
  state->add_dims()->set_symbol("blocks");
  state->add_dims()->set_value(3);
  state->set_size_bytes(12 * 10);
  std::unique_ptr<Engine> engine;
  std::string note;
  ASSERT_TRUE(open(in, DeviceKind::Cuda, engine, note).ok());
  Status st = engine->setStateExtent("blocks", 7);
  ASSERT_TRUE(st.ok()) << st.message;
  std::vector<FakeCall> calls = log();
  unsigned long long ptr = allocationsBySize(calls).at(84);
  bool zeroed = false;
  for (const FakeCall &c : calls)
    zeroed |= c.op == "memset" && c.fields[0] == hex(ptr) && c.fields[1] == "84";
  EXPECT_TRUE(zeroed);
}

TEST_F(CudaDeviceTest, PlanWithoutCpuCodeRunsOnCuda) {
  std::unique_ptr<Engine> engine;
  std::string note;
  Status st = open(makeCudaPlan({"sm_90"}, /*withCpu=*/false), DeviceKind::Auto,
                   engine, note);
  ASSERT_TRUE(st.ok()) << st.message;
  std::vector<uint8_t> x = floats({1, 2, 3, 4});
  ASSERT_TRUE(engine->setInputData("x", plan::FLOAT, {4}, x.data(), 16).ok());
  st = engine->run();
  EXPECT_TRUE(st.ok()) << st.message;
}

struct Fallback {
  const char *name, *driver, *cc, *initError, *why;
};

class CudaFallbackTest : public CudaDeviceTest,
                         public ::testing::WithParamInterface<Fallback> {};

TEST_P(CudaFallbackTest, AutoFallsBackToCpuAndCudaFails) {
  const Fallback &f = GetParam();
  ScopedEnv d("LLMC_CUDA_DRIVER", f.driver ? f.driver : LLMC_FAKE_CUDA_PATH);
  ScopedEnv c("LLMC_FAKE_CUDA_CC", f.cc);
  ScopedEnv i("LLMC_FAKE_CUDA_INIT_ERROR", f.initError);
  PlanWriterInput in = makeCudaPlan({"sm_80", "sm_90"});
  std::unique_ptr<Engine> engine;
  std::string note, target;
  Status st = open(in, DeviceKind::Auto, engine, note, &target);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(target, hostCpuTargetName());
  EXPECT_EQ(note.rfind("CUDA unavailable (", 0), 0u) << note;
  EXPECT_NE(note.find(f.why), std::string::npos) << note;
  EXPECT_EQ(note.find('\n'), std::string::npos);
  std::vector<uint8_t> x = floats({1, 2, 3, 4});
  ASSERT_TRUE(engine->setInputData("x", plan::FLOAT, {4}, x.data(), 16).ok());
  ASSERT_TRUE(engine->run().ok());
  Tensor y;
  ASSERT_TRUE(engine->getOutput("y", y).ok());
  float v[4];
  std::memcpy(v, y.data.data(), 16);
  EXPECT_EQ(v[3], 88.0f); // 2 * (4 + 40): the CPU ran it

  engine.reset();
  std::string autoNote = note;
  st = open(in, DeviceKind::Cuda, engine, note);
  EXPECT_EQ(st.message, autoNote);
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, CudaFallbackTest,
    ::testing::Values(
        Fallback{"MissingDriver", "/nonexistent/libcuda.so.1", "9.0", nullptr,
                 "cannot load /nonexistent/libcuda.so.1"},
        Fallback{"NoDevice", nullptr, "none", nullptr, "no CUDA device"},
        Fallback{"InitFails", nullptr, "9.0", "100",
                 "cuInit failed: CUDA_ERROR_NO_DEVICE: no CUDA-capable device "
                 "is detected"},
        Fallback{"ChipTooOld", nullptr, "7.5", nullptr,
                 "the plan has no PTX for sm_75 or a lower chip (plan "
                 "targets: cpu-x86_64, ptx-sm_80, ptx-sm_90)"}),
    [](const ::testing::TestParamInfo<Fallback> &p) { return p.param.name; });

TEST_F(CudaDeviceTest, CpuOnlyPlanNeverProbesTheDriver) {
  ScopedEnv d("LLMC_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  std::unique_ptr<Engine> engine;
  std::string note, target;
  ASSERT_TRUE(
      open(makeCudaPlan({}), DeviceKind::Auto, engine, note, &target).ok());
  EXPECT_EQ(note, "");
  EXPECT_EQ(target, hostCpuTargetName());
}

TEST_F(CudaDeviceTest, FailingLaunchIsOneLineNamingTheKernel) {
  ScopedEnv fail("LLMC_FAKE_CUDA_FAIL_LAUNCH", "2");
  std::unique_ptr<Engine> engine;
  std::string note;
  ASSERT_TRUE(
      open(makeCudaPlan({"sm_90"}), DeviceKind::Cuda, engine, note).ok());
  std::vector<uint8_t> x = floats({1, 2, 3, 4});
  ASSERT_TRUE(engine->setInputData("x", plan::FLOAT, {4}, x.data(), 16).ok());
  Status st = engine->run();
  EXPECT_EQ(st.message,
            "kernel 'k_add': GPU function 'k_add__1' (launch 2 of 2): "
            "CUDA_ERROR_LAUNCH_FAILED: unspecified launch failure");
}

TEST_F(CudaDeviceTest, JitErrorIsOneLine) {
  std::unique_ptr<Engine> engine;
  std::string note;
  Status st = open(makeCudaPlan({"sm_90"}, true, "// FAKE_JIT_ERROR\n"),
                   DeviceKind::Cuda, engine, note);
  EXPECT_NE(st.message.find("section 'code.ptx-sm_90': cannot JIT-compile "
                            "the sm_90 PTX for sm_90: CUDA_ERROR_INVALID_PTX: "
                            "a PTX JIT compilation failed (ptxas fatal   : "
                            "fake syntax error)"),
            std::string::npos)
      << st.message;
  EXPECT_EQ(st.message.find('\n'), std::string::npos);
}

TEST_F(CudaDeviceTest, MissingGpuFunctionIsNamed) {
  PlanWriterInput in = makeCudaPlan({"sm_90"});
  std::vector<uint8_t> &text = in.sections.back().second;
  std::string s(text.begin(), text.end());
  s.replace(s.find("\"function\":\"k_add__1\""), 21, "\"function\":\"k_nope\"");
  text.assign(s.begin(), s.end());
  std::unique_ptr<Engine> engine;
  std::string note;
  Status st = open(in, DeviceKind::Cuda, engine, note);
  EXPECT_NE(st.message.find("kernel 'k_add': GPU function 'k_nope': "
                            "CUDA_ERROR_NOT_FOUND"),
            std::string::npos)
      << st.message;
}

} // namespace
