// The building_materials plugin in-process, on the plugin test kit: what
// the daemon tests cannot see — the recall plan's notification targets and
// custody depth (the host keeps only its timers and closing criteria), the
// description, and rule parameters overriding the documented defaults.
#include <gtest/gtest.h>

#include <string>

#include "flatbuffers/flatbuffers.h"
#include "qtrace/fb/plugin_generated.h"
#include "qtrace/plugin/testkit.h"

namespace qtrace {
namespace {

namespace fbp = fb::plugin;
using plugin_testkit::PluginUnderTest;

constexpr char kPlugin[] = QTRACE_SECTOR_PLUGIN_DIR "/building_materials.so";

class BuildingMaterialsUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = PluginUnderTest::Load(kPlugin);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plugin_ = std::move(*p);
    auto& s = plugin_->state();
    ASSERT_TRUE(s.Apply("platform-admin", R"({"type":"party","party_id":"ezhou-amr",
        "roles":["regulator"]})").ok());
    ASSERT_TRUE(s.Apply("platform-admin", R"({"type":"party","party_id":"ezhou-cement",
        "roles":["enterprise"],"licences":[{"kind":"XK","number":"XK08-001-00931"}]})").ok());
    ASSERT_TRUE(s.Apply("ezhou-cement", R"({"type":"product","scheme":"local",
        "product_id":"cement","sector":"building_materials"})").ok());
  }
  std::string Plan(const std::string& level) {
    plugin_testkit::RecallRequestData r;
    r.level = level;
    auto bytes = plugin_->PlanRecall(r);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    return bytes.ok() ? *bytes : std::string();
  }
  static const fbp::NotifyRule* Notify(const fbp::RecallPlan& p, fbp::NotifyTarget t) {
    for (const fbp::NotifyRule* n : *p.notify()) {
      if (n->target() == t) return n;
    }
    return nullptr;
  }

  std::unique_ptr<PluginUnderTest> plugin_;
};

TEST_F(BuildingMaterialsUnitTest, DescribesItsRulesAndParameters) {
  const fbp::Description& d = plugin_->Description();
  ASSERT_NE(d.rules(), nullptr);
  std::string rules;
  for (const fbp::RuleSpec* r : *d.rules()) rules += r->id()->str() + " ";
  EXPECT_EQ(rules, "R-BM-0 R-BM-2 R-BM-3 R-BM-5 R-BM-6 R-BM-XK R-BM-8 R-BM-R ");
  bool found = false;
  for (const fbp::ParamSpec* p : *d.params()) {
    if (p->key()->str() == "ship_requires_28d_report") found = p->default_num() == 1;
  }
  EXPECT_TRUE(found);
}

TEST_F(BuildingMaterialsUnitTest, LevelANotifiesSitesWithin24HoursAndTheRegulatorIn2WorkingDays) {
  std::string bytes = Plan("A");
  const auto& p = *flatbuffers::GetRoot<fbp::RecallPlan>(bytes.data());
  EXPECT_EQ(p.custody_depth(), fbp::CustodyDepth::CONSUMER);
  const fbp::NotifyRule* consignees = Notify(p, fbp::NotifyTarget::CONSIGNEES);
  ASSERT_NE(consignees, nullptr);
  EXPECT_EQ(consignees->within_hours(), 24u);
  EXPECT_EQ(consignees->depth(), fbp::CustodyDepth::CONSUMER);  // down to the sites
  const fbp::NotifyRule* regulator = Notify(p, fbp::NotifyTarget::REGULATOR);
  ASSERT_NE(regulator, nullptr);
  EXPECT_EQ(regulator->within_working_days(), 2u);
  ASSERT_NE(Notify(p, fbp::NotifyTarget::OEM), nullptr);
  EXPECT_TRUE(p.closing()->in_situ_assessment());
  EXPECT_TRUE(p.bulk_until_emptied());
  bool composed = false;
  for (auto k : *p.propagate()) composed = composed || k == fb::EdgeKind::COMPOSED_OF;
  EXPECT_TRUE(composed);
}

TEST_F(BuildingMaterialsUnitTest, LevelsBAndCReachOnlyDirectConsignees) {
  for (const char* level : {"B", "C"}) {
    std::string bytes = Plan(level);
    const auto& p = *flatbuffers::GetRoot<fbp::RecallPlan>(bytes.data());
    EXPECT_EQ(p.custody_depth(), fbp::CustodyDepth::WHOLESALE) << level;
    ASSERT_NE(Notify(p, fbp::NotifyTarget::CONSIGNEES), nullptr) << level;
    EXPECT_EQ(Notify(p, fbp::NotifyTarget::CONSIGNEES)->within_hours(),
              std::string(level) == "B" ? 72u : 168u);
    EXPECT_FALSE(p.closing()->in_situ_assessment()) << level;
  }
}

// An order with another level is refused (R-BM-R); asked directly, the plan
// falls back to the most protective level and says so.
TEST_F(BuildingMaterialsUnitTest, AnUnknownLevelIsPlannedAsLevelA) {
  std::string bytes = Plan("1");
  const auto& p = *flatbuffers::GetRoot<fbp::RecallPlan>(bytes.data());
  EXPECT_TRUE(p.closing()->in_situ_assessment());
  ASSERT_NE(p.notes(), nullptr);
  EXPECT_EQ(p.notes()->Get(p.notes()->size() - 1)->str(),
            "level '1' is not A, B or C: planned as level A");
}

TEST_F(BuildingMaterialsUnitTest, ARegulatorsGradeListOverridesTheDefault) {
  std::string lot = R"({"type":"lot","lot":"local:cement/PC-1","quantity":"100 TNE",
      "production_time":"2026-05-01T08:00:00+08:00","attributes":{"material":"cement",
      "product_standard":"GB 175-2023","cement_type":"P·C","strength_grade":"52.5R",
      "xk_licence_no":"XK08-001-00931"}})";
  auto ok = plugin_->Check("ezhou-cement", lot);
  EXPECT_TRUE(ok.accepted) << ok.ToString();
  ASSERT_TRUE(plugin_->state().Apply("ezhou-amr", R"({"type":"rule_parameters",
      "sector":"building_materials","set_id":"bm-1","params":{"grades_composite":"42.5,42.5R"}})")
                  .ok());
  auto refused = plugin_->Check("ezhou-cement", lot);
  EXPECT_FALSE(refused.accepted);
  EXPECT_TRUE(refused.RejectedFor("strength_grade_not_allowed")) << refused.ToString();
}

}  // namespace
}  // namespace qtrace
