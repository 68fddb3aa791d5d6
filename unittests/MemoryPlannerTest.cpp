// Unit tests of the liveness-based arena planner.
#include "llmc/Plan/MemoryPlanner.h"

#include <gtest/gtest.h>

using namespace llmc;

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs) {
  return a < b + bs && b < a + as;
}

TEST(MemoryPlanner, ReusesMemoryOfDeadBuffers) {
  // A chain: each buffer dies when the next one is written.
  std::vector<BufferLifetime> chain = {
      {1024, 0, 1}, {1024, 1, 2}, {1024, 2, 3}, {1024, 3, 4}};
  MemoryPlanResult r = planMemory(chain, 64);
  EXPECT_EQ(r.arenaBytes, 2048u); // two live at a time
}

TEST(MemoryPlanner, LiveBuffersNeverOverlap) {
  std::vector<BufferLifetime> bufs = {{100, 0, 5}, {300, 1, 2}, {50, 2, 6},
                                      {400, 3, 4}, {10, 0, 0},  {256, 5, 6}};
  MemoryPlanResult r = planMemory(bufs, 64);
  for (size_t i = 0; i < bufs.size(); ++i) {
    EXPECT_EQ(r.offsets[i] % 64, 0u);
    EXPECT_LE(r.offsets[i] + bufs[i].size, r.arenaBytes);
    for (size_t j = i + 1; j < bufs.size(); ++j) {
      bool live = !(bufs[i].lastStep < bufs[j].firstStep ||
                    bufs[j].lastStep < bufs[i].firstStep);
      if (live)
        EXPECT_FALSE(overlaps(r.offsets[i], bufs[i].size, r.offsets[j],
                              bufs[j].size))
            << i << " and " << j;
    }
  }
}

TEST(MemoryPlanner, ZeroSizedBuffersGetDistinctSlots) {
  std::vector<BufferLifetime> bufs = {{0, 0, 1}, {0, 0, 1}};
  MemoryPlanResult r = planMemory(bufs, 64);
  EXPECT_NE(r.offsets[0], r.offsets[1]);
}
