// The few CUDA driver API types, constants and entry points the runtime uses,
// declared here so that building needs no CUDA headers and llmrun has no
// link-time dependency on libcuda (it is dlopen'ed; see CudaDriver).
// Values and signatures are the driver ABI's (cuda.h, CUDA 11+).
#ifndef LLMC_RUNTIME_SRC_CUDA_CUDAAPI_H
#define LLMC_RUNTIME_SRC_CUDA_CUDAAPI_H

#include <cstddef>

namespace llmc::runtime::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_LIMIT_MALLOC_HEAP_SIZE = 0x02;
constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_STREAM_NON_BLOCKING = 0x1;

// One member per entry point; CudaDriver fills them with dlsym under the
// exported names in the comments (the _v2 ones are what cuda.h's macros
// select for the 64-bit ABI).
struct DriverApi {
  CUresult (*init)(unsigned flags);                             // cuInit
  CUresult (*deviceGetCount)(int *count);                       // cuDeviceGetCount
  CUresult (*deviceGet)(CUdevice *dev, int ordinal);            // cuDeviceGet
  CUresult (*deviceGetAttribute)(int *v, int attr, CUdevice d); // cuDeviceGetAttribute
  CUresult (*deviceGetName)(char *name, int len, CUdevice d);   // cuDeviceGetName
  CUresult (*primaryCtxRetain)(CUcontext *ctx, CUdevice d);     // cuDevicePrimaryCtxRetain
  CUresult (*primaryCtxRelease)(CUdevice d);                    // cuDevicePrimaryCtxRelease_v2
  CUresult (*ctxSetCurrent)(CUcontext ctx);                     // cuCtxSetCurrent
  CUresult (*ctxGetLimit)(size_t *value, int limit);            // cuCtxGetLimit
  CUresult (*ctxSetLimit)(int limit, size_t value);             // cuCtxSetLimit
  CUresult (*moduleLoadDataEx)(CUmodule *m, const void *image,  // cuModuleLoadDataEx
                               unsigned numOptions, int *options,
                               void **optionValues);
  CUresult (*moduleUnload)(CUmodule m);                         // cuModuleUnload
  CUresult (*moduleGetFunction)(CUfunction *f, CUmodule m,      // cuModuleGetFunction
                                const char *name);
  CUresult (*memAlloc)(CUdeviceptr *p, size_t bytes);           // cuMemAlloc_v2
  CUresult (*memFree)(CUdeviceptr p);                           // cuMemFree_v2
  CUresult (*memcpyHtoDAsync)(CUdeviceptr dst, const void *src, // cuMemcpyHtoDAsync_v2
                              size_t bytes, CUstream s);
  CUresult (*memcpyDtoHAsync)(void *dst, CUdeviceptr src,       // cuMemcpyDtoHAsync_v2
                              size_t bytes, CUstream s);
  CUresult (*memsetD8Async)(CUdeviceptr dst, unsigned char v,   // cuMemsetD8Async
                            size_t n, CUstream s);
  CUresult (*streamCreate)(CUstream *s, unsigned flags);        // cuStreamCreate
  CUresult (*streamDestroy)(CUstream s);                        // cuStreamDestroy_v2
  CUresult (*streamSynchronize)(CUstream s);                    // cuStreamSynchronize
  CUresult (*launchKernel)(CUfunction f, unsigned gx, unsigned gy, // cuLaunchKernel
                           unsigned gz, unsigned bx, unsigned by,
                           unsigned bz, unsigned sharedBytes, CUstream s,
                           void **params, void **extra);
  CUresult (*getErrorName)(CUresult r, const char **s);         // cuGetErrorName
  CUresult (*getErrorString)(CUresult r, const char **s);       // cuGetErrorString
};

} // namespace llmc::runtime::cuda

#endif
