// BatchRunner: the whole `llmrun --batch` job after parsing: runs the
// requests, writes results, draws the progress bar and prints the summary.
#ifndef LLMC_RUNTIME_GEN_BATCHRUNNER_H
#define LLMC_RUNTIME_GEN_BATCHRUNNER_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/GenerationLoop.h"

#include <ostream>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

struct BatchRunOptions {
  GenerationConfig generation;
  bool progressBar = false; // draw on `log` (set when it is a terminal)
};

// One progress line (no newline), e.g.
// "[#########-----------]  45/100 requests | 1234 tokens | 567.8 tok/s | KV 37%".
std::string formatProgress(const GenerationProgress &p);
// Closing summary (no newline).
std::string formatSummary(const GenerationStats &s);

// Runs the requests, writes one JSONL result line each to `results` (in
// request order) and the summary to `log`. `stats` may be inspected after.
Status runBatch(const BatchRunOptions &options,
                std::vector<GenerationRequest> requests, StepExecutor &executor,
                std::ostream &results, std::ostream &log,
                GenerationStats &stats);

} // namespace llmc::runtime::gen

#endif
