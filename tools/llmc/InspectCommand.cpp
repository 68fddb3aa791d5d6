//===- InspectCommand.cpp - `llmc inspect`: summarize a plan --------------===//
#include "Commands.h"

#include "llmc/runtime/DType.h"
#include "llmc/runtime/PlanFormat.h"
#include "llmc/runtime/text/ChatTemplate.h"

#include <nlohmann/json.hpp>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/MemoryBuffer.h"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

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
  // The chat template (docs/chat-templates.md): its size and whether the
  // runtime can parse it.
  if (runtime::text::ChatTemplate::planHasChatTemplate(file)) {
    std::unique_ptr<runtime::text::ChatTemplate> tmpl;
    runtime::Status st = runtime::text::ChatTemplate::fromPlan(file, tmpl);
    j["chat_template"] = {{"bytes", st.ok() ? tmpl->source().size() : 0},
                          {"error", st.ok() ? "" : st.message}};
  }
  j["plan_bytes"] = file.fileBytes().size;
  // Weight-stripped plans: what llmrun --weights reads back.
  std::map<int32_t, const plan::Buffer *> byId;
  for (const plan::Buffer &b : h.buffers())
    byId[b.id()] = &b;
  uint64_t strippedBytes = 0;
  j["stripped_weights"] = json::array();
  for (const plan::ExternalWeight &w : h.external_weights()) {
    auto it = byId.find(w.buffer());
    if (it == byId.end())
      continue; // rejected when the plan was opened
    const plan::Buffer &b = *it->second;
    strippedBytes += b.size_bytes();
    j["stripped_weights"].push_back(
        {{"initializer", w.initializer()},
         {"buffer", w.buffer()},
         {"dtype", runtime::dtypeName(b.dtype())},
         {"dims", dimsString(b.dims())},
         {"bytes", b.size_bytes()},
         {"checksum", w.checksum()}});
  }
  j["stripped_weight_bytes"] = strippedBytes;
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
  if (j.contains("chat_template")) {
    const json &c = j["chat_template"];
    if (c["error"].get<std::string>().empty())
      std::cout << "chat template: " << c["bytes"]
                << " bytes (llmrun PLAN --render-chat MESSAGES.json)\n";
    else
      std::cout << "chat template: " << c["error"].get<std::string>() << "\n";
  }
  std::cout << "plan bytes: " << j["plan_bytes"] << "\n";
  if (!j["stripped_weights"].empty()) {
    std::cout << "stripped weights: " << j["stripped_weights"].size() << " ("
              << j["stripped_weight_bytes"]
              << " bytes; llmrun --weights MODEL.onnx)\n";
    for (auto &w : j["stripped_weights"])
      std::cout << "  " << w["initializer"].get<std::string>() << ": "
                << w["dtype"].get<std::string>()
                << w["dims"].get<std::string>() << "\n";
  }
}

/// The PTX targets of a plan: target name ("ptx-sm_80") -> the parsed
/// "code.ptx-<chip>" section (docs/plan-format.md).
static bool ptxSections(const runtime::PlanFile &file,
                        std::vector<std::pair<std::string, json>> &out) {
  const plan::PlanHeader &h = file.header();
  for (const plan::Target &t : h.targets()) {
    if (t.name().rfind("ptx-", 0) != 0)
      continue;
    runtime::PlanFile::Bytes bytes = file.section(t.code_section());
    json j = json::parse(std::string((const char *)bytes.data, bytes.size),
                         nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || j.value("format", "") != "llmc-ptx-1") {
      std::cerr << "llmc: error: target " << t.name()
                << ": malformed PTX section\n";
      return false;
    }
    out.emplace_back(t.name(), std::move(j));
  }
  return true;
}

/// `--dump-kernels DIR`: DIR/<target>.ptx and DIR/<target>.launches.json.
static bool dumpKernels(const runtime::PlanFile &file, const std::string &dir) {
  std::vector<std::pair<std::string, json>> targets;
  if (!ptxSections(file, targets))
    return false;
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    std::cerr << "llmc: error: cannot create " << dir << ": " << ec.message()
              << "\n";
    return false;
  }
  for (auto &[name, j] : targets) {
    std::ofstream ptx(dir + "/" + name + ".ptx");
    ptx << j["ptx"].get<std::string>();
    json launches = j;
    launches.erase("ptx");
    std::ofstream(dir + "/" + name + ".launches.json") << launches.dump(1)
                                                        << "\n";
    if (!ptx) {
      std::cerr << "llmc: error: cannot write " << dir << "/" << name
                << ".ptx\n";
      return false;
    }
    std::cout << dir << "/" << name << ".ptx\n";
  }
  return true;
}

/// `--kernels`: per target and GPU function, the launch shape and what
/// `ptxas -v` reports (registers, shared memory, spills) when ptxas exists.
static bool listKernels(const runtime::PlanFile &file) {
  std::vector<std::pair<std::string, json>> targets;
  if (!ptxSections(file, targets))
    return false;
  if (targets.empty()) {
    std::cout << "no GPU targets in this plan\n";
    return true;
  }
  std::string ptxas;
  if (auto p = llvm::sys::findProgramByName("ptxas"))
    ptxas = *p;
  else if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    ptxas = "/usr/local/cuda/bin/ptxas";
  for (auto &[name, j] : targets) {
    std::string chip = j["chip"].get<std::string>();
    // ptxas -v: "Function properties for F" / "Used N registers, ..." lines.
    std::map<std::string, std::string> usage;
    std::string note;
    if (ptxas.empty()) {
      note = " (ptxas not found: no register counts)";
    } else {
      llvm::SmallString<128> in, log;
      llvm::sys::fs::createTemporaryFile("llmc-inspect", "ptx", in);
      llvm::sys::fs::createTemporaryFile("llmc-inspect", "log", log);
      std::ofstream(in.c_str()) << j["ptx"].get<std::string>();
      std::string arch = "-arch=" + chip;
      llvm::StringRef argv[] = {ptxas, "-v", arch, in, "-o", "/dev/null"};
      std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                    log.str()};
      int rc = llvm::sys::ExecuteAndWait(ptxas, argv, std::nullopt, redirects);
      std::ifstream logIn(log.c_str());
      std::string line, current;
      while (std::getline(logIn, line)) {
        auto at = line.find("Compiling entry function '");
        if (at != std::string::npos) {
          current = line.substr(at + 26);
          current = current.substr(0, current.find('\''));
          continue;
        }
        for (const char *key : {"bytes stack frame", "Used "}) {
          auto k = line.find(key);
          if (k == std::string::npos || current.empty())
            continue;
          auto start = line.find_first_not_of(" ", line.find(':') + 1);
          if (line.find("ptxas info") == std::string::npos)
            start = line.find_first_not_of(" ");
          std::string &u = usage[current];
          u += (u.empty() ? "" : "; ") + line.substr(start);
        }
      }
      if (rc != 0)
        note = " (ptxas failed, exit " + std::to_string(rc) + ")";
      llvm::sys::fs::remove(in);
      llvm::sys::fs::remove(log);
    }
    std::cout << "target " << name << note << ":\n";
    for (auto &k : j["kernels"]) {
      std::cout << "  " << k["name"].get<std::string>() << ": "
                << k["launches"].size() << " launches, scratch "
                << k["scratch_bytes"].dump() << "\n";
      for (auto &l : k["launches"]) {
        std::string fn = l["function"].get<std::string>();
        std::cout << "    " << fn << " grid " << l["grid"].dump() << " block "
                  << l["block"].dump();
        if (usage.count(fn))
          std::cout << ": " << usage[fn];
        std::cout << "\n";
      }
    }
  }
  return true;
}

tool::Action tool::addInspectCommand(CLI::App &app) {
  auto *cmd = app.add_subcommand("inspect", "Summarize a plan file");
  auto path = std::make_shared<std::string>();
  auto asJson = std::make_shared<bool>(false);
  cmd->add_option("plan", *path, "Plan file")->required();
  cmd->add_flag("--json", *asJson, "Print JSON");
  auto dumpDir = std::make_shared<std::string>();
  auto kernels = std::make_shared<bool>(false);
  cmd->add_option("--dump-kernels", *dumpDir,
                  "Write each GPU target's PTX (and launch schedule) to DIR")
      ->type_name("DIR");
  cmd->add_flag("--kernels", *kernels,
                "List the GPU kernels of each target with ptxas -v usage");
  return [path, asJson, dumpDir, kernels]() -> int {
    std::unique_ptr<runtime::PlanFile> file;
    runtime::Status status = runtime::PlanFile::open(*path, file);
    if (!status.ok()) {
      std::cerr << "llmc: error: " << status.message << "\n";
      return 1;
    }
    if (!dumpDir->empty() || *kernels) {
      if (!dumpDir->empty() && !dumpKernels(*file, *dumpDir))
        return 1;
      if (*kernels && !listKernels(*file))
        return 1;
      return 0;
    }
    json j = summarize(*file);
    if (*asJson)
      std::cout << j.dump(2) << "\n";
    else
      printText(j);
    return 0;
  };
}
