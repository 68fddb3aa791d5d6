// Supplying the weights a weight-stripped plan leaves out: from the ONNX
// model's initializers (checked against the plan's checksums) or random.
#include "llmc/runtime/Checksum.h"
#include "llmc/runtime/OnnxWeights.h"
#include "llmc/runtime/PlanFormat.h"

#include <cmath>
#include <cstring>

namespace llmc::runtime {
namespace {

std::vector<int64_t> staticDims(const plan::Buffer &b) {
  std::vector<int64_t> dims;
  for (const plan::Dim &d : b.dims())
    dims.push_back(d.value());
  return dims;
}

uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in (0, 1]: never 0, so log() in Box-Muller stays finite.
double uniform(uint64_t &state) {
  return (double(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
}

uint16_t toBFloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fff + ((bits >> 16) & 1); // round to nearest even (finite f)
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t toFloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  float a = std::fabs(f);
  if (a >= 65520.0f)
    return sign | 0x7c00;
  if (a < 0x1.0p-14f) // subnormal: multiples of 2^-24, rounded
    return sign | static_cast<uint16_t>(std::nearbyint(a * 0x1.0p24f));
  std::memcpy(&bits, &a, 4);
  uint32_t mant = bits & 0x7fffff, exp = (bits >> 23) - 127 + 15;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h; // may carry into the exponent, which is still right
  return sign | static_cast<uint16_t>(h);
}

void fillRandom(DType dtype, uint64_t state, uint8_t *dst, size_t bytes) {
  constexpr double kStd = 0.02;
  size_t n = dtypeSize(dtype) ? bytes / dtypeSize(dtype) : 0;
  auto normal = [&](size_t i, double &spare) {
    if (i % 2)
      return spare;
    double r = std::sqrt(-2.0 * std::log(uniform(state)));
    double t = 2.0 * M_PI * uniform(state);
    spare = kStd * r * std::sin(t);
    return kStd * r * std::cos(t);
  };
  double spare = 0;
  switch (dtype) {
  case plan::FLOAT:
    for (size_t i = 0; i < n; ++i) {
      float v = static_cast<float>(normal(i, spare));
      std::memcpy(dst + 4 * i, &v, 4);
    }
    return;
  case plan::DOUBLE:
    for (size_t i = 0; i < n; ++i) {
      double v = normal(i, spare);
      std::memcpy(dst + 8 * i, &v, 8);
    }
    return;
  case plan::FLOAT16:
  case plan::BFLOAT16:
    for (size_t i = 0; i < n; ++i) {
      float v = static_cast<float>(normal(i, spare));
      uint16_t h = dtype == plan::FLOAT16 ? toFloat16(v) : toBFloat16(v);
      std::memcpy(dst + 2 * i, &h, 2);
    }
    return;
  case plan::UINT8:
  case plan::INT8: // any byte is a valid (packed int4 or int8) code
    for (size_t i = 0; i < bytes; i += 8) {
      uint64_t r = splitmix64(state);
      std::memcpy(dst + i, &r, std::min<size_t>(8, bytes - i));
    }
    return;
  default: // integers may be indices: zeros are always in range
    std::memset(dst, 0, bytes);
    return;
  }
}

} // namespace

Status attachOnnxWeights(PlanFile &plan, const std::string &modelPath) {
  std::unique_ptr<OnnxWeightFile> model;
  LLMC_RETURN_IF_ERROR(OnnxWeightFile::open(modelPath, model));
  return plan.attachWeights([&](const plan::ExternalWeight &w,
                                const plan::Buffer &b, uint8_t *dst) {
    const std::string &name = w.initializer();
    int index = model->find(name);
    if (index < 0)
      return Status::error(modelPath + ": no initializer '" + name +
                           "' (the plan needs it; is this the model the plan "
                           "was compiled from?)");
    const OnnxInitializer &init = model->initializers()[index];
    std::vector<int64_t> dims = staticDims(b);
    // Dims may differ (the compiler may have reshaped it); bytes may not.
    uint64_t count = 1;
    for (int64_t d : init.dims)
      count *= d < 0 ? 0 : uint64_t(d);
    if (init.dataType != b.dtype() ||
        count * dtypeSize(b.dtype()) != b.size_bytes()) {
      std::string have = plan::DType_IsValid(init.dataType) &&
                                 dtypeSize(DType(init.dataType))
                             ? typeString(DType(init.dataType), init.dims)
                             : "data type " + std::to_string(init.dataType);
      return Status::error(modelPath + ": initializer '" + name + "' is " +
                           have + ", the plan needs " +
                           typeString(b.dtype(), dims));
    }
    LLMC_RETURN_IF_ERROR(model->read(index, dst, b.size_bytes()));
    if (crc32c(dst, b.size_bytes()) != w.checksum())
      return Status::error(modelPath + ": initializer '" + name +
                           "' does not match the plan (checksum mismatch; "
                           "not the model the plan was compiled from)");
    return Status::success();
  });
}

Status attachRandomWeights(PlanFile &plan, uint64_t seed) {
  return plan.attachWeights([&](const plan::ExternalWeight &w,
                                const plan::Buffer &b, uint8_t *dst) {
    uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a of the name, then the seed
    for (unsigned char c : w.initializer())
      h = (h ^ c) * 0x100000001b3ULL;
    uint64_t state = h ^ (seed * 0x9e3779b97f4a7c15ULL);
    fillRandom(b.dtype(), state, dst, b.size_bytes());
    return Status::success();
  });
}

} // namespace llmc::runtime
