// Plan writer: lays out preamble, header and aligned sections; atomic file write.
#include "llmc/runtime/Checksum.h"
#include "llmc/runtime/PlanFormat.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <unistd.h>

namespace llmc::runtime {
namespace {

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

void putLE(std::string &b, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string serializeDeterministic(const PlanHeader &h) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    h.SerializeToCodedStream(&cos);
  }
  return out;
}

Status writeAll(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return Status::error(std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::success();
}

} // namespace

uint64_t sectionAlignment(const std::string &name) {
  if (name == kWeightsSectionName)
    return kWeightsSectionAlignment;
  if (name.rfind(kCodeSectionPrefix, 0) == 0)
    return kCodeSectionAlignment;
  return kDefaultSectionAlignment;
}

Status serializePlan(PlanWriterInput &input, std::string &bytes) {
  PlanHeader &h = input.header;
  // Only weight-stripped plans need version 2; others stay readable by
  // version-1 runtimes.
  const uint32_t version = h.external_weights_size() > 0
                               ? kPlanFormatVersion
                               : kPlanFormatVersionFullWeights;
  h.set_format_version(version);
  h.clear_sections();

  std::set<std::string> names;
  for (const auto &[name, data] : input.sections) {
    if (name.empty())
      return Status::error("plan writer: section with an empty name");
    if (!names.insert(name).second)
      return Status::error("plan writer: duplicate section '" + name + "'");
    plan::Section *s = h.add_sections();
    s->set_name(name);
    s->set_size(data.size());
    s->set_alignment(sectionAlignment(name));
    s->set_checksum(crc32c(data.data(), data.size()));
  }
  for (const plan::Target &t : h.targets())
    if (t.code_section() < 0 || t.code_section() >= h.sections_size())
      return Status::error("plan writer: target '" + t.name() +
                           "' has code_section " +
                           std::to_string(t.code_section()) + " but there are " +
                           std::to_string(h.sections_size()) + " sections");

  // Offsets live in the header, whose size depends on them: iterate to the
  // fixed point (sizes only grow, so this converges in a few rounds).
  std::string header;
  uint64_t end = 0;
  for (int round = 0;; ++round) {
    if (round == 32)
      return Status::error("plan writer: section layout did not converge");
    header = serializeDeterministic(h);
    uint64_t pos = kPlanPreambleSize + header.size();
    bool changed = false;
    for (plan::Section &s : *h.mutable_sections()) {
      uint64_t off = alignUp(pos, s.alignment());
      if (s.offset() != off) {
        s.set_offset(off);
        changed = true;
      }
      pos = off + s.size();
    }
    end = pos;
    if (!changed)
      break;
  }
  if (header.size() > UINT32_MAX)
    return Status::error("plan writer: header too large");

  bytes.assign(end, '\0');
  std::memcpy(&bytes[0], kPlanMagic, sizeof kPlanMagic);
  putLE(bytes, 8, version, 4);
  putLE(bytes, 12, header.size(), 4);
  putLE(bytes, 16, crc32c(header.data(), header.size()), 8);
  std::memcpy(&bytes[kPlanPreambleSize], header.data(), header.size());
  for (int i = 0; i < h.sections_size(); ++i) {
    const auto &data = input.sections[i].second;
    if (!data.empty())
      std::memcpy(&bytes[h.sections(i).offset()], data.data(), data.size());
  }
  return Status::success();
}

Status writePlan(const std::string &path, PlanWriterInput &input) {
  std::string bytes;
  LLMC_RETURN_IF_ERROR(serializePlan(input, bytes));

  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error("cannot write plan '" + tmp +
                         "': " + std::strerror(errno));
  Status st = writeAll(fd, bytes.data(), bytes.size());
  if (st.ok() && ::fsync(fd) != 0)
    st = Status::error(std::strerror(errno));
  if (::close(fd) != 0 && st.ok())
    st = Status::error(std::strerror(errno));
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    st = Status::error(std::strerror(errno));
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return Status::error("cannot write plan '" + path + "': " + st.message);
  }
  return Status::success();
}

} // namespace llmc::runtime
