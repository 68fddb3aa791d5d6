// SentencePiece-compatible normalization, BPE encoding and decoding over the
// plan's tokenizer message (docs/tokenizer.md); byte-level BPE plans are
// handed to ByteLevelBpe.
#include "llmc/runtime/text/Tokenizer.h"

#include "ByteLevelBpe.h"
#include "Utf8.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <queue>

namespace llmc::runtime::text {

using PieceType = plan::Tokenizer::PieceType;

namespace {

const char *modelTypeName(plan::Tokenizer::ModelType t) {
  switch (t) {
  case plan::Tokenizer::BPE:
    return "BPE";
  case plan::Tokenizer::UNIGRAM:
    return "unigram";
  case plan::Tokenizer::WORD:
    return "word";
  case plan::Tokenizer::CHAR:
    return "char";
  case plan::Tokenizer::BYTE_LEVEL_BPE:
    return "byte-level BPE";
  default:
    return "unspecified";
  }
}

// "<0xAB>" -> 0xAB; -1 if `piece` is not of that form.
int parseBytePiece(const std::string &piece) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>')
    return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    char c = piece[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

bool startsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

} // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

// The piece tables of a byte-level plan, for idToPiece/pieceToId; the
// encoder and decoder are ByteLevelBpe's.
static Status createByteLevel(plan::Tokenizer &spec,
                              std::unique_ptr<ByteLevelBpe> &impl,
                              std::vector<std::string> &pieces,
                              std::vector<PieceType> &types,
                              std::unordered_map<std::string, TokenId> &ids) {
  LLMC_RETURN_IF_ERROR(ByteLevelBpe::create(spec, impl));
  const int n = spec.pieces_size();
  for (int i = 0; i < n; ++i) {
    const plan::Tokenizer::Piece &p = spec.pieces(i);
    if (p.type() != plan::Tokenizer::NORMAL &&
        p.type() != plan::Tokenizer::CONTROL &&
        p.type() != plan::Tokenizer::USER_DEFINED &&
        p.type() != plan::Tokenizer::UNUSED)
      return Status::error("tokenizer piece " + std::to_string(i) +
                           " has type " + std::to_string(static_cast<int>(p.type())) +
                           ", invalid in a byte-level BPE tokenizer");
    if (!isValidUtf8(p.piece()))
      return Status::error("tokenizer piece " + std::to_string(i) +
                           " is not valid UTF-8");
    if (!p.piece().empty())
      ids.emplace(p.piece(), i);
    pieces.push_back(p.piece());
    types.push_back(p.type());
  }
  return Status::success();
}

Status Tokenizer::create(plan::Tokenizer spec, std::unique_ptr<Tokenizer> &out) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  const int n = spec.pieces_size();
  if (n == 0)
    return Status::error("tokenizer has no pieces");
  if (spec.model_type() == plan::Tokenizer::MODEL_TYPE_UNSPECIFIED)
    return Status::error("tokenizer has no model type");
  if (spec.model_type() == plan::Tokenizer::BYTE_LEVEL_BPE) {
    LLMC_RETURN_IF_ERROR(createByteLevel(spec, t->byteLevel_, t->pieces_,
                                         t->types_, t->mergeable_));
    t->byteOf_.assign(n, -1);
    t->byteId_.fill(-1);
    for (auto [id, what] : {std::pair{spec.unk_id(), "unk_id"},
                            {spec.bos_id(), "bos_id"},
                            {spec.eos_id(), "eos_id"},
                            {spec.pad_id(), "pad_id"}})
      if (id < -1 || id >= n)
        return Status::error(std::string("tokenizer ") + what + " " +
                             std::to_string(id) +
                             " is outside the vocabulary (" +
                             std::to_string(n) + " pieces)");
    t->spec_ = std::move(spec);
    out = std::move(t);
    return Status::success();
  }
  t->pieces_.reserve(n);
  t->scores_.reserve(n);
  t->types_.reserve(n);
  t->byteOf_.assign(n, -1);
  t->byteId_.fill(-1);
  for (int i = 0; i < n; ++i) {
    const plan::Tokenizer::Piece &p = spec.pieces(i);
    std::string where = "tokenizer piece " + std::to_string(i);
    if (p.piece().empty())
      return Status::error(where + " is empty");
    if (!isValidUtf8(p.piece()))
      return Status::error(where + " is not valid UTF-8");
    PieceType type = p.type();
    bool mergeable = type == plan::Tokenizer::NORMAL ||
                     type == plan::Tokenizer::USER_DEFINED ||
                     type == plan::Tokenizer::UNUSED;
    if (!mergeable && type != plan::Tokenizer::UNKNOWN &&
        type != plan::Tokenizer::CONTROL && type != plan::Tokenizer::BYTE)
      return Status::error(where + " has an invalid type " +
                           std::to_string(static_cast<int>(type)));
    auto &map = mergeable ? t->mergeable_ : t->reserved_;
    if (!map.emplace(p.piece(), i).second)
      return Status::error(where + " ('" + p.piece() + "') is defined twice");
    if (type == plan::Tokenizer::BYTE) {
      int b = parseBytePiece(p.piece());
      if (b < 0)
        return Status::error(where + " ('" + p.piece() +
                             "') is a byte piece but not of the form <0xAB>");
      t->byteOf_[i] = static_cast<int16_t>(b);
      t->byteId_[b] = i;
    }
    if (type == plan::Tokenizer::USER_DEFINED) {
      t->userDefined_.push_back(p.piece());
      t->maxUserDefinedLength_ =
          std::max(t->maxUserDefinedLength_, p.piece().size());
    }
    t->pieces_.push_back(p.piece());
    t->scores_.push_back(p.score());
    t->types_.push_back(type);
  }
  auto checkId = [&](int32_t id, const char *what) -> Status {
    if (id < -1 || id >= n)
      return Status::error(std::string("tokenizer ") + what + " " +
                           std::to_string(id) + " is outside the vocabulary (" +
                           std::to_string(n) + " pieces)");
    return Status::success();
  };
  LLMC_RETURN_IF_ERROR(checkId(spec.unk_id(), "unk_id"));
  LLMC_RETURN_IF_ERROR(checkId(spec.bos_id(), "bos_id"));
  LLMC_RETURN_IF_ERROR(checkId(spec.eos_id(), "eos_id"));
  LLMC_RETURN_IF_ERROR(checkId(spec.pad_id(), "pad_id"));
  if (spec.unk_id() < 0 || t->types_[spec.unk_id()] != plan::Tokenizer::UNKNOWN)
    return Status::error("tokenizer unk_id " + std::to_string(spec.unk_id()) +
                         " is not an UNKNOWN piece");
  if (spec.add_bos() && spec.bos_id() < 0)
    return Status::error("tokenizer add_bos is set but it has no bos_id");
  if (spec.add_eos() && spec.eos_id() < 0)
    return Status::error("tokenizer add_eos is set but it has no eos_id");
  std::sort(t->userDefined_.begin(), t->userDefined_.end(),
            [](const std::string &a, const std::string &b) {
              return a.size() > b.size();
            });
  t->space_ = spec.escape_whitespaces() ? kSpaceSymbol : " ";
  t->spec_ = std::move(spec);
  out = std::move(t);
  return Status::success();
}

Status Tokenizer::fromBytes(const void *data, size_t size,
                            std::unique_ptr<Tokenizer> &out) {
  plan::Tokenizer spec;
  if (!spec.ParseFromArray(data, static_cast<int>(size)))
    return Status::error("the tokenizer section does not parse");
  return create(std::move(spec), out);
}

bool Tokenizer::planHasTokenizer(const PlanFile &plan) {
  PlanFile::Bytes b;
  return plan.section(kTokenizerSectionName, b);
}

Status Tokenizer::fromPlan(const PlanFile &plan,
                           std::unique_ptr<Tokenizer> &out) {
  PlanFile::Bytes b;
  if (!plan.section(kTokenizerSectionName, b))
    return Status::error(plan.path() +
                         ": the plan has no tokenizer (compile it with "
                         "`llmc compile --tokenizer tokenizer.model`)");
  Status st = fromBytes(b.data, b.size, out);
  if (!st.ok())
    return Status::error(plan.path() + ": " + st.message);
  return Status::success();
}

bool Tokenizer::canEncode() const {
  return spec_.model_type() == plan::Tokenizer::BPE || byteLevel_;
}

PieceType Tokenizer::typeOf(TokenId id) const {
  if (id < 0 || id >= vocabSize())
    return plan::Tokenizer::PIECE_TYPE_UNSPECIFIED;
  return types_[id];
}

int Tokenizer::byteValue(TokenId id) const {
  return id < 0 || id >= vocabSize() ? -1 : byteOf_[id];
}

std::string Tokenizer::idToPiece(TokenId id) const {
  return id < 0 || id >= vocabSize() ? std::string() : pieces_[id];
}

TokenId Tokenizer::pieceToId(std::string_view piece) const {
  std::string key(piece);
  auto it = reserved_.find(key);
  if (it != reserved_.end())
    return it->second;
  it = mergeable_.find(key);
  return it != mergeable_.end() ? it->second : -1;
}

// --- normalization ------------------------------------------------------------

std::string Tokenizer::normalize(std::string_view text) const {
  // One "character" at a time: a user-defined piece, a valid UTF-8
  // character, or one malformed byte (which becomes U+FFFD).
  auto nextChar = [&](size_t i, std::string_view &ch) -> size_t {
    std::string_view rest = text.substr(i);
    for (const std::string &u : userDefined_)
      if (startsWith(rest, u)) {
        ch = rest.substr(0, u.size());
        return u.size();
      }
    bool valid = false;
    size_t n = decodeUtf8(rest.data(), rest.size(), valid);
    ch = valid ? rest.substr(0, n) : std::string_view(kReplacementChar);
    return n;
  };
  const bool removeExtra = spec_.remove_extra_whitespaces();
  const bool dummy = spec_.add_dummy_prefix();
  const bool suffix = spec_.treat_whitespace_as_suffix();
  size_t i = 0;
  std::string_view ch;
  if (removeExtra)
    while (i < text.size()) {
      size_t n = nextChar(i, ch);
      if (ch != " ")
        break;
      i += n;
    }
  std::string out;
  if (i == text.size())
    return out;
  if (dummy && !suffix)
    out += space_;
  bool prevSpace = removeExtra;
  while (i < text.size()) {
    i += nextChar(i, ch);
    if (prevSpace)
      while (!ch.empty() && ch.front() == ' ')
        ch.remove_prefix(1);
    if (!ch.empty()) {
      for (char c : ch) {
        if (c == ' ' && spec_.escape_whitespaces())
          out += kSpaceSymbol;
        else
          out += c;
      }
      prevSpace = ch.back() == ' ';
    }
    if (!removeExtra)
      prevSpace = false;
  }
  if (removeExtra)
    while (out.size() >= space_.size() &&
           out.compare(out.size() - space_.size(), space_.size(), space_) == 0)
      out.resize(out.size() - space_.size());
  if (dummy && suffix)
    out += space_;
  return out;
}

// --- BPE ------------------------------------------------------------------------

void Tokenizer::bpeSplit(std::string_view text,
                         std::vector<std::string_view> &out) const {
  struct Symbol {
    int prev, next;
    bool frozen; // a user-defined piece: never merged
    std::string_view piece;
  };
  struct Pair {
    int left, right;
    float score;
    size_t size;
  };
  // Highest score first; among equal scores the leftmost pair.
  auto lower = [](const Pair &a, const Pair &b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::priority_queue<Pair, std::vector<Pair>, decltype(lower)> agenda(lower);
  std::vector<Symbol> symbols;
  // Merges that produced UNUSED pieces, to split them again at the end.
  std::unordered_map<std::string_view, std::pair<std::string_view,
                                                 std::string_view>> unusedSplit;

  static constexpr unsigned char kCharLen[16] = {1, 1, 1, 1, 1, 1, 1, 1,
                                                  1, 1, 1, 1, 2, 2, 3, 4};
  for (size_t i = 0; i < text.size();) {
    std::string_view rest = text.substr(i);
    size_t n = 0;
    bool frozen = false;
    for (const std::string &u : userDefined_)
      if (startsWith(rest, u)) {
        n = u.size();
        frozen = true;
        break;
      }
    if (!frozen)
      n = std::min<size_t>(rest.size(),
                           kCharLen[static_cast<unsigned char>(rest[0]) >> 4]);
    int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, i + n < text.size() ? index + 1 : -1, frozen,
                       rest.substr(0, n)});
    i += n;
  }

  auto addPair = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen)
      return;
    std::string_view merged(symbols[left].piece.data(),
                            symbols[left].piece.size() +
                                symbols[right].piece.size());
    auto it = mergeable_.find(std::string(merged));
    if (it == mergeable_.end())
      return;
    agenda.push({left, right, scores_[it->second], merged.size()});
    if (types_[it->second] == plan::Tokenizer::UNUSED)
      unusedSplit[merged] = {symbols[left].piece, symbols[right].piece};
  };
  for (size_t i = 1; i < symbols.size(); ++i)
    addPair(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!agenda.empty()) {
    Pair top = agenda.top();
    agenda.pop();
    Symbol &l = symbols[top.left];
    Symbol &r = symbols[top.right];
    // Stale: one side was merged away or has grown since.
    if (l.piece.empty() || r.piece.empty() ||
        l.piece.size() + r.piece.size() != top.size)
      continue;
    l.piece = std::string_view(l.piece.data(), top.size);
    l.next = r.next;
    if (r.next >= 0)
      symbols[r.next].prev = top.left;
    r.piece = std::string_view();
    addPair(l.prev, top.left);
    addPair(top.left, l.next);
  }

  // An UNUSED piece is replaced by the two pieces it was merged from.
  std::vector<std::string_view> stack;
  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    stack.assign(1, symbols[i].piece);
    while (!stack.empty()) {
      std::string_view w = stack.back();
      stack.pop_back();
      auto m = mergeable_.find(std::string(w));
      auto split = unusedSplit.find(w);
      if (m == mergeable_.end() || types_[m->second] != plan::Tokenizer::UNUSED ||
          split == unusedSplit.end()) {
        out.push_back(w);
        continue;
      }
      stack.push_back(split->second.second);
      stack.push_back(split->second.first);
    }
  }
}

void Tokenizer::appendIds(std::string_view piece,
                          std::vector<TokenId> &ids) const {
  TokenId id = pieceToId(piece);
  if (id < 0)
    id = spec_.unk_id();
  if (id == spec_.unk_id() && spec_.byte_fallback()) {
    for (char c : piece) {
      TokenId b = byteId_[static_cast<unsigned char>(c)];
      ids.push_back(b >= 0 ? b : spec_.unk_id());
    }
    return;
  }
  ids.push_back(id);
}

Status Tokenizer::encodeToPieces(std::string_view text,
                                 std::vector<std::string> &pieces) const {
  pieces.clear();
  std::vector<TokenId> ids;
  if (!canEncode())
    return Status::error(std::string("encoding text with a ") +
                         modelTypeName(spec_.model_type()) +
                         " tokenizer is not supported yet (only BPE)");
  if (byteLevel_) {
    byteLevel_->encode(text, /*addSpecialTokens=*/false, ids);
    for (TokenId id : ids)
      pieces.push_back(pieces_[id]);
    return Status::success();
  }
  std::string normalized = normalize(text);
  std::vector<std::string_view> split;
  bpeSplit(normalized, split);
  for (std::string_view w : split) {
    ids.clear();
    appendIds(w, ids);
    for (TokenId id : ids)
      pieces.push_back(pieces_[id]);
  }
  return Status::success();
}

Status Tokenizer::encode(std::string_view text,
                         std::vector<TokenId> &ids) const {
  return encode(text, ids, /*addSpecialTokens=*/true);
}

Status Tokenizer::encode(std::string_view text, std::vector<TokenId> &ids,
                         bool addSpecialTokens) const {
  ids.clear();
  if (!canEncode())
    return Status::error(std::string("encoding text with a ") +
                         modelTypeName(spec_.model_type()) +
                         " tokenizer is not supported yet (only BPE)");
  if (byteLevel_) {
    byteLevel_->encode(text, addSpecialTokens, ids);
    return Status::success();
  }
  if (addSpecialTokens && spec_.add_bos())
    ids.push_back(spec_.bos_id());
  std::string normalized = normalize(text);
  std::vector<std::string_view> split;
  bpeSplit(normalized, split);
  for (std::string_view w : split)
    appendIds(w, ids);
  if (addSpecialTokens && spec_.add_eos())
    ids.push_back(spec_.eos_id());
  return Status::success();
}

// --- decoding ---------------------------------------------------------------------

std::string Tokenizer::pieceSurface(TokenId id, bool first) const {
  if (byteLevel_) // its bytes; possibly part of a character
    return byteLevel_->tokenBytes(id);
  PieceType type = typeOf(id);
  if (type == plan::Tokenizer::PIECE_TYPE_UNSPECIFIED ||
      type == plan::Tokenizer::CONTROL)
    return "";
  if (type == plan::Tokenizer::UNKNOWN)
    return spec_.unk_surface();
  std::string_view piece = pieces_[id];
  if (first && (spec_.add_dummy_prefix() || spec_.remove_extra_whitespaces()) &&
      startsWith(piece, kSpaceSymbol))
    piece.remove_prefix(std::strlen(kSpaceSymbol));
  std::string out;
  out.reserve(piece.size());
  const size_t sl = std::strlen(kSpaceSymbol);
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, sl, kSpaceSymbol) == 0) {
      out += ' ';
      i += sl;
    } else {
      out += piece[i++];
    }
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<TokenId> &ids) const {
  if (byteLevel_)
    return byteLevel_->decode(ids);
  std::string text, bytes;
  for (TokenId id : ids) {
    int b = byteValue(id);
    if (b >= 0) {
      bytes += static_cast<char>(b);
      continue;
    }
    appendValidUtf8(bytes.data(), bytes.size(), text);
    bytes.clear();
    text += pieceSurface(id, text.empty());
  }
  appendValidUtf8(bytes.data(), bytes.size(), text);
  return text;
}

} // namespace llmc::runtime::text
