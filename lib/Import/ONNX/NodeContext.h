//===- NodeContext.h - what an op importer sees of one node ----*- C++ -*-===//
// One ONNX node being imported: its resolved input values, attribute
// accessors, constant-input helpers, op creation with type inference,
// verification and folding, and the slots for its outputs.
//===----------------------------------------------------------------------===//
#ifndef LLMC_LIB_IMPORT_ONNX_NODECONTEXT_H
#define LLMC_LIB_IMPORT_ONNX_NODECONTEXT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace llmc::onnx_import {

class NodeContext {
public:
  NodeContext(mlir::OpBuilder &builder, const onnx::NodeProto &node,
              std::string displayName, mlir::Location loc, int64_t opset,
              llvm::SmallVector<mlir::Value> inputs, std::string baseDir);

  mlir::OpBuilder &b;
  const onnx::NodeProto &node;
  /// The node name, or "<op_type>_<index>" when it has none.
  const std::string name;
  const mlir::Location loc;
  /// Default-domain opset version of the model.
  const int64_t opset;
  /// Directory of the model file, for external data of Constant nodes.
  const std::string baseDir;

  mlir::MLIRContext *getContext() const { return b.getContext(); }
  llvm::StringRef opType() const { return node.op_type(); }

  //===-- Inputs ----------------------------------------------------------===//
  /// Number of inputs listed on the node (including empty optional ones).
  unsigned numInputs() const { return inputs.size(); }
  /// True when input `i` is listed and not the empty name.
  bool hasInput(unsigned i) const { return i < inputs.size() && inputs[i]; }
  /// The value of input `i`, null when absent.
  mlir::Value input(unsigned i) const {
    return hasInput(i) ? inputs[i] : nullptr;
  }
  mlir::RankedTensorType inputType(unsigned i) const {
    return llvm::cast<mlir::RankedTensorType>(inputs[i].getType());
  }
  llvm::StringRef inputName(unsigned i) const { return node.input(i); }
  /// Emits "<op> needs at least n inputs" unless there are n present ones.
  mlir::LogicalResult requireInputs(unsigned n);

  //===-- Attributes ------------------------------------------------------===//
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t intAttr(llvm::StringRef name, int64_t dflt) const;
  float floatAttr(llvm::StringRef name, float dflt) const;
  std::string stringAttr(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<llvm::SmallVector<int64_t>>
  intsAttr(llvm::StringRef name) const;

  //===-- Constant inputs -------------------------------------------------===//
  /// The constant value of input `i`; emits the "must be a compile-time
  /// constant" error when it is not one.
  mlir::FailureOr<mlir::ElementsAttr> constInput(unsigned i);
  /// Integer values of constant input `i` (errors as above, or when the
  /// constant is not integer).
  mlir::FailureOr<llvm::SmallVector<int64_t>> constInts(unsigned i);
  /// A scalar (single-element) integer constant input.
  mlir::FailureOr<int64_t> constScalarInt(unsigned i);

  //===-- Outputs ---------------------------------------------------------===//
  unsigned numOutputs() const { return node.output_size(); }
  bool hasOutput(unsigned i) const {
    return (int)i < node.output_size() && !node.output(i).empty();
  }
  void setOutput(unsigned i, mlir::Value v) {
    if (outputs.size() <= i)
      outputs.resize(i + 1);
    outputs[i] = v;
  }
  const llvm::SmallVector<mlir::Value> &getOutputs() const { return outputs; }
  /// Sets output 0 to `v` unless creating it failed.
  mlir::LogicalResult setResult(mlir::FailureOr<mlir::Value> v) {
    if (failed(v))
      return mlir::failure();
    setOutput(0, *v);
    return mlir::success();
  }

  //===-- Diagnostics -----------------------------------------------------===//
  /// An error at the node's location. The importer prefixes the message with
  /// "<OpType> '<name>': ".
  mlir::InFlightDiagnostic emitError() const { return mlir::emitError(loc); }

  //===-- Op creation -----------------------------------------------------===//
  /// Creates `OpTy` with the type(s) inferred by the op; verifies it and folds
  /// it (constants come out as llm.constant). Fails with a diagnostic.
  template <typename OpTy>
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  createMulti(mlir::ValueRange operands,
              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::OperationState state(loc, OpTy::getOperationName());
    state.addOperands(operands);
    state.addAttributes(attrs);
    if (!attrs.empty() && failed(setProperties<OpTy>(state)))
      return mlir::failure();
    llvm::SmallVector<mlir::Type> types;
    if (failed(OpTy::inferReturnTypes(
            getContext(), loc, state.operands,
            state.attributes.getDictionary(getContext()),
            state.getRawProperties(), state.regions, types)))
      return mlir::failure();
    state.addTypes(types);
    return finish(state);
  }
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  create(mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    auto results = createMulti<OpTy>(operands, attrs);
    if (failed(results))
      return mlir::failure();
    return (*results)[0];
  }
  /// Creates `OpTy` with an explicit result type (ops without inference).
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  createTyped(mlir::Type resultType, mlir::ValueRange operands,
              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::OperationState state(loc, OpTy::getOperationName());
    state.addOperands(operands);
    state.addAttributes(attrs);
    if (!attrs.empty() && failed(setProperties<OpTy>(state)))
      return mlir::failure();
    state.addTypes(resultType);
    auto results = finish(state);
    if (failed(results))
      return mlir::failure();
    return (*results)[0];
  }

  /// An llm.constant of `value`.
  mlir::Value constant(mlir::ElementsAttr value);
  /// A rank-0 constant of element type `elt` holding `v`.
  mlir::Value scalarConstant(mlir::Type elt, double v);
  /// A 1-D i64 constant.
  mlir::Value i64Constant(llvm::ArrayRef<int64_t> values);
  /// llm.reshape of `v` to `shape` (same element type); folds identities.
  mlir::FailureOr<mlir::Value> reshape(mlir::Value v,
                                       llvm::ArrayRef<int64_t> shape);

  mlir::NamedAttribute namedAttr(llvm::StringRef name, mlir::Attribute a) {
    return b.getNamedAttr(name, a);
  }

private:
  template <typename OpTy>
  mlir::LogicalResult setProperties(mlir::OperationState &state) {
    mlir::OpaqueProperties props =
        &state.getOrAddProperties<typename OpTy::Properties>();
    std::optional<mlir::RegisteredOperationName> info =
        state.name.getRegisteredInfo();
    return info->setOpPropertiesFromAttribute(
        state.name, props, state.attributes.getDictionary(getContext()),
        [&] { return emitError(); });
  }
  /// Inserts, verifies and folds the op described by `state`.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  finish(mlir::OperationState &state);

  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::Value> outputs;
};

using OpImporter = mlir::LogicalResult (*)(NodeContext &);
using OpImporterMap = llvm::StringMap<OpImporter>;

/// Registration of the per-family importers (default ONNX domain).
void registerElementwiseImporters(OpImporterMap &map);
void registerShapeImporters(OpImporterMap &map);
void registerConstantImporters(OpImporterMap &map);
void registerMathImporters(OpImporterMap &map);
/// onnxruntime-genai builder and opset-23 forms of norms, RoPE, GELU variants
/// and MatMulNBits (OpImportersContrib.cpp); registers com.microsoft ops.
void registerContribImporters(OpImporterMap &map);
/// Attention (opset 23), com.microsoft MultiHeadAttention and
/// GroupQueryAttention (OpImportersAttention.cpp).
void registerAttentionImporters(OpImporterMap &map);

/// Registry key of an op: its op_type in the default domain ("" or
/// "ai.onnx"), "<domain>.<op_type>" in any other domain (for example
/// "com.microsoft.FastGelu"), so that only the registered ops of a domain
/// are supported.
std::string importerKey(llvm::StringRef domain, llvm::StringRef opType);

/// All importers, keyed by op_type.
const OpImporterMap &getOpImporters();

/// Product of `dims`; ShapedType::kDynamic when one of them is dynamic.
int64_t shapeProduct(llvm::ArrayRef<int64_t> dims);

/// "[2, ?, -1]" for messages.
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Normalizes `axis` into [0, rank); emits an error at the node otherwise.
mlir::FailureOr<int64_t> normalizeAxis(NodeContext &n, int64_t axis,
                                       int64_t rank,
                                       llvm::StringRef what = "axis");

} // namespace llmc::onnx_import

#endif
