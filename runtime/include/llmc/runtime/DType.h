// Element-type helpers for llmc::plan::DType (ONNX TensorProto numbering).
#ifndef LLMC_RUNTIME_DTYPE_H
#define LLMC_RUNTIME_DTYPE_H

#include "llmc/runtime/plan.pb.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace llmc::runtime {

using DType = ::llmc::plan::DType;

// Bytes per element (BOOL is 1); 0 for UNDEFINED or unknown values.
size_t dtypeSize(DType dtype);

// Lower-case name: "float32", "int64", "bool", "float16", "bfloat16", ...;
// "undefined" for UNDEFINED and "dtype(N)" for unknown values.
const char *dtypeName(DType dtype);

// "float32[2,3]" (a scalar prints as "float32[]").
std::string typeString(DType dtype, const std::vector<int64_t> &shape);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_DTYPE_H
