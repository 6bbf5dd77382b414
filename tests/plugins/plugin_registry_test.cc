// The plugin registry as the ledger's RecordPolicy, on a real ledger with
// real fixture plugins: sector routing, refusals with the plugin's reasons,
// decisions in the log, plugin failures that refuse one record and change
// nothing, host-service lookups served from the ledger state, recall plans.
#include <gtest/gtest.h>

#include <set>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/host/plugin_registry.h"
#include "qtrace/log_entry.h"
#include "qtrace/record_json.h"
#include "testing/ledger_harness.h"

namespace qtrace::host {
namespace {

using testing::LedgerHarness;

std::string Fixture(const std::string& name) {
  return std::string(QTRACE_FIXTURE_DIR) + "/fixture_" + name + ".so";
}

struct Decision {
  std::string engine, version, rule_set, param_set, verdict;
  std::vector<std::string> notes;
};

class PluginRegistryTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> fixtures, PluginRegistryOptions o = {},
             bool entry_loader = true) {
    o.load.allow_unload = true;
    registry_ = PluginRegistry::CreateEmpty(o);
    for (const auto& f : fixtures) {
      Status s = registry_->Add(Fixture(f));
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    LedgerOptions lo;
    lo.policy = registry_.get();
    h_ = std::make_unique<LedgerHarness>(lo);
    if (entry_loader) {
      registry_->SetEntryLoader([this](uint64_t i) { return h_->ledger().EntryAt(i); });
    }
    h_->AddEnterprise("farm");
    h_->AddEnterprise("shop");
    h_->AddParty("cb", R"(["certifier"])");
    h_->AddParty("lab", R"(["lab"])");
    h_->AddParty("reg", R"(["regulator"])");
  }

  IngestResult Ok(const std::string& party, const std::string& json) {
    IngestResult r = h_->Submit(party, json);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << json;
    return r;
  }
  static std::vector<Decision> Decisions(const IngestResult& r) {
    std::vector<Decision> out;
    if (!r.entry) return out;
    auto e = VerifyLogEntry(*r.entry);
    if (!e.ok() || (*e)->decisions() == nullptr) return out;
    for (const fb::Decision* d : *(*e)->decisions()) {
      Decision x{d->engine()->str(), d->version()->str(), d->rule_set()->str(),
                 d->param_set() ? d->param_set()->str() : "", d->verdict()->str(), {}};
      if (d->notes()) {
        for (const auto* n : *d->notes()) x.notes.push_back(n->str());
      }
      out.push_back(std::move(x));
    }
    return out;
  }
  static std::optional<Decision> DecisionOf(const std::vector<Decision>& ds,
                                            const std::string& engine) {
    for (const auto& d : ds) {
      if (d.engine == engine) return d;
    }
    return std::nullopt;
  }
  // The products of the loaded plugins' sectors.
  void Products() {
    if (registry_->FindBySector("fixture_good")) {
      Ok("farm", R"({"type":"product","scheme":"local","product_id":"good","sector":"fixture_good"})");
    }
    if (registry_->FindBySector("chaos")) {
      Ok("farm", R"({"type":"product","scheme":"local","product_id":"chaos","sector":"chaos"})");
    }
  }
  std::string ChaosLot(const std::string& code, const std::string& mode) {
    return R"({"type":"lot","lot":"local:chaos/)" + code +
           R"(","quantity":"10 KGM","production_time":"2026-05-01T08:00:00Z","attributes":{"chaos":")" +
           mode + R"("}})";
  }

  std::unique_ptr<PluginRegistry> registry_;  // outlives the ledger
  std::unique_ptr<LedgerHarness> h_;
};

TEST_F(PluginRegistryTest, AcceptedRecordsCarryThePluginsDecision) {
  Start({"good", "chaos"});
  auto product = Ok("farm", R"({"type":"product","scheme":"local","product_id":"good","sector":"fixture_good"})");
  auto ds = Decisions(product);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].engine, "core");
  EXPECT_EQ(ds[1].engine, "fixture_good");
  EXPECT_EQ(ds[1].version, "1.2.3");
  EXPECT_EQ(ds[1].rule_set, "fixture-good/2026.1");
  EXPECT_EQ(ds[1].param_set, "");
  EXPECT_EQ(ds[1].verdict, "accept");

  auto lot = Ok("farm", R"({"type":"lot","lot":"local:good/L1","quantity":"10 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  ASSERT_TRUE(DecisionOf(Decisions(lot), "fixture_good"));
}

TEST_F(PluginRegistryTest, ARuleViolationIsRefusedWithThePluginsReasons) {
  Start({"good"});
  Products();
  uint64_t size = h_->ledger().LogSize();
  auto r = h_->Submit("farm", R"({"type":"lot","lot":"local:good/L1","quantity":"10 KGM",
      "production_time":"2026-05-01T08:00:00Z"})");
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status.reason(), "grade_missing");
  EXPECT_EQ(r.status.message(), "fixture_good: a fixture_good lot needs a grade");
  ASSERT_EQ(r.status.details().size(), 1u);
  EXPECT_EQ(r.status.details()[0],
            "fixture_good R-G-1 attributes.grade: a fixture_good lot needs a grade");
  r = h_->Submit("farm", R"({"type":"lot","lot":"local:good/L1","quantity":"10 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"Z"}})");
  EXPECT_EQ(r.status.reason(), "grade_invalid");
  EXPECT_EQ(h_->ledger().LogSize(), size);  // nothing stored
  EXPECT_EQ(registry_->GetStats().rejected, 2u);
}

TEST_F(PluginRegistryTest, ARecordOfASectorWithoutAPluginIsRefused) {
  Start({"good"});
  auto r = h_->Submit("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})");
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status.reason(), "no_plugin_for_sector");
  EXPECT_NE(r.status.message().find("no plugin is loaded for sector 'agriculture'"),
            std::string::npos);
  // Records without a sector need no plugin (the parties above were
  // registered); an empty registry still registers parties.
}

TEST_F(PluginRegistryTest, RecordsOfOtherTypesOfTheSectorPassWithoutACall) {
  Start({"chaos"});
  // chaos checks lots and shipments only; its products pass uncalled.
  auto r = Ok("farm", R"({"type":"product","scheme":"local","product_id":"chaos","sector":"chaos"})");
  EXPECT_EQ(Decisions(r).size(), 1u);  // core only
  EXPECT_EQ(registry_->GetStats().calls, 0u);
}

TEST_F(PluginRegistryTest, AShipmentIsCheckedByThePluginOfEverySectorInIt) {
  Start({"good", "chaos"});
  Products();
  Ok("farm", R"({"type":"lot","lot":"local:good/G1","quantity":"10 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  Ok("farm", ChaosLot("C1", ""));
  auto r = Ok("farm", R"({"type":"shipment","shipment_id":"S1","to":"shop","items":[
      {"lot":"local:good/G1","quantity":"1 KGM"},{"lot":"local:chaos/C1","quantity":"1 KGM"}]})");
  auto ds = Decisions(r);
  EXPECT_TRUE(DecisionOf(ds, "fixture_good"));
  EXPECT_TRUE(DecisionOf(ds, "fixture_chaos"));
  auto rc = Ok("shop", R"({"type":"receipt","from":"farm","shipment_id":"S1","items":[
      {"lot":"local:good/G1","quantity":"1 KGM"}]})");
  EXPECT_EQ(Decisions(rc).size(), 1u);  // neither plugin checks receipts: core only
}

TEST_F(PluginRegistryTest, TheDecisionNamesTheRuleParameterSetUsed) {
  Start({"good"});
  Products();
  Ok("reg", R"({"type":"rule_parameters","sector":"fixture_good","set_id":"fg-2026-2",
      "params":{"large_lot_kg":50}})");
  auto r = Ok("farm", R"({"type":"lot","lot":"local:good/L1","quantity":"80 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"B"}})");
  auto d = DecisionOf(Decisions(r), "fixture_good");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->param_set, "fg-2026-2");
  EXPECT_EQ(d->notes, std::vector<std::string>{"large lot (over 50 kg)"});
}

struct FailureCase {
  const char* mode;
  const char* message;  // part of the refusal's message
  friend std::ostream& operator<<(std::ostream& os, const FailureCase& c) { return os << c.mode; }
};

class PluginFailureTest : public PluginRegistryTest,
                          public ::testing::WithParamInterface<FailureCase> {};

TEST_P(PluginFailureTest, RefusesThatRecordOnlyAndChangesNothing) {
  Start({"chaos"});
  Products();
  uint64_t size = h_->ledger().LogSize();
  auto r = h_->Submit("farm", ChaosLot("BAD", GetParam().mode));
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition) << r.status.ToString();
  EXPECT_EQ(r.status.reason(), "plugin_failed");
  EXPECT_NE(r.status.message().find("plugin fixture_chaos 0.0.1"), std::string::npos)
      << r.status.message();
  EXPECT_NE(r.status.message().find(GetParam().message), std::string::npos) << r.status.message();
  EXPECT_EQ(h_->ledger().LogSize(), size);
  EXPECT_FALSE(h_->ledger().WithState([](const LedgerState& s) {
    return s.FindLot(fb::IdScheme::LOCAL, "chaos", "BAD").has_value();
  }));
  EXPECT_EQ(registry_->GetStats().failed, 1u);
  // The host goes on: the same lot, well behaved this time, is accepted.
  Ok("farm", ChaosLot("BAD", ""));
}

INSTANTIATE_TEST_SUITE_P(
    Modes, PluginFailureTest,
    ::testing::Values(FailureCase{"throw", "(status 5): check_record threw: chaos: thrown on purpose"},
                      FailureCase{"internal", "(status 5): chaos: the rule database is unavailable"},
                      FailureCase{"garbage", "returned a malformed CheckResult from check_record on this lot record (40 bytes"},
                      FailureCase{"truncated", "returned a malformed CheckResult"},
                      FailureCase{"oversize", "(status 4): its result exceeded 1048576 bytes"},
                      FailureCase{"empty", "malformed CheckResult from check_record on this lot record (0 bytes"},
                      FailureCase{"bad_verdict", "malformed CheckResult"}),
    [](const ::testing::TestParamInfo<FailureCase>& i) { return std::string(i.param.mode); });

TEST_F(PluginRegistryTest, ARejectionWithoutAReasonStillNamesThePlugin) {
  Start({"chaos"});
  Products();
  auto r = h_->Submit("farm", ChaosLot("X", "silent_reject"));
  EXPECT_EQ(r.status.reason(), "plugin_rule");
  EXPECT_EQ(r.status.message(), "fixture_chaos: rejected the lot record without giving a reason");
}

TEST_F(PluginRegistryTest, HostServicesAnswerFromTheLedgerState) {
  Start({"chaos"});
  Products();
  Ok("farm", R"({"type":"product","scheme":"local","product_id":"feed","sector":"chaos"})");
  Ok("farm", R"({"type":"lot","lot":"local:feed/F1","quantity":"100 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  Ok("farm", R"({"type":"unit","unit_id":"pond-1","kind":"pond","sector":"chaos"})");
  Ok("farm", R"({"type":"unit_event","unit":"pond-1","kind":"input_applied",
      "input":"local:feed/F1","quantity":"5 KGM","start":"2026-05-10T08:00:00Z"})");
  Ok("cb", R"({"type":"certificate","cert_id":"CERT-1","kind":"organic",
      "subject_lot":"local:feed/F1","valid_from":"2026-01-01T00:00:00Z"})");
  Ok("lab", R"({"type":"inspection","inspection_id":"I-1","kind":"lab_test",
      "lot":"local:feed/F1","result":"pass"})");
  Ok("reg", R"({"type":"rule_parameters","sector":"chaos","set_id":"chaos-1","params":{"x":1}})");
  auto r = Ok("farm", R"({"type":"lot","lot":"local:chaos/S1","quantity":"10 KGM",
      "production_time":"2026-06-01T08:00:00Z","attributes":{"chaos":"lookups"},
      "inputs":[{"lot":"local:feed/F1","quantity":"10 KGM"}]})");
  auto d = DecisionOf(Decisions(r), "fixture_chaos");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->param_set, "chaos-1");
  std::vector<std::string> want = {
      "lot found pending",
      "inputs F1(grade=A,available=yes)",
      "balances farm:held=95000000",  // before this record consumes 10 KGM
      "inspections 1",
      "lot certificates 1",
      "party found roles 1 licences 0",
      "unit found events 1",
      "certificate found issuer cb",
      "party certificates 0",
      "params chaos-1 param_set chaos-1",
      "missing lot none"};
  EXPECT_EQ(d->notes, want);
}

TEST_F(PluginRegistryTest, LotsNotInTheCacheAreReadFromTheLog) {
  PluginRegistryOptions o;
  o.lot_cache_records = 0;  // every lookup of an input reads the store
  Start({"chaos"}, o);
  Products();
  Ok("farm", ChaosLot("IN", ""));
  auto r = Ok("farm", R"({"type":"lot","lot":"local:chaos/OUT","quantity":"1 KGM",
      "production_time":"2026-06-01T08:00:00Z","attributes":{"chaos":"lookups"},
      "inputs":[{"lot":"local:chaos/IN","quantity":"1 KGM"}]})");
  auto d = DecisionOf(Decisions(r), "fixture_chaos");
  ASSERT_TRUE(d.has_value());
  ASSERT_GE(d->notes.size(), 2u);
  EXPECT_EQ(d->notes[1], "inputs IN(grade=?,available=yes)");
}

TEST_F(PluginRegistryTest, WithoutTheLogALotsRegistrationIsReportedUnavailable) {
  PluginRegistryOptions o;
  o.lot_cache_records = 0;
  Start({"chaos"}, o, /*entry_loader=*/false);
  Products();
  Ok("farm", ChaosLot("IN", ""));
  auto r = Ok("farm", R"({"type":"lot","lot":"local:chaos/OUT","quantity":"1 KGM",
      "production_time":"2026-06-01T08:00:00Z","attributes":{"chaos":"lookups"},
      "inputs":[{"lot":"local:chaos/IN","quantity":"1 KGM"}]})");
  auto d = DecisionOf(Decisions(r), "fixture_chaos");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->notes[1], "inputs IN(grade=?,available=no)");
}

TEST_F(PluginRegistryTest, CertificationIsCheckedAtTheProductionTime) {
  Start({"good"});
  Products();
  Ok("cb", R"({"type":"certificate","cert_id":"C-1","kind":"organic","subject_party":"farm",
      "valid_from":"2026-01-01T00:00:00Z","valid_to":"2026-05-15T00:00:00Z"})");
  // Produced while valid: accepted, even though it expired since.
  Ok("farm", R"({"type":"lot","lot":"local:good/L1","quantity":"1 KGM","production_time":"2026-05-01T08:00:00Z",
      "attributes":{"grade":"A"},"certificates":[{"cert_id":"C-1"}]})");
  auto r = h_->Submit("farm", R"({"type":"lot","lot":"local:good/L2","quantity":"1 KGM",
      "production_time":"2026-05-20T08:00:00Z","attributes":{"grade":"A"},"certificates":[{"cert_id":"C-1"}]})");
  EXPECT_EQ(r.status.reason(), "certificate_invalid");
  r = h_->Submit("farm", R"({"type":"lot","lot":"local:good/L3","quantity":"1 KGM",
      "production_time":"2026-05-20T08:00:00Z","attributes":{"grade":"A"},"certificates":[{"cert_id":"NOPE"}]})");
  EXPECT_EQ(r.status.reason(), "certificate_unknown");
}

TEST_F(PluginRegistryTest, InputsOnHoldAreSeenThroughTheLookups) {
  Start({"good"});
  Products();
  Ok("farm", R"({"type":"lot","lot":"local:good/IN","quantity":"10 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  Ok("farm", R"({"type":"lot_status","lot":"local:good/IN","status":"on_hold","reason":"check"})");
  auto r = h_->Submit("farm", R"({"type":"lot","lot":"local:good/OUT","quantity":"1 KGM",
      "production_time":"2026-05-02T08:00:00Z","attributes":{"grade":"A"},
      "inputs":[{"lot":"local:good/IN","quantity":"1 KGM"}]})");
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status.reason(), "input_on_hold") << r.status.ToString();
}

TEST_F(PluginRegistryTest, RecallPlansComeFromTheSectorsPlugin) {
  Start({"good", "chaos"});
  auto built = RecordFromJson(R"({"type":"recall","party":"reg","recall_id":"RC-1",
      "event_time":"2026-06-01T00:00:00Z","sector":"fixture_good","level":"1","hazard":"h","responsible":"farm",
      "seed":{"lots":["local:good/L1"]}})");
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  std::string payload = *built;
  const fb::Record* rec = *VerifyRecordPayload(payload);
  auto plan = h_->ledger().WithState([&](const LedgerState& s) {
    return registry_->PlanRecall(*rec->body_as_RecallOrder(), s);
  });
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->source, "fixture_good");
  EXPECT_EQ(plan->rule_set, "fixture-good/2026.1");
  // Every deadline, as the plugin stated it (working days stay working days).
  ASSERT_EQ(plan->deadlines.size(), 4u);
  const PlanDeadline* start = plan->deadline(DeadlineKind::kStart);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->anchor, DeadlineAnchor::kRiskKnown);
  EXPECT_EQ(start->hours, 24);
  EXPECT_EQ(plan->deadline(DeadlineKind::kAcknowledge)->hours, 24);
  const PlanDeadline* report = plan->deadline(DeadlineKind::kProgressReport);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->working_days, 3);
  EXPECT_TRUE(report->repeat);
  const PlanDeadline* complete = plan->deadline(DeadlineKind::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->anchor, DeadlineAnchor::kOrdered);
  EXPECT_EQ(complete->working_days, 10);
  EXPECT_EQ(plan->calendar.utc_offset_minutes, 480);
  ASSERT_EQ(plan->notify.size(), 1u);
  EXPECT_EQ(plan->notify[0].target, NotifyTarget::kConsignees);
  EXPECT_EQ(plan->notify[0].depth, fb::RecallDepth::RETAIL);
  EXPECT_TRUE(plan->Notifies(NotifyTarget::kConsignees));
  EXPECT_FALSE(plan->Notifies(NotifyTarget::kHolders));
  ASSERT_EQ(plan->notes.size(), 1u);
  // The plan survives its JSON form (kept in the order's decisions).
  auto back = RecallPlanFromJson(RecallPlanToJson(*plan));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(RecallPlanToJson(*back), RecallPlanToJson(*plan));
  EXPECT_EQ(plan->max_depth, 8u);
  EXPECT_DOUBLE_EQ(plan->min_accounted_share, 0.95);
  EXPECT_TRUE(plan->public_notice);
  EXPECT_FALSE(plan->edge_kinds & EdgeKindBit(fb::EdgeKind::PACKAGED_WITH));
  EXPECT_TRUE(plan->edge_kinds & EdgeKindBit(fb::EdgeKind::COMPOSED_OF));

  // The raw plan keeps what the host engine does not use yet.
  auto request_built = RecordFromJson(R"({"type":"recall","party":"reg","recall_id":"RC-2",
      "event_time":"2026-06-01T00:00:00Z","sector":"chaos","level":"1","hazard":"h","responsible":"farm",
      "seed":{"lots":["local:good/L1"]}})");
  ASSERT_TRUE(request_built.ok()) << request_built.status().ToString();
  std::string request_payload = *request_built;
  const fb::Record* chaos_order = *VerifyRecordPayload(request_payload);
  auto none = h_->ledger().WithState([&](const LedgerState& s) {
    return registry_->PlanRecall(*chaos_order->body_as_RecallOrder(), s);
  });
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);  // chaos plans no recalls
}

TEST_F(PluginRegistryTest, CountersCoverEveryCall) {
  Start({"good"});
  Products();
  for (int i = 0; i < 20; ++i) {
    Ok("farm", R"({"type":"lot","lot":"local:good/L)" + std::to_string(i) +
                   R"(","quantity":"1 KGM","production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  }
  auto s = registry_->GetStats();
  EXPECT_EQ(s.records, 21u);  // the product and 20 lots
  EXPECT_EQ(s.calls, 21u * 2u);  // check_record + check_certification each
  EXPECT_GT(s.nanos, 0u);
  auto list = registry_->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].calls, s.calls);
}

}  // namespace
}  // namespace qtrace::host
