// Internal: loads an in-memory ELF shared object with dlopen, via memfd_create
// or, as a fallback, an immediately-unlinked mkstemp file.
#ifndef LLMC_RUNTIME_SRC_SHAREDOBJECTLOADER_H
#define LLMC_RUNTIME_SRC_SHAREDOBJECTLOADER_H

#include "llmc/runtime/Device.h"

namespace llmc::runtime::detail {

// memfd_create + dlopen("/proc/self/fd/N"). Sets `unavailable` when the
// mechanism itself is missing (no memfd_create or no /proc), in which case
// the caller should fall back to loadViaTempFile.
Status loadViaMemfd(const void *data, size_t size,
                    std::unique_ptr<CodeModule> &out, bool &unavailable);

// mkstemp in $TMPDIR (or /tmp) + dlopen, unlinked right after dlopen.
Status loadViaTempFile(const void *data, size_t size,
                       std::unique_ptr<CodeModule> &out);

// loadViaMemfd, falling back to loadViaTempFile when memfd is unavailable.
Status loadSharedObject(const void *data, size_t size,
                        std::unique_ptr<CodeModule> &out);

} // namespace llmc::runtime::detail

#endif
