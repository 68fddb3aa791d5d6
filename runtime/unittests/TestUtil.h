// Shared helpers for the runtime tests: temp dirs, file I/O and a small
// reference plan built around the test kernel library.
#ifndef LLMC_RUNTIME_UNITTESTS_TESTUTIL_H
#define LLMC_RUNTIME_UNITTESTS_TESTUTIL_H

#include "llmc/runtime/PlanFormat.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llmc::runtime::test {

// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

std::vector<uint8_t> readBytes(const std::string &path);
void writeBytes(const std::string &path, const std::string &bytes);

// Bytes of the compiled test kernel shared object. The alt build's
// scale2_f32 multiplies by 3 instead of 2.
std::vector<uint8_t> testKernelBytes(bool alt = false);

// Reference plan: y = 2 * (x + w) with
//   buffer 0 INPUT      x float32[4]           (also graph output "x_echo")
//   buffer 1 WEIGHT     w = {10,20,30,40}      (weights offset 0)
//   buffer 2 ACTIVATION t = x + w              (arena offset 64)
//   buffer 3 OUTPUT     y = 2 * t
//   buffer 4 WEIGHT     c = {1,2,3,4}          (graph output "const/c")
//   steps: add_f32(0, 1 -> 2), scale2_f32(2 -> 3)
PlanWriterInput makeReferencePlan();


/// Exit code and captured output of one `llmrun` invocation.
struct LlmrunResult {
  int code = -1;
  std::string out, err;
};

/// Runs the built llmrun with `args` (a shell fragment); its stdout and
/// stderr go through files in `dir`.
LlmrunResult llmrun(const TempDir &dir, const std::string &args);

// Fuzzing the plan reader and engine: `iterations` copies of `plan`'s
// serialized bytes, each with 1-3 random header bit flips (xorshift from
// `seed`) and the header checksum recomputed so that the flips reach the
// parser; `opened` gets every copy that PlanFile accepts. libprotobuf's log
// is silenced meanwhile (invalid UTF-8 in flipped strings). Returns how many
// copies opened.
int forEachMutatedHeader(PlanWriterInput plan, uint64_t seed,
                         int iterations,
                         const std::function<void(std::unique_ptr<PlanFile>)> &opened);

} // namespace llmc::runtime::test

#endif
