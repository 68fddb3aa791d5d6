//===- llmc.cpp - the llmc compiler driver --------------------------------===//
#include "Commands.h"

#include <iostream>

int main(int argc, char **argv) {
  CLI::App app{"llmc: ahead-of-time compiler from ONNX to llmc plans"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("llmc ") + LLMC_VERSION);
  std::vector<std::pair<CLI::App *, llmc::tool::Action>> commands;
  auto add = [&](llmc::tool::Action (*fn)(CLI::App &)) {
    size_t before = app.get_subcommands({}).size();
    llmc::tool::Action action = fn(app);
    commands.push_back({app.get_subcommands({})[before], action});
  };
  add(llmc::tool::addImportCommand);
  add(llmc::tool::addCompileCommand);
  add(llmc::tool::addInspectCommand);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e);
    std::cerr << "llmc: error: " << e.what() << "\n";
    return 1;
  }
  try {
    for (auto &[sub, action] : commands)
      if (sub->parsed())
        return action();
  } catch (const std::exception &e) {
    std::cerr << "llmc: error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
