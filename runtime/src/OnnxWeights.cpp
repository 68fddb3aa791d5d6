// OnnxWeightFile: initializers of an ONNX model found by walking the protobuf
// wire format of the mapped file (ModelProto.graph = 7, GraphProto.initializer
// = 5, TensorProto.raw_data = 9), so the weights are never parsed or copied
// as a message and models over protobuf's 2 GiB limit still load.
#include "llmc/runtime/OnnxWeights.h"

#include "TensorProtoData.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data is little-endian; big-endian hosts need byte swaps");

namespace llmc::runtime {

using Proto = ::llmc::onnxio::TensorProto;

struct OnnxWeightFile::Data {
  Proto meta;                        // the TensorProto without raw_data
  const uint8_t *raw = nullptr;      // raw_data inside the mapping
  size_t rawSize = 0;
  bool hasRaw = false;
};

namespace {

// One field of a protobuf message: its number, wire type and, for
// length-delimited fields, the payload.
struct WireField {
  uint32_t number = 0;
  int type = 0;
  const uint8_t *begin = nullptr; // the whole field, tag included
  const uint8_t *payload = nullptr;
  size_t payloadSize = 0;
};

bool readVarint(const uint8_t *&p, const uint8_t *end, uint64_t &v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    uint8_t b = *p++;
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80))
      return true;
  }
  return false;
}

// Reads the field at `p` and advances past it; false on malformed input.
bool nextField(const uint8_t *&p, const uint8_t *end, WireField &f) {
  f.begin = p;
  uint64_t tag, n;
  if (!readVarint(p, end, tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
    return false;
  f.number = static_cast<uint32_t>(tag >> 3);
  f.type = static_cast<int>(tag & 7);
  switch (f.type) {
  case 0:
    return readVarint(p, end, n);
  case 1:
    if (end - p < 8)
      return false;
    p += 8;
    return true;
  case 5:
    if (end - p < 4)
      return false;
    p += 4;
    return true;
  case 2:
    if (!readVarint(p, end, n) || n > size_t(end - p))
      return false;
    f.payload = p;
    f.payloadSize = n;
    p += n;
    return true;
  default: // groups (3, 4) are not used by onnx.proto
    return false;
  }
}

std::string dirName(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string shapeOf(int32_t dataType, const std::vector<int64_t> &dims) {
  if (plan::DType_IsValid(dataType) && dtypeSize(DType(dataType)))
    return typeString(DType(dataType), dims);
  std::string s = "onnx-type(" + std::to_string(dataType) + ")[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

// The external-data file of `t`, checked to lie inside `dir` (no absolute
// paths or '..', and symlinks must resolve inside too); `offset` and
// `length` (-1: unset) from its keys.
Status externalFile(const Proto &t, const std::string &dir, std::string &file,
                    uint64_t &offset, int64_t &length) {
  std::string location;
  offset = 0;
  length = -1;
  for (const auto &e : t.external_data()) {
    if (e.key() == "location") {
      location = e.value();
    } else if (e.key() == "offset" || e.key() == "length") {
      char *endp = nullptr;
      errno = 0;
      unsigned long long v = std::strtoull(e.value().c_str(), &endp, 10);
      if (e.value().empty() || *endp || errno || e.value()[0] == '-')
        return Status::error("external data key '" + e.key() +
                             "' has a non-numeric value '" + e.value() + "'");
      if (e.key() == "offset")
        offset = v;
      else
        length = static_cast<int64_t>(v);
    }
  }
  if (location.empty())
    return Status::error("external data has no 'location' key");
  bool dotDot = false;
  for (size_t pos = 0; pos <= location.size();) {
    size_t next = location.find('/', pos);
    if (next == std::string::npos)
      next = location.size();
    dotDot |= location.compare(pos, next - pos, "..") == 0 && next - pos == 2;
    pos = next + 1;
  }
  if (location[0] == '/' || location[0] == '~' || dotDot)
    return Status::error("external data location '" + location +
                         "' escapes the model folder (absolute paths and "
                         "'..' are rejected)");
  file = dir + "/" + location;
  char realDir[PATH_MAX], realFile[PATH_MAX];
  if (!::realpath(dir.c_str(), realDir))
    return Status::error("cannot resolve the model folder '" + dir +
                         "': " + std::strerror(errno));
  if (!::realpath(file.c_str(), realFile))
    return Status::error("cannot open external data file '" + file +
                         "': " + std::strerror(errno));
  std::string d = realDir, f = realFile;
  if (d != "/")
    d += "/";
  if (f.compare(0, d.size(), d) != 0)
    return Status::error("external data location '" + location +
                         "' escapes the model folder (it resolves to '" + f +
                         "')");
  return Status::success();
}

Status preadAll(int fd, uint8_t *dst, size_t n, uint64_t offset) {
  while (n > 0) {
    ssize_t r = ::pread(fd, dst, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return Status::error(r == 0 ? "unexpected end of file"
                                  : std::strerror(errno));
    dst += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return Status::success();
}

} // namespace

OnnxWeightFile::~OnnxWeightFile() {
  if (base_)
    ::munmap(const_cast<uint8_t *>(base_), size_);
}

Status OnnxWeightFile::open(const std::string &modelPath,
                            std::unique_ptr<OnnxWeightFile> &out) {
  auto fail = [&](const std::string &what) {
    return Status::error(modelPath + ": " + what);
  };
  int fd = ::open(modelPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::error("cannot open ONNX model '" + modelPath +
                         "': " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error("cannot open ONNX model '" + modelPath +
                         "': not a regular file");
  }
  std::unique_ptr<OnnxWeightFile> f(new OnnxWeightFile());
  f->path_ = modelPath;
  f->dir_ = dirName(modelPath);
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void *m = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return fail(std::string("cannot map: ") + std::strerror(err));
    }
    f->base_ = static_cast<const uint8_t *>(m);
  }
  ::close(fd);

  const char *notModel = "not an ONNX model (the file is truncated or not a "
                         "ModelProto)";
  const uint8_t *p = f->base_, *end = f->base_ + f->size_;
  bool sawGraph = false;
  WireField field;
  while (p < end) {
    if (!nextField(p, end, field))
      return fail(notModel);
    if (field.number != 7 || field.type != 2)
      continue;
    sawGraph = true;
    const uint8_t *g = field.payload, *gend = g + field.payloadSize;
    WireField gf;
    while (g < gend) {
      if (!nextField(g, gend, gf))
        return fail(notModel);
      if (gf.number != 5 || gf.type != 2)
        continue;
      // Everything but raw_data is small: parse it as a TensorProto.
      auto data = std::make_unique<Data>();
      std::string rest;
      const uint8_t *t = gf.payload, *tend = t + gf.payloadSize;
      WireField tf;
      while (t < tend) {
        const uint8_t *start = t;
        if (!nextField(t, tend, tf))
          return fail(notModel);
        if (tf.number == 9 && tf.type == 2) {
          data->raw = tf.payload;
          data->rawSize = tf.payloadSize;
          data->hasRaw = true;
        } else {
          rest.append(reinterpret_cast<const char *>(start), t - start);
        }
      }
      if (!data->meta.ParseFromString(rest))
        return fail(notModel);
      OnnxInitializer init;
      init.name = data->meta.name();
      init.dataType = data->meta.data_type();
      init.dims.assign(data->meta.dims().begin(), data->meta.dims().end());
      f->inits_.push_back(std::move(init));
      f->data_.push_back(std::move(data));
    }
  }
  if (!sawGraph)
    return fail("not an ONNX model (no graph)");
  out = std::move(f);
  return Status::success();
}

int OnnxWeightFile::find(const std::string &name) const {
  for (size_t i = 0; i < inits_.size(); ++i)
    if (inits_[i].name == name)
      return static_cast<int>(i);
  return -1;
}

Status OnnxWeightFile::read(int index, uint8_t *dst, size_t bytes) const {
  const OnnxInitializer &init = inits_.at(index);
  const Data &d = *data_.at(index);
  const std::string q = path_ + ": initializer '" + init.name + "'";
  DType dtype = DType(init.dataType);
  if (!plan::DType_IsValid(init.dataType) || dtypeSize(dtype) == 0)
    return Status::error(q + ": unsupported data type " +
                         shapeOf(init.dataType, init.dims));
  uint64_t count = 1;
  for (int64_t dim : init.dims) {
    if (dim < 0)
      return Status::error(q + ": negative dimension");
    count *= static_cast<uint64_t>(dim);
  }
  if (count * dtypeSize(dtype) != bytes)
    return Status::error(q + " is " + shapeOf(init.dataType, init.dims) +
                         " (" + std::to_string(count * dtypeSize(dtype)) +
                         " bytes), not the " + std::to_string(bytes) +
                         " bytes expected");
  if (d.meta.data_location() == Proto::EXTERNAL) {
    std::string file;
    uint64_t offset;
    int64_t length;
    if (Status st = externalFile(d.meta, dir_, file, offset, length); !st.ok())
      return Status::error(q + ": " + st.message);
    if (length >= 0 && uint64_t(length) != bytes)
      return Status::error(q + ": external data length " +
                           std::to_string(length) + " is not the " +
                           std::to_string(bytes) + " bytes of its type");
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return Status::error(q + ": cannot open external data file '" + file +
                           "': " + std::strerror(errno));
    struct stat st;
    Status result = Status::success();
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
      result = Status::error(q + ": external data file '" + file +
                             "' is not a regular file");
    else if (uint64_t(st.st_size) < offset ||
             uint64_t(st.st_size) - offset < bytes)
      result = Status::error(
          q + ": external data file '" + file + "' is truncated: it has " +
          std::to_string(st.st_size) + " bytes, the tensor needs [" +
          std::to_string(offset) + ", " + std::to_string(offset + bytes) +
          ")");
    else if (Status r = preadAll(fd, dst, bytes, offset); !r.ok())
      result = Status::error(q + ": reading '" + file + "': " + r.message);
    ::close(fd);
    return result;
  }
  if (d.hasRaw) {
    if (d.rawSize != bytes)
      return Status::error(q + ": raw_data has " + std::to_string(d.rawSize) +
                           " bytes, expected " + std::to_string(bytes));
    std::memcpy(dst, d.raw, bytes);
    return Status::success();
  }
  std::vector<uint8_t> typed;
  size_t n = 0;
  if (Status st = decodeTyped(d.meta, dtype, typed, n); !st.ok())
    return Status::error(q + ": " + st.message);
  if (n != count || typed.size() != bytes)
    return Status::error(q + ": has " + std::to_string(n) +
                         " values, expected " + std::to_string(count));
  std::memcpy(dst, typed.data(), bytes);
  return Status::success();
}

} // namespace llmc::runtime
