// StepExecutor: runs one model step on a ScheduledBatch. PlanStepExecutor.h
// runs compiled generation plans; tests also use fakes.
#ifndef LLMC_RUNTIME_GEN_STEPEXECUTOR_H
#define LLMC_RUNTIME_GEN_STEPEXECUTOR_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/ScheduledBatch.h"

#include <cstdint>
#include <vector>

namespace llmc::runtime::gen {

class StepExecutor {
public:
  virtual ~StepExecutor() = default;
  // Tokens per KV block and vocabulary size the executor was built for.
  virtual int32_t pageSize() const = 0;
  virtual int32_t vocabSize() const = 0;
  // Computes the step: writes the KV of every entry's tokens into the cache
  // slots its block table names, and sets logitsRows to one row of
  // vocabSize() floats per entry with sample == true, in entry order. Rows
  // stay valid until the next execute() call.
  virtual Status execute(const ScheduledBatch &batch,
                         std::vector<const float *> &logitsRows) = 0;
};

} // namespace llmc::runtime::gen

#endif
