//===- Importer.cpp - ONNX graph -> func.func @main -----------------------===//
// Walks the main graph: checks the opset and the op set up front (one error
// listing every unsupported op), builds the function signature from the
// graph inputs (with shape overrides and frozen inputs), maps ONNX value names
// to SSA values node by node, and returns the graph outputs.
//===----------------------------------------------------------------------===//
#include "llmc/Import/ONNXImporter.h"

#include "ModelLoader.h"
#include "NodeContext.h"
#include "TensorConversion.h"

#include "llmc/Dialect/LLM/IR/LLMDialect.h"
#include "llmc/Dialect/LLM/IR/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <map>
#include <vector>

using namespace mlir;
using namespace llmc::onnx_import;

namespace {

/// Declared type of a graph input plus the dim_param names of its dims.
struct InputSignature {
  std::string name;
  RankedTensorType type;
  SmallVector<std::string> dimNames; // "" for static or unnamed dims
};

class GraphImporter {
public:
  GraphImporter(MLIRContext &ctx, const std::string &path,
                const llmc::ImportOptions &options,
                const onnx::ModelProto &model)
      : ctx(ctx), path(path), options(options), model(model),
        graph(model.graph()), builder(&ctx),
        fileLoc(FileLineColLoc::get(&ctx, path, 0, 0)) {
    baseDir = llvm::sys::path::parent_path(path).str();
    if (baseDir.empty())
      baseDir = ".";
  }

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult readOpset();
  LogicalResult checkSupportedOps();
  FailureOr<InputSignature> inputSignature(const onnx::ValueInfoProto &info);
  LogicalResult checkOptionNames();
  FailureOr<ElementsAttr> loadFrozenInput(const onnx::ValueInfoProto &info,
                                          const std::string &file);
  /// The value named `name` (materializing initializers); errors at `useLoc`
  /// start with `prefix`.
  FailureOr<Value> lookup(const std::string &name, Location useLoc,
                          StringRef prefix = "");
  LogicalResult importNode(const onnx::NodeProto &node, int index);
  LogicalResult checkOutputType(const onnx::ValueInfoProto &info, Value v);
  std::string nodeName(const onnx::NodeProto &node, int index) const {
    return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                               : node.name();
  }
  Location namedLoc(StringRef name, unsigned line) {
    return NameLoc::get(StringAttr::get(&ctx, name),
                        FileLineColLoc::get(&ctx, path, line, 0));
  }

  MLIRContext &ctx;
  const std::string &path;
  std::string baseDir;
  const llmc::ImportOptions &options;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  OpBuilder builder;
  Location fileLoc;
  int64_t opset = 0;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringSet<> sparseInitializers;
};

} // namespace

LogicalResult GraphImporter::readOpset() {
  bool found = false;
  for (const onnx::OperatorSetIdProto &id : model.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") {
      opset = id.version();
      found = true;
    }
  }
  if (!found)
    return emitError(UnknownLoc::get(&ctx))
           << path << ": the model does not import the default ONNX opset "
           << "(no opset_import entry for domain '')";
  return success();
}

LogicalResult GraphImporter::checkSupportedOps() {
  const OpImporterMap &importers = getOpImporters();
  struct Unsupported {
    std::string opType, domain;
    SmallVector<std::string> nodes;
  };
  using Key = std::pair<std::string, std::string>;
  llvm::MapVector<Key, Unsupported, std::map<Key, unsigned>> found;
  for (int i = 0, e = graph.node_size(); i < e; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    if (importers.count(importerKey(node.domain(), node.op_type())))
      continue;
    std::string domain = defaultDomain ? "ai.onnx" : node.domain();
    Unsupported &entry = found[{node.op_type(), domain}];
    entry.opType = node.op_type();
    entry.domain = domain;
    entry.nodes.push_back(nodeName(node, i));
  }
  if (found.empty())
    return success();
  InFlightDiagnostic diag = emitError(UnknownLoc::get(&ctx));
  diag << path << ": " << found.size() << " unsupported op type"
       << (found.size() == 1 ? "" : "s") << ": ";
  constexpr size_t kMaxNames = 8;
  bool first = true;
  for (auto &it : found) {
    const Unsupported &u = it.second;
    if (!first)
      diag << "; ";
    first = false;
    diag << u.opType << " (domain '" << u.domain << "', " << u.nodes.size()
         << (u.nodes.size() == 1 ? " node: " : " nodes: ");
    for (size_t i = 0; i < u.nodes.size() && i < kMaxNames; ++i)
      diag << (i ? ", " : "") << u.nodes[i];
    if (u.nodes.size() > kMaxNames)
      diag << ", ... (" << u.nodes.size() - kMaxNames << " more)";
    diag << ")";
  }
  return failure();
}

FailureOr<InputSignature>
GraphImporter::inputSignature(const onnx::ValueInfoProto &info) {
  InputSignature sig;
  sig.name = info.name();
  Location loc = fileLoc;
  if (!info.type().has_tensor_type())
    return emitError(loc) << "graph input '" << info.name()
                          << "' is not a tensor (sequence, map and optional "
                             "inputs are unsupported)";
  const onnx::TypeProto::Tensor &tensorType = info.type().tensor_type();
  Type elt = convertDataType(&ctx, tensorType.elem_type());
  if (!elt) {
    (void)emitUnsupportedDataType(loc, "graph input '" + info.name() + "'",
                                  tensorType.elem_type());
    return failure();
  }
  if (!tensorType.has_shape())
    return emitError(loc) << "graph input '" << info.name()
                          << "' has no shape (unknown rank is unsupported)";
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &dim :
       tensorType.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      sig.dimNames.push_back("");
    } else {
      shape.push_back(ShapedType::kDynamic);
      sig.dimNames.push_back(dim.has_dim_param() ? dim.dim_param() : "");
    }
  }
  auto it = options.inputShapes.find(info.name());
  if (it != options.inputShapes.end()) {
    const std::vector<int64_t> &override = it->second;
    if (override.size() != shape.size())
      return emitError(loc) << "input shape override for '" << info.name()
                            << "' has rank " << override.size()
                            << " but the model declares rank " << shape.size();
    for (size_t i = 0; i < shape.size(); ++i) {
      if (override[i] < 0)
        continue; // keep the declared dim
      if (!ShapedType::isDynamic(shape[i]) && shape[i] != override[i])
        return emitError(loc) << "input shape override for '" << info.name()
                              << "' sets dim " << i << " to " << override[i]
                              << " but the model declares " << shape[i];
      shape[i] = override[i];
      sig.dimNames[i] = "";
    }
  }
  sig.type = RankedTensorType::get(shape, elt);
  return sig;
}

LogicalResult GraphImporter::checkOptionNames() {
  llvm::StringSet<> inputNames;
  for (const onnx::ValueInfoProto &info : graph.input())
    if (!initializers.count(info.name()))
      inputNames.insert(info.name());
  for (const auto &[name, shape] : options.inputShapes)
    if (!inputNames.contains(name))
      return emitError(UnknownLoc::get(&ctx))
             << path << ": input shape override names '" << name
             << "', which is not a graph input of the model";
  for (const auto &[name, file] : options.frozenInputs)
    if (!inputNames.contains(name))
      return emitError(UnknownLoc::get(&ctx))
             << path << ": frozen input '" << name
             << "' is not a graph input of the model";
  return success();
}

FailureOr<ElementsAttr>
GraphImporter::loadFrozenInput(const onnx::ValueInfoProto &info,
                               const std::string &file) {
  std::string what = "frozen input '" + info.name() + "'";
  std::unique_ptr<onnx::TensorProto> tensor = loadTensorFile(&ctx, file, what);
  if (!tensor)
    return failure();
  std::string tensorDir = llvm::sys::path::parent_path(file).str();
  FailureOr<ElementsAttr> attr =
      convertTensor(&ctx, *tensor, tensorDir.empty() ? "." : tensorDir, fileLoc,
                    what + " ('" + file + "')", info.name());
  if (failed(attr))
    return failure();
  // The tensor must match what the model declares (as far as it declares).
  auto type = cast<RankedTensorType>(attr->getShapedType());
  const onnx::TypeProto::Tensor &declared = info.type().tensor_type();
  Type declaredElt = convertDataType(&ctx, declared.elem_type());
  bool ok = info.type().has_tensor_type() &&
            (declared.elem_type() == onnx::TensorProto::UNDEFINED ||
             declaredElt == type.getElementType());
  SmallVector<int64_t> declaredDims;
  for (const onnx::TensorShapeProto::Dimension &dim : declared.shape().dim())
    declaredDims.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                               ? dim.dim_value()
                               : ShapedType::kDynamic);
  if (declared.has_shape() &&
      failed(verifyCompatibleShape(declaredDims, type.getShape())))
    ok = false;
  if (!ok) {
    InFlightDiagnostic diag = emitError(fileLoc)
                              << what << " from '" << file << "' has type "
                              << type << " but the model declares ";
    if (declaredElt && declared.has_shape())
      diag << RankedTensorType::get(declaredDims, declaredElt);
    else if (declaredElt)
      diag << "element type " << declaredElt;
    else
      diag << "element type " << dataTypeName(declared.elem_type());
    return failure();
  }
  return attr;
}

FailureOr<Value> GraphImporter::lookup(const std::string &name, Location useLoc,
                                       StringRef prefix) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init != initializers.end()) {
    // Errors are file-level (the constant op itself carries the name).
    FailureOr<ElementsAttr> attr = convertTensor(
        &ctx, *init->second, baseDir, fileLoc, "initializer '" + name + "'");
    if (failed(attr))
      return failure();
    Value v = llmc::llm::ConstantOp::create(builder, namedLoc(name, 0), *attr);
    values[name] = v;
    return v;
  }
  if (sparseInitializers.contains(name))
    return emitError(useLoc) << prefix << "'" << name
                             << "' is a sparse initializer (unsupported)";
  return emitError(useLoc) << prefix << "'" << name
                           << "' is not produced by an earlier node, a graph "
                              "input or an initializer";
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        int index) {
  std::string name = nodeName(node, index);
  Location loc = namedLoc(name, index);
  std::string prefix = node.op_type() + " '" + name + "': ";

  SmallVector<Value> inputs;
  for (const std::string &input : node.input()) {
    if (input.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    FailureOr<Value> v = lookup(input, loc, prefix);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }

  NodeContext n(builder, node, name, loc, opset, std::move(inputs), baseDir);
  OpImporter importer =
      getOpImporters().lookup(importerKey(node.domain(), node.op_type()));

  // Errors raised while importing the node (by the importer, op inference or
  // verifiers) are re-emitted with the node's op type and name in front.
  std::vector<Diagnostic> captured;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      captured.push_back(std::move(diag));
      return success();
    });
    result = importer(n);
  }
  for (Diagnostic &diag : captured) {
    std::string message = diag.str();
    if (!StringRef(message).starts_with(prefix))
      message = prefix + message;
    InFlightDiagnostic out = emitError(diag.getLocation()) << message;
    for (Diagnostic &note : diag.getNotes())
      out.attachNote(note.getLocation()) << note.str();
  }
  if (failed(result) || !captured.empty()) {
    if (captured.empty())
      emitError(loc) << prefix << "failed to import the node";
    return failure();
  }

  const SmallVector<Value> &outputs = n.getOutputs();
  for (int i = 0, e = node.output_size(); i < e; ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= (int)outputs.size() || !outputs[i])
      return emitError(loc)
             << prefix << "output " << i << " ('" << node.output(i)
             << "') is not supported by the importer";
    values[node.output(i)] = outputs[i];
  }
  return success();
}

LogicalResult GraphImporter::checkOutputType(const onnx::ValueInfoProto &info,
                                             Value v) {
  if (!info.type().has_tensor_type())
    return success();
  const onnx::TypeProto::Tensor &declared = info.type().tensor_type();
  auto type = cast<RankedTensorType>(v.getType());
  Location loc = v.getLoc();
  if (declared.elem_type() != onnx::TensorProto::UNDEFINED) {
    Type elt = convertDataType(&ctx, declared.elem_type());
    if (elt && elt != type.getElementType())
      return emitError(loc)
             << "graph output '" << info.name() << "' has element type "
             << type.getElementType() << " but the model declares " << elt;
  }
  if (!declared.has_shape())
    return success();
  if (declared.shape().dim_size() != type.getRank())
    return emitError(loc) << "graph output '" << info.name() << "' has type "
                          << type << " but the model declares rank "
                          << declared.shape().dim_size();
  for (int i = 0, e = type.getRank(); i < e; ++i) {
    const onnx::TensorShapeProto::Dimension &dim = declared.shape().dim(i);
    if (dim.has_dim_value() && dim.dim_value() >= 0 && !type.isDynamicDim(i) &&
        type.getDimSize(i) != dim.dim_value())
      return emitError(loc)
             << "graph output '" << info.name() << "' has type " << type
             << " but the model declares dim " << i << " = " << dim.dim_value();
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (failed(checkSupportedOps()) || failed(readOpset()))
    return nullptr;

  for (const onnx::TensorProto &init : graph.initializer())
    initializers[init.name()] = &init;
  for (const onnx::SparseTensorProto &sparse : graph.sparse_initializer())
    sparseInitializers.insert(sparse.values().name());
  if (failed(checkOptionNames()))
    return nullptr;

  // Signature: graph inputs that are neither initializers nor frozen.
  SmallVector<InputSignature> args;
  SmallVector<std::pair<std::string, ElementsAttr>> frozen;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializers.count(info.name()))
      continue;
    auto frozenIt = options.frozenInputs.find(info.name());
    if (frozenIt != options.frozenInputs.end()) {
      FailureOr<ElementsAttr> attr = loadFrozenInput(info, frozenIt->second);
      if (failed(attr))
        return nullptr;
      frozen.push_back({info.name(), *attr});
      continue;
    }
    FailureOr<InputSignature> sig = inputSignature(info);
    if (failed(sig))
      return nullptr;
    args.push_back(std::move(*sig));
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr("llm.opset", builder.getI64IntegerAttr(opset));
  std::string producer = model.producer_name();
  if (!model.producer_version().empty())
    producer += (producer.empty() ? "" : " ") + model.producer_version();
  (*module)->setAttr("llm.producer", builder.getStringAttr(producer));
  (*module)->setAttr("llm.source", builder.getStringAttr(path));

  SmallVector<Type> argTypes;
  for (const InputSignature &sig : args)
    argTypes.push_back(sig.type);
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = new Block();
  func.getBody().push_back(entry);
  for (auto [i, sig] : llvm::enumerate(args)) {
    Value arg = entry->addArgument(sig.type, namedLoc(sig.name, 0));
    values[sig.name] = arg;
    func.setArgAttr(i, "llm.name", builder.getStringAttr(sig.name));
    if (llvm::any_of(sig.dimNames,
                     [](const std::string &s) { return !s.empty(); }) ||
        !sig.type.hasStaticShape()) {
      SmallVector<Attribute> names;
      for (const std::string &s : sig.dimNames)
        names.push_back(builder.getStringAttr(s));
      func.setArgAttr(i, "llm.dim_names", builder.getArrayAttr(names));
    }
  }
  builder.setInsertionPointToEnd(entry);
  for (auto &[name, attr] : frozen)
    values[name] =
        llmc::llm::ConstantOp::create(builder, namedLoc(name, 0), attr);

  for (int i = 0, e = graph.node_size(); i < e; ++i)
    if (failed(importNode(graph.node(i), i)))
      return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    FailureOr<Value> v = lookup(output.name(), fileLoc, "graph output: ");
    if (failed(v) || failed(checkOutputType(output, *v)))
      return nullptr;
    results.push_back(*v);
    resultTypes.push_back(v->getType());
  }
  func::ReturnOp::create(builder, fileLoc, results);
  // Shape computations and constants folded away leave dead ops behind; the
  // body is straight-line code, so one reverse sweep removes them all.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*entry)))
    if (isOpTriviallyDead(&op))
      op.erase();
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "llm.name", builder.getStringAttr(output.name()));

  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

namespace llmc {

OwningOpRef<ModuleOp> importONNX(MLIRContext &ctx, const std::string &path,
                                 const ImportOptions &options) {
  ctx.loadDialect<func::FuncDialect, llm::LLMDialect>();
  std::unique_ptr<onnx::ModelProto> model = loadModel(&ctx, path);
  if (!model)
    return nullptr;
  GraphImporter importer(ctx, path, options, *model);
  return importer.run();
}

} // namespace llmc
