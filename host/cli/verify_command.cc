// `qtrace verify FILE --host-key PEM [--key-name NAME] [--signer-key PEM]
//                [--keys-from BUNDLE]`.
#include "verify_command.h"

#include <memory>

#include "bundle.h"
#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/receipt.h"
#include "qtrace/record.h"
#include "store_access.h"

namespace qtrace::cli {
namespace {

struct VerifyArgs {
  std::string file;
  std::string host_key;
  std::string key_name;
  std::string signer_key;
  std::string keys_from;
  CLI::Option* key_name_option = nullptr;  // tells "absent" from ""
};

std::string_view Bytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}

std::string ShortHex(std::string_view raw) { return HexEncode(raw).substr(0, 16) + "..."; }

CommandResult VerifyCommand(const VerifyArgs& a) {
  std::string text;
  if (auto e = ReadFileArg("file", a.file, &text)) return *e;
  VerifyingKey host_key;
  if (auto e = LoadPublicKeyArg("--host-key", a.host_key, &host_key)) return *e;
  std::optional<std::string> key_name;
  if (a.key_name_option->count() > 0) key_name = a.key_name;
  SignerKeys signers;
  if (!a.signer_key.empty()) {
    VerifyingKey k;
    if (auto e = LoadPublicKeyArg("--signer-key", a.signer_key, &k)) return *e;
    signers.signer_key = k;
  }
  std::optional<VerifiedBundle> bundle;
  if (!a.keys_from.empty()) {
    std::string bundle_text;
    if (auto e = ReadFileArg("--keys-from bundle", a.keys_from, &bundle_text)) return *e;
    auto v = VerifyBundle(bundle_text, host_key, key_name);
    if (!v.ok()) {
      if (v.status().reason() == "bad_bundle") {
        return UsageError("--keys-from " + a.keys_from + ": " + v.status().message());
      }
      return Invalid("--keys-from " + a.keys_from + ": the bundle is not valid: " +
                     v.status().message());
    }
    bundle = std::move(*v);
    signers.bundle = &*bundle;
  }
  if ((signers.signer_key || signers.bundle) &&
      text.substr(0, kReceiptHeader.size()) != kReceiptHeader) {
    return UsageError("--signer-key and --keys-from apply to receipts only");
  }
  return VerifyArtifact(text, host_key, key_name, signers);
}

}  // namespace

CommandResult VerifyReceiptText(std::string_view text,
                                const VerifyingKey& host_key,
                                const std::optional<std::string>& key_name,
                                const SignerKeys& signers) {
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
  const bool check_record = signers.signer_key.has_value() || signers.bundle != nullptr;

  // The record inside the entry (now proven to be the logged leaf).
  std::string record_line;
  std::string record_check = "not checked (no --signer-key or --keys-from)";
  StatusOr<const fb::LogEntry*> entry = VerifyLogEntry(v->entry);
  if (!entry.ok()) {
    if (check_record) {
      return Invalid("the entry is not a qtrace log entry: " + entry.status().message());
    }
  } else {
    const fb::LogEntry& e = **entry;
    if (e.index() != v->index) {
      return Invalid("the entry says log index " + std::to_string(e.index()) +
                     " but is proven at index " + std::to_string(v->index));
    }
    const std::string_view type = e.payload_type() ? e.payload_type()->string_view() : "";
    const std::string_view payload = Bytes(e.payload());
    const std::string_view signature = Bytes(e.signature());
    const std::string_view key_id = Bytes(e.key_id());
    std::string party;
    auto rec = RecordOfEntry(e);
    if (rec.ok() && (*rec)->header() != nullptr && (*rec)->header()->party() != nullptr) {
      party = (*rec)->header()->party()->str();
      record_line = "record: " + std::string(BodyTypeName((*rec)->body_type())) + " stated by " +
                    party + ", record id " + HexEncode(AsBytes(RecordIdOf(type, payload))) + "\n";
    } else if (check_record) {
      return Invalid("the entry does not hold a qtrace record");
    }
    std::vector<std::string> checked;
    if (signers.signer_key) {
      const VerifyingKey& k = *signers.signer_key;
      if (key_id != AsBytes(k.id())) {
        return Invalid("the record is signed by key id " + ShortHex(key_id) +
                       ", not by --signer-key (key id " + ShortHex(AsBytes(k.id())) + ")");
      }
      if (!k.VerifyRecord(type, payload, signature)) {
        return Invalid("record signature does not verify with --signer-key");
      }
      checked.push_back("--signer-key");
    }
    if (signers.bundle != nullptr) {
      auto it = signers.bundle->keys.find(std::string(key_id));
      if (it == signers.bundle->keys.end()) {
        return Invalid("the record is signed by key id " + ShortHex(key_id) +
                       ", which the --keys-from bundle does not register");
      }
      const RegisteredKey& k = it->second;
      if (k.added_index >= v->index && v->index != 0) {
        return Invalid("the signing key was registered at log index " +
                       std::to_string(k.added_index) + ", after this record");
      }
      if (k.revoked && k.revoked_index < v->index) {
        return Invalid("the signing key of " + k.party + " was revoked at log index " +
                       std::to_string(k.revoked_index) + ", before this record");
      }
      if (k.party != party) {
        return Invalid("the record states party '" + party + "' but the bundle registers its key to '" +
                       k.party + "'");
      }
      if (!k.key.VerifyRecord(type, payload, signature)) {
        return Invalid("record signature does not verify with the key of " + k.party +
                       " registered at log index " + std::to_string(k.added_index));
      }
      checked.push_back("the key of " + k.party + " registered at log index " +
                        std::to_string(k.added_index) + " in the --keys-from bundle (as of size " +
                        std::to_string(signers.bundle->checkpoint.size) + ")");
    }
    if (!checked.empty()) {
      record_check = "valid (key " + ShortHex(key_id) + ", checked with ";
      for (size_t i = 0; i < checked.size(); ++i) record_check += (i ? " and " : "") + checked[i];
      record_check += ")";
    }
  }

  std::string out = "valid\n";
  out += "log: " + cp.origin + "\n";
  out += "index: " + std::to_string(v->index) + "\n";
  out += "tree size: " + std::to_string(cp.size) + "\n";
  out += "checkpoint time: " + FormatCheckpointTime(cp.time_micros) + "\n";
  out += "leaf hash: " + Base64Encode(AsBytes(v->leaf_hash)) + "\n";
  out += "entry: " + std::to_string(v->entry.size()) + " bytes\n";
  out += record_line;
  out += "checks: checkpoint signature, leaf hash, inclusion: valid; record signature: " +
         record_check + "\n";
  return Success(std::move(out));
}

CommandResult VerifyArtifact(std::string_view text,
                             const VerifyingKey& host_key,
                             const std::optional<std::string>& key_name,
                             const SignerKeys& signers) {
  if (text.substr(0, kReceiptHeader.size()) == kReceiptHeader) {
    return VerifyReceiptText(text, host_key, key_name, signers);
  }
  if (text.substr(0, kBundleHeader.size()) == kBundleHeader) {
    return VerifyBundleText(text, host_key, key_name);
  }
  return Invalid("not a receipt or a lot bundle (its first line is neither " +
                 std::string(kReceiptHeader) + " nor " + std::string(kBundleHeader) + ")");
}

void AddVerifyCommands(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check a receipt or a lot bundle offline against the host's public key");
  verify->add_option("file", args->file, "receipt (.tlog-proof) or lot bundle file")
      ->required();
  verify->add_option("--host-key", args->host_key, "host public key (PEM)")
      ->required();
  args->key_name_option = verify->add_option(
      "--key-name", args->key_name,
      "checkpoint key name (default: the checkpoint's origin)");
  verify->add_option("--signer-key", args->signer_key,
                     "receipts: public key (PEM) of the party that stated the record; "
                     "checks the record signature inside the entry");
  verify->add_option("--keys-from", args->keys_from,
                     "receipts: a lot bundle that registers the stating party's key; it is "
                     "verified first, then the record signature is checked with that key");
  SetHandler(verify, [args] { return VerifyCommand(*args); });
}

}  // namespace qtrace::cli
