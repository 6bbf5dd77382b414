// Diamond-tools recalls in a real qtraced with the sector plugins
// (sector-rules.md 3(d), scenarios 3(e)1-4): the plugin's plan for the
// level, and the scope the host computes with it — all and only the
// implicated lots and the parties holding them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <set>
#include <string>

#include "sector_daemon.h"

namespace qtrace {
namespace {

namespace json = boost::json;

// Day `d` of the scenario at hour:minute, +08:00 (day 1 = 1 October 2026).
std::string Day(int d, int hour = 8, int minute = 0) {
  char buf[48];
  int month = 10 + (d - 1) / 31, day = (d - 1) % 31 + 1;
  std::snprintf(buf, sizeof buf, "2026-%02d-%02dT%02d:%02d:00+08:00", month, day, hour, minute);
  return buf;
}

// Three blade SKUs; each marking is 80 m/s at its diameter.
struct Sku {
  const char* gtin;
  int diameter_mm;
  int max_rpm;
  int max_speed_ms = 80;
};
constexpr Sku k350{"06901234567816", 350, 4365};
constexpr Sku k300{"06901234567830", 300, 5093};
constexpr Sku k400{"06901234567847", 400, 3820};
constexpr char kCoreBit[] = "06901234567854";

class DiamondToolsRecallTest : public testing::SectorDaemonTest {
 protected:
  DiamondToolsRecallTest() : SectorDaemonTest("diamond_tools", Day(1)) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SectorDaemonTest::SetUp());

    AddParty("ezhou-amr", "regulator");
    AddParty("diamond-qic", "lab");
    AddParty("ezhou-segments", "enterprise");
    AddParty("ezhou-blades", "enterprise");
    Ok("ezhou-segments", R"({"type":"unit","unit_id":"SINTER-1","kind":"furnace",
        "site":"420704","sector":"diamond_tools"})");
    Ok("ezhou-blades", R"({"type":"unit","unit_id":"BRAZE-2","kind":"furnace",
        "site":"420704","sector":"diamond_tools"})");
    Product("ezhou-segments", "local", "diamond-grit-d427", "KGM");
    Product("ezhou-segments", "local", "segment-40x10", "EA");
    for (const Sku& s : {k350, k300, k400}) Product("ezhou-blades", "gtin", s.gtin, "EA");
  }

  void Product(const std::string& owner, const std::string& scheme, const std::string& id,
               const std::string& unit) {
    Ok(owner, R"({"type":"product","scheme":")" + scheme + R"(","product_id":")" + id +
                  R"(","sector":"diamond_tools","name":")" + id + R"(","default_unit":")" +
                  unit + R"("})");
  }
  // A process run on `unit` of `owner` on day `d`, [h0:m0, h1:m1].
  void Run(const std::string& owner, const std::string& unit, const std::string& run, int d,
           int h0, int m0, int h1, int m1) {
    Ok(owner, R"({"type":"unit_event","unit":")" + unit + R"(","kind":"process_run","run_id":")" +
                  run + R"(","start":")" + Day(d, h0, m0) + R"(","end":")" + Day(d, h1, m1) +
                  R"(","event_time":")" + Day(d, h1, m1) + R"("})");
  }
  void Grit(const std::string& lot) {
    Ok("ezhou-segments", R"({"type":"lot","lot":"local:diamond-grit-d427/)" + lot +
                             R"(","quantity":"100 KGM","production_time":")" + Day(1, 6) +
                             R"(","attributes":{"product_type":"diamond_grit"}})");
  }
  // Segment lot `lot` sintered on day `d` (run 02:00-06:00) from grit `grit`,
  // all of it shipped to the blade maker.
  void Segments(const std::string& lot, const std::string& grit, int d) {
    Run("ezhou-segments", "SINTER-1", "S-" + lot, d, 2, 0, 6, 0);
    Ok("ezhou-segments", R"({"type":"lot","lot":"local:segment-40x10/)" + lot +
                             R"(","quantity":"2000 EA","production_time":")" + Day(d, 8) +
                             R"(","inputs":[{"lot":"local:diamond-grit-d427/)" + grit +
                             R"(","quantity":"5 KGM"}],"units":[{"unit":"SINTER-1","start":")" +
                             Day(d, 2) + R"(","end":")" + Day(d, 6) +
                             R"("}],"attributes":{"product_type":"segment","bond":"M"}})");
    ShipAndReceive("ezhou-segments", "ezhou-blades", "DN-" + lot,
                   "local:segment-40x10/" + lot, "2000 EA", Day(d, 10));
  }
  // Blade lot `code` of `sku` brazed in the run [start, end] from `inputs`
  // (JSON objects, without the brackets), with its 120 m/s rotation test.
  void Blade(const Sku& sku, const std::string& code, const std::string& start,
             const std::string& end, const std::string& inputs,
             const std::string& type = "brazed_saw_blade", const std::string& extra = "") {
    std::string lot = std::string("gtin:") + sku.gtin + "/" + code;
    Ok("ezhou-blades", R"({"type":"lot","lot":")" + lot +
                           R"(","quantity":"100 EA","production_time":")" + end +
                           R"(","inputs":[)" + inputs + R"(],"units":[{"unit":"BRAZE-2","start":")" +
                           start + R"(","end":")" + end + R"("}],"attributes":{"product_type":")" +
                           type + R"(","diameter_mm":)" + std::to_string(sku.diameter_mm) +
                           R"(,"max_speed_ms":)" + std::to_string(sku.max_speed_ms) +
                           R"(,"max_rpm":)" + std::to_string(sku.max_rpm) +
                           R"(,"direction_arrow":true)" + extra + "}}");
    Ok("diamond-qic", R"({"type":"certificate","cert_id":"RT-)" + code +
                          R"(","kind":"rotation_test","subject_lot":")" + lot +
                          R"(","valid_from":")" + start + R"(","event_time":")" + end +
                          R"(","attributes":{"tested_speed_ms":120,"result":"pass"}})");
  }
  static std::string Input(const std::string& lot, const std::string& qty,
                           const std::string& kind = "composed_of") {
    return R"({"lot":")" + lot + R"(","quantity":")" + qty + R"(","kind":")" + kind + R"("})";
  }
  void Recall(const std::string& id, const std::string& level, const std::string& seed) {
    Ok("ezhou-amr", R"({"type":"recall","recall_id":")" + id + R"(","sector":"diamond_tools",
        "level":")" + level + R"(","hazard":"segment detachment","responsible":"ezhou-blades",
        "seed":)" + seed + R"(,"event_time":")" + Day(30) + R"("})");
  }
  static std::set<std::string> Lots(const json::object& status) {
    std::set<std::string> out;
    for (const auto& v : status.at("scope").as_object().at("lots").as_array()) {
      out.insert(std::string(v.as_string()));
    }
    return out;
  }
  static std::string Lot(const Sku& sku, const std::string& code) {
    return std::string("gtin:") + sku.gtin + "/" + code;
  }
};

// Scenario 3(e)1: braze run R (day 6, 09:00-11:30) was under temperature.
// The blades of 3 SKUs from run R went to three distributors; the same SKUs
// from runs R-1 and R+1 went to others (and one to a distributor of run R).
// Serious, consumer depth: scope = run R's blades only.
TEST_F(DiamondToolsRecallTest, BrazeRunDefectTakesOnlyThatRunsBlades) {
  for (const char* d : {"dist-1", "dist-2", "dist-3", "dist-4", "dist-5"}) {
    AddParty(d, "enterprise");
  }
  Grit("G-1");
  Segments("SEG-1", "G-1", 2);
  const std::string seg = Input("local:segment-40x10/SEG-1", "200 EA");
  Run("ezhou-blades", "BRAZE-2", "R-1005", 5, 8, 0, 10, 0);
  Run("ezhou-blades", "BRAZE-2", "R-1006", 6, 9, 0, 11, 30);
  Run("ezhou-blades", "BRAZE-2", "R-1007", 7, 8, 0, 10, 0);
  const Sku skus[] = {k350, k300, k400};
  for (int i = 0; i < 3; ++i) {
    Blade(skus[i], "BL-5-" + std::to_string(i), Day(5, 8), Day(5, 10), seg);
    Blade(skus[i], "BL-6-" + std::to_string(i), Day(6, 9), Day(6, 11, 30), seg);
    Blade(skus[i], "BL-7-" + std::to_string(i), Day(7, 8), Day(7, 10), seg);
  }
  for (int i = 0; i < 3; ++i) {
    std::string n = std::to_string(i);
    ShipAndReceive("ezhou-blades", "dist-" + std::to_string(i + 1), "DN-6-" + n,
                   Lot(skus[i], "BL-6-" + n), "60 EA", Day(8));
    ShipAndReceive("ezhou-blades", "dist-4", "DN-5-" + n, Lot(skus[i], "BL-5-" + n), "60 EA",
                   Day(8));
    ShipAndReceive("ezhou-blades", "dist-5", "DN-7-" + n, Lot(skus[i], "BL-7-" + n), "60 EA",
                   Day(8));
  }
  ShipAndReceive("ezhou-blades", "dist-1", "DN-5-0b", Lot(k350, "BL-5-0"), "20 EA", Day(9));

  Recall("DT-S-1", "serious",
         R"({"unit_windows":[{"owner":"ezhou-blades","unit":"BRAZE-2","start":")" +
             Day(6, 9) + R"(","end":")" + Day(6, 11, 30) + R"("}]})");
  json::object st = Get("ezhou-amr", "/v1/recalls/DT-S-1");
  EXPECT_EQ(st.at("level").as_string(), "serious");
  const json::object& plan = st.at("plan").as_object();
  EXPECT_EQ(plan.at("source").as_string(), "diamond_tools");
  EXPECT_EQ(plan.at("rule_set").as_string(), "diamond-tools/2026.1");
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 24);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 7 * 24);
  EXPECT_EQ(testing::PlanDue(plan, "complete"), 30 * 24);
  EXPECT_TRUE(st.at("public_notice").as_bool());

  EXPECT_EQ(Lots(st), (std::set<std::string>{Lot(k350, "BL-6-0"), Lot(k300, "BL-6-1"),
                                             Lot(k400, "BL-6-2")}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-blades", "dist-1", "dist-2", "dist-3"}))
      << json::serialize(st.at("parties"));
}

// Scenario 3(e)2: label lot L printed "80 m/s / 4365 rpm" for Ø350 blades
// of a 50 m/s design (their 120 m/s certificate named the wrong family, so
// R-DT-5 let them out). Production runs 1 and 2 each made one lot labelled
// with L and one with the correct L2. Scope = the blades labelled with L
// (and what is left of L), not the L2 blades of the same runs.
TEST_F(DiamondToolsRecallTest, WrongMosLabelLotTakesOnlyTheBladesItLabelled) {
  AddParty("dist-1", "enterprise");
  AddParty("dist-2", "enterprise");
  Product("ezhou-blades", "local", "mos-label-350", "EA");
  Ok("ezhou-blades", R"({"type":"lot","lot":"local:mos-label-350/L","quantity":"500 EA",
      "production_time":")" + Day(2) + R"(","attributes":{"product_type":"label",
      "max_speed_ms":80,"max_rpm":4365}})");
  Ok("ezhou-blades", R"({"type":"lot","lot":"local:mos-label-350/L2","quantity":"500 EA",
      "production_time":")" + Day(2) + R"(","attributes":{"product_type":"label",
      "max_speed_ms":50,"max_rpm":2728}})");
  Grit("G-1");
  Segments("SEG-1", "G-1", 2);
  const std::string seg = Input("local:segment-40x10/SEG-1", "300 EA");
  const Sku k350_50{k350.gtin, 350, 2728, 50};
  for (int run = 1; run <= 2; ++run) {
    int d = 4 + run;
    std::string r = std::to_string(run);
    Run("ezhou-blades", "BRAZE-2", "R-" + r, d, 8, 0, 10, 0);
    Blade(k350, "P" + r + "-L", Day(d, 8), Day(d, 10),
          seg + "," + Input("local:mos-label-350/L", "100 EA", "labelled_with"));
    Blade(k350_50, "P" + r + "-L2", Day(d, 8), Day(d, 10),
          seg + "," + Input("local:mos-label-350/L2", "100 EA", "labelled_with"));
    ShipAndReceive("ezhou-blades", "dist-1", "DN-P" + r + "-L", Lot(k350, "P" + r + "-L"),
                   "50 EA", Day(8));
    ShipAndReceive("ezhou-blades", "dist-2", "DN-P" + r + "-L2", Lot(k350, "P" + r + "-L2"),
                   "50 EA", Day(8));
  }

  Recall("DT-S-2", "serious", R"({"input_lots":["local:mos-label-350/L"]})");
  json::object st = Get("ezhou-amr", "/v1/recalls/DT-S-2");
  std::set<std::string> lots = Lots(st);
  lots.erase("local:mos-label-350/L");  // the label stock itself, if the host lists the seed
  EXPECT_EQ(lots, (std::set<std::string>{Lot(k350, "P1-L"), Lot(k350, "P2-L")}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-blades", "dist-1"}))
      << json::serialize(st.at("parties"));
}

// Scenario 3(e)3: off-spec grit lot G went into 4 segment batches, and from
// them into saw blades and core bits, and into blades re-tipped on cores of
// an older blade made with grit G2. All of G's products are in scope; the
// re-tipped blades are reached through their segments, not their core, so
// the older blade and everything else made from G2 stay out.
TEST_F(DiamondToolsRecallTest, OffSpecGritLotReachesBladesCoreBitsAndReTips) {
  AddParty("dist-1", "enterprise");
  AddParty("dist-2", "enterprise");
  AddParty("dist-3", "enterprise");
  Product("ezhou-blades", "gtin", kCoreBit, "EA");
  Grit("G");
  Grit("G2");
  for (int i = 1; i <= 4; ++i) Segments("S" + std::to_string(i), "G", i);
  Segments("S5", "G2", 5);
  auto seg = [&](const std::string& s) { return Input("local:segment-40x10/" + s, "300 EA"); };
  Run("ezhou-blades", "BRAZE-2", "R-7", 7, 8, 0, 10, 0);
  Blade(k350, "B-S1", Day(7, 8), Day(7, 10), seg("S1"));
  Blade(k300, "B-S2", Day(7, 8), Day(7, 10), seg("S2"));
  Blade(k350, "ORIG", Day(7, 8), Day(7, 10), seg("S5"));
  Blade(k400, "B-S5", Day(7, 8), Day(7, 10), seg("S5"));
  Ok("ezhou-blades", std::string(R"({"type":"lot","lot":"gtin:)") + kCoreBit + R"(/CB-S3",
      "quantity":"100 EA","production_time":")" + Day(7, 12) + R"(","inputs":[)" + seg("S3") +
                         R"(],"attributes":{"product_type":"core_bit","diameter_mm":102}})");
  // 30 blades of ORIG re-tipped with segments of S4.
  Run("ezhou-blades", "BRAZE-2", "R-9", 9, 8, 0, 10, 0);
  Blade(k350, "RT-S4", Day(9, 8), Day(9, 10),
        seg("S4") + "," + Input(Lot(k350, "ORIG"), "30 EA", "reconditioned_from"),
        "brazed_saw_blade", R"(,"reconditioned":true)");
  ShipAndReceive("ezhou-blades", "dist-1", "DN-B-S1", Lot(k350, "B-S1"), "50 EA", Day(10));
  ShipAndReceive("ezhou-blades", "dist-1", "DN-CB-S3", std::string("gtin:") + kCoreBit + "/CB-S3",
                 "50 EA", Day(10));
  ShipAndReceive("ezhou-blades", "dist-2", "DN-RT-S4", Lot(k350, "RT-S4"), "30 EA", Day(10));
  ShipAndReceive("ezhou-blades", "dist-3", "DN-ORIG", Lot(k350, "ORIG"), "50 EA", Day(10));
  ShipAndReceive("ezhou-blades", "dist-3", "DN-B-S5", Lot(k400, "B-S5"), "50 EA", Day(10));

  Recall("DT-S-3", "serious", R"({"input_lots":["local:diamond-grit-d427/G"]})");
  json::object st = Get("ezhou-amr", "/v1/recalls/DT-S-3");
  std::set<std::string> lots = Lots(st);
  lots.erase("local:diamond-grit-d427/G");  // the seed, if listed
  EXPECT_EQ(lots, (std::set<std::string>{
                      "local:segment-40x10/S1", "local:segment-40x10/S2", "local:segment-40x10/S3",
                      "local:segment-40x10/S4", Lot(k350, "B-S1"), Lot(k300, "B-S2"),
                      std::string("gtin:") + kCoreBit + "/CB-S3", Lot(k350, "RT-S4")}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st),
            (std::set<std::string>{"ezhou-segments", "ezhou-blades", "dist-1", "dist-2"}))
      << json::serialize(st.at("parties"));
}

// Scenario 3(e)4: a blade re-tipped on a core from a recalled core heat is in
// scope through its reconditioned_from link; blades on the other heat are not.
TEST_F(DiamondToolsRecallTest, ReTippedBladeOnARecalledCoreHeatIsInScope) {
  AddParty("dist-1", "enterprise");
  AddParty("dist-2", "enterprise");
  Product("ezhou-blades", "local", "steel-core-350", "EA");
  for (const char* heat : {"H-1", "H-2"}) {
    Ok("ezhou-blades", std::string(R"({"type":"lot","lot":"local:steel-core-350/)") + heat +
                           R"(","quantity":"500 EA","production_time":")" + Day(1) +
                           R"(","attributes":{"product_type":"steel_core"}})");
  }
  Grit("G-1");
  Segments("SEG-1", "G-1", 2);
  Segments("SEG-2", "G-1", 3);
  auto seg = [&](const std::string& s) { return Input("local:segment-40x10/" + s, "300 EA"); };
  auto core = [&](const std::string& h) {
    return Input("local:steel-core-350/" + h, "100 EA");
  };
  Run("ezhou-blades", "BRAZE-2", "R-5", 5, 8, 0, 10, 0);
  Blade(k350, "ON-H1", Day(5, 8), Day(5, 10), seg("SEG-1") + "," + core("H-1"));
  Blade(k350, "ON-H2", Day(5, 8), Day(5, 10), seg("SEG-1") + "," + core("H-2"));
  ShipAndReceive("ezhou-blades", "dist-2", "DN-ON-H2", Lot(k350, "ON-H2"), "50 EA", Day(6));
  // Worn ON-H1 blades come back and are re-tipped with new segments.
  Run("ezhou-blades", "BRAZE-2", "R-12", 12, 8, 0, 10, 0);
  Blade(k350, "RT-H1", Day(12, 8), Day(12, 10),
        seg("SEG-2") + "," + Input(Lot(k350, "ON-H1"), "20 EA", "reconditioned_from"),
        "brazed_saw_blade", R"(,"reconditioned":true)");
  ShipAndReceive("ezhou-blades", "dist-1", "DN-RT-H1", Lot(k350, "RT-H1"), "20 EA", Day(13));

  Recall("DT-S-4", "serious", R"({"lots":["local:steel-core-350/H-1"]})");
  json::object st = Get("ezhou-amr", "/v1/recalls/DT-S-4");
  EXPECT_EQ(Lots(st), (std::set<std::string>{"local:steel-core-350/H-1", Lot(k350, "ON-H1"),
                                             Lot(k350, "RT-H1")}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-blades", "dist-1"}))
      << json::serialize(st.at("parties"));
}

}  // namespace
}  // namespace qtrace
