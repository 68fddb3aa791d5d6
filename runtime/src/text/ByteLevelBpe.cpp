// Byte-level BPE encoding and decoding (ByteLevelBpe.h; docs/tokenizer.md).
#include "ByteLevelBpe.h"

#include "PreTokenizer.h"
#include "Unicode.h"
#include "Utf8.h"

#include <algorithm>
#include <cstring>
#include <queue>

namespace llmc::runtime::text {

namespace {

// Byte-level BPE's bytes_to_unicode table: printable Latin-1 bytes stand
// for themselves, the others for U+0100 onwards, in byte order.
std::array<uint32_t, 256> byteToCodepoint() {
  std::array<uint32_t, 256> map{};
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                     (b >= 0xAE && b <= 0xFF);
    map[b] = printable ? b : next++;
  }
  return map;
}

// The start of the UTF-8 character that ends at `end`.
size_t previousCharStart(std::string_view text, size_t end) {
  size_t i = end - 1;
  while (i > 0 && end - i < 4 && isTrailByte(static_cast<unsigned char>(text[i])))
    --i;
  return i;
}

bool whiteSpaceAt(std::string_view text, size_t start, size_t &len) {
  std::vector<uint32_t> cps;
  std::vector<size_t> offsets;
  bool valid = false;
  len = decodeUtf8(text.data() + start, text.size() - start, valid);
  if (!valid)
    return false;
  toCodepoints(text.substr(start, len), cps, offsets);
  return !cps.empty() && isWhiteSpace(cps[0]);
}

bool wordCharAt(std::string_view text, size_t start) {
  bool valid = false;
  size_t len = decodeUtf8(text.data() + start, text.size() - start, valid);
  if (!valid)
    return false;
  std::vector<uint32_t> cps;
  std::vector<size_t> offsets;
  toCodepoints(text.substr(start, len), cps, offsets);
  return cps[0] == '_' || isLetter(cps[0]) || isNumber(cps[0]);
}

} // namespace

Status ByteLevelBpe::create(const plan::Tokenizer &spec,
                            std::unique_ptr<ByteLevelBpe> &out) {
  std::unique_ptr<ByteLevelBpe> t(new ByteLevelBpe());
  const int n = spec.pieces_size();
  std::array<uint32_t, 256> map = byteToCodepoint();
  std::unordered_map<uint32_t, int> inverse;
  for (int b = 0; b < 256; ++b) {
    appendUtf8(map[b], t->byteChar_[b]);
    inverse[map[b]] = b;
  }
  t->bytes_.resize(n);
  std::vector<uint32_t> cps;
  std::vector<size_t> offsets;
  for (int i = 0; i < n; ++i) {
    const plan::Tokenizer::Piece &p = spec.pieces(i);
    if (p.type() != plan::Tokenizer::NORMAL)
      continue; // added tokens below; UNUSED ids decode to nothing
    if (p.piece().empty())
      return Status::error("tokenizer piece " + std::to_string(i) + " is empty");
    t->vocab_.emplace(p.piece(), i);
    // A piece decodes to the bytes its characters stand for; one with a
    // character outside the byte map decodes to its own UTF-8 (as in HF).
    toCodepoints(p.piece(), cps, offsets);
    std::string bytes;
    bool mapped = true;
    for (uint32_t cp : cps) {
      auto it = inverse.find(cp);
      if (it == inverse.end()) {
        mapped = false;
        break;
      }
      bytes += static_cast<char>(it->second);
    }
    t->bytes_[i] = mapped ? bytes : p.piece();
  }
  for (int b = 0; b < 256; ++b) {
    auto it = t->vocab_.find(t->byteChar_[b]);
    t->byteId_[b] = it == t->vocab_.end() ? -1 : it->second;
  }
  for (int r = 0; r < spec.merges_size(); ++r) {
    const plan::Tokenizer::Merge &m = spec.merges(r);
    std::string where = "tokenizer merge " + std::to_string(r);
    if (m.left() < 0 || m.left() >= n || m.right() < 0 || m.right() >= n)
      return Status::error(where + " names a piece outside the vocabulary");
    auto it = t->vocab_.find(spec.pieces(m.left()).piece() +
                             spec.pieces(m.right()).piece());
    if (it == t->vocab_.end())
      return Status::error(where + " ('" + spec.pieces(m.left()).piece() +
                           "' + '" + spec.pieces(m.right()).piece() +
                           "') gives a piece not in the vocabulary");
    uint64_t key = static_cast<uint64_t>(m.left()) << 32 |
                   static_cast<uint32_t>(m.right());
    // The first (lowest-ranked) occurrence of a pair counts.
    t->merges_.emplace(key, static_cast<uint64_t>(r) << 32 |
                                static_cast<uint32_t>(it->second));
  }
  for (const plan::Tokenizer::AddedToken &a : spec.added_tokens()) {
    if (a.id() < 0 || a.id() >= n)
      return Status::error("tokenizer added token '" + a.content() +
                           "' has id " + std::to_string(a.id()) +
                           " outside the vocabulary");
    if (a.content().empty())
      return Status::error("tokenizer added token " + std::to_string(a.id()) +
                           " is empty");
    t->bytes_[a.id()] = a.content();
    t->added_.push_back(
        {a.content(), a.id(), a.lstrip(), a.rstrip(), a.single_word()});
  }
  for (size_t i = 0; i < t->added_.size(); ++i)
    t->addedByFirstByte_[static_cast<unsigned char>(t->added_[i].content[0])]
        .push_back(static_cast<int>(i));
  for (auto &bucket : t->addedByFirstByte_)
    std::stable_sort(bucket.begin(), bucket.end(), [&](int a, int b) {
      return t->added_[a].content.size() > t->added_[b].content.size();
    });
  for (int32_t id : spec.prefix_ids())
    if (id < 0 || id >= n)
      return Status::error("tokenizer prefix id " + std::to_string(id) +
                           " is outside the vocabulary");
  for (int32_t id : spec.suffix_ids())
    if (id < 0 || id >= n)
      return Status::error("tokenizer suffix id " + std::to_string(id) +
                           " is outside the vocabulary");
  t->prefix_.assign(spec.prefix_ids().begin(), spec.prefix_ids().end());
  t->suffix_.assign(spec.suffix_ids().begin(), spec.suffix_ids().end());
  t->split_ = spec.split_regex();
  if (!plan::Tokenizer::SplitRegex_IsValid(t->split_))
    return Status::error("tokenizer split regex " +
                         std::to_string(static_cast<int>(t->split_)) +
                         " is unknown");
  if (spec.normalization() != plan::Tokenizer::NORMALIZATION_NONE &&
      spec.normalization() != plan::Tokenizer::NFC)
    return Status::error("tokenizer normalization " +
                         std::to_string(static_cast<int>(spec.normalization())) +
                         " is unknown");
  t->nfc_ = spec.normalization() == plan::Tokenizer::NFC;
  t->ignoreMerges_ = spec.ignore_merges();
  t->addPrefixSpace_ = spec.add_prefix_space();
  t->cleanUp_ = spec.clean_up_tokenization_spaces();
  t->unkId_ = spec.unk_id();
  out = std::move(t);
  return Status::success();
}

const std::string &ByteLevelBpe::tokenBytes(TokenId id) const {
  static const std::string empty;
  return id < 0 || static_cast<size_t>(id) >= bytes_.size() ? empty : bytes_[id];
}

// --- encoding -----------------------------------------------------------------

// Leftmost-longest matches of the added tokens; lstrip/rstrip tokens take
// the white space beside them, single_word tokens need non-word neighbours.
void ByteLevelBpe::splitAddedTokens(std::string_view text,
                                    std::vector<Segment> &segments) const {
  size_t plainStart = 0; // start of the text not yet emitted
  size_t i = 0;
  while (i < text.size()) {
    const Added *hit = nullptr;
    for (int k : addedByFirstByte_[static_cast<unsigned char>(text[i])]) {
      const Added &a = added_[k];
      if (text.compare(i, a.content.size(), a.content) != 0)
        continue;
      if (a.singleWord &&
          ((i > 0 && wordCharAt(text, previousCharStart(text, i))) ||
           (i + a.content.size() < text.size() &&
            wordCharAt(text, i + a.content.size()))))
        continue;
      hit = &a;
      break;
    }
    if (!hit) {
      ++i;
      continue;
    }
    size_t start = i, end = i + hit->content.size(), len = 0;
    if (hit->lstrip)
      while (start > plainStart) {
        size_t p = previousCharStart(text, start);
        if (!whiteSpaceAt(text, p, len) || p + len != start)
          break;
        start = p;
      }
    if (hit->rstrip)
      while (end < text.size() && whiteSpaceAt(text, end, len))
        end += len;
    if (start > plainStart)
      segments.push_back({text.substr(plainStart, start - plainStart), -1});
    segments.push_back({text.substr(start, end - start), hit->id});
    plainStart = i = end;
  }
  if (plainStart < text.size())
    segments.push_back({text.substr(plainStart), -1});
}

void ByteLevelBpe::encodeWord(std::string_view word,
                              std::vector<TokenId> &ids) const {
  if (ignoreMerges_) {
    std::string mapped;
    for (char c : word)
      mapped += byteChar_[static_cast<unsigned char>(c)];
    auto it = vocab_.find(mapped);
    if (it != vocab_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  struct Symbol {
    TokenId id;
    int prev, next;
    bool gone;
  };
  std::vector<Symbol> syms;
  syms.reserve(word.size());
  for (char c : word) {
    TokenId id = byteId_[static_cast<unsigned char>(c)];
    if (id < 0)
      id = unkId_;
    if (id < 0)
      continue; // a byte without a piece and no <unk>: dropped, as in HF
    int k = static_cast<int>(syms.size());
    syms.push_back({id, k - 1, k + 1, false});
  }
  if (syms.empty())
    return;
  syms.back().next = -1;
  struct Candidate {
    uint32_t rank;
    int left;
    TokenId leftId, rightId, result;
  };
  // Lowest rank first; among equal ranks the leftmost.
  auto later = [](const Candidate &a, const Candidate &b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> heap(
      later);
  auto push = [&](int left) {
    if (left < 0 || syms[left].next < 0)
      return;
    TokenId l = syms[left].id, r = syms[syms[left].next].id;
    auto it = merges_.find(static_cast<uint64_t>(l) << 32 |
                           static_cast<uint32_t>(r));
    if (it != merges_.end())
      heap.push({static_cast<uint32_t>(it->second >> 32), left, l, r,
                 static_cast<TokenId>(it->second & 0xFFFFFFFFu)});
  };
  for (int k = 0; k + 1 < static_cast<int>(syms.size()); ++k)
    push(k);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    Symbol &l = syms[c.left];
    // Stale: a side was merged since the candidate was queued.
    if (l.gone || l.id != c.leftId || l.next < 0 ||
        syms[l.next].id != c.rightId)
      continue;
    Symbol &r = syms[l.next];
    l.id = c.result;
    r.gone = true;
    l.next = r.next;
    if (r.next >= 0)
      syms[r.next].prev = c.left;
    push(l.prev);
    push(c.left);
  }
  for (int k = 0; k >= 0; k = syms[k].next)
    ids.push_back(syms[k].id);
}

void ByteLevelBpe::encodeText(std::string_view text,
                              std::vector<TokenId> &ids) const {
  std::string normalized;
  if (nfc_) {
    normalized = toNfc(text);
    text = normalized;
  }
  std::string prefixed;
  if (addPrefixSpace_ && !text.empty() && text[0] != ' ') {
    prefixed = " " + std::string(text);
    text = prefixed;
  }
  std::vector<std::string_view> words;
  splitByRegex(split_, text, words);
  for (std::string_view w : words)
    encodeWord(w, ids);
}

void ByteLevelBpe::encode(std::string_view text, bool addSpecialTokens,
                          std::vector<TokenId> &ids) const {
  ids.clear();
  if (addSpecialTokens)
    ids.insert(ids.end(), prefix_.begin(), prefix_.end());
  std::vector<Segment> segments;
  splitAddedTokens(text, segments);
  for (const Segment &s : segments) {
    if (s.addedId >= 0)
      ids.push_back(s.addedId);
    else
      encodeText(s.text, ids);
  }
  if (addSpecialTokens)
    ids.insert(ids.end(), suffix_.begin(), suffix_.end());
}

// --- decoding -------------------------------------------------------------------

std::string ByteLevelBpe::decode(const std::vector<TokenId> &ids) const {
  std::string bytes;
  for (TokenId id : ids)
    bytes += tokenBytes(id);
  std::string text;
  appendUtf8Lossy(bytes.data(), bytes.size(), text);
  return cleanUp_ ? cleanUpTokenizationSpaces(std::move(text)) : text;
}

std::string cleanUpTokenizationSpaces(std::string text) {
  static const std::pair<const char *, const char *> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},   {" 's", "'s"},
      {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto &[from, to] : kRules) {
    const size_t fl = std::strlen(from), tl = std::strlen(to);
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    for (size_t at; (at = text.find(from, i)) != std::string::npos;
         i = at + fl) {
      out.append(text, i, at - i);
      out.append(to, tl);
    }
    out.append(text, i, std::string::npos);
    text = std::move(out);
  }
  return text;
}

} // namespace llmc::runtime::text
