// Shared plumbing of the `qtrace` command line. A command group lives in its
// own file and exposes `void AddXxxCommands(CLI::App& app)`, which adds its
// subcommands and gives each a handler with SetHandler. A handler never
// prints or exits: it returns a CommandResult, and Run (the one place that
// knows about exit codes) prints it and turns it into the process status:
//
//   0  success ("valid" for the verifiers)
//   1  the thing checked is not valid (bad proof, bad signature, a hash
//      argument that is valid base64 but not 32 bytes, a malformed receipt)
//   2  the command line is malformed (CLI11 parse errors included), or an
//      input file or key cannot be read
//
// Thread-safety: single-threaded, like main().
#ifndef QTRACE_HOST_CLI_CLI_H_
#define QTRACE_HOST_CLI_CLI_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/crypto.h"

namespace qtrace::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

struct CommandResult {
  int exit_code = kExitOk;
  std::string out;  // printed on stdout
  std::string err;  // printed on stderr
};

// Exit 0, `out` on stdout.
CommandResult Success(std::string out);
// Exit 1, "invalid: <why>" on stdout (the verdict is the command's output).
CommandResult Invalid(std::string why);
// Exit 2, "error: <why>" on stderr.
CommandResult UsageError(std::string why);

// Makes `command` run `handler` when it is the (innermost) subcommand given.
void SetHandler(CLI::App* command, std::function<CommandResult()> handler);

// Parses argv, runs the selected command's handler, prints its result and
// returns the exit code. --help exits 0; every CLI11 parse error exits 2.
int Run(CLI::App& app, int argc, char** argv);

// Command groups (one file each).
void AddLogCommands(CLI::App& app);
void AddVerifyCommands(CLI::App& app);
void AddExportCommands(CLI::App& app);
void AddAuditCommands(CLI::App& app);
void AddBackupCommands(CLI::App& app);
void AddClientCommands(CLI::App& app);  // client_flags.cc: init, keygen, records, reads, import

// --- Argument helpers --------------------------------------------------------

// Parses a decimal uint64 argument (digits only); a usage error naming
// `flag` otherwise.
std::optional<CommandResult> ParseU64Arg(std::string_view flag,
                                         std::string_view text, uint64_t* out);

// A hash argument as given: its flag and base64 text.
struct HashArg {
  std::string flag;
  std::string text;
};
// Decodes every hash argument into `out` (same order). Any argument that is
// not strict base64 is a usage error (2); once all are base64, one that is
// not 32 bytes makes the command's answer "invalid" (1).
std::optional<CommandResult> DecodeHashArgs(const std::vector<HashArg>& args,
                                            std::vector<Hash256>* out);

// Reads a whole file; a usage error when it cannot be read.
std::optional<CommandResult> ReadFileArg(std::string_view what,
                                         const std::string& path,
                                         std::string* out);

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_CLI_H_
