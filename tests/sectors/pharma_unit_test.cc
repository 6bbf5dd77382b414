// The pharma plugin in process, on the plugin test kit: the parts of its
// recall plan the host does not echo back (every deadline kind, notify
// targets, calendar, propagation, closing criteria), its rule parameters,
// and lot checks on situations the daemon tests do not build.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/plugin/testkit.h"

namespace qtrace {
namespace {

namespace fbp = ::qtrace::fb::plugin;
using plugin_testkit::PluginUnderTest;
using plugin_testkit::RecallRequestData;

const char kPlugin[] = QTRACE_SECTOR_PLUGIN_DIR "/pharma.so";

class PharmaUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = PluginUnderTest::Load(kPlugin);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plugin_ = std::move(*p);
    Apply("platform-admin", R"({"type":"party","party_id":"maker","roles":["enterprise"],
        "licences":[{"kind":"drug_mfg","number":"HB20240022"}]})");
    Apply("platform-admin", R"({"type":"party","party_id":"nmpa","roles":["regulator"]})");
    Apply("maker", R"({"type":"product","scheme":"national","product_id":"86900001000019",
        "sector":"pharma"})");
    Apply("maker", R"({"type":"product","scheme":"local","product_id":"api","sector":"pharma"})");
  }
  void Apply(const std::string& party, const std::string& json) {
    Status s = plugin_->state().Apply(party, json);
    ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  }
  const fbp::RecallPlan* Plan(const std::string& level, uint32_t seed_lots = 1,
                              uint32_t seed_serials = 0) {
    RecallRequestData q;
    q.level = level;
    q.seed_lots = seed_lots;
    q.seed_serials = seed_serials;
    auto bytes = plugin_->PlanRecall(q);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    plan_bytes_ = bytes.ok() ? *bytes : std::string();
    return flatbuffers::GetRoot<fbp::RecallPlan>(plan_bytes_.data());
  }
  static const fbp::Deadline* Find(const fbp::RecallPlan* p, fbp::DeadlineKind k) {
    for (const fbp::Deadline* d : *p->deadlines()) {
      if (d->kind() == k) return d;
    }
    return nullptr;
  }
  static const fbp::NotifyRule* Find(const fbp::RecallPlan* p, fbp::NotifyTarget t) {
    for (const fbp::NotifyRule* n : *p->notify()) {
      if (n->target() == t) return n;
    }
    return nullptr;
  }
  static bool Propagates(const fbp::RecallPlan* p, fb::EdgeKind k) {
    return std::find(p->propagate()->begin(), p->propagate()->end(), k) != p->propagate()->end();
  }
  // A finished tablet lot with two packs; `extra` is spliced into the JSON.
  static std::string Tablets(const std::string& extra = "") {
    return R"({"type":"lot","lot":"national:86900001000019/TB-1","quantity":"2 EA",
        "production_time":"2026-09-20T08:00:00+08:00","expiry_time":"2028-09-30T00:00:00+08:00",
        "attributes":{"approval_number":"国药准字Z20213456"},
        "serials":["81234561000001000001","81234561000001000002"])" + extra + "}";
  }

  std::unique_ptr<PluginUnderTest> plugin_;
  std::string plan_bytes_;
};

TEST_F(PharmaUnitTest, RecallLevelsFollowTheDrugRecallRules) {
  struct Case {
    const char* level;
    uint32_t hours;
    bool public_notice;
    const char* effectiveness;
  };
  for (Case c : {Case{"1", 24, true, "A"}, Case{"2", 72, true, "B"}, Case{"3", 168, false, "C"}}) {
    SCOPED_TRACE(c.level);
    const fbp::RecallPlan* p = Plan(c.level);
    EXPECT_EQ(p->level()->str(), c.level);
    for (auto k : {fbp::DeadlineKind::NOTIFY, fbp::DeadlineKind::FILE_PLAN,
                   fbp::DeadlineKind::ACKNOWLEDGE, fbp::DeadlineKind::PROGRESS_REPORT}) {
      const fbp::Deadline* d = Find(p, k);
      ASSERT_NE(d, nullptr) << fbp::EnumNameDeadlineKind(k);
      EXPECT_EQ(d->hours(), c.hours) << fbp::EnumNameDeadlineKind(k);
    }
    EXPECT_TRUE(Find(p, fbp::DeadlineKind::PROGRESS_REPORT)->repeat());
    EXPECT_EQ(Find(p, fbp::DeadlineKind::COMPLETE)->hours(), 30u * 24);
    const fbp::Deadline* summary = Find(p, fbp::DeadlineKind::SUMMARY);
    EXPECT_EQ(summary->working_days(), 10u);
    EXPECT_EQ(summary->anchor(), fbp::DeadlineAnchor::COMPLETED);
    EXPECT_EQ(Find(p, fbp::DeadlineKind::REVIEW)->hours(), 10u * 24);
    EXPECT_EQ(p->calendar()->name()->str(), "CN");
    EXPECT_EQ(p->calendar()->utc_offset_minutes(), 480);
    ASSERT_NE(Find(p, fbp::NotifyTarget::REGULATOR), nullptr);
    EXPECT_EQ(Find(p, fbp::NotifyTarget::REGULATOR)->within_hours(), c.hours);
    EXPECT_NE(Find(p, fbp::NotifyTarget::CONSIGNEES), nullptr);
    EXPECT_NE(Find(p, fbp::NotifyTarget::RESPONSIBLE), nullptr);
    EXPECT_EQ(Find(p, fbp::NotifyTarget::PUBLIC) != nullptr, c.public_notice);
    EXPECT_EQ(p->public_notice(), c.public_notice);
    for (auto k : {fb::EdgeKind::COMPOSED_OF, fb::EdgeKind::SPLIT_FROM, fb::EdgeKind::MERGED_INTO,
                   fb::EdgeKind::CONTAINED_IN, fb::EdgeKind::PACKAGED_WITH,
                   fb::EdgeKind::LABELLED_WITH}) {
      EXPECT_TRUE(Propagates(p, k)) << fb::EnumNameEdgeKind(k);
    }
    EXPECT_TRUE(p->serial_level());
    EXPECT_TRUE(p->through_units());
    const fbp::ClosingCriteria* closing = p->closing();
    EXPECT_TRUE(closing->all_acknowledged());
    EXPECT_TRUE(closing->reconciled());
    EXPECT_TRUE(closing->disposal_evidence());
    EXPECT_TRUE(closing->summary());
    EXPECT_TRUE(closing->regulator_review());
    EXPECT_EQ(closing->effectiveness_level()->str(), c.effectiveness);
  }
}

TEST_F(PharmaUnitTest, SerialLevelRecallNotifiesWithin24Hours) {
  const fbp::RecallPlan* p = Plan("3", /*seed_lots=*/0, /*seed_serials=*/3);
  EXPECT_EQ(Find(p, fbp::DeadlineKind::NOTIFY)->hours(), 24u);
  EXPECT_EQ(Find(p, fbp::DeadlineKind::ACKNOWLEDGE)->hours(), 24u);
  EXPECT_EQ(Find(p, fbp::DeadlineKind::FILE_PLAN)->hours(), 168u);  // filing keeps the level's
  EXPECT_EQ(Find(p, fbp::DeadlineKind::PROGRESS_REPORT)->hours(), 168u);
  // Serials plus a lot: a lot-level recall, the level's own clock.
  p = Plan("3", 1, 3);
  EXPECT_EQ(Find(p, fbp::DeadlineKind::NOTIFY)->hours(), 168u);
}

TEST_F(PharmaUnitTest, RegulatorParametersOverrideTheDefaults) {
  Apply("nmpa", R"({"type":"rule_parameters","sector":"pharma","set_id":"p-1",
      "params":{"recall_days_level_2":5,"recall_summary_working_days":15,"require_trace_codes":0}})");
  const fbp::RecallPlan* p = Plan("2");
  EXPECT_EQ(Find(p, fbp::DeadlineKind::NOTIFY)->hours(), 120u);
  EXPECT_EQ(Find(p, fbp::DeadlineKind::SUMMARY)->working_days(), 15u);
  // Trace codes no longer required.
  auto r = plugin_->Check("maker", R"({"type":"lot","lot":"national:86900001000019/TB-9",
      "quantity":"2 EA","production_time":"2026-09-20T08:00:00+08:00",
      "expiry_time":"2028-09-30T00:00:00+08:00","attributes":{"approval_number":"国药准字Z20213456"}})");
  EXPECT_TRUE(r.ok()) << r.ToString();
  EXPECT_TRUE(r.accepted) << r.ToString();
}

TEST_F(PharmaUnitTest, DescribesEveryParameterWithItsDefault) {
  const fbp::Description& d = plugin_->Description();
  ASSERT_NE(d.params(), nullptr);
  bool found = false;
  for (const fbp::ParamSpec* p : *d.params()) {
    if (p->key()->str() == "approval_validity_years") {
      found = true;
      EXPECT_EQ(p->default_num(), 5);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(d.sectors()->Get(0)->str(), "pharma");
}

TEST_F(PharmaUnitTest, LotChecks) {
  // A traditional Chinese medicine (Z) needs no API; a good lot passes.
  auto ok = plugin_->Check("maker", Tablets());
  EXPECT_TRUE(ok.accepted) << ok.ToString();

  auto no_expiry = plugin_->Check("maker", R"({"type":"lot","lot":"national:86900001000019/TB-2",
      "quantity":"1 EA","production_time":"2026-09-20T08:00:00+08:00",
      "attributes":{"approval_number":"国药准字Z20213456"},"serials":["81234561000001000009"]})");
  EXPECT_TRUE(no_expiry.RejectedFor("expiry_missing")) << no_expiry.ToString();

  auto no_codes = plugin_->Check("maker", R"({"type":"lot","lot":"national:86900001000019/TB-3",
      "quantity":"1 EA","production_time":"2026-09-20T08:00:00+08:00",
      "expiry_time":"2028-09-30T00:00:00+08:00","attributes":{"approval_number":"国药准字Z20213456"}})");
  EXPECT_TRUE(no_codes.RejectedFor("trace_codes_missing")) << no_codes.ToString();

  auto no_category = plugin_->Check("maker", R"({"type":"lot","lot":"local:api/A-1",
      "quantity":"5 KGM","production_time":"2026-09-01T08:00:00+08:00"})");
  EXPECT_TRUE(no_category.RejectedFor("category_missing")) << no_category.ToString();

  // Legacy GMP flags are accepted with a note.
  auto gmp = plugin_->Check("maker", R"({"type":"lot","lot":"local:api/A-1","quantity":"5 KGM",
      "production_time":"2026-09-01T08:00:00+08:00","attributes":{"category":"api","gmp":true}})");
  EXPECT_TRUE(gmp.accepted) << gmp.ToString();
  ASSERT_EQ(gmp.notes.size(), 1u);
  EXPECT_NE(gmp.notes[0].find("abolished"), std::string::npos);

  // An API lot past its expiry on the day of use (chemical drug, H).
  Apply("maker", R"({"type":"lot","lot":"local:api/A-OLD","quantity":"5 KGM",
      "production_time":"2024-09-01T08:00:00+08:00","expiry_time":"2026-09-01T00:00:00+08:00",
      "attributes":{"category":"api"}})");
  auto expired = plugin_->Check("maker", R"({"type":"lot","lot":"national:86900001000019/TB-4",
      "quantity":"1 EA","production_time":"2026-09-20T08:00:00+08:00",
      "expiry_time":"2028-09-30T00:00:00+08:00","inputs":[{"lot":"local:api/A-OLD","quantity":"1 KGM"}],
      "attributes":{"approval_number":"国药准字H20213456"},"serials":["81234561000001000010"]})");
  EXPECT_TRUE(expired.RejectedFor("api_expired")) << expired.ToString();
}

}  // namespace
}  // namespace qtrace
