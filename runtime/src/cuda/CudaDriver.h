// Loads the CUDA driver library at run time and names its errors.
#ifndef LLMC_RUNTIME_SRC_CUDA_CUDADRIVER_H
#define LLMC_RUNTIME_SRC_CUDA_CUDADRIVER_H

#include "CudaApi.h"
#include "llmc/runtime/Status.h"

#include <memory>
#include <string>

namespace llmc::runtime::cuda {

// Environment variable naming the driver library to load instead of
// libcuda.so.1 (tests point it at a fake driver; docs/cuda-runtime.md).
constexpr const char *kDriverEnv = "LLMC_CUDA_DRIVER";

struct Driver {
  DriverApi api{};
  std::string path; // what was dlopen'ed

  // "CUDA_ERROR_LAUNCH_FAILED: unspecified launch failure".
  std::string errorText(CUresult r) const;
};

// dlopens $LLMC_CUDA_DRIVER or libcuda.so.1 and resolves every entry point.
// The library is never unloaded (drivers do not support it well). Errors are
// short reasons for "CUDA unavailable (...)": "libcuda.so.1 not found".
Status loadDriver(std::shared_ptr<const Driver> &out);

} // namespace llmc::runtime::cuda

#endif
