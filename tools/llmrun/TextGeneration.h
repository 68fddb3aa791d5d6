// llmrun --prompt: generates for one prompt at a time and streams the text
// of every new token as soon as it is complete.
#ifndef LLMC_TOOLS_LLMRUN_TEXTGENERATION_H
#define LLMC_TOOLS_LLMRUN_TEXTGENERATION_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/gen/GenerationLoop.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <functional>
#include <string>
#include <vector>

namespace llmc::runtime::gen {

struct StreamedGeneration {
  std::vector<TokenId> outputIds;
  FinishReason finishReason = FinishReason::None;
  std::string error; // when finishReason == Error
  double seconds = 0;
};

// Runs `request` alone through a scheduler over `executor` (as
// GenerationLoop does) and calls `onText` with each piece of new text:
// decoded after the prompt's text, never a partial UTF-8 character. A
// failing step is an error; a failing request is a result with Error.
Status generateStreaming(const GenerationConfig &config, StepExecutor &executor,
                         const text::Tokenizer &tokenizer,
                         GenerationRequest request,
                         const std::function<void(const std::string &)> &onText,
                         StreamedGeneration &result);

} // namespace llmc::runtime::gen

#endif
