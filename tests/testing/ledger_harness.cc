#include "testing/ledger_harness.h"

#include <boost/json.hpp>
#include <stdexcept>

#include "qtrace/encoding.h"
#include "qtrace/record_json.h"

namespace qtrace::testing {
namespace {

template <typename T>
T Must(StatusOr<T> v, const char* what) {
  if (!v.ok()) throw std::runtime_error(std::string(what) + ": " + v.status().ToString());
  return std::move(v).value();
}

}  // namespace

LedgerHarness::LedgerHarness(host::LedgerOptions options) : options_(std::move(options)) {
  options_.data_dir = dir_.Sub("data");
  host::InitOptions init;
  init.admin_party = admin_party_;
  Status s = host::Ledger::Initialize(options_.data_dir, init);
  if (!s.ok()) throw std::runtime_error("Initialize: " + s.ToString());
  admin_ = Must(PrivateKey::LoadPem(host::DataDirLayout(options_.data_dir).admin_key()),
                "admin key");
  keys_[admin_party_] = admin_;
  Reopen();
}

LedgerHarness::~LedgerHarness() { Close(); }

void LedgerHarness::Close() { ledger_.reset(); }

void LedgerHarness::Reopen() {
  ledger_.reset();
  ledger_ = Must(host::Ledger::Open(options_), "Open");
}

const PrivateKey& LedgerHarness::AddParty(const std::string& id, const std::string& roles_json,
                                          const std::string& sectors_json) {
  PrivateKey k = Must(PrivateKey::Generate(), "keygen");
  std::string pub = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(k.public_key().raw().data()), 32));
  auto r = Submit(admin_party_, R"({"type":"party","party_id":")" + id + R"(","name":")" + id +
                                    R"(","roles":)" + roles_json + R"(,"sectors":)" +
                                    sectors_json + R"(,"keys":[")" + pub + R"("]})");
  if (!r.status.ok()) throw std::runtime_error("AddParty " + id + ": " + r.status.ToString());
  keys_[id] = std::move(k);
  return keys_[id];
}

SignedEnvelope LedgerHarness::SignWith(const PrivateKey& key, const std::string& party,
                                       const std::string& json) const {
  boost::json::value v = boost::json::parse(json);
  auto& o = v.as_object();
  if (!o.contains("party")) o["party"] = party;
  if (!o.contains("event_time")) o["event_time"] = default_time;
  std::string payload = Must(RecordFromJson(o), "RecordFromJson");
  return SignPayload(key, kRecordPayloadType, std::move(payload));
}

SignedEnvelope LedgerHarness::Sign(const std::string& party, const std::string& json) const {
  return SignWith(keys_.at(party), party, json);
}

host::IngestResult LedgerHarness::Submit(const std::string& party, const std::string& json) {
  return SubmitEnvelope(Sign(party, json));
}

host::IngestResult LedgerHarness::SubmitEnvelope(SignedEnvelope env) {
  std::vector<SignedEnvelope> v;
  v.push_back(std::move(env));
  return SubmitBatch(std::move(v))[0];
}

std::vector<host::IngestResult> LedgerHarness::SubmitBatch(std::vector<SignedEnvelope> envs) {
  std::vector<host::IngestItem> items;
  for (auto& e : envs) items.push_back(host::IngestItem::FromEnvelope(std::move(e)));
  return ledger_->SubmitAndWait(std::move(items));
}

}  // namespace qtrace::testing
