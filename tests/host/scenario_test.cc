// sector-rules.md 1(e) scenario 1, expressed as lineage only, through real
// signed records and the ledger: pesticide lot PX-2405 is applied on plots
// A1, B2, C1, C3; harvests after the application go into 9 packed lots,
// which become 40 retail lots through repack and merge. The forward trace's
// terminal lots are exactly those 40; farm D (another lot of the same
// pesticide) is absent; A1's harvest before the application is absent; a
// retail lot merged from B2 and an untainted farm is present.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "qtrace/host/views.h"
#include "testing/ledger_harness.h"

namespace qtrace::host {
namespace {

using qtrace::testing::LedgerHarness;

void Ok(const IngestResult& r, const std::string& what) {
  ASSERT_TRUE(r.status.ok()) << what << ": " << r.status.ToString();
}

class PesticideScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* p : {"agrochem", "farm-a", "farm-b", "farm-c", "farm-d", "farm-e",
                          "packer", "retailer"}) {
      h_.AddEnterprise(p);
    }
    S("agrochem", R"({"type":"product","scheme":"local","product_id":"imidacloprid",
        "sector":"agriculture","name":"imidacloprid 10% WP"})");
    S("packer", R"({"type":"product","scheme":"local","product_id":"greens-packed",
        "sector":"agriculture"})");
    S("retailer", R"({"type":"product","scheme":"local","product_id":"greens-retail",
        "sector":"agriculture"})");
    for (const char* lot : {"PX-2405", "PX-2406"}) {
      S("agrochem", std::string(R"({"type":"lot","lot":"local:imidacloprid/)") + lot +
                        R"(","quantity":"100 KGM","production_time":"2026-04-01T08:00:00+08:00"})");
    }
    Ship("agrochem", "farm-a", "local:imidacloprid/PX-2405", "10 KGM");
    Ship("agrochem", "farm-b", "local:imidacloprid/PX-2405", "10 KGM");
    Ship("agrochem", "farm-c", "local:imidacloprid/PX-2405", "10 KGM");
    Ship("agrochem", "farm-d", "local:imidacloprid/PX-2406", "10 KGM");

    // Plots, applications, harvests.
    Plot("farm-a", "A1");
    Plot("farm-b", "B2");
    Plot("farm-c", "C1");
    Plot("farm-c", "C3");
    Plot("farm-d", "D1");
    Plot("farm-e", "E1");
    Apply("farm-a", "A1", "PX-2405", "2026-05-10T08:00:00+08:00");
    Apply("farm-b", "B2", "PX-2405", "2026-05-11T08:00:00+08:00");
    Apply("farm-c", "C1", "PX-2405", "2026-05-12T08:00:00+08:00");
    Apply("farm-c", "C3", "PX-2405", "2026-05-12T09:00:00+08:00");
    Apply("farm-d", "D1", "PX-2406", "2026-05-11T08:00:00+08:00");
    // A1's first harvest precedes the application: not tainted.
    Harvest("farm-a", "A1", "A1-0505", "2026-05-05T06:00:00+08:00");
    Harvest("farm-a", "A1", "A1-0601", "2026-06-01T06:00:00+08:00");
    Harvest("farm-b", "B2", "B2-0601", "2026-06-01T06:00:00+08:00");
    Harvest("farm-c", "C1", "C1-0602", "2026-06-02T06:00:00+08:00");
    Harvest("farm-c", "C3", "C3-0602", "2026-06-02T06:00:00+08:00");
    Harvest("farm-c", "C3", "C3-0609", "2026-06-09T06:00:00+08:00");
    Harvest("farm-d", "D1", "D1-0601", "2026-06-01T06:00:00+08:00");
    Harvest("farm-e", "E1", "E1-0601", "2026-06-01T06:00:00+08:00");
    for (auto [farm, lot] : std::initializer_list<std::pair<const char*, const char*>>{
             {"farm-a", "A1-0505"}, {"farm-a", "A1-0601"}, {"farm-b", "B2-0601"},
             {"farm-c", "C1-0602"}, {"farm-c", "C3-0602"}, {"farm-c", "C3-0609"},
             {"farm-d", "D1-0601"}, {"farm-e", "E1-0601"}}) {
      Ship(farm, "packer", std::string("local:harvest-") + farm + "/" + lot, "1000 KGM");
    }

    // Nine packed lots (the TLCs) from tainted harvests, plus untainted packs.
    Pack("T1", {{"farm-a", "A1-0601", 500}});
    Pack("T2", {{"farm-a", "A1-0601", 500}});
    Pack("T3", {{"farm-b", "B2-0601", 400}});
    Pack("T4", {{"farm-b", "B2-0601", 300}});
    Pack("T5", {{"farm-c", "C1-0602", 1000}});
    Pack("T6", {{"farm-c", "C3-0602", 500}});
    Pack("T7", {{"farm-c", "C3-0602", 500}});
    Pack("T8", {{"farm-c", "C3-0609", 600}});
    Pack("T9", {{"farm-c", "C3-0609", 400}});
    Pack("U1", {{"farm-a", "A1-0505", 1000}});
    Pack("U2", {{"farm-d", "D1-0601", 1000}});
    Pack("U3", {{"farm-e", "E1-0601", 700}});
    // B2 commingled with untainted farm E at packing: tainted.
    Pack("M1", {{"farm-b", "B2-0601", 300}, {"farm-e", "E1-0601", 300}}, "merged_into");
    for (const char* p : {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "M1", "U1",
                          "U2", "U3"}) {
      Ship("packer", "retailer", std::string("local:greens-packed/") + p, "100 KGM",
           "2026-06-16");
    }

    // 40 tainted retail lots: 4 per tainted packed lot (T1..T9, M1 = 10 lots).
    // Two of them also merge untainted stock. Untainted retail lots too.
    int n = 0;
    for (const char* p : {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "M1"}) {
      for (int i = 0; i < 4; ++i) {
        std::string code = std::string("R-") + p + "-" + std::to_string(i);
        std::string inputs = R"([{"lot":"local:greens-packed/)" + std::string(p) +
                             R"(","quantity":"20 KGM","kind":"split_from"})";
        if (n == 5 || n == 17) {
          inputs += R"(,{"lot":"local:greens-packed/U3","quantity":"10 KGM","kind":"merged_into"})";
        }
        inputs += "]";
        Retail(code, inputs);
        tainted_retail_.insert("local:greens-retail/" + code);
        ++n;
      }
    }
    for (const char* p : {"U1", "U2", "U3"}) {
      for (int i = 0; i < 3; ++i) {
        Retail(std::string("R-") + p + "-" + std::to_string(i),
               R"([{"lot":"local:greens-packed/)" + std::string(p) +
                   R"(","quantity":"20 KGM","kind":"split_from"}])");
      }
    }
    ASSERT_EQ(tainted_retail_.size(), 40u);
  }

  void S(const std::string& party, const std::string& json) {
    Ok(h_.Submit(party, json), party + " " + json);
  }
  void Ship(const std::string& from, const std::string& to, const std::string& lot,
            const std::string& qty, const std::string& day = "2026-06-15") {
    std::string id = "S" + std::to_string(++shipments_);
    S(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty + R"("}],
                "event_time":")" + day + R"(T08:00:00+08:00"})");
    S(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
              R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty + R"("}],
              "event_time":")" + day + R"(T10:00:00+08:00"})");
  }
  void Plot(const std::string& farm, const std::string& plot) {
    S(farm, R"({"type":"unit","unit_id":")" + plot + R"(","kind":"plot"})");
    if (products_.insert(farm).second) {
      S(farm, R"({"type":"product","scheme":"local","product_id":"harvest-)" + farm +
                  R"(","sector":"agriculture"})");
    }
  }
  void Apply(const std::string& farm, const std::string& plot, const std::string& lot,
             const std::string& when) {
    S(farm, R"({"type":"unit_event","unit":")" + plot + R"(","kind":"input_applied",
        "input":"local:imidacloprid/)" + lot + R"(","quantity":"1 KGM","start":")" + when +
                R"(","event_time":")" + when + R"("})");
  }
  void Harvest(const std::string& farm, const std::string& plot, const std::string& lot,
               const std::string& when) {
    S(farm, R"({"type":"lot","lot":"local:harvest-)" + farm + "/" + lot +
                R"(","quantity":"1000 KGM","production_time":")" + when +
                R"(","units":[{"unit":")" + plot + R"(","time":")" + when + R"("}]})");
  }
  struct In {
    const char* farm;
    const char* lot;
    int kg;
  };
  void Pack(const std::string& code, std::vector<In> inputs,
            const std::string& kind = "split_from") {
    std::string in = "[";
    int total = 0;
    for (const auto& i : inputs) {
      if (in.size() > 1) in += ",";
      in += R"({"lot":"local:harvest-)" + std::string(i.farm) + "/" + i.lot +
            R"(","quantity":")" + std::to_string(i.kg) + R"( KGM","kind":")" + kind + R"("})";
      total += i.kg;
    }
    in += "]";
    S("packer", R"({"type":"lot","lot":"local:greens-packed/)" + code + R"(","quantity":")" +
                    std::to_string(total) +
                    R"( KGM","production_time":"2026-06-16T08:00:00+08:00","inputs":)" + in + "}");
  }
  void Retail(const std::string& code, const std::string& inputs) {
    S("retailer", R"({"type":"lot","lot":"local:greens-retail/)" + code +
                      R"(","quantity":"20 KGM","production_time":"2026-06-17T08:00:00+08:00",
                      "inputs":)" + inputs + "}");
  }

  LedgerHarness h_;
  int shipments_ = 0;
  std::set<std::string> products_;
  std::set<std::string> tainted_retail_;
};

TEST_F(PesticideScenario, ForwardTraceReachesExactlyTheFortyRetailLots) {
  auto trace = Trace(h_.ledger(), "local:imidacloprid/PX-2405", /*forward=*/true);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  std::set<std::string> terminal, reached;
  for (const auto& step : trace->lots) {
    reached.insert(step.lot.ref);
    if (step.terminal && step.depth > 0) terminal.insert(step.lot.ref);
  }
  EXPECT_EQ(terminal, tainted_retail_);
  // Negative controls.
  EXPECT_EQ(reached.count("local:harvest-farm-d/D1-0601"), 0u);
  EXPECT_EQ(reached.count("local:greens-packed/U2"), 0u);
  EXPECT_EQ(reached.count("local:harvest-farm-a/A1-0505"), 0u);
  EXPECT_EQ(reached.count("local:greens-packed/U1"), 0u);
  EXPECT_EQ(reached.count("local:harvest-farm-e/E1-0601"), 0u);
  EXPECT_EQ(reached.count("local:greens-retail/R-U3-0"), 0u);
  // The merge of B2 and untainted farm E is in.
  EXPECT_EQ(reached.count("local:greens-packed/M1"), 1u);
  EXPECT_EQ(reached.count("local:greens-retail/R-M1-0"), 1u);
  // Every retail lot is held by the retailer.
  for (const auto& step : trace->lots) {
    if (step.lot.ref.rfind("local:greens-retail/", 0) == 0) {
      ASSERT_EQ(step.lot.holders.size(), 1u);
      EXPECT_EQ(step.lot.holders[0].party, "retailer");
    }
  }
}

TEST_F(PesticideScenario, BackwardTraceFromAMergedRetailLotReachesBothFarms) {
  auto trace = Trace(h_.ledger(), "local:greens-retail/R-M1-0", /*forward=*/false);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  std::set<std::string> reached;
  for (const auto& step : trace->lots) reached.insert(step.lot.ref);
  EXPECT_EQ(reached.count("local:harvest-farm-b/B2-0601"), 1u);
  EXPECT_EQ(reached.count("local:harvest-farm-e/E1-0601"), 1u);
  EXPECT_EQ(reached.count("local:imidacloprid/PX-2405"), 1u);  // through plot B2
  EXPECT_EQ(reached.count("local:imidacloprid/PX-2406"), 0u);
}

TEST_F(PesticideScenario, TraceSurvivesReopen) {
  auto before = Trace(h_.ledger(), "local:imidacloprid/PX-2405", true);
  ASSERT_TRUE(before.ok());
  h_.Reopen();
  auto after = Trace(h_.ledger(), "local:imidacloprid/PX-2405", true);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->lots.size(), before->lots.size());
  // CSV: a header and one row per lot and holder.
  std::string csv = ToCsv(*after);
  EXPECT_EQ(csv.rfind("depth,lot,", 0), 0u);
  EXPECT_NE(csv.find("local:greens-retail/R-T1-0"), std::string::npos);
}

}  // namespace
}  // namespace qtrace::host
