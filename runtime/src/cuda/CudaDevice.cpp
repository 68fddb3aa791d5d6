// CudaDevice: device memory, copies and launches on one stream of the
// primary context of CUDA device 0; createCudaDevice probes the driver.
#include "CudaDevice.h"

#include "llmc/runtime/DeviceSelect.h"

#include <cstdlib>

namespace llmc::runtime::cuda {
namespace {

constexpr size_t kDefaultMallocHeapMiB = 256;

thread_local CUcontext tlsCurrentContext = nullptr;

CUdeviceptr dptr(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}
void *hptr(CUdeviceptr p) {
  return reinterpret_cast<void *>(static_cast<uintptr_t>(p));
}

size_t envSize(const char *name, size_t fallback) {
  const char *v = std::getenv(name);
  if (!v || !*v)
    return fallback;
  char *end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return end && *end == '\0' ? static_cast<size_t>(n) : fallback;
}

} // namespace

CudaDevice::CudaDevice(Config config) : cfg_(std::move(config)) {}

CudaDevice::~CudaDevice() {
  if (!bind().ok())
    return;
  api().streamSynchronize(cfg_.stream);
  api().streamDestroy(cfg_.stream);
  api().primaryCtxRelease(cfg_.device);
  tlsCurrentContext = nullptr;
}

Status CudaDevice::bind() {
  if (tlsCurrentContext == cfg_.context)
    return Status::success();
  LLMC_RETURN_IF_ERROR(
      check(api().ctxSetCurrent(cfg_.context), "making the context current"));
  tlsCurrentContext = cfg_.context;
  return Status::success();
}

Status CudaDevice::check(CUresult r, const std::string &what) const {
  if (r == CUDA_SUCCESS)
    return Status::success();
  return Status::error(what + ": " + cfg_.driver->errorText(r));
}

Status CudaDevice::loadCode(const void *data, size_t size,
                            std::unique_ptr<CodeModule> &out) {
  return loadPtxModule(*this, data, size, out);
}

Status CudaDevice::allocate(size_t bytes, size_t alignment, void *&out) {
  if (alignment & (alignment - 1))
    return Status::error("alignment " + std::to_string(alignment) +
                         " is not a power of two");
  LLMC_RETURN_IF_ERROR(bind());
  // cuMemAlloc aligns to at least 256 bytes; larger alignments over-allocate.
  size_t extra = alignment > 256 ? alignment : 0;
  CUdeviceptr base = 0;
  LLMC_RETURN_IF_ERROR(check(api().memAlloc(&base, (bytes ? bytes : 1) + extra),
                             "allocating " + std::to_string(bytes) +
                                 " bytes on " + cfg_.chip));
  CUdeviceptr aligned = extra ? (base + alignment - 1) / alignment * alignment
                              : base;
  if (aligned != base)
    alignedBases_[hptr(aligned)] = base;
  out = hptr(aligned);
  return Status::success();
}

void CudaDevice::free(void *ptr) {
  if (!ptr || !bind().ok())
    return;
  CUdeviceptr base = dptr(ptr);
  if (auto it = alignedBases_.find(ptr); it != alignedBases_.end()) {
    base = it->second;
    alignedBases_.erase(it);
  }
  api().memFree(base);
}

Status CudaDevice::mapHostReadOnly(const void *host, size_t size, void *&out) {
  // The weights are copied once; kernels then read device memory.
  LLMC_RETURN_IF_ERROR(allocate(size, 256, out));
  Status st = copyToDevice(out, host, size);
  if (st.ok())
    st = synchronize(); // the mapping may go away; the copy must be done
  if (!st.ok()) {
    free(out);
    out = nullptr;
  }
  return st;
}

void CudaDevice::releaseHostView(void *ptr) { free(ptr); }

Status CudaDevice::copyToDevice(void *dst, const void *src, size_t size) {
  if (!size)
    return Status::success();
  LLMC_RETURN_IF_ERROR(bind());
  // From pageable memory the call returns once `src` is staged, so the
  // caller may reuse it; the copy stays ordered with the launches.
  return check(api().memcpyHtoDAsync(dptr(dst), src, size, cfg_.stream),
               "copying " + std::to_string(size) + " bytes to the device");
}

Status CudaDevice::copyToHost(void *dst, const void *src, size_t size) {
  if (!size)
    return Status::success();
  LLMC_RETURN_IF_ERROR(bind());
  LLMC_RETURN_IF_ERROR(
      check(api().memcpyDtoHAsync(dst, dptr(src), size, cfg_.stream),
            "copying " + std::to_string(size) + " bytes from the device"));
  return check(api().streamSynchronize(cfg_.stream),
               "copying " + std::to_string(size) + " bytes from the device");
}

Status CudaDevice::fillZero(void *dst, size_t size) {
  if (!size)
    return Status::success();
  LLMC_RETURN_IF_ERROR(bind());
  return check(api().memsetD8Async(dptr(dst), 0, size, cfg_.stream),
               "zeroing " + std::to_string(size) + " bytes");
}

Status CudaDevice::launch(KernelHandle kernel, void **args, size_t numArgs,
                          const std::vector<int64_t> &) {
  auto *s = static_cast<KernelSchedule *>(kernel.impl);
  LLMC_RETURN_IF_ERROR(bind());
  for (size_t i = 0; i < s->launches.size(); ++i) {
    const KernelSchedule::Launch &l = s->launches[i];
    auto where = [&] {
      return "kernel '" + s->name + "': GPU function '" + l.name +
             "' (launch " + std::to_string(i + 1) + " of " +
             std::to_string(s->launches.size()) + ")";
    };
    for (size_t a = 0; a < l.args.size(); ++a) {
      const PtxArg &arg = l.args[a];
      if (arg.scratch) {
        s->values[a] = s->scratch[arg.index];
      } else if (arg.index < numArgs) {
        s->values[a] = dptr(args[arg.index]);
      } else {
        return Status::error(where() + " uses argument " +
                             std::to_string(arg.index) + " but the step has " +
                             std::to_string(numArgs));
      }
    }
    LLMC_RETURN_IF_ERROR(check(
        api().launchKernel(l.function, l.grid[0], l.grid[1], l.grid[2],
                           l.block[0], l.block[1], l.block[2], 0, cfg_.stream,
                           s->params.data(), nullptr),
        where()));
    if (cfg_.syncEachLaunch)
      LLMC_RETURN_IF_ERROR(check(api().streamSynchronize(cfg_.stream), where()));
  }
  return Status::success();
}

Status CudaDevice::synchronize() {
  LLMC_RETURN_IF_ERROR(bind());
  return check(api().streamSynchronize(cfg_.stream),
               "running the plan on " + cfg_.chip +
                   " (LLMC_CUDA_SYNC=1 names the failing kernel)");
}

} // namespace llmc::runtime::cuda

namespace llmc::runtime {

Status createCudaDevice(const PlanHeader &header, std::unique_ptr<Device> &out) {
  using namespace cuda;
  auto unavailable = [](const std::string &why) {
    return Status::error("CUDA unavailable (" + why + ")");
  };
  std::shared_ptr<const Driver> driver;
  Status st = loadDriver(driver);
  if (!st.ok())
    return unavailable(st.message);
  const DriverApi &api = driver->api;
  if (CUresult r = api.init(0); r != CUDA_SUCCESS)
    return unavailable("cuInit failed: " + driver->errorText(r));
  int count = 0;
  if (CUresult r = api.deviceGetCount(&count); r != CUDA_SUCCESS)
    return unavailable("cuDeviceGetCount failed: " + driver->errorText(r));
  if (count < 1)
    return unavailable("no CUDA device");
  CudaDevice::Config cfg;
  cfg.driver = driver;
  int major = 0, minor = 0;
  if (CUresult r = api.deviceGet(&cfg.device, 0); r != CUDA_SUCCESS)
    return unavailable("cuDeviceGet failed: " + driver->errorText(r));
  if (CUresult r = api.deviceGetAttribute(
          &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cfg.device);
      r != CUDA_SUCCESS)
    return unavailable("cannot read the compute capability: " +
                       driver->errorText(r));
  if (CUresult r = api.deviceGetAttribute(
          &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cfg.device);
      r != CUDA_SUCCESS)
    return unavailable("cannot read the compute capability: " +
                       driver->errorText(r));
  cfg.chip = "sm_" + std::to_string(major * 10 + minor);

  std::vector<std::string> targets;
  std::string listed;
  for (const plan::Target &t : header.targets()) {
    targets.push_back(t.name());
    listed += (listed.empty() ? "" : ", ") + t.name();
  }
  cfg.target = pickPtxTarget(targets, major, minor);
  if (cfg.target.empty()) {
    if (header.kernels_size() > 0)
      return unavailable("the plan has no PTX for " + cfg.chip +
                         " or a lower chip (plan targets: " +
                         (listed.empty() ? "none" : listed) + ")");
    cfg.target = "ptx-" + cfg.chip; // no kernels: no code to load
  }
  for (const plan::Kernel &k : header.kernels())
    cfg.kernelNames.emplace(k.symbol(), k.name());
  const char *sync = std::getenv("LLMC_CUDA_SYNC");
  cfg.syncEachLaunch = sync && std::string(sync) == "1";

  if (CUresult r = api.primaryCtxRetain(&cfg.context, cfg.device);
      r != CUDA_SUCCESS)
    return unavailable("cannot create a context on " + cfg.chip + ": " +
                       driver->errorText(r));
  auto fail = [&](const std::string &what, CUresult r) {
    api.primaryCtxRelease(cfg.device);
    return unavailable(what + ": " + driver->errorText(r));
  };
  if (CUresult r = api.ctxSetCurrent(cfg.context); r != CUDA_SUCCESS)
    return fail("cuCtxSetCurrent failed", r);
  tlsCurrentContext = cfg.context;
  // The kernels allocate with device malloc (docs/codegen.md); the default
  // heap (8 MiB) is too small for model-sized temporaries.
  size_t heap = envSize("LLMC_CUDA_MALLOC_HEAP_MB", kDefaultMallocHeapMiB) << 20;
  size_t current = 0;
  if (CUresult r = api.ctxGetLimit(&current, CU_LIMIT_MALLOC_HEAP_SIZE);
      r != CUDA_SUCCESS)
    return fail("cannot read the device malloc heap size", r);
  if (current < heap)
    if (CUresult r = api.ctxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, heap);
        r != CUDA_SUCCESS)
      return fail("cannot set the device malloc heap to " +
                      std::to_string(heap >> 20) + " MiB",
                  r);
  if (CUresult r = api.streamCreate(&cfg.stream, CU_STREAM_NON_BLOCKING);
      r != CUDA_SUCCESS)
    return fail("cannot create a stream", r);
  out = std::make_unique<CudaDevice>(std::move(cfg));
  return Status::success();
}

} // namespace llmc::runtime
