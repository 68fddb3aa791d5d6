// Weight-stripped plans: checking the external-weight table and building the
// weights image from the plan's "weights" section plus a filler per weight.
#include "llmc/runtime/PlanFormat.h"

#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <sys/mman.h>

namespace llmc::runtime {

Status checkExternalWeights(const PlanHeader &h, uint64_t sectionBytes) {
  if (h.external_weights_size() == 0)
    return Status::success();
  if (h.weights_bytes() < sectionBytes)
    return Status::error("weights_bytes " + std::to_string(h.weights_bytes()) +
                         " is smaller than the weights section (" +
                         std::to_string(sectionBytes) + " bytes)");
  std::map<int32_t, const plan::Buffer *> byId;
  for (const plan::Buffer &b : h.buffers())
    byId[b.id()] = &b;
  std::map<uint64_t, uint64_t> ranges; // offset -> end, to reject overlaps
  for (const plan::ExternalWeight &w : h.external_weights()) {
    const std::string what = "external weight '" + w.initializer() + "'";
    auto it = byId.find(w.buffer());
    if (it == byId.end() || it->second->kind() != plan::WEIGHT)
      return Status::error(what + ": buffer " + std::to_string(w.buffer()) +
                           " is not a WEIGHT buffer");
    const plan::Buffer &b = *it->second;
    uint64_t end = b.offset() + b.size_bytes();
    if (b.offset() < sectionBytes || end < b.offset() || end > h.weights_bytes())
      return Status::error(what + ": range [" + std::to_string(b.offset()) +
                           ", " + std::to_string(end) +
                           ") is not in the stripped part of the weights "
                           "image [" + std::to_string(sectionBytes) + ", " +
                           std::to_string(h.weights_bytes()) + ")");
    if (w.alignment() == 0 || (w.alignment() & (w.alignment() - 1)) != 0 ||
        b.offset() % w.alignment() != 0)
      return Status::error(what + ": offset " + std::to_string(b.offset()) +
                           " is not aligned to " +
                           std::to_string(w.alignment()));
    auto next = ranges.lower_bound(b.offset());
    if ((next != ranges.end() && next->first < end) ||
        (next != ranges.begin() && std::prev(next)->second > b.offset()))
      return Status::error(what + ": overlaps another external weight");
    ranges[b.offset()] = end;
  }
  return Status::success();
}

bool PlanFile::missingWeights() const {
  return header_.external_weights_size() > 0 && !weightsImage_;
}

Status PlanFile::attachWeights(const WeightFiller &fill) {
  if (header_.external_weights_size() == 0)
    return Status::error(path_ + ": the plan holds all its weights");
  Bytes kept;
  if (!section(kWeightsSectionName, kept))
    kept = {};
  size_t size = header_.weights_bytes();
  // Anonymous pages: page-aligned like the file mapping, zero where unset,
  // and made read-only once filled.
  void *m = ::mmap(nullptr, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    return Status::error(path_ + ": cannot allocate the weights image (" +
                         std::to_string(size) + " bytes): " +
                         std::strerror(errno));
  uint8_t *image = static_cast<uint8_t *>(m);
  if (kept.size)
    std::memcpy(image, kept.data, kept.size);
  std::map<int32_t, const plan::Buffer *> byId;
  for (const plan::Buffer &b : header_.buffers())
    byId[b.id()] = &b;
  for (const plan::ExternalWeight &w : header_.external_weights()) {
    const plan::Buffer &b = *byId.at(w.buffer()); // checked when opened
    Status st = fill(w, b, image + b.offset());
    if (!st.ok()) {
      ::munmap(m, size ? size : 1);
      return st;
    }
  }
  ::mprotect(m, size ? size : 1, PROT_READ);
  weightsImage_ = image;
  weightsImageSize_ = size ? size : 1;
  return Status::success();
}

} // namespace llmc::runtime
