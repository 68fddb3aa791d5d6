#include "KernelProfile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <regex>

namespace llmc::runtime {

void KernelProfile::init(const PlanHeader &header) {
  const char *env = std::getenv("LLMC_PROFILE");
  enabled_ = env && *env && std::string(env) != "0";
  seconds_.assign(header.kernels_size(), 0);
  calls_.assign(header.kernels_size(), 0);
}

void KernelProfile::add(int32_t kernel, double seconds) {
  seconds_[kernel] += seconds;
  ++calls_[kernel];
}

void KernelProfile::print(const PlanHeader &header) const {
  if (!enabled_)
    return;
  double total = std::accumulate(seconds_.begin(), seconds_.end(), 0.0);
  if (total <= 0)
    return;
  std::vector<size_t> order(seconds_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return seconds_[a] > seconds_[b]; });
  std::fprintf(stderr, "llmc profile: %.3f s in kernels\n", total);
  // By op: kernel names are "[prefix]k<index>_<op>" (llm-outline-kernels).
  std::map<std::string, double> byOp;
  static const std::regex kernelName("k[0-9]+_(.*)$");
  for (size_t k = 0; k < seconds_.size(); ++k) {
    std::smatch m;
    const std::string &name = header.kernels(k).name();
    byOp[std::regex_search(name, m, kernelName) ? m[1].str() : name] +=
        seconds_[k];
  }
  std::vector<std::pair<double, std::string>> ops;
  for (auto &[op, t] : byOp)
    ops.push_back({t, op});
  std::sort(ops.rbegin(), ops.rend());
  for (auto &[t, op] : ops)
    if (t > 0)
      std::fprintf(stderr, "  %6.2f%% %9.3f ms  (all %s kernels)\n",
                   100 * t / total, 1e3 * t, op.c_str());
  for (size_t i = 0; i < std::min<size_t>(30, order.size()); ++i) {
    size_t k = order[i];
    if (calls_[k] == 0)
      break;
    std::fprintf(stderr, "  %6.2f%% %9.3f ms %8lld calls  %s\n",
                 100 * seconds_[k] / total, 1e3 * seconds_[k],
                 static_cast<long long>(calls_[k]),
                 header.kernels(k).name().c_str());
  }
}

} // namespace llmc::runtime
