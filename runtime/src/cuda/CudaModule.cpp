// CudaModule: a plan's PTX section loaded on the GPU, and the launch
// schedule of each plan kernel with its functions and scratch resolved.
#include "CudaDevice.h"

#include <algorithm>

namespace llmc::runtime::cuda {
namespace {

constexpr uint64_t kScratchAlignment = 256; // cuMemAlloc's own alignment
constexpr size_t kJitLogBytes = 16 * 1024;

// The JIT log as one line: its first non-empty line.
std::string firstLine(const char *log) {
  std::string s(log);
  size_t start = s.find_first_not_of("\r\n \t");
  if (start == std::string::npos)
    return "";
  size_t end = s.find_first_of("\r\n", start);
  return s.substr(start, end == std::string::npos ? end : end - start);
}

class CudaModule final : public CodeModule {
public:
  explicit CudaModule(CudaDevice &dev) : dev_(dev) {}
  ~CudaModule() override {
    if (!dev_.bind().ok())
      return;
    // Nothing may still run on the scratch memory.
    dev_.api().streamSynchronize(dev_.config().stream);
    if (scratch_)
      dev_.api().memFree(scratch_);
    if (module_)
      dev_.api().moduleUnload(module_);
  }

  Status load(const void *data, size_t size) {
    PtxSection section;
    LLMC_RETURN_IF_ERROR(parsePtxSection(data, size, section));
    chip_ = section.chip;
    LLMC_RETURN_IF_ERROR(dev_.bind());
    std::vector<char> errorLog(kJitLogBytes, 0), infoLog(kJitLogBytes, 0);
    int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                     CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {errorLog.data(), reinterpret_cast<void *>(kJitLogBytes - 1),
                      infoLog.data(), reinterpret_cast<void *>(kJitLogBytes - 1)};
    // The driver's JIT cache (~/.nv/ComputeCache) makes later loads of the
    // same PTX cheap.
    CUresult r = dev_.api().moduleLoadDataEx(&module_, section.ptx.c_str(), 4,
                                             options, values);
    if (r != CUDA_SUCCESS) {
      module_ = nullptr;
      std::string log = firstLine(errorLog.data());
      return Status::error("cannot JIT-compile the " + chip_ + " PTX for " +
                           dev_.config().chip + ": " +
                           dev_.config().driver->errorText(r) +
                           (log.empty() ? "" : " (" + log + ")"));
    }
    uint64_t scratchBytes = 0;
    std::vector<std::vector<uint64_t>> offsets;
    for (const PtxKernel &k : section.kernels) {
      offsets.emplace_back();
      uint64_t total = 0;
      for (uint64_t bytes : k.scratchBytes) {
        offsets.back().push_back(total);
        total += (std::max<uint64_t>(bytes, 1) + kScratchAlignment - 1) /
                 kScratchAlignment * kScratchAlignment;
      }
      scratchBytes = std::max(scratchBytes, total);
    }
    if (scratchBytes)
      LLMC_RETURN_IF_ERROR(dev_.check(
          dev_.api().memAlloc(&scratch_, scratchBytes),
          "allocating " + std::to_string(scratchBytes) +
              " bytes of kernel scratch"));
    for (size_t i = 0; i < section.kernels.size(); ++i) {
      const PtxKernel &k = section.kernels[i];
      auto s = std::make_unique<KernelSchedule>();
      s->name = k.name;
      size_t maxArgs = 0;
      for (const PtxLaunch &l : k.launches) {
        KernelSchedule::Launch launch;
        launch.name = l.function;
        std::copy(l.grid, l.grid + 3, launch.grid);
        std::copy(l.block, l.block + 3, launch.block);
        launch.args = l.args;
        LLMC_RETURN_IF_ERROR(dev_.check(
            dev_.api().moduleGetFunction(&launch.function, module_,
                                         l.function.c_str()),
            "kernel '" + k.name + "': GPU function '" + l.function + "'"));
        maxArgs = std::max(maxArgs, l.args.size());
        s->launches.push_back(std::move(launch));
      }
      for (uint64_t off : offsets[i])
        s->scratch.push_back(scratch_ + off);
      s->values.resize(maxArgs);
      for (CUdeviceptr &v : s->values)
        s->params.push_back(&v);
      if (!schedules_.emplace(k.name, std::move(s)).second)
        return Status::error("PTX section lists kernel '" + k.name +
                             "' twice");
    }
    return Status::success();
  }

  Status lookup(const std::string &symbol, KernelHandle &out) override {
    const auto &names = dev_.config().kernelNames;
    auto n = names.find(symbol);
    const std::string &name = n == names.end() ? symbol : n->second;
    auto it = schedules_.find(name);
    if (it == schedules_.end())
      return Status::error("kernel '" + name + "' has no launch schedule in "
                           "the " + chip_ + " PTX section");
    out.impl = it->second.get();
    return Status::success();
  }

private:
  CudaDevice &dev_;
  std::string chip_;
  CUmodule module_ = nullptr;
  CUdeviceptr scratch_ = 0;
  std::unordered_map<std::string, std::unique_ptr<KernelSchedule>> schedules_;
};

} // namespace

Status loadPtxModule(CudaDevice &device, const void *data, size_t size,
                     std::unique_ptr<CodeModule> &out) {
  auto module = std::make_unique<CudaModule>(device);
  LLMC_RETURN_IF_ERROR(module->load(data, size));
  out = std::move(module);
  return Status::success();
}

} // namespace llmc::runtime::cuda
