// SseParser and Workload: events split at every byte, CRLF, multi-line
// data, comments; seeded draws stay in range and repeat.
#include "SseParser.h"
#include "Workload.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace llmc::bench {
namespace {

const char *kStream = "data: {\"a\":1}\n\n"
                      ": a comment\n"
                      "event: x\r\ndata: line1\r\ndata:line2\r\n\r\n"
                      "data: [DONE]\n\n";

TEST(SseParser, WholeBuffer) {
  SseParser p;
  auto ev = p.feed(kStream);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0], "{\"a\":1}");
  EXPECT_EQ(ev[1], "line1\nline2");
  EXPECT_EQ(ev[2], "[DONE]");
  EXPECT_EQ(p.pendingBytes(), 0u);
}

TEST(SseParser, EverySplitPoint) {
  std::string s = kStream;
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    SseParser p;
    auto ev = p.feed(std::string_view(s).substr(0, cut));
    auto rest = p.feed(std::string_view(s).substr(cut));
    ev.insert(ev.end(), rest.begin(), rest.end());
    ASSERT_EQ(ev.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(ev[1], "line1\nline2") << "cut at " << cut;
  }
}

TEST(SseParser, ByteByByteHoldsPartialEvent) {
  SseParser p;
  std::string s = "data: [DONE]\n";
  for (char c : s)
    EXPECT_TRUE(p.feed(std::string_view(&c, 1)).empty());
  EXPECT_GT(p.pendingBytes(), 0u);
  EXPECT_EQ(p.feed("\n").size(), 1u);
}

TEST(Workload, SeededAndInRange) {
  WorkloadOptions o;
  ASSERT_EQ(parseRange("8:64", o.promptLen), "");
  ASSERT_EQ(parseRange("5:50", o.outputLen), "");
  ASSERT_EQ(parseDistKind("lognormal", o.outputLen), "");
  o.vocab = 100;
  Workload a(o), b(o);
  for (int i = 0; i < 200; ++i) {
    RequestSpec x = a.next(), y = b.next();
    EXPECT_EQ(x.body, y.body);
    EXPECT_GE(x.promptTokens, 8);
    EXPECT_LE(x.promptTokens, 64);
    EXPECT_GE(x.maxTokens, 5);
    EXPECT_LE(x.maxTokens, 50);
    auto j = nlohmann::json::parse(x.body);
    EXPECT_EQ(j["prompt"].size(), size_t(x.promptTokens));
    for (auto &t : j["prompt"]) {
      EXPECT_GE(t.get<int>(), 3);
      EXPECT_LT(t.get<int>(), 100);
    }
    EXPECT_TRUE(j["stream"].get<bool>());
    EXPECT_TRUE(j["stream_options"]["include_usage"].get<bool>());
  }
  LengthDist d;
  EXPECT_NE(parseRange("9:3", d), "");
  EXPECT_NE(parseRange("x", d), "");
  EXPECT_NE(parseDistKind("normal", d), "");
}

} // namespace
} // namespace llmc::bench
