//===- Passes.cpp - llmc pass registration anchor -------------------------===//
#include "llmc/Transforms/Passes.h"
