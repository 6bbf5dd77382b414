// Building-materials recalls in a real qtraced with the sector plugins
// (sector-rules.md 2(d), scenarios 2(e)1, 2(e)2, 2(e)3 and 2(e)5): the plugin's plan for each level
// (deadlines, in-situ assessment) and the scope the host computes with it —
// all and only the implicated lots and parties.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "sector_daemon.h"

namespace qtrace {
namespace {

namespace json = boost::json;

// The cement plant's XK licence, recorded without dates (open-ended).
constexpr char kXk[] = R"("licences":[{"kind":"XK","number":"XK08-001-00931"}])";

// Day `d` of the scenario at `hour`, +08:00 (day 1 = 1 October 2026).
std::string Day(int d, int hour = 8) {
  char buf[40];
  int month = 10 + (d - 1) / 31, day = (d - 1) % 31 + 1;
  std::snprintf(buf, sizeof buf, "2026-%02d-%02dT%02d:00:00+08:00", month, day, hour);
  return buf;
}

class BuildingMaterialsRecallTest : public testing::SectorDaemonTest {
 protected:
  BuildingMaterialsRecallTest() : SectorDaemonTest("building_materials", Day(1)) {}

  void Product(const std::string& owner, const std::string& id, const std::string& unit) {
    Ok(owner, R"({"type":"product","scheme":"local","product_id":")" + id +
                  R"(","sector":"building_materials","name":")" + id +
                  R"(","default_unit":")" + unit + R"("})");
  }
  void Cement(const std::string& lot, const std::string& produced) {
    Ok("ezhou-cement", R"({"type":"lot","lot":"local:cement/)" + lot + R"(","quantity":"500 TNE",
        "production_time":")" + produced + R"(","attributes":{"material":"cement",
        "product_standard":"GB 175-2023","cement_type":"P·O","strength_grade":"42.5",
        "xk_licence_no":"XK08-001-00931"}})");
  }
  // A concrete lot drawn from silo S7 of plant 7 at `at`.
  void SiloConcrete(const std::string& lot, const std::string& at) {
    Ok("readymix-7", R"({"type":"lot","lot":"local:concrete-7/)" + lot + R"(","quantity":"60 MTQ",
        "production_time":")" + at + R"(","units":[{"unit":"S7","time":")" + at + R"("}],
        "attributes":{"material":"concrete","product_standard":"GB/T 14902-2012",
        "strength_class":"C30"}})");
  }
  void Recall(const std::string& id, const std::string& level, const std::string& lot) {
    Ok("ezhou-amr", R"({"type":"recall","recall_id":")" + id + R"(","sector":"building_materials",
        "level":")" + level + R"(","hazard":"28-day compressive strength below grade",
        "responsible":"ezhou-cement","seed":{"lots":[")" + lot + R"("]},
        "event_time":")" + Day(30) + R"("})");
  }
  static std::set<std::string> Strings(const json::array& a) {
    std::set<std::string> out;
    for (const auto& v : a) out.insert(std::string(v.as_string()));
    return out;
  }
};

// Scenario 2(e)1: batch B (P·O 42.5) is dispatched before its 28-day result
// (the regulator allows early dispatch). Plant 7's silo S7 receives B on
// day 3 and batch C on day 5 and is emptied on day 9; plant 2 mixes B
// straight into its concrete. B fails at 28 days: a level A recall seeded
// at B takes the concrete drawn from S7 on days 3-9, plant 2's B concrete
// and the sites that received them — not plant 7's concrete of days 1-2 or
// 10, not plant 2's concrete of batch C, not the sites that only got those.
TEST_F(BuildingMaterialsRecallTest, CementStrengthFailureWithSiloCommingling) {
  AddParty("ezhou-amr", "regulator");
  AddParty("ezhou-cement", "enterprise", kXk);
  AddParty("readymix-7", "enterprise");
  AddParty("readymix-2", "enterprise");
  for (const char* site : {"site-1", "site-2", "site-3", "site-4"}) AddParty(site, "enterprise");
  Ok("ezhou-amr", R"({"type":"rule_parameters","sector":"building_materials",
      "set_id":"bm-early-dispatch","params":{"ship_requires_28d_report":0}})");
  Product("ezhou-cement", "cement", "TNE");
  Product("readymix-7", "concrete-7", "MTQ");
  Product("readymix-2", "concrete-2", "MTQ");

  Cement("A", "2026-08-20T08:00:00+08:00");  // an earlier batch, released
  Cement("B", Day(1));
  Cement("C", Day(2));
  ShipAndReceive("ezhou-cement", "readymix-7", "DN-A-7", "local:cement/A", "30 TNE", Day(1, 6));
  ShipAndReceive("ezhou-cement", "readymix-7", "DN-B-7", "local:cement/B", "30 TNE", Day(3, 6));
  ShipAndReceive("ezhou-cement", "readymix-7", "DN-C-7", "local:cement/C", "30 TNE", Day(5, 6));
  ShipAndReceive("ezhou-cement", "readymix-2", "DN-B-2", "local:cement/B", "20 TNE", Day(3, 6));
  ShipAndReceive("ezhou-cement", "readymix-2", "DN-C-2", "local:cement/C", "20 TNE", Day(5, 6));

  // Plant 7: silo S7 holds A from day 1, B from day 3, C from day 5; emptied day 9.
  Ok("readymix-7", R"({"type":"unit","unit_id":"S7","kind":"silo","site":"420703",
      "sector":"building_materials"})");
  auto fill = [&](const std::string& lot, int day) {
    Ok("readymix-7", R"({"type":"unit_event","unit":"S7","kind":"input_applied",
        "input":"local:cement/)" + lot + R"(","quantity":"30 TNE","start":")" + Day(day, 7) +
                         R"(","event_time":")" + Day(day, 7) + R"("})");
  };
  fill("A", 1);
  SiloConcrete("D1", Day(1, 10));
  SiloConcrete("D2", Day(2, 10));
  fill("B", 3);
  SiloConcrete("D4", Day(4, 10));
  fill("C", 5);
  SiloConcrete("D6", Day(6, 10));
  SiloConcrete("D8", Day(8, 10));
  Ok("readymix-7", R"({"type":"unit_event","unit":"S7","kind":"emptied","start":")" + Day(9, 18) +
                       R"(","event_time":")" + Day(9, 18) + R"("})");
  SiloConcrete("D10", Day(10, 10));

  // Plant 2 mixes cement straight into its concrete.
  auto plant2 = [&](const std::string& lot, const std::string& cement, int day) {
    Ok("readymix-2", R"({"type":"lot","lot":"local:concrete-2/)" + lot + R"(","quantity":"40 MTQ",
        "production_time":")" + Day(day, 10) + R"(","inputs":[{"lot":"local:cement/)" + cement +
                         R"(","quantity":"10 TNE"}],"attributes":{"material":"concrete",
        "product_standard":"GB/T 14902-2012","strength_class":"C30"}})");
  };
  plant2("P2-B", "B", 4);
  plant2("P2-C", "C", 6);

  // Projects (terminal consignees).
  ShipAndReceive("readymix-7", "site-1", "DN-D4", "local:concrete-7/D4", "60 MTQ", Day(4, 12));
  ShipAndReceive("readymix-7", "site-2", "DN-D8", "local:concrete-7/D8", "60 MTQ", Day(8, 12));
  ShipAndReceive("readymix-7", "site-3", "DN-D2", "local:concrete-7/D2", "60 MTQ", Day(2, 12));
  ShipAndReceive("readymix-7", "site-3", "DN-D10", "local:concrete-7/D10", "60 MTQ", Day(10, 12));
  ShipAndReceive("readymix-2", "site-2", "DN-P2-B", "local:concrete-2/P2-B", "40 MTQ", Day(4, 12));
  ShipAndReceive("readymix-2", "site-4", "DN-P2-C", "local:concrete-2/P2-C", "40 MTQ", Day(6, 12));

  // Day 29: B's 28-day result fails; the regulator orders a level A recall.
  Ok("ezhou-cement", R"({"type":"certificate","cert_id":"R28-B","kind":"strength_report_28d",
      "subject_lot":"local:cement/B","valid_from":")" + Day(29) + R"(",
      "attributes":{"strength_28d_mpa":{"decimal":"38.2"},"result":"fail"}})");
  Recall("BM-A-1", "A", "local:cement/B");

  json::object st = Get("ezhou-amr", "/v1/recalls/BM-A-1");
  EXPECT_EQ(st.at("level").as_string(), "A");
  const json::object& plan = st.at("plan").as_object();
  EXPECT_EQ(plan.at("source").as_string(), "building_materials");
  EXPECT_EQ(plan.at("rule_set").as_string(), "building-materials/2026.1");
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 24);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 7 * 24);
  EXPECT_EQ(testing::PlanDue(plan, "complete", "working_days"), 15);
  EXPECT_TRUE(plan.at("require_in_situ_assessment").as_bool());

  EXPECT_EQ(Strings(st.at("scope").as_object().at("lots").as_array()),
            (std::set<std::string>{"local:cement/B", "local:concrete-7/D4", "local:concrete-7/D6",
                                   "local:concrete-7/D8", "local:concrete-2/P2-B"}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-cement", "readymix-7", "readymix-2",
                                                "site-1", "site-2"}))
      << json::serialize(st.at("parties"));
}

// Level C (marking / documentation): a wrong document on batch B does not
// make the concrete made from it defective, so the scope stays at B and its
// holders; the plan asks for no periodic report and no in-situ assessment.
TEST_F(BuildingMaterialsRecallTest, AMarkingRecallDoesNotFollowComposition) {
  AddParty("ezhou-amr", "regulator");
  AddParty("ezhou-cement", "enterprise", kXk);
  AddParty("readymix-2", "enterprise");
  AddParty("site-1", "enterprise");
  Product("ezhou-cement", "cement", "TNE");
  Product("readymix-2", "concrete-2", "MTQ");
  Cement("B", "2026-08-20T08:00:00+08:00");
  Ok("ezhou-cement", R"({"type":"certificate","cert_id":"R28-B","kind":"strength_report_28d",
      "subject_lot":"local:cement/B","valid_from":"2026-09-17T08:00:00+08:00",
      "attributes":{"strength_28d_mpa":{"decimal":"47.0"},"result":"pass"}})");
  ShipAndReceive("ezhou-cement", "readymix-2", "DN-B-2", "local:cement/B", "20 TNE", Day(3, 6));
  Ok("readymix-2", R"({"type":"lot","lot":"local:concrete-2/P2-B","quantity":"40 MTQ",
      "production_time":")" + Day(4, 10) + R"(","inputs":[{"lot":"local:cement/B",
      "quantity":"10 TNE"}],"attributes":{"material":"concrete",
      "product_standard":"GB/T 14902-2012","strength_class":"C30"}})");
  ShipAndReceive("readymix-2", "site-1", "DN-P2-B", "local:concrete-2/P2-B", "40 MTQ", Day(4, 12));

  Recall("BM-C-1", "C", "local:cement/B");
  json::object st = Get("ezhou-amr", "/v1/recalls/BM-C-1");
  const json::object& plan = st.at("plan").as_object();
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 7 * 24);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 0);
  EXPECT_FALSE(plan.at("require_in_situ_assessment").as_bool());
  EXPECT_EQ(Strings(st.at("scope").as_object().at("lots").as_array()),
            (std::set<std::string>{"local:cement/B"}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-cement", "readymix-2"}))
      << json::serialize(st.at("parties"));
}

// Scenario 2(e)3: leaf-spring furnace F ran below temperature from 08:00 to
// 14:00 on day 10. A level A recall seeded at that equipment window takes
// the leaves heat-treated in it, the assemblies containing any of them and
// the trucks the OEM built with those assemblies (down to the dealer that
// holds one) — not leaves from the runs before and after, nor assemblies of
// the same part number made only from those.
TEST_F(BuildingMaterialsRecallTest, ALeafSpringFurnaceWindowTakesOnlyItsLeavesAndWhatHoldsThem) {
  AddParty("ezhou-amr", "regulator");
  AddParty("ezhou-springs", "enterprise");
  AddParty("oem-trucks", "enterprise");
  AddParty("dealer-1", "enterprise");
  AddParty("dealer-2", "enterprise");
  Product("ezhou-springs", "leaf", "EA");
  Product("ezhou-springs", "spring-assembly", "EA");
  Product("oem-trucks", "truck", "EA");
  Ok("ezhou-springs", R"({"type":"unit","unit_id":"F","kind":"furnace",
      "sector":"building_materials"})");
  auto leaf = [&](const std::string& code, int day, int from, int to) {
    Ok("ezhou-springs", R"({"type":"lot","lot":"local:leaf/)" + code + R"(","quantity":"100 EA",
        "production_time":")" + Day(day, to) + R"(","units":[{"unit":"F","start":")" +
                            Day(day, from) + R"(","end":")" + Day(day, to) + R"("}],
        "attributes":{"material":"leaf_spring","product_standard":"GB/T 19844-2018",
        "spring_steel_grade":"50CrVA"}})");
  };
  leaf("L-09", 9, 9, 12);    // the run before: out
  leaf("L-10a", 10, 8, 10);  // inside the window
  leaf("L-10b", 10, 11, 13); // inside the window
  leaf("L-10c", 10, 15, 17); // the same day, after the furnace was fixed: out
  leaf("L-11", 11, 9, 12);   // the run after: out
  auto assembly = [&](const std::string& code, const std::vector<std::string>& leaves) {
    std::string inputs;
    for (const auto& l : leaves) {
      inputs += std::string(inputs.empty() ? "" : ",") + R"({"lot":"local:leaf/)" + l +
                R"(","quantity":"20 EA","kind":"composed_of"})";
    }
    Ok("ezhou-springs", R"({"type":"lot","lot":"local:spring-assembly/)" + code +
                            R"(","quantity":"10 EA","production_time":")" + Day(12) +
                            R"(","inputs":[)" + inputs + R"(],"attributes":{
        "material":"leaf_spring","product_standard":"GB/T 19844-2018",
        "spring_steel_grade":"50CrVA"}})");
    ShipAndReceive("ezhou-springs", "oem-trucks", "DN-" + code,
                   "local:spring-assembly/" + code, "10 EA", Day(13));
  };
  assembly("A-1", {"L-09", "L-10a"});  // one bad leaf is enough
  assembly("A-2", {"L-10b"});
  assembly("A-3", {"L-09"});
  assembly("A-4", {"L-10c", "L-11"});
  auto truck = [&](const std::string& vin, const std::string& a, const std::string& dealer) {
    Ok("oem-trucks", R"({"type":"lot","lot":"local:truck/)" + vin + R"(","quantity":"1 EA",
        "production_time":")" + Day(14) + R"(","inputs":[{"lot":"local:spring-assembly/)" + a +
                         R"(","quantity":"2 EA","kind":"composed_of"}],
        "attributes":{"material":"other"}})");
    ShipAndReceive("oem-trucks", dealer, "DN-" + vin, "local:truck/" + vin, "1 EA", Day(15));
  };
  truck("LZ0A1", "A-1", "dealer-1");
  truck("LZ0A2", "A-2", "dealer-1");
  truck("LZ0A3", "A-3", "dealer-2");
  truck("LZ0A4", "A-4", "dealer-2");

  Ok("ezhou-amr", R"({"type":"recall","recall_id":"BM-LS-1","sector":"building_materials",
      "level":"A","hazard":"leaf springs heat-treated below temperature in furnace F",
      "responsible":"ezhou-springs","seed":{"unit_windows":[{"owner":"ezhou-springs",
      "unit":"F","start":")" + Day(10, 8) + R"(","end":")" + Day(10, 14) + R"("}]},
      "event_time":")" + Day(30) + R"("})");
  json::object st = Get("ezhou-amr", "/v1/recalls/BM-LS-1");
  EXPECT_EQ(Strings(st.at("scope").as_object().at("lots").as_array()),
            (std::set<std::string>{"local:leaf/L-10a", "local:leaf/L-10b",
                                   "local:spring-assembly/A-1", "local:spring-assembly/A-2",
                                   "local:truck/LZ0A1", "local:truck/LZ0A2"}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-springs", "oem-trucks", "dealer-1"}))
      << json::serialize(st.at("parties"));
  EXPECT_TRUE(st.at("plan").as_object().at("require_in_situ_assessment").as_bool());
}

// Scenario 2(e)2: heat H had the wrong chemistry. It appears in three pipe
// lots (one of them also holds lengths of heat H2, mixing allowed); 200
// elbows were made from pipe lot 2 and carry heat H. A level A recall seeded
// at the pipe product narrowed to heat_no H takes the three pipe lots and
// the elbows — not the pipe lot of heat H2 alone, nor elbows made from it,
// nor the mixed lot: a lot is matched only by the heat it declares.
TEST_F(BuildingMaterialsRecallTest, AWrongChemistryHeatTakesItsPipesAndTheFittingsMadeFromThem) {
  AddParty("ezhou-amr", "regulator");
  AddParty("ezhou-steel", "enterprise");
  AddParty("ezhou-fittings", "enterprise");
  AddParty("site-1", "enterprise");
  AddParty("site-2", "enterprise");
  Product("ezhou-steel", "billet", "TNE");
  Product("ezhou-steel", "pipe", "TNE");
  Product("ezhou-fittings", "elbow", "H87");
  for (const char* heat : {"H", "H2"}) {
    Ok("ezhou-steel", std::string(R"({"type":"lot","lot":"local:billet/)") + heat +
                          R"(","quantity":"80 TNE","production_time":")" + Day(1) + R"(",
        "attributes":{"material":"steel","product_standard":"GB/T 699-2015",
        "grade_designation":"20","heat_no":")" + heat + R"("}})");
  }
  auto pipe = [&](const std::string& lot, const std::string& heat, int day) {
    Ok("ezhou-steel", R"({"type":"lot","lot":"local:pipe/)" + lot + R"(","quantity":"20 TNE",
        "production_time":")" + Day(day) + R"(","inputs":[{"lot":"local:billet/)" + heat +
                          R"(","quantity":"21 TNE"}],"attributes":{"material":"steel_pipe",
        "product_standard":"GB/T 8163-2018","grade_designation":"20","heat_no":")" + heat +
                          R"("}})");
  };
  pipe("P-1", "H", 2);
  pipe("P-2", "H", 3);
  pipe("P-3", "H", 4);
  pipe("P-4", "H2", 3);
  ShipAndReceive("ezhou-steel", "ezhou-fittings", "DN-P-2", "local:pipe/P-2", "10 TNE", Day(5));
  ShipAndReceive("ezhou-steel", "ezhou-fittings", "DN-P-4", "local:pipe/P-4", "10 TNE", Day(5));
  ShipAndReceive("ezhou-steel", "site-2", "DN-P-3", "local:pipe/P-3", "20 TNE", Day(6));
  for (const char* heat : {"H", "H2"}) {
    Ok("ezhou-steel", std::string(R"({"type":"certificate","cert_id":"MTC-)") + heat +
                          R"(","kind":"mtc_3.1","standard":"GB/T 18253",
        "subject_party":"ezhou-steel","valid_from":")" + Day(2) + R"(",
        "attributes":{"heat_no":")" + heat + R"("}})");
  }
  auto elbow = [&](const std::string& lot, const std::string& pipe_lot, const std::string& heat) {
    Ok("ezhou-fittings", R"({"type":"lot","lot":"local:elbow/)" + lot + R"(","quantity":"200 H87",
        "production_time":")" + Day(8) + R"(","inputs":[{"lot":"local:pipe/)" + pipe_lot +
                             R"(","quantity":"2 TNE"}],"certificates":[{"cert_id":"MTC-)" + heat +
                             R"("}],"attributes":{"material":"fitting",
        "product_standard":"GB/T 12459-2017","grade_designation":"20","source_heat_no":")" +
                             heat + R"("}})");
  };
  elbow("E-1", "P-2", "H");
  elbow("E-2", "P-4", "H2");
  ShipAndReceive("ezhou-fittings", "site-1", "DN-E-1", "local:elbow/E-1", "200 H87", Day(9));
  ShipAndReceive("ezhou-fittings", "site-1", "DN-E-2", "local:elbow/E-2", "200 H87", Day(9));

  Ok("ezhou-amr", R"({"type":"recall","recall_id":"BM-HEAT-H","sector":"building_materials",
      "level":"A","hazard":"heat H: carbon above the grade's limit","responsible":"ezhou-steel",
      "seed":{"product_windows":[{"product":"local:pipe","from":")" + Day(1) + R"(",
      "to":")" + Day(30) + R"(","attributes":{"heat_no":"H"}}]},
      "event_time":")" + Day(30) + R"("})");
  json::object st = Get("ezhou-amr", "/v1/recalls/BM-HEAT-H");
  EXPECT_EQ(Strings(st.at("scope").as_object().at("lots").as_array()),
            (std::set<std::string>{"local:pipe/P-1", "local:pipe/P-2", "local:pipe/P-3",
                                   "local:elbow/E-1"}))
      << json::serialize(st.at("scope"));
  EXPECT_EQ(Parties(st),
            (std::set<std::string>{"ezhou-steel", "ezhou-fittings", "site-1", "site-2"}))
      << json::serialize(st.at("parties"));

  // A value of another type is another value: heat_no 2 (a number) is not "2".
  auto r = Post("ezhou-amr", R"({"type":"recall","recall_id":"BM-HEAT-N","sector":"building_materials",
      "level":"A","responsible":"ezhou-steel","seed":{"product_windows":[{"product":"local:pipe",
      "from":")" + Day(1) + R"(","to":")" + Day(30) + R"(","attributes":{"heat_no":2}}]},
      "event_time":")" + Day(30) + R"("})");
  EXPECT_EQ(r.status, 422) << r.body;  // an empty scope is refused
  EXPECT_EQ(Reason(r), "empty_scope") << r.body;
}

// Scenario 2(e)5: the green-building-material certificate was suspended on
// 08-01 but the certifier recorded it only on 08-20, so boards labelled
// ★★★ in between were accepted. A level C marking recall seeded at the
// board product narrowed to the certificate the label names takes the
// boards labelled after 08-01 and their holders — not the boards labelled
// before, nor unlabelled boards made in the same weeks.
TEST_F(BuildingMaterialsRecallTest, BoardsLabelledAfterTheSuspensionAreAMarkingRecall) {
  AddParty("ezhou-amr", "regulator");
  AddParty("ezhou-boards", "enterprise");
  AddParty("cgp-certifier", "certifier");
  AddParty("bm-market", "enterprise");
  Product("ezhou-boards", "xps-board", "MTK");
  Ok("cgp-certifier", R"({"type":"certificate","cert_id":"GBM-2025-0311",
      "kind":"green_building_material","subject_product":"local:xps-board","valid_from":"2025-03-01T00:00:00+08:00",
      "valid_to":"2030-03-01T00:00:00+08:00","attributes":{"star":3}})");
  auto board = [&](const std::string& lot, const std::string& produced, bool labelled) {
    Ok("ezhou-boards", R"({"type":"lot","lot":"local:xps-board/)" + lot + R"(","quantity":"1000 MTK",
        "production_time":")" + produced + R"(","attributes":{"material":"energy_saving",
        "product_standard":"GB/T 10801.2-2018")" +
                           (labelled ? R"(,"green_bm_cert":"GBM-2025-0311","green_bm_star":3)" : "") +
                           "}}");
  };
  board("XB-0715", "2026-07-15T08:00:00+08:00", true);
  board("XB-0805", "2026-08-05T08:00:00+08:00", true);
  board("XB-0806", "2026-08-06T08:00:00+08:00", false);
  board("XB-0812", "2026-08-12T08:00:00+08:00", true);
  ShipAndReceive("ezhou-boards", "bm-market", "DN-0715", "local:xps-board/XB-0715", "500 MTK",
                 "2026-08-13T08:00:00+08:00");
  ShipAndReceive("ezhou-boards", "bm-market", "DN-0805", "local:xps-board/XB-0805", "500 MTK",
                 "2026-08-13T08:00:00+08:00");
  ShipAndReceive("ezhou-boards", "bm-market", "DN-0806", "local:xps-board/XB-0806", "500 MTK",
                 "2026-08-13T08:00:00+08:00");
  Ok("cgp-certifier", R"({"type":"certificate_status","cert_id":"GBM-2025-0311",
      "status":"suspended","effective":"2026-08-01T00:00:00+08:00"})",
     "2026-08-20T09:00:00+08:00");

  Ok("ezhou-amr", R"({"type":"recall","recall_id":"BM-GBM-C","sector":"building_materials",
      "level":"C","hazard":"green-building-material ★★★ label after the certificate's suspension",
      "responsible":"ezhou-boards","seed":{"product_windows":[{"product":"local:xps-board",
      "from":"2026-08-01T00:00:00+08:00","to":"2026-08-20T09:00:00+08:00",
      "attributes":{"green_bm_cert":"GBM-2025-0311"}}]},
      "event_time":"2026-08-21T08:00:00+08:00"})");
  json::object st = Get("ezhou-amr", "/v1/recalls/BM-GBM-C");
  EXPECT_EQ(Strings(st.at("scope").as_object().at("lots").as_array()),
            (std::set<std::string>{"local:xps-board/XB-0805", "local:xps-board/XB-0812"}))
      << json::serialize(st.at("scope"));
  // The certifier of the product's certificate is told, for information.
  EXPECT_EQ(Parties(st), (std::set<std::string>{"ezhou-boards", "bm-market", "cgp-certifier"}))
      << json::serialize(st.at("parties"));
  EXPECT_FALSE(st.at("plan").as_object().at("require_in_situ_assessment").as_bool());
}

}  // namespace
}  // namespace qtrace
