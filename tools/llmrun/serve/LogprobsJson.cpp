#include "serve/LogprobsJson.h"

#include <cstdio>

namespace llmc::runtime::gen {

using json = nlohmann::json;

namespace {

// What the token stands for, as bytes (part of a character for a byte piece
// or a byte-level token).
std::string rawBytes(const text::Tokenizer &tok, TokenId id) {
  int b = tok.byteValue(id);
  if (b >= 0)
    return std::string(1, static_cast<char>(b));
  if (tok.isControl(id))
    return tok.idToPiece(id);
  return tok.pieceSurface(id, /*first=*/false);
}

} // namespace

std::string tokenString(const text::Tokenizer *tok, TokenId id) {
  if (!tok)
    return "token_id:" + std::to_string(id);
  std::string raw = rawBytes(*tok, id);
  if (text::isValidUtf8(raw))
    return raw;
  std::string out = "bytes:";
  for (unsigned char c : raw) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
    out += buf;
  }
  return out;
}

namespace {

json bytesOf(const text::Tokenizer *tok, TokenId id, const std::string &s) {
  json out = json::array();
  for (unsigned char c : tok ? rawBytes(*tok, id) : s)
    out.push_back(c);
  return out;
}

json chatEntry(const text::Tokenizer *tok, TokenId id, float lp) {
  std::string s = tokenString(tok, id);
  return json{{"token", s}, {"logprob", lp}, {"bytes", bytesOf(tok, id, s)}};
}

} // namespace

json completionLogprobs(const text::Tokenizer *tok,
                        const std::vector<GeneratedToken> &lps,
                        const std::vector<int64_t> &offsets, int32_t top) {
  json tokens = json::array(), values = json::array(), tops = json::array();
  for (const GeneratedToken &g : lps) {
    tokens.push_back(tokenString(tok, g.tokenId));
    values.push_back(g.logprob);
    json d = json::object();
    for (size_t i = 0; i < g.topLogprobs.size() && int32_t(i) < top; ++i)
      d[tokenString(tok, g.topLogprobs[i].tokenId)] = g.topLogprobs[i].logprob;
    d[tokenString(tok, g.tokenId)] = g.logprob;
    tops.push_back(std::move(d));
  }
  return json{{"tokens", std::move(tokens)},
              {"token_logprobs", std::move(values)},
              {"top_logprobs", std::move(tops)},
              {"text_offset", offsets}};
}

json chatLogprobsContent(const text::Tokenizer *tok,
                         const std::vector<GeneratedToken> &lps, int32_t top) {
  json content = json::array();
  for (const GeneratedToken &g : lps) {
    json e = chatEntry(tok, g.tokenId, g.logprob);
    json t = json::array();
    for (size_t i = 0; i < g.topLogprobs.size() && int32_t(i) < top; ++i)
      t.push_back(chatEntry(tok, g.topLogprobs[i].tokenId,
                            g.topLogprobs[i].logprob));
    e["top_logprobs"] = std::move(t);
    content.push_back(std::move(e));
  }
  return content;
}

} // namespace llmc::runtime::gen
