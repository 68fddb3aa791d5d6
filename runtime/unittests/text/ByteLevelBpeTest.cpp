// Byte-level BPE (tokenizer.json): the hand-coded pre-tokenizer regexes, the
// Unicode tables and NFC, the importer's checks, merging by rank, added
// tokens, decoding with U+FFFD and streaming. Parity with Hugging Face on
// real vocabularies is test/tokenizer/check_hf_tokenizers.py.
#include "text/ByteLevelBpe.h"
#include "text/PreTokenizer.h"
#include "text/Unicode.h"

#include "llmc/runtime/text/HfTokenizerImport.h"
#include "llmc/runtime/text/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace llmc::runtime;
using namespace llmc::runtime::text;
using PlanTokenizer = llmc::plan::Tokenizer;

namespace {

std::vector<std::string> split(PlanTokenizer::SplitRegex kind,
                               std::string_view text) {
  std::vector<std::string_view> pieces;
  splitByRegex(kind, text, pieces);
  return std::vector<std::string>(pieces.begin(), pieces.end());
}

using V = std::vector<std::string>;

TEST(PreTokenizerTest, ByteLevelDefaultRegex) {
  auto k = PlanTokenizer::SPLIT_BYTE_LEVEL_DEFAULT;
  EXPECT_EQ(split(k, "Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(split(k, "I'm 42, ok?!"), (V{"I", "'m", " 42", ",", " ok", "?!"}));
  // Contractions are case-sensitive here.
  EXPECT_EQ(split(k, "I'M"), (V{"I", "'", "M"}));
  // \s+(?!\S) leaves the last space to the next word.
  EXPECT_EQ(split(k, "a   b"), (V{"a", "  ", " b"}));
  EXPECT_EQ(split(k, "a \n b  "), (V{"a", " \n", " b", "  "}));
  EXPECT_EQ(split(k, "x\t1"), (V{"x", "\t", "1"}));
  EXPECT_EQ(split(k, " 中文 ١٢"), (V{" 中文", " ١٢"}));
  // U+0085 and U+3000 are White_Space (Oniguruma's \s), U+FEFF is not.
  EXPECT_EQ(split(k, "a\xC2\x85" "b"), (V{"a", "\xC2\x85", "b"}));
  EXPECT_EQ(split(k, "\xEF\xBB\xBFz"), (V{"\xEF\xBB\xBF", "z"}));
  EXPECT_EQ(split(k, ""), V{});
}

TEST(PreTokenizerTest, LetterRunsRegexes) {
  auto k3 = PlanTokenizer::SPLIT_LETTER_RUNS_DIGITS_3;
  auto k1 = PlanTokenizer::SPLIT_LETTER_RUNS_DIGITS_1;
  EXPECT_EQ(split(k3, "I'M don't"), (V{"I", "'M", " don", "'t"}));
  EXPECT_EQ(split(k3, "1234567"), (V{"123", "456", "7"}));
  EXPECT_EQ(split(k1, "1234"), (V{"1", "2", "3", "4"}));
  // One non-letter, non-newline character joins the letters after it.
  EXPECT_EQ(split(k3, "(hello)\tworld"), (V{"(hello", ")", "\tworld"}));
  // Punctuation takes the newlines after it; \s*[\r\n]+ ends at the last
  // newline of a white-space run.
  EXPECT_EQ(split(k3, "end.\n\nNext"), (V{"end", ".\n\n", "Next"}));
  EXPECT_EQ(split(k3, "a  \n\n  b"), (V{"a", "  \n\n", " ", " b"}));
  EXPECT_EQ(split(k3, "x \r\n"), (V{"x", " \r\n"}));
  EXPECT_EQ(split(k3, "a   "), (V{"a", "   "}));
  EXPECT_EQ(split(k3, " !!\n"), (V{" !!\n"}));
  EXPECT_EQ(split(k3, "\n\nHi"), (V{"\n\n", "Hi"}));
}

TEST(UnicodeTest, ClassesAndNfc) {
  EXPECT_TRUE(isLetter('a'));
  EXPECT_TRUE(isLetter(0x4E2D)); // 中
  EXPECT_TRUE(isLetter(0x0301) == false);
  EXPECT_TRUE(isNumber('7'));
  EXPECT_TRUE(isNumber(0x00BD)); // ½ (No)
  EXPECT_TRUE(isNumber(0x2167)); // Ⅷ (Nl)
  EXPECT_FALSE(isLetter(' '));
  EXPECT_TRUE(isWhiteSpace(0x3000));
  EXPECT_FALSE(isWhiteSpace(0x200B));
  EXPECT_EQ(toNfc("e\xCC\x81"), "\xC3\xA9");               // é
  EXPECT_EQ(toNfc("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C"); // 한
  // Marks are reordered by combining class, then composed: o + dot below
  // (220) + circumflex (230) -> ộ whichever order they came in.
  EXPECT_EQ(toNfc("o\xCC\x82\xCC\xA3"), "\xE1\xBB\x99");
  EXPECT_EQ(toNfc("o\xCC\xA3\xCC\x82"), "\xE1\xBB\x99");
  // Singletons decompose for good: Ω OHM SIGN -> Ω.
  EXPECT_EQ(toNfc("\xE2\x84\xA6"), "\xCE\xA9");
  EXPECT_EQ(toNfc("plain ascii"), "plain ascii");
}

// A byte-level tokenizer.json with the 256 byte characters, five merges
// and one special token.
nlohmann::json tinyTokenizerJson() {
  nlohmann::json vocab = nlohmann::json::object();
  auto byteChar = [](int b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                     (b >= 0xAE && b <= 0xFF);
    static int next = 256;
    static std::map<int, int> assigned;
    int cp = b;
    if (!printable) {
      if (!assigned.count(b))
        assigned[b] = next++;
      cp = assigned[b];
    }
    std::string s;
    appendUtf8(static_cast<uint32_t>(cp), s);
    return s;
  };
  for (int b = 0; b < 256; ++b)
    vocab[byteChar(b)] = b;
  const char *merged[] = {"he", "ll", "hell", "hello", "\xC4\xA0w"}; // Ġw
  for (int i = 0; i < 5; ++i)
    vocab[merged[i]] = 256 + i;
  return {
      {"model",
       {{"type", "BPE"},
        {"vocab", vocab},
        {"merges", nlohmann::json::array({"h e", nlohmann::json::array({"l", "l"}),
                                          "he ll", "hell o", "\xC4\xA0 w"})}}},
      {"added_tokens",
       nlohmann::json::array({{{"id", 261}, {"content", "<|end|>"},
                               {"special", true}}})},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
      {"decoder", {{"type", "ByteLevel"}}},
  };
}

std::unique_ptr<Tokenizer> tinyTokenizer(const nlohmann::json &j,
                                         const std::string &config = "") {
  HfTokenizer hf;
  Status st = importHfTokenizer(j.dump(), config, "", hf);
  EXPECT_TRUE(st.ok()) << st.message;
  std::unique_ptr<Tokenizer> tok;
  st = Tokenizer::create(hf.spec, tok);
  EXPECT_TRUE(st.ok()) << st.message;
  return tok;
}

TEST(ByteLevelBpeTest, MergesByRankAndAddedTokens) {
  auto tok = tinyTokenizer(tinyTokenizerJson());
  ASSERT_TRUE(tok);
  EXPECT_TRUE(tok->isByteLevel());
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("hello wo<|end|>hell", ids).ok());
  // "hello", " w" (Ġw), "o", <|end|>, "hell".
  EXPECT_EQ(ids, (std::vector<TokenId>{259, 260, 'o', 261, 258}));
  EXPECT_EQ(tok->idToPiece(260), "\xC4\xA0w");
  EXPECT_EQ(tok->pieceToId("<|end|>"), 261);
  EXPECT_EQ(tok->decode(ids), "hello wo<|end|>hell");
  ASSERT_TRUE(tok->encode("", ids).ok());
  EXPECT_TRUE(ids.empty());
}

TEST(ByteLevelBpeTest, TemplateAndConfig) {
  nlohmann::json j = tinyTokenizerJson();
  j["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", nlohmann::json::array(
                     {{{"SpecialToken", {{"id", "<|end|>"}, {"type_id", 0}}}},
                      {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
      {"special_tokens",
       {{"<|end|>", {{"id", "<|end|>"}, {"ids", {261}}, {"tokens", {"<|end|>"}}}}}}};
  HfTokenizer hf;
  ASSERT_TRUE(importHfTokenizer(
                  j.dump(),
                  R"({"eos_token": {"content": "<|end|>"}, "chat_template": [{"name": "tool_use", "template": "t"}, {"name": "default", "template": "{{ x }}"}]})",
                  R"({"eos_token_id": [261, 104]})", hf)
                  .ok());
  EXPECT_EQ(hf.eosIds, (std::vector<int32_t>{261, 104}));
  EXPECT_EQ(hf.chatTemplate, "{{ x }}");
  EXPECT_EQ(hf.spec.bos_id(), 261);
  std::unique_ptr<Tokenizer> tok;
  ASSERT_TRUE(Tokenizer::create(hf.spec, tok).ok());
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("he", ids).ok());
  EXPECT_EQ(ids, (std::vector<TokenId>{261, 256}));
  ASSERT_TRUE(tok->encode("he", ids, /*addSpecialTokens=*/false).ok());
  EXPECT_EQ(ids, (std::vector<TokenId>{256}));
}

TEST(ByteLevelBpeTest, DecodeReplacesMaximalSubpartsAndStreams) {
  auto tok = tinyTokenizer(tinyTokenizerJson());
  ASSERT_TRUE(tok);
  // 中 is E4 B8 AD; a cut sequence is one U+FFFD, as in Rust/JS.
  std::vector<TokenId> ids = {'a', 0xE4, 0xB8, 'b', 0xE4, 0xB8, 0xAD, 0xFF};
  const std::string expected = "a\xEF\xBF\xBD" "b\xE4\xB8\xAD\xEF\xBF\xBD";
  EXPECT_EQ(tok->decode(ids), expected);
  StreamDecoder stream(*tok);
  std::vector<std::string> chunks;
  for (TokenId id : ids)
    chunks.push_back(stream.add(id));
  chunks.push_back(stream.finish());
  std::string joined;
  for (const std::string &c : chunks)
    joined += c;
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(chunks[1], "");        // E4: may still become a character
  EXPECT_EQ(chunks[5], "");        // E4 B8
  EXPECT_EQ(chunks[6], "\xE4\xB8\xAD");
  std::string cut = stream.add(0xE4);
  cut += stream.finish();
  EXPECT_EQ(cut, "\xEF\xBF\xBD");
}

TEST(ByteLevelBpeTest, CleanUpSpacesStreamsLikeDecode) {
  auto tok = tinyTokenizer(tinyTokenizerJson(),
                           R"({"clean_up_tokenization_spaces": true})");
  ASSERT_TRUE(tok);
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("he said , hello . I 'm n't ok !", ids).ok());
  const std::string expected = "he said, hello. I'mn't ok!";
  EXPECT_EQ(tok->decode(ids), expected);
  StreamDecoder stream(*tok);
  std::string joined;
  for (TokenId id : ids)
    joined += stream.add(id);
  joined += stream.finish();
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(cleanUpTokenizationSpaces("a ' b don 't"), "a'b don 't");
}

TEST(HfTokenizerImportTest, UnsupportedSettingsAreOneLineErrors) {
  auto error = [](nlohmann::json j) {
    HfTokenizer hf;
    Status st = importHfTokenizer(j.dump(), "", "", hf);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message.find('\n'), std::string::npos);
    return st.message;
  };
  nlohmann::json j = tinyTokenizerJson();
  j["model"]["type"] = "WordPiece";
  EXPECT_EQ(error(j), "model type 'WordPiece' is not supported (only BPE)");
  j = tinyTokenizerJson();
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"},
         {"pattern", {{"Regex", "\\p{L}+"}}},
         {"behavior", "Isolated"}},
        {{"type", "ByteLevel"}, {"use_regex", false}}}}};
  EXPECT_EQ(error(j), "pre_tokenizer Split regex '\\p{L}+' is not one the "
                      "runtime implements (docs/tokenizer.md)");
  j = tinyTokenizerJson();
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  EXPECT_NE(error(j).find("pre_tokenizer 'Whitespace'"), std::string::npos);
  j = tinyTokenizerJson();
  j["normalizer"] = {{"type", "NFKC"}};
  EXPECT_EQ(error(j), "normalizer 'NFKC' is not supported (only NFC)");
  j = tinyTokenizerJson();
  j["model"]["merges"].push_back("x zz");
  EXPECT_NE(error(j).find("'x zz' names a token not in model.vocab"),
            std::string::npos);
  j = tinyTokenizerJson();
  j["decoder"] = {{"type", "WordPiece"}};
  EXPECT_EQ(error(j), "decoder 'WordPiece' is not supported (only ByteLevel)");
}

TEST(ByteLevelBpeTest, PlanRoundTripKeepsOldFieldsWorking) {
  // A byte-level spec survives serialization (the plan section) and an old
  // SentencePiece-style spec still loads (fields 17+ absent).
  HfTokenizer hf;
  ASSERT_TRUE(importHfTokenizer(tinyTokenizerJson().dump(), "", "", hf).ok());
  std::string bytes = hf.spec.SerializeAsString();
  std::unique_ptr<Tokenizer> tok;
  ASSERT_TRUE(Tokenizer::fromBytes(bytes.data(), bytes.size(), tok).ok());
  std::vector<TokenId> ids;
  ASSERT_TRUE(tok->encode("hello", ids).ok());
  EXPECT_EQ(ids, (std::vector<TokenId>{259}));
}

} // namespace
