// Helpers for the CUDA device tests (FakeCuda.h).
#include "FakeCuda.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace llmc::runtime::test {
namespace {

std::string entry(const std::string &name, int params) {
  std::string s = ".visible .entry " + name + "(\n";
  for (int i = 0; i < params; ++i)
    s += "\t.param .u64 " + name + "_param_" + std::to_string(i) +
         (i + 1 < params ? ",\n" : "\n");
  return s + ")\n{\n\tret;\n}\n";
}

std::string ptxSection(const std::string &chip, const std::string &extra) {
  std::string ptx = "//\n.version 7.8\n.target " + chip +
                    "\n.address_size 64\n" + entry("k_add__0", 3) +
                    entry("k_add__1", 3) + entry("k_scale__0", 3) + extra;
  std::string escaped;
  for (char c : ptx)
    escaped += c == '\n' ? std::string("\\n") : c == '\t' ? "\\t" : std::string(1, c);
  return R"({"format":"llmc-ptx-1","chip":")" + chip + R"(","kernels":[
{"name":"k_add","scratch_bytes":[100,300],"launches":[
 {"function":"k_add__0","grid":[2,1,1],"block":[128,1,1],"args":[{"arg":0},{"arg":1},{"scratch":0}]},
 {"function":"k_add__1","grid":[1,1,1],"block":[1,1,1],"args":[{"scratch":0},{"scratch":1},{"arg":2}]}]},
{"name":"k_scale","scratch_bytes":[1000],"launches":[
 {"function":"k_scale__0","grid":[3,2,1],"block":[64,2,1],"args":[{"arg":0},{"scratch":0},{"arg":1}]}]}],
"ptx":")" + escaped + "\"}\n";
}

} // namespace

PlanWriterInput makeCudaPlan(const std::vector<std::string> &chips,
                             bool withCpu, const std::string &ptxExtra) {
  PlanWriterInput in = makeReferencePlan();
  PlanHeader &h = in.header;
  h.mutable_kernels(0)->set_name("k_add");
  h.mutable_kernels(1)->set_name("k_scale");
  h.mutable_buffers(0)->set_size_bytes(kInputBytes);
  h.mutable_buffers(3)->set_size_bytes(kOutputBytes);
  h.mutable_memory()->set_arena_bytes(kArenaBytes);
  if (!withCpu) {
    h.clear_targets();
    in.sections.erase(in.sections.begin()); // the CPU code; weights stay
  }
  for (const std::string &chip : chips) {
    plan::Target *t = h.add_targets();
    t->set_name("ptx-" + chip);
    t->set_code_section(static_cast<int>(in.sections.size()));
    std::string text = ptxSection(chip, ptxExtra);
    in.sections.emplace_back("code.ptx-" + chip,
                             std::vector<uint8_t>(text.begin(), text.end()));
  }
  return in;
}

ScopedEnv::ScopedEnv(const char *name, const char *value) : name_(name) {
  if (const char *old = std::getenv(name)) {
    had_ = true;
    old_ = old;
  }
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

ScopedEnv::~ScopedEnv() {
  if (had_)
    setenv(name_.c_str(), old_.c_str(), 1);
  else
    unsetenv(name_.c_str());
}

std::vector<FakeCall> readFakeLog(const std::string &path) {
  std::vector<FakeCall> calls;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream words(line);
    FakeCall c;
    words >> c.op;
    for (std::string w; words >> w;)
      c.fields.push_back(w);
    calls.push_back(std::move(c));
  }
  return calls;
}

std::map<size_t, unsigned long long> allocationsBySize(
    const std::vector<FakeCall> &log) {
  std::map<size_t, unsigned long long> out;
  for (const FakeCall &c : log)
    if (c.op == "alloc")
      out[std::stoull(c.fields[1])] = std::stoull(c.fields[0], nullptr, 16);
  return out;
}

} // namespace llmc::runtime::test
