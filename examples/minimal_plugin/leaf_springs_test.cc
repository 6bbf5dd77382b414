// Unit tests of the leaf_springs plugin on the qtrace plugin test kit: the
// built plugin runs on hand-made records and state, no daemon involved.
#include <gtest/gtest.h>

#include "qtrace/plugin/testkit.h"

namespace {

using qtrace::plugin_testkit::PluginUnderTest;

class LeafSpringsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = PluginUnderTest::Load(LEAF_SPRINGS_PLUGIN);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plugin_ = std::move(*p);
    ASSERT_TRUE(plugin_->state()
                    .Apply("spring-co", R"({"type":"product","scheme":"local",
                        "product_id":"spring-50crva","sector":"leaf_springs"})")
                    .ok());
  }
  // A spring lot with the given extra attributes (JSON members).
  qtrace::plugin_testkit::CheckOutcome Lot(const std::string& attributes) {
    return plugin_->Check("spring-co", R"({"type":"lot","lot":"local:spring-50crva/LS-0601",
        "quantity":"400 H87","production_time":"2026-06-01T08:00:00+08:00",
        "attributes":{)" + attributes + "}}");
  }
  std::unique_ptr<PluginUnderTest> plugin_;
};

TEST_F(LeafSpringsTest, ALotWithoutItsLoadTestReportIsRefused) {
  auto r = Lot(R"("static_load_arc_height":{"decimal":"101.5"},"design_arc_height":{"decimal":"100"})");
  EXPECT_TRUE(r.RejectedFor("load_test_report_missing")) << r.ToString();
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0].rule, "R-LS-1");
}

TEST_F(LeafSpringsTest, APassingLoadTestIsAccepted) {
  auto r = Lot(R"("load_test_report":"LT-2026-0601","static_load_arc_height":{"decimal":"104.5"},
      "design_arc_height":{"decimal":"100"})");
  EXPECT_TRUE(r.ok() && r.accepted) << r.ToString();
}

TEST_F(LeafSpringsTest, AnArcHeightOutOfToleranceIsRefused) {
  auto r = Lot(R"("load_test_report":"LT-1","static_load_arc_height":{"decimal":"107"},
      "design_arc_height":{"decimal":"100"})");
  EXPECT_TRUE(r.RejectedFor("arc_height_out_of_tolerance")) << r.ToString();
  EXPECT_EQ(r.reasons[0].message,
            "arc height 107 mm deviates 7 mm from the design 100 mm (tolerance +/-6 mm)");
  // Heavy vehicles are allowed +/-8 mm.
  r = Lot(R"("load_test_report":"LT-1","static_load_arc_height":{"decimal":"107"},
      "design_arc_height":{"decimal":"100"},"vehicle_class":"heavy")");
  EXPECT_TRUE(r.accepted) << r.ToString();
}

TEST_F(LeafSpringsTest, MissingArcHeightsAreEachReported) {
  auto r = Lot(R"("load_test_report":"LT-1")");
  EXPECT_TRUE(r.RejectedFor("arc_height_missing"));
  EXPECT_TRUE(r.RejectedFor("design_arc_height_missing"));
}

TEST_F(LeafSpringsTest, ARegulatorsParameterSetsTheTolerance) {
  ASSERT_TRUE(plugin_->state()
                  .Apply("regulator", R"({"type":"rule_parameters","sector":"leaf_springs",
                      "set_id":"ls-2026-2","params":{"arc_height_tolerance_mm":{"decimal":"2.5"}}})")
                  .ok());
  auto r = Lot(R"("load_test_report":"LT-1","static_load_arc_height":{"decimal":"103"},
      "design_arc_height":{"decimal":"100"})");
  EXPECT_TRUE(r.RejectedFor("arc_height_out_of_tolerance")) << r.ToString();
  EXPECT_NE(r.reasons[0].message.find("tolerance +/-2.5 mm"), std::string::npos);
}

TEST_F(LeafSpringsTest, DescribesItsRequiredAttributes) {
  const auto& d = plugin_->Description();
  std::vector<std::string> required;
  for (const auto* a : *d.attributes()) {
    if (a->required()) required.push_back(a->key()->str());
  }
  EXPECT_EQ(required, (std::vector<std::string>{"load_test_report", "static_load_arc_height",
                                                "design_arc_height"}));
  EXPECT_EQ(std::string(plugin_->descriptor().name), "leaf_springs");
}

}  // namespace
