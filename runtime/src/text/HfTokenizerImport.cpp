// tokenizer.json (+ tokenizer_config.json, generation_config.json) ->
// llmc.plan.Tokenizer (BYTE_LEVEL_BPE). Only what the runtime implements
// exactly is accepted; see docs/tokenizer.md for the supported settings.
#include "llmc/runtime/text/HfTokenizerImport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

namespace llmc::runtime::text {

namespace {

using json = nlohmann::json;

// The split regexes the runtime hand-codes (PreTokenizer.cpp), by source.
const char *kByteLevelRegex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const char *kLetterRunsDigits3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char *kLetterRunsDigits1Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

std::string typeOf(const json &j) {
  return j.is_object() && j.contains("type") && j["type"].is_string()
             ? j["type"].get<std::string>()
             : std::string("?");
}

bool flag(const json &j, const char *key, bool dflt) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null())
    return dflt;
  return j[key].is_boolean() ? j[key].get<bool>() : dflt;
}

// A token given as "text" or {"content": "text"}; "" when absent.
std::string tokenText(const json &j) {
  if (j.is_string())
    return j.get<std::string>();
  if (j.is_object() && j.contains("content") && j["content"].is_string())
    return j["content"].get<std::string>();
  return "";
}

struct Importer {
  HfTokenizer &out;
  plan::Tokenizer &spec;
  std::unordered_map<std::string, int32_t> ids; // every token text -> id

  Status fail(const std::string &msg) { return Status::error(msg); }

  Status model(const json &m) {
    if (typeOf(m) != "BPE")
      return fail("model type '" + typeOf(m) + "' is not supported (only BPE)");
    if (m.contains("dropout") && !m["dropout"].is_null() &&
        m["dropout"].get<double>() != 0.0)
      return fail("model.dropout (BPE dropout) is not supported");
    for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
      if (m.contains(key) && m[key].is_string() &&
          !m[key].get<std::string>().empty())
        return fail(std::string("model.") + key + " is not supported");
    if (flag(m, "byte_fallback", false))
      return fail("model.byte_fallback is not supported with byte-level BPE");
    if (!m.contains("vocab") || !m["vocab"].is_object())
      return fail("model.vocab is missing");
    std::map<int32_t, std::string> byId;
    for (auto it = m["vocab"].begin(); it != m["vocab"].end(); ++it) {
      if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
          it.value().get<int64_t>() > (1 << 30))
        return fail("model.vocab['" + it.key() + "'] is not a token id");
      int32_t id = it.value().get<int32_t>();
      if (!byId.emplace(id, it.key()).second)
        return fail("model.vocab gives id " + std::to_string(id) + " twice");
      ids[it.key()] = id;
    }
    int32_t n = byId.empty() ? 0 : byId.rbegin()->first + 1;
    for (int32_t i = 0; i < n; ++i) {
      plan::Tokenizer::Piece *p = spec.add_pieces();
      auto it = byId.find(i);
      if (it == byId.end()) {
        p->set_type(plan::Tokenizer::UNUSED);
      } else {
        p->set_piece(it->second);
        p->set_type(plan::Tokenizer::NORMAL);
      }
    }
    spec.set_ignore_merges(flag(m, "ignore_merges", false));
    if (m.contains("merges")) {
      for (const json &mg : m["merges"]) {
        std::string a, b;
        if (mg.is_string()) {
          std::string s = mg.get<std::string>();
          size_t sp = s.find(' ');
          if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
            return fail("model.merges entry '" + s + "' is not 'a b'");
          a = s.substr(0, sp);
          b = s.substr(sp + 1);
        } else if (mg.is_array() && mg.size() == 2 && mg[0].is_string() &&
                   mg[1].is_string()) {
          a = mg[0].get<std::string>();
          b = mg[1].get<std::string>();
        } else {
          return fail("model.merges entry " + mg.dump() + " is not 'a b' or [a, b]");
        }
        auto ia = ids.find(a), ib = ids.find(b), ic = ids.find(a + b);
        if (ia == ids.end() || ib == ids.end() || ic == ids.end())
          return fail("model.merges entry '" + a + " " + b +
                      "' names a token not in model.vocab");
        plan::Tokenizer::Merge *merge = spec.add_merges();
        merge->set_left(ia->second);
        merge->set_right(ib->second);
      }
    }
    spec.set_unk_id(-1);
    if (m.contains("unk_token") && m["unk_token"].is_string()) {
      auto it = ids.find(m["unk_token"].get<std::string>());
      if (it == ids.end())
        return fail("model.unk_token '" + m["unk_token"].get<std::string>() +
                    "' is not in model.vocab");
      spec.set_unk_id(it->second);
    }
    return Status::success();
  }

  Status splitRegex(const json &split) {
    if (!split.contains("pattern") || !split["pattern"].is_object() ||
        !split["pattern"].contains("Regex"))
      return fail("pre_tokenizer Split with a string pattern is not supported "
                  "(only the known regexes)");
    std::string rx = split["pattern"]["Regex"].get<std::string>();
    std::string behavior = split.value("behavior", std::string("?"));
    if (behavior != "Isolated" || flag(split, "invert", false))
      return fail("pre_tokenizer Split behavior '" + behavior +
                  "' (invert " + (flag(split, "invert", false) ? "true" : "false") +
                  ") is not supported (only Isolated)");
    if (rx == kByteLevelRegex)
      spec.set_split_regex(plan::Tokenizer::SPLIT_BYTE_LEVEL_DEFAULT);
    else if (rx == kLetterRunsDigits3Regex)
      spec.set_split_regex(plan::Tokenizer::SPLIT_LETTER_RUNS_DIGITS_3);
    else if (rx == kLetterRunsDigits1Regex)
      spec.set_split_regex(plan::Tokenizer::SPLIT_LETTER_RUNS_DIGITS_1);
    else
      return fail("pre_tokenizer Split regex '" + rx +
                  "' is not one the runtime implements (docs/tokenizer.md)");
    spec.set_split_regex_source(rx);
    return Status::success();
  }

  // ByteLevel, or Sequence[Split(regex), ByteLevel(use_regex=false)].
  Status preTokenizer(const json &p) {
    std::vector<json> steps;
    if (typeOf(p) == "Sequence")
      steps.assign(p["pretokenizers"].begin(), p["pretokenizers"].end());
    else
      steps.push_back(p);
    bool byteLevel = false;
    for (const json &s : steps) {
      std::string t = typeOf(s);
      if (t == "Split" && !byteLevel &&
          spec.split_regex() == plan::Tokenizer::SPLIT_NONE) {
        LLMC_RETURN_IF_ERROR(splitRegex(s));
      } else if (t == "ByteLevel" && !byteLevel) {
        byteLevel = true;
        spec.set_add_prefix_space(flag(s, "add_prefix_space", true));
        if (flag(s, "use_regex", true)) {
          if (spec.split_regex() != plan::Tokenizer::SPLIT_NONE)
            return fail("pre_tokenizer ByteLevel use_regex after a Split is "
                        "not supported");
          spec.set_split_regex(plan::Tokenizer::SPLIT_BYTE_LEVEL_DEFAULT);
          spec.set_split_regex_source(kByteLevelRegex);
        }
      } else {
        return fail("pre_tokenizer '" + t +
                    "' is not supported here (only ByteLevel, optionally "
                    "after one Split regex)");
      }
    }
    if (!byteLevel)
      return fail("pre_tokenizer has no ByteLevel step: only byte-level BPE "
                  "tokenizer.json files are supported");
    return Status::success();
  }

  Status normalizer(const json &n) {
    if (n.is_null())
      return Status::success();
    std::string t = typeOf(n);
    if (t == "NFC") {
      spec.set_normalization(plan::Tokenizer::NFC);
      return Status::success();
    }
    if (t == "Sequence" && n.contains("normalizers") &&
        n["normalizers"].empty())
      return Status::success();
    return fail("normalizer '" + t + "' is not supported (only NFC)");
  }

  // The ids a template item or special token name stands for.
  Status templateIds(const json &processor, const json &item,
                     std::vector<int32_t> &out) {
    std::string name = item["SpecialToken"].value("id", std::string());
    const json &st = processor.value("special_tokens", json::object());
    if (st.contains(name) && st[name].contains("ids")) {
      for (const json &id : st[name]["ids"])
        out.push_back(id.get<int32_t>());
      return Status::success();
    }
    auto it = ids.find(name);
    if (it == ids.end())
      return fail("post_processor special token '" + name + "' is unknown");
    out.push_back(it->second);
    return Status::success();
  }

  Status postProcessor(const json &p) {
    if (p.is_null())
      return Status::success();
    std::string t = typeOf(p);
    if (t == "ByteLevel")
      return Status::success(); // offsets only
    if (t == "Sequence") {
      for (const json &q : p["processors"])
        LLMC_RETURN_IF_ERROR(postProcessor(q));
      return Status::success();
    }
    if (t != "TemplateProcessing")
      return fail("post_processor '" + t + "' is not supported (only "
                  "TemplateProcessing and ByteLevel)");
    std::vector<int32_t> prefix, suffix;
    bool seen = false;
    for (const json &item : p["single"]) {
      if (item.contains("Sequence")) {
        if (seen || item["Sequence"].value("id", std::string()) != "A")
          return fail("post_processor template '" + p["single"].dump() +
                      "' is not supported (one sequence A)");
        seen = true;
      } else if (item.contains("SpecialToken")) {
        LLMC_RETURN_IF_ERROR(templateIds(p, item, seen ? suffix : prefix));
      } else {
        return fail("post_processor template item " + item.dump() +
                    " is not supported");
      }
    }
    for (int32_t id : prefix)
      spec.add_prefix_ids(id);
    for (int32_t id : suffix)
      spec.add_suffix_ids(id);
    return Status::success();
  }

  Status addedTokens(const json &list) {
    for (const json &a : list) {
      std::string content = a.value("content", std::string());
      int64_t id = a.value("id", int64_t(-1));
      if (content.empty() || id < 0 || id > (1 << 30))
        return fail("added token " + a.dump() + " has no content or id");
      while (spec.pieces_size() <= id)
        spec.add_pieces()->set_type(plan::Tokenizer::UNUSED);
      bool special = flag(a, "special", false);
      plan::Tokenizer::Piece *p = spec.mutable_pieces(static_cast<int>(id));
      p->set_piece(content);
      p->set_type(special ? plan::Tokenizer::CONTROL
                          : plan::Tokenizer::USER_DEFINED);
      plan::Tokenizer::AddedToken *t = spec.add_added_tokens();
      t->set_id(static_cast<int32_t>(id));
      t->set_content(content);
      t->set_special(special);
      t->set_lstrip(flag(a, "lstrip", false));
      t->set_rstrip(flag(a, "rstrip", false));
      t->set_single_word(flag(a, "single_word", false));
      t->set_normalized(flag(a, "normalized", !special));
      ids[content] = static_cast<int32_t>(id);
    }
    return Status::success();
  }

  Status decoder(const json &d) {
    if (d.is_null() || typeOf(d) == "ByteLevel")
      return Status::success();
    return fail("decoder '" + typeOf(d) + "' is not supported (only ByteLevel)");
  }

  // tokenizer_config.json: eos/bos/pad tokens, the chat template and the
  // clean-up flag.
  Status config(const json &c) {
    auto idOf = [&](const char *key, int32_t &id) -> Status {
      id = -1;
      if (!c.contains(key) || c[key].is_null())
        return Status::success();
      std::string text = tokenText(c[key]);
      auto it = ids.find(text);
      if (it == ids.end())
        return fail(std::string("tokenizer_config.json: ") + key + " '" +
                    text + "' is not a token of tokenizer.json");
      id = it->second;
      return Status::success();
    };
    int32_t eos, bos, pad;
    LLMC_RETURN_IF_ERROR(idOf("eos_token", eos));
    LLMC_RETURN_IF_ERROR(idOf("bos_token", bos));
    LLMC_RETURN_IF_ERROR(idOf("pad_token", pad));
    spec.set_eos_id(eos);
    if (bos >= 0)
      spec.set_bos_id(bos);
    spec.set_pad_id(pad);
    if (eos >= 0)
      out.eosIds.push_back(eos);
    spec.set_clean_up_tokenization_spaces(
        flag(c, "clean_up_tokenization_spaces", false));
    if (c.contains("chat_template")) {
      const json &t = c["chat_template"];
      if (t.is_string()) {
        out.chatTemplate = t.get<std::string>();
      } else if (t.is_array()) {
        for (const json &named : t)
          if (named.value("name", std::string()) == "default")
            out.chatTemplate = named.value("template", std::string());
        if (out.chatTemplate.empty())
          out.warnings.push_back("tokenizer_config.json: chat_template has no "
                                 "template named 'default'; none is stored");
      }
    }
    return Status::success();
  }

  Status generationConfig(const json &g) {
    if (!g.contains("eos_token_id") || g["eos_token_id"].is_null())
      return Status::success();
    std::vector<int32_t> list;
    const json &e = g["eos_token_id"];
    if (e.is_number_integer())
      list.push_back(e.get<int32_t>());
    else if (e.is_array())
      for (const json &x : e)
        list.push_back(x.get<int32_t>());
    else
      return fail("generation_config.json: eos_token_id " + e.dump() +
                  " is not an id or a list of ids");
    for (int32_t id : list) {
      if (id < 0 || id >= spec.pieces_size())
        return fail("generation_config.json: eos_token_id " +
                    std::to_string(id) + " is outside the vocabulary");
      if (std::find(out.eosIds.begin(), out.eosIds.end(), id) == out.eosIds.end())
        out.eosIds.push_back(id);
    }
    if (spec.eos_id() < 0 && !out.eosIds.empty())
      spec.set_eos_id(out.eosIds.front());
    return Status::success();
  }
};

Status parseJson(const std::string &text, const char *what, json &out) {
  out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded() || !out.is_object())
    return Status::error(std::string(what) + " is not a JSON object");
  return Status::success();
}

} // namespace

Status importHfTokenizer(const std::string &tokenizerJson,
                         const std::string &config,
                         const std::string &generationConfig,
                         HfTokenizer &out) {
  out = HfTokenizer();
  plan::Tokenizer &spec = out.spec;
  spec.set_source("tokenizer.json");
  spec.set_model_type(plan::Tokenizer::BYTE_LEVEL_BPE);
  spec.set_unk_id(-1);
  spec.set_bos_id(-1);
  spec.set_eos_id(-1);
  spec.set_pad_id(-1);
  Importer im{out, spec, {}};
  json t, c, g;
  LLMC_RETURN_IF_ERROR(parseJson(tokenizerJson, "tokenizer.json", t));
  try {
    if (!t.contains("model"))
      return Status::error("tokenizer.json has no model");
    LLMC_RETURN_IF_ERROR(im.model(t["model"]));
    LLMC_RETURN_IF_ERROR(im.addedTokens(t.value("added_tokens", json::array())));
    LLMC_RETURN_IF_ERROR(im.normalizer(t.value("normalizer", json())));
    LLMC_RETURN_IF_ERROR(im.preTokenizer(t.value("pre_tokenizer", json())));
    LLMC_RETURN_IF_ERROR(im.postProcessor(t.value("post_processor", json())));
    LLMC_RETURN_IF_ERROR(im.decoder(t.value("decoder", json())));
    if (!spec.prefix_ids().empty())
      spec.set_bos_id(spec.prefix_ids(0));
    if (!config.empty()) {
      LLMC_RETURN_IF_ERROR(parseJson(config, "tokenizer_config.json", c));
      LLMC_RETURN_IF_ERROR(im.config(c));
    }
    if (!generationConfig.empty()) {
      LLMC_RETURN_IF_ERROR(
          parseJson(generationConfig, "generation_config.json", g));
      LLMC_RETURN_IF_ERROR(im.generationConfig(g));
    }
  } catch (const json::exception &e) {
    // A field of an unexpected JSON type.
    return Status::error(std::string("tokenizer.json: unexpected JSON: ") +
                         e.what());
  }
  if (spec.pieces_size() == 0)
    return Status::error("tokenizer.json has an empty vocabulary");
  return Status::success();
}

Status readHfTokenizer(const std::string &path, HfTokenizer &out) {
  auto read = [](const std::filesystem::path &p, std::string &text) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
      return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    return true;
  };
  std::string tokenizer, config, generation;
  if (!read(path, tokenizer))
    return Status::error(path + ": cannot read the file");
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  read(dir / "tokenizer_config.json", config);
  read(dir / "generation_config.json", generation);
  Status st = importHfTokenizer(tokenizer, config, generation, out);
  if (!st.ok())
    return Status::error(path + ": " + st.message);
  return Status::success();
}

} // namespace llmc::runtime::text
