// Choosing the Device that runs a plan: the CPU, or a CUDA GPU through the
// dlopen'ed driver (docs/cuda-runtime.md).
#ifndef LLMC_RUNTIME_DEVICESELECT_H
#define LLMC_RUNTIME_DEVICESELECT_H

#include "llmc/runtime/Device.h"
#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/Status.h"

#include <memory>
#include <string>

namespace llmc::runtime {

enum class DeviceKind { Auto, Cpu, Cuda };

// "auto", "cpu" or "cuda".
Status parseDeviceKind(const std::string &name, DeviceKind &out);

// CUDA device 0 for `header`: loads the driver ($LLMC_CUDA_DRIVER or
// libcuda.so.1), and picks the plan's PTX for the device's compute
// capability (the exact chip, else the highest lower one). Its targetName()
// is that plan target ("ptx-sm_80"). Fails with "CUDA unavailable (...)".
Status createCudaDevice(const PlanHeader &header, std::unique_ptr<Device> &out);

// Cpu: the CPU. Cuda: createCudaDevice or its error. Auto: CUDA when the
// plan has PTX code and createCudaDevice succeeds, else the CPU; `note` then
// says why CUDA was not used (empty when the plan has no PTX at all).
Status createDevice(const PlanHeader &header, DeviceKind kind,
                    std::unique_ptr<Device> &out, std::string &note);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_DEVICESELECT_H
