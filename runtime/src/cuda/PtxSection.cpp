// PtxSection: reads the JSON launch schedules that lib/Codegen/NVPTX writes
// (serializePTXCode) and chooses which chip's section a device runs.
#include "PtxSection.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <limits>

namespace llmc::runtime::cuda {
namespace {

using json = nlohmann::json;

Status readDim3(const json &j, const char *key, unsigned (&out)[3],
                const std::string &what) {
  const json &v = j.at(key);
  if (!v.is_array() || v.size() != 3)
    return Status::error(what + ": '" + key + "' is not 3 integers");
  for (int i = 0; i < 3; ++i) {
    int64_t d = v[i].get<int64_t>();
    if (d < 1 || d > std::numeric_limits<int32_t>::max())
      return Status::error(what + ": " + key + "[" + std::to_string(i) +
                           "] = " + std::to_string(d) + " is out of range");
    out[i] = static_cast<unsigned>(d);
  }
  return Status::success();
}

Status parseKernel(const json &k, PtxKernel &out, const std::string &what) {
  out.name = k.at("name").get<std::string>();
  std::string where = what + " ('" + out.name + "')";
  for (const json &b : k.at("scratch_bytes"))
    out.scratchBytes.push_back(b.get<uint64_t>());
  const json &launches = k.at("launches");
  for (size_t i = 0; i < launches.size(); ++i) {
    const json &l = launches[i];
    PtxLaunch launch;
    launch.function = l.at("function").get<std::string>();
    std::string lw = where + " launch " + std::to_string(i);
    LLMC_RETURN_IF_ERROR(readDim3(l, "grid", launch.grid, lw));
    LLMC_RETURN_IF_ERROR(readDim3(l, "block", launch.block, lw));
    for (const json &a : l.at("args")) {
      PtxArg arg;
      int64_t index = -1;
      if (a.contains("arg")) {
        index = a.at("arg").get<int64_t>();
      } else if (a.contains("scratch")) {
        arg.scratch = true;
        index = a.at("scratch").get<int64_t>();
        if (index >= static_cast<int64_t>(out.scratchBytes.size()))
          return Status::error(lw + ": scratch " + std::to_string(index) +
                               " is out of range (" +
                               std::to_string(out.scratchBytes.size()) +
                               " scratch buffers)");
      } else {
        return Status::error(lw + ": an argument is neither 'arg' nor "
                                  "'scratch'");
      }
      if (index < 0 || index > std::numeric_limits<int32_t>::max())
        return Status::error(lw + ": argument index " +
                             std::to_string(index) + " is out of range");
      arg.index = static_cast<uint32_t>(index);
      launch.args.push_back(arg);
    }
    out.launches.push_back(std::move(launch));
  }
  return Status::success();
}

} // namespace

Status parsePtxSection(const void *data, size_t size, PtxSection &out) {
  const char *begin = static_cast<const char *>(data);
  json doc = json::parse(begin, begin + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::error("PTX section is not a JSON object");
  try {
    std::string format = doc.value("format", "");
    if (format != "llmc-ptx-1")
      return Status::error("PTX section format '" + format +
                           "' is not llmc-ptx-1");
    out.chip = doc.at("chip").get<std::string>();
    out.ptx = doc.at("ptx").get<std::string>();
    const json &kernels = doc.at("kernels");
    for (size_t i = 0; i < kernels.size(); ++i) {
      PtxKernel k;
      LLMC_RETURN_IF_ERROR(
          parseKernel(kernels[i], k, "PTX kernel " + std::to_string(i)));
      out.kernels.push_back(std::move(k));
    }
  } catch (const json::exception &e) {
    return Status::error(std::string("malformed PTX section: ") + e.what());
  }
  return Status::success();
}

int ptxTargetChip(const std::string &target) {
  const std::string prefix = "ptx-sm_";
  if (target.compare(0, prefix.size(), prefix) != 0 ||
      target.size() == prefix.size() || target.size() > prefix.size() + 4)
    return -1;
  int chip = 0;
  for (size_t i = prefix.size(); i < target.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(target[i])))
      return -1; // e.g. sm_90a: arch-specific PTX does not run forward
    chip = chip * 10 + (target[i] - '0');
  }
  return chip;
}

std::string pickPtxTarget(const std::vector<std::string> &targets, int major,
                          int minor) {
  int device = major * 10 + minor;
  int best = -1;
  std::string pick;
  for (const std::string &t : targets) {
    int chip = ptxTargetChip(t);
    if (chip >= 0 && chip <= device && chip > best) {
      best = chip;
      pick = t;
    }
  }
  return pick;
}

} // namespace llmc::runtime::cuda
