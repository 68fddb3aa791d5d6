//===- ModelLoader.cpp - read ONNX protobuf files -------------------------===//
#include "ModelLoader.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <limits>

using namespace mlir;

namespace llmc::onnx_import {

/// Opens `path`; errors read "cannot open <noun> '<path>'<context>: why".
static std::unique_ptr<llvm::MemoryBuffer>
openFile(MLIRContext *ctx, StringRef path, StringRef noun, StringRef context) {
  if (llvm::sys::fs::is_directory(path)) {
    emitError(UnknownLoc::get(ctx)) << "cannot open " << noun << " '" << path
                                    << "'" << context << ": it is a directory";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(UnknownLoc::get(ctx))
        << "cannot open " << noun << " '" << path << "'" << context << ": "
        << buffer.getError().message();
    return nullptr;
  }
  if ((*buffer)->getBufferSize() >
      static_cast<size_t>(std::numeric_limits<int>::max())) {
    emitError(UnknownLoc::get(ctx))
        << noun << " '" << path << "'" << context
        << " is larger than 2 GiB; store the weights as external data";
    return nullptr;
  }
  return std::move(*buffer);
}

std::unique_ptr<onnx::ModelProto> loadModel(MLIRContext *ctx, StringRef path) {
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      openFile(ctx, path, "ONNX model", "");
  if (!buffer)
    return nullptr;
  auto model = std::make_unique<onnx::ModelProto>();
  // An empty buffer parses as an empty ModelProto, and text often parses as
  // a message made only of unknown fields: treat both like garbage.
  bool parsed =
      buffer->getBufferSize() != 0 &&
      model->ParseFromArray(buffer->getBufferStart(),
                            static_cast<int>(buffer->getBufferSize()));
  if (!parsed || (!model->has_graph() && !model->unknown_fields().empty())) {
    emitError(UnknownLoc::get(ctx))
        << "failed to parse ONNX model '" << path
        << "': the file is truncated or not an ONNX ModelProto";
    return nullptr;
  }
  if (!model->has_graph()) {
    emitError(UnknownLoc::get(ctx)) << "ONNX model '" << path
                                    << "' has no graph (the file is not an "
                                       "ONNX ModelProto, or an empty one)";
    return nullptr;
  }
  return model;
}

std::unique_ptr<onnx::TensorProto>
loadTensorFile(MLIRContext *ctx, StringRef path, StringRef what) {
  std::string context = (" (" + what + ")").str();
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      openFile(ctx, path, "tensor file", context);
  if (!buffer)
    return nullptr;
  auto tensor = std::make_unique<onnx::TensorProto>();
  bool parsed = tensor->ParseFromArray(
      buffer->getBufferStart(), static_cast<int>(buffer->getBufferSize()));
  if (!parsed || (tensor->data_type() == onnx::TensorProto::UNDEFINED &&
                  !tensor->unknown_fields().empty())) {
    emitError(UnknownLoc::get(ctx))
        << "failed to parse tensor file '" << path << "'" << context
        << ": the file is truncated or not an ONNX TensorProto";
    return nullptr;
  }
  return tensor;
}

/// True when `path` equals `dir` or lies below it (both absolute, resolved).
static bool isInside(StringRef path, StringRef dir) {
  if (!path.starts_with(dir))
    return false;
  if (path.size() == dir.size())
    return true;
  return llvm::sys::path::is_separator(path[dir.size()]) ||
         (!dir.empty() && llvm::sys::path::is_separator(dir.back()));
}

FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
readExternalData(const onnx::TensorProto &tensor, StringRef baseDir,
                 uint64_t expectedBytes, Location loc) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    const std::string &key = entry.key(), &value = entry.value();
    if (key == "location") {
      location = value;
    } else if (key == "offset" || key == "length") {
      uint64_t parsed;
      if (StringRef(value).getAsInteger(10, parsed)) {
        return emitError(loc)
               << "tensor '" << tensor.name() << "': external data key '" << key
               << "' has a non-numeric value '" << value << "'";
      }
      if (key == "offset")
        offset = parsed;
      else
        length = parsed;
    }
  }
  if (location.empty())
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data has no 'location' key";

  // Lexical checks first: no absolute paths, no `..` anywhere.
  bool hasDotDot =
      llvm::any_of(llvm::make_range(llvm::sys::path::begin(location),
                                    llvm::sys::path::end(location)),
                   [](StringRef component) { return component == ".."; });
  if (llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::has_root_name(location) || hasDotDot ||
      StringRef(location).starts_with("~"))
    return emitError(loc)
           << "tensor '" << tensor.name() << "': external data location '"
           << location
           << "' must be a relative path inside the model directory "
              "(absolute paths and '..' are rejected)";

  SmallString<256> path(baseDir.empty() ? "." : baseDir);
  llvm::sys::path::append(path, location);
  if (!llvm::sys::fs::exists(path))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data file '" << path
                          << "' does not exist";

  // Symlinks may still lead elsewhere: compare the resolved paths.
  SmallString<256> realDir, realFile;
  if (llvm::sys::fs::real_path(baseDir.empty() ? "." : baseDir, realDir) ||
      llvm::sys::fs::real_path(path, realFile))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': cannot resolve external data file '" << path
                          << "'";
  if (!isInside(realFile, realDir))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data file '" << path
                          << "' resolves to '" << realFile
                          << "', outside the model directory '" << realDir
                          << "'";
  if (llvm::sys::fs::is_directory(realFile))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data file '" << path
                          << "' is a directory";

  uint64_t fileSize = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(realFile, fileSize))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': cannot open external data file '" << path
                          << "': " << ec.message();
  if (length && *length != expectedBytes)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data length " << *length
                          << " does not match the tensor size of "
                          << expectedBytes << " bytes";
  if (offset > fileSize || expectedBytes > fileSize - offset)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data range [" << offset << ", "
                          << offset + expectedBytes << ") is outside the file '"
                          << path << "' (" << fileSize << " bytes)";
  if (expectedBytes == 0)
    return llvm::MemoryBuffer::getMemBuffer("", tensor.name(), false);

  auto buffer =
      llvm::MemoryBuffer::getFileSlice(realFile, expectedBytes, offset);
  if (!buffer)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': cannot read external data file '" << path
                          << "': " << buffer.getError().message();
  return std::move(*buffer);
}

} // namespace llmc::onnx_import
