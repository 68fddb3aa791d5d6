// GenerationSession: requests added while others run (llmrun's server) get
// the same outputs as GenerationLoop::run over all of them at once, and
// tokens are reported step by step.
#include "FakeExecutor.h"

#include "llmc/runtime/gen/GenerationLoop.h"

#include <gtest/gtest.h>

#include <map>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;
using llmc::runtime::gen::test::FakeExecutor;

namespace {

GenerationConfig config() {
  GenerationConfig c;
  c.scheduler.maxNumSeqs = 3;
  c.scheduler.maxNumTokens = 8;
  c.numKvBlocks = 12;
  return c;
}

std::vector<GenerationRequest> requests(int32_t vocab) {
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 7; ++i) {
    GenerationRequest r;
    r.id = "r" + std::to_string(i);
    for (int j = 0; j < 1 + (i * 5) % 13; ++j)
      r.promptIds.push_back((i * 11 + j * 3) % vocab);
    r.params.maxTokens = 4 + i % 5;
    r.params.temperature = i % 2 ? 0.8f : 0.0f;
    r.params.hasSeed = true;
    r.params.seed = 100 + i;
    reqs.push_back(r);
  }
  return reqs;
}

TEST(GenerationSession, RequestsJoiningLateMatchTheLoop) {
  FakeExecutor loopExec(40, 4, 12, FakeExecutor::Mode::History);
  std::vector<GenerationResult> want;
  GenerationStats stats;
  GenerationLoop loop(config(), loopExec);
  ASSERT_TRUE(loop.run(requests(40), want, stats).ok());

  FakeExecutor exec(40, 4, 12, FakeExecutor::Mode::History);
  GenerationSession session(config(), exec);
  ASSERT_TRUE(session.init().ok());
  std::vector<GenerationRequest> reqs = requests(40);
  std::map<SeqId, std::vector<TokenId>> streamed;
  std::map<SeqId, std::vector<TokenId>> finished;
  size_t next = 0;
  std::vector<StepToken> tokens;
  for (int step = 0; next < reqs.size() || session.hasUnfinished(); ++step) {
    // One new request every other step, while others are mid-generation.
    if (next < reqs.size() && step % 2 == 0) {
      EXPECT_EQ(session.add(reqs[next]), static_cast<SeqId>(next));
      ++next;
    }
    tokens.clear();
    ASSERT_TRUE(session.step(&tokens).ok());
    for (const StepToken &t : tokens)
      streamed[t.seq].push_back(t.tokenId);
    for (SeqId id : session.takeFinished()) {
      finished[id] = session.sequence(id).outputIds;
      session.release(id);
      EXPECT_TRUE(session.sequence(id).outputIds.empty());
    }
  }
  ASSERT_EQ(finished.size(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(finished[i], want[i].outputIds) << reqs[i].id;
    EXPECT_EQ(streamed[i], want[i].outputIds) << reqs[i].id;
  }
}

TEST(GenerationSession, BadPromptFinishesAtOnce) {
  FakeExecutor exec(40, 4, 12);
  GenerationSession session(config(), exec);
  ASSERT_TRUE(session.init().ok());
  GenerationRequest r;
  r.promptIds = {1, 99};
  SeqId id = session.add(r);
  EXPECT_FALSE(session.hasUnfinished());
  std::vector<SeqId> done = session.takeFinished();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], id);
  EXPECT_EQ(session.sequence(id).finishReason, FinishReason::Error);
  EXPECT_TRUE(session.step().ok()); // nothing to do
}

} // namespace
