//===- MemoryPlanner.h - liveness-based arena offsets -------------*- C++ -*-===//
#ifndef LLMC_PLAN_MEMORYPLANNER_H
#define LLMC_PLAN_MEMORYPLANNER_H

#include <cstdint>
#include <vector>

namespace llmc {

struct BufferLifetime {
  uint64_t size;
  int firstStep; // step that writes it
  int lastStep;  // last step that reads it
};

struct MemoryPlanResult {
  std::vector<uint64_t> offsets;
  uint64_t arenaBytes = 0;
};

/// Assigns arena offsets so that buffers alive at the same step never
/// overlap; larger buffers are placed first (greedy by size, best fit).
MemoryPlanResult planMemory(const std::vector<BufferLifetime> &buffers,
                            uint64_t alignment);

} // namespace llmc

#endif
