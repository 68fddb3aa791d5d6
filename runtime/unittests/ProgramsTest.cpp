// Engine programs and STATE buffers on the toy generation plan: selection,
// persistent zero-filled state, the shared arena, and the reader's one-line
// rejections of bad programs and STATE buffers.
#include "TestUtil.h"
#include "gen/ToyPlan.h"

#include "llmc/runtime/Runtime.h"
#include "llmc/runtime/gen/PlanStepExecutor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

using namespace llmc::runtime;
using llmc::runtime::test::forEachMutatedHeader;
using namespace llmc::runtime::gen::test;
namespace plan = llmc::plan;

namespace {

Status createEngine(PlanWriterInput in, std::unique_ptr<Engine> &engine) {
  std::string bytes;
  LLMC_RETURN_IF_ERROR(serializePlan(in, bytes));
  std::unique_ptr<PlanFile> pf;
  LLMC_RETURN_IF_ERROR(PlanFile::openBytes(bytes, "gen.plan", pf));
  return Engine::create(std::move(pf), engine);
}

void expectCreateError(PlanWriterInput in, const std::string &words) {
  std::unique_ptr<Engine> e;
  Status st = createEngine(std::move(in), e);
  ASSERT_FALSE(st.ok()) << words;
  EXPECT_NE(st.message.find(words), std::string::npos) << st.message;
  EXPECT_EQ(st.message.rfind("gen.plan: ", 0), 0u) << st.message;
  EXPECT_EQ(st.message.find('\n'), std::string::npos) << st.message;
}

ToyPlanOptions withBlocks(int32_t kvBlocksMax) {
  ToyPlanOptions o;
  o.kvBlocksMax = kvBlocksMax;
  return o;
}

Tensor ints(std::vector<int64_t> v, std::vector<int64_t> shape) {
  Tensor t;
  t.dtype = plan::INT64;
  t.shape = std::move(shape);
  t.data.resize(v.size() * 8);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

// Runs step_n1 for one token of sequence row 0 (table {block}) and returns
// the argmax of its logits.
int runOne(Engine &e, int64_t token, int64_t pos, int64_t block) {
  EXPECT_TRUE(e.selectProgram("step_n1").ok());
  int64_t slot = block * kToyPage + pos % kToyPage;
  std::vector<int64_t> table(kToyMaxBlocksPerSeq, 0);
  table[pos / kToyPage] = block;
  EXPECT_TRUE(e.setInput("token_ids", ints({token}, {1, 1})).ok());
  EXPECT_TRUE(e.setInput("positions", ints({pos}, {1, 1})).ok());
  EXPECT_TRUE(e.setInput("slot_mapping", ints({slot}, {1})).ok());
  EXPECT_TRUE(e.setInput("token_seq", ints({0}, {1})).ok());
  EXPECT_TRUE(
      e.setInput("block_tables", ints(table, {1, kToyMaxBlocksPerSeq})).ok());
  EXPECT_TRUE(e.setInput("sample_index", ints({0}, {1})).ok());
  Status st = e.run();
  EXPECT_TRUE(st.ok()) << st.message;
  const void *data = nullptr;
  size_t bytes = 0;
  st = e.outputData("logits", data, bytes);
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(bytes, size_t(kToyVocab) * 4);
  const float *row = static_cast<const float *>(data);
  return int(std::max_element(row, row + kToyVocab) - row);
}

TEST(Programs, SelectionAndNames) {
  std::unique_ptr<Engine> e;
  Status st = createEngine(makeToyPlan(), e);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(e->programNames(),
            (std::vector<std::string>{"step_n1", "step_n2", "step_n4",
                                      "step_n8", "step_n16"}));
  EXPECT_TRUE(e->defaultProgramEmpty());
  EXPECT_EQ(e->selectedProgram(), "");
  EXPECT_TRUE(e->inputNames().empty());
  st = e->run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("no default program"), std::string::npos);

  st = e->selectProgram("step_n3");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message.rfind("unknown program 'step_n3' (plan programs: "
                             "'step_n1', ",
                             0),
            0u)
      << st.message;
  ASSERT_TRUE(e->selectProgram("step_n4").ok());
  EXPECT_EQ(e->inputNames(),
            (std::vector<std::string>{"token_ids", "positions", "slot_mapping",
                                      "token_seq", "block_tables",
                                      "sample_index"}));
  EXPECT_EQ(e->outputNames(), std::vector<std::string>{"logits"});
  st = e->run();
  EXPECT_EQ(st.message, "input 'token_ids' was not set");
  Tensor out;
  st = e->getOutput("logits", out);
  EXPECT_NE(st.message.find("run() has not completed"), std::string::npos);
  ASSERT_TRUE(e->selectProgram("").ok());
  EXPECT_TRUE(e->outputNames().empty());

  // The reference plan: no programs, the default program runs as before.
  std::unique_ptr<Engine> ref;
  ASSERT_TRUE(createEngine(llmc::runtime::test::makeReferencePlan(), ref).ok());
  EXPECT_TRUE(ref->programNames().empty());
  EXPECT_FALSE(ref->defaultProgramEmpty());
}

TEST(Programs, StatePersistsAcrossRunsAndPrograms) {
  std::unique_ptr<Engine> e;
  ASSERT_TRUE(createEngine(makeToyPlan(), e).ok());
  ASSERT_TRUE(e->setStateExtent("kv_blocks", 4).ok());
  // Token 5 at position 0 in block 3, then token 9 at position 1: the second
  // step reads the first token back from the cache.
  EXPECT_EQ(runOne(*e, 5, 0, 3), 5);
  EXPECT_EQ(runOne(*e, 9, 1, 3), (5 + 9) % kToyVocab);

  // Another program (step_n2, padded) sees the same cache.
  ASSERT_TRUE(e->selectProgram("step_n2").ok());
  std::vector<int64_t> table(2 * kToyMaxBlocksPerSeq, 0);
  table[0] = 3;
  ASSERT_TRUE(e->setInput("token_ids", ints({1, 0}, {1, 2})).ok());
  ASSERT_TRUE(e->setInput("positions", ints({2, 0}, {1, 2})).ok());
  ASSERT_TRUE(e->setInput("slot_mapping", ints({3 * kToyPage + 2, -1}, {2}))
                  .ok());
  ASSERT_TRUE(e->setInput("token_seq", ints({0, 0}, {2})).ok());
  ASSERT_TRUE(
      e->setInput("block_tables", ints(table, {2, kToyMaxBlocksPerSeq})).ok());
  ASSERT_TRUE(e->setInput("sample_index", ints({0, 0}, {2})).ok());
  ASSERT_TRUE(e->run().ok());
  Tensor logits;
  ASSERT_TRUE(e->getOutput("logits", logits).ok());
  EXPECT_EQ(logits.shape, (std::vector<int64_t>{1, 2, kToyVocab}));
  const float *row = reinterpret_cast<const float *>(logits.data.data());
  EXPECT_EQ(row[(5 + 9 + 1) % kToyVocab], 1.0f);
  // step_n1's outputs are gone once another program ran.
  ASSERT_TRUE(e->selectProgram("step_n1").ok());
  Status st = e->getOutput("logits", logits);
  EXPECT_EQ(st.message, "output 'logits' is not available: run() has not "
                        "completed (program 'step_n2' ran last)");

  // Resizing clears the cache: position 0 of block 3 now reads as unwritten.
  ASSERT_TRUE(e->setStateExtent("kv_blocks", 8).ok());
  EXPECT_EQ(runOne(*e, 2, 1, 3), (2 + 1000003) % kToyVocab);
}

TEST(Programs, StateExtentErrors) {
  std::unique_ptr<Engine> e;
  ASSERT_TRUE(createEngine(makeToyPlan(withBlocks(10)), e).ok());
  Status st = e->setStateExtent("kv_blocks", 11);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "STATE buffer 0: kv_blocks = 11 exceeds its "
                        "size_bytes 640 (kv_blocks <= 10)");
  st = e->setStateExtent("kv_blocks", 0);
  EXPECT_NE(st.message.find("must be at least 1"), std::string::npos);
  st = e->setStateExtent("blocks", 2);
  EXPECT_EQ(st.message,
            "no STATE buffer has the symbolic dimension 'blocks'");
  EXPECT_TRUE(e->setStateExtent("kv_blocks", 10).ok());
  // Without setStateExtent, the first run allocates the whole size_bytes.
  std::unique_ptr<Engine> lazy;
  ASSERT_TRUE(createEngine(makeToyPlan(withBlocks(10)), lazy).ok());
  EXPECT_EQ(runOne(*lazy, 4, 0, 9), 4);
}

TEST(Programs, ReaderRejectsBadProgramsAndState) {
  auto plan = [] {
    ToyPlanOptions o;
    o.buckets = {1, 2};
    return makeToyPlan(o);
  };
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(1)->mutable_steps(0)->set_args(0, 99);
    expectCreateError(std::move(in), "program 'step_n2': step 0: unknown "
                                     "buffer 99");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(0)->mutable_steps(1)->set_kernel(42);
    expectCreateError(std::move(in),
                      "program 'step_n1': step 1: kernel index 42 is out");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(0)->mutable_steps(1)->add_args(1);
    expectCreateError(std::move(in), "takes 6 args, got 7");
  }
  {
    PlanWriterInput in = plan(); // token_ids bound to the sums ACTIVATION
    in.header.mutable_programs(0)->mutable_inputs(0)->set_buffer(7);
    expectCreateError(std::move(in),
                      "program 'step_n1': input 'token_ids' is bound to buffer "
                      "7 of kind ACTIVATION; inputs must use INPUT buffers");
  }
  {
    PlanWriterInput in = plan(); // output bound to an ACTIVATION (sums)
    plan::TensorDesc *out = in.header.mutable_programs(0)->mutable_outputs(0);
    out->set_buffer(7);
    out->set_dtype(plan::INT64);
    out->clear_dims();
    out->add_dims()->set_value(1);
    expectCreateError(std::move(in), "program outputs must use OUTPUT buffers");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(0)->mutable_inputs(0)->set_buffer(0);
    expectCreateError(std::move(in), "STATE buffers cannot be inputs");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(0)->mutable_outputs(0)->set_buffer(123);
    expectCreateError(std::move(in), "output 'logits' refers to unknown "
                                     "buffer 123");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(1)->set_name("step_n1");
    expectCreateError(std::move(in), "duplicate program 'step_n1'");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_programs(1)->set_name("");
    expectCreateError(std::move(in), "program 1 has an empty name");
  }
  {
    PlanWriterInput in = plan(); // only STATE may have a symbolic dims[0]
    in.header.mutable_buffers(7)->mutable_dims(0)->set_symbol("kv_blocks");
    expectCreateError(std::move(in), "buffer 7: dimension 0 is symbolic "
                                     "('kv_blocks'); this runtime requires "
                                     "static shapes");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_buffers(0)->mutable_dims(2)->set_symbol("two");
    expectCreateError(std::move(in), "buffer 0: dimension 2 is symbolic "
                                     "('two'); only dimension 0 of a STATE "
                                     "buffer may be");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_buffers(0)->set_size_bytes(63); // one row is 64 bytes
    expectCreateError(std::move(in), "buffer 0: size_bytes 63 is smaller than "
                                     "int64[kv_blocks,4,2] (64 bytes)");
  }
  {
    PlanWriterInput in = plan();
    in.header.mutable_buffers(0)->clear_dims();
    expectCreateError(std::move(in), "STATE buffer needs at least one");
  }
  {
    PlanWriterInput in = plan(); // the arena must hold every program's sums
    in.header.mutable_memory()->set_arena_bytes(8);
    expectCreateError(std::move(in), "exceeds the arena");
  }
}

// Random header bit flips on a generation plan give a Status, never a crash.
TEST(Programs, MutatedGenerationHeadersNeverCrash) {
  ToyPlanOptions o;
  o.buckets = {1, 2};
  int created = 0;
  forEachMutatedHeader(
      makeToyPlan(o), 0x2545F4914F6CDD1Dull, 400,
      [&](std::unique_ptr<PlanFile> pf) {
        std::unique_ptr<Engine> e;
        Status st = Engine::create(std::move(pf), e);
        if (!st.ok()) {
          EXPECT_EQ(st.message.find('\n'), std::string::npos) << st.message;
          return;
        }
        ++created;
        // The step executor's checks on a damaged plan: a Status, never a
        // crash. (Running it is not: kernels trust the plan's sizes, which
        // the flips may have changed.)
        std::map<std::string, std::string> md(e->header().metadata().begin(),
                                              e->header().metadata().end());
        llmc::runtime::gen::GenerationMetadata meta;
        std::unique_ptr<llmc::runtime::gen::PlanStepExecutor> ex;
        if (llmc::runtime::gen::parseGenerationMetadata(md, meta).ok())
          (void)llmc::runtime::gen::PlanStepExecutor::create(*e, meta, 0, ex);
      });
  EXPECT_GT(created, 0);
}

} // namespace
