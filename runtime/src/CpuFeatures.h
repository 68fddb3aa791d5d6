// CpuFeatures: whether this CPU has the instruction-set features a plan's
// CPU code was compiled for (plan metadata "cpu.features", written by
// `llmc compile --cpu`), so a plan built for AVX2 fails with one line on an
// older CPU instead of dying of SIGILL inside a kernel.
#ifndef LLMC_RUNTIME_CPUFEATURES_H
#define LLMC_RUNTIME_CPUFEATURES_H

#include "llmc/runtime/Status.h"

#include <string>

namespace llmc::runtime {

// `features` is comma separated ("avx2,fma"); names this runtime does not
// know are not checked.
Status checkCpuFeatures(const std::string &features, const std::string &cpu);

} // namespace llmc::runtime

#endif
