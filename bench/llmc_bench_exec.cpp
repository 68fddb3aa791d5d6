//===- llmc_bench_exec.cpp - time Engine::run on fixed inputs -------------===//
// `llmc-bench-exec PLAN --input NAME=FILE.pb ... [--warmup N] [--iters N]`
// loads the plan once, binds the inputs, runs warm-up iterations, then prints
// {"mean_ms": .., "min_ms": ..} for the timed ones (process start excluded).
//===----------------------------------------------------------------------===//
#include "llmc/runtime/Runtime.h"
#include "llmc/runtime/TensorFile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace llmc::runtime;

static int fail(const std::string &msg) {
  std::fprintf(stderr, "llmc-bench-exec: error: %s\n", msg.c_str());
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return fail("usage: llmc-bench-exec PLAN --input NAME=FILE.pb ... [--warmup N] [--iters N]");
  std::string planPath = argv[1];
  std::vector<std::pair<std::string, std::string>> inputs;
  int warmup = 3, iters = 20;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return fail("missing value after " + arg);
    std::string value = argv[++i];
    if (arg == "--input") {
      size_t eq = value.find('=');
      if (eq == std::string::npos)
        return fail("--input expects NAME=FILE.pb");
      inputs.push_back({value.substr(0, eq), value.substr(eq + 1)});
    } else if (arg == "--warmup") {
      warmup = std::atoi(value.c_str());
    } else if (arg == "--iters") {
      iters = std::max(1, std::atoi(value.c_str()));
    } else {
      return fail("unknown option " + arg);
    }
  }

  std::unique_ptr<PlanFile> plan;
  Status st = PlanFile::open(planPath, plan);
  if (!st.ok())
    return fail(st.message);
  std::unique_ptr<Engine> engine;
  st = Engine::create(std::move(plan), engine);
  if (!st.ok())
    return fail(st.message);
  for (auto &[name, path] : inputs) {
    Tensor t;
    std::string fileName;
    st = readTensorFile(path, t, fileName);
    if (st.ok())
      st = engine->setInput(name, t);
    if (!st.ok())
      return fail(st.message);
  }
  for (int i = 0; i < warmup; ++i)
    if (!(st = engine->run()).ok())
      return fail(st.message);
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!(st = engine->run()).ok())
      return fail(st.message);
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  }
  double mean = 0;
  for (double v : ms)
    mean += v;
  mean /= ms.size();
  std::printf("{\"mean_ms\": %.4f, \"min_ms\": %.4f}\n", mean,
              *std::min_element(ms.begin(), ms.end()));
  return 0;
}
