// The initializers of an ONNX model file, read without libonnx: the weights
// of a weight-stripped plan (docs/plan-format.md) come back from here.
#ifndef LLMC_RUNTIME_ONNXWEIGHTS_H
#define LLMC_RUNTIME_ONNXWEIGHTS_H

#include "llmc/runtime/DType.h"
#include "llmc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc::runtime {

class PlanFile;

struct OnnxInitializer {
  std::string name;
  int32_t dataType = 0; // ONNX TensorProto.DataType (= plan DType numbers)
  std::vector<int64_t> dims;
};

// A model file mapped read-only. The ModelProto is never parsed whole: the
// initializers are found by walking the wire format, and raw_data stays in
// the mapping until read() copies it once into its destination, so models
// over 2 GiB (inline or external data) work.
class OnnxWeightFile {
public:
  static Status open(const std::string &modelPath,
                     std::unique_ptr<OnnxWeightFile> &out);
  ~OnnxWeightFile();
  OnnxWeightFile(const OnnxWeightFile &) = delete;
  OnnxWeightFile &operator=(const OnnxWeightFile &) = delete;

  const std::string &path() const { return path_; }
  const std::vector<OnnxInitializer> &initializers() const { return inits_; }
  // Index of the initializer called `name`; -1 when there is none.
  int find(const std::string &name) const;
  // Writes initializer `index` in plan encoding (little-endian, row-major,
  // bool as one byte) to `dst`, which holds exactly `bytes` bytes: raw_data,
  // typed fields or external data (a file inside the model's folder).
  Status read(int index, uint8_t *dst, size_t bytes) const;

private:
  struct Data;
  OnnxWeightFile() = default;
  std::string path_;
  std::string dir_; // the model's folder, for external data
  std::vector<OnnxInitializer> inits_;
  std::vector<std::unique_ptr<Data>> data_; // parallel to inits_
  const uint8_t *base_ = nullptr;
  size_t size_ = 0;
};

// Fills the external weights of a weight-stripped plan from the model's
// initializers, checking each one's type, shape and CRC-32C; a mismatch is
// an error naming the weight.
Status attachOnnxWeights(PlanFile &plan, const std::string &modelPath);

// Fills them with deterministic pseudo-random values instead (benchmarks):
// N(0, 0.02) for float types, uniform codes for 8-bit integers; the values of
// a weight depend only on `seed` and its initializer name.
Status attachRandomWeights(PlanFile &plan, uint64_t seed);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_ONNXWEIGHTS_H
