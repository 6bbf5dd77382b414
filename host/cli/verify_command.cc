// `qtrace verify FILE --host-key PEM [--key-name NAME]`.
#include "verify_command.h"

#include <memory>

#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"
#include "qtrace/receipt.h"

namespace qtrace::cli {
namespace {

struct VerifyArgs {
  std::string file;
  std::string host_key;
  std::string key_name;
  CLI::Option* key_name_option = nullptr;  // tells "absent" from ""
};

CommandResult VerifyCommand(const VerifyArgs& a) {
  std::string text, pem;
  if (auto e = ReadFileArg("file", a.file, &text)) return *e;
  if (auto e = ReadFileArg("host key", a.host_key, &pem)) return *e;
  StatusOr<VerifyingKey> key = VerifyingKey::FromPem(pem);
  if (!key.ok()) {
    return UsageError("--host-key " + a.host_key + ": " +
                      key.status().message());
  }
  std::optional<std::string> key_name;
  if (a.key_name_option->count() > 0) key_name = a.key_name;
  return VerifyArtifact(text, *key, key_name);
}

}  // namespace

CommandResult VerifyReceiptText(std::string_view text,
                                const VerifyingKey& host_key,
                                const std::optional<std::string>& key_name) {
  std::string name;
  if (key_name) {
    name = *key_name;
  } else {
    StatusOr<Receipt> receipt = ParseReceipt(text);
    if (!receipt.ok()) return Invalid(receipt.status().message());
    StatusOr<Checkpoint> cp =
        ParseCheckpointUnverified(receipt->checkpoint_note);
    if (!cp.ok()) return Invalid(cp.status().message());
    name = cp->origin;
  }
  StatusOr<VerifiedReceipt> v = VerifyReceipt(text, host_key, name);
  if (!v.ok()) return Invalid(v.status().message());
  const Checkpoint& cp = v->checkpoint;
  std::string out = "valid\n";
  out += "log: " + cp.origin + "\n";
  out += "index: " + std::to_string(v->index) + "\n";
  out += "tree size: " + std::to_string(cp.size) + "\n";
  out += "checkpoint time: " + FormatCheckpointTime(cp.time_micros) + "\n";
  out += "leaf hash: " + Base64Encode(AsBytes(v->leaf_hash)) + "\n";
  out += "entry: " + std::to_string(v->entry.size()) + " bytes\n";
  return Success(std::move(out));
}

CommandResult VerifyArtifact(std::string_view text,
                             const VerifyingKey& host_key,
                             const std::optional<std::string>& key_name) {
  if (text.substr(0, kReceiptHeader.size()) == kReceiptHeader) {
    return VerifyReceiptText(text, host_key, key_name);
  }
  return Invalid("not a receipt (its first line is not " +
                 std::string(kReceiptHeader) + ")");
}

void AddVerifyCommands(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* verify = app.add_subcommand(
      "verify", "Check a receipt offline against the host's public key");
  verify->add_option("file", args->file, "receipt file (.tlog-proof)")
      ->required();
  verify->add_option("--host-key", args->host_key, "host public key (PEM)")
      ->required();
  args->key_name_option = verify->add_option(
      "--key-name", args->key_name,
      "checkpoint key name (default: the checkpoint's origin)");
  SetHandler(verify, [args] { return VerifyCommand(*args); });
}

}  // namespace qtrace::cli
