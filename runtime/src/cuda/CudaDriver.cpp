// CudaDriver: dlopen + dlsym of the driver entry points (no CUDA headers or
// link-time libcuda, so llmrun runs on machines without a GPU).
#include "CudaDriver.h"

#include <cstdlib>
#include <dlfcn.h>

namespace llmc::runtime::cuda {

std::string Driver::errorText(CUresult r) const {
  const char *name = nullptr, *text = nullptr;
  if (api.getErrorName(r, &name) != CUDA_SUCCESS || !name)
    return "CUDA error " + std::to_string(r);
  std::string s = name;
  if (api.getErrorString(r, &text) == CUDA_SUCCESS && text)
    s += std::string(": ") + text;
  return s;
}

Status loadDriver(std::shared_ptr<const Driver> &out) {
  const char *env = std::getenv(kDriverEnv);
  std::string path = env && *env ? env : "libcuda.so.1";
  void *lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    // Without a GPU driver this is the normal case: keep the reason short.
    if (!env || !*env)
      return Status::error(path + " not found");
    const char *err = dlerror();
    return Status::error("cannot load " + path + ": " + (err ? err : "?"));
  }
  auto d = std::make_shared<Driver>();
  d->path = path;
  DriverApi &a = d->api;
  struct Entry {
    const char *name;
    void **slot;
  };
  const Entry entries[] = {
      {"cuInit", reinterpret_cast<void **>(&a.init)},
      {"cuDeviceGetCount", reinterpret_cast<void **>(&a.deviceGetCount)},
      {"cuDeviceGet", reinterpret_cast<void **>(&a.deviceGet)},
      {"cuDeviceGetAttribute", reinterpret_cast<void **>(&a.deviceGetAttribute)},
      {"cuDeviceGetName", reinterpret_cast<void **>(&a.deviceGetName)},
      {"cuDevicePrimaryCtxRetain", reinterpret_cast<void **>(&a.primaryCtxRetain)},
      {"cuDevicePrimaryCtxRelease_v2",
       reinterpret_cast<void **>(&a.primaryCtxRelease)},
      {"cuCtxSetCurrent", reinterpret_cast<void **>(&a.ctxSetCurrent)},
      {"cuCtxGetLimit", reinterpret_cast<void **>(&a.ctxGetLimit)},
      {"cuCtxSetLimit", reinterpret_cast<void **>(&a.ctxSetLimit)},
      {"cuModuleLoadDataEx", reinterpret_cast<void **>(&a.moduleLoadDataEx)},
      {"cuModuleUnload", reinterpret_cast<void **>(&a.moduleUnload)},
      {"cuModuleGetFunction", reinterpret_cast<void **>(&a.moduleGetFunction)},
      {"cuMemAlloc_v2", reinterpret_cast<void **>(&a.memAlloc)},
      {"cuMemFree_v2", reinterpret_cast<void **>(&a.memFree)},
      {"cuMemcpyHtoDAsync_v2", reinterpret_cast<void **>(&a.memcpyHtoDAsync)},
      {"cuMemcpyDtoHAsync_v2", reinterpret_cast<void **>(&a.memcpyDtoHAsync)},
      {"cuMemsetD8Async", reinterpret_cast<void **>(&a.memsetD8Async)},
      {"cuStreamCreate", reinterpret_cast<void **>(&a.streamCreate)},
      {"cuStreamDestroy_v2", reinterpret_cast<void **>(&a.streamDestroy)},
      {"cuStreamSynchronize", reinterpret_cast<void **>(&a.streamSynchronize)},
      {"cuLaunchKernel", reinterpret_cast<void **>(&a.launchKernel)},
      {"cuGetErrorName", reinterpret_cast<void **>(&a.getErrorName)},
      {"cuGetErrorString", reinterpret_cast<void **>(&a.getErrorString)},
  };
  for (const Entry &e : entries) {
    *e.slot = dlsym(lib, e.name);
    if (!*e.slot)
      return Status::error(path + " has no " + e.name +
                           " (driver too old?)");
  }
  out = std::move(d);
  return Status::success();
}

} // namespace llmc::runtime::cuda
