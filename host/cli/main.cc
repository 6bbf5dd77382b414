// qtrace: the command-line tool. Command groups register themselves here;
// Run (below) is the only place that maps outcomes to exit codes.
#include <exception>
#include <iostream>
#include <map>

#include "cli.h"

namespace qtrace::cli {
namespace {

std::map<const CLI::App*, std::function<CommandResult()>>& Handlers() {
  static auto* handlers =
      new std::map<const CLI::App*, std::function<CommandResult()>>;
  return *handlers;
}

}  // namespace

void SetHandler(CLI::App* command, std::function<CommandResult()> handler) {
  Handlers()[command] = std::move(handler);
}

int Run(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0; everything else
    // CLI11 rejects is a malformed command line, whatever its own code.
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
  }
  auto it = Handlers().find(command);
  if (it == Handlers().end()) {
    std::cerr << "error: no command given; see --help\n";
    return kExitUsage;
  }
  CommandResult result;
  try {
    result = it->second();
  } catch (const std::exception& e) {  // third-party code that throws
    result = Invalid(std::string("internal error: ") + e.what());
  }
  std::cout << result.out << std::flush;
  std::cerr << result.err << std::flush;
  return result.exit_code;
}

}  // namespace qtrace::cli

int main(int argc, char** argv) {
  CLI::App app{"qtrace: product traceability and recall"};
  app.name("qtrace");
  app.require_subcommand(1);
  qtrace::cli::AddLogCommands(app);
  qtrace::cli::AddVerifyCommands(app);
  qtrace::cli::AddExportCommands(app);
  qtrace::cli::AddAuditCommands(app);
  qtrace::cli::AddBackupCommands(app);
  qtrace::cli::AddClientCommands(app);
  return qtrace::cli::Run(app, argc, argv);
}
