//===- StripWeights.cpp - leave verbatim ONNX weights out of a plan -------===//
// Provenance is proven, not assumed: a weight is left out only when the
// runtime's own ONNX reader yields exactly its bytes for some initializer,
// whatever the passes did to the constant on the way.
//===----------------------------------------------------------------------===//
#include "llmc/Plan/StripWeights.h"
#include "llmc/runtime/Checksum.h"
#include "llmc/runtime/DType.h"
#include "llmc/runtime/OnnxWeights.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

using namespace llmc;
using runtime::Status;

namespace {

constexpr uint64_t kWeightAlignment = 64; // as PlanBuilder lays weights out

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

bool strippable(plan::DType t) {
  switch (t) {
  case plan::FLOAT:
  case plan::FLOAT16:
  case plan::BFLOAT16:
  case plan::DOUBLE:
  case plan::UINT8:
  case plan::INT8:
    return true;
  default:
    return false;
  }
}

// dtype, bytes, crc: dims are not compared, so a weight the compiler only
// reshaped (same bytes) is still verbatim.
using Key = std::tuple<int32_t, uint64_t, uint32_t>;

std::vector<int64_t> dimsOf(const plan::Buffer &b) {
  std::vector<int64_t> dims;
  for (const plan::Dim &d : b.dims())
    dims.push_back(d.value());
  return dims;
}

} // namespace

Status llmc::stripWeights(runtime::PlanWriterInput &plan,
                          const StripWeightsOptions &options,
                          StripWeightsReport &report) {
  std::vector<uint8_t> *section = nullptr;
  for (auto &[name, bytes] : plan.sections)
    if (name == runtime::kWeightsSectionName)
      section = &bytes;
  plan::PlanHeader &h = plan.header;
  std::vector<plan::Buffer *> weights;
  for (plan::Buffer &b : *h.mutable_buffers())
    if (b.kind() == plan::WEIGHT)
      weights.push_back(&b);
  if (!section || weights.empty())
    return Status::success();

  // Candidates by (dtype, bytes, crc); then one pass over the initializers of
  // those types and sizes, comparing bytes where the checksum agrees.
  std::map<Key, std::vector<plan::Buffer *>> wanted;
  std::map<std::pair<int32_t, uint64_t>, int> wantedTypes;
  std::map<const plan::Buffer *, std::string> source;
  for (plan::Buffer *b : weights) {
    if (b->size_bytes() < options.keepBelow || !strippable(b->dtype()))
      continue;
    uint32_t crc = runtime::crc32c(section->data() + b->offset(), b->size_bytes());
    wanted[Key(b->dtype(), b->size_bytes(), crc)].push_back(b);
    wantedTypes[{b->dtype(), b->size_bytes()}] = 1;
  }
  if (!wanted.empty()) {
    std::unique_ptr<runtime::OnnxWeightFile> model;
    LLMC_RETURN_IF_ERROR(runtime::OnnxWeightFile::open(options.model, model));
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < model->initializers().size(); ++i) {
      const runtime::OnnxInitializer &init = model->initializers()[i];
      if (!plan::DType_IsValid(init.dataType))
        continue;
      uint64_t size = runtime::dtypeSize(plan::DType(init.dataType));
      for (int64_t d : init.dims)
        size *= d < 0 ? 0 : uint64_t(d);
      if (!wantedTypes.count({init.dataType, size}))
        continue;
      bytes.resize(size);
      if (!model->read(int(i), bytes.data(), bytes.size()).ok())
        continue; // unreadable here: the weight simply stays in the plan
      auto it = wanted.find(Key(init.dataType, size,
                                runtime::crc32c(bytes.data(), bytes.size())));
      if (it == wanted.end())
        continue;
      for (plan::Buffer *b : it->second)
        if (!source.count(b) &&
            std::memcmp(section->data() + b->offset(), bytes.data(),
                        bytes.size()) == 0)
          source[b] = init.name;
    }
  }
  auto keep = [&](const plan::Buffer &b) {
    if (b.size_bytes() >= options.keepBelow && strippable(b.dtype()))
      report.notVerbatim.push_back("buffer " + std::to_string(b.id()) + " " +
                                   runtime::typeString(b.dtype(), dimsOf(b)));
    ++report.kept;
    report.keptBytes += b.size_bytes();
  };
  if (source.empty()) { // nothing to leave out: the plan stays version 1
    for (plan::Buffer *b : weights)
      keep(*b);
    return Status::success();
  }

  // Relayout: kept weights first (in their order), stripped ones after.
  std::sort(weights.begin(), weights.end(),
            [](const plan::Buffer *a, const plan::Buffer *b) {
              return a->offset() < b->offset();
            });
  std::vector<uint8_t> kept;
  std::vector<std::pair<plan::Buffer *, uint32_t>> stripped;
  for (plan::Buffer *b : weights) {
    const uint8_t *data = section->data() + b->offset();
    if (source.count(b)) {
      stripped.emplace_back(b, runtime::crc32c(data, b->size_bytes()));
      continue;
    }
    keep(*b);
    kept.resize(alignUp(kept.size(), kWeightAlignment));
    b->set_offset(kept.size());
    kept.insert(kept.end(), data, data + b->size_bytes());
  }
  uint64_t end = kept.size();
  for (auto &[b, crc] : stripped) {
    end = alignUp(end, kWeightAlignment);
    b->set_offset(end);
    end += b->size_bytes();
    plan::ExternalWeight *w = h.add_external_weights();
    w->set_buffer(b->id());
    w->set_initializer(source[b]);
    w->set_checksum(crc);
    w->set_alignment(kWeightAlignment);
    ++report.stripped;
    report.strippedBytes += b->size_bytes();
  }
  h.set_weights_bytes(end);
  *section = std::move(kept);
  return Status::success();
}
