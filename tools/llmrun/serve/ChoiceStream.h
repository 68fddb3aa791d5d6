// ChoiceStream and ChoiceSet: the n choices of one request (each its own
// engine request), read back from their channels as decoded text with stop
// strings applied, token ids, logprobs and the finish reason. Both
// endpoints format what these return; nothing here knows JSON shapes.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_CHOICESTREAM_H
#define LLMC_TOOLS_LLMRUN_SERVE_CHOICESTREAM_H

#include "serve/EngineThread.h"
#include "serve/RequestFields.h"
#include "serve/ServerContext.h"
#include "serve/StopMatcher.h"

#include "llmc/runtime/text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

// Characters (UTF-8 code points) in `s`: what logprobs' text_offset counts.
int64_t codePoints(const std::string &s);

// One choice's output since the previous poll.
struct ChoiceDelta {
  std::string text;                     // safe to show (stop strings cut)
  std::vector<TokenId> ids;
  std::vector<GeneratedToken> logprobs; // one per id when asked
  std::vector<int64_t> offsets;         // per id: characters before its text
  bool done = false;
  const char *finishReason = nullptr;   // when done: "stop" or "length"
  nlohmann::json stopReason;            // vLLM's: the stop string or token id
  bool failed = false;                  // when done: generation failed
  std::string error;
  bool empty() const { return text.empty() && ids.empty() && !done; }
};

class ChoiceStream {
public:
  // `offsetBase`: characters before the output (an echoed prompt).
  ChoiceStream(const text::Tokenizer *tok, const GenerationJob &job,
               std::shared_ptr<Channel> ch, int64_t offsetBase);
  // Appends what the engine produced since the last call to `d`; false when
  // there is nothing new.
  bool poll(ChoiceDelta &d);
  bool done() const { return done_; }
  size_t completionTokens() const { return consumed_; }
  Channel &channel() { return *ch_; }

private:
  void finishFromChannel(FinishReason reason, const std::string &error,
                         ChoiceDelta &d);
  void take(TokenId t, const GeneratedToken *lp, ChoiceDelta &d);

  const GenerationJob &job_;
  std::shared_ptr<Channel> ch_;
  std::optional<text::StreamDecoder> decoder_;
  std::optional<StopMatcher> stop_;
  size_t seen_ = 0;     // channel tokens looked at
  size_t consumed_ = 0; // tokens that belong to the output
  int64_t chars_;       // text_offset of the next token
  TokenId last_ = -1;
  bool done_ = false;
};

// Submits the job's n choices (seed + i when seeded, as vLLM does) and
// reads them back together.
class ChoiceSet {
public:
  ChoiceSet(ServerContext &ctx, const GenerationJob &job,
            const std::string &id, int64_t offsetBase);
  ~ChoiceSet();
  // Waits until some choice has news; fills deltas[i] for choice i (empty
  // ones when nothing new). False once every choice is done and read.
  bool next(std::vector<ChoiceDelta> &deltas);
  // Ends the choices still running (the client went away).
  void cancel();
  size_t size() const { return choices_.size(); }
  size_t completionTokens() const;

private:
  std::shared_ptr<Waker> waker_;
  std::vector<std::unique_ptr<ChoiceStream>> choices_;
};

} // namespace llmc::runtime::gen

#endif
