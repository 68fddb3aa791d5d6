// PlanStepExecutor on the toy generation plan: bucket discovery and
// selection, input filling (padding, slots, sample rows), error paths, and
// whole generations through GenerationLoop, alone, batched and preempted.
#include "gen/ToyPlan.h"

#include "llmc/runtime/gen/GenerationLoop.h"
#include "llmc/runtime/gen/PlanStepExecutor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;
using namespace llmc::runtime::gen::test;

namespace {

struct Toy {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<PlanStepExecutor> exec;
};

Status makeToy(const ToyPlanOptions &o, int32_t kvBlocks, Toy &toy) {
  PlanWriterInput in = makeToyPlan(o);
  std::string bytes;
  LLMC_RETURN_IF_ERROR(serializePlan(in, bytes));
  std::unique_ptr<PlanFile> pf;
  LLMC_RETURN_IF_ERROR(PlanFile::openBytes(bytes, "toy.plan", pf));
  LLMC_RETURN_IF_ERROR(Engine::create(std::move(pf), toy.engine));
  std::map<std::string, std::string> md(in.header.metadata().begin(),
                                        in.header.metadata().end());
  GenerationMetadata meta;
  LLMC_RETURN_IF_ERROR(parseGenerationMetadata(md, meta));
  return PlanStepExecutor::create(*toy.engine, meta, kvBlocks, toy.exec);
}

Toy mustToy(const ToyPlanOptions &o = {}, int32_t kvBlocks = 0) {
  Toy toy;
  Status st = makeToy(o, kvBlocks, toy);
  EXPECT_TRUE(st.ok()) << st.message;
  return toy;
}

std::string toyError(const ToyPlanOptions &o, int32_t kvBlocks = 0) {
  Toy toy;
  Status st = makeToy(o, kvBlocks, toy);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message.find('\n'), std::string::npos) << st.message;
  return st.message;
}

void addEntry(ScheduledBatch &b, int64_t first, std::vector<TokenId> tokens,
              std::vector<BlockId> table, bool sample = true) {
  ScheduledEntry e;
  e.seqId = static_cast<SeqId>(b.entries.size());
  e.firstPosition = first;
  e.tokens = std::move(tokens);
  e.sample = sample;
  b.contextLens.push_back(first + int64_t(e.tokens.size()));
  b.entries.push_back(std::move(e));
  b.blockTables.push_back(std::move(table));
  b.pageSize = kToyPage;
}

int argmax(const float *row) {
  return int(std::max_element(row, row + kToyVocab) - row);
}

std::map<std::string, int64_t> runsByBucket(const PlanStepExecutor &ex) {
  std::map<std::string, int64_t> m;
  for (const PlanStepExecutor::Bucket &b : ex.buckets())
    if (b.runs)
      m[b.program] = b.runs;
  return m;
}

TEST(PlanStepExecutor, DiscoversBuckets) {
  Toy toy = mustToy();
  ASSERT_TRUE(toy.exec);
  const PlanStepExecutor &ex = *toy.exec;
  EXPECT_EQ(ex.pageSize(), kToyPage);
  EXPECT_EQ(ex.vocabSize(), kToyVocab);
  EXPECT_EQ(ex.maxNumTokens(), 16);
  EXPECT_EQ(ex.maxBatch(), kToyMaxBatch);
  EXPECT_EQ(ex.kvBlocksMax(), 64);
  EXPECT_EQ(ex.numKvBlocks(), 64);
  EXPECT_EQ(ex.maxBlocksPerSeq(), kToyMaxBlocksPerSeq);
  EXPECT_EQ(ex.maxModelLen(), 32);
  ASSERT_EQ(ex.buckets().size(), 5u);
  EXPECT_EQ(ex.buckets()[4].program, "step_n16");
  EXPECT_EQ(ex.buckets()[4].maxSeqs, 8);
  EXPECT_EQ(ex.buckets()[2].maxSampled, 4);
}

TEST(PlanStepExecutor, FillsStepsAndPicksTheSmallestBucket) {
  Toy toy = mustToy({}, 16);
  PlanStepExecutor &ex = *toy.exec;
  std::vector<const float *> rows;

  // 3 prompt tokens: bucket 4, one padding token.
  ScheduledBatch b1;
  addEntry(b1, 0, {3, 1, 4}, {5});
  Status st = ex.execute(b1, rows);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(argmax(rows[0]), (3 + 1 + 4) % kToyVocab);

  // A decode, a non-sampled prefill chunk crossing a block boundary, and a
  // full prefill: 1 + 5 + 2 = 8 tokens, bucket 8, rows in entry order.
  ScheduledBatch b2;
  addEntry(b2, 3, {8}, {5});
  addEntry(b2, 0, {2, 7, 1, 8, 2}, {2, 7}, /*sample=*/false);
  addEntry(b2, 0, {9, 9}, {0});
  ASSERT_TRUE((st = ex.execute(b2, rows)).ok()) << st.message;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(argmax(rows[0]), (3 + 1 + 4 + 8) % kToyVocab);
  EXPECT_EQ(argmax(rows[1]), 18 % kToyVocab);

  // The chunked prefill goes on (positions 5..6 in block 7) next to a decode
  // whose block table grew: 3 tokens, bucket 4 with one padding token.
  ScheduledBatch b3;
  addEntry(b3, 5, {1, 3}, {2, 7});
  addEntry(b3, 2, {1}, {0});
  ASSERT_TRUE((st = ex.execute(b3, rows)).ok()) << st.message;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(argmax(rows[0]), (2 + 7 + 1 + 8 + 2 + 1 + 3) % kToyVocab);
  EXPECT_EQ(argmax(rows[1]), (9 + 9 + 1) % kToyVocab);

  // A single decode runs bucket 1; 16 tokens the largest.
  ScheduledBatch b4;
  addEntry(b4, 4, {5}, {5, 9});
  ASSERT_TRUE((st = ex.execute(b4, rows)).ok()) << st.message;
  EXPECT_EQ(argmax(rows[0]), (3 + 1 + 4 + 8 + 5) % kToyVocab);
  ScheduledBatch b5;
  addEntry(b5, 0, std::vector<TokenId>(16, 1), {10, 11, 12, 13});
  ASSERT_TRUE((st = ex.execute(b5, rows)).ok()) << st.message;
  EXPECT_EQ(argmax(rows[0]), 16 % kToyVocab);

  EXPECT_EQ(runsByBucket(ex),
            (std::map<std::string, int64_t>{
                {"step_n1", 1}, {"step_n4", 2}, {"step_n8", 1},
                {"step_n16", 1}}));
}

TEST(PlanStepExecutor, PicksABucketWithRoomForTheSequences) {
  // Buckets 4 and 16 only: 3 tokens in 3 sequences fit step_n4 (B = 4).
  ToyPlanOptions o;
  o.buckets = {4, 16};
  Toy toy = mustToy(o);
  std::vector<const float *> rows;
  ScheduledBatch b;
  addEntry(b, 0, {1}, {0});
  addEntry(b, 0, {2}, {1});
  addEntry(b, 0, {3}, {2});
  Status st = toy.exec->execute(b, rows);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(rows.size(), 3u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(argmax(rows[i]), i + 1);
  EXPECT_EQ(runsByBucket(*toy.exec),
            (std::map<std::string, int64_t>{{"step_n4", 1}}));
}

TEST(PlanStepExecutor, StepErrors) {
  Toy toy = mustToy({}, 16);
  PlanStepExecutor &ex = *toy.exec;
  std::vector<const float *> rows;
  auto error = [&](const ScheduledBatch &b) {
    Status st = ex.execute(b, rows);
    EXPECT_FALSE(st.ok());
    return st.message;
  };
  ScheduledBatch big;
  addEntry(big, 0, std::vector<TokenId>(17, 1), {0, 1, 2, 3, 4});
  EXPECT_EQ(error(big), "a step of 17 tokens, 1 sequences and 1 sampled rows "
                        "fits no bucket (largest: step_n16, 8 sequences, 8 "
                        "rows)");
  ScheduledBatch many;
  for (int i = 0; i < 9; ++i)
    addEntry(many, 0, {1}, {BlockId(i)});
  EXPECT_NE(error(many).find("9 sequences"), std::string::npos);
  ScheduledBatch outside;
  addEntry(outside, 0, {1}, {16});
  EXPECT_EQ(error(outside),
            "entry 0: block 16 is outside the cache (16 blocks)");
  ScheduledBatch shortTable;
  addEntry(shortTable, 3, {1, 2}, {0});
  EXPECT_NE(error(shortTable).find("position 4 is beyond its block table"),
            std::string::npos);
  ScheduledBatch longTable;
  addEntry(longTable, 0, {1}, std::vector<BlockId>(9, 0));
  EXPECT_NE(error(longTable).find("block table of 9 blocks exceeds"),
            std::string::npos);
  ScheduledBatch badToken;
  addEntry(badToken, 0, {kToyVocab}, {0});
  EXPECT_NE(error(badToken).find("outside the vocabulary"), std::string::npos);
  ScheduledBatch empty;
  EXPECT_TRUE(ex.execute(empty, rows).ok());
  EXPECT_TRUE(rows.empty());
}

TEST(PlanStepExecutor, CreateErrors) {
  EXPECT_EQ(toyError({}, 65), "KV cache of 65 blocks: must be between 1 and "
                              "the plan's generation.kv_blocks_max (64)");
  ToyPlanOptions wrongStep;
  wrongStep.step = "step";
  EXPECT_EQ(toyError(wrongStep), "generation plan step 'step' is not "
                                 "supported by this runtime (supported: "
                                 "paged-v1)");

  // Metadata values are checked when parsed.
  std::map<std::string, std::string> md = {{"generation.step", "paged-v1"},
                                           {"generation.page_size", "4x"}};
  GenerationMetadata meta;
  Status st = parseGenerationMetadata(md, meta);
  EXPECT_EQ(st.message, "plan metadata 'generation.page_size' must be an "
                        "integer >= 1, got '4x'");
  md["generation.page_size"] = "4";
  md["generation.kv_dtype"] = "int4";
  EXPECT_NE(parseGenerationMetadata(md, meta).message.find("fp32, fp16 or "
                                                           "bf16"),
            std::string::npos);

  // Programs that break the step contract.
  auto broken = [](auto mutate) {
    PlanWriterInput in = makeToyPlan();
    mutate(in.header);
    std::string bytes;
    EXPECT_TRUE(serializePlan(in, bytes).ok());
    std::unique_ptr<PlanFile> pf;
    EXPECT_TRUE(PlanFile::openBytes(bytes, "toy.plan", pf).ok());
    Toy toy;
    Status st = Engine::create(std::move(pf), toy.engine);
    EXPECT_TRUE(st.ok()) << st.message;
    std::map<std::string, std::string> md(in.header.metadata().begin(),
                                          in.header.metadata().end());
    GenerationMetadata meta;
    EXPECT_TRUE(parseGenerationMetadata(md, meta).ok());
    st = PlanStepExecutor::create(*toy.engine, meta, 0, toy.exec);
    EXPECT_FALSE(st.ok());
    return st.message;
  };
  EXPECT_EQ(broken([](PlanHeader &h) {
              h.mutable_programs(2)->mutable_inputs()->DeleteSubrange(3, 1);
            }),
            "program 'step_n4': missing input 'token_seq'");
  EXPECT_EQ(broken([](PlanHeader &h) {
              h.mutable_programs(2)->mutable_inputs(3)->set_name("seq_ids");
            }),
            "program 'step_n4': input 'seq_ids' is not a paged-v1 step input");
  EXPECT_EQ(broken([](PlanHeader &h) {
              for (int i = 0; i < h.programs_size(); ++i) // not bucket names
                h.mutable_programs(i)->set_name("step_n0" + std::to_string(i));
            }),
            "generation plan has no step_n<N> program");
  EXPECT_EQ(broken([](PlanHeader &h) {
              h.mutable_programs(1)->set_name("step_n3"); // token_ids [1, 2]
            }),
            "program 'step_n3': 'token_ids' must be int64[1,3], got "
            "int64[1,2]");
  EXPECT_EQ(broken([](PlanHeader &h) {
              (*h.mutable_metadata())["generation.max_num_tokens"] = "32";
            }),
            "plan metadata 'generation.max_num_tokens' is 32 but the largest "
            "bucket is step_n16");
  EXPECT_NE(broken([](PlanHeader &h) {
              h.mutable_buffers(0)->mutable_dims(0)->set_value(64);
            }).find("exactly one symbolic block count"),
            std::string::npos);
}

// Generation results for `requests` through GenerationLoop and the toy plan.
struct GenRun {
  std::vector<GenerationResult> results;
  GenerationStats stats;
  std::map<std::string, int64_t> buckets;
};

GenRun generate(const std::vector<GenerationRequest> &requests, int32_t kvBlocks,
             int32_t maxNumSeqs = kToyMaxBatch, const std::string &eos = "") {
  ToyPlanOptions o;
  o.eos = eos;
  Toy toy = mustToy(o, kvBlocks);
  GenerationConfig config;
  config.numKvBlocks = toy.exec->numKvBlocks();
  config.scheduler.maxNumSeqs = maxNumSeqs;
  config.scheduler.maxNumTokens = toy.exec->maxNumTokens();
  config.scheduler.maxModelLen = toy.exec->maxModelLen();
  if (!eos.empty())
    config.scheduler.eosTokenIds = {std::stoi(eos)};
  GenerationLoop loop(config, *toy.exec);
  GenRun run;
  Status st = loop.run(requests, run.results, run.stats);
  EXPECT_TRUE(st.ok()) << st.message;
  run.buckets = runsByBucket(*toy.exec);
  return run;
}

std::vector<GenerationRequest> sixteenRequests() {
  std::vector<GenerationRequest> rs;
  for (int i = 0; i < 16; ++i) {
    GenerationRequest r;
    r.id = "r" + std::to_string(i);
    for (int j = 0; j < 3 + (i * 5) % 11; ++j)
      r.promptIds.push_back((i * 7 + j * 3) % kToyVocab);
    r.params.temperature = 0;
    r.params.maxTokens = 4 + i % 9;
    rs.push_back(std::move(r));
  }
  return rs;
}

TEST(PlanStepExecutor, GenerationIsBatchIndependent) {
  std::vector<GenerationRequest> rs = sixteenRequests();
  GenRun together = generate(rs, 0);
  GenRun tiny = generate(rs, 10);
  GenRun serial = generate(rs, 0, /*maxNumSeqs=*/1);
  EXPECT_EQ(together.stats.preemptions, 0);
  EXPECT_GT(tiny.stats.preemptions, 0);
  EXPECT_GT(together.buckets.size(), 2u); // several buckets were used
  for (size_t i = 0; i < rs.size(); ++i) {
    std::vector<TokenId> want =
        toyExpected(rs[i].promptIds, rs[i].params.maxTokens);
    GenRun alone = generate({rs[i]}, 0);
    for (const GenRun *r : {&together, &tiny, &serial, &alone}) {
      const GenerationResult &got = r->results[r == &alone ? 0 : i];
      EXPECT_EQ(got.outputIds, want) << rs[i].id;
      EXPECT_EQ(got.finishReason, FinishReason::Length);
    }
  }
}

TEST(PlanStepExecutor, EosAndModelLength) {
  // Ids 0..16 prompts reach eos 5 at different points; a long request stops
  // at the model length (32 tokens).
  std::vector<GenerationRequest> rs = sixteenRequests();
  GenerationRequest longOne;
  longOne.id = "long";
  longOne.promptIds.assign(20, 1);
  longOne.params.temperature = 0;
  longOne.params.maxTokens = 100;
  longOne.params.ignoreEos = true;
  rs.push_back(longOne);
  GenRun run = generate(rs, 12, kToyMaxBatch, "5");
  for (size_t i = 0; i + 1 < rs.size(); ++i)
    EXPECT_EQ(run.results[i].outputIds,
              toyExpected(rs[i].promptIds, rs[i].params.maxTokens, {5}))
        << rs[i].id;
  EXPECT_EQ(run.results.back().outputIds, toyExpected(longOne.promptIds, 100));
  EXPECT_EQ(run.results.back().outputIds.size(), 12u);
  EXPECT_EQ(run.results.back().finishReason, FinishReason::Length);
}

} // namespace
