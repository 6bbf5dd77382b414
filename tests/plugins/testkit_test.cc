// The plugin test kit, as a plugin author uses it: a built plugin run on
// hand-made records and state, without a daemon.
#include <gtest/gtest.h>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/plugin/testkit.h"

namespace qtrace::plugin_testkit {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(QTRACE_FIXTURE_DIR) + "/fixture_" + name + ".so";
}

class TestKitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = PluginUnderTest::Load(Fixture("good"));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plugin_ = std::move(*p);
    auto& s = plugin_->state();
    ASSERT_TRUE(s.Apply("admin", R"({"type":"party","party_id":"farm","roles":["enterprise"]})").ok());
    ASSERT_TRUE(s.Apply("farm", R"({"type":"product","scheme":"local","product_id":"p",
        "sector":"fixture_good"})").ok());
  }
  std::unique_ptr<PluginUnderTest> plugin_;
};

TEST_F(TestKitTest, RunsTheChecksOfABuiltPlugin) {
  auto r = plugin_->Check("farm", R"({"type":"lot","lot":"local:p/L1","quantity":"5 KGM",
      "production_time":"2026-05-01T08:00:00Z"})");
  ASSERT_TRUE(r.ok()) << r.ToString();
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.RejectedFor("grade_missing")) << r.ToString();
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0].rule, "R-G-1");
  EXPECT_EQ(r.reasons[0].field, "attributes.grade");

  r = plugin_->Check("farm", R"({"type":"lot","lot":"local:p/L1","quantity":"5000 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  EXPECT_TRUE(r.ok() && r.accepted) << r.ToString();
  EXPECT_EQ(r.notes, std::vector<std::string>{"large lot (over 1000 kg)"});
}

TEST_F(TestKitTest, StateBuiltFromRecordsFeedsTheLookups) {
  auto& s = plugin_->state();
  ASSERT_TRUE(s.Apply("farm", R"({"type":"lot","lot":"local:p/IN","quantity":"5 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})").ok());
  ASSERT_TRUE(s.Apply("farm", R"({"type":"lot_status","lot":"local:p/IN","status":"quarantined"})").ok());
  auto r = plugin_->Check("farm", R"({"type":"lot","lot":"local:p/OUT","quantity":"1 KGM",
      "production_time":"2026-05-02T08:00:00Z","attributes":{"grade":"A"},
      "inputs":[{"lot":"local:p/IN","quantity":"1 KGM"}]})");
  EXPECT_TRUE(r.RejectedFor("input_on_hold")) << r.ToString();
  // Rule parameters change the plugin's threshold.
  ASSERT_TRUE(s.Apply("reg", R"({"type":"rule_parameters","sector":"fixture_good","set_id":"t",
      "params":{"large_lot_kg":1}})").ok());
  r = plugin_->Check("farm", R"({"type":"lot","lot":"local:p/L2","quantity":"2 KGM",
      "production_time":"2026-05-02T08:00:00Z","attributes":{"grade":"B"}})");
  EXPECT_EQ(r.notes, std::vector<std::string>{"large lot (over 1 kg)"});
}

TEST_F(TestKitTest, CertificationChecksUseTheEventTime) {
  auto& s = plugin_->state();
  ASSERT_TRUE(s.Apply("cb", R"({"type":"certificate","cert_id":"C-1","kind":"organic",
      "subject_party":"farm","valid_from":"2026-01-01T00:00:00Z"})").ok());
  ASSERT_TRUE(s.Apply("cb", R"({"type":"certificate_status","cert_id":"C-1","status":"suspended",
      "effective":"2026-05-10T00:00:00Z","event_time":"2026-05-11T00:00:00Z"})").ok());
  const char* before = R"({"type":"lot","lot":"local:p/L1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"},"certificates":[{"cert_id":"C-1"}]})";
  const char* after = R"({"type":"lot","lot":"local:p/L2","quantity":"1 KGM",
      "production_time":"2026-05-12T08:00:00Z","attributes":{"grade":"A"},"certificates":[{"cert_id":"C-1"}]})";
  EXPECT_TRUE(plugin_->CheckCertification("farm", before).accepted);
  EXPECT_TRUE(plugin_->CheckCertification("farm", after).RejectedFor("certificate_invalid"));
}

TEST_F(TestKitTest, CheckAndApplyBuildsAChainThroughThePlugin) {
  auto r = plugin_->CheckAndApply("farm", R"({"type":"lot","lot":"local:p/A","quantity":"5 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  ASSERT_TRUE(r.accepted) << r.ToString();
  r = plugin_->CheckAndApply("farm", R"({"type":"lot","lot":"local:p/B","quantity":"5 KGM",
      "production_time":"2026-05-01T08:00:00Z"})");
  EXPECT_FALSE(r.accepted);
  r = plugin_->Check("farm", R"({"type":"lot","lot":"local:p/C","quantity":"1 KGM",
      "production_time":"2026-05-02T08:00:00Z","attributes":{"grade":"A"},
      "inputs":[{"lot":"local:p/A","quantity":"1 KGM"}]})");
  EXPECT_TRUE(r.accepted) << r.ToString();
}

TEST_F(TestKitTest, DescriptionPlanAndLogAreAvailable) {
  const auto& d = plugin_->Description();
  ASSERT_NE(d.attributes(), nullptr);
  EXPECT_EQ(d.attributes()->Get(0)->key()->str(), "grade");
  EXPECT_TRUE(d.attributes()->Get(0)->required());
  EXPECT_EQ(d.sectors()->Get(0)->str(), "fixture_good");
  EXPECT_EQ(plugin_->log(), std::vector<std::string>{"info: fixture_good ready"});

  RecallRequestData q;
  q.level = "2";
  auto plan = plugin_->PlanRecall(q);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const auto* p = flatbuffers::GetRoot<fb::plugin::RecallPlan>(plan->data());
  EXPECT_EQ(p->level()->str(), "2");
  EXPECT_FALSE(p->public_notice());
  ASSERT_EQ(p->deadlines()->size(), 4u);
  EXPECT_EQ(p->deadlines()->Get(0)->hours(), 48u);
  EXPECT_EQ(p->calendar()->name()->str(), "CN");
}

TEST(TestKitFailureTest, ReportsWhatTheHostWouldRefuse) {
  auto chaos = PluginUnderTest::Load(Fixture("chaos"));
  ASSERT_TRUE(chaos.ok()) << chaos.status().ToString();
  ASSERT_TRUE((*chaos)->state().Apply("f", R"({"type":"product","scheme":"local","product_id":"c","sector":"chaos"})").ok());
  auto r = (*chaos)->Check("f", R"({"type":"lot","lot":"local:c/1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"chaos":"throw"}})");
  EXPECT_EQ(r.status, QT_ERR_INTERNAL);
  EXPECT_EQ(r.error, "check_record threw: chaos: thrown on purpose");
  r = (*chaos)->Check("f", R"({"type":"lot","lot":"local:c/1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"chaos":"garbage"}})");
  EXPECT_EQ(r.status, QT_OK);
  EXPECT_FALSE(r.verified);

  auto bad = PluginUnderTest::Load(Fixture("throws_in_create"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no licence database configured"), std::string::npos);
  EXPECT_FALSE(PluginUnderTest::Load(Fixture("malformed")).ok());
}

}  // namespace
}  // namespace qtrace::plugin_testkit
