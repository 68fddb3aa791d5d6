// The runtime tokenizer: SentencePiece parity on models/kjv/tokenizer.model
// (a fixture made by test/tokenizer/check_sentencepiece.py), streaming
// decoding, hand-built vocabularies for the BPE rules, validation errors and
// the plan section.
#include "TestUtil.h"

#include "llmc/runtime/text/SentencePieceImport.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace llmc::runtime;
using namespace llmc::runtime::text;
using llmc::plan::Tokenizer_Piece;
using PlanTokenizer = llmc::plan::Tokenizer;

namespace {

const std::string kSourceDir = LLMC_SOURCE_DIR;
const std::string kKjvModel = kSourceDir + "/models/kjv/tokenizer.model";
const char *kSp = "\xE2\x96\x81"; // U+2581

std::unique_ptr<Tokenizer> loadKjv() {
  PlanTokenizer spec;
  std::vector<std::string> warnings;
  Status st = readSentencePieceModel(kKjvModel, spec, warnings);
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_TRUE(warnings.empty());
  std::unique_ptr<Tokenizer> tok;
  st = Tokenizer::create(spec, tok);
  EXPECT_TRUE(st.ok()) << st.message;
  return tok;
}

bool validUtf8(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                            : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
      return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    i += n;
  }
  return true;
}

// Streams `ids` and checks each chunk is valid UTF-8; returns the text.
std::string streamAll(const Tokenizer &tok, const std::vector<TokenId> &ids) {
  StreamDecoder d(tok);
  std::string all;
  for (TokenId id : ids) {
    std::string chunk = d.add(id);
    EXPECT_TRUE(validUtf8(chunk)) << "after id " << id;
    all += chunk;
  }
  std::string rest = d.finish();
  EXPECT_TRUE(validUtf8(rest));
  return all + rest;
}

TEST(Tokenizer, KjvImport) {
  std::unique_ptr<Tokenizer> tok = loadKjv();
  ASSERT_TRUE(tok);
  const PlanTokenizer &s = tok->spec();
  EXPECT_EQ(s.model_type(), PlanTokenizer::BPE);
  EXPECT_EQ(tok->vocabSize(), 3000);
  EXPECT_TRUE(s.byte_fallback());
  EXPECT_TRUE(s.add_dummy_prefix());
  EXPECT_TRUE(s.remove_extra_whitespaces());
  EXPECT_TRUE(s.escape_whitespaces());
  EXPECT_EQ(s.normalizer_name(), "identity");
  EXPECT_EQ(tok->unkId(), 0);
  EXPECT_EQ(tok->bosId(), 1);
  EXPECT_EQ(tok->eosId(), 2);
  EXPECT_EQ(tok->padId(), -1);
  EXPECT_EQ(tok->idToPiece(3), "<0x00>");
  EXPECT_EQ(tok->byteValue(3 + 0x41), 0x41);
  EXPECT_TRUE(tok->isControl(2));
  EXPECT_EQ(tok->pieceToId("</s>"), 2);
  EXPECT_EQ(tok->pieceToId("no such piece"), -1);
}

// Every case of the fixture: ids and text equal python sentencepiece's.
TEST(Tokenizer, KjvMatchesSentencePiece) {
  std::unique_ptr<Tokenizer> tok = loadKjv();
  ASSERT_TRUE(tok);
  std::ifstream in(kSourceDir +
                   "/runtime/unittests/text/kjv_tokenizer_cases.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int encodeCases = 0, decodeCases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    nlohmann::json c = nlohmann::json::parse(line);
    if (c.contains("ids")) {
      std::string text = c["text"];
      std::vector<TokenId> ids;
      ASSERT_TRUE(tok->encode(text, ids).ok());
      EXPECT_EQ(ids, c["ids"].get<std::vector<TokenId>>()) << text;
      std::vector<std::string> pieces;
      ASSERT_TRUE(tok->encodeToPieces(text, pieces).ok());
      EXPECT_EQ(pieces, c["pieces"].get<std::vector<std::string>>()) << text;
      EXPECT_EQ(tok->decode(ids), c["decoded"].get<std::string>());
      EXPECT_EQ(streamAll(*tok, ids), c["decoded"].get<std::string>());
      ++encodeCases;
    } else {
      std::vector<TokenId> ids = c["decode"];
      EXPECT_EQ(tok->decode(ids), c["text"].get<std::string>());
      EXPECT_EQ(streamAll(*tok, ids), c["text"].get<std::string>());
      ++decodeCases;
    }
  }
  EXPECT_GE(encodeCases, 20);
  EXPECT_GE(decodeCases, 20);
}

TEST(Tokenizer, KjvExamples) {
  std::unique_ptr<Tokenizer> tok = loadKjv();
  ASSERT_TRUE(tok);
  std::vector<std::string> pieces;
  ASSERT_TRUE(tok->encodeToPieces("In the  beginning ", pieces).ok());
  EXPECT_EQ(pieces, (std::vector<std::string>{std::string(kSp) + "In",
                                              std::string(kSp) + "the",
                                              std::string(kSp) + "beginning"}));
  EXPECT_EQ(tok->normalize("  a  b "), std::string(kSp) + "a" + kSp + "b");
  EXPECT_EQ(tok->normalize(""), "");
  EXPECT_EQ(tok->normalize("   "), "");
  // Malformed UTF-8 is normalized to U+FFFD, which falls back to bytes.
  EXPECT_EQ(tok->normalize("a\xFF"), std::string(kSp) + "a\xEF\xBF\xBD");
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("\xE4\xB8\xAD", ids).ok()); // 中: three byte pieces
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(tok->decode(ids), "\xE4\xB8\xAD");
  EXPECT_EQ(tok->decode({}), "");
  EXPECT_EQ(tok->decode({0}), " \xE2\x81\x87 "); // <unk>
  EXPECT_EQ(tok->decode({1, 2}), "");
  EXPECT_EQ(tok->decode({-1, 5000}), ""); // out of range: nothing
}

TEST(StreamDecoder, HoldsBackPartialCharacters) {
  std::unique_ptr<Tokenizer> tok = loadKjv();
  ASSERT_TRUE(tok);
  auto byteId = [](int b) { return 3 + b; };
  StreamDecoder d(*tok);
  // U+1F64F (F0 9F 99 8F) arrives one byte at a time.
  EXPECT_EQ(d.add(byteId(0xF0)), "");
  EXPECT_EQ(d.add(byteId(0x9F)), "");
  EXPECT_EQ(d.add(byteId(0x99)), "");
  EXPECT_EQ(d.add(byteId(0x8F)), "\xF0\x9F\x99\x8F");
  // A lead byte followed by a non-continuation byte is invalid at once.
  EXPECT_EQ(d.add(byteId(0xE4)), "");
  EXPECT_EQ(d.add(byteId(0x41)), "\xEF\xBF\xBD"
                                 "A");
  // A truncated character ends as U+FFFD when a normal piece follows...
  EXPECT_EQ(d.add(byteId(0xE4)), "");
  TokenId the = tok->pieceToId(std::string(kSp) + "the");
  ASSERT_GE(the, 0);
  EXPECT_EQ(d.add(the), "\xEF\xBF\xBD the");
  // ... or at finish().
  EXPECT_EQ(d.add(byteId(0xC3)), "");
  EXPECT_EQ(d.finish(), "\xEF\xBF\xBD");
}

TEST(StreamDecoder, PrimedWithAPromptKeepsTheSpace) {
  std::unique_ptr<Tokenizer> tok = loadKjv();
  ASSERT_TRUE(tok);
  std::vector<TokenId> prompt, output;
  ASSERT_TRUE(tok->encode("In the beginning", prompt).ok());
  ASSERT_TRUE(tok->encode("God created", output).ok());
  StreamDecoder d(*tok);
  d.prime(prompt);
  std::string text;
  for (TokenId id : output)
    text += d.add(id);
  EXPECT_EQ(text, " God created");
  // Without a prompt the leading space goes, as in decode().
  EXPECT_EQ(streamAll(*tok, output), "God created");
}

// A hand-built vocabulary: NORMAL pieces with scores, a USER_DEFINED piece,
// an UNUSED merge and no byte fallback.
PlanTokenizer toySpec() {
  PlanTokenizer t;
  t.set_source("test");
  t.set_model_type(PlanTokenizer::BPE);
  t.set_add_dummy_prefix(true);
  t.set_remove_extra_whitespaces(true);
  t.set_escape_whitespaces(true);
  t.set_unk_id(0);
  t.set_bos_id(1);
  t.set_eos_id(2);
  t.set_pad_id(-1);
  t.set_unk_surface("?");
  auto add = [&](const std::string &p, float score,
                 PlanTokenizer::PieceType type = PlanTokenizer::NORMAL) {
    Tokenizer_Piece *q = t.add_pieces();
    q->set_piece(p);
    q->set_score(score);
    q->set_type(type);
  };
  add("<unk>", 0, PlanTokenizer::UNKNOWN);  // 0
  add("<s>", 0, PlanTokenizer::CONTROL);    // 1
  add("</s>", 0, PlanTokenizer::CONTROL);   // 2
  add(kSp, -1);                             // 3
  add("a", -2);                             // 4
  add("b", -3);                             // 5
  add("c", -4);                             // 6
  add("ab", -5);                            // 7
  add("bc", -0.5);                          // 8: beats "ab"
  add(std::string(kSp) + "a", -6);          // 9
  add("<X>", 0, PlanTokenizer::USER_DEFINED); // 10
  add("cc", -0.1, PlanTokenizer::UNUSED);   // 11: merged, then split again
  return t;
}

std::vector<std::string> piecesOf(const Tokenizer &tok, const std::string &s) {
  std::vector<std::string> p;
  EXPECT_TRUE(tok.encodeToPieces(s, p).ok());
  return p;
}

TEST(Tokenizer, BpeRules) {
  std::unique_ptr<Tokenizer> tok;
  ASSERT_TRUE(Tokenizer::create(toySpec(), tok).ok());
  const std::string sp = kSp;
  // The higher-scored merge wins: "bc" before "ab"; then "▁a".
  EXPECT_EQ(piecesOf(*tok, "abc"),
            (std::vector<std::string>{sp + "a", "bc"}));
  // A user-defined piece is one piece and never merges with its neighbors.
  EXPECT_EQ(piecesOf(*tok, "a<X>b"),
            (std::vector<std::string>{sp + "a", "<X>", "b"}));
  // An UNUSED merge result is split back.
  EXPECT_EQ(piecesOf(*tok, "cc"), (std::vector<std::string>{sp, "c", "c"}));
  // Without byte fallback an unknown character is <unk> (decoded as the
  // unk surface).
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("az", ids).ok());
  EXPECT_EQ(ids, (std::vector<TokenId>{9, 0}));
  EXPECT_EQ(tok->decode(ids), "a?");
  // Leading ▁s go while no text has been produced (as in SentencePiece).
  EXPECT_EQ(tok->decode({3, 3, 4}), "a");
  EXPECT_EQ(tok->decode({4, 3, 3, 4}), "a  a");
}

TEST(Tokenizer, WhitespaceSettings) {
  PlanTokenizer spec = toySpec();
  spec.set_remove_extra_whitespaces(false);
  spec.set_add_dummy_prefix(false);
  std::unique_ptr<Tokenizer> tok;
  ASSERT_TRUE(Tokenizer::create(spec, tok).ok());
  const std::string sp = kSp;
  EXPECT_EQ(tok->normalize("  a  "), sp + sp + "a" + sp + sp);
  spec.set_escape_whitespaces(false);
  ASSERT_TRUE(Tokenizer::create(spec, tok).ok());
  EXPECT_EQ(tok->normalize(" a "), " a ");
  spec = toySpec();
  spec.set_add_bos(true);
  spec.set_add_eos(true);
  ASSERT_TRUE(Tokenizer::create(spec, tok).ok());
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("a", ids).ok());
  EXPECT_EQ(ids, (std::vector<TokenId>{1, 9, 2}));
}

TEST(Tokenizer, UnigramDecodesButDoesNotEncode) {
  PlanTokenizer spec = toySpec();
  spec.set_model_type(PlanTokenizer::UNIGRAM);
  std::unique_ptr<Tokenizer> tok;
  ASSERT_TRUE(Tokenizer::create(spec, tok).ok());
  EXPECT_FALSE(tok->canEncode());
  std::vector<TokenId> ids;
  Status st = tok->encode("a", ids);
  EXPECT_EQ(st.message,
            "encoding text with a unigram tokenizer is not supported yet "
            "(only BPE)");
  EXPECT_EQ(tok->decode({9, 8}), "abc");
}

TEST(Tokenizer, ValidationErrors) {
  auto error = [](PlanTokenizer spec) {
    std::unique_ptr<Tokenizer> tok;
    return Tokenizer::create(std::move(spec), tok).message;
  };
  PlanTokenizer s = toySpec();
  s.mutable_pieces(5)->set_piece("a");
  EXPECT_EQ(error(s), "tokenizer piece 5 ('a') is defined twice");
  s = toySpec();
  s.mutable_pieces(4)->set_type(PlanTokenizer::BYTE);
  EXPECT_EQ(error(s), "tokenizer piece 4 ('a') is a byte piece but not of "
                      "the form <0xAB>");
  s = toySpec();
  s.set_eos_id(99);
  EXPECT_EQ(error(s), "tokenizer eos_id 99 is outside the vocabulary (12 "
                      "pieces)");
  s = toySpec();
  s.set_unk_id(4);
  EXPECT_EQ(error(s), "tokenizer unk_id 4 is not an UNKNOWN piece");
  s = toySpec();
  s.clear_pieces();
  EXPECT_EQ(error(s), "tokenizer has no pieces");
  s = toySpec();
  s.mutable_pieces(4)->set_piece("\xFF");
  EXPECT_EQ(error(s), "tokenizer piece 4 is not valid UTF-8");

  PlanTokenizer out;
  std::vector<std::string> warnings;
  EXPECT_EQ(importSentencePieceModel("\xFF\xFF\xFF", out, warnings).message,
            "not a SentencePiece model (the file does not parse as a "
            "sentencepiece.ModelProto)");
  EXPECT_EQ(readSentencePieceModel("/nonexistent/t.model", out, warnings)
                .message,
            "cannot read tokenizer '/nonexistent/t.model'");
}

TEST(Tokenizer, PlanSection) {
  test::TempDir dir;
  PlanWriterInput in = test::makeReferencePlan();
  std::string bytes = toySpec().SerializeAsString();
  in.sections.emplace_back(kTokenizerSectionName,
                           std::vector<uint8_t>(bytes.begin(), bytes.end()));
  ASSERT_TRUE(writePlan(dir.file("t.plan"), in).ok());
  std::unique_ptr<PlanFile> plan;
  ASSERT_TRUE(PlanFile::open(dir.file("t.plan"), plan).ok());
  EXPECT_TRUE(Tokenizer::planHasTokenizer(*plan));
  std::unique_ptr<Tokenizer> tok;
  Status st = Tokenizer::fromPlan(*plan, tok);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(tok->vocabSize(), 12);

  PlanWriterInput bare = test::makeReferencePlan();
  ASSERT_TRUE(writePlan(dir.file("bare.plan"), bare).ok());
  ASSERT_TRUE(PlanFile::open(dir.file("bare.plan"), plan).ok());
  EXPECT_FALSE(Tokenizer::planHasTokenizer(*plan));
  EXPECT_EQ(Tokenizer::fromPlan(*plan, tok).message,
            dir.file("bare.plan") +
                ": the plan has no tokenizer (compile it with `llmc compile "
                "--tokenizer tokenizer.model`)");
}

} // namespace
