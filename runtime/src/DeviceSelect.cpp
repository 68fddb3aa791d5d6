// DeviceSelect: --device auto|cpu|cuda. Auto falls back to the CPU with a
// reason, so a GPU-less machine runs every plan that has CPU code.
#include "llmc/runtime/DeviceSelect.h"

#include "cuda/PtxSection.h"

namespace llmc::runtime {

Status parseDeviceKind(const std::string &name, DeviceKind &out) {
  if (name == "auto")
    out = DeviceKind::Auto;
  else if (name == "cpu")
    out = DeviceKind::Cpu;
  else if (name == "cuda")
    out = DeviceKind::Cuda;
  else
    return Status::error("unknown device '" + name +
                         "' (expected auto, cpu or cuda)");
  return Status::success();
}

Status createDevice(const PlanHeader &header, DeviceKind kind,
                    std::unique_ptr<Device> &out, std::string &note) {
  note.clear();
  if (kind == DeviceKind::Cuda)
    return createCudaDevice(header, out);
  if (kind == DeviceKind::Auto) {
    bool hasPtx = false;
    for (const plan::Target &t : header.targets())
      hasPtx |= cuda::ptxTargetChip(t.name()) >= 0;
    // A CPU-only plan leaves nothing to choose: no probing, no message.
    if (hasPtx) {
      Status st = createCudaDevice(header, out);
      if (st.ok())
        return st;
      note = st.message;
    }
  }
  out = createCpuDevice();
  return Status::success();
}

} // namespace llmc::runtime
