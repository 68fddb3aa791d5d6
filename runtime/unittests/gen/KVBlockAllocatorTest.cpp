// KVBlockAllocator: allocation, growth of block tables, ref counts, exhaustion.
#include "llmc/runtime/gen/KVBlockAllocator.h"

#include <gtest/gtest.h>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;

TEST(KVBlockAllocator, AllocateAndFree) {
  KVBlockAllocator a(4, 16);
  EXPECT_EQ(a.numFree(), 4);
  EXPECT_DOUBLE_EQ(a.usage(), 0.0);
  BlockId b0 = -1, b1 = -1;
  ASSERT_TRUE(a.allocate(b0));
  ASSERT_TRUE(a.allocate(b1));
  EXPECT_EQ(b0, 0);
  EXPECT_EQ(b1, 1);
  EXPECT_EQ(a.refCount(b0), 1);
  EXPECT_EQ(a.numFree(), 2);
  EXPECT_DOUBLE_EQ(a.usage(), 0.5);
  a.decRef(b0);
  EXPECT_EQ(a.refCount(b0), 0);
  EXPECT_EQ(a.numFree(), 3);
}

TEST(KVBlockAllocator, BlocksNeeded) {
  KVBlockAllocator a(4, 16);
  EXPECT_EQ(a.blocksNeeded(0), 0);
  EXPECT_EQ(a.blocksNeeded(1), 1);
  EXPECT_EQ(a.blocksNeeded(16), 1);
  EXPECT_EQ(a.blocksNeeded(17), 2);
  EXPECT_EQ(a.blocksNeeded(64), 4);
}

TEST(KVBlockAllocator, TablesGrowWithTheSequence) {
  KVBlockAllocator a(8, 4);
  ASSERT_TRUE(a.ensureCapacity(7, 3).ok());
  EXPECT_EQ(a.blockTable(7).size(), 1u);
  ASSERT_TRUE(a.ensureCapacity(7, 4).ok()); // still one block
  EXPECT_EQ(a.blockTable(7).size(), 1u);
  ASSERT_TRUE(a.ensureCapacity(9, 5).ok());
  ASSERT_TRUE(a.ensureCapacity(7, 9).ok());
  EXPECT_EQ(a.blockTable(7), (std::vector<BlockId>{0, 3, 4}));
  EXPECT_EQ(a.blockTable(9), (std::vector<BlockId>{1, 2}));
  EXPECT_EQ(a.extraBlocksNeeded(7, 13), 1);
  EXPECT_EQ(a.extraBlocksNeeded(7, 2), 0);
  EXPECT_EQ(a.numFree(), 3);
  a.freeSequence(7);
  EXPECT_FALSE(a.hasSequence(7));
  EXPECT_TRUE(a.blockTable(7).empty());
  EXPECT_EQ(a.numFree(), 6);
  a.freeSequence(7); // unknown sequence: no-op
  EXPECT_EQ(a.numFree(), 6);
}

TEST(KVBlockAllocator, ExhaustionIsAllOrNothing) {
  KVBlockAllocator a(3, 2);
  ASSERT_TRUE(a.ensureCapacity(1, 4).ok());
  Status st = a.ensureCapacity(2, 6); // needs 3, 1 free
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("KV cache exhausted"), std::string::npos);
  EXPECT_EQ(a.numFree(), 1);
  EXPECT_TRUE(a.blockTable(2).empty());
  BlockId b;
  ASSERT_TRUE(a.allocate(b));
  EXPECT_FALSE(a.allocate(b));
  EXPECT_DOUBLE_EQ(a.usage(), 1.0);
}

TEST(KVBlockAllocator, RefCountsForSharedPrefixes) {
  KVBlockAllocator a(4, 2);
  ASSERT_TRUE(a.ensureCapacity(1, 4).ok());
  ASSERT_TRUE(a.fork(1, 2).ok());
  EXPECT_EQ(a.blockTable(2), a.blockTable(1));
  for (BlockId b : a.blockTable(1))
    EXPECT_EQ(a.refCount(b), 2);
  EXPECT_FALSE(a.fork(1, 2).ok()); // child already has blocks
  EXPECT_FALSE(a.fork(5, 6).ok()); // no parent
  a.freeSequence(1);
  EXPECT_EQ(a.numFree(), 2); // still held by 2
  for (BlockId b : a.blockTable(2))
    EXPECT_EQ(a.refCount(b), 1);
  a.freeSequence(2);
  EXPECT_EQ(a.numFree(), 4);
}
