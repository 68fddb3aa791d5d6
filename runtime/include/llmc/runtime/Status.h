// Status: the error type of the runtime's C++ API (no exceptions cross it).
// A Status is either success or an error carrying a one-line message.
#ifndef LLMC_RUNTIME_STATUS_H
#define LLMC_RUNTIME_STATUS_H

#include <string>
#include <utility>

namespace llmc::runtime {

struct [[nodiscard]] Status {
  std::string message; // empty on success

  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }

  static Status success() { return Status(); }
  static Status error(std::string msg) {
    Status s;
    s.failed = true;
    s.message = std::move(msg);
    return s;
  }

private:
  bool failed = false;
};

} // namespace llmc::runtime

// Propagates a failing Status out of the calling function.
#define LLMC_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::llmc::runtime::Status llmc_status_ = (expr);                             \
    if (!llmc_status_.ok())                                                    \
      return llmc_status_;                                                     \
  } while (0)

#endif // LLMC_RUNTIME_STATUS_H
