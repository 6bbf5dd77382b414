// The recall engine in the ledger, on the demo story's aquatic chain: feed lot
// F-2406 went into ponds P3 and P5; the collector merged P3 with P1 (M-1) and
// kept P5 (M-2); the processor made retail lots for two supermarkets and a
// restaurant chain. A level-1 recall seeded at F-2406 must reach all and only
// the lots downstream of P3/P5 harvests after the feed, and their holders.
#include <gtest/gtest.h>

#include <set>

#include "qtrace/host/ledger.h"
#include "qtrace/log_entry.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/host/recall.h"
#include "qtrace/host/record_policy.h"
#include "qtrace/time.h"
#include "testing/ledger_harness.h"

namespace qtrace::host {
namespace {

using qtrace::testing::LedgerHarness;


LedgerOptions WithClock(ManualClock* clock) {
  LedgerOptions o;
  o.clock = clock;
  return o;
}

class AquaticRecall : public ::testing::Test {
 protected:
  // The clock starts at the real now (genesis is stamped with it) and then
  // moves only when the test says so.
  AquaticRecall() : clock_(SystemClock::Default()->NowMicros()), h_(WithClock(&clock_)) {}

  void SetUp() override {
    for (const char* p : {"feed-mill", "coop", "bream-farm", "collector", "super-a", "super-b",
                          "restaurants"}) {
      h_.AddEnterprise(p);
    }
    h_.AddParty("city-amr", R"(["regulator"])");
    S("feed-mill", R"({"type":"product","scheme":"local","product_id":"feed","sector":"agriculture"})");
    S("coop", R"({"type":"product","scheme":"local","product_id":"crab","sector":"agriculture"})");
    S("collector", R"({"type":"product","scheme":"local","product_id":"mixed","sector":"agriculture"})");
    S("collector", R"({"type":"product","scheme":"gtin","product_id":"06901234567892","sector":"agriculture"})");
    S("bream-farm", R"({"type":"product","scheme":"local","product_id":"bream","sector":"agriculture"})");
    for (const char* lot : {"F-2405", "F-2406"}) {
      S("feed-mill", std::string(R"({"type":"lot","lot":"local:feed/)") + lot +
                         R"(","quantity":"2 TNE","production_time":"2026-04-20T08:00:00Z"})");
    }
    Ship("feed-mill", "coop", "local:feed/F-2405", "1 TNE", "2026-04-25");
    Ship("feed-mill", "coop", "local:feed/F-2406", "1 TNE", "2026-04-26");
    for (int p = 1; p <= 5; ++p) {
      std::string n = std::to_string(p);
      S("coop", R"({"type":"unit","unit_id":"P)" + n + R"(","kind":"pond"})");
      std::string feed = (p == 3 || p == 5) ? "F-2406" : "F-2405";
      S("coop", R"({"type":"unit_event","unit":"P)" + n + R"(","kind":"input_applied",
          "input":"local:feed/)" + feed + R"(","quantity":"100 KGM","start":"2026-05-02T00:00:00Z"})");
      S("coop", R"({"type":"lot","lot":"local:crab/P)" + n + R"(-0920","quantity":"800 KGM",
          "production_time":"2026-09-20T00:00:00Z","units":[{"unit":"P)" + n +
                    R"(","time":"2026-09-20T00:00:00Z"}]})");
    }
    // A P3 harvest BEFORE the feed: not tainted.
    S("coop", R"({"type":"lot","lot":"local:crab/P3-0401","quantity":"100 KGM",
        "production_time":"2026-04-01T00:00:00Z","units":[{"unit":"P3","time":"2026-04-01T00:00:00Z"}]})");
    S("bream-farm", R"({"type":"lot","lot":"local:bream/B1","quantity":"500 KGM","production_time":"2026-09-20T00:00:00Z"})");
    for (int p : {1, 3, 5}) Ship("coop", "collector", "local:crab/P" + std::to_string(p) + "-0920", "800 KGM", "2026-09-21");
    Ship("coop", "collector", "local:crab/P2-0920", "800 KGM", "2026-09-21");
    S("collector", R"({"type":"lot","lot":"local:mixed/M-1","quantity":"1600 KGM","production_time":"2026-09-22T00:00:00Z",
        "inputs":[{"lot":"local:crab/P3-0920","quantity":"800 KGM","kind":"merged_into"},
                  {"lot":"local:crab/P1-0920","quantity":"800 KGM","kind":"merged_into"}]})");
    S("collector", R"({"type":"lot","lot":"local:mixed/M-2","quantity":"800 KGM","production_time":"2026-09-22T00:00:00Z",
        "inputs":[{"lot":"local:crab/P5-0920","quantity":"800 KGM","kind":"split_from"}]})");
    S("collector", R"({"type":"lot","lot":"local:mixed/M-3","quantity":"800 KGM","production_time":"2026-09-22T00:00:00Z",
        "inputs":[{"lot":"local:crab/P2-0920","quantity":"800 KGM","kind":"split_from"}]})");
    struct R { const char* code; const char* from; const char* to; };
    for (R r : {R{"RB-01", "M-1", "super-a"}, R{"RB-02", "M-1", "super-b"},
                R{"RB-03", "M-1", "restaurants"}, R{"RB-04", "M-2", "super-a"},
                R{"RB-05", "M-3", "super-b"}}) {
      S("collector", std::string(R"({"type":"lot","lot":"gtin:06901234567892/)") + r.code +
                         R"(","quantity":"400 KGM","production_time":"2026-09-23T00:00:00Z",
                         "inputs":[{"lot":"local:mixed/)" + r.from + R"(","quantity":"400 KGM","kind":"split_from"}]})");
      Ship("collector", r.to, std::string("gtin:06901234567892/") + r.code, "400 KGM", "2026-09-24");
    }
    // Super A sold some before the recall.
    S("super-a", R"({"type":"disposition","kind":"sold","event_time":"2026-09-25T00:00:00Z",
        "items":[{"lot":"gtin:06901234567892/RB-01","quantity":"30 KGM"}]})");
  }

  void S(const std::string& party, const std::string& json) {
    auto r = h_.Submit(party, json);
    ASSERT_TRUE(r.status.ok()) << party << " " << json << ": " << r.status.ToString();
  }
  void Ship(const std::string& from, const std::string& to, const std::string& lot,
            const std::string& qty, const std::string& day) {
    std::string id = "S" + std::to_string(++n_);
    S(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                R"(","event_time":")" + day + R"(T01:00:00Z","items":[{"lot":")" + lot +
                R"(","quantity":")" + qty + R"("}]})");
    S(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
              R"(","event_time":")" + day + R"(T05:00:00Z","items":[{"lot":")" + lot +
              R"(","quantity":")" + qty + R"("}]})");
  }
  IngestResult Order() {
    return h_.Submit("city-amr", R"({"type":"recall","recall_id":"RC-1","sector":"agriculture",
        "level":"1","hazard":"banned veterinary drug residue","responsible":"collector",
        "event_time":"2026-09-30T00:00:00Z","seed":{"input_lots":["local:feed/F-2406"]}})");
  }
  std::set<std::string> ScopeRefs() {
    return h_.ledger().WithState([](const LedgerState& s) {
      std::set<std::string> out;
      for (LotId l : s.FindRecall("RC-1")->scope.lots) out.insert(s.LotRefString(l));
      return out;
    });
  }

  ManualClock clock_;
  LedgerHarness h_;
  int n_ = 0;
};

TEST_F(AquaticRecall, ScopeIsAllAndOnlyTheTaintedLots) {
  auto r = Order();
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(ScopeRefs(), (std::set<std::string>{
                             "local:feed/F-2406", "local:crab/P3-0920", "local:crab/P5-0920",
                             "local:mixed/M-1", "local:mixed/M-2", "gtin:06901234567892/RB-01",
                             "gtin:06901234567892/RB-02", "gtin:06901234567892/RB-03",
                             "gtin:06901234567892/RB-04"}));
  h_.ledger().WithState([](const LedgerState& s) {
    const RecallInfo& rc = *s.FindRecall("RC-1");
    std::set<std::string> notified;
    for (const auto& [p, prog] : rc.parties) {
      if (prog.notified) notified.insert(s.party(p).id);
    }
    // Every holder or receiver of an implicated lot, and nobody else.
    EXPECT_EQ(notified, (std::set<std::string>{"feed-mill", "coop", "collector", "super-a",
                                               "super-b", "restaurants"}));
    EXPECT_EQ(rc.state, fb::RecallState::NOTIFYING);
    const PlanDeadline* ack = rc.plan.deadline(DeadlineKind::kAcknowledge);
    EXPECT_TRUE(ack != nullptr && ack->hours == 24);
    return 0;
  });
}

TEST_F(AquaticRecall, RecalledLotsCannotShipOrSellButCanBeReturnedOrDestroyed) {
  ASSERT_TRUE(Order().status.ok());
  auto r = h_.Submit("super-b", R"({"type":"shipment","shipment_id":"X1","to":"restaurants",
      "event_time":"2026-09-30T02:00:00Z","items":[{"lot":"gtin:06901234567892/RB-02","quantity":"10 KGM"}]})");
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status.reason(), "lot_recalled");
  EXPECT_NE(r.status.message().find("RC-1"), std::string::npos);
  r = h_.Submit("super-a", R"({"type":"disposition","kind":"sold","event_time":"2026-09-30T02:00:00Z",
      "items":[{"lot":"gtin:06901234567892/RB-01","quantity":"1 KGM"}]})");
  EXPECT_EQ(r.status.reason(), "lot_recalled");
  // Unrelated stock still moves.
  S("super-b", R"({"type":"disposition","kind":"sold","event_time":"2026-09-30T02:00:00Z",
      "items":[{"lot":"gtin:06901234567892/RB-05","quantity":"1 KGM"}]})");
  // Returning to the responsible party and destroying are the recall's flow.
  S("super-b", R"({"type":"shipment","shipment_id":"RET-1","to":"collector",
      "event_time":"2026-09-30T03:00:00Z","items":[{"lot":"gtin:06901234567892/RB-02","quantity":"100 KGM"}]})");
  S("super-a", R"({"type":"disposition","kind":"destroyed","event_time":"2026-09-30T03:00:00Z",
      "items":[{"lot":"gtin:06901234567892/RB-04","quantity":"400 KGM"}]})");
}

TEST_F(AquaticRecall, DeadlinesAcknowledgementsAndClosure) {
  ASSERT_TRUE(Order().status.ok());
  for (const char* p : {"feed-mill", "coop", "collector", "super-a", "super-b"}) {
    S(p, R"({"type":"recall_ack","recall_id":"RC-1","event_time":"2026-09-30T01:00:00Z"})");
  }
  auto again = h_.Submit("super-a", R"({"type":"recall_ack","recall_id":"RC-1","note":"again"})");
  EXPECT_EQ(again.status.code(), StatusCode::kAlreadyExists);
  auto stranger = h_.Submit("bream-farm", R"({"type":"recall_ack","recall_id":"RC-1"})");
  EXPECT_EQ(stranger.status.code(), StatusCode::kPermissionDenied);
  // 25 hours later the restaurant chain has not acknowledged.
  clock_.Advance(25 * kMicrosPerHour);
  auto marked = h_.ledger().CheckRecallDeadlines();
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(*marked, 2u);  // the restaurant's acknowledgement + the firm's daily report
  EXPECT_EQ(*h_.ledger().CheckRecallDeadlines(), 0u);  // marked once
  h_.ledger().WithState([](const LedgerState& s) {
    const RecallInfo& rc = *s.FindRecall("RC-1");
    for (const auto& [p, prog] : rc.parties) {
      EXPECT_EQ(prog.ack_overdue, s.party(p).id == "restaurants") << s.party(p).id;
    }
    return 0;
  });
  // Closing too early lists every unmet criterion.
  auto close = h_.Submit("city-amr", R"({"type":"recall_transition","recall_id":"RC-1","to":"closed"})");
  EXPECT_EQ(close.status.reason(), "closing_criteria");
  EXPECT_GE(close.status.details().size(), 3u) << close.status.ToString();
  // The firm cannot close; it files its summary; the regulator reviews and closes.
  S("restaurants", R"({"type":"recall_ack","recall_id":"RC-1"})");
  struct P { const char* party; const char* lot; const char* rec; const char* destroyed; const char* consumed; };
  for (P p : {P{"super-a", "gtin:06901234567892/RB-01", "0 KGM", "370 KGM", "30 KGM"},
              P{"super-a", "gtin:06901234567892/RB-04", "0 KGM", "400 KGM", "0 KGM"},
              P{"super-b", "gtin:06901234567892/RB-02", "0 KGM", "400 KGM", "0 KGM"},
              P{"restaurants", "gtin:06901234567892/RB-03", "0 KGM", "400 KGM", "0 KGM"},
              P{"collector", "local:mixed/M-1", "0 KGM", "400 KGM", "0 KGM"},
              P{"collector", "local:mixed/M-2", "0 KGM", "400 KGM", "0 KGM"},
              P{"coop", "local:feed/F-2406", "0 KGM", "900 KGM", "100 KGM"},
              P{"feed-mill", "local:feed/F-2406", "0 KGM", "1000 KGM", "0 KGM"}}) {
    S(p.party, std::string(R"({"type":"recall_progress","recall_id":"RC-1","items":[{"lot":")") +
                   p.lot + R"(","recovered":")" + p.rec + R"(","destroyed":")" + p.destroyed +
                   R"(","consumed":")" + p.consumed + R"("}],"evidence":["disposal-)" + p.party +
                   R"(.pdf"]})");
  }
  auto firm_close = h_.Submit("collector", R"({"type":"recall_transition","recall_id":"RC-1","to":"closed"})");
  EXPECT_EQ(firm_close.status.code(), StatusCode::kPermissionDenied);
  S("collector", R"({"type":"recall_transition","recall_id":"RC-1","to":"completed_by_firm","reason":"summary filed"})");
  S("city-amr", R"({"type":"recall_transition","recall_id":"RC-1","to":"under_review"})");
  auto ok = h_.Submit("city-amr", R"({"type":"recall_transition","recall_id":"RC-1","to":"closed"})");
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  // Closed: live protection lifted, and everything survives a restart.
  h_.Reopen();
  h_.ledger().WithState([](const LedgerState& s) {
    EXPECT_EQ(s.FindRecall("RC-1")->state, fb::RecallState::CLOSED);
    EXPECT_TRUE(s.OpenRecallsOfLot(*s.FindLot(fb::IdScheme::LOCAL, "mixed", "M-1")).empty());
    return 0;
  });
}

TEST_F(AquaticRecall, AHarvestFromATaintedPondAfterTheRecallJoinsIt) {
  ASSERT_TRUE(Order().status.ok());
  S("coop", R"({"type":"lot","lot":"local:crab/P5-1001","quantity":"300 KGM",
      "production_time":"2026-09-30T01:00:00Z","units":[{"unit":"P5","time":"2026-09-30T01:00:00Z"}]})");
  // P1 was fed F-2405 only: its new harvest stays out.
  S("coop", R"({"type":"lot","lot":"local:crab/P1-1001","quantity":"300 KGM",
      "production_time":"2026-09-30T01:00:00Z","units":[{"unit":"P1","time":"2026-09-30T01:00:00Z"}]})");
  auto scope = ScopeRefs();
  EXPECT_EQ(scope.count("local:crab/P5-1001"), 1u);
  EXPECT_EQ(scope.count("local:crab/P1-1001"), 0u);
  // The coop's newest notice (round 2) lists its whole share: the harvests
  // of round 1 and the new one.
  std::set<std::string> listed = h_.ledger().WithState([&](const LedgerState& s) {
    std::set<std::string> out;
    const RecallInfo* rc = s.FindRecall("RC-1");
    const auto& p = rc->parties.at(*s.FindParty("coop"));
    EXPECT_EQ(p.round, 1u);
    auto bytes = h_.ledger().EntryAt(p.notice_index);
    EXPECT_TRUE(bytes.ok());
    auto entry = VerifyLogEntry(*bytes);
    auto rec = RecordOfEntry(**entry);
    for (const auto* l : *(*rec)->body_as_RecallNotice()->lots()) out.insert(FormatLotRef(l->lot()));
    return out;
  });
  EXPECT_EQ(listed.count("local:crab/P5-1001"), 1u);
  EXPECT_EQ(listed.count("local:crab/P3-0920"), 1u);
  EXPECT_EQ(listed.count("local:crab/P5-0920"), 1u);
  // Once P3 is emptied, a later harvest there is clean again.
  S("coop", R"({"type":"unit_event","unit":"P3","kind":"emptied","start":"2026-09-30T02:00:00Z"})");
  S("coop", R"({"type":"lot","lot":"local:crab/P3-1002","quantity":"10 KGM",
      "production_time":"2026-09-30T03:00:00Z","units":[{"unit":"P3","time":"2026-09-30T03:00:00Z"}]})");
  EXPECT_EQ(ScopeRefs().count("local:crab/P3-1002"), 0u);
  // The new lot is protected too.
  auto r = h_.Submit("coop", R"({"type":"shipment","shipment_id":"N1","to":"super-a",
      "event_time":"2026-09-30T04:00:00Z","items":[{"lot":"local:crab/P5-1001","quantity":"1 KGM"}]})");
  EXPECT_EQ(r.status.reason(), "lot_recalled");
}

TEST_F(AquaticRecall, RecomputingTheScopeAsOfItsIndexGivesTheSameDigest) {
  ASSERT_TRUE(Order().status.ok());
  // More records after the recall must not change the recomputed answer.
  S("coop", R"({"type":"lot","lot":"local:crab/P5-1001","quantity":"300 KGM",
      "production_time":"2026-09-30T01:00:00Z","units":[{"unit":"P5","time":"2026-09-30T01:00:00Z"}]})");
  h_.ledger().WithState([](const LedgerState& s) {
    const RecallInfo& rc = *s.FindRecall("RC-1");
    flatbuffers::FlatBufferBuilder b;
    auto ref = fb::CreateLotRefDirect(b, fb::IdScheme::LOCAL, "feed", "F-2406");
    std::vector<flatbuffers::Offset<fb::LotRef>> v{ref};
    b.Finish(fb::CreateRecallSeed(b, 0, 0, b.CreateVector(v)));
    auto again = s.ComputeRecallScope(*flatbuffers::GetRoot<fb::RecallSeed>(b.GetBufferPointer()),
                                      rc.plan, rc.scope.as_of);
    EXPECT_TRUE(again.ok());
    EXPECT_EQ(again->digest, rc.scope.digest);
    return 0;
  });
}

TEST_F(AquaticRecall, OnlyRegulatorsOrderForOthers) {
  auto r = h_.Submit("super-a", R"({"type":"recall","recall_id":"RC-X","sector":"agriculture","level":"1",
      "responsible":"collector","seed":{"lots":["local:mixed/M-1"]}})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  // A firm recalls its own lots.
  r = h_.Submit("collector", R"({"type":"recall","recall_id":"RC-2","sector":"agriculture","level":"3",
      "responsible":"collector","event_time":"2026-09-30T00:00:00Z","seed":{"lots":["local:mixed/M-2"]}})");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  // Widening is for regulators.
  r = h_.Submit("collector", R"({"type":"recall_widen","recall_id":"RC-2","seed":{"lots":["local:mixed/M-1"]}})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  r = h_.Submit("city-amr", R"({"type":"recall_widen","recall_id":"RC-2","seed":{"lots":["local:mixed/M-1"]}})");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  h_.ledger().WithState([](const LedgerState& s) {
    const RecallInfo& rc = *s.FindRecall("RC-2");
    EXPECT_EQ(rc.rounds, 2u);
    EXPECT_TRUE(rc.parties.at(*s.FindParty("restaurants")).notified);  // new in round 2
    return 0;
  });
}

int64_t At(const char* text) { return ParseTimestamp(text).value().micros; }

// Working days by a plan's calendar: weekends, holidays and make-up days in
// the calendar's own offset, at the same time of day.
// A plan that notifies only the OEMs and the responsible party, for any
// record a policy that lets everything through.
class OemOnlyPolicy : public RecordPolicy {
 public:
  Status Check(const fb::Record&, const RecordContext&, const LedgerState&,
               std::vector<DecisionData>*) override {
    return Status::Ok();
  }
  StatusOr<RecallPlan> PlanRecall(const fb::RecallOrder&, const LedgerState&) override {
    RecallPlan plan;
    plan.source = "test";
    plan.notify = {{NotifyTarget::kOem, fb::RecallDepth::CONSUMER, 24, 0},
                   {NotifyTarget::kResponsible, fb::RecallDepth::CONSUMER, 24, 0}};
    return plan;
  }
};

// The OEM is the maker that built an implicated lot into one of its own: the
// truck maker that fitted the springs, not the dealer holding spare springs
// nor the dealer holding the trucks.
TEST(RecallNotifyTest, AnOemIsTheMakerThatBuiltAnImplicatedLotIntoItsOwn) {
  OemOnlyPolicy policy;
  LedgerOptions o;
  o.policy = &policy;
  LedgerHarness h(o);
  for (const char* p : {"springs", "trucks", "parts-dealer", "truck-dealer"}) h.AddEnterprise(p);
  h.AddParty("amr", R"(["regulator"])");
  auto ok = [&](const std::string& party, const std::string& json) {
    auto r = h.Submit(party, json);
    ASSERT_TRUE(r.status.ok()) << party << " " << json << ": " << r.status.ToString();
  };
  auto ship = [&](const std::string& from, const std::string& to, const std::string& id,
                  const std::string& lot, const std::string& day) {
    const std::string tail = R"(","items":[{"lot":")" + lot +
                             R"(","quantity":"10 EA"}],"event_time":")" + day + R"(T00:00:00Z"})";
    ok(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to + tail);
    ok(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id + tail);
  };
  ok("springs", R"({"type":"product","scheme":"local","product_id":"spring","sector":"building_materials"})");
  ok("trucks", R"({"type":"product","scheme":"local","product_id":"truck","sector":"building_materials"})");
  ok("springs", R"({"type":"lot","lot":"local:spring/S-1","quantity":"100 EA",
      "production_time":"2026-09-01T00:00:00Z","event_time":"2026-09-01T00:00:00Z"})");
  ship("springs", "trucks", "D-1", "local:spring/S-1", "2026-09-20");
  ship("springs", "parts-dealer", "D-2", "local:spring/S-1", "2026-09-20");
  ok("trucks", R"({"type":"lot","lot":"local:truck/T-1","quantity":"10 EA",
      "production_time":"2026-09-21T00:00:00Z","event_time":"2026-09-21T00:00:00Z",
      "inputs":[{"lot":"local:spring/S-1","quantity":"10 EA","kind":"composed_of"}]})");
  ship("trucks", "truck-dealer", "D-3", "local:truck/T-1", "2026-09-25");
  ok("amr", R"({"type":"recall","recall_id":"RC-OEM","sector":"building_materials","level":"A",
      "responsible":"springs","seed":{"lots":["local:spring/S-1"]}})");
  std::set<std::string> notified = h.ledger().WithState([](const LedgerState& s) {
    std::set<std::string> out;
    for (const auto& [p, prog] : s.FindRecall("RC-OEM")->parties) {
      if (prog.notified) out.insert(s.party(p).id);
    }
    return out;
  });
  EXPECT_EQ(notified, (std::set<std::string>{"springs", "trucks"}));
}

TEST(WorkCalendarTest, CountsWorkingDaysInItsOwnOffset) {
  WorkCalendar cn;  // UTC+08:00, Saturday and Sunday off
  // Friday 2026-09-25 10:00 +08:00 + 1 working day = Monday 09-28.
  EXPECT_EQ(cn.AddWorkingDays(At("2026-09-25T10:00:00+08:00"), 1), At("2026-09-28T10:00:00+08:00"));
  EXPECT_EQ(cn.AddWorkingDays(At("2026-09-25T10:00:00+08:00"), 5), At("2026-10-02T10:00:00+08:00"));
  // Friday 20:00 UTC is Saturday 04:00 in Beijing: one working day after it
  // is Monday 04:00 there, Sunday 20:00 UTC (counted in UTC it would be
  // Monday 20:00 UTC).
  EXPECT_EQ(cn.AddWorkingDays(At("2026-09-25T20:00:00Z"), 1), At("2026-09-27T20:00:00Z"));
  // National Day week off (local days since the epoch), Sunday 09-27 and
  // Saturday 10-10 worked instead.
  auto day = [](const char* date) {
    return static_cast<int32_t>((At(date) + 8 * kMicrosPerHour) / kMicrosPerDay);
  };
  for (const char* d : {"2026-10-01T00:00:00+08:00", "2026-10-02T00:00:00+08:00",
                        "2026-10-05T00:00:00+08:00", "2026-10-06T00:00:00+08:00",
                        "2026-10-07T00:00:00+08:00"}) {
    cn.holidays.push_back(day(d));
  }
  cn.extra_working_days = {day("2026-09-27T00:00:00+08:00"), day("2026-10-10T00:00:00+08:00")};
  EXPECT_TRUE(cn.IsWorkingDay(day("2026-09-27T00:00:00+08:00")));
  EXPECT_FALSE(cn.IsWorkingDay(day("2026-10-05T00:00:00+08:00")));
  // From Friday 09-25: 09-27 (make-up), 28, 29, 30, then 10-08, 09, 10 (make-up), 12.
  EXPECT_EQ(cn.AddWorkingDays(At("2026-09-25T10:00:00+08:00"), 8), At("2026-10-12T10:00:00+08:00"));
  // Another weekend (Friday and Saturday off) in another offset.
  WorkCalendar gulf;
  gulf.utc_offset_minutes = 240;
  gulf.weekend_mask = (1u << 5) | (1u << 6);
  EXPECT_EQ(gulf.AddWorkingDays(At("2026-09-24T09:00:00+04:00"), 1), At("2026-09-27T09:00:00+04:00"));
}

TEST(RecallPlanTest, DeadlinesUseTheCalendarAndSurviveJson) {
  RecallPlan plan;
  plan.deadlines = {{DeadlineKind::kAcknowledge, DeadlineAnchor::kNotified, 24, 0, false},
                    {DeadlineKind::kComplete, DeadlineAnchor::kNotified, 0, 10, false},
                    {DeadlineKind::kReview, DeadlineAnchor::kCompleted, 240, 0, false}};
  plan.notify = {{NotifyTarget::kHolders, fb::RecallDepth::RETAIL, 24, 0},
                 {NotifyTarget::kRegulator, fb::RecallDepth::CONSUMER, 0, 2}};
  plan.calendar.holidays = {20'000};
  plan.notes = {"a note"};
  const int64_t t = At("2026-09-25T10:00:00+08:00");
  EXPECT_EQ(plan.DueAfter(DeadlineKind::kAcknowledge, t), t + 24 * kMicrosPerHour);
  EXPECT_EQ(plan.DueAfter(DeadlineKind::kComplete, t), At("2026-10-09T10:00:00+08:00"));
  EXPECT_EQ(plan.DueAfter(DeadlineKind::kSummary, t), 0);  // not in the plan
  EXPECT_EQ(plan.DueAfter(DeadlineKind::kComplete, 0), 0);  // anchor not reached
  EXPECT_TRUE(plan.Notifies(NotifyTarget::kRegulator));
  EXPECT_FALSE(plan.Notifies(NotifyTarget::kConsignees));
  EXPECT_TRUE(RecallPlan{}.Notifies(NotifyTarget::kConsignees));  // no rules: holders + consignees

  auto back = RecallPlanFromJson(RecallPlanToJson(plan));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(RecallPlanToJson(*back), RecallPlanToJson(plan));
  EXPECT_EQ(back->DueAfter(DeadlineKind::kComplete, t), At("2026-10-09T10:00:00+08:00"));
  ASSERT_EQ(back->notify.size(), 2u);
  EXPECT_EQ(back->notify[1].working_days, 2);

  // A plan stored before deadlines were a list still reads.
  auto old = RecallPlanFromJson(R"({"source":"host-default","rule_set":"x","edge_kinds":255,
      "through_units":true,"max_depth":4294967295,"serial_level":true,"ack_due_hours":48,
      "report_every_hours":24,"complete_due_hours":0,"complete_due_working_days":15,
      "require_all_acknowledged":true,"require_reconciled":true,"min_accounted_share_permille":1000,
      "require_disposal_evidence":true,"require_summary":true,"require_in_situ_assessment":false,
      "public_notice":false})");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->DueAfter(DeadlineKind::kAcknowledge, t), t + 48 * kMicrosPerHour);
  ASSERT_NE(old->deadline(DeadlineKind::kProgressReport), nullptr);
  EXPECT_TRUE(old->deadline(DeadlineKind::kProgressReport)->repeat);
  EXPECT_EQ(old->deadline(DeadlineKind::kComplete)->working_days, 15);

  EXPECT_FALSE(RecallPlanFromJson(R"({"source":"x"})").ok());
  std::string bad_kind = RecallPlanToJson(plan);
  bad_kind.replace(bad_kind.find("\"acknowledge\""), 13, "\"whenever\"");
  EXPECT_EQ(RecallPlanFromJson(bad_kind).status().reason(), "bad_plan");
}

}  // namespace
}  // namespace qtrace::host
