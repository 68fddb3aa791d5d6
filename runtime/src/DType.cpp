// dtypeSize / dtypeName / typeString for llmc::plan::DType.
#include "llmc/runtime/DType.h"

#include <cstdio>

namespace llmc::runtime {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case plan::UINT8:
  case plan::INT8:
  case plan::BOOL:
    return 1;
  case plan::UINT16:
  case plan::INT16:
  case plan::FLOAT16:
  case plan::BFLOAT16:
    return 2;
  case plan::FLOAT:
  case plan::INT32:
  case plan::UINT32:
    return 4;
  case plan::INT64:
  case plan::DOUBLE:
  case plan::UINT64:
    return 8;
  default:
    return 0;
  }
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case plan::UNDEFINED: return "undefined";
  case plan::FLOAT: return "float32";
  case plan::UINT8: return "uint8";
  case plan::INT8: return "int8";
  case plan::UINT16: return "uint16";
  case plan::INT16: return "int16";
  case plan::INT32: return "int32";
  case plan::INT64: return "int64";
  case plan::BOOL: return "bool";
  case plan::FLOAT16: return "float16";
  case plan::DOUBLE: return "float64";
  case plan::UINT32: return "uint32";
  case plan::UINT64: return "uint64";
  case plan::BFLOAT16: return "bfloat16";
  default: break;
  }
  // Unknown values: a small ring of buffers keeps the return type simple.
  static thread_local char buf[4][24];
  static thread_local int next = 0;
  char *b = buf[next++ & 3];
  snprintf(b, sizeof buf[0], "dtype(%d)", static_cast<int>(dtype));
  return b;
}

std::string typeString(DType dtype, const std::vector<int64_t> &shape) {
  std::string s = dtypeName(dtype);
  s += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

} // namespace llmc::runtime
