#include "CpuFeatures.h"

#include <sstream>

namespace llmc::runtime {
namespace {

// -1: unknown name (not checked).
int hasFeature(const std::string &name) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (name == "sse4.2")
    return __builtin_cpu_supports("sse4.2");
  if (name == "popcnt")
    return __builtin_cpu_supports("popcnt");
  if (name == "avx")
    return __builtin_cpu_supports("avx");
  if (name == "avx2")
    return __builtin_cpu_supports("avx2");
  if (name == "fma")
    return __builtin_cpu_supports("fma");
  if (name == "bmi2")
    return __builtin_cpu_supports("bmi2");
  if (name == "avx512f")
    return __builtin_cpu_supports("avx512f");
  if (name == "avx512bw")
    return __builtin_cpu_supports("avx512bw");
  if (name == "avx512vl")
    return __builtin_cpu_supports("avx512vl");
  if (name == "avx512dq")
    return __builtin_cpu_supports("avx512dq");
#endif
  (void)name;
  return -1;
}

} // namespace

Status checkCpuFeatures(const std::string &features, const std::string &cpu) {
  std::stringstream ss(features);
  std::string name, missing;
  while (std::getline(ss, name, ','))
    if (!name.empty() && hasFeature(name) == 0)
      missing += (missing.empty() ? "" : ", ") + name;
  if (missing.empty())
    return Status::success();
  return Status::error("the plan's CPU code was compiled for '" + cpu +
                       "' but this CPU lacks " + missing +
                       "; recompile with llmc compile --cpu x86-64-v2");
}

} // namespace llmc::runtime
