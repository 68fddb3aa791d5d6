// Loads ELF shared objects from memory: memfd_create + dlopen, with an
// unlinked mkstemp file as fallback; symbols resolved with dlsym.
#include "SharedObjectLoader.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace llmc::runtime::detail {
namespace {

Status writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t w = ::write(fd, p, size);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return Status::error(std::strerror(errno));
    }
    p += w;
    size -= static_cast<size_t>(w);
  }
  return Status::success();
}

std::string dlError() {
  const char *e = ::dlerror();
  return e ? e : "unknown dlopen error";
}

class SharedObject final : public CodeModule {
public:
  // `fd` (or -1) backs `path` and is closed when the object is unloaded.
  SharedObject(void *handle, int fd, std::string path)
      : handle_(handle), fd_(fd), path_(std::move(path)) {}

  ~SharedObject() override {
    ::dlclose(handle_);
    if (fd_ < 0)
      return;
    // glibc matches dlopen requests by path first. If the object is still
    // loaded (e.g. marked NODELETE), keep the fd open forever so its
    // /proc/self/fd path is never reused by a later module.
    if (void *still = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      ::dlclose(still);
      return;
    }
    ::close(fd_);
  }

  Status lookup(const std::string &symbol, KernelHandle &out) override {
    ::dlerror();
    void *sym = ::dlsym(handle_, symbol.c_str());
    if (!sym)
      return Status::error("kernel symbol '" + symbol +
                           "' not found in the code section");
    out.impl = sym;
    return Status::success();
  }

private:
  void *handle_;
  int fd_;
  std::string path_;
};

} // namespace

Status loadViaMemfd(const void *data, size_t size,
                    std::unique_ptr<CodeModule> &out, bool &unavailable) {
  unavailable = false;
  int fd = ::memfd_create("llmc-kernels", MFD_CLOEXEC);
  if (fd < 0) {
    unavailable = true;
    return Status::error(std::string("memfd_create: ") + std::strerror(errno));
  }
  Status st = writeAll(fd, data, size);
  if (!st.ok()) {
    ::close(fd);
    return Status::error("cannot stage code section: " + st.message);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::string err = dlError();
    ::close(fd);
    unavailable = ::access("/proc/self/fd", F_OK) != 0; // e.g. no /proc
    return Status::error("cannot load code section: " + err);
  }
  out = std::make_unique<SharedObject>(handle, fd, path);
  return Status::success();
}

Status loadViaTempFile(const void *data, size_t size,
                       std::unique_ptr<CodeModule> &out) {
  const char *dir = std::getenv("TMPDIR");
  std::string path =
      std::string(dir && *dir ? dir : "/tmp") + "/llmc-kernels-XXXXXX";
  int fd = ::mkostemp(&path[0], O_CLOEXEC);
  if (fd < 0)
    return Status::error("cannot stage code section in '" + path +
                         "': " + std::strerror(errno));
  Status st = writeAll(fd, data, size);
  ::close(fd);
  void *handle = nullptr;
  if (st.ok()) {
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      st = Status::error("cannot load code section: " + dlError());
  } else {
    st = Status::error("cannot stage code section: " + st.message);
  }
  ::unlink(path.c_str());
  if (!st.ok())
    return st;
  out = std::make_unique<SharedObject>(handle, -1, path);
  return Status::success();
}

Status loadSharedObject(const void *data, size_t size,
                        std::unique_ptr<CodeModule> &out) {
  bool unavailable = false;
  Status st = loadViaMemfd(data, size, out, unavailable);
  if (st.ok() || !unavailable)
    return st;
  return loadViaTempFile(data, size, out);
}

} // namespace llmc::runtime::detail
