// LedgerHarness: a real Ledger on a real RocksDB in a temp dir, plus signing
// identities, so a test states records as readable JSON:
//
//   LedgerHarness h;
//   h.AddEnterprise("farm-a");
//   auto r = h.Submit("farm-a", R"({"type":"lot", ...})");
//
// "party" and "event_time" are filled in when the JSON omits them.
#ifndef QTRACE_TESTS_TESTING_LEDGER_HARNESS_H_
#define QTRACE_TESTS_TESTING_LEDGER_HARNESS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/host/ledger.h"
#include "qtrace/record.h"
#include "testing/temp_dir.h"

namespace qtrace::testing {

class LedgerHarness {
 public:
  explicit LedgerHarness(host::LedgerOptions options = {});
  ~LedgerHarness();

  host::Ledger& ledger() { return *ledger_; }
  const std::string& dir() const { return dir_.path(); }
  const PrivateKey& admin() const { return admin_; }
  const std::string& admin_party() const { return admin_party_; }

  // Registers a party (signed by the admin) with a fresh key; returns it.
  const PrivateKey& AddParty(const std::string& id, const std::string& roles_json,
                             const std::string& sectors_json = "[]");
  const PrivateKey& AddEnterprise(const std::string& id) {
    return AddParty(id, R"(["enterprise"])");
  }
  const PrivateKey& key(const std::string& party) const { return keys_.at(party); }
  void SetKey(const std::string& party, PrivateKey key) { keys_[party] = std::move(key); }

  // Builds a record from JSON (adding party/event_time when absent) and
  // signs it with `party`'s key.
  SignedEnvelope Sign(const std::string& party, const std::string& json) const;
  SignedEnvelope SignWith(const PrivateKey& key, const std::string& party,
                          const std::string& json) const;
  host::IngestResult Submit(const std::string& party, const std::string& json);
  host::IngestResult SubmitEnvelope(SignedEnvelope env);
  std::vector<host::IngestResult> SubmitBatch(std::vector<SignedEnvelope> envs);

  // Closes and reopens the ledger on the same data dir.
  void Reopen();
  void Close();

  // Event time used when the JSON has none.
  std::string default_time = "2026-06-01T08:00:00+08:00";

 private:
  TempDir dir_;
  host::LedgerOptions options_;
  std::unique_ptr<host::Ledger> ledger_;
  PrivateKey admin_;
  std::string admin_party_ = "platform-admin";
  std::map<std::string, PrivateKey> keys_;
};

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_TESTING_LEDGER_HARNESS_H_
