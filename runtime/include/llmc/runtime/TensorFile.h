// Reading and writing ONNX TensorProto (.pb) files, as used by the ONNX
// backend test data. Part of llmc_tensorio (llmrun and tests only).
#ifndef LLMC_RUNTIME_TENSORFILE_H
#define LLMC_RUNTIME_TENSORFILE_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/Tensor.h"

#include <string>

namespace llmc::runtime {

// Decodes a serialized TensorProto: raw_data or the typed fields (float_data,
// int32_data, int64_data, double_data, uint64_data). `name` receives the
// proto's name field (possibly empty).
Status parseTensorProto(const std::string &bytes, Tensor &out,
                        std::string &name);
// Encodes name, dims, data_type and raw_data.
Status serializeTensorProto(const Tensor &tensor, const std::string &name,
                            std::string &bytes);

// File wrappers; error messages name the path.
Status readTensorFile(const std::string &path, Tensor &out, std::string &name);
Status writeTensorFile(const std::string &path, const Tensor &tensor,
                       const std::string &name);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_TENSORFILE_H
