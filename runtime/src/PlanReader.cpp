// PlanFile: maps a plan read-only and verifies preamble, header and sections.
#include "llmc/runtime/Checksum.h"
#include "llmc/runtime/PlanFormat.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc::runtime {
namespace {

uint64_t getLE(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

} // namespace

// PlanWeights.cpp
Status checkExternalWeights(const PlanHeader &h, uint64_t sectionBytes);

PlanFile::~PlanFile() {
  if (mapping_)
    ::munmap(mapping_, size_);
  if (weightsImage_)
    ::munmap(weightsImage_, weightsImageSize_);
}

Status PlanFile::open(const std::string &path, std::unique_ptr<PlanFile> &out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::error("cannot open plan '" + path +
                         "': " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error("cannot open plan '" + path +
                         "': not a regular file");
  }
  std::unique_ptr<PlanFile> pf(new PlanFile());
  pf->path_ = path;
  pf->size_ = static_cast<size_t>(st.st_size);
  if (pf->size_ >= kPlanPreambleSize) {
    void *m = ::mmap(nullptr, pf->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::error("cannot map plan '" + path +
                           "': " + std::strerror(err));
    }
    pf->mapping_ = m;
    pf->base_ = static_cast<const uint8_t *>(m);
  }
  ::close(fd);
  LLMC_RETURN_IF_ERROR(pf->verify());
  out = std::move(pf);
  return Status::success();
}

Status PlanFile::openBytes(std::string bytes, const std::string &name,
                           std::unique_ptr<PlanFile> &out) {
  std::unique_ptr<PlanFile> pf(new PlanFile());
  pf->path_ = name;
  pf->size_ = bytes.size();
  if (pf->size_ >= kPlanPreambleSize) {
    // Page-aligned copy so sections keep the alignment a file mapping has.
    void *m = ::mmap(nullptr, pf->size_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
      return Status::error("cannot allocate plan '" + name +
                           "': " + std::strerror(errno));
    std::memcpy(m, bytes.data(), bytes.size());
    ::mprotect(m, pf->size_, PROT_READ);
    pf->mapping_ = m;
    pf->base_ = static_cast<const uint8_t *>(m);
  }
  LLMC_RETURN_IF_ERROR(pf->verify());
  out = std::move(pf);
  return Status::success();
}

Status PlanFile::verify() {
  auto fail = [&](const std::string &what) {
    return Status::error(path_ + ": " + what);
  };
  if (size_ < kPlanPreambleSize)
    return fail("truncated plan file (" + std::to_string(size_) + " bytes)");
  if (std::memcmp(base_, kPlanMagic, sizeof kPlanMagic) != 0)
    return fail("not an llmc plan (bad magic)");
  uint64_t version = getLE(base_ + 8, 4);
  if (version > kPlanFormatVersion)
    return fail("plan format version " + std::to_string(version) +
                " is newer than this runtime supports (" +
                std::to_string(kPlanFormatVersion) + ")");
  if (version == 0)
    return fail("invalid plan format version 0");
  uint64_t headerLen = getLE(base_ + 12, 4);
  uint64_t headerEnd = kPlanPreambleSize + headerLen;
  if (headerEnd > size_)
    return fail("truncated plan file: header ends at " +
                std::to_string(headerEnd) + " but the file has " +
                std::to_string(size_) + " bytes");
  if (headerLen > INT32_MAX)
    return fail("plan header too large (" + std::to_string(headerLen) +
                " bytes)");
  const uint8_t *hdr = base_ + kPlanPreambleSize;
  if (getLE(base_ + 16, 8) != crc32c(hdr, headerLen))
    return fail("plan header checksum mismatch");
  if (!header_.ParseFromArray(hdr, static_cast<int>(headerLen)))
    return fail("plan header does not parse");
  if (header_.format_version() != version)
    return fail("header format_version " +
                std::to_string(header_.format_version()) +
                " does not match the file's version " + std::to_string(version));

  std::set<std::string> names;
  for (const plan::Section &s : header_.sections()) {
    const std::string q = "section '" + s.name() + "'";
    if (!names.insert(s.name()).second)
      return fail("duplicate " + q);
    if (s.offset() < headerEnd)
      return fail(q + " overlaps the header");
    if (s.size() > size_ || s.offset() > size_ - s.size())
      return fail("truncated plan file: " + q + " ends at " +
                  std::to_string(s.offset() + s.size()) +
                  " but the file has " + std::to_string(size_) + " bytes");
    if (s.alignment() > 1 && s.offset() % s.alignment() != 0)
      return fail(q + " at offset " + std::to_string(s.offset()) +
                  " is not aligned to " + std::to_string(s.alignment()));
    if (crc32c(base_ + s.offset(), s.size()) != s.checksum())
      return fail("checksum mismatch in " + q);
  }
  Bytes weights;
  if (!section(kWeightsSectionName, weights))
    weights = {};
  if (Status st = checkExternalWeights(header_, weights.size); !st.ok())
    return fail(st.message);
  return Status::success();
}

bool PlanFile::section(const std::string &name, Bytes &out) const {
  if (weightsImage_ && name == kWeightsSectionName) {
    out = {weightsImage_, weightsImageSize_};
    return true;
  }
  for (const plan::Section &s : header_.sections())
    if (s.name() == name) {
      out = {base_ + s.offset(), static_cast<size_t>(s.size())};
      return true;
    }
  return false;
}

PlanFile::Bytes PlanFile::section(int index) const {
  const plan::Section &s = header_.sections(index);
  if (weightsImage_ && s.name() == kWeightsSectionName)
    return {weightsImage_, weightsImageSize_};
  return {base_ + s.offset(), static_cast<size_t>(s.size())};
}

} // namespace llmc::runtime
