// A small real store for the offline commands (export, verify, audit,
// backup, restore): a pesticide lot applied on a plot, two harvests merged
// into a packed GTIN lot, a retail lot made from it, an unrelated sibling
// lot, a key rotation in the middle, shipments with receipts.
//
//   agrochem  local:pesticide/PX  --ship--> farm-a, applied on plot A1
//   farm-a    local:harvest-a/HA  (made on A1 after the application)
//   farm-b    local:harvest-b/HB
//   packer    gtin:09506000134352/L1 <- HA 500 KGM + HB 500 KGM (merged)
//   packer    gtin:09506000134352/L2 <- HB 300 KGM          (NOT in L1's lineage)
//   retailer  local:retail/R1 <- L1 20 KGM (split; serials SN-1, SN-2), partly sold
//   farm-a rotates its key after shipping HA and adjusts HA with the new key.
//
// L1's bundle holds 5 lots: PX, HA, HB, L1, R1.
#ifndef QTRACE_TESTS_CLI_STORE_SCENARIO_H_
#define QTRACE_TESTS_CLI_STORE_SCENARIO_H_

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "qtrace/encoding.h"
#include "testing/ledger_harness.h"

namespace qtrace::testing {

inline constexpr char kPacked[] = "gtin:09506000134352/L1";

inline void MustOk(const host::IngestResult& r, const std::string& what) {
  if (!r.status.ok()) throw std::runtime_error(what + ": " + r.status.ToString());
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::string RawKeyBase64(const PrivateKey& k) {
  return Base64Encode(
      std::string_view(reinterpret_cast<const char*>(k.public_key().raw().data()), 32));
}

class StoreScenario {
 public:
  explicit StoreScenario(LedgerHarness& h) : h_(h) {}

  void S(const std::string& party, const std::string& json) {
    auto r = h_.Submit(party, json);
    MustOk(r, party + " " + json);
    last_index_ = r.index;
  }
  void Ship(const std::string& from, const std::string& to, const std::string& lot,
            const std::string& qty, const std::string& day) {
    std::string id = "S" + std::to_string(++shipments_);
    S(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty +
                R"("}],"event_time":")" + day + R"(T08:00:00+08:00"})");
    S(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
              R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty +
              R"("}],"event_time":")" + day + R"(T10:00:00+08:00"})");
  }

  void Build() {
    for (const char* p : {"agrochem", "farm-a", "farm-b", "packer", "retailer"}) {
      h_.AddEnterprise(p);
    }
    h_.AddParty("city-amr", R"(["regulator"])");
    S("agrochem", R"({"type":"product","scheme":"local","product_id":"pesticide",
        "sector":"agriculture"})");
    S("farm-a", R"({"type":"product","scheme":"local","product_id":"harvest-a",
        "sector":"agriculture"})");
    S("farm-b", R"({"type":"product","scheme":"local","product_id":"harvest-b",
        "sector":"agriculture"})");
    S("packer", R"({"type":"product","scheme":"gtin","product_id":"09506000134352",
        "sector":"agriculture","name":"packed greens"})");
    S("retailer", R"({"type":"product","scheme":"local","product_id":"retail",
        "sector":"agriculture"})");
    S("agrochem", R"({"type":"lot","lot":"local:pesticide/PX","quantity":"100 KGM",
        "production_time":"2026-04-01T08:00:00+08:00"})");
    Ship("agrochem", "farm-a", "local:pesticide/PX", "10 KGM", "2026-04-10");
    S("farm-a", R"({"type":"unit","unit_id":"A1","kind":"plot"})");
    S("farm-a", R"({"type":"unit_event","unit":"A1","kind":"input_applied",
        "input":"local:pesticide/PX","quantity":"1 KGM","start":"2026-05-10T08:00:00+08:00",
        "event_time":"2026-05-10T08:00:00+08:00"})");
    S("farm-a", R"({"type":"lot","lot":"local:harvest-a/HA","quantity":"1000 KGM",
        "production_time":"2026-06-01T06:00:00+08:00",
        "units":[{"unit":"A1","time":"2026-06-01T06:00:00+08:00"}]})");
    ha_index_ = last_index_;
    S("farm-b", R"({"type":"lot","lot":"local:harvest-b/HB","quantity":"1000 KGM",
        "production_time":"2026-06-01T06:00:00+08:00"})");
    hb_index_ = last_index_;
    Ship("farm-a", "packer", "local:harvest-a/HA", "600 KGM", "2026-06-02");
    Ship("farm-b", "packer", "local:harvest-b/HB", "800 KGM", "2026-06-02");
    S("packer", std::string(R"({"type":"lot","lot":")") + kPacked + R"(","quantity":"1000 KGM",
        "production_time":"2026-06-03T08:00:00+08:00","inputs":[
        {"lot":"local:harvest-a/HA","quantity":"500 KGM","kind":"merged_into"},
        {"lot":"local:harvest-b/HB","quantity":"500 KGM","kind":"merged_into"}]})");
    l1_index_ = last_index_;
    S("packer", R"({"type":"lot","lot":"gtin:09506000134352/L2","quantity":"300 KGM",
        "production_time":"2026-06-03T09:00:00+08:00","inputs":[
        {"lot":"local:harvest-b/HB","quantity":"300 KGM","kind":"split_from"}]})");
    // farm-a rotates its key (retiring the old one) and uses the new one.
    old_farm_a_ = h_.key("farm-a");
    PrivateKey fresh = *PrivateKey::Generate();
    S("farm-a", R"({"type":"key_rotation","party_id":"farm-a","new_key":")" +
                    RawKeyBase64(fresh) + R"(","retire_key_id":")" +
                    HexEncode(AsBytes(old_farm_a_.id())) + R"("})");
    h_.SetKey("farm-a", fresh);
    S("farm-a", R"({"type":"adjustment","lot":"local:harvest-a/HA","delta":"-5 KGM",
        "reason":"weighing loss"})");
    adjustment_index_ = last_index_;
    Ship("packer", "retailer", kPacked, "100 KGM", "2026-06-04");
    S("retailer", R"({"type":"lot","lot":"local:retail/R1","quantity":"20 KGM",
        "production_time":"2026-06-05T08:00:00+08:00","serials":["SN-1","SN-2"],"inputs":[
        {"lot":"gtin:09506000134352/L1","quantity":"20 KGM","kind":"split_from"}]})");
    S("retailer", R"({"type":"disposition","kind":"sold","items":[
        {"lot":"local:retail/R1","quantity":"5 KGM"}]})");
    S("packer", R"({"type":"lot_status","lot":"gtin:09506000134352/L2","status":"quarantined",
        "reason":"sampling"})");
  }

  uint64_t ha_index_ = 0, hb_index_ = 0, l1_index_ = 0, adjustment_index_ = 0, last_index_ = 0;
  PrivateKey old_farm_a_;

 private:
  LedgerHarness& h_;
  int shipments_ = 0;
};

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_CLI_STORE_SCENARIO_H_
