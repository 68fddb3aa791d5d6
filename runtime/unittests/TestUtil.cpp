// Test helpers: temp directories, file I/O, the reference plan.
#include "TestUtil.h"
#include "llmc/runtime/Checksum.h"

#include <google/protobuf/stubs/logging.h>

#include "llmc/runtime/Device.h"

#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace llmc::runtime::test {

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/llmc-rt-test-XXXXXX";
  if (!::mkdtemp(&tmpl[0]))
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

std::vector<uint8_t> testKernelBytes(bool alt) {
  return readBytes(alt ? LLMC_TEST_KERNELS_ALT_PATH : LLMC_TEST_KERNELS_PATH);
}

namespace {

void setDims(google::protobuf::RepeatedPtrField<plan::Dim> *dims,
             std::initializer_list<int64_t> values) {
  for (int64_t v : values)
    dims->Add()->set_value(v);
}

void addBuffer(PlanHeader &h, int id, plan::BufferKind kind, uint64_t offset) {
  plan::Buffer *b = h.add_buffers();
  b->set_id(id);
  b->set_kind(kind);
  b->set_dtype(plan::FLOAT);
  setDims(b->mutable_dims(), {4});
  b->set_size_bytes(16);
  b->set_offset(offset);
}

void addIo(google::protobuf::RepeatedPtrField<plan::TensorDesc> *list,
           const std::string &name, int buffer) {
  plan::TensorDesc *d = list->Add();
  d->set_name(name);
  d->set_dtype(plan::FLOAT);
  setDims(d->mutable_dims(), {4});
  d->set_buffer(buffer);
}

void addKernel(PlanHeader &h, const std::string &symbol, int numArgs) {
  plan::Kernel *k = h.add_kernels();
  k->set_name(symbol);
  k->set_symbol(symbol);
  k->set_num_args(numArgs);
}

void addStep(PlanHeader &h, int kernel, std::initializer_list<int> args) {
  plan::Step *s = h.add_steps();
  s->set_kernel(kernel);
  for (int a : args)
    s->add_args(a);
}

} // namespace

PlanWriterInput makeReferencePlan() {
  PlanWriterInput in;
  PlanHeader &h = in.header;
  h.set_producer("llmc-runtime-tests");
  (*h.mutable_metadata())["model"] = "reference";
  (*h.mutable_metadata())["opset"] = "17";

  plan::Target *t = h.add_targets();
  t->set_name(hostCpuTargetName());
  t->set_code_section(0);

  addBuffer(h, 0, plan::INPUT, 0);
  addBuffer(h, 1, plan::WEIGHT, 0);
  addBuffer(h, 2, plan::ACTIVATION, 64);
  addBuffer(h, 3, plan::OUTPUT, 0);
  addBuffer(h, 4, plan::WEIGHT, 64);
  addIo(h.mutable_inputs(), "x", 0);
  addIo(h.mutable_outputs(), "y", 3);
  addIo(h.mutable_outputs(), "const/c", 4);
  addIo(h.mutable_outputs(), "x_echo", 0);

  addKernel(h, "add_f32", 3);
  addKernel(h, "scale2_f32", 2);
  addStep(h, 0, {0, 1, 2});
  addStep(h, 1, {2, 3});

  h.mutable_memory()->set_arena_bytes(128);
  h.mutable_memory()->set_arena_alignment(64);

  std::vector<uint8_t> weights(80, 0);
  const float w[4] = {10, 20, 30, 40}, c[4] = {1, 2, 3, 4};
  std::memcpy(weights.data(), w, sizeof w);
  std::memcpy(weights.data() + 64, c, sizeof c);

  in.sections.emplace_back(std::string("code.") + hostCpuTargetName(),
                           testKernelBytes());
  in.sections.emplace_back("weights", std::move(weights));
  return in;
}

LlmrunResult llmrun(const TempDir &dir, const std::string &args) {
  std::string cmd = std::string(LLMC_LLMRUN_PATH) + " " + args + " >" +
                    dir.file("stdout") + " 2>" + dir.file("stderr");
  int raw = std::system(cmd.c_str());
  LlmrunResult r;
  r.code = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  auto slurp = [](const std::string &p) {
    std::vector<uint8_t> b = readBytes(p);
    return std::string(b.begin(), b.end());
  };
  r.out = slurp(dir.file("stdout"));
  r.err = slurp(dir.file("stderr"));
  return r;
}

int forEachMutatedHeader(
    PlanWriterInput plan, uint64_t seed, int iterations,
    const std::function<void(std::unique_ptr<PlanFile>)> &opened) {
  std::string bytes;
  if (!serializePlan(plan, bytes).ok())
    return 0;
  uint32_t headerLen = static_cast<uint32_t>(plan.header.ByteSizeLong());
  uint64_t state = seed;
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  google::protobuf::LogHandler *previous = google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char *, int, const std::string &) {});
  int count = 0;
  for (int iter = 0; iter < iterations; ++iter) {
    std::string copy = bytes;
    for (int flips = 1 + next() % 3; flips > 0; --flips)
      copy[24 + next() % headerLen] ^= static_cast<char>(1u << (next() % 8));
    uint64_t crc = crc32c(copy.data() + 24, headerLen);
    for (int i = 0; i < 8; ++i)
      copy[16 + i] = static_cast<char>(crc >> (8 * i));
    std::unique_ptr<PlanFile> pf;
    if (!PlanFile::openBytes(copy, "fuzz.plan", pf).ok())
      continue;
    ++count;
    opened(std::move(pf));
  }
  google::protobuf::SetLogHandler(previous);
  return count;
}

} // namespace llmc::runtime::test
