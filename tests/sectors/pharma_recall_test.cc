// Drug recalls in a real qtraced with the sector plugins (sector-rules.md
// 4(d), the recall parts of scenarios 4(e)1, 2, 3 and 5): the pharma plugin's
// plan per level (notice, acknowledgement and progress every 1/3/7 days,
// 24 h for illegitimate packs, public notice for levels 1 and 2) and the
// scope the host computes with it — all and only the implicated lots,
// serials and parties. Deadlines are crossed on the daemon's drill clock
// (--clock-offset-file).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/encoding.h"
#include "qtrace/time.h"
#include "sector_daemon.h"

namespace qtrace {
namespace {

namespace json = boost::json;

constexpr char kP1[] = "national:86900001000019";  // MAH 1's tablets
constexpr char kP2[] = "national:86900001000026";  // MAH 2's tablets

// Drug trace code `i` of series `series` (drug identifier 8123456).
std::string Code(int series, int i) {
  return "8123456" + std::to_string(1'000'000'000'000LL + series * 1'000'000LL + i);
}
std::string CodeList(int series, int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += (out.empty() ? "\"" : ",\"") + Code(series, i) + "\"";
  return "[" + out + "]";
}
std::set<std::string> Strings(const json::value& v) {
  std::set<std::string> out;
  for (const auto& s : v.as_array()) out.insert(std::string(s.as_string()));
  return out;
}

class PharmaRecallTest : public testing::SectorDaemonTest {
 protected:
  PharmaRecallTest() : SectorDaemonTest("pharma", "2026-10-20T08:00:00+08:00") {}

  void SetUp() override {
    offset_file_ = dir_.path() + "/clock-offset";
    std::ofstream(offset_file_) << "0\n";
    extra_daemon_args_ = {"--clock-offset-file", offset_file_, "--recall-monitor-s", "1"};
    ASSERT_NO_FATAL_FAILURE(SectorDaemonTest::SetUp());

    const std::string mfg = R"("licences":[{"kind":"drug_mfg","number":"HB2024)";
    AddParty("api-maker", "enterprise", mfg + R"(0017"}])");
    AddParty("mah-1", "enterprise", mfg + R"(0022"}])");
    AddParty("mah-2", "enterprise", mfg + R"(0031"}])");
    AddParty("dist", "enterprise", R"("licences":[{"kind":"drug_dist","number":"HB-B-2024-031"}])");
    for (const char* p : {"pharmacy-1", "pharmacy-2", "pharmacy-3", "pharmacy-4", "hospital-1"}) {
      AddParty(p, "enterprise");
    }
    AddParty("nmpa", "regulator");
    Ok("api-maker", R"({"type":"product","scheme":"local","product_id":"metformin-api",
        "sector":"pharma","default_unit":"KGM"})");
    Ok("mah-1", R"({"type":"product","scheme":"national","product_id":"86900001000019",
        "sector":"pharma","default_unit":"EA"})");
    Ok("mah-1", R"({"type":"product","scheme":"local","product_id":"metformin-bulk",
        "sector":"pharma","default_unit":"KGM"})");
    Ok("mah-2", R"({"type":"product","scheme":"national","product_id":"86900001000026",
        "sector":"pharma","default_unit":"EA"})");
  }

  // Requests are timed on the daemon's (drill) clock. Signatures are
  // deterministic and the daemon refuses a replayed one, so two requests
  // for the same target are signed at different seconds.
  int64_t SigningTime() override {
    int64_t now = SystemClock::Default()->NowMicros() / kMicrosPerSecond + offset_s_;
    signed_at_ = std::max(now, signed_at_ + 1);
    return signed_at_;
  }
  // Moves the daemon's clock forward (it re-reads the file every 100 ms).
  void AdvanceHours(int hours) {
    offset_s_ += int64_t{hours} * 3600;
    std::ofstream(offset_file_, std::ios::trunc) << offset_s_ << "\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }

  void ApiLot(const std::string& lot) {
    Ok("api-maker", R"({"type":"lot","lot":"local:metformin-api/)" + lot + R"(",
        "quantity":"100 KGM","production_time":"2026-09-01T08:00:00+08:00",
        "expiry_time":"2028-09-01T00:00:00+08:00","attributes":{"category":"api"}})");
  }
  // A finished lot of `packs` packs (codes 1..packs of `series`) from `inputs`.
  void Tablets(const std::string& mah, const std::string& product, const std::string& lot,
               int series, int packs, const std::string& inputs) {
    Ok(mah, R"({"type":"lot","lot":")" + product + "/" + lot + R"(","quantity":")" +
                std::to_string(packs) + R"( EA","production_time":"2026-09-20T08:00:00+08:00",
        "expiry_time":"2028-09-30T00:00:00+08:00","inputs":)" + inputs + R"(,
        "attributes":{"approval_number":"国药准字H20213456",
        "qp_released_at":{"time":"2026-09-21T08:00:00+08:00"}},"serials":)" +
                CodeList(series, 1, packs) + "}");
  }
  static std::string Api(const std::string& lot, const std::string& qty) {
    return R"([{"lot":"local:metformin-api/)" + lot + R"(","quantity":")" + qty + R"("}])";
  }
  // A shipment and its receipt; `serials` may be empty (lot-level goods).
  void Ship(const std::string& from, const std::string& to, const std::string& lot,
            const std::string& qty, const std::string& serials = "") {
    std::string id = "DN-" + std::to_string(++shipments_);
    std::string items = R"([{"lot":")" + lot + R"(","quantity":")" + qty + R"(")" +
                        (serials.empty() ? "" : R"(,"serials":)" + serials) + "}]";
    Ok(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                 R"(","items":)" + items + R"(,"event_time":"2026-10-01T08:00:00+08:00"})");
    Ok(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
               R"(","items":)" + items + R"(,"event_time":"2026-10-01T15:00:00+08:00"})");
  }
  void Recall(const std::string& id, const std::string& level, const std::string& responsible,
              const std::string& seed) {
    Ok("nmpa", R"({"type":"recall","recall_id":")" + id + R"(","sector":"pharma","level":")" +
                   level + R"(","hazard":"NDMA above the limit","responsible":")" + responsible +
                   R"(","seed":)" + seed + "}");
  }
  // The (party, what) pairs of recall `id` in the overdue list, once the
  // monitor has written them (it runs every second).
  std::set<std::pair<std::string, std::string>> Overdue(const std::string& id, size_t expect) {
    std::set<std::pair<std::string, std::string>> out;
    for (int i = 0; i < 100; ++i) {
      out.clear();
      json::object o = Get("nmpa", "/v1/recalls/overdue");
      for (const auto& rc : o.at("recalls").as_array()) {
        if (rc.as_object().at("recall_id").as_string() != id) continue;
        for (const auto& item : rc.as_object().at("overdue").as_array()) {
          out.emplace(std::string(item.as_object().at("party").as_string()),
                      std::string(item.as_object().at("what").as_string()));
        }
      }
      if (out.size() >= expect) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return out;
  }

  // Scenario 4(e)1 in small: API lot A-77 went into MAH 1's batch B1 and
  // bulk BK-1 (packed as PK-1..PK-3) and MAH 2's batches C1 and C2; A-78
  // went into MAH 1's B3 only.
  void SharedApiChain() {
    ApiLot("A-77");
    ApiLot("A-78");
    Ship("api-maker", "mah-1", "local:metformin-api/A-77", "30 KGM");
    Ship("api-maker", "mah-1", "local:metformin-api/A-78", "10 KGM");
    Ship("api-maker", "mah-2", "local:metformin-api/A-77", "20 KGM");
    Tablets("mah-1", kP1, "B1", 1, 20, Api("A-77", "2 KGM"));
    Ok("mah-1", R"({"type":"lot","lot":"local:metformin-bulk/BK-1","quantity":"10 KGM",
        "production_time":"2026-09-18T08:00:00+08:00","inputs":)" + Api("A-77", "5 KGM") +
                    R"(,"attributes":{"category":"bulk"}})");
    for (int k = 1; k <= 3; ++k) {
      Tablets("mah-1", kP1, "PK-" + std::to_string(k), 1 + k, 10,
              R"([{"lot":"local:metformin-bulk/BK-1","quantity":"1 KGM","kind":"split_from"}])");
    }
    Tablets("mah-1", kP1, "B3", 5, 10, Api("A-78", "2 KGM"));
    Tablets("mah-2", kP2, "C1", 6, 10, Api("A-77", "2 KGM"));
    Tablets("mah-2", kP2, "C2", 7, 10, Api("A-77", "2 KGM"));

    const std::string p1 = kP1, p2 = kP2;
    Ship("mah-1", "dist", p1 + "/B1", "20 EA", CodeList(1, 1, 20));
    Ship("dist", "pharmacy-1", p1 + "/B1", "10 EA", CodeList(1, 1, 10));
    Ship("dist", "hospital-1", p1 + "/B1", "10 EA", CodeList(1, 11, 20));
    Ship("mah-1", "pharmacy-2", p1 + "/PK-1", "10 EA", CodeList(2, 1, 10));
    Ship("mah-1", "pharmacy-3", p1 + "/PK-2", "10 EA", CodeList(3, 1, 10));
    Ship("mah-1", "pharmacy-4", p1 + "/B3", "10 EA", CodeList(5, 1, 10));
    Ship("mah-2", "pharmacy-3", p2 + "/C1", "10 EA", CodeList(6, 1, 10));
    Ship("mah-2", "hospital-1", p2 + "/C2", "10 EA", CodeList(7, 1, 10));
  }

  std::string offset_file_;
  int64_t offset_s_ = 0, signed_at_ = 0;
  int shipments_ = 0;
};

// Scenario 4(e)1: one level 2 case per MAH; the A-77 batches, the three
// packaging batches of BK-1 and their consignees, never A-78's B3 or the
// pharmacy that only got B3. Notice and reports every 3 days: the MAH that
// misses its report is flagged, the one that reported is not.
TEST_F(PharmaRecallTest, SharedApiLotAcrossTwoMahs) {
  SharedApiChain();
  const std::string p1 = kP1, p2 = kP2;
  Recall("RC-MAH1", "2", "mah-1",
         R"({"lots":[")" + p1 + R"(/B1","local:metformin-bulk/BK-1"]})");
  Recall("RC-MAH2", "2", "mah-2", R"({"lots":[")" + p2 + R"(/C1",")" + p2 + R"(/C2"]})");

  json::object m1 = Get("nmpa", "/v1/recalls/RC-MAH1");
  const json::object& plan = m1.at("plan").as_object();
  EXPECT_EQ(plan.at("source").as_string(), "pharma");
  EXPECT_EQ(plan.at("rule_set").as_string(), "pharma/2026.1");
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 72);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 72);
  EXPECT_EQ(testing::PlanDue(plan, "complete"), 30 * 24);
  EXPECT_TRUE(m1.at("public_notice").as_bool());
  // The bulk batch takes its three packaging batches with it.
  EXPECT_EQ(Strings(m1.at("scope").as_object().at("lots")),
            (std::set<std::string>{p1 + "/B1", "local:metformin-bulk/BK-1", p1 + "/PK-1",
                                   p1 + "/PK-2", p1 + "/PK-3"}))
      << json::serialize(m1.at("scope"));
  EXPECT_EQ(Parties(m1), (std::set<std::string>{"mah-1", "dist", "pharmacy-1", "hospital-1",
                                                "pharmacy-2", "pharmacy-3"}))
      << json::serialize(m1.at("parties"));
  json::object m2 = Get("nmpa", "/v1/recalls/RC-MAH2");
  EXPECT_EQ(Strings(m2.at("scope").as_object().at("lots")),
            (std::set<std::string>{p2 + "/C1", p2 + "/C2"}));
  EXPECT_EQ(Parties(m2), (std::set<std::string>{"mah-2", "pharmacy-3", "hospital-1"}))
      << json::serialize(m2.at("parties"));

  // Seeded at the API lot: every batch of both MAHs that holds A-77, the
  // bulk batch and its packaging batches; not A-78, B3 or pharmacy 4.
  Recall("RC-API", "2", "api-maker", R"({"input_lots":["local:metformin-api/A-77"]})");
  json::object api = Get("nmpa", "/v1/recalls/RC-API");
  EXPECT_EQ(Strings(api.at("scope").as_object().at("lots")),
            (std::set<std::string>{"local:metformin-api/A-77", p1 + "/B1",
                                   "local:metformin-bulk/BK-1", p1 + "/PK-1", p1 + "/PK-2",
                                   p1 + "/PK-3", p2 + "/C1", p2 + "/C2"}))
      << json::serialize(api.at("scope"));
  EXPECT_EQ(Parties(api), (std::set<std::string>{"api-maker", "mah-1", "mah-2", "dist",
                                                 "pharmacy-1", "pharmacy-2", "pharmacy-3",
                                                 "hospital-1"}))
      << json::serialize(api.at("parties"));

  // Everyone acknowledges; 40 h on, MAH 1 files its recall plan with the
  // regulator and reports; 33 h later (73 h after the notice) MAH 2 has
  // missed both its plan filing and its report (level 2: 3 days each).
  for (const auto& p : Parties(m1)) Ok(p, R"({"type":"recall_ack","recall_id":"RC-MAH1"})");
  for (const auto& p : Parties(m2)) Ok(p, R"({"type":"recall_ack","recall_id":"RC-MAH2"})");
  AdvanceHours(40);
  // A plan is filed by the responsible MAH only, and names its documents.
  EXPECT_EQ(Post("dist", R"({"type":"recall_progress","recall_id":"RC-MAH1","report":"plan",
      "evidence":["plan.pdf"]})").status, 403);
  EXPECT_EQ(Post("mah-1", R"({"type":"recall_progress","recall_id":"RC-MAH1","report":"plan"})").status,
            400);
  Ok("mah-1", R"({"type":"recall_progress","recall_id":"RC-MAH1","report":"plan",
      "evidence":["RC-MAH1-evaluation.pdf","RC-MAH1-plan.pdf"]})");
  Ok("mah-1", R"({"type":"recall_progress","recall_id":"RC-MAH1","note":"notices out, 12 packs back",
      "items":[{"lot":"national:86900001000019/PK-3","destroyed":"10 EA"}]})");
  AdvanceHours(33);
  EXPECT_EQ(Overdue("RC-MAH2", 2),
            (std::set<std::pair<std::string, std::string>>{{"mah-2", "file_plan"},
                                                           {"mah-2", "progress_report"}}));
  EXPECT_TRUE(Overdue("RC-MAH1", 0).empty());
  // The status shows each milestone: the plan met, MAH 2's missed.
  json::object plan1 = testing::Milestone(Get("nmpa", "/v1/recalls/RC-MAH1"), "file_plan");
  EXPECT_FALSE(plan1.at("missed").as_bool()) << json::serialize(plan1);
  EXPECT_TRUE(plan1.contains("met_at")) << json::serialize(plan1);
  json::object plan2 = testing::Milestone(Get("nmpa", "/v1/recalls/RC-MAH2"), "file_plan");
  EXPECT_TRUE(plan2.at("missed").as_bool()) << json::serialize(plan2);
  EXPECT_EQ(plan2.at("party").as_string(), "mah-2");
}

// Scenario 4(e)2: suspect packs (a code dispensed elsewhere, one scanned
// where it never went) are recalled at serial level: the scope is those
// codes and their holders, not their lots; the plan notifies within 24 h
// whatever the level.
TEST_F(PharmaRecallTest, CounterfeitCodesStayAtSerialLevel) {
  SharedApiChain();
  Recall("RC-SUSPECT", "3", "mah-1",
         R"({"serials":[")" + Code(1, 3) + R"(",")" + Code(6, 2) + R"("]})");
  json::object st = Get("nmpa", "/v1/recalls/RC-SUSPECT");
  const json::object& plan = st.at("plan").as_object();
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 24);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 7 * 24);
  EXPECT_FALSE(st.at("public_notice").as_bool());
  const json::object& scope = st.at("scope").as_object();
  EXPECT_EQ(Strings(scope.at("serials")), (std::set<std::string>{Code(1, 3), Code(6, 2)}))
      << json::serialize(scope);
  std::set<std::string> parties = Parties(st);
  EXPECT_EQ(parties.count("pharmacy-1"), 1u) << json::serialize(st.at("parties"));
  EXPECT_EQ(parties.count("pharmacy-3"), 1u) << json::serialize(st.at("parties"));
  // Hospital 1 holds other packs of both lots, pharmacy 2 and 4 other lots.
  for (const char* p : {"hospital-1", "pharmacy-2", "pharmacy-4"}) {
    EXPECT_EQ(parties.count(p), 0u) << p << ": " << json::serialize(st.at("parties"));
  }
}

// Scenario 4(e)3: distributor D's cold room C was at 12 °C from 02:00 to
// 09:00 on 10-04. D records what it stores in C, case by case. A recall
// seeded at that window of C takes the cases that were in the room then,
// the packs inside them and whoever holds them now (the pharmacy they were
// shipped on to, which opened it before the recall) — not the case taken
// out before the excursion, nor the case that arrived after it, nor the
// rest of the lot.
TEST_F(PharmaRecallTest, AColdRoomExcursionTakesWhatWasInTheRoomThenAndWhereItWent) {
  AddParty("nifdc", "lab");
  const std::string vaccine = "national:86900002000018/V-1";
  Ok("mah-1", R"({"type":"product","scheme":"national","product_id":"86900002000018",
      "sector":"pharma","name":"influenza vaccine 0.5 ml","default_unit":"EA"})");
  Ok("mah-1", R"({"type":"lot","lot":")" + vaccine + R"(","quantity":"12 EA",
      "production_time":"2026-09-01T08:00:00+08:00","expiry_time":"2027-09-01T00:00:00+08:00",
      "attributes":{"approval_number":"国药准字S20240001","biologic_type":"vaccine",
      "qp_released_at":{"time":"2026-09-20T08:00:00+08:00"}},"serials":)" +
                 CodeList(8, 1, 12) + "}");
  Ok("nifdc", R"({"type":"certificate","cert_id":"SP-2026-0917","kind":"lot_release",
      "subject_lot":")" + vaccine + R"(","valid_from":"2026-09-24T00:00:00+08:00"})");
  for (int c = 0; c < 3; ++c) {
    Ok("mah-1", R"({"type":"aggregation","action":"pack","parent":"CASE-)" + std::to_string(c + 1) +
                    R"(","children":)" + CodeList(8, 4 * c + 1, 4 * c + 4) + "}",
       "2026-09-25T08:00:00+08:00");
  }
  // Whole cases move; the packs inside travel with them.
  auto ship = [&](const std::string& from, const std::string& to, const std::string& id,
                  const std::string& box, const std::string& day) {
    std::string items = R"([{"lot":")" + vaccine + R"(","quantity":"4 EA"}])";
    Ok(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                 R"(","items":)" + items + R"(,"containers":[")" + box + R"("]})",
       day + "T08:00:00+08:00");
    Ok(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
               R"(","items":)" + items + "}",
       day + "T15:00:00+08:00");
  };
  ship("mah-1", "dist", "DN-V-1", "CASE-1", "2026-10-01");
  ship("mah-1", "dist", "DN-V-2", "CASE-2", "2026-10-01");
  Ok("dist", R"({"type":"unit","unit_id":"C","kind":"cold_room","sector":"pharma"})");
  auto stored = [&](const std::string& box, const std::string& in, const std::string& out) {
    Ok("dist", R"({"type":"unit_event","unit":"C","kind":"stored","input":")" + vaccine +
                   R"(","serials":[")" + box + R"("],"start":")" + in + R"(")" +
                   (out.empty() ? "" : R"(,"end":")" + out + R"(")") +
                   R"(,"attributes":{"setpoint_c":{"decimal":"5.0"}}})",
       out.empty() ? in : out);
  };
  // CASE-2 leaves the room before the excursion, CASE-1 after it.
  stored("CASE-2", "2026-10-01T16:00:00+08:00", "2026-10-03T07:00:00+08:00");
  ship("dist", "pharmacy-2", "DN-D-2", "CASE-2", "2026-10-03");
  stored("CASE-1", "2026-10-01T16:00:00+08:00", "2026-10-05T07:00:00+08:00");
  ship("dist", "pharmacy-1", "DN-D-1", "CASE-1", "2026-10-05");
  // The pharmacy opens the case before anyone knows of the excursion.
  Ok("pharmacy-1", R"({"type":"aggregation","action":"unpack","parent":"CASE-1","children":)" +
                       CodeList(8, 1, 4) + "}",
     "2026-10-06T09:00:00+08:00");
  // CASE-3 arrives after the excursion and is still in the room.
  ship("mah-1", "dist", "DN-V-3", "CASE-3", "2026-10-06");
  stored("CASE-3", "2026-10-06T16:00:00+08:00", "");

  // A storage record made in error (CASE-3 was not there yet) is declared
  // wrong by the distributor: it puts nothing in the room.
  auto wrong = Post("dist", R"({"type":"unit_event","unit":"C","kind":"stored","input":")" +
                                vaccine + R"(","serials":["CASE-3"],
      "start":"2026-10-02T16:00:00+08:00","end":"2026-10-06T07:00:00+08:00"})");
  ASSERT_EQ(wrong.status, 201) << wrong.body;
  Ok("dist", R"({"type":"error_declaration","corrected":[")" +
                 std::string(json::parse(wrong.body).at("record_id").as_string()) +
                 R"("],"reason":"incorrect_data"})");
  // A storage claim about goods the distributor never held is refused.
  Refused("dist", R"({"type":"unit_event","unit":"C","kind":"stored","serials":["NO-SUCH-CASE"],
      "start":"2026-10-06T16:00:00+08:00"})",
          "unknown_serial", "");
  Refused("dist", R"({"type":"unit_event","unit":"C","kind":"stored",
      "input":"local:metformin-api/A-77","start":"2026-10-06T16:00:00+08:00"})",
          "unknown_lot", "");

  Recall("RC-COLD", "2", "mah-1",
         R"({"unit_windows":[{"owner":"dist","unit":"C","start":"2026-10-04T02:00:00+08:00",
             "end":"2026-10-04T09:00:00+08:00"}]})");
  json::object st = Get("nmpa", "/v1/recalls/RC-COLD");
  const json::object& scope = st.at("scope").as_object();
  std::set<std::string> want{"CASE-1"};
  for (int i = 1; i <= 4; ++i) want.insert(Code(8, i));
  EXPECT_EQ(Strings(scope.at("serials")), want) << json::serialize(scope);
  EXPECT_EQ(scope.at("lots").as_array().size(), 0u) << json::serialize(scope);
  std::set<std::string> parties = Parties(st);
  EXPECT_EQ(parties.count("pharmacy-1"), 1u) << json::serialize(st.at("parties"));
  for (const char* p : {"pharmacy-2", "pharmacy-3", "hospital-1"}) {
    EXPECT_EQ(parties.count(p), 0u) << p << ": " << json::serialize(st.at("parties"));
  }
  // Pharmacy 1 may not dispense a pack from the room; pharmacy 2 may.
  Refused("pharmacy-1", R"({"type":"disposition","kind":"dispensed","items":[{"lot":")" + vaccine +
                            R"(","quantity":"1 EA","serials":[")" + Code(8, 2) + R"("]}]})",
          "lot_recalled", "");
  Ok("pharmacy-2", R"({"type":"disposition","kind":"dispensed","items":[{"lot":")" + vaccine +
                       R"(","quantity":"1 EA","serials":[")" + Code(8, 6) + R"("]}]})");
  // Pharmacy 1 sends the packs back to the MAH (the recall's own flow); the
  // scope recomputed as of its log index is still the same: who held the
  // packs then, not now.
  std::string back = R"([{"lot":")" + vaccine + R"(","quantity":"3 EA","serials":)" +
                     CodeList(8, 1, 3) + "}]";
  Ok("pharmacy-1", R"({"type":"shipment","shipment_id":"DN-R-1","to":"mah-1","items":)" + back +
                       "}",
     "2026-10-10T08:00:00+08:00");
  json::object again = Get("nmpa", "/v1/recalls/RC-COLD/recompute");
  EXPECT_TRUE(again.at("same").as_bool()) << json::serialize(again);
}

// Scenario 4(e)5: level 1 — notices within a day, daily reports, public
// notice. The day-2 report is missed and flagged; the regulator then widens
// the recall and only the newly implicated consignees get (round 1) notices.
TEST_F(PharmaRecallTest, LevelOneClockAndWidening) {
  SharedApiChain();
  const std::string p1 = kP1, p2 = kP2;
  Recall("RC-L1", "1", "mah-1", R"({"lots":[")" + p1 + R"(/B1"]})");
  json::object st = Get("nmpa", "/v1/recalls/RC-L1");
  const json::object& plan = st.at("plan").as_object();
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 24);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 24);
  EXPECT_TRUE(st.at("public_notice").as_bool());
  std::set<std::string> first = Parties(st);
  EXPECT_EQ(first, (std::set<std::string>{"mah-1", "dist", "pharmacy-1", "hospital-1"}))
      << json::serialize(st.at("parties"));
  for (const auto& p : first) Ok(p, R"({"type":"recall_ack","recall_id":"RC-L1"})");

  AdvanceHours(20);  // the plan (due within a day at level 1) and the day-1 report
  Ok("mah-1", R"({"type":"recall_progress","recall_id":"RC-L1","report":"plan",
      "evidence":["RC-L1-plan.pdf"]})");
  Ok("mah-1", R"({"type":"recall_progress","recall_id":"RC-L1","note":"day 1"})");
  AdvanceHours(30);  // 50 h: the day-2 report (due at 44 h) is missing
  EXPECT_EQ(Overdue("RC-L1", 1),
            (std::set<std::pair<std::string, std::string>>{{"mah-1", "progress_report"}}));

  // Not thorough: C2 (the same API) is added. Its maker and its consignee
  // get a new (round 1) notice; the parties that only hold B1 get none.
  Ok("nmpa", R"({"type":"recall_widen","recall_id":"RC-L1","reason":"same API lot A-77",
      "seed":{"lots":[")" + p2 + R"(/C2"]}})");
  json::object widened = Get("nmpa", "/v1/recalls/RC-L1");
  EXPECT_EQ(Strings(widened.at("scope").as_object().at("lots")),
            (std::set<std::string>{p1 + "/B1", p2 + "/C2"}));
  std::map<std::string, int64_t> rounds;
  for (const auto& p : widened.at("parties").as_array()) {
    const json::object& po = p.as_object();
    if (po.at("notified").as_bool()) {
      rounds[std::string(po.at("party").as_string())] = po.at("round").to_number<int64_t>();
    }
  }
  EXPECT_EQ(rounds, (std::map<std::string, int64_t>{{"mah-1", 0}, {"dist", 0}, {"pharmacy-1", 0},
                                                    {"hospital-1", 1}, {"mah-2", 1}}))
      << json::serialize(widened.at("parties"));
}

// A MAH initiates a level 3 recall of its own batch C2. The sector's
// regulator is told for information (another sector's is not), owes no
// acknowledgement and does not hold up the closing. Milestones run on the
// drill clock: returns done -> the summary is due within 10 working days
// (missed here) -> the regulator's review within 10 days of the summary
// (missed too) -> review and close.
TEST_F(PharmaRecallTest, AFirmsOwnRecallRunsThroughItsMilestones) {
  SharedApiChain();
  keys_["hubei-amr"] = testing::Must(PrivateKey::Generate());
  Ok("platform-admin", R"({"type":"party","party_id":"hubei-amr","roles":["regulator"],
      "sectors":["agriculture"],"keys":[")" +
                           Base64Encode(std::string_view(
                               reinterpret_cast<const char*>(
                                   keys_["hubei-amr"].public_key().raw().data()),
                               32)) +
                           R"("]})");
  const std::string p2 = kP2;
  Ok("mah-2", R"({"type":"recall","recall_id":"RC-OWN","sector":"pharma","level":"3",
      "hazard":"dissolution out of specification","responsible":"mah-2",
      "seed":{"lots":[")" + p2 + R"(/C2"]}})");
  json::object st = Get("nmpa", "/v1/recalls/RC-OWN");
  EXPECT_EQ(Parties(st), (std::set<std::string>{"mah-2", "hospital-1", "nmpa"}))
      << json::serialize(st.at("parties"));
  for (const auto& p : st.at("parties").as_array()) {
    const json::object& po = p.as_object();
    EXPECT_EQ(po.contains("for_information"), po.at("party").as_string() == "nmpa")
        << json::serialize(po);
  }
  EXPECT_EQ(st.at("effectiveness").at("notified_parties").as_int64(), 2);
  json::object inbox = Get("nmpa", "/v1/notices");
  ASSERT_EQ(inbox.at("notices").as_array().size(), 1u) << json::serialize(inbox);
  const json::object& notice = inbox.at("notices").as_array()[0].as_object();
  EXPECT_EQ(notice.at("recall_id").as_string(), "RC-OWN");
  EXPECT_TRUE(notice.at("for_information").as_bool());
  EXPECT_FALSE(notice.contains("ack_due"));
  // The firm started and notified with its own order.
  EXPECT_FALSE(testing::Milestone(st, "notify").at("missed").as_bool()) << json::serialize(st.at("deadlines"));
  EXPECT_FALSE(testing::Milestone(st, "summary").contains("due"));  // nothing completed yet

  for (const char* p : {"mah-2", "hospital-1"}) {
    Ok(p, R"({"type":"recall_ack","recall_id":"RC-OWN"})");
  }
  Ok("mah-2", R"({"type":"recall_progress","recall_id":"RC-OWN","report":"plan",
      "evidence":["RC-OWN-plan.pdf"]})");
  AdvanceHours(24);
  Ok("hospital-1", R"({"type":"recall_progress","recall_id":"RC-OWN","evidence":["destruction-0931.pdf"],
      "items":[{"lot":")" + p2 + R"(/C2","destroyed":"10 EA"}]})");
  st = Get("nmpa", "/v1/recalls/RC-OWN");
  json::object completion = testing::Milestone(st, "completion");
  EXPECT_TRUE(completion.contains("met_at")) << json::serialize(completion);
  EXPECT_FALSE(completion.at("missed").as_bool());
  EXPECT_TRUE(testing::Milestone(st, "summary").contains("due")) << json::serialize(st.at("deadlines"));
  EXPECT_FALSE(testing::Milestone(st, "review").contains("due"));  // no summary to review yet

  // 15 days on, no summary: 10 working days have passed.
  AdvanceHours(15 * 24);
  EXPECT_EQ(Overdue("RC-OWN", 1),
            (std::set<std::pair<std::string, std::string>>{{"mah-2", "summary"}}));
  Ok("mah-2", R"({"type":"recall_transition","recall_id":"RC-OWN","to":"completed_by_firm",
      "reason":"summary: 10 of 10 packs destroyed"})");
  // 11 days after the summary the regulator has not reviewed it.
  AdvanceHours(11 * 24);
  EXPECT_EQ(Overdue("RC-OWN", 2),
            (std::set<std::pair<std::string, std::string>>{{"mah-2", "summary"},
                                                           {"nmpa", "review"}}));
  Ok("nmpa", R"({"type":"recall_transition","recall_id":"RC-OWN","to":"under_review"})");
  // nmpa never acknowledged (it was told for information): the recall closes.
  Ok("nmpa", R"({"type":"recall_transition","recall_id":"RC-OWN","to":"closed",
      "reason":"effective"})");
  st = Get("nmpa", "/v1/recalls/RC-OWN?state=all");
  EXPECT_EQ(st.at("state").as_string(), "CLOSED");
  json::object review = testing::Milestone(st, "review");
  EXPECT_TRUE(review.at("missed").as_bool()) << json::serialize(review);
  EXPECT_EQ(review.at("party").as_string(), "nmpa");
}

}  // namespace
}  // namespace qtrace
