//===- MemoryPlanner.cpp - liveness-based arena offsets -------------------===//
// Greedy-by-size placement (as in TFLite's arena planner): each buffer takes
// the lowest offset that does not overlap a placed buffer with a
// conflicting lifetime.
//===----------------------------------------------------------------------===//
#include "llmc/Plan/MemoryPlanner.h"

#include <algorithm>
#include <numeric>

using namespace llmc;

static uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

MemoryPlanResult llmc::planMemory(const std::vector<BufferLifetime> &buffers,
                                  uint64_t alignment) {
  MemoryPlanResult result;
  result.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffers[a].size > buffers[b].size;
  });

  std::vector<size_t> placed;
  for (size_t id : order) {
    const BufferLifetime &buf = buffers[id];
    uint64_t size = alignUp(std::max<uint64_t>(buf.size, 1), alignment);
    // Intervals of placed buffers whose lifetimes overlap this one.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t other : placed) {
      const BufferLifetime &o = buffers[other];
      if (o.lastStep < buf.firstStep || buf.lastStep < o.firstStep)
        continue;
      busy.push_back({result.offsets[other],
                      result.offsets[other] +
                          alignUp(std::max<uint64_t>(o.size, 1), alignment)});
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds the buffer, else the end.
    uint64_t cursor = 0, best = UINT64_MAX, bestGap = UINT64_MAX;
    for (auto [begin, end] : busy) {
      if (begin >= cursor && begin - cursor >= size && begin - cursor < bestGap) {
        best = cursor;
        bestGap = begin - cursor;
      }
      cursor = std::max(cursor, end);
    }
    uint64_t offset = best != UINT64_MAX ? best : cursor;
    result.offsets[id] = offset;
    result.arenaBytes = std::max(result.arenaBytes, offset + size);
    placed.push_back(id);
  }
  return result;
}
