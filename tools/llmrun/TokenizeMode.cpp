// llmrun --encode / --decode (TokenizeMode.h; docs/tokenizer.md).
#include "TokenizeMode.h"

#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <iostream>
#include <sstream>

namespace llmc::tool {

using namespace llmc::runtime;

int tokenizeMode(const std::string &planPath,
                 const std::optional<std::string> &encode,
                 const std::optional<std::string> &decode,
                 bool noSpecialTokens) {
  auto fail = [](const std::string &msg) {
    std::cerr << "llmrun: error: " << msg << "\n";
    return 1;
  };
  std::unique_ptr<PlanFile> plan;
  Status st = PlanFile::open(planPath, plan);
  std::unique_ptr<text::Tokenizer> tok;
  if (st.ok())
    st = text::Tokenizer::fromPlan(*plan, tok);
  if (!st.ok())
    return fail(st.message);
  if (encode) {
    std::vector<text::TokenId> ids;
    st = tok->encode(*encode, ids, !noSpecialTokens);
    if (!st.ok())
      return fail(st.message);
    for (size_t i = 0; i < ids.size(); ++i)
      std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
  }
  if (decode) {
    std::string list = *decode;
    for (char &c : list)
      if (c == ',')
        c = ' ';
    std::istringstream in(list);
    std::vector<text::TokenId> ids;
    std::string word;
    while (in >> word) {
      size_t used = 0;
      long long id = -1;
      try {
        id = std::stoll(word, &used);
      } catch (...) {
      }
      if (used != word.size() || id < 0 || id >= tok->vocabSize())
        return fail("--decode: '" + word + "' is not a token id of the plan's "
                    "tokenizer (0.." + std::to_string(tok->vocabSize() - 1) + ")");
      ids.push_back(static_cast<text::TokenId>(id));
    }
    std::cout << tok->decode(ids) << std::flush;
  }
  return 0;
}

} // namespace llmc::tool
