// Plan file format: writer (used by the compiler) and mmap-based reader.
// Byte layout, checksums and error messages are specified in docs/plan-format.md.
#ifndef LLMC_RUNTIME_PLANFORMAT_H
#define LLMC_RUNTIME_PLANFORMAT_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/plan.pb.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmc::runtime {

using ::llmc::plan::PlanHeader;

constexpr char kPlanMagic[8] = {'L', 'L', 'M', 'C', 'P', 'L', 'A', 'N'};
// The newest version this code reads and writes. Version 2 added
// weight-stripped plans (PlanHeader.external_weights); a plan with all its
// weights is still written as version 1.
constexpr uint32_t kPlanFormatVersion = 2;
constexpr uint32_t kPlanFormatVersionFullWeights = 1;
constexpr size_t kPlanPreambleSize = 24; // magic, version, header length, checksum
constexpr uint64_t kCodeSectionAlignment = 64;
constexpr uint64_t kWeightsSectionAlignment = 4096;
constexpr uint64_t kDefaultSectionAlignment = 64;
constexpr const char *kWeightsSectionName = "weights";
constexpr const char *kCodeSectionPrefix = "code."; // + target name

// Alignment the writer uses for a section name: 4096 for "weights", 64 otherwise.
uint64_t sectionAlignment(const std::string &name);

struct PlanWriterInput {
  // Everything but `sections` and `format_version`, which the writer fills.
  PlanHeader header;
  // (name, bytes) in file order; header.sections[i] describes sections[i], so
  // Target.code_section is an index into this vector.
  std::vector<std::pair<std::string, std::vector<uint8_t>>> sections;
};

// Lays out the file in memory: fills input.header.sections (offsets, sizes,
// alignments, checksums) and format_version, then writes all bytes to `bytes`.
Status serializePlan(PlanWriterInput &input, std::string &bytes);

// serializePlan, then writes `path` atomically (temporary file + rename).
Status writePlan(const std::string &path, PlanWriterInput &input);

// A verified, read-only plan. Section bytes point into the mapping and stay
// valid for the PlanFile's lifetime.
class PlanFile {
public:
  struct Bytes {
    const uint8_t *data = nullptr;
    size_t size = 0;
  };

  // Maps `path` read-only and verifies preamble, header and every section.
  static Status open(const std::string &path, std::unique_ptr<PlanFile> &out);
  // Same checks on an in-memory image (copied); `name` is used in messages.
  static Status openBytes(std::string bytes, const std::string &name,
                          std::unique_ptr<PlanFile> &out);

  ~PlanFile();
  PlanFile(const PlanFile &) = delete;
  PlanFile &operator=(const PlanFile &) = delete;

  const PlanHeader &header() const { return header_; }
  const std::string &path() const { return path_; }
  // Whole file image.
  Bytes fileBytes() const { return {base_, size_}; }
  // Section bytes by name; false if no such section. For "weights" this is
  // the whole weights image once attachWeights has run.
  bool section(const std::string &name, Bytes &out) const;
  // Section bytes by index into header().sections (must be in range).
  Bytes section(int index) const;

  // Weight-stripped plans (docs/plan-format.md): true when some weights are
  // not in the file and attachWeights has not supplied them yet.
  bool missingWeights() const;
  // Builds the weights image (header().weights_bytes bytes, page-aligned):
  // the plan's "weights" section, then `fill(weight, buffer, dst)` for every
  // external weight, writing buffer.size_bytes() bytes at dst.
  using WeightFiller = std::function<Status(
      const plan::ExternalWeight &, const plan::Buffer &, uint8_t *dst)>;
  Status attachWeights(const WeightFiller &fill);

private:
  PlanFile() = default;
  Status verify();

  std::string path_;
  PlanHeader header_;
  const uint8_t *base_ = nullptr;
  size_t size_ = 0;
  void *mapping_ = nullptr; // non-null when base_ is an mmap
  std::string owned_;       // backing store for openBytes
  uint8_t *weightsImage_ = nullptr; // attachWeights: an anonymous mapping
  size_t weightsImageSize_ = 0;
};

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_PLANFORMAT_H
