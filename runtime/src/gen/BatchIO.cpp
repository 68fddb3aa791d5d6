// JSONL requests in, JSONL results out. nlohmann::json throws; every
// exception is caught here and turned into a Status naming line and field.
#include "llmc/runtime/gen/BatchIO.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace llmc::runtime::gen {

using nlohmann::json;

namespace {

constexpr const char *kFields[] = {
    "id",          "prompt_ids",         "prompt",           "max_tokens",       "temperature",
    "top_p",       "top_k",              "min_p",            "seed",
    "stop_token_ids", "repetition_penalty", "presence_penalty",
    "frequency_penalty", "logprobs",     "ignore_eos"};

std::string supportedList() {
  std::string s;
  for (const char *f : kFields)
    s += (s.empty() ? "" : ", ") + std::string(f);
  return s;
}

// Reads one field into the request; an empty string means success.
struct FieldReader {
  const json &obj;

  const json *get(const char *name) const {
    auto it = obj.find(name);
    // null means "use the default", as in vLLM's OpenAI-style requests.
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  std::string integer(const char *name, int64_t lo, int64_t hi,
                      int64_t &out) const {
    const json *v = get(name);
    if (!v)
      return "";
    if (!v->is_number_integer())
      return "'" + std::string(name) + "' must be an integer";
    if (v->is_number_unsigned() &&
        v->get<uint64_t>() >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return "'" + std::string(name) + "' must be in [" + std::to_string(lo) +
             ", " + std::to_string(hi) + "], got " + v->dump();
    int64_t x = v->get<int64_t>();
    if (x < lo || x > hi)
      return "'" + std::string(name) + "' must be in [" + std::to_string(lo) +
             ", " + std::to_string(hi) + "], got " + std::to_string(x);
    out = x;
    return "";
  }

  std::string number(const char *name, double lo, double hi, bool loOpen,
                     float &out) const {
    const json *v = get(name);
    if (!v)
      return "";
    if (!v->is_number())
      return "'" + std::string(name) + "' must be a number";
    double x = v->get<double>();
    bool below = loOpen ? !(x > lo) : !(x >= lo);
    if (!std::isfinite(x) || below || x > hi) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "'%s' must be in %c%g, %g], got %g", name,
                    loOpen ? '(' : '[', lo, hi, x);
      return buf;
    }
    out = static_cast<float>(x);
    return "";
  }

  std::string tokenList(const char *name, bool required,
                        std::vector<TokenId> &out) const {
    const json *v = get(name);
    if (!v)
      return required ? "missing required field '" + std::string(name) + "'"
                      : "";
    if (!v->is_array())
      return "'" + std::string(name) + "' must be an array of token ids";
    out.clear();
    for (size_t i = 0; i < v->size(); ++i) {
      const json &t = (*v)[i];
      if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
          (t.is_number_unsigned() &&
           t.get<uint64_t>() > std::numeric_limits<TokenId>::max()) ||
          t.get<int64_t>() > std::numeric_limits<TokenId>::max())
        return "'" + std::string(name) + "'[" + std::to_string(i) +
               "] must be a non-negative 32-bit integer, got " + t.dump();
      out.push_back(static_cast<TokenId>(t.get<int64_t>()));
    }
    return "";
  }
};

std::string parseObject(const json &obj, GenerationRequest &r,
                        std::string &promptText) {
  if (!obj.is_object())
    return "a request must be a JSON object";
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char *f : kFields)
      known |= it.key() == f;
    if (!known)
      return "unknown field '" + it.key() + "' (supported: " +
             supportedList() + ")";
  }
  FieldReader f{obj};
  const json *id = f.get("id");
  if (!id)
    return "missing required field 'id'";
  if (!id->is_string() || id->get<std::string>().empty())
    return "'id' must be a non-empty string";
  r.id = id->get<std::string>();

  std::string e;
  SamplingParams &p = r.params;
  int64_t i64 = 0;
  const int64_t i32max = std::numeric_limits<int32_t>::max();
  promptText.clear();
  if (const json *text = f.get("prompt")) {
    // Text, encoded later with the plan's tokenizer.
    if (f.get("prompt_ids"))
      return "give 'prompt' or 'prompt_ids', not both";
    if (!text->is_string())
      return "'prompt' must be a string";
    promptText = text->get<std::string>();
    if (promptText.empty())
      return "'prompt' must not be empty";
  } else {
    if (!(e = f.tokenList("prompt_ids", true, r.promptIds)).empty())
      return e;
    if (r.promptIds.empty())
      return "'prompt_ids' must not be empty";
  }
  i64 = p.maxTokens;
  if (!(e = f.integer("max_tokens", 1, i32max, i64)).empty())
    return e;
  p.maxTokens = static_cast<int32_t>(i64);
  if (!(e = f.number("temperature", 0, 1e6, false, p.temperature)).empty() ||
      !(e = f.number("top_p", 0, 1, true, p.topP)).empty() ||
      !(e = f.number("min_p", 0, 1, false, p.minP)).empty() ||
      !(e = f.number("repetition_penalty", 0, 1e6, true,
                     p.repetitionPenalty)).empty() ||
      !(e = f.number("presence_penalty", -2, 2, false, p.presencePenalty))
           .empty() ||
      !(e = f.number("frequency_penalty", -2, 2, false, p.frequencyPenalty))
           .empty())
    return e;
  i64 = p.topK;
  if (!(e = f.integer("top_k", -1, i32max, i64)).empty())
    return e;
  p.topK = static_cast<int32_t>(i64);
  if (const json *seed = f.get("seed")) {
    if (!seed->is_number_integer())
      return "'seed' must be an integer";
    p.hasSeed = true;
    p.seed = seed->is_number_unsigned()
                 ? seed->get<uint64_t>()
                 : static_cast<uint64_t>(seed->get<int64_t>());
  }
  if (!(e = f.tokenList("stop_token_ids", false, p.stopTokenIds)).empty())
    return e;
  i64 = p.logprobs;
  if (!(e = f.integer("logprobs", 0, kMaxLogprobs, i64)).empty())
    return e;
  p.logprobs = static_cast<int32_t>(i64);
  if (const json *v = f.get("ignore_eos")) {
    if (!v->is_boolean())
      return "'ignore_eos' must be true or false";
    p.ignoreEos = v->get<bool>();
  }
  return "";
}

// "[json.exception.parse_error.101] parse error at ..." -> "parse error at ...".
std::string jsonMessage(const std::exception &ex) {
  std::string m = ex.what();
  if (!m.empty() && m[0] == '[') {
    size_t close = m.find("] ");
    if (close != std::string::npos)
      m = m.substr(close + 2);
  }
  // The parser sees one line; its "line 1" would contradict our line numbers.
  size_t at = m.find("at line 1, column");
  if (at != std::string::npos)
    m.replace(at, 17, "at column");
  return "invalid JSON: " + m;
}

// Short, exact decimal for a float logprob (not the double's 17 digits).
double roundFloat(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(v));
  return std::strtod(buf, nullptr);
}

} // namespace

Status parseRequestLine(const std::string &line, GenerationRequest &out) {
  std::string text;
  LLMC_RETURN_IF_ERROR(parseRequestLine(line, out, text));
  if (!text.empty())
    return Status::error("a text 'prompt' needs the plan's tokenizer; give "
                         "'prompt_ids'");
  return Status::success();
}

Status parseRequestLine(const std::string &line, GenerationRequest &out,
                        std::string &promptText) {
  try {
    json obj = json::parse(line);
    GenerationRequest r;
    std::string text;
    std::string e = parseObject(obj, r, text);
    if (!e.empty())
      return Status::error(e);
    out = std::move(r);
    promptText = std::move(text);
    return Status::success();
  } catch (const json::exception &ex) {
    return Status::error(jsonMessage(ex));
  }
}

Status parseBatch(std::istream &in, const std::string &name, OnError policy,
                  BatchInput &out) {
  out = BatchInput();
  std::map<std::string, int64_t> seen; // id -> first line
  std::string line;
  for (int64_t no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    GenerationRequest r;
    std::string text;
    Status st = parseRequestLine(line, r, text);
    if (st.ok()) {
      auto [it, fresh] = seen.emplace(r.id, no);
      if (!fresh)
        st = Status::error("duplicate id '" + r.id + "' (first on line " +
                           std::to_string(it->second) + ")");
    }
    if (!st.ok()) {
      out.issues.push_back({no, st.message});
      continue;
    }
    out.requests.push_back(std::move(r));
    out.lines.push_back(no);
    out.promptTexts.push_back(std::move(text));
  }
  if (in.bad())
    return Status::error(name + ": read error");
  if (policy == OnError::Fail && !out.issues.empty())
    return Status::error(name + ": " + std::to_string(out.issues.size()) +
                         " malformed request line" +
                         (out.issues.size() == 1 ? "" : "s"));
  return Status::success();
}

std::string formatResult(const GenerationResult &r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["output_ids"] = r.outputIds;
  j["finish_reason"] = finishReasonName(r.finishReason);
  if (r.finishReason == FinishReason::Error)
    j["error"] = r.error;
  if (!r.logprobs.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const GeneratedToken &t : r.logprobs) {
      nlohmann::ordered_json tok, top = nlohmann::ordered_json::array();
      tok["token_id"] = t.tokenId;
      tok["logprob"] = roundFloat(t.logprob);
      for (const TokenLogprob &c : t.topLogprobs)
        top.push_back({{"token_id", c.tokenId},
                       {"logprob", roundFloat(c.logprob)}});
      tok["top_logprobs"] = std::move(top);
      list.push_back(std::move(tok));
    }
    j["logprobs"] = std::move(list);
  }
  // Invalid UTF-8 in an id cannot occur (the parser rejected it), but
  // replace rather than throw if it ever does.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Status addResultText(const std::string &line, const ResultDecoder &decode,
                     std::string &out) {
  try {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(line), res;
    if (!j.is_object() || !j.contains("output_ids"))
      return Status::error("not a result line");
    std::vector<TokenId> ids = j["output_ids"].get<std::vector<TokenId>>();
    for (auto it = j.begin(); it != j.end(); ++it) {
      res[it.key()] = it.value();
      if (it.key() == "output_ids")
        res["text"] = decode(ids);
    }
    out = res.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
    return Status::success();
  } catch (const std::exception &ex) {
    return Status::error(jsonMessage(ex));
  }
}

Status writeResults(std::ostream &out,
                    const std::vector<GenerationResult> &results) {
  for (const GenerationResult &r : results)
    out << formatResult(r) << '\n';
  out.flush();
  if (!out)
    return Status::error("cannot write results");
  return Status::success();
}

} // namespace llmc::runtime::gen
