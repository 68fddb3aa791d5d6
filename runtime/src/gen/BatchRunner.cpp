// The --batch job around GenerationLoop: progress bar (throttled to ~10
// redraws a second), result lines in request order, closing summary.
#include "llmc/runtime/gen/BatchRunner.h"

#include "llmc/runtime/gen/BatchIO.h"

#include <cstdio>

namespace llmc::runtime::gen {

std::string formatProgress(const GenerationProgress &p) {
  constexpr int kWidth = 24;
  int filled = p.totalRequests > 0
                   ? static_cast<int>(kWidth * p.finishedRequests /
                                      p.totalRequests)
                   : kWidth;
  std::string bar(filled, '#');
  bar += std::string(kWidth - filled, '-');
  double rate = p.elapsedSeconds > 0 ? p.generatedTokens / p.elapsedSeconds : 0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "[%s] %lld/%lld requests | %lld tokens | %.1f tok/s | KV %d%%",
                bar.c_str(), static_cast<long long>(p.finishedRequests),
                static_cast<long long>(p.totalRequests),
                static_cast<long long>(p.generatedTokens), rate,
                static_cast<int>(p.kvUsage * 100 + 0.5));
  return buf;
}

std::string formatSummary(const GenerationStats &s) {
  char buf[512];
  double total = s.wallSeconds > 0
                     ? (s.promptTokens + s.generatedTokens) / s.wallSeconds
                     : 0;
  std::snprintf(buf, sizeof buf,
                "%lld requests (%lld failed), %lld prompt tokens, %lld "
                "generated tokens in %.2f s: %.1f generated tok/s, %.1f "
                "total tok/s; %lld steps, %lld preemptions",
                static_cast<long long>(s.requests),
                static_cast<long long>(s.failedRequests),
                static_cast<long long>(s.promptTokens),
                static_cast<long long>(s.generatedTokens), s.wallSeconds,
                s.generatedPerSecond(), total, static_cast<long long>(s.steps),
                static_cast<long long>(s.preemptions));
  return buf;
}

Status runBatch(const BatchRunOptions &options,
                std::vector<GenerationRequest> requests, StepExecutor &executor,
                std::ostream &results, std::ostream &log,
                GenerationStats &stats) {
  GenerationLoop loop(options.generation, executor);
  double lastDraw = -1;
  bool drawn = false;
  ProgressCallback progress;
  if (options.progressBar)
    progress = [&](const GenerationProgress &p) {
      bool done = p.finishedRequests == p.totalRequests;
      if (!done && p.elapsedSeconds - lastDraw < 0.1)
        return;
      lastDraw = p.elapsedSeconds;
      drawn = true;
      log << '\r' << formatProgress(p) << "\x1b[K" << std::flush;
    };
  std::vector<GenerationResult> out;
  Status st = loop.run(std::move(requests), out, stats, progress);
  if (drawn)
    log << '\n';
  LLMC_RETURN_IF_ERROR(st);
  LLMC_RETURN_IF_ERROR(writeResults(results, out));
  log << formatSummary(stats) << '\n';
  return Status::success();
}

} // namespace llmc::runtime::gen
