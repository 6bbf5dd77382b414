#include "client_flags.h"

#include <boost/json.hpp>
#include <cmath>
#include <fstream>

#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"

namespace qtrace::cli {

void AddConnectionFlags(CLI::App* c, ConnectionFlags* f, KeyUse key) {
  c->add_option("--server", f->server, "qtraced address, http://host:port or https://host[:port] (TLS proxy)")
      ->envname("QTRACE_SERVER")
      ->capture_default_str();
  if (key != KeyUse::kNone) {
    c->add_option("--key", f->key,
                  "your Ed25519 private key (PEM, mode 0600)" +
                      std::string(key == KeyUse::kRequired ? ""
                                                           : "; reads without one see "
                                                             "only public data"))
        ->envname("QTRACE_KEY");
    c->add_option("--party", f->party,
                  "the party you state records for (default: the party "
                  "registered with --key)")
        ->envname("QTRACE_PARTY");
  }
  c->add_option("--host-key", f->host_key,
                "host public key (PEM): verify every receipt and checkpoint offline")
      ->envname("QTRACE_HOST_KEY");
  c->add_option("--origin", f->origin,
                "log origin to expect with --host-key (default: the "
                "server's checkpoint origin)");
  c->add_option("--ca-file", f->ca_file,
                "https servers: PEM file of CAs to trust (default: the system's)")
      ->envname("QTRACE_CA_FILE");
  c->add_flag("--json", f->json, "machine-readable JSON output");
  c->add_option("--retries", f->retries, "retries on connection failures, 429 and 503")
      ->capture_default_str();
  c->add_option("--timeout", f->timeout_s, "seconds per attempt")->capture_default_str();
  c->add_option("--clock-offset", f->clock_offset_s,
                "recall drills only: seconds this command's clock runs ahead (match qtraced "
                "--clock-offset-file)")
      ->envname("QTRACE_CLOCK_OFFSET_S");
}

namespace {

// The clock of a recall drill: the system clock plus a fixed offset.
class DrillClock final : public Clock {
 public:
  explicit DrillClock(int64_t offset_us) : offset_us_(offset_us) {}
  int64_t NowMicros() const override {
    return SystemClock::Default()->NowMicros() + offset_us_;
  }

 private:
  int64_t offset_us_;
};

}  // namespace

std::optional<CommandResult> MakeClient(const ConnectionFlags& f, KeyUse key_use,
                                        std::unique_ptr<Client>* out) {
  std::optional<PrivateKey> key;
  if (key_use != KeyUse::kNone && !f.key.empty()) {
    auto k = PrivateKey::LoadPem(f.key);
    if (!k.ok()) return UsageError("--key " + f.key + ": " + k.status().message());
    key = std::move(*k);
  } else if (key_use == KeyUse::kRequired) {
    return UsageError("this command needs your private key: --key FILE or QTRACE_KEY=FILE");
  }
  ClientOptions o;
  o.party = f.party;
  o.ca_file = f.ca_file;
  if (f.clock_offset_s != 0) {
    // Lives as long as the process, like the client that points to it.
    static DrillClock* drill = new DrillClock(static_cast<int64_t>(f.clock_offset_s * 1e6));
    o.clock = drill;
  }
  o.max_attempts = std::max(1, f.retries + 1);
  if (!(f.timeout_s > 0)) return UsageError("--timeout must be positive");
  o.timeout = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(f.timeout_s * 1000)));
  auto client = Client::Create(f.server, key, o);
  if (!client.ok()) return UsageError(client.status().message());
  if (!f.host_key.empty()) {
    auto hk = VerifyingKey::LoadPem(f.host_key);
    if (!hk.ok()) return UsageError("--host-key " + f.host_key + ": " + hk.status().message());
    std::string origin = f.origin;
    if (origin.empty()) {
      auto cp = (*client)->GetCheckpoint();
      if (!cp.ok()) return ServerError(cp.status(), "reading the checkpoint");
      origin = cp->checkpoint.origin;
    }
    o.verify_receipts = true;
    o.verifier = LogVerifier(*hk, origin);
    client = Client::Create(f.server, key, o);
    if (!client.ok()) return UsageError(client.status().message());
  }
  *out = std::move(*client);
  return std::nullopt;
}

namespace {

// "WHAT\n  code reason: message\n  - detail\n" (the first line only with WHAT).
std::string Describe(const Status& s, std::string_view what) {
  std::string head = std::string(StatusCodeName(s.code()));
  if (s.reason() != StatusCodeName(s.code())) head += " " + std::string(s.reason());
  head += ": " + s.message() + "\n";
  std::string msg = what.empty() ? head : std::string(what) + "\n  " + head;
  for (const auto& d : s.details()) {
    if (d != s.message()) msg += "  - " + d + "\n";
  }
  return msg;
}

}  // namespace

CommandResult ServerError(const Status& s, std::string_view what) {
  bool unreachable = s.code() == StatusCode::kUnavailable &&
                     (s.reason() == "unreachable" || s.reason() == "connection_failed");
  if (unreachable) return {kExitUsage, {}, "error: " + Describe(s, what)};
  std::string_view r = s.reason();
  bool unverified = r == "bad_receipt" || r == "wrong_log" || r.substr(0, 15) == "bad_checkpoint" ||
                    r == "bad_inclusion_proof" || r == "bad_consistency_proof";
  if (unverified) {
    return {kExitInvalid, {}, "invalid: the server's answer does not verify: " + Describe(s, what)};
  }
  return {kExitInvalid, {}, "refused: " + Describe(s, what)};
}

CommandResult InputError(const Status& s, std::string_view what) {
  return {kExitUsage, {}, "error: " + Describe(s, what)};
}

std::string ReceiptLine(const RecordReceipt& r, std::string_view what) {
  std::string line = r.duplicate ? "already accepted  " : "accepted  ";
  line += std::string(what);
  line += "  [log " + std::to_string(r.index) + ", record " + r.RecordIdHex().substr(0, 12) + "]";
  if (r.verified) line += " receipt verified";
  return line + "\n";
}

std::string ReceiptJson(const RecordReceipt& r) {
  boost::json::object o;
  o["status"] = r.http_status;
  o["duplicate"] = r.duplicate;
  o["index"] = r.index;
  o["record_id"] = r.RecordIdHex();
  o["leaf_hash"] = Base64Encode(AsBytes(r.leaf_hash));
  o["type"] = r.type;
  o["record_time"] = r.record_time;
  o["tree_size"] = r.tree_size;
  o["verified"] = r.verified;
  o["receipt"] = r.ToProofText();
  return boost::json::serialize(o) + "\n";
}

std::optional<CommandResult> WriteFileArg(std::string_view what, const std::string& path,
                                          std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return UsageError("cannot write " + std::string(what) + " " + path);
  return std::nullopt;
}

void AddRecordFlags(CLI::App* c, RecordFlags* f) {
  AddConnectionFlags(c, &f->conn, KeyUse::kRequired);
  c->add_option("--at", f->at, "when it happened, RFC 3339 (default: now)");
  c->add_option("--note", f->note, "free text for humans (never personal data)");
  c->add_option("--receipt-out", f->receipt_out,
                "write the receipt (C2SP tlog-proof text) to this file, for `qtrace verify`");
}

CommandResult SubmitRecord(const RecordFlags& f, const std::string& record_json,
                           const std::string& what) {
  std::unique_ptr<Client> client;
  if (auto e = MakeClient(f.conn, KeyUse::kRequired, &client)) return *e;
  auto party = client->Party();
  if (!party.ok()) return ServerError(party.status(), "finding the party of --key");
  auto env = client->Sign(record_json);
  if (!env.ok()) return InputError(env.status(), what);
  auto r = client->Submit(*env);
  if (!r.ok()) return ServerError(r.status(), what);
  if (!f.receipt_out.empty()) {
    if (auto e = WriteFileArg("--receipt-out", f.receipt_out, r->ToProofText())) return *e;
  }
  return Success(f.conn.json ? ReceiptJson(*r) : ReceiptLine(*r, what));
}

void AddClientCommands(CLI::App& app) {
  AddAdminCommands(app);
  AddRecordCommands(app);
  AddQueryCommands(app);
  AddImportCommands(app);
  AddRecallCommands(app);
}

}  // namespace qtrace::cli
