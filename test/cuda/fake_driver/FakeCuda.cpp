// A fake CUDA driver (libcuda.so.1) for tests on machines without a GPU:
// the driver API entry points the runtime dlopens (runtime/src/cuda), done
// on the host. Memory is host memory, copies are memcpy, PTX is never run.
// Every call that matters is appended to $LLMC_FAKE_CUDA_LOG, one line each:
//   alloc PTR BYTES | free PTR | htod PTR BYTES | dtoh PTR BYTES |
//   memset PTR BYTES | module_load target=sm_XX bytes=N | sync |
//   set_limit L VALUE | launch FN grid=X,Y,Z block=X,Y,Z args=P,P,...
// Behaviour is chosen by environment variables, read at each call:
//   LLMC_FAKE_CUDA_CC          "9.0" (default), "8.6", ...; "none": 0 devices
//   LLMC_FAKE_CUDA_INIT_ERROR  cuInit returns this CUresult (e.g. 100)
//   LLMC_FAKE_CUDA_FAIL_LAUNCH N: the Nth cuLaunchKernel since the last
//                              module load returns CUDA_ERROR_LAUNCH_FAILED
// PTX containing "FAKE_JIT_ERROR" fails to load (CUDA_ERROR_INVALID_PTX).
// A copy or launch argument outside every live allocation is an error
// (CUDA_ERROR_INVALID_VALUE), so tests catch wrong pointers.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <string>

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;

constexpr CUresult kSuccess = 0, kInvalidValue = 1, kNoDevice = 100,
                   kInvalidPtx = 218, kNotFound = 500, kLaunchFailed = 719;

struct Function {
  std::string name;
  int numParams = 0;
};
struct Module {
  std::map<std::string, Function> functions;
};

std::mutex mu;
std::map<CUdeviceptr, size_t> allocations; // base -> bytes
constexpr size_t kDefaultHeap = 8 << 20;
size_t heapLimit = kDefaultHeap;
int contextRefs = 0;
long launches = 0;
int contextToken, streamToken;

void logLine(const char *fmt, ...) {
  const char *path = std::getenv("LLMC_FAKE_CUDA_LOG");
  if (!path || !*path)
    return;
  FILE *f = std::fopen(path, "a");
  if (!f)
    return;
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(f, fmt, ap);
  va_end(ap);
  std::fputc('\n', f);
  std::fclose(f);
}

// Compute capability from LLMC_FAKE_CUDA_CC; false for "none".
bool computeCapability(int &major, int &minor) {
  const char *cc = std::getenv("LLMC_FAKE_CUDA_CC");
  std::string s = cc && *cc ? cc : "9.0";
  if (s == "none")
    return false;
  major = std::atoi(s.c_str());
  size_t dot = s.find('.');
  minor = dot == std::string::npos ? 0 : std::atoi(s.c_str() + dot + 1);
  return true;
}

bool inAllocation(CUdeviceptr p, size_t bytes) {
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin())
    return false;
  --it;
  return p >= it->first && p + bytes <= it->first + it->second;
}

// .entry NAME( .param ..., .param ... ): the parameter count of each entry.
void parseEntries(const std::string &ptx, Module &m) {
  for (size_t pos = ptx.find(".entry"); pos != std::string::npos;
       pos = ptx.find(".entry", pos + 1)) {
    size_t start = ptx.find_first_not_of(" \t\r\n", pos + 6);
    size_t open = ptx.find('(', start);
    if (start == std::string::npos || open == std::string::npos)
      break;
    size_t end = ptx.find_first_of(" \t\r\n(", start);
    size_t close = ptx.find(')', open);
    Function f;
    f.name = ptx.substr(start, end - start);
    for (size_t p = ptx.find(".param", open); p != std::string::npos && p < close;
         p = ptx.find(".param", p + 1))
      ++f.numParams;
    m.functions[f.name] = f;
  }
}

const char *errorName(CUresult r) {
  switch (r) {
  case kSuccess: return "CUDA_SUCCESS";
  case kInvalidValue: return "CUDA_ERROR_INVALID_VALUE";
  case 2: return "CUDA_ERROR_OUT_OF_MEMORY";
  case 3: return "CUDA_ERROR_NOT_INITIALIZED";
  case kNoDevice: return "CUDA_ERROR_NO_DEVICE";
  case kInvalidPtx: return "CUDA_ERROR_INVALID_PTX";
  case kNotFound: return "CUDA_ERROR_NOT_FOUND";
  case kLaunchFailed: return "CUDA_ERROR_LAUNCH_FAILED";
  case 999: return "CUDA_ERROR_UNKNOWN";
  default: return nullptr;
  }
}

const char *errorString(CUresult r) {
  switch (r) {
  case kSuccess: return "no error";
  case kInvalidValue: return "invalid argument";
  case 2: return "out of memory";
  case 3: return "initialization error";
  case kNoDevice: return "no CUDA-capable device is detected";
  case kInvalidPtx: return "a PTX JIT compilation failed";
  case kNotFound: return "named symbol not found";
  case kLaunchFailed: return "unspecified launch failure";
  case 999: return "unknown error";
  default: return nullptr;
  }
}

} // namespace

extern "C" {

CUresult cuInit(unsigned) {
  const char *err = std::getenv("LLMC_FAKE_CUDA_INIT_ERROR");
  return err && *err ? std::atoi(err) : kSuccess;
}

CUresult cuDeviceGetCount(int *count) {
  int major, minor;
  *count = computeCapability(major, minor) ? 1 : 0;
  return kSuccess;
}

CUresult cuDeviceGet(int *dev, int ordinal) {
  int major, minor;
  if (ordinal != 0 || !computeCapability(major, minor))
    return kNoDevice;
  *dev = 0;
  return kSuccess;
}

CUresult cuDeviceGetAttribute(int *value, int attr, int) {
  int major = 0, minor = 0;
  if (!computeCapability(major, minor))
    return kNoDevice;
  if (attr == 75)
    *value = major;
  else if (attr == 76)
    *value = minor;
  else
    return kInvalidValue;
  return kSuccess;
}

CUresult cuDeviceGetName(char *name, int len, int) {
  std::snprintf(name, len, "llmc fake CUDA device");
  return kSuccess;
}

CUresult cuDevicePrimaryCtxRetain(void **ctx, int) {
  std::lock_guard<std::mutex> lock(mu);
  ++contextRefs;
  *ctx = &contextToken;
  return kSuccess;
}

CUresult cuDevicePrimaryCtxRelease_v2(int) {
  std::lock_guard<std::mutex> lock(mu);
  if (contextRefs == 0)
    return 3; // CUDA_ERROR_NOT_INITIALIZED
  if (--contextRefs == 0)
    heapLimit = kDefaultHeap; // the context is destroyed with its limits
  return kSuccess;
}
CUresult cuCtxSetCurrent(void *) { return kSuccess; }

CUresult cuCtxGetLimit(size_t *value, int limit) {
  if (limit != 2)
    return kInvalidValue;
  std::lock_guard<std::mutex> lock(mu);
  *value = heapLimit;
  return kSuccess;
}

CUresult cuCtxSetLimit(int limit, size_t value) {
  if (limit != 2)
    return kInvalidValue;
  std::lock_guard<std::mutex> lock(mu);
  heapLimit = value;
  logLine("set_limit %d %zu", limit, value);
  return kSuccess;
}

CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned numOptions,
                            int *options, void **values) {
  std::string ptx(static_cast<const char *>(image));
  std::string target = "?";
  if (size_t t = ptx.find(".target "); t != std::string::npos)
    target = ptx.substr(t + 8, ptx.find_first_of(" \t\r\n,", t + 8) - t - 8);
  std::lock_guard<std::mutex> lock(mu);
  logLine("module_load target=%s bytes=%zu options=%u", target.c_str(),
          ptx.size(), numOptions);
  if (ptx.find("FAKE_JIT_ERROR") != std::string::npos) {
    for (unsigned i = 0; i < numOptions; ++i)
      if (options[i] == 5) // CU_JIT_ERROR_LOG_BUFFER
        std::snprintf(static_cast<char *>(values[i]), 64,
                      "ptxas fatal   : fake syntax error\nsecond line\n");
    return kInvalidPtx;
  }
  auto *m = new Module;
  parseEntries(ptx, *m);
  launches = 0;
  *module = m;
  return kSuccess;
}

CUresult cuModuleUnload(void *module) {
  delete static_cast<Module *>(module);
  return kSuccess;
}

CUresult cuModuleGetFunction(void **fn, void *module, const char *name) {
  auto *m = static_cast<Module *>(module);
  auto it = m->functions.find(name);
  if (it == m->functions.end())
    return kNotFound;
  *fn = &it->second;
  return kSuccess;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  if (bytes == 0)
    return kInvalidValue;
  void *mem = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!mem)
    return 2;
  std::lock_guard<std::mutex> lock(mu);
  *p = reinterpret_cast<CUdeviceptr>(mem);
  allocations[*p] = bytes;
  logLine("alloc 0x%llx %zu", *p, bytes);
  return kSuccess;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
  std::lock_guard<std::mutex> lock(mu);
  if (!allocations.erase(p))
    return kInvalidValue;
  std::free(reinterpret_cast<void *>(p));
  logLine("free 0x%llx", p);
  return kSuccess;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes,
                              void *) {
  std::lock_guard<std::mutex> lock(mu);
  logLine("htod 0x%llx %zu", dst, bytes);
  if (!inAllocation(dst, bytes))
    return kInvalidValue;
  std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return kSuccess;
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes, void *) {
  std::lock_guard<std::mutex> lock(mu);
  logLine("dtoh 0x%llx %zu", src, bytes);
  if (!inAllocation(src, bytes))
    return kInvalidValue;
  std::memcpy(dst, reinterpret_cast<void *>(src), bytes);
  return kSuccess;
}

CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t n, void *) {
  std::lock_guard<std::mutex> lock(mu);
  logLine("memset 0x%llx %zu", dst, n);
  if (!inAllocation(dst, n))
    return kInvalidValue;
  std::memset(reinterpret_cast<void *>(dst), value, n);
  return kSuccess;
}

CUresult cuStreamCreate(void **stream, unsigned) {
  *stream = &streamToken;
  return kSuccess;
}
CUresult cuStreamDestroy_v2(void *) { return kSuccess; }

CUresult cuStreamSynchronize(void *) {
  std::lock_guard<std::mutex> lock(mu);
  logLine("sync");
  return kSuccess;
}

CUresult cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *, void **params, void **) {
  auto *f = static_cast<Function *>(fn);
  std::lock_guard<std::mutex> lock(mu);
  ++launches;
  std::string args;
  bool valid = shared == 0;
  for (int i = 0; i < f->numParams; ++i) {
    CUdeviceptr p = *static_cast<CUdeviceptr *>(params[i]);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s0x%llx", i ? "," : "", p);
    args += buf;
    valid &= inAllocation(p, 1);
  }
  logLine("launch %s grid=%u,%u,%u block=%u,%u,%u args=%s", f->name.c_str(),
          gx, gy, gz, bx, by, bz, args.c_str());
  const char *fail = std::getenv("LLMC_FAKE_CUDA_FAIL_LAUNCH");
  if (fail && *fail && std::atol(fail) == launches)
    return kLaunchFailed;
  return valid ? kSuccess : kInvalidValue;
}

CUresult cuGetErrorName(CUresult r, const char **s) {
  *s = errorName(r);
  return *s ? kSuccess : kInvalidValue;
}

CUresult cuGetErrorString(CUresult r, const char **s) {
  *s = errorString(r);
  return *s ? kSuccess : kInvalidValue;
}

} // extern "C"
