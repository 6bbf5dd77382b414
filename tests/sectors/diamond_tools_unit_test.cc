// The diamond_tools plugin in-process, on the plugin test kit: its
// description, and the recall plan of each level of sector-rules.md 3(d)
// in full (notification targets, custody depth, the authority-report
// deadline, closing criteria), which the daemon's recall view only shows in
// part.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/plugin/testkit.h"

namespace qtrace {
namespace {

namespace fbp = fb::plugin;
using plugin_testkit::PluginUnderTest;
using plugin_testkit::RecallRequestData;

class DiamondToolsUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = PluginUnderTest::Load(std::string(QTRACE_SECTOR_PLUGIN_DIR) + "/diamond_tools.so");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plugin_ = std::move(*p);
  }
  // The plan for `level`; the bytes stay in plan_bytes_.
  const fbp::RecallPlan* Plan(const std::string& level) {
    RecallRequestData req;
    req.level = level;
    auto bytes = plugin_->PlanRecall(req);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    if (!bytes.ok()) return nullptr;
    plan_bytes_ = std::move(*bytes);
    return flatbuffers::GetRoot<fbp::RecallPlan>(plan_bytes_.data());
  }
  static const fbp::NotifyRule* Notify(const fbp::RecallPlan* p, fbp::NotifyTarget t) {
    if (p->notify() == nullptr) return nullptr;
    for (const fbp::NotifyRule* n : *p->notify()) {
      if (n->target() == t) return n;
    }
    return nullptr;
  }
  static const fbp::Deadline* Deadline(const fbp::RecallPlan* p, fbp::DeadlineKind k) {
    if (p->deadlines() == nullptr) return nullptr;
    for (const fbp::Deadline* d : *p->deadlines()) {
      if (d->kind() == k) return d;
    }
    return nullptr;
  }
  static bool Propagates(const fbp::RecallPlan* p, fb::EdgeKind k) {
    return p->propagate() != nullptr &&
           std::find(p->propagate()->begin(), p->propagate()->end(), k) != p->propagate()->end();
  }

  std::unique_ptr<PluginUnderTest> plugin_;
  std::string plan_bytes_;
};

TEST_F(DiamondToolsUnitTest, DescribesItsSectorRulesAndParameters) {
  const fbp::Description& d = plugin_->Description();
  ASSERT_NE(d.sectors(), nullptr);
  EXPECT_EQ(d.sectors()->Get(0)->string_view(), "diamond_tools");
  bool factor = false;
  for (const fbp::ParamSpec* p : *d.params()) {
    if (p->key()->string_view() == "rotation_test_factor") {
      factor = true;
      EXPECT_EQ(p->default_num(), 15);
      EXPECT_EQ(p->scale(), 1);
    }
  }
  EXPECT_TRUE(factor);
  EXPECT_GE(d.rules()->size(), 9u);
}

TEST_F(DiamondToolsUnitTest, ASeriousRecallReachesEndUsersWithinADay) {
  const fbp::RecallPlan* p = Plan("serious");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->custody_depth(), fbp::CustodyDepth::CONSUMER);
  for (auto k : {fb::EdgeKind::COMPOSED_OF, fb::EdgeKind::LABELLED_WITH,
                 fb::EdgeKind::RECONDITIONED_FROM}) {
    EXPECT_TRUE(Propagates(p, k)) << static_cast<int>(k);
  }
  EXPECT_FALSE(Propagates(p, fb::EdgeKind::PACKAGED_WITH));
  EXPECT_TRUE(p->through_units());  // furnace runs, for their window only
  const fbp::NotifyRule* holders = Notify(p, fbp::NotifyTarget::HOLDERS);
  ASSERT_NE(holders, nullptr);
  EXPECT_EQ(holders->depth(), fbp::CustodyDepth::CONSUMER);
  EXPECT_EQ(holders->within_hours(), 24u);
  const fbp::NotifyRule* regulator = Notify(p, fbp::NotifyTarget::REGULATOR);
  ASSERT_NE(regulator, nullptr);
  EXPECT_EQ(regulator->within_working_days(), 2u);
  EXPECT_TRUE(p->public_notice());
  const fbp::Deadline* report = Deadline(p, fbp::DeadlineKind::PROGRESS_REPORT);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->hours(), 7u * 24);
  EXPECT_TRUE(report->repeat());
  EXPECT_EQ(p->closing()->min_accounted_ppm(), 950'000u);
  EXPECT_FALSE(p->closing()->reconciled());
}

TEST_F(DiamondToolsUnitTest, ModerateGoesToRetailAndLowToWholesale) {
  const fbp::RecallPlan* m = Plan("moderate");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->custody_depth(), fbp::CustodyDepth::RETAIL);
  EXPECT_EQ(Deadline(m, fbp::DeadlineKind::NOTIFY)->hours(), 72u);
  EXPECT_EQ(Deadline(m, fbp::DeadlineKind::PROGRESS_REPORT)->hours(), 14u * 24);
  EXPECT_EQ(Notify(m, fbp::NotifyTarget::PUBLIC), nullptr);

  const fbp::RecallPlan* l = Plan("low");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->custody_depth(), fbp::CustodyDepth::WHOLESALE);
  EXPECT_EQ(Deadline(l, fbp::DeadlineKind::NOTIFY)->hours(), 7u * 24);
  EXPECT_EQ(Deadline(l, fbp::DeadlineKind::PROGRESS_REPORT), nullptr);  // reported at close
}

TEST_F(DiamondToolsUnitTest, TheAuthorityReportDeadlineIsARuleParameter) {
  ASSERT_TRUE(plugin_->state()
                  .Apply("platform-admin", R"({"type":"party","party_id":"ezhou-amr",
                      "roles":["regulator"]})")
                  .ok());
  ASSERT_TRUE(plugin_->state()
                  .Apply("ezhou-amr", R"({"type":"rule_parameters","sector":"diamond_tools",
                      "set_id":"dt-1","params":{"authority_report_working_days":3}})")
                  .ok());
  const fbp::RecallPlan* p = Plan("serious");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Notify(p, fbp::NotifyTarget::REGULATOR)->within_working_days(), 3u);
}

// The daemon refuses such an order (R-DT-R); asked anyway, the plugin plans
// the most protective level rather than none.
TEST_F(DiamondToolsUnitTest, AnUnknownLevelIsPlannedAsSerious) {
  const fbp::RecallPlan* p = Plan("1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->custody_depth(), fbp::CustodyDepth::CONSUMER);
  EXPECT_EQ(p->closing()->min_accounted_ppm(), 950'000u);
  ASSERT_NE(p->notes(), nullptr);
  EXPECT_NE(p->notes()->Get(p->notes()->size() - 1)->string_view().find("planned as serious"),
            std::string_view::npos);
}

}  // namespace
}  // namespace qtrace
