// llmrun: loads an llmc plan and runs it once on TensorProto inputs
// (--exec), writing every graph output to <output-dir>/<name>.pb.
#include "llmc/runtime/Runtime.h"
#include "llmc/runtime/TensorFile.h"

#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>

#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

using namespace llmc::runtime;

namespace {

constexpr const char *kVersion = "llmrun 0.1.0";

struct Options {
  std::string plan;
  bool exec = false;
  std::vector<std::string> inputs;
  std::string outputDir;
};

int fail(const std::string &message) {
  std::cerr << "llmrun: error: " << message << "\n";
  return 1;
}

// Output file name for a graph output: '/' becomes '_', and names that would
// escape or vanish ("", ".", "..") get a leading '_'.
std::string outputFileName(const std::string &name) {
  std::string s = name;
  for (char &c : s)
    if (c == '/')
      c = '_';
  if (s.empty() || s == "." || s == "..")
    s = "_" + s;
  return s + ".pb";
}

std::string quotedList(const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "'" : ", '") + n + "'";
  return s.empty() ? "none" : s;
}

// Reads every --input and binds it; every plan input must be bound.
Status bindInputs(Engine &engine, const std::vector<std::string> &specs) {
  std::vector<std::string> planInputs = engine.inputNames();
  std::set<std::string> known(planInputs.begin(), planInputs.end()), bound;
  for (const std::string &spec : specs) {
    std::string name, file = spec;
    size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      std::string prefix = spec.substr(0, eq);
      if (known.count(prefix)) {
        name = prefix;
        file = spec.substr(eq + 1);
      } else if (!std::filesystem::exists(spec)) {
        return Status::error("--input '" + spec + "': plan has no input '" +
                             prefix + "' (plan inputs: " +
                             quotedList(planInputs) + ")");
      }
    }
    Tensor tensor;
    std::string protoName;
    LLMC_RETURN_IF_ERROR(readTensorFile(file, tensor, protoName));
    if (name.empty()) {
      if (protoName.empty())
        return Status::error("input file '" + file +
                             "' has no tensor name; use --input NAME=" + file);
      name = protoName;
    }
    if (!bound.insert(name).second)
      return Status::error("input '" + name + "' is given more than once");
    Status st = engine.setInput(name, tensor);
    if (!st.ok())
      return Status::error(file + ": " + st.message);
  }
  for (const std::string &name : planInputs)
    if (!bound.count(name))
      return Status::error("missing input '" + name + "' (use --input " +
                           name + "=FILE.pb)");
  return Status::success();
}

Status writeOutputs(Engine &engine, const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::error("cannot create output directory '" + dir +
                         "': " + ec.message());
  std::map<std::string, std::string> fileToOutput;
  for (const std::string &name : engine.outputNames()) {
    std::string file = outputFileName(name);
    auto [it, fresh] = fileToOutput.emplace(file, name);
    if (!fresh)
      return Status::error("outputs '" + it->second + "' and '" + name +
                           "' would both be written to " + file);
  }
  for (const std::string &name : engine.outputNames()) {
    Tensor tensor;
    LLMC_RETURN_IF_ERROR(engine.getOutput(name, tensor));
    std::string path = (std::filesystem::path(dir) / outputFileName(name));
    LLMC_RETURN_IF_ERROR(writeTensorFile(path, tensor, name));
    std::cout << "wrote " << path << " ("
              << typeString(tensor.dtype, tensor.shape) << ")\n";
  }
  return Status::success();
}

int execute(const Options &opts) {
  if (opts.outputDir.empty())
    return fail("--exec requires --output-dir DIR");
  std::unique_ptr<PlanFile> plan;
  Status st = PlanFile::open(opts.plan, plan);
  if (!st.ok())
    return fail(st.message);
  std::unique_ptr<Engine> engine;
  st = Engine::create(std::move(plan), engine);
  if (!st.ok())
    return fail(st.message);
  st = bindInputs(*engine, opts.inputs);
  if (!st.ok())
    return fail(st.message);
  st = engine->run();
  if (!st.ok())
    return fail(st.message);
  st = writeOutputs(*engine, opts.outputDir);
  if (!st.ok())
    return fail(st.message);
  return 0;
}

int realMain(int argc, char **argv) {
  // Errors are reported as one `llmrun: error:` line; libprotobuf's own log
  // lines (e.g. invalid UTF-8 in a header string) would only add noise.
  google::protobuf::SetLogHandler(nullptr);
  Options opts;
  CLI::App app{"Run a plan compiled by llmc.\n\n"
               "With --exec, binds the given TensorProto (.pb) files to the "
               "plan's inputs, runs the plan once and writes each graph output "
               "to DIR/<output name>.pb ('/' in names becomes '_').",
               "llmrun"};
  app.add_option("plan", opts.plan, "Plan file produced by llmc")
      ->required()
      ->type_name("PLAN");
  app.add_flag("--exec", opts.exec,
               "Run the plan once and exit (the only mode implemented)");
  app.add_option("-i,--input", opts.inputs,
                 "Input tensor: NAME=FILE.pb, or FILE.pb to bind by the "
                 "TensorProto's name field. Repeat for each input.")
      ->type_name("[NAME=]FILE")
      ->allow_extra_args(false);
  app.add_option("-o,--output-dir", opts.outputDir,
                 "Directory for the output .pb files (created if missing)")
      ->type_name("DIR");
  app.set_version_flag("--version", kVersion);
  app.footer("Example:\n  llmrun model.plan --exec --input x=input_0.pb "
             "--output-dir out/\n\nExit status: 0 on success, 1 on error, 2 "
             "when a mode other than --exec is requested.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e); // --help / --version
    return fail(e.what());
  }
  if (!opts.exec) {
    std::cerr << "llmrun: only --exec is implemented (serving is not "
                 "available yet)\n";
    return 2;
  }
  return execute(opts);
}

} // namespace

int main(int argc, char **argv) {
  try {
    return realMain(argc, argv);
  } catch (const std::exception &e) {
    return fail(std::string("internal error: ") + e.what());
  } catch (...) {
    return fail("internal error");
  }
}
