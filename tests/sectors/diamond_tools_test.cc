// The diamond_tools sector plugin in a real qtraced (--plugin-dir =
// QTRACE_SECTOR_PLUGIN_DIR, every sector plugin built): each rule of
// sector-rules.md 3(a)-(c) the plugin enforces is shown refusing a record
// with HTTP 422, its reason code and rule, and nothing written to the log;
// and, as its negative control, the same flow with the fix accepted. The
// non-recall parts of the 3(e) scenarios are here too (a braze run window,
// a wrong MOS label, a re-tipped blade, a resin wheel past its shelf life).
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "qtrace/http_client.h"
#include "sector_daemon.h"

namespace qtrace {
namespace {

constexpr char kBlade[] = "gtin:06901234567816";
constexpr char kWheel[] = "gtin:06901234567823";
constexpr char kSegment[] = "local:segment-40x10";

// A brazed 350 mm blade marked 80 m/s: 80 x 60000 / (pi x 350) = 4365.4 rpm.
constexpr char kGoodMarking[] =
    R"("product_type":"brazed_saw_blade","diameter_mm":350,"max_speed_ms":80,)"
    R"("max_rpm":4365,"direction_arrow":true)";
// Its segments and the braze run R-1006 it was made in (08:00-10:00).
constexpr char kSegments[] = R"([{"lot":"local:segment-40x10/SEG-2410","quantity":"40 EA"}])";
constexpr char kRunR1006[] =
    R"([{"unit":"BRAZE-2","start":"2026-10-06T08:00:00+08:00","end":"2026-10-06T10:00:00+08:00"}])";

class DiamondToolsTest : public testing::SectorDaemonTest {
 protected:
  DiamondToolsTest() : SectorDaemonTest("diamond_tools", "2026-10-06T12:00:00+08:00") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SectorDaemonTest::SetUp());

    AddParty("ezhou-amr", "regulator");
    AddParty("diamond-qic", "lab");
    AddParty("ezhou-segments", "enterprise");
    AddParty("ezhou-blades", "enterprise");
    AddParty("hardware-wholesale", "enterprise");

    // Segments sintered in run S-1001, shipped to the blade maker.
    Accept("ezhou-segments", R"({"type":"product","scheme":"local","product_id":"segment-40x10",
        "sector":"diamond_tools","name":"diamond segment 40 x 3.2 x 10 mm","default_unit":"EA"})");
    Accept("ezhou-segments", R"({"type":"unit","unit_id":"SINTER-1","kind":"furnace",
        "site":"420704","sector":"diamond_tools"})");
    Accept("ezhou-segments", R"({"type":"unit_event","unit":"SINTER-1","kind":"process_run",
        "run_id":"S-1001","start":"2026-10-01T08:00:00+08:00","end":"2026-10-01T12:00:00+08:00"})");
    Accept("ezhou-segments", R"({"type":"lot","lot":"local:segment-40x10/SEG-2410",
        "quantity":"1000 EA","production_time":"2026-10-01T13:00:00+08:00",
        "units":[{"unit":"SINTER-1","start":"2026-10-01T08:00:00+08:00",
                  "end":"2026-10-01T12:00:00+08:00"}],
        "attributes":{"product_type":"segment","bond":"M"}})");
    Accept("ezhou-segments", R"({"type":"shipment","shipment_id":"DN-S-1003","to":"ezhou-blades",
        "items":[{"lot":"local:segment-40x10/SEG-2410","quantity":"1000 EA"}],
        "event_time":"2026-10-03T08:00:00+08:00"})");
    Accept("ezhou-blades", R"({"type":"receipt","from":"ezhou-segments","shipment_id":"DN-S-1003",
        "items":[{"lot":"local:segment-40x10/SEG-2410","quantity":"1000 EA"}],
        "event_time":"2026-10-03T15:00:00+08:00"})");

    // The blade maker's braze furnace, run R-1006, and its blade product.
    Accept("ezhou-blades", R"({"type":"unit","unit_id":"BRAZE-2","kind":"furnace",
        "site":"420704","sector":"diamond_tools"})");
    Accept("ezhou-blades", R"({"type":"unit_event","unit":"BRAZE-2","kind":"process_run",
        "run_id":"R-1006","start":"2026-10-06T08:00:00+08:00","end":"2026-10-06T10:00:00+08:00",
        "attributes":{"peak_temp_c":860}})");
    Accept("ezhou-blades", std::string(R"({"type":"product","scheme":"gtin","product_id":")") +
                               (kBlade + 5) + R"(","sector":"diamond_tools",
        "name":"segmented saw blade 350 mm","default_unit":"EA"})");
  }

  // The daemon is not stopped here (its destructor kills it); its log is
  // shown when the test failed.
  void TearDown() override {
    if (daemon_ && ::testing::Test::HasFailure()) std::cerr << daemon_->Log();
  }

  void Accept(const std::string& party, const std::string& record_json) { Ok(party, record_json); }

  // A blade lot of kBlade with `attrs`, `inputs` and `units` (JSON arrays).
  static std::string BladeLot(const std::string& code, const std::string& attrs,
                              const std::string& inputs = kSegments,
                              const std::string& units = kRunR1006) {
    std::string r = std::string(R"({"type":"lot","lot":")") + kBlade + "/" + code +
                    R"(","quantity":"40 EA","production_time":"2026-10-06T12:00:00+08:00",)" +
                    R"("attributes":{)" + attrs + "}";
    if (!inputs.empty()) r += R"(,"inputs":)" + inputs;
    if (!units.empty()) r += R"(,"units":)" + units;
    return r + "}";
  }
  // The inspection centre's rotation test of `lot` at `speed` m/s.
  std::string RotationTest(const std::string& id, const std::string& lot, int speed,
                           const std::string& result = "pass") {
    return R"({"type":"certificate","cert_id":")" + id +
           R"(","kind":"rotation_test","standard":"GB/T 43134-2023","subject_lot":")" + lot +
           R"(","valid_from":"2026-10-08T00:00:00+08:00","attributes":{"tested_speed_ms":)" +
           std::to_string(speed) + R"(,"result":")" + result + R"("},
           "event_time":"2026-10-08T09:00:00+08:00"})";
  }
  static std::string Ship(const std::string& id, const std::string& lot, const std::string& day,
                          const std::string& to = "hardware-wholesale",
                          const std::string& qty = "20 EA") {
    return R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
           R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty +
           R"("}],"event_time":")" + day + R"(T08:00:00+08:00"})";
  }
  void SetParams(const std::string& set_id, const std::string& params) {
    Accept("ezhou-amr", R"({"type":"rule_parameters","sector":"diamond_tools","set_id":")" +
                            set_id + R"(","params":)" + params + "}");
  }
};

// ---- 3(a) / 3(c) marking -----------------------------------------------------------------

TEST_F(DiamondToolsTest, ASawBladeLotWithoutItsMaximumOperatingSpeedIsRefused) {
  Refused("ezhou-blades",
          BladeLot("BL-NOMOS", R"("product_type":"brazed_saw_blade","diameter_mm":350,)"
                               R"("max_rpm":4365,"direction_arrow":true)"),
          "mos_missing", "R-DT-MK");
  Refused("ezhou-blades",
          BladeLot("BL-NOARROW", R"("product_type":"brazed_saw_blade","diameter_mm":350,)"
                                 R"("max_speed_ms":80,"max_rpm":4365)"),
          "direction_arrow_missing", "R-DT-MK");
  Refused("ezhou-blades", BladeLot("BL-NOTYPE", R"("diameter_mm":350)"), "product_type_missing",
          "R-DT-0");
  // Fixed: the full EN 13236 marking.
  Accept("ezhou-blades", BladeLot("BL-NOMOS", kGoodMarking));
}

TEST_F(DiamondToolsTest, MarkedRpmMustMatchTheSpeedAtTheDiameter) {
  // 6110 rpm is 80 m/s on a 250 mm blade, not on 350 mm (4365 rpm).
  Refused("ezhou-blades",
          BladeLot("BL-RPM", R"("product_type":"brazed_saw_blade","diameter_mm":350,)"
                             R"("max_speed_ms":80,"max_rpm":6110,"direction_arrow":true)"),
          "mos_rpm_mismatch", "R-DT-MOS");
  Accept("ezhou-blades", BladeLot("BL-RPM", kGoodMarking));
  // The manufacturer's rounding (4360) is inside the default 1 %...
  const std::string rounded = R"("product_type":"brazed_saw_blade","diameter_mm":350,)"
                              R"("max_speed_ms":80,"max_rpm":4360,"direction_arrow":true)";
  Accept("ezhou-blades", BladeLot("BL-RPM-2", rounded));
  // ...and outside a regulator's 0.05 % (the tolerance is a rule parameter).
  SetParams("dt-2026-1", R"({"mos_rpm_tolerance_pct":{"decimal":"0.05"}})");
  Refused("ezhou-blades", BladeLot("BL-RPM-3", rounded), "mos_rpm_mismatch", "R-DT-MOS");
}

// ---- 3(b) R-DT-5 / 3(c) GB/T 43134: rotation test before shipment ------------------------

TEST_F(DiamondToolsTest, ALotShipsOnlyWithItsRotationTest) {
  const std::string lot = std::string(kBlade) + "/BL-2410-01";
  Accept("ezhou-blades", BladeLot("BL-2410-01", kGoodMarking));
  Refused("ezhou-blades", Ship("DN-B-1010", lot, "2026-10-10"), "rotation_test_missing",
          "R-DT-5");
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1188", lot, 120));
  Accept("ezhou-blades", Ship("DN-B-1010", lot, "2026-10-10"));
}

TEST_F(DiamondToolsTest, ABladeMarkedAboveItsTestedRatingIsRefusedAtShipment) {
  // Marked 80 m/s, spun at 100 m/s: 1.5 x 80 = 120 m/s was never tested.
  const std::string lot = std::string(kBlade) + "/BL-2410-02";
  Accept("ezhou-blades", BladeLot("BL-2410-02", kGoodMarking));
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1190", lot, 100));
  Refused("ezhou-blades", Ship("DN-B-1011", lot, "2026-10-10"), "mos_above_tested_speed",
          "R-DT-5");
  // Fixed: a re-test at 120 m/s.
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1191", lot, 120));
  Accept("ezhou-blades", Ship("DN-B-1011", lot, "2026-10-10"));
}

TEST_F(DiamondToolsTest, TheRotationTestFactorIsARuleParameter) {
  const std::string lot = std::string(kBlade) + "/BL-2410-03";
  Accept("ezhou-blades", BladeLot("BL-2410-03", kGoodMarking));
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1192", lot, 100));
  Refused("ezhou-blades", Ship("DN-B-1012", lot, "2026-10-10"), "mos_above_tested_speed",
          "R-DT-5");
  SetParams("dt-2026-2", R"({"rotation_test_factor":{"decimal":"1.25"}})");
  Accept("ezhou-blades", Ship("DN-B-1012", lot, "2026-10-10"));
}

TEST_F(DiamondToolsTest, AFamilyTypeTestBelowTheMarkingRefusesTheLot) {
  // The 350 mm family was type-tested at 100 m/s: 80 m/s needs 120 m/s, so
  // an 80 m/s lot is refused at registration; a 60 m/s marking is covered.
  auto family_test = [&](const std::string& id, int speed) {
    return R"({"type":"certificate","cert_id":")" + id + R"(","kind":"rotation_test",
        "standard":"GB/T 43134-2023","subject_product":")" + kBlade + R"(",
        "valid_from":"2026-10-01T00:00:00+08:00","attributes":{"tested_speed_ms":)" +
           std::to_string(speed) + R"(,"result":"pass"},"event_time":"2026-10-01T09:00:00+08:00"})";
  };
  Accept("diamond-qic", family_test("QIC-TT-2026-0007", 100));
  Refused("ezhou-blades", BladeLot("BL-FAM", kGoodMarking), "mos_above_tested_speed", "R-DT-5");
  Accept("ezhou-blades",
         BladeLot("BL-FAM", R"("product_type":"brazed_saw_blade","diameter_mm":350,)"
                            R"("max_speed_ms":60,"max_rpm":3274,"direction_arrow":true)"));
  // Once the family passes at 120 m/s, the 80 m/s marking is covered too.
  Accept("diamond-qic", family_test("QIC-TT-2026-0008", 120));
  Accept("ezhou-blades", BladeLot("BL-FAM-80", kGoodMarking));
}

TEST_F(DiamondToolsTest, AFailedSafetyTestKeepsTheLotInTheFactory) {
  const std::string lot = std::string(kBlade) + "/BL-2410-04";
  Accept("ezhou-blades", BladeLot("BL-2410-04", kGoodMarking));
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1193", lot, 120));
  Accept("diamond-qic", R"({"type":"inspection","inspection_id":"QIC-SB-2026-0031",
      "kind":"segment_bond_strength","lot":")" + lot + R"(","result":"fail",
      "report_no":"QIC-2026-0031","event_time":"2026-10-09T09:00:00+08:00"})");
  Refused("ezhou-blades", Ship("DN-B-1013", lot, "2026-10-10"), "safety_test_failed", "R-DT-5");
  // The negative control: a lot of the same run whose bond test passed.
  const std::string other = std::string(kBlade) + "/BL-2410-05";
  Accept("ezhou-blades", BladeLot("BL-2410-05", kGoodMarking));
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1194", other, 120));
  Accept("diamond-qic", R"({"type":"inspection","inspection_id":"QIC-SB-2026-0032",
      "kind":"segment_bond_strength","lot":")" + other + R"(","result":"pass",
      "report_no":"QIC-2026-0032","event_time":"2026-10-09T09:00:00+08:00"})");
  Accept("ezhou-blades", Ship("DN-B-1013", other, "2026-10-10"));
}

TEST_F(DiamondToolsTest, ARotationTestStatesItsSpeedAndResult) {
  const std::string lot = std::string(kBlade) + "/BL-2410-06";
  Accept("ezhou-blades", BladeLot("BL-2410-06", kGoodMarking));
  Refused("diamond-qic", R"({"type":"certificate","cert_id":"QIC-RT-X","kind":"rotation_test",
      "subject_lot":")" + lot + R"(","valid_from":"2026-10-08T00:00:00+08:00",
      "attributes":{"result":"pass"},"event_time":"2026-10-08T09:00:00+08:00"})",
          "tested_speed_missing", "R-DT-5");
  Accept("diamond-qic", RotationTest("QIC-RT-X", lot, 120));
}

// ---- 3(b) R-DT-1 lineage: segments, furnace runs (scenario 3(e)1) -------------------------

TEST_F(DiamondToolsTest, ABrazedBladeLiesInsideARecordedBrazeRun) {
  // Run R-1006 ended at 10:00; a window to 11:30 is not a run that happened.
  Refused("ezhou-blades",
          BladeLot("BL-RUN", kGoodMarking, kSegments,
                   R"([{"unit":"BRAZE-2","start":"2026-10-06T09:00:00+08:00",
                        "end":"2026-10-06T11:30:00+08:00"}])"),
          "furnace_window_outside_run", "R-DT-1");
  Refused("ezhou-blades", BladeLot("BL-RUN", kGoodMarking, kSegments, ""), "furnace_run_missing",
          "R-DT-1");
  Accept("ezhou-blades", BladeLot("BL-RUN", kGoodMarking));
}

TEST_F(DiamondToolsTest, ASegmentedBladeIsMadeOfSegmentLots) {
  Refused("ezhou-blades", BladeLot("BL-SEG", kGoodMarking, ""), "segment_lineage_missing",
          "R-DT-1");
  Accept("ezhou-blades", BladeLot("BL-SEG", kGoodMarking));
}

// ---- 3(b) R-DT-2: the label lot (scenario 3(e)2) ------------------------------------------

TEST_F(DiamondToolsTest, ALabelLotPrintingAnotherMosIsRefused) {
  // Label lot L prints 80 m/s / 4365 rpm; L2 prints 50 m/s / 2728 rpm.
  Accept("ezhou-blades", R"({"type":"product","scheme":"local","product_id":"mos-label-350",
      "sector":"diamond_tools","name":"MOS label 350 mm","default_unit":"EA"})");
  Accept("ezhou-blades", R"({"type":"lot","lot":"local:mos-label-350/L","quantity":"500 EA",
      "production_time":"2026-10-02T08:00:00+08:00",
      "attributes":{"product_type":"label","max_speed_ms":80,"max_rpm":4365}})");
  Accept("ezhou-blades", R"({"type":"lot","lot":"local:mos-label-350/L2","quantity":"500 EA",
      "production_time":"2026-10-02T08:00:00+08:00",
      "attributes":{"product_type":"label","max_speed_ms":50,"max_rpm":2728}})");
  const std::string marked50 = R"("product_type":"brazed_saw_blade","diameter_mm":350,)"
                               R"("max_speed_ms":50,"max_rpm":2728,"direction_arrow":true)";
  const std::string segments_and = R"([{"lot":"local:segment-40x10/SEG-2410","quantity":"40 EA"},
      {"lot":"local:mos-label-350/)";
  Refused("ezhou-blades",
          BladeLot("BL-L50", marked50, segments_and + R"(L","quantity":"40 EA","kind":"labelled_with"}])"),
          "label_mos_mismatch", "R-DT-2");
  Accept("ezhou-blades",
         BladeLot("BL-L50", marked50, segments_and + R"(L2","quantity":"40 EA","kind":"labelled_with"}])"));
  // Blades that carry the 80 m/s marking of L but were tested for 50 m/s
  // never leave the factory (R-DT-5).
  const std::string lot = std::string(kBlade) + "/BL-L80";
  Accept("ezhou-blades",
         BladeLot("BL-L80", kGoodMarking, segments_and + R"(L","quantity":"40 EA","kind":"labelled_with"}])"));
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1195", lot, 75));
  Refused("ezhou-blades", Ship("DN-B-1014", lot, "2026-10-10"), "mos_above_tested_speed",
          "R-DT-5");
  // The 50 m/s blades labelled with L2 pass the same 75 m/s test and ship.
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1197", std::string(kBlade) + "/BL-L50", 75));
  Accept("ezhou-blades", Ship("DN-B-1014", std::string(kBlade) + "/BL-L50", "2026-10-10"));
}

// ---- 3(b) R-DT-3: re-tipped blades (scenarios 3(e)3, 3(e)4) ------------------------------

TEST_F(DiamondToolsTest, AReconditionedBladeLinksItsOriginalCore) {
  Accept("ezhou-blades", BladeLot("BL-ORIG", kGoodMarking));
  const std::string retip = std::string(kGoodMarking) + R"(,"reconditioned":true)";
  Refused("ezhou-blades", BladeLot("BL-RT-1", retip), "reconditioned_core_missing", "R-DT-3");
  const std::string original = std::string(R"({"lot":")") + kBlade +
                               R"(/BL-ORIG","quantity":"1 EA","kind":"reconditioned_from"})";
  Refused("ezhou-blades", BladeLot("BL-RT-1", retip, "[" + original + "]"),
          "retip_segments_missing", "R-DT-3");
  Accept("ezhou-blades",
         BladeLot("BL-RT-1", retip,
                  R"([{"lot":"local:segment-40x10/SEG-2410","quantity":"40 EA"},)" + original +
                      "]"));
}

// ---- 3(b) R-DT-4: a resin wheel past its shelf life (scenario 3(e)5) ----------------------

TEST_F(DiamondToolsTest, AResinWheelPastItsShelfLifeIsNotSold) {
  // 125 mm resin-bonded wheel, 80 m/s = 12223 rpm, shelf life to 2026-10-31.
  Accept("ezhou-blades", std::string(R"({"type":"product","scheme":"gtin","product_id":")") +
                             (kWheel + 5) + R"(","sector":"diamond_tools",
      "name":"resin-bond cup wheel 125 mm","default_unit":"EA"})");
  const std::string wheel = std::string(R"({"type":"lot","lot":")") + kWheel + R"(/W-2410",
      "quantity":"100 EA","production_time":"2026-10-06T12:00:00+08:00",
      "attributes":{"product_type":"grinding_wheel","bond":"B","diameter_mm":125,
                    "max_speed_ms":80,"max_rpm":12223)";
  Refused("ezhou-blades", wheel + "}}", "shelf_life_missing", "R-DT-4");
  Accept("ezhou-blades",
         wheel + R"(,"shelf_life_expiry":{"time":"2026-10-31T23:59:59+08:00"}}})");
  const std::string lot = std::string(kWheel) + "/W-2410";
  Accept("diamond-qic", RotationTest("QIC-RT-2026-1196", lot, 120));
  Accept("ezhou-blades", Ship("DN-W-1010", lot, "2026-10-10", "hardware-wholesale", "50 EA"));
  Accept("hardware-wholesale", R"({"type":"receipt","from":"ezhou-blades","shipment_id":"DN-W-1010",
      "items":[{"lot":")" + lot + R"(","quantity":"50 EA"}],"event_time":"2026-10-10T15:00:00+08:00"})");
  auto sale = [&](const std::string& day) {
    return R"({"type":"disposition","kind":"sold","items":[{"lot":")" + lot +
           R"(","quantity":"5 EA"}],"event_time":")" + day + R"(T10:00:00+08:00"})";
  };
  // A sale block, not a recall: the sale date is checked against the expiry.
  Refused("hardware-wholesale", sale("2026-11-05"), "shelf_life_expired", "R-DT-4");
  Accept("hardware-wholesale", sale("2026-10-20"));
  // Expired stock may not go on to another customer, but goes back to its maker.
  Refused("hardware-wholesale",
          Ship("DN-HW-1105", lot, "2026-11-05", "ezhou-segments", "10 EA"), "shelf_life_expired",
          "R-DT-4");
  Accept("hardware-wholesale", Ship("DN-HW-1105", lot, "2026-11-05", "ezhou-blades", "10 EA"));
}

// ---- 3(d): recall levels -------------------------------------------------------------------

TEST_F(DiamondToolsTest, ARecallLevelIsSeriousModerateOrLow) {
  Accept("ezhou-blades", BladeLot("BL-R", kGoodMarking));
  auto order = [&](const std::string& id, const std::string& level) {
    return R"({"type":"recall","recall_id":")" + id +
           R"(","sector":"diamond_tools","level":")" + level +
           R"(","hazard":"segment detachment","responsible":"ezhou-blades",
           "seed":{"lots":[")" + kBlade + R"(/BL-R"]}})";
  };
  Refused("ezhou-amr", order("RC-DT-1", "1"), "recall_level_unknown", "R-DT-R");
  Accept("ezhou-amr", order("RC-DT-1", "serious"));
}

}  // namespace
}  // namespace qtrace
