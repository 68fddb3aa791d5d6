//===- GraphInputs.cpp - the declared inputs of an ONNX graph -------------===//
// Lets a driver choose shapes (e.g. the generation step's token buckets)
// before importing.
//===----------------------------------------------------------------------===//
#include "ModelLoader.h"

#include "llmc/Import/ONNXImporter.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

FailureOr<std::vector<llmc::GraphInput>>
llmc::listONNXGraphInputs(MLIRContext &ctx, const std::string &path) {
  std::unique_ptr<onnx::ModelProto> model =
      onnx_import::loadModel(&ctx, path);
  if (!model)
    return failure();
  const onnx::GraphProto &graph = model->graph();
  llvm::StringSet<> initializers;
  for (const onnx::TensorProto &init : graph.initializer())
    initializers.insert(init.name());
  std::vector<GraphInput> inputs;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializers.contains(info.name()))
      continue;
    GraphInput input{info.name(), {}};
    const onnx::TypeProto &type = info.type();
    if (type.has_tensor_type() && type.tensor_type().has_shape())
      for (const onnx::TensorShapeProto::Dimension &d :
           type.tensor_type().shape().dim())
        input.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    inputs.push_back(std::move(input));
  }
  return inputs;
}

FailureOr<std::map<std::string, std::string>>
llmc::readONNXMetadataProps(MLIRContext &ctx, const std::string &path) {
  std::unique_ptr<onnx::ModelProto> model =
      onnx_import::loadModel(&ctx, path);
  if (!model)
    return failure();
  std::map<std::string, std::string> props;
  for (const onnx::StringStringEntryProto &entry : model->metadata_props())
    props[entry.key()] = entry.value();
  return props;
}
