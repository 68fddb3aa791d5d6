// llmc_tokenize: test driver for the runtime tokenizer. Loads a SentencePiece
// .model or a Hugging Face tokenizer.json (through the same importers as
// `llmc compile --tokenizer`), or a plan's tokenizer section, and answers
// one JSON object per stdin line:
//   {"text": "...", "add_special_tokens": true}
//                       -> {"ids": [...], "pieces": [...], "decoded": "..."}
//   {"decode": [ids]}   -> {"text": "...", "stream": ["chunk", ...]}
// test/tokenizer/check_sentencepiece.py and check_hf_tokenizers.py compare
// the answers with reference tokenizers.
#include "llmc/runtime/text/HfTokenizerImport.h"
#include "llmc/runtime/text/SentencePieceImport.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <iostream>

using namespace llmc::runtime;
using namespace llmc::runtime::text;

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: llmc_tokenize TOKENIZER.model|tokenizer.json|PLAN "
                 "< requests.jsonl\n";
    return 2;
  }
  std::string path = argv[1];
  auto endsWith = [&](const char *suffix) {
    return path.size() >= std::strlen(suffix) &&
           path.compare(path.size() - std::strlen(suffix), std::string::npos,
                        suffix) == 0;
  };
  llmc::plan::Tokenizer spec;
  std::vector<std::string> warnings;
  std::unique_ptr<Tokenizer> tok;
  std::unique_ptr<PlanFile> plan;
  Status st;
  if (endsWith(".plan")) {
    st = PlanFile::open(path, plan);
    if (st.ok())
      st = Tokenizer::fromPlan(*plan, tok);
  } else {
    if (endsWith(".json")) {
      HfTokenizer hf;
      st = readHfTokenizer(path, hf);
      spec = std::move(hf.spec);
      warnings = std::move(hf.warnings);
    } else {
      st = readSentencePieceModel(path, spec, warnings);
    }
    if (st.ok())
      st = Tokenizer::create(spec, tok);
  }
  if (!st.ok()) {
    std::cerr << "llmc_tokenize: error: " << st.message << "\n";
    return 1;
  }
  for (const std::string &w : warnings)
    std::cerr << "llmc_tokenize: warning: " << w << "\n";
  std::string line;
  while (std::getline(std::cin, line)) {
    nlohmann::json in = nlohmann::json::parse(line), out;
    if (in.contains("text")) {
      std::string text = in["text"].get<std::string>();
      std::vector<TokenId> ids;
      std::vector<std::string> pieces;
      st = tok->encode(text, ids, in.value("add_special_tokens", true));
      if (st.ok())
        st = tok->encodeToPieces(text, pieces);
      if (!st.ok()) {
        out["error"] = st.message;
      } else {
        out["ids"] = ids;
        out["pieces"] = pieces;
        out["decoded"] = tok->decode(ids);
      }
    } else {
      std::vector<TokenId> ids = in["decode"].get<std::vector<TokenId>>();
      out["text"] = tok->decode(ids);
      StreamDecoder stream(*tok);
      nlohmann::json chunks = nlohmann::json::array();
      for (TokenId id : ids)
        chunks.push_back(stream.add(id));
      chunks.push_back(stream.finish());
      out["stream"] = chunks;
    }
    std::cout << out.dump() << "\n";
  }
  return 0;
}
