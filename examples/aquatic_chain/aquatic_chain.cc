// The demo story's aquatic chain, played in-process against a real ledger
// (RocksDB under the given data dir): Lakeside feed mill -> Liangzi Lake crab
// cooperative (ponds P1-P5) -> collector/processor -> supermarkets and a
// restaurant chain. Then a regulator's questions: where did this retail lot
// come from, where did feed lot F-2406 go, and can a receipt be verified
// offline. Every record is a real Ed25519-signed flatbuffer.
//
//   aquatic_chain DATA_DIR
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include <boost/json.hpp>

#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/views.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "qtrace/record_json.h"

namespace {

using namespace qtrace;

class Story {
 public:
  explicit Story(std::string dir) : dir_(std::move(dir)) {}

  bool Start() {
    std::filesystem::remove_all(dir_);
    host::InitOptions init;
    init.origin = "qtrace.ezhou.example/log";
    init.admin_party = "ezhou-platform";
    init.admin_name = "Ezhou traceability platform operator";
    if (!Check(host::Ledger::Initialize(dir_, init), "initialize")) return false;
    auto admin = PrivateKey::LoadPem(host::DataDirLayout(dir_).admin_key());
    if (!admin.ok()) return false;
    keys_["ezhou-platform"] = *admin;
    host::LedgerOptions lo;
    lo.data_dir = dir_;
    auto ledger = host::Ledger::Open(lo);
    if (!Check(ledger.status(), "open")) return false;
    ledger_ = std::move(*ledger);
    std::printf("Store created under %s (origin %s)\n", dir_.c_str(), ledger_->origin().c_str());
    return true;
  }

  void Party(const std::string& id, const std::string& name, const std::string& role) {
    auto key = *PrivateKey::Generate();
    std::string pub = Base64Encode(
        std::string_view(reinterpret_cast<const char*>(key.public_key().raw().data()), 32));
    Submit("ezhou-platform", R"({"type":"party","party_id":")" + id + R"(","name":")" + name +
                                 R"(","roles":[")" + role + R"("],"keys":[")" + pub + R"("]})",
           "register " + name);
    keys_[id] = key;
  }

  host::IngestResult Submit(const std::string& party, const std::string& json,
                            const std::string& what, bool quiet = false) {
    boost::json::value v = boost::json::parse(json);
    auto& o = v.as_object();
    o["party"] = party;
    if (!o.contains("event_time")) o["event_time"] = "2026-06-01T08:00:00+08:00";
    auto payload = RecordFromJson(o);
    if (!payload.ok()) {
      std::printf("  ! %s: %s\n", what.c_str(), payload.status().ToString().c_str());
      return {payload.status()};
    }
    std::vector<host::IngestItem> items;
    items.push_back(host::IngestItem::FromEnvelope(
        SignPayload(keys_.at(party), kRecordPayloadType, std::move(*payload))));
    auto r = ledger_->SubmitAndWait(std::move(items))[0];
    if (!quiet) {
      if (r.status.ok()) {
        std::printf("  [%4llu] %-58s signed by %s\n", static_cast<unsigned long long>(r.index),
                    what.c_str(), party.c_str());
      } else {
        std::printf("  REFUSED %s: %s\n", what.c_str(), r.status.ToString().c_str());
      }
    }
    return r;
  }

  void Ship(const std::string& from, const std::string& to, const std::string& lot,
            const std::string& qty, const std::string& day) {
    std::string id = "DN-" + std::to_string(++shipments_);
    Submit(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                     R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty +
                     R"("}],"event_time":")" + day + R"(T08:00:00+08:00"})",
           "ship " + qty + " of " + lot + " to " + to);
    Submit(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
                   R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty +
                   R"("}],"event_time":")" + day + R"(T15:00:00+08:00"})",
           "receive " + lot);
  }

  host::Ledger& ledger() { return *ledger_; }

  static bool Check(const Status& s, const char* what) {
    if (!s.ok()) std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    return s.ok();
  }

 private:
  std::string dir_;
  std::unique_ptr<host::Ledger> ledger_;
  std::map<std::string, PrivateKey> keys_;
  int shipments_ = 0;
};

void PrintTrace(const host::TraceView& t) {
  for (const auto& s : t.lots) {
    std::string holders;
    for (const auto& h : s.lot.holders) {
      if (h.held == 0 && h.in_transit == 0) continue;
      if (!holders.empty()) holders += ", ";
      holders += h.party + " holds " + FormatAmount(h.held, s.lot.unit) + " " + s.lot.unit;
    }
    std::printf("  %*s%-40s %-12s %s%s\n", static_cast<int>(s.depth * 2), "", s.lot.ref.c_str(),
                s.via.c_str(), holders.c_str(), s.terminal && s.depth > 0 ? "  [end]" : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: aquatic_chain DATA_DIR\n");
    return 2;
  }
  Story s(argv[1]);
  if (!s.Start()) return 1;

  std::printf("\n1. The city's parties are registered by the platform operator\n");
  s.Party("lakeside-feed", "Lakeside feed mill", "enterprise");
  s.Party("liangzi-coop", "Liangzi Lake crab cooperative", "enterprise");
  s.Party("wuchang-bream", "Wuchang bream farm", "enterprise");
  s.Party("ezhou-aquatic", "Ezhou aquatic products collector and processor", "enterprise");
  s.Party("super-a", "Supermarket A", "enterprise");
  s.Party("super-b", "Supermarket B", "enterprise");
  s.Party("lake-restaurants", "Lake restaurant chain", "enterprise");
  s.Party("ezhou-amr", "City Market Supervision Bureau", "regulator");

  std::printf("\n2. Feed, ponds and what went into them\n");
  s.Submit("lakeside-feed", R"({"type":"product","scheme":"local","product_id":"crab-feed","sector":"agriculture","name":"crab compound feed"})", "product crab feed");
  for (const char* lot : {"F-2405", "F-2406"}) {
    s.Submit("lakeside-feed", std::string(R"({"type":"lot","lot":"local:crab-feed/)") + lot + R"(","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00"})", std::string("feed lot ") + lot);
  }
  s.Ship("lakeside-feed", "liangzi-coop", "local:crab-feed/F-2405", "1.5 TNE", "2026-04-25");
  s.Ship("lakeside-feed", "liangzi-coop", "local:crab-feed/F-2406", "1 TNE", "2026-04-26");
  s.Submit("liangzi-coop", R"({"type":"product","scheme":"local","product_id":"mitten-crab","sector":"agriculture","name":"Liangzi Lake mitten crab"})", "product mitten crab");
  for (int p = 1; p <= 5; ++p) {
    s.Submit("liangzi-coop", R"({"type":"unit","unit_id":"P)" + std::to_string(p) + R"(","kind":"pond","site":"420702"})", "pond P" + std::to_string(p));
  }
  for (int p = 1; p <= 5; ++p) {
    bool tainted = p == 3 || p == 5;
    std::string lot = tainted ? "F-2406" : "F-2405";
    s.Submit("liangzi-coop", R"({"type":"unit_event","unit":"P)" + std::to_string(p) + R"(","kind":"input_applied","input":"local:crab-feed/)" + lot + R"(","quantity":"200 KGM","start":"2026-05-02T07:00:00+08:00"})", "feed " + lot + " into pond P" + std::to_string(p));
  }

  std::printf("\n3. Harvest, collection, processing, retail\n");
  for (int p = 1; p <= 5; ++p) {
    std::string n = std::to_string(p);
    s.Submit("liangzi-coop", R"({"type":"lot","lot":"local:mitten-crab/P)" + n + R"(-0920","quantity":"800 KGM","production_time":"2026-09-20T06:00:00+08:00","units":[{"unit":"P)" + n + R"(","time":"2026-09-20T06:00:00+08:00"}],"certificates":[{"cert_id":"HG-2026-0920-P)" + n + R"(","standard":"承诺达标合格证"}]})", "harvest pond P" + n);
  }
  for (int p : {1, 3, 5}) {
    s.Ship("liangzi-coop", "ezhou-aquatic", "local:mitten-crab/P" + std::to_string(p) + "-0920", "800 KGM", "2026-09-21");
  }
  s.Submit("ezhou-aquatic", R"({"type":"product","scheme":"local","product_id":"crab-mixed","sector":"agriculture","name":"collector lot"})", "product collector lot");
  s.Submit("ezhou-aquatic", R"({"type":"lot","lot":"local:crab-mixed/M-1","quantity":"1600 KGM","production_time":"2026-09-22T08:00:00+08:00","inputs":[{"lot":"local:mitten-crab/P3-0920","quantity":"800 KGM","kind":"merged_into"},{"lot":"local:mitten-crab/P1-0920","quantity":"800 KGM","kind":"merged_into"}]})", "collector merges P3 + P1 into M-1");
  s.Submit("ezhou-aquatic", R"({"type":"lot","lot":"local:crab-mixed/M-2","quantity":"800 KGM","production_time":"2026-09-22T08:00:00+08:00","inputs":[{"lot":"local:mitten-crab/P5-0920","quantity":"800 KGM","kind":"split_from"}]})", "collector keeps P5 as M-2");
  s.Submit("ezhou-aquatic", R"({"type":"product","scheme":"gtin","product_id":"06901234567892","sector":"agriculture","name":"live mitten crab 500 g box"})", "product GTIN 06901234567892");
  struct Retail {
    const char* code;
    const char* from;
    const char* to;
  };
  for (Retail r : {Retail{"RB-01", "M-1", "super-a"}, Retail{"RB-02", "M-1", "super-b"},
                   Retail{"RB-03", "M-1", "lake-restaurants"}, Retail{"RB-04", "M-2", "super-a"}}) {
    s.Submit("ezhou-aquatic", std::string(R"({"type":"lot","lot":"gtin:06901234567892/)") + r.code + R"(","quantity":"400 KGM","production_time":"2026-09-23T08:00:00+08:00","inputs":[{"lot":"local:crab-mixed/)" + r.from + R"(","quantity":"400 KGM","kind":"split_from"}]})", std::string("retail lot ") + r.code + " from " + r.from);
    s.Ship("ezhou-aquatic", r.to, std::string("gtin:06901234567892/") + r.code, "400 KGM", "2026-09-24");
  }

  std::printf("\n4. A bad record is refused, and nothing changes\n");
  uint64_t before = s.ledger().LogSize();
  s.Submit("super-b", R"({"type":"shipment","shipment_id":"X-1","to":"lake-restaurants","items":[{"lot":"gtin:06901234567892/RB-02","quantity":"450 KGM"}],"event_time":"2026-09-25T08:00:00+08:00"})", "super-b ships 450 KGM of a 400 KGM lot");
  std::printf("  log size before %llu, after %llu\n", static_cast<unsigned long long>(before),
              static_cast<unsigned long long>(s.ledger().LogSize()));

  std::printf("\n5. A regulator asks: where did retail lot RB-02 come from?\n");
  auto back = host::Trace(s.ledger(), "gtin:06901234567892/RB-02", false);
  if (!back.ok()) return 1;
  PrintTrace(*back);

  std::printf("\n6. And where did feed lot F-2406 go? (every downstream lot and holder)\n");
  auto fwd = host::Trace(s.ledger(), "local:crab-feed/F-2406", true);
  if (!fwd.ok()) return 1;
  PrintTrace(*fwd);
  std::printf("  P1-only, P2 and P4 lots and the Wuchang bream farm are not in this trace.\n");

  std::printf("\n7. Supermarket B verifies its receipt offline with the host's public key\n");
  auto lot = host::GetLotView(s.ledger(), "gtin:06901234567892/RB-02");
  auto receipt = s.ledger().Receipt(lot->index);
  if (!receipt.ok()) return 1;
  auto verified = VerifyReceipt(*receipt, s.ledger().host_key(), s.ledger().origin());
  std::printf("  receipt for log index %llu: %s\n", static_cast<unsigned long long>(lot->index),
              verified.ok() ? "signature, inclusion proof and checkpoint all verify"
                            : verified.status().ToString().c_str());
  auto cp = s.ledger().LatestCheckpoint();
  std::printf("\nSigned checkpoint (size %llu):\n%s", static_cast<unsigned long long>(cp->size),
              cp->note.c_str());
  return verified.ok() ? 0 : 1;
}
