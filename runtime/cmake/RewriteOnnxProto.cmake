# Copies onnx.proto with `package onnx;` renamed to `package llmc.onnxio;` so
# the runtime's TensorProto never clashes with libonnx_proto in one process.
# Usage: cmake -DIN=<onnx.proto> -DOUT=<onnxio.proto> -P RewriteOnnxProto.cmake
file(READ "${IN}" text)
string(REGEX REPLACE "\npackage onnx;" "\npackage llmc.onnxio;" text "${text}")
if(NOT text MATCHES "\npackage llmc.onnxio;")
  message(FATAL_ERROR "${IN}: no `package onnx;` line to rewrite")
endif()
file(WRITE "${OUT}.tmp" "${text}")
file(RENAME "${OUT}.tmp" "${OUT}")
