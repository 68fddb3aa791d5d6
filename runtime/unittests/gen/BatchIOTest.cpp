// BatchIO: request parsing (fields, defaults, types, unknown fields), line
// numbers, --on-error policies and the result format.
#include "llmc/runtime/gen/BatchIO.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace llmc::runtime;
using namespace llmc::runtime::gen;

namespace {

std::string parseError(const std::string &line) {
  GenerationRequest r;
  Status st = parseRequestLine(line, r);
  EXPECT_FALSE(st.ok()) << line;
  return st.message;
}

} // namespace

TEST(BatchIO, ParsesEveryField) {
  GenerationRequest r;
  Status st = parseRequestLine(
      R"({"id": "r0", "prompt_ids": [1,2,3], "max_tokens": 24,
          "temperature": 0.7, "top_p": 0.9, "top_k": 40, "min_p": 0.05,
          "seed": 7, "stop_token_ids": [5, 6], "repetition_penalty": 1.1,
          "presence_penalty": 0.5, "frequency_penalty": -0.5,
          "logprobs": 3, "ignore_eos": true})",
      r);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(r.id, "r0");
  EXPECT_EQ(r.promptIds, (std::vector<TokenId>{1, 2, 3}));
  const SamplingParams &p = r.params;
  EXPECT_EQ(p.maxTokens, 24);
  EXPECT_FLOAT_EQ(p.temperature, 0.7f);
  EXPECT_FLOAT_EQ(p.topP, 0.9f);
  EXPECT_EQ(p.topK, 40);
  EXPECT_FLOAT_EQ(p.minP, 0.05f);
  EXPECT_TRUE(p.hasSeed);
  EXPECT_EQ(p.seed, 7u);
  EXPECT_EQ(p.stopTokenIds, (std::vector<TokenId>{5, 6}));
  EXPECT_FLOAT_EQ(p.repetitionPenalty, 1.1f);
  EXPECT_FLOAT_EQ(p.presencePenalty, 0.5f);
  EXPECT_FLOAT_EQ(p.frequencyPenalty, -0.5f);
  EXPECT_EQ(p.logprobs, 3);
  EXPECT_TRUE(p.ignoreEos);
}

TEST(BatchIO, DefaultsFollowVllm) {
  GenerationRequest r;
  ASSERT_TRUE(
      parseRequestLine(R"({"id": "x", "prompt_ids": [4], "seed": null})", r)
          .ok());
  const SamplingParams &p = r.params;
  EXPECT_EQ(p.maxTokens, 16);
  EXPECT_FLOAT_EQ(p.temperature, 1.0f);
  EXPECT_FLOAT_EQ(p.topP, 1.0f);
  EXPECT_EQ(p.topK, 0);
  EXPECT_FLOAT_EQ(p.minP, 0.0f);
  EXPECT_FALSE(p.hasSeed);
  EXPECT_EQ(p.logprobs, -1);
  EXPECT_FALSE(p.ignoreEos);
  EXPECT_TRUE(p.stopTokenIds.empty());
}

TEST(BatchIO, RejectsMalformedRequests) {
  EXPECT_EQ(parseError(R"({"id": "r0", "prompt_ids": [1,)").rfind(
                "invalid JSON: parse error at column ", 0),
            0u);
  EXPECT_EQ(parseError("[1, 2]"), "a request must be a JSON object");
  EXPECT_EQ(parseError(R"({"id": "r0"})"),
            "missing required field 'prompt_ids'");
  EXPECT_EQ(parseError(R"({"prompt_ids": [1]})"), "missing required field 'id'");
  EXPECT_EQ(parseError(R"({"id": 3, "prompt_ids": [1]})"),
            "'id' must be a non-empty string");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": "1 2"})"),
            "'prompt_ids' must be an array of token ids");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": []})"),
            "'prompt_ids' must not be empty");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1, -2]})"),
            "'prompt_ids'[1] must be a non-negative 32-bit integer, got -2");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1.5]})"),
            "'prompt_ids'[0] must be a non-negative 32-bit integer, got 1.5");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "max_tokens": 2.5})"),
            "'max_tokens' must be an integer");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "max_tokens": 0})"),
            "'max_tokens' must be in [1, 2147483647], got 0");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "temperature": "0"})"),
            "'temperature' must be a number");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "top_p": 0})"),
            "'top_p' must be in (0, 1], got 0");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "top_k": -2})"),
            "'top_k' must be in [-1, 2147483647], got -2");
  EXPECT_EQ(
      parseError(R"({"id": "a", "prompt_ids": [1], "presence_penalty": 3})"),
      "'presence_penalty' must be in [-2, 2], got 3");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "logprobs": 21})"),
            "'logprobs' must be in [0, 20], got 21");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "ignore_eos": 1})"),
            "'ignore_eos' must be true or false");
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "seed": "7"})"),
            "'seed' must be an integer");
}

TEST(BatchIO, UnknownFieldsAreErrorsNamingTheField) {
  std::string m = parseError(R"({"id": "a", "prompt_ids": [1], "stop": ["\n"]})");
  EXPECT_EQ(m.rfind("unknown field 'stop' (supported: id, prompt_ids, ", 0), 0u)
      << m;
  EXPECT_EQ(parseError(R"({"id": "a", "prompt_ids": [1], "n": 2})")
                .rfind("unknown field 'n'", 0),
            0u);
}

TEST(BatchIO, FailPolicyReportsEveryBadLineWithItsNumber) {
  std::istringstream in("{\"id\": \"a\", \"prompt_ids\": [1]}\n"
                        "\n"
                        "{\"id\": \"b\", \"prompt_ids\": [2], \"bogus\": 1}\n"
                        "not json\r\n"
                        "{\"id\": \"a\", \"prompt_ids\": [3]}\n"
                        "{\"id\": \"c\", \"prompt_ids\": [4]}");
  BatchInput out;
  Status st = parseBatch(in, "in.jsonl", OnError::Fail, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "in.jsonl: 3 malformed request lines");
  ASSERT_EQ(out.issues.size(), 3u);
  EXPECT_EQ(out.issues[0].line, 3);
  EXPECT_EQ(out.issues[0].message.rfind("unknown field 'bogus'", 0), 0u);
  EXPECT_EQ(out.issues[1].line, 4);
  EXPECT_EQ(out.issues[1].message.rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(out.issues[2].line, 5);
  EXPECT_EQ(out.issues[2].message, "duplicate id 'a' (first on line 1)");
}

TEST(BatchIO, SkipPolicyKeepsTheGoodLines) {
  std::istringstream in("{\"id\": \"a\", \"prompt_ids\": [1]}\n"
                        "{\"id\": \"b\"}\n"
                        "   \n"
                        "{\"id\": \"c\", \"prompt_ids\": [4]}\n");
  BatchInput out;
  Status st = parseBatch(in, "in.jsonl", OnError::Skip, out);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_EQ(out.requests.size(), 2u);
  EXPECT_EQ(out.requests[0].id, "a");
  EXPECT_EQ(out.requests[1].id, "c");
  EXPECT_EQ(out.lines, (std::vector<int64_t>{1, 4}));
  ASSERT_EQ(out.issues.size(), 1u);
  EXPECT_EQ(out.issues[0].line, 2);
}

TEST(BatchIO, ResultFormat) {
  GenerationResult r;
  r.id = "r0";
  r.outputIds = {5, 6};
  r.finishReason = FinishReason::Stop;
  EXPECT_EQ(formatResult(r),
            R"({"id":"r0","output_ids":[5,6],"finish_reason":"stop"})");

  r.logprobs = {{5, -0.25f, {{5, -0.25f}, {9, -1.5f}}},
                {6, -0.125f, {{6, -0.125f}, {2, -3.0f}}}};
  EXPECT_EQ(formatResult(r),
            R"({"id":"r0","output_ids":[5,6],"finish_reason":"stop",)"
            R"("logprobs":[{"token_id":5,"logprob":-0.25,"top_logprobs":)"
            R"([{"token_id":5,"logprob":-0.25},{"token_id":9,"logprob":-1.5}]},)"
            R"({"token_id":6,"logprob":-0.125,"top_logprobs":)"
            R"([{"token_id":6,"logprob":-0.125},{"token_id":2,"logprob":-3.0}]}]})");

  GenerationResult e;
  e.id = "bad";
  e.finishReason = FinishReason::Error;
  e.error = "prompt_ids is empty";
  EXPECT_EQ(formatResult(e), R"({"id":"bad","output_ids":[],)"
                             R"("finish_reason":"error",)"
                             R"("error":"prompt_ids is empty"})");
}
