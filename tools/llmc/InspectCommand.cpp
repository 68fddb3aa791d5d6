//===- InspectCommand.cpp - `llmc inspect`: summarize a plan --------------===//
#include "Commands.h"

#include "llmc/runtime/DType.h"
#include "llmc/runtime/PlanFormat.h"

#include <nlohmann/json.hpp>

#include <iostream>

using namespace llmc;
using json = nlohmann::json;

static std::string dimsString(const google::protobuf::RepeatedPtrField<plan::Dim> &dims) {
  std::string s = "[";
  for (int i = 0; i < dims.size(); ++i) {
    if (i)
      s += ",";
    s += dims[i].has_symbol() ? dims[i].symbol() : std::to_string(dims[i].value());
  }
  return s + "]";
}

static json summarize(const runtime::PlanFile &file) {
  const plan::PlanHeader &h = file.header();
  json j;
  j["producer"] = h.producer();
  j["format_version"] = h.format_version();
  for (const plan::Target &t : h.targets())
    j["targets"].push_back(t.name());
  auto tensors = [&](const auto &list) {
    json a = json::array();
    for (const plan::TensorDesc &d : list)
      a.push_back({{"name", d.name()},
                   {"dtype", runtime::dtypeName(d.dtype())},
                   {"dims", dimsString(d.dims())}});
    return a;
  };
  j["inputs"] = tensors(h.inputs());
  j["outputs"] = tensors(h.outputs());
  j["programs"] = json::array();
  for (const plan::Program &p : h.programs())
    j["programs"].push_back({{"name", p.name()},
                             {"inputs", tensors(p.inputs())},
                             {"outputs", tensors(p.outputs())},
                             {"steps", p.steps_size()}});
  j["state"] = json::array();
  for (const plan::Buffer &b : h.buffers())
    if (b.kind() == plan::STATE)
      j["state"].push_back({{"dtype", runtime::dtypeName(b.dtype())},
                            {"dims", dimsString(b.dims())},
                            {"max_bytes", b.size_bytes()}});
  j["metadata"] = json::object();
  for (const auto &[key, value] : h.metadata())
    j["metadata"][key] = value;
  j["kernels"] = json::array();
  for (const plan::Kernel &k : h.kernels())
    j["kernels"].push_back({{"name", k.name()}, {"args", k.num_args()}});
  j["steps"] = h.steps_size();
  uint64_t weightBytes = 0;
  int counts[5] = {0, 0, 0, 0, 0};
  for (const plan::Buffer &b : h.buffers()) {
    if (b.kind() == plan::WEIGHT)
      weightBytes += b.size_bytes();
    if (b.kind() >= 0 && b.kind() < 5)
      counts[b.kind()]++;
  }
  j["buffers"] = {{"input", counts[plan::INPUT]},
                  {"output", counts[plan::OUTPUT]},
                  {"weight", counts[plan::WEIGHT]},
                  {"activation", counts[plan::ACTIVATION]}};
  j["weight_bytes"] = weightBytes;
  j["peak_activation_bytes"] = h.memory().arena_bytes();
  for (const plan::Section &s : h.sections())
    j["sections"].push_back({{"name", s.name()}, {"bytes", s.size()}});
  return j;
}

static void printText(const json &j) {
  std::cout << "producer: " << j["producer"].get<std::string>()
            << " (format " << j["format_version"] << ")\n";
  std::cout << "targets:";
  for (auto &t : j["targets"])
    std::cout << " " << t.get<std::string>();
  std::cout << "\n";
  for (const char *kind : {"inputs", "outputs"}) {
    std::cout << kind << ":\n";
    for (auto &t : j[kind])
      std::cout << "  " << t["name"].get<std::string>() << ": "
                << t["dtype"].get<std::string>() << t["dims"].get<std::string>()
                << "\n";
  }
  for (auto &p : j["programs"]) {
    std::cout << "program " << p["name"].get<std::string>() << " ("
              << p["steps"] << " steps):";
    for (const char *kind : {"inputs", "outputs"})
      for (auto &t : p[kind])
        std::cout << " " << t["name"].get<std::string>() << ":"
                  << t["dtype"].get<std::string>()
                  << t["dims"].get<std::string>();
    std::cout << "\n";
  }
  for (auto &b : j["state"])
    std::cout << "state: " << b["dtype"].get<std::string>()
              << b["dims"].get<std::string>() << " (at most " << b["max_bytes"]
              << " bytes)\n";
  for (auto &[key, value] : j["metadata"].items())
    std::cout << "metadata " << key << " = " << value.get<std::string>()
              << "\n";
  std::cout << "kernels: " << j["kernels"].size() << ", steps: " << j["steps"] << "\n";
  for (auto &k : j["kernels"])
    std::cout << "  " << k["name"].get<std::string>() << " (" << k["args"] << " args)\n";
  std::cout << "buffers: " << j["buffers"]["input"] << " input, "
            << j["buffers"]["output"] << " output, " << j["buffers"]["weight"]
            << " weight, " << j["buffers"]["activation"] << " activation\n";
  std::cout << "weight bytes: " << j["weight_bytes"] << "\n";
  std::cout << "peak activation bytes: " << j["peak_activation_bytes"] << "\n";
  for (auto &s : j["sections"])
    std::cout << "section " << s["name"].get<std::string>() << ": " << s["bytes"]
              << " bytes\n";
}

tool::Action tool::addInspectCommand(CLI::App &app) {
  auto *cmd = app.add_subcommand("inspect", "Summarize a plan file");
  auto path = std::make_shared<std::string>();
  auto asJson = std::make_shared<bool>(false);
  cmd->add_option("plan", *path, "Plan file")->required();
  cmd->add_flag("--json", *asJson, "Print JSON");
  return [path, asJson]() -> int {
    std::unique_ptr<runtime::PlanFile> file;
    runtime::Status status = runtime::PlanFile::open(*path, file);
    if (!status.ok()) {
      std::cerr << "llmc: error: " << status.message << "\n";
      return 1;
    }
    json j = summarize(*file);
    if (*asJson)
      std::cout << j.dump(2) << "\n";
    else
      printText(j);
    return 0;
  };
}
