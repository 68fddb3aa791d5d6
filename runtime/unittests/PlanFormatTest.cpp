// Plan format: round trip, layout/alignment, determinism and corruption errors.
#include "TestUtil.h"

#include "llmc/runtime/Checksum.h"
#include "llmc/runtime/Device.h"
#include "llmc/runtime/PlanFormat.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>

using namespace llmc::runtime;
using namespace llmc::runtime::test;
namespace plan = llmc::plan;

namespace {

std::string codeName() { return std::string("code.") + hostCpuTargetName(); }

// Serializes the reference plan; `in` keeps the header the writer filled.
std::string referenceBytes(PlanWriterInput &in) {
  in = makeReferencePlan();
  std::string bytes;
  Status st = serializePlan(in, bytes);
  EXPECT_TRUE(st.ok()) << st.message;
  return bytes;
}

const plan::Section &sectionNamed(const PlanHeader &h, const std::string &n) {
  for (const plan::Section &s : h.sections())
    if (s.name() == n)
      return s;
  throw std::runtime_error("no section " + n);
}

// Writes `bytes` to a file and opens it; returns the status.
Status openCorrupt(const TempDir &dir, const std::string &bytes,
                   std::string &path) {
  path = dir.file("corrupt.plan");
  writeBytes(path, bytes);
  std::unique_ptr<PlanFile> pf;
  return PlanFile::open(path, pf);
}

void expectError(const Status &st, const std::string &path,
                 const std::string &words) {
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find(words), std::string::npos) << st.message;
  EXPECT_NE(st.message.find(path), std::string::npos) << st.message;
  EXPECT_EQ(st.message.find('\n'), std::string::npos) << st.message;
}

TEST(PlanFormat, RoundTrip) {
  TempDir dir;
  PlanWriterInput in = makeReferencePlan();
  std::string path = dir.file("ref.plan");
  Status st = writePlan(path, in);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp." +
                                       std::to_string(::getpid())));

  std::unique_ptr<PlanFile> pf;
  st = PlanFile::open(path, pf);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(pf->header(),
                                                                 in.header));
  EXPECT_EQ(pf->header().producer(), "llmc-runtime-tests");
  // A plan with all its weights stays readable by version-1 runtimes.
  EXPECT_EQ(pf->header().format_version(), kPlanFormatVersionFullWeights);
  EXPECT_EQ(pf->header().metadata().at("opset"), "17");
  EXPECT_EQ(pf->header().steps_size(), 2);
  ASSERT_EQ(pf->header().sections_size(), 2);

  for (const auto &[name, data] : in.sections) {
    PlanFile::Bytes b;
    ASSERT_TRUE(pf->section(name, b)) << name;
    ASSERT_EQ(b.size, data.size());
    EXPECT_EQ(std::memcmp(b.data, data.data(), data.size()), 0) << name;
  }
  PlanFile::Bytes none;
  EXPECT_FALSE(pf->section("nope", none));

  const plan::Section &code = sectionNamed(pf->header(), codeName());
  const plan::Section &weights = sectionNamed(pf->header(), "weights");
  EXPECT_EQ(code.offset() % 64, 0u);
  EXPECT_EQ(code.alignment(), 64u);
  EXPECT_EQ(weights.offset() % 4096, 0u);
  EXPECT_EQ(weights.alignment(), 4096u);
  PlanFile::Bytes wb;
  ASSERT_TRUE(pf->section("weights", wb));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(wb.data) % 4096, 0u);
  EXPECT_EQ(std::filesystem::file_size(path), weights.offset() + weights.size());
}

TEST(PlanFormat, PreambleLayout) {
  PlanWriterInput in;
  std::string bytes = referenceBytes(in);
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), "LLMCPLAN");
  auto le = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t(uint8_t(bytes[at + i])) << (8 * i);
    return v;
  };
  EXPECT_EQ(le(8, 4), 1u);
  uint64_t h = le(12, 4);
  EXPECT_EQ(le(16, 8), crc32c(bytes.data() + 24, h));
  PlanHeader parsed;
  ASSERT_TRUE(parsed.ParseFromArray(bytes.data() + 24, static_cast<int>(h)));
  EXPECT_EQ(parsed.sections_size(), 2);
}

TEST(PlanFormat, SerializationIsDeterministic) {
  PlanWriterInput a, b;
  EXPECT_EQ(referenceBytes(a), referenceBytes(b));
}

TEST(PlanFormat, OpenBytesAndEmptySections) {
  PlanWriterInput in;
  in.header.set_producer("t");
  in.sections.emplace_back("empty", std::vector<uint8_t>());
  in.sections.emplace_back("weights", std::vector<uint8_t>(5000, 7));
  std::string bytes;
  ASSERT_TRUE(serializePlan(in, bytes).ok());
  std::unique_ptr<PlanFile> pf;
  Status st = PlanFile::openBytes(bytes, "<memory>", pf);
  ASSERT_TRUE(st.ok()) << st.message;
  PlanFile::Bytes e, w;
  ASSERT_TRUE(pf->section("empty", e));
  EXPECT_EQ(e.size, 0u);
  ASSERT_TRUE(pf->section("weights", w));
  EXPECT_EQ(w.size, 5000u);
  EXPECT_EQ(w.data[4999], 7);
}

TEST(PlanFormat, WriterRejectsBadInput) {
  PlanWriterInput dup;
  dup.sections.emplace_back("a", std::vector<uint8_t>{1});
  dup.sections.emplace_back("a", std::vector<uint8_t>{2});
  std::string bytes;
  Status st = serializePlan(dup, bytes);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("duplicate section 'a'"), std::string::npos);

  PlanWriterInput badTarget;
  badTarget.header.add_targets()->set_code_section(3);
  EXPECT_FALSE(serializePlan(badTarget, bytes).ok());

  PlanWriterInput ok = makeReferencePlan();
  st = writePlan("/nonexistent-dir/x.plan", ok);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("/nonexistent-dir/x.plan"), std::string::npos);
}

TEST(PlanFormat, MissingFile) {
  std::unique_ptr<PlanFile> pf;
  Status st = PlanFile::open("/nonexistent/model.plan", pf);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("/nonexistent/model.plan"), std::string::npos);
  EXPECT_NE(st.message.find("No such file"), std::string::npos);
}

TEST(PlanCorruption, Truncated) {
  TempDir dir;
  PlanWriterInput in;
  std::string bytes = referenceBytes(in);
  const plan::Section &w = sectionNamed(in.header, "weights");
  const plan::Section &c = sectionNamed(in.header, codeName());
  size_t headerEnd = 24 + in.header.ByteSizeLong();
  struct Cut {
    size_t size;
    std::string words;
  } cuts[] = {
      {0, "truncated plan file (0 bytes)"},
      {7, "truncated plan file (7 bytes)"},
      {23, "truncated plan file (23 bytes)"},
      {24, "truncated plan file: header ends at"},
      {headerEnd - 1, "truncated plan file: header ends at"},
      {headerEnd, "truncated plan file: section '" + codeName() + "' ends at"},
      {c.offset() + c.size() / 2, "truncated plan file: section '" + codeName()},
      {w.offset(), "truncated plan file: section 'weights' ends at " +
                       std::to_string(w.offset() + w.size()) +
                       " but the file has " + std::to_string(w.offset()) +
                       " bytes"},
      {bytes.size() - 1, "truncated plan file: section 'weights'"},
  };
  for (const Cut &cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut.size));
    std::string path;
    Status st = openCorrupt(dir, bytes.substr(0, cut.size), path);
    expectError(st, path, cut.words);
  }
}

TEST(PlanCorruption, BadMagic) {
  TempDir dir;
  PlanWriterInput in;
  std::string bytes = referenceBytes(in);
  bytes[3] = 'X';
  std::string path;
  expectError(openCorrupt(dir, bytes, path), path,
              "not an llmc plan (bad magic)");
}

TEST(PlanCorruption, NewerVersion) {
  TempDir dir;
  PlanWriterInput in;
  std::string bytes = referenceBytes(in);
  bytes[8] = 3;
  std::string path;
  expectError(openCorrupt(dir, bytes, path), path,
              "plan format version 3 is newer than this runtime supports (2)");
}

TEST(PlanCorruption, FlippedBitInHeader) {
  TempDir dir;
  PlanWriterInput in;
  std::string bytes = referenceBytes(in);
  size_t headerLen = in.header.ByteSizeLong();
  for (size_t at : {size_t(24), 24 + headerLen / 2, 24 + headerLen - 1}) {
    std::string copy = bytes;
    copy[at] ^= 0x10;
    std::string path;
    expectError(openCorrupt(dir, copy, path), path,
                "plan header checksum mismatch");
  }
  std::string copy = bytes;
  copy[17] ^= 0x01; // the stored checksum itself
  std::string path;
  expectError(openCorrupt(dir, copy, path), path,
              "plan header checksum mismatch");
}

TEST(PlanCorruption, FlippedBitInSections) {
  TempDir dir;
  PlanWriterInput in;
  std::string bytes = referenceBytes(in);
  for (const std::string &name : {std::string("weights"), codeName()}) {
    const plan::Section &s = sectionNamed(in.header, name);
    for (uint64_t at : {s.offset(), s.offset() + s.size() - 1}) {
      std::string copy = bytes;
      copy[at] ^= 0x04;
      std::string path;
      expectError(openCorrupt(dir, copy, path), path,
                  "checksum mismatch in section '" + name + "'");
    }
  }
}

} // namespace
