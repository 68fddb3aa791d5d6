// Device: the small interface an execution backend implements (CPU today,
// CUDA later). Pointers returned by a Device are device addresses.
#ifndef LLMC_RUNTIME_DEVICE_H
#define LLMC_RUNTIME_DEVICE_H

#include "llmc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc::runtime {

// Opaque handle to a resolved kernel entry point.
struct KernelHandle {
  void *impl = nullptr;
};

// Code loaded onto a device (a shared object on the CPU).
class CodeModule {
public:
  virtual ~CodeModule() = default;
  // Resolves `symbol`; a missing symbol is an error naming it.
  virtual Status lookup(const std::string &symbol, KernelHandle &out) = 0;
};

class Device {
public:
  virtual ~Device() = default;

  // Plan target this device executes, e.g. "cpu-x86_64".
  virtual const std::string &targetName() const = 0;

  // Loads the bytes of a code section. The module must outlive its kernels.
  virtual Status loadCode(const void *data, size_t size,
                          std::unique_ptr<CodeModule> &out) = 0;

  // Device memory. allocate(0, ...) returns a valid, unique pointer.
  virtual Status allocate(size_t bytes, size_t alignment, void *&out) = 0;
  virtual void free(void *ptr) = 0;

  // Makes `size` bytes of read-only host memory (e.g. the mmapped weights
  // section) visible to kernels. The CPU returns `host` itself; other devices
  // may copy. Release with releaseHostView.
  virtual Status mapHostReadOnly(const void *host, size_t size, void *&out) = 0;
  virtual void releaseHostView(void *ptr) = 0;

  virtual Status copyToDevice(void *dst, const void *hostSrc, size_t size) = 0;
  virtual Status copyToHost(void *hostDst, const void *src, size_t size) = 0;
  // Sets `size` bytes at `dst` to zero (STATE buffers start zeroed). The
  // default copies from a small zero block, so no device must implement it.
  virtual Status fillZero(void *dst, size_t size);
  // True when device pointers are host addresses (the CPU), so callers may
  // read outputs in place instead of copying them.
  virtual bool hostAddressable() const { return false; }

  // Runs `kernel` with args[i] = device pointer of buffer i of the step.
  // `launchDims` is empty on the CPU.
  virtual Status launch(KernelHandle kernel, void **args, size_t numArgs,
                        const std::vector<int64_t> &launchDims) = 0;
  // Waits for all launched work.
  virtual Status synchronize() = 0;
};

// Host CPU; code sections are ELF shared objects.
std::unique_ptr<Device> createCpuDevice();

// "cpu-x86_64" / "cpu-aarch64" / ... for the machine the runtime was built for.
const char *hostCpuTargetName();

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_DEVICE_H
