#include "serve/AccessLog.h"

#include "serve/ApiError.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace llmc::runtime::gen {
namespace {

// RFC 3339, UTC, milliseconds.
std::string utcNow() {
  using namespace std::chrono;
  system_clock::time_point now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  long ms = static_cast<long>(
      duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, ms);
  return buf;
}

} // namespace

void writeAccessLog(const AccessRecord &r) {
  nlohmann::json j = {{"time", utcNow()},
                      {"event", "access"},
                      {"method", r.method},
                      {"path", r.path},
                      {"status", r.status},
                      {"duration_ms", static_cast<int64_t>(r.durationMs * 1000) / 1000.0},
                      {"request_id", r.requestId},
                      {"prompt_tokens", r.promptTokens},
                      {"completion_tokens", r.completionTokens},
                      {"client", r.client}};
  std::string line = dumpJson(j) + "\n";
  static std::mutex m;
  std::lock_guard<std::mutex> l(m);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace llmc::runtime::gen
