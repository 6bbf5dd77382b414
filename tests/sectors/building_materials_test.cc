// The building_materials sector plugin in a real qtraced (--plugin-dir with
// every built sector plugin), over HTTP: each rule refuses its bad record
// with HTTP 422, the rule's reason code and id, and writes nothing; the same
// flow with the fix is accepted (sector-rules.md section 2 (a)-(c) and the
// non-recall parts of the 2(e) scenarios).
#include <gtest/gtest.h>

#include <string>

#include "qtrace/http_client.h"
#include "sector_daemon.h"

namespace qtrace {
namespace {

class BuildingMaterialsTest : public testing::SectorDaemonTest {
 protected:
  BuildingMaterialsTest() : SectorDaemonTest("building_materials", "2026-06-01T08:00:00+08:00") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SectorDaemonTest::SetUp());

    // The cement plant holds XK licence XK08-001-00931 (2022-2027).
    AddParty("ezhou-cement", "enterprise",
             R"("licences":[{"kind":"XK","number":"XK08-001-00931",
                 "valid_from":"2022-01-01T00:00:00+08:00","valid_to":"2027-01-01T00:00:00+08:00"}])");
    AddParty("ezhou-readymix", "enterprise");
    AddParty("huarong-site", "enterprise");
    AddParty("ezhou-bmlab", "lab");
    AddParty("ezhou-amr", "regulator");
    Ok(Post("ezhou-cement", R"({"type":"product","scheme":"local","product_id":"cement",
        "sector":"building_materials","name":"cement","default_unit":"TNE"})"));
  }

  // A P·O 42.5 cement lot produced on `produced` (XK licence of the plant).
  std::string CementLot(const std::string& lot, const std::string& produced,
                        const std::string& type = "P·O", const std::string& grade = "42.5",
                        const std::string& standard = "GB 175-2023") {
    return R"({"type":"lot","lot":"local:cement/)" + lot + R"(","quantity":"500 TNE",
        "production_time":")" + produced + R"(","attributes":{"material":"cement",
        "product_standard":")" + standard + R"(","cement_type":")" + type +
           R"(","strength_grade":")" + grade + R"(","xk_licence_no":"(鄂)XK08-001-00931"}})";
  }
  std::string Report(const std::string& id, const std::string& lot, const std::string& dated,
                     const std::string& mpa, const std::string& result = "pass") {
    return R"({"type":"certificate","cert_id":")" + id + R"(","kind":"strength_report_28d",
        "standard":"GB 175-2023","subject_lot":"local:cement/)" + lot + R"(","valid_from":")" +
           dated + R"(","attributes":{"strength_28d_mpa":{"decimal":")" + mpa +
           R"("},"result":")" + result + R"("}})";
  }
  std::string Ship(const std::string& id, const std::string& lot, const std::string& at,
                   const std::string& to = "ezhou-readymix") {
    return R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
           R"(","items":[{"lot":"local:cement/)" + lot + R"(","quantity":"60 TNE"}],
           "event_time":")" + at + R"("})";
  }
};

// ---- R-BM-0 / R-BM-2: cement fields and grades -------------------------------------

TEST_F(BuildingMaterialsTest, CementLotNeedsItsTypeAndGrade) {
  Refused("ezhou-cement", R"({"type":"lot","lot":"local:cement/C-1","quantity":"500 TNE",
      "production_time":"2026-05-01T08:00:00+08:00","attributes":{"material":"cement",
      "product_standard":"GB 175-2023","strength_grade":"42.5",
      "xk_licence_no":"XK08-001-00931"}})",
          "cement_type_missing", "R-BM-0");
  Refused("ezhou-cement", R"({"type":"lot","lot":"local:cement/C-1","quantity":"500 TNE",
      "production_time":"2026-05-01T08:00:00+08:00"})",
          "material_missing", "R-BM-0");
  Ok(Post("ezhou-cement", CementLot("C-1", "2026-05-01T08:00:00+08:00")));
}

TEST_F(BuildingMaterialsTest, CementGradeMustBeAllowedForItsType) {
  // GB 175-2023 deleted P·C 32.5: refused for a lot produced after 2024-06-01.
  Refused("ezhou-cement", CementLot("PC-1", "2026-05-01T08:00:00+08:00", "P·C", "32.5"),
          "strength_grade_not_allowed", "R-BM-2");
  // P·O has no 32.5R; a P·S·A 62.5 does not exist either.
  Refused("ezhou-cement", CementLot("PO-1", "2026-05-01T08:00:00+08:00", "P·O", "32.5R"),
          "strength_grade_not_allowed", "R-BM-2");
  Refused("ezhou-cement", CementLot("PS-1", "2026-05-01T08:00:00+08:00", "P·S·A", "62.5"),
          "strength_grade_not_allowed", "R-BM-2");
  Refused("ezhou-cement", CementLot("PX-1", "2026-05-01T08:00:00+08:00", "P·X", "42.5"),
          "cement_type_unknown", "R-BM-2");
  // After 2024-06-01 cement is made to GB 175-2023, not the 2007 edition.
  Refused("ezhou-cement",
          CementLot("PO-2", "2026-05-01T08:00:00+08:00", "P·O", "42.5", "GB 175-2007"),
          "cement_standard_superseded", "R-BM-2");

  // The fixes: P·C 42.5 today; P·C 32.5 produced under GB 175-2007 before
  // 2024-06-01; P·S·A 32.5R; P·O 42.5R.
  Ok(Post("ezhou-cement", CementLot("PC-1", "2026-05-01T08:00:00+08:00", "P·C", "42.5")));
  Ok(Post("ezhou-cement",
          CementLot("PC-OLD", "2024-03-01T08:00:00+08:00", "P·C", "32.5", "GB 175-2007")));
  Ok(Post("ezhou-cement", CementLot("PS-1", "2026-05-01T08:00:00+08:00", "P·S·A", "32.5R")));
  Ok(Post("ezhou-cement", CementLot("PO-1", "2026-05-01T08:00:00+08:00", "P·O", "42.5R")));
}

// ---- R-BM-3: the 28-day strength report before shipment ------------------------------

TEST_F(BuildingMaterialsTest, CementShipsOnlyWithIts28DayReport) {
  Ok(Post("ezhou-cement", CementLot("CEM-0901", "2026-09-01T08:00:00+08:00")));
  // No report at all.
  Refused("ezhou-cement", Ship("DN-1", "CEM-0901", "2026-09-20T08:00:00+08:00"),
          "strength_28d_report_missing", "R-BM-3");
  // A report cannot be dated before the lot is 28 days old.
  Refused("ezhou-cement", Report("R28-0901", "CEM-0901", "2026-09-10T08:00:00+08:00", "48.6"),
          "strength_report_too_early", "R-BM-3");
  Ok(Post("ezhou-cement", Report("R28-0901", "CEM-0901", "2026-09-29T08:00:00+08:00", "48.6")));
  // The report exists now, but it is dated after this shipment's event time.
  auto r = Post("ezhou-cement", Ship("DN-1", "CEM-0901", "2026-09-20T08:00:00+08:00"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Reason(r), "strength_28d_report_missing");
  EXPECT_NE(r.body.find("R28-0901 is dated 2026-09-29, after the shipment"), std::string::npos)
      << r.body;
  // Shipped after the report: accepted.
  Ok(Post("ezhou-cement", Ship("DN-1", "CEM-0901", "2026-10-01T08:00:00+08:00")));
}

TEST_F(BuildingMaterialsTest, ALabsPassing28DayInspectionAlsoReleasesTheLot) {
  Ok(Post("ezhou-cement", CementLot("CEM-0902", "2026-09-02T08:00:00+08:00")));
  Refused("ezhou-cement", Ship("DN-2", "CEM-0902", "2026-10-02T08:00:00+08:00"),
          "strength_28d_report_missing", "R-BM-3");
  Ok(Post("ezhou-bmlab", R"({"type":"inspection","inspection_id":"LAB-0902","kind":"strength_28d",
      "lot":"local:cement/CEM-0902","items":[{"name":"28-day compressive strength",
      "value":"47.9","min":"42.5","unit":"MPa"}],"report_no":"BM-2026-0930",
      "event_time":"2026-09-30T10:00:00+08:00"})"));
  Ok(Post("ezhou-cement", Ship("DN-2", "CEM-0902", "2026-10-02T08:00:00+08:00")));
}

// Scenario 2(e)1 without its recall: the regulator allows early dispatch, so
// batch B ships before its 28-day result; the result fails, is recorded, and
// B may not ship again.
TEST_F(BuildingMaterialsTest, EarlyDispatchAllowedButAFailed28DayResultStopsShipping) {
  Ok(Post("ezhou-amr", R"({"type":"rule_parameters","sector":"building_materials",
      "set_id":"bm-2026-early","params":{"ship_requires_28d_report":0}})"));
  Ok(Post("ezhou-cement", CementLot("B", "2026-09-01T08:00:00+08:00")));
  Ok(Post("ezhou-cement", Ship("DN-B-1", "B", "2026-09-04T08:00:00+08:00")));
  // The failing result is a record like any other: it must be accepted.
  Ok(Post("ezhou-cement",
          Report("R28-B", "B", "2026-09-29T08:00:00+08:00", "39.8", "fail")));
  Refused("ezhou-cement", Ship("DN-B-2", "B", "2026-10-01T08:00:00+08:00", "huarong-site"),
          "strength_28d_failed", "R-BM-3");
  // Another batch with a passing result ships.
  Ok(Post("ezhou-cement", CementLot("C", "2026-09-02T08:00:00+08:00")));
  Ok(Post("ezhou-cement", Report("R28-C", "C", "2026-09-30T08:00:00+08:00", "46.1")));
  Ok(Post("ezhou-cement", Ship("DN-C-1", "C", "2026-10-01T08:00:00+08:00", "huarong-site")));
}

// ---- R-BM-XK: the producer's XK licence at production time -------------------------

// Scenario 2(e)4: a rebar mill's XK licence expired on E = 2026-07-01.
TEST_F(BuildingMaterialsTest, XkLicenceMustBeValidWhenTheLotIsProduced) {
  AddParty("ezhou-rebar", "enterprise",
           R"("licences":[{"kind":"XK","number":"XK05-002-00417",
               "valid_from":"2021-07-01T00:00:00+08:00","valid_to":"2026-07-01T00:00:00+08:00"}])");
  Ok(Post("ezhou-rebar", R"({"type":"product","scheme":"local","product_id":"rebar",
      "sector":"building_materials","name":"HRB400E rebar","default_unit":"TNE"})"));
  auto rebar = [](const std::string& lot, const std::string& produced, const std::string& xk) {
    return R"({"type":"lot","lot":"local:rebar/)" + lot + R"(","quantity":"80 TNE",
        "production_time":")" + produced + R"(","attributes":{"material":"rebar",
        "product_standard":"GB/T 1499.2-2024","grade_designation":"HRB400E","heat_no":"R)" +
           lot + R"(")" + (xk.empty() ? "" : R"(,"xk_licence_no":")" + xk + R"(")") + "}}";
  };
  Refused("ezhou-rebar", rebar("0705", "2026-07-05T08:00:00+08:00", "XK05-002-00417"),
          "xk_licence_expired", "R-BM-XK");
  Refused("ezhou-rebar", rebar("0615", "2026-06-15T08:00:00+08:00", ""), "xk_licence_missing",
          "R-BM-XK");
  Refused("ezhou-rebar", rebar("0615", "2026-06-15T08:00:00+08:00", "XK05-02-417"),
          "xk_licence_malformed", "R-BM-XK");
  // The cement plant's licence is not the rebar mill's.
  Refused("ezhou-rebar", rebar("0615", "2026-06-15T08:00:00+08:00", "XK08-001-00931"),
          "xk_licence_not_held", "R-BM-XK");
  // Produced before E: accepted, and shipping it after E is fine (validity
  // is taken at the production date).
  Ok(Post("ezhou-rebar", rebar("0615", "2026-06-15T08:00:00+08:00", "(鄂)XK05-002-00417")));
  Ok(Post("ezhou-rebar", R"({"type":"shipment","shipment_id":"DN-RB-1","to":"huarong-site",
      "items":[{"lot":"local:rebar/0615","quantity":"20 TNE"}],
      "event_time":"2026-07-10T08:00:00+08:00"})"));
}

TEST_F(BuildingMaterialsTest, ASuspendedXkCertificateBlocksProduction) {
  AddParty("hubei-samr", "regulator");
  AddParty("ezhou-cement-2", "enterprise");
  Ok(Post("ezhou-cement-2", R"({"type":"product","scheme":"local","product_id":"cement-2",
      "sector":"building_materials","name":"cement","default_unit":"TNE"})"));
  Ok(Post("hubei-samr", R"({"type":"certificate","cert_id":"(鄂)XK08-001-00555","kind":"xk_licence",
      "subject_party":"ezhou-cement-2","valid_from":"2023-01-01T00:00:00+08:00",
      "valid_to":"2028-01-01T00:00:00+08:00"})"));
  Ok(Post("hubei-samr", R"({"type":"certificate_status","cert_id":"(鄂)XK08-001-00555",
      "status":"suspended","effective":"2026-08-01T00:00:00+08:00"})"));
  auto lot = [](const std::string& id, const std::string& produced) {
    return R"({"type":"lot","lot":"local:cement-2/)" + id + R"(","quantity":"100 TNE",
        "production_time":")" + produced + R"(","attributes":{"material":"cement",
        "product_standard":"GB 175-2023","cement_type":"P·O","strength_grade":"52.5",
        "xk_licence_no":"(鄂)XK08-001-00555"}})";
  };
  Refused("ezhou-cement-2", lot("S-0805", "2026-08-05T08:00:00+08:00"), "xk_licence_not_in_force",
          "R-BM-XK");
  Ok(Post("ezhou-cement-2", lot("S-0725", "2026-07-25T08:00:00+08:00")));
}

// ---- R-BM-5 / R-BM-6: heat numbers from billet to pipe to fitting --------------------

// Scenario 2(e)2 without its recall: the TS licence is fine, but the MTC on
// the elbows names another heat than the elbows carry.
TEST_F(BuildingMaterialsTest, HeatNumbersFollowBilletToPipeToFitting) {
  AddParty("ezhou-steel", "enterprise");
  AddParty("ezhou-fittings", "enterprise");
  Ok(Post("ezhou-steel", R"({"type":"product","scheme":"local","product_id":"billet",
      "sector":"building_materials","name":"round billet 20#","default_unit":"TNE"})"));
  Ok(Post("ezhou-steel", R"({"type":"product","scheme":"local","product_id":"pipe",
      "sector":"building_materials","name":"seamless pipe 114.3x6.02","default_unit":"TNE"})"));
  Ok(Post("ezhou-fittings", R"({"type":"product","scheme":"local","product_id":"elbow",
      "sector":"building_materials","name":"90° elbow DN100","default_unit":"H87"})"));
  for (const char* heat : {"H1", "H2"}) {
    Ok(Post("ezhou-steel", std::string(R"({"type":"lot","lot":"local:billet/)") + heat +
                               R"(","quantity":"50 TNE","production_time":"2026-04-01T08:00:00+08:00",
        "attributes":{"material":"steel","product_standard":"GB/T 699-2015",
        "grade_designation":"20","heat_no":")" + heat + R"("}})"));
  }
  auto pipe = [](const std::string& lot, const std::string& heat, const std::string& billet) {
    return R"({"type":"lot","lot":"local:pipe/)" + lot + R"(","quantity":"20 TNE",
        "production_time":"2026-04-10T08:00:00+08:00",
        "inputs":[{"lot":"local:billet/)" + billet + R"(","quantity":"21 TNE"}],
        "attributes":{"material":"steel_pipe","product_standard":"GB/T 8163-2018",
        "grade_designation":"20","heat_no":")" + heat + R"("}})";
  };
  // R-BM-5: a pipe lot of heat H1 made from the H2 billet.
  Refused("ezhou-steel", pipe("P-2", "H1", "H2"), "heat_mismatch", "R-BM-5");
  Ok(Post("ezhou-steel", pipe("P-2", "H1", "H1")));
  Ok(Post("ezhou-steel", R"({"type":"shipment","shipment_id":"DN-P-2","to":"ezhou-fittings",
      "items":[{"lot":"local:pipe/P-2","quantity":"10 TNE"}],
      "event_time":"2026-04-12T08:00:00+08:00"})"));
  Ok(Post("ezhou-fittings", R"({"type":"receipt","from":"ezhou-steel","shipment_id":"DN-P-2",
      "items":[{"lot":"local:pipe/P-2","quantity":"10 TNE"}],
      "event_time":"2026-04-12T15:00:00+08:00"})"));
  // MTCs for heat H2 (wrong) and H1 (right), issued by the steel maker.
  for (const char* heat : {"H1", "H2"}) {
    Ok(Post("ezhou-steel", std::string(R"({"type":"certificate","cert_id":"MTC-)") + heat +
                               R"(","kind":"mtc_3.1","standard":"GB/T 18253",
        "subject_party":"ezhou-steel","valid_from":"2026-04-10T08:00:00+08:00",
        "attributes":{"heat_no":")" + heat + R"("}})"));
  }
  auto elbow = [](const std::string& lot, const std::string& heat, const std::string& grade,
                  const std::string& mtc) {
    return R"({"type":"lot","lot":"local:elbow/)" + lot + R"(","quantity":"200 H87",
        "production_time":"2026-04-20T08:00:00+08:00",
        "inputs":[{"lot":"local:pipe/P-2","quantity":"2 TNE"}],
        "certificates":[{"cert_id":")" + mtc + R"("}],
        "attributes":{"material":"fitting","product_standard":"GB/T 12459-2017",
        "grade_designation":")" + grade + R"(","source_heat_no":")" + heat + R"("}})";
  };
  // R-BM-6: the elbows must carry the pipe's heat and grade.
  Refused("ezhou-fittings", elbow("E-1", "H9", "20", "MTC-H1"), "source_heat_mismatch", "R-BM-6");
  Refused("ezhou-fittings", elbow("E-1", "H1", "Q345B", "MTC-H1"), "grade_mismatch", "R-BM-6");
  // 2(c): the cited MTC is for heat H2, the elbows carry H1.
  Refused("ezhou-fittings", elbow("E-1", "H1", "20", "MTC-H2"), "mtc_heat_mismatch", "R-BM-6");
  Ok(Post("ezhou-fittings", elbow("E-1", "H1", "20", "MTC-H1")));
  // An MTC issued on the elbow lot itself is checked against its heat too.
  Refused("ezhou-fittings", R"({"type":"certificate","cert_id":"MTC-E-1-BAD","kind":"mtc_3.1",
      "subject_lot":"local:elbow/E-1","valid_from":"2026-04-20T08:00:00+08:00",
      "attributes":{"heat_no":"H2"}})",
          "mtc_heat_mismatch", "R-BM-6");
  Ok(Post("ezhou-fittings", R"({"type":"certificate","cert_id":"MTC-E-1","kind":"mtc_3.1",
      "subject_lot":"local:elbow/E-1","valid_from":"2026-04-20T08:00:00+08:00",
      "attributes":{"heat_no":"H1"}})"));
}

// ---- R-BM-8: green-building-material star labels --------------------------------------

// Scenario 2(e)5 without its recall: boards still labelled ★★★ after the
// certificate's suspension are refused; boards made before it are not.
TEST_F(BuildingMaterialsTest, AStarLabelNeedsACertificateInForce) {
  AddParty("ezhou-boards", "enterprise");
  AddParty("cgp-certifier", "certifier");
  Ok(Post("ezhou-boards", R"({"type":"product","scheme":"local","product_id":"xps-board",
      "sector":"building_materials","name":"XPS insulation board","default_unit":"MTK"})"));
  Ok(Post("cgp-certifier", R"({"type":"certificate","cert_id":"GBM-2025-0311","kind":"green_building_material",
      "subject_product":"local:xps-board","valid_from":"2025-03-01T00:00:00+08:00",
      "valid_to":"2030-03-01T00:00:00+08:00","attributes":{"star":3}})"));
  auto board = [](const std::string& lot, const std::string& produced, int star) {
    return R"({"type":"lot","lot":"local:xps-board/)" + lot + R"(","quantity":"1000 MTK",
        "production_time":")" + produced + R"(","attributes":{"material":"energy_saving",
        "product_standard":"GB/T 10801.2-2018","green_bm_cert":"GBM-2025-0311",
        "green_bm_star":)" + std::to_string(star) + "}}";
  };
  Ok(Post("ezhou-boards", board("XB-0715", "2026-07-15T08:00:00+08:00", 3)));
  Ok(Post("cgp-certifier", R"({"type":"certificate_status","cert_id":"GBM-2025-0311",
      "status":"suspended","effective":"2026-08-01T00:00:00+08:00"})"));
  Refused("ezhou-boards", board("XB-0810", "2026-08-10T08:00:00+08:00", 3),
          "green_bm_cert_not_in_force", "R-BM-8");
  // Without the star label the boards are accepted.
  Ok(Post("ezhou-boards", R"({"type":"lot","lot":"local:xps-board/XB-0810","quantity":"1000 MTK",
      "production_time":"2026-08-10T08:00:00+08:00","attributes":{"material":"energy_saving",
      "product_standard":"GB/T 10801.2-2018"}})"));
}

// ---- R-BM-R: recall levels --------------------------------------------------------------

TEST_F(BuildingMaterialsTest, ARecallLevelIsAOrBOrC) {
  Ok(Post("ezhou-cement", CementLot("CEM-R", "2026-09-01T08:00:00+08:00")));
  std::string order = R"({"type":"recall","recall_id":"BM-R-1","sector":"building_materials",
      "level":"LEVEL","responsible":"ezhou-cement","seed":{"lots":["local:cement/CEM-R"]},
      "event_time":"2026-10-01T08:00:00+08:00"})";
  std::string bad = order;
  bad.replace(bad.find("LEVEL"), 5, "1");
  Refused("ezhou-amr", bad, "recall_level_unknown", "R-BM-R");
  std::string good = order;
  good.replace(good.find("LEVEL"), 5, "A");
  Ok(Post("ezhou-amr", good));
}

}  // namespace
}  // namespace qtrace
