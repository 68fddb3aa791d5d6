//===- TokenizerSection.cpp - `llmc compile --tokenizer FILE` -------------===//
#include "TokenizerSection.h"

#include "llmc/runtime/text/ChatTemplate.h"
#include "llmc/runtime/text/HfTokenizerImport.h"
#include "llmc/runtime/text/SentencePieceImport.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <algorithm>
#include <iostream>

using namespace llmc::runtime;

bool llmc::tool::readTokenizerSection(const std::string &path, bool addBos,
                                      TokenizerSection &out) {
  plan::Tokenizer tok;
  std::vector<std::string> warnings;
  bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  Status st;
  if (json) {
    text::HfTokenizer hf;
    st = text::readHfTokenizer(path, hf);
    tok = std::move(hf.spec);
    warnings = std::move(hf.warnings);
    out.eosIds.assign(hf.eosIds.begin(), hf.eosIds.end());
    out.chatTemplate = std::move(hf.chatTemplate);
    // A template the runtime cannot parse would stop llmrun from serving
    // the plan: leave it out and say so.
    std::unique_ptr<text::ChatTemplate> parsed;
    if (!out.chatTemplate.empty()) {
      Status parse = text::ChatTemplate::parse(out.chatTemplate, parsed);
      if (!parse.ok()) {
        warnings.push_back("tokenizer_config.json: chat_template is not "
                           "stored (" + parse.message +
                           "); give one with --chat-template FILE");
        out.chatTemplate.clear();
      }
    }
  } else {
    st = text::readSentencePieceModel(path, tok, warnings);
    if (tok.eos_id() >= 0)
      out.eosIds.push_back(tok.eos_id());
  }
  // The runtime's own validation, so that a plan never carries a tokenizer
  // it refuses to load.
  std::unique_ptr<text::Tokenizer> check;
  if (st.ok()) {
    st = text::Tokenizer::create(tok, check);
    if (!st.ok())
      st = Status::error(path + ": " + st.message);
  }
  if (!st.ok()) {
    std::cerr << "llmc: error: " << st.message << "\n";
    return false;
  }
  for (const std::string &w : warnings)
    std::cerr << "llmc: warning: " << w << "\n";
  if (addBos) {
    if (tok.bos_id() < 0) {
      std::cerr << "llmc: error: --add-bos: " << path << " has no bos id\n";
      return false;
    }
    if (tok.model_type() != plan::Tokenizer::BYTE_LEVEL_BPE)
      tok.set_add_bos(true);
    else if (tok.prefix_ids().empty() || tok.prefix_ids(0) != tok.bos_id()) {
      // The bos goes before what the post-processor adds.
      auto *prefix = tok.mutable_prefix_ids();
      prefix->Add(tok.bos_id());
      std::rotate(prefix->begin(), prefix->end() - 1, prefix->end());
    }
  }
  std::string bytes = tok.SerializeAsString();
  out.bytes.assign(bytes.begin(), bytes.end());
  return true;
}
