// What the online commands of `qtrace` share: the flags that say which
// server to talk to and as whom, making the SDK Client from them, and
// turning its answers into CommandResults with the exit codes of cli.h:
//
//   0  done
//   1  the server refused (invalid, not allowed, not found, a rule broken)
//      or a receipt did not verify
//   2  the command line or a local input is wrong (a flag, a file, a key,
//      a record that does not map), or the server cannot be reached
//
// Flags (each may come from the environment):
//   --server URL   QTRACE_SERVER   http://host:port (default http://127.0.0.1:8420)
//   --key FILE     QTRACE_KEY      the caller's Ed25519 private key (PEM, mode 0600)
//   --party ID     QTRACE_PARTY    the stating party (default: looked up from the key)
//   --host-key PEM QTRACE_HOST_KEY verify every receipt offline with this host key
//   --json                          machine output
//   --clock-offset S QTRACE_CLOCK_OFFSET_S  recall drills only: run the
//                  command's clock S seconds ahead, like qtraced's
//                  --clock-offset-file, so signed requests stay in its window
//
// Thread-safety: single-threaded, like main().
#ifndef QTRACE_HOST_CLI_CLIENT_FLAGS_H_
#define QTRACE_HOST_CLI_CLIENT_FLAGS_H_

#include <memory>
#include <optional>
#include <string>

#include "cli.h"
#include "qtrace/client.h"
#include "qtrace/record_builder.h"

namespace qtrace::cli {

struct ConnectionFlags {
  std::string server = "http://127.0.0.1:8420";
  std::string key;
  std::string party;
  std::string host_key;
  std::string origin;
  std::string ca_file;  // https servers: PEM CAs to trust instead of the system's
  bool json = false;
  int retries = 4;
  double timeout_s = 30;
  double clock_offset_s = 0;  // recall drills: this command's clock runs ahead
};

enum class KeyUse { kNone, kOptional, kRequired };

// Adds the flags above to `command` (--key only unless `key` is kNone).
void AddConnectionFlags(CLI::App* command, ConnectionFlags* flags, KeyUse key);

// Makes the client: loads the key (refused unless 0600), and with
// --host-key the verifier (origin from --origin or the server's
// checkpoint). A usage error (2) when something local is wrong.
std::optional<CommandResult> MakeClient(const ConnectionFlags& flags, KeyUse key,
                                        std::unique_ptr<Client>* out);

// A failed server call: exit 2 when the server could not be reached, else
// exit 1 with "refused: <code> <reason>: <message>" and one line per detail
// on stderr.
CommandResult ServerError(const Status& status, std::string_view what = {});

// A local input that does not make a record (exit 2).
CommandResult InputError(const Status& status, std::string_view what = {});

// Human one-liner / JSON object for an accepted record.
std::string ReceiptLine(const RecordReceipt& receipt, std::string_view what);
std::string ReceiptJson(const RecordReceipt& receipt);

// Writes `text` to `path` (usage error when it cannot).
std::optional<CommandResult> WriteFileArg(std::string_view what, const std::string& path,
                                          std::string_view text);

// The flags every record-stating command has: connection, --at, --note,
// --receipt-out.
struct RecordFlags {
  ConnectionFlags conn;
  std::string at;  // event time
  std::string note;
  std::string receipt_out;  // write the tlog-proof receipt here
};
void AddRecordFlags(CLI::App* command, RecordFlags* flags);

// Signs `record_json` as the caller's party, submits it and prints the
// receipt line (or JSON); `what` says what was recorded.
CommandResult SubmitRecord(const RecordFlags& flags, const std::string& record_json,
                           const std::string& what);

// A record spec of qtrace/record_builder.h with --at and --note applied.
template <typename Spec>
CommandResult SubmitSpec(const RecordFlags& flags, Spec spec, const std::string& what) {
  spec.event_time = flags.at;
  spec.note = flags.note;
  return SubmitRecord(flags, ToRecordJson(spec), what);
}

// The command groups of the online commands; AddClientCommands (cli.h)
// adds them all, after the log group so that `qtrace log` gains the online
// log commands.
void AddAdminCommands(CLI::App& app);   // admin_commands.cc: init, keygen
void AddRecordCommands(CLI::App& app);  // record_commands.cc
void AddQueryCommands(CLI::App& app);   // query_commands.cc: get, find, trace, log ...
void AddImportCommands(CLI::App& app);  // import_command.cc: sign, import
void AddRecallCommands(CLI::App& app);  // recall_commands.cc: recall ...

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_CLIENT_FLAGS_H_
