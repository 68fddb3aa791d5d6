// CpuDevice: host memory and direct kernel calls; code sections are ELF
// shared objects loaded from memory (see SharedObjectLoader).
#include "SharedObjectLoader.h"
#include "llmc/runtime/Device.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace llmc::runtime {
namespace {

using KernelFn = void (*)(void **);

class CpuDevice final : public Device {
public:
  const std::string &targetName() const override { return target_; }

  Status loadCode(const void *data, size_t size,
                  std::unique_ptr<CodeModule> &out) override {
    return detail::loadSharedObject(data, size, out);
  }

  Status allocate(size_t bytes, size_t alignment, void *&out) override {
    if (alignment < sizeof(void *))
      alignment = sizeof(void *);
    if (alignment & (alignment - 1))
      return Status::error("alignment " + std::to_string(alignment) +
                           " is not a power of two");
    size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    out = std::aligned_alloc(alignment, rounded ? rounded : alignment);
    if (!out)
      return Status::error("out of memory allocating " +
                           std::to_string(bytes) + " bytes");
    return Status::success();
  }

  void free(void *ptr) override { std::free(ptr); }

  Status mapHostReadOnly(const void *host, size_t, void *&out) override {
    out = const_cast<void *>(host);
    return Status::success();
  }
  void releaseHostView(void *) override {}

  Status copyToDevice(void *dst, const void *src, size_t size) override {
    if (size)
      std::memcpy(dst, src, size);
    return Status::success();
  }
  Status copyToHost(void *dst, const void *src, size_t size) override {
    if (size)
      std::memcpy(dst, src, size);
    return Status::success();
  }

  Status fillZero(void *dst, size_t size) override {
    if (size)
      std::memset(dst, 0, size);
    return Status::success();
  }
  bool hostAddressable() const override { return true; }

  Status launch(KernelHandle kernel, void **args, size_t,
                const std::vector<int64_t> &) override {
    reinterpret_cast<KernelFn>(kernel.impl)(args);
    return Status::success();
  }
  Status synchronize() override { return Status::success(); }

private:
  std::string target_ = hostCpuTargetName();
};

} // namespace

Status Device::fillZero(void *dst, size_t size) {
  static const uint8_t kZeros[64 * 1024] = {};
  for (size_t done = 0; done < size;) {
    size_t n = std::min(size - done, sizeof kZeros);
    LLMC_RETURN_IF_ERROR(copyToDevice(static_cast<uint8_t *>(dst) + done,
                                      kZeros, n));
    done += n;
  }
  return Status::success();
}

const char *hostCpuTargetName() {
#if defined(__x86_64__)
  return "cpu-x86_64";
#elif defined(__aarch64__)
  return "cpu-aarch64";
#elif defined(__riscv) && __riscv_xlen == 64
  return "cpu-riscv64";
#else
  return "cpu-unknown";
#endif
}

std::unique_ptr<Device> createCpuDevice() {
  return std::make_unique<CpuDevice>();
}

} // namespace llmc::runtime
