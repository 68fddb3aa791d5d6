// CudaDevice: a Device on one CUDA GPU through the driver API. Code sections
// are the plan's `code.ptx-<chip>` JSON documents (CudaModule).
#ifndef LLMC_RUNTIME_SRC_CUDA_CUDADEVICE_H
#define LLMC_RUNTIME_SRC_CUDA_CUDADEVICE_H

#include "CudaDriver.h"
#include "PtxSection.h"
#include "llmc/runtime/Device.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmc::runtime::cuda {

class CudaDevice final : public Device {
public:
  struct Config {
    std::shared_ptr<const Driver> driver;
    CUdevice device = 0;
    CUcontext context = nullptr; // retained primary context
    CUstream stream = nullptr;   // the one stream every operation uses
    std::string target;          // plan target it runs, "ptx-sm_80"
    std::string chip;            // the device's own, "sm_86"
    // Plan Kernel.symbol -> Kernel.name (PTX schedules are keyed by name).
    std::unordered_map<std::string, std::string> kernelNames;
    bool syncEachLaunch = false; // LLMC_CUDA_SYNC=1
  };
  explicit CudaDevice(Config config);
  ~CudaDevice() override;

  const std::string &targetName() const override { return cfg_.target; }
  Status loadCode(const void *data, size_t size,
                  std::unique_ptr<CodeModule> &out) override;
  Status allocate(size_t bytes, size_t alignment, void *&out) override;
  void free(void *ptr) override;
  Status mapHostReadOnly(const void *host, size_t size, void *&out) override;
  void releaseHostView(void *ptr) override;
  Status copyToDevice(void *dst, const void *hostSrc, size_t size) override;
  Status copyToHost(void *hostDst, const void *src, size_t size) override;
  Status fillZero(void *dst, size_t size) override;
  Status launch(KernelHandle kernel, void **args, size_t numArgs,
                const std::vector<int64_t> &launchDims) override;
  Status synchronize() override;

  // Used by CudaModule.
  const DriverApi &api() const { return cfg_.driver->api; }
  const Config &config() const { return cfg_; }
  // Makes the context current on the calling thread (the engine may run on
  // a thread other than the one that created it, e.g. when serving).
  Status bind();
  // `what: CUDA_ERROR_X: text` unless r is CUDA_SUCCESS.
  Status check(CUresult r, const std::string &what) const;

private:
  Config cfg_;
  // allocate() pointers that were over-allocated for alignment -> the base.
  std::unordered_map<void *, CUdeviceptr> alignedBases_;
};

// One plan kernel's launch schedule, resolved against the loaded module; a
// KernelHandle points at one of these.
struct KernelSchedule {
  struct Launch {
    CUfunction function = nullptr;
    std::string name;
    unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
    std::vector<PtxArg> args;
  };
  std::string name;
  std::vector<Launch> launches;
  std::vector<CUdeviceptr> scratch; // one pointer per scratch buffer
  // Parameter storage reused by every launch (no allocation per step).
  std::vector<CUdeviceptr> values;
  std::vector<void *> params;
};

// Parses a `code.ptx-<chip>` section, JIT-loads its PTX and resolves every
// launch's function; the scratch buffers of all kernels share one
// allocation made here (plan kernels run one at a time on the one stream).
Status loadPtxModule(CudaDevice &device, const void *data, size_t size,
                     std::unique_ptr<CodeModule> &out);

} // namespace llmc::runtime::cuda

#endif
