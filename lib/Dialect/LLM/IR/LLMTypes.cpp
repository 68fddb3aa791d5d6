//===- LLMTypes.cpp - llm dialect types -----------------------------------===//
#include "llmc/Dialect/LLM/IR/LLMTypes.h"
#include "llmc/Dialect/LLM/IR/LLMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace llmc::llm;

// `4096x4096` dim lists, as in builtin tensor types.
static ParseResult parseDimList(AsmParser &parser,
                                SmallVector<int64_t> &shape) {
  return parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                   /*withTrailingX=*/false);
}

static void printDimList(AsmPrinter &printer, ArrayRef<int64_t> shape) {
  printer.printDimensionList(shape);
}

#define GET_TYPEDEF_CLASSES
#include "llmc/Dialect/LLM/IR/LLMTypes.cpp.inc"

LogicalResult
QuantizedWeightType::verify(function_ref<InFlightDiagnostic()> emitError,
                            ArrayRef<int64_t> shape, Type storageType,
                            int64_t groupSize, Type scaleType) {
  if (shape.size() != 2)
    return emitError() << "quantized weights are 2-D, got rank " << shape.size();
  auto intType = dyn_cast<IntegerType>(storageType);
  bool ok = (intType && (intType.getWidth() == 8 || intType.getWidth() == 4)) ||
            isa<Float8E4M3FNType, Float8E5M2Type>(storageType);
  if (!ok)
    return emitError() << "storage type must be i8, i4, f8E4M3FN or f8E5M2";
  if (groupSize <= 0)
    return emitError() << "group size must be positive";
  if (!isa<FloatType>(scaleType))
    return emitError() << "scale type must be a float type";
  return success();
}

void LLMDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "llmc/Dialect/LLM/IR/LLMTypes.cpp.inc"
      >();
}
