// Recalls through a real qtraced child process and the SDK's typed recall
// calls: who may order, widen and close (403 otherwise); the scope, its CSV
// and its recomputation; the notice inbox with its cursor; acknowledgements,
// progress and effectiveness; refusal of a recalled lot's shipment (422,
// naming the recall); expansion by a later harvest; the deadline monitor
// crossing a deadline on the daemon's drill clock; trace-back ranking; and
// webhooks pushed, host-signed and retried after a failure.
//
// The sector rules of the plugins are tested in tests/sectors; here the
// daemon runs without plugins, so the host's default plans apply
// (agriculture level 1: acknowledge within 24 h).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "qtrace/client.h"
#include "qtrace/host/ledger.h"
#include "qtrace/webhook.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::TempDir;

using testing::Must;

constexpr char kGtin[] = "gtin:06901234567892/";

// The system clock plus an offset the test moves together with the daemon's
// (--clock-offset-file), so signed requests stay inside the time window.
class OffsetClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return SystemClock::Default()->NowMicros() + offset_.load();
  }
  std::atomic<int64_t> offset_{0};
};

// A tiny HTTP server receiving webhooks: answers 503 to the first
// `fail_first` requests, 200 after, and keeps every body with its headers.
class WebhookSink {
 public:
  struct Hit {
    std::string body, signature, delivery;
    int answered = 0;
  };
  explicit WebhookSink(int fail_first) : fail_first_(fail_first) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookSink() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::vector<Hit> hits() {
    std::lock_guard l(mu_);
    return hits_;
  }

 private:
  static std::string Header(const std::string& head, const std::string& name) {
    std::string lower_head = head, lower_name = name;
    for (auto& c : lower_head) c = static_cast<char>(std::tolower(c));
    for (auto& c : lower_name) c = static_cast<char>(std::tolower(c));
    auto p = lower_head.find("\r\n" + lower_name + ":");
    if (p == std::string::npos) return "";
    p += name.size() + 3;
    auto e = head.find("\r\n", p);
    std::string v = head.substr(p, e - p);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    return v;
  }
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data;
      char buf[4096];
      size_t need = std::string::npos;
      std::string head;
      for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        auto end = data.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          head = data.substr(0, end);
          need = end + 4 + std::stoul(Header(head, "Content-Length").empty()
                                          ? "0"
                                          : Header(head, "Content-Length"));
        }
        if (need != std::string::npos && data.size() >= need) break;
      }
      Hit h;
      h.body = need == std::string::npos ? "" : data.substr(head.size() + 4);
      h.signature = Header(head, "X-Qtrace-Signature");
      h.delivery = Header(head, "X-Qtrace-Delivery");
      {
        std::lock_guard l(mu_);
        h.answered = static_cast<int>(hits_.size()) < fail_first_ ? 503 : 200;
        hits_.push_back(h);
      }
      std::string resp = "HTTP/1.1 " + std::to_string(h.answered) +
                         (h.answered == 200 ? " OK" : " Unavailable") +
                         "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, resp.data(), resp.size());
      close(c);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  int fail_first_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Hit> hits_;
};

class RecallDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    ASSERT_TRUE(host::Ledger::Initialize(data_, {}).ok());
    host::DataDirLayout layout(data_);
    admin_key_ = Must(PrivateKey::LoadPem(layout.admin_key()));
    host_key_ = Must(VerifyingKey::LoadPem(layout.host_public_key()));
    offset_file_ = dir_.path() + "/clock-offset";
    std::ofstream(offset_file_) << "0\n";
    daemon_ = std::make_unique<DaemonProcess>(
        QTRACED_PATH, data_,
        std::vector<std::string>{"--clock-offset-file", offset_file_, "--recall-monitor-s", "1"});
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    clients_["platform-admin"] = NewClient(admin_key_, "platform-admin");
    sink_ = std::make_unique<WebhookSink>(/*fail_first=*/1);
    for (const char* p : {"feed-mill", "coop", "bream-farm", "collector", "super-b", "restaurants"}) {
      AddParty(p, "enterprise");
    }
    AddParty("super-a", "enterprise", "http://127.0.0.1:" + std::to_string(sink_->port()) + "/hooks/recall");
    AddParty("city-amr", "regulator");
    PlayAquaticChain();
  }

  std::unique_ptr<Client> NewClient(const PrivateKey& key, const std::string& party) {
    ClientOptions o;
    o.party = party;
    o.clock = &clock_;
    return Must(Client::Create("127.0.0.1", daemon_->port(), key, std::move(o)));
  }

  void AddParty(const std::string& id, const std::string& role, const std::string& webhook = "") {
    PrivateKey key = Must(PrivateKey::Generate());
    PartySpec spec{.party_id = id, .name = id + " Co.", .roles = {role},
                   .keys = {key.public_key().raw()}};
    spec.webhook = webhook;
    auto r = clients_["platform-admin"]->RegisterParty(spec);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    clients_[id] = NewClient(key, id);
  }

  Client& As(const std::string& party) { return *clients_.at(party); }

  void S(const std::string& party, const std::string& record) {
    auto r = As(party).SubmitJson(record);
    ASSERT_TRUE(r.ok()) << party << " " << record << ": " << r.status().ToString();
  }

  void Ship(const std::string& from, const std::string& to, const std::string& lot,
            const std::string& qty, const std::string& day) {
    std::string id = "S" + std::to_string(++shipments_);
    S(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                R"(","event_time":")" + day + R"(T01:00:00Z","items":[{"lot":")" + lot +
                R"(","quantity":")" + qty + R"("}]})");
    S(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
              R"(","event_time":")" + day + R"(T05:00:00Z","items":[{"lot":")" + lot +
              R"(","quantity":")" + qty + R"("}]})");
  }

  // The demo story's aquatic chain in small: F-2406 fed ponds P3 and P5.
  void PlayAquaticChain() {
    S("feed-mill", R"({"type":"product","scheme":"local","product_id":"feed","sector":"agriculture"})");
    S("coop", R"({"type":"product","scheme":"local","product_id":"crab","sector":"agriculture"})");
    S("collector", R"({"type":"product","scheme":"local","product_id":"mixed","sector":"agriculture"})");
    S("collector", R"({"type":"product","scheme":"gtin","product_id":"06901234567892","sector":"agriculture"})");
    for (const char* lot : {"F-2405", "F-2406"}) {
      S("feed-mill", std::string(R"({"type":"lot","lot":"local:feed/)") + lot +
                         R"(","quantity":"2 TNE","production_time":"2026-04-20T08:00:00Z"})");
    }
    Ship("feed-mill", "coop", "local:feed/F-2405", "1 TNE", "2026-04-25");
    Ship("feed-mill", "coop", "local:feed/F-2406", "1 TNE", "2026-04-26");
    for (int p = 1; p <= 5; ++p) {
      std::string n = std::to_string(p);
      std::string feed = (p == 3 || p == 5) ? "F-2406" : "F-2405";
      S("coop", R"({"type":"unit","unit_id":"P)" + n + R"(","kind":"pond"})");
      S("coop", R"({"type":"unit_event","unit":"P)" + n + R"(","kind":"input_applied",
          "input":"local:feed/)" + feed + R"(","quantity":"100 KGM","start":"2026-05-02T00:00:00Z"})");
      S("coop", R"({"type":"lot","lot":"local:crab/P)" + n + R"(-0920","quantity":"800 KGM",
          "production_time":"2026-09-20T00:00:00Z","units":[{"unit":"P)" + n +
                    R"(","time":"2026-09-20T00:00:00Z"}]})");
    }
    for (int p : {1, 2, 3, 5}) {
      Ship("coop", "collector", "local:crab/P" + std::to_string(p) + "-0920", "800 KGM", "2026-09-21");
    }
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
      S("collector", std::string(R"({"type":"lot","lot":")") + kGtin + r.code +
                         R"(","quantity":"400 KGM","production_time":"2026-09-23T00:00:00Z",
                         "inputs":[{"lot":"local:mixed/)" + r.from + R"(","quantity":"400 KGM","kind":"split_from"}]})");
      Ship("collector", r.to, std::string(kGtin) + r.code, "400 KGM", "2026-09-24");
    }
    S("super-a", R"({"type":"disposition","kind":"sold","event_time":"2026-09-25T00:00:00Z",
        "items":[{"lot":"gtin:06901234567892/RB-01","quantity":"30 KGM"}]})");
  }

  RecallOrderSpec Rc1() {
    RecallOrderSpec o;
    o.recall_id = "RC-1";
    o.sector = "agriculture";
    o.level = "1";
    o.hazard = "banned veterinary drug residue (enrofloxacin)";
    o.reason = "spot check SC-0927-01 failed";
    o.responsible = "collector";
    o.seed.input_lots = {"local:feed/F-2406"};
    return o;
  }

  // Moves both clocks: the daemon's first (it re-reads the file every
  // 100 ms), then ours, so signed requests stay inside its time window.
  void AdvanceHours(int hours) {
    int64_t offset = clock_.offset_.load() + int64_t{hours} * 3600 * 1'000'000;
    std::ofstream(offset_file_, std::ios::trunc) << offset / 1'000'000 << "\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    clock_.offset_ = offset;
  }

  TempDir dir_;
  std::string data_, offset_file_;
  PrivateKey admin_key_;
  VerifyingKey host_key_;
  OffsetClock clock_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<WebhookSink> sink_;
  std::map<std::string, std::unique_ptr<Client>> clients_;
  int shipments_ = 0;
};

std::set<std::string> Set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

TEST_F(RecallDaemonTest, OrderScopeCsvRecomputeAndWhoMayDoWhat) {
  // An enterprise cannot order a recall of another firm's lots.
  RecallOrderSpec bad = Rc1();
  bad.recall_id = "RC-X";
  auto refused = As("super-a").OrderRecall(bad);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status().ToString();

  ASSERT_TRUE(As("city-amr").OrderRecall(Rc1()).ok());
  RecallView r = Must(As("city-amr").GetRecall("RC-1"));
  EXPECT_EQ(r.state, "NOTIFYING");
  EXPECT_EQ(r.ordered_by, "city-amr");
  // All and only the lots downstream of F-2406 after it was fed.
  EXPECT_EQ(Set(r.scope_lots),
            (std::set<std::string>{"local:feed/F-2406", "local:crab/P3-0920", "local:crab/P5-0920",
                                   "local:mixed/M-1", "local:mixed/M-2",
                                   std::string(kGtin) + "RB-01", std::string(kGtin) + "RB-02",
                                   std::string(kGtin) + "RB-03", std::string(kGtin) + "RB-04"}));
  std::set<std::string> notified;
  for (const auto& p : r.parties) {
    if (p.notified) notified.insert(p.party);
  }
  EXPECT_EQ(notified, (std::set<std::string>{"feed-mill", "coop", "collector", "super-a",
                                             "super-b", "restaurants"}));

  // The sheet: one row per lot and holder; the bream farm and P1/P2 are absent.
  std::string csv = Must(As("city-amr").RecallScopeCsv("RC-1"));
  EXPECT_EQ(csv.rfind("recall,lot,product,producer,holder,", 0), 0u) << csv;
  EXPECT_NE(csv.find("RC-1,gtin:06901234567892/RB-03,"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("P1-0920"), std::string::npos);
  EXPECT_EQ(csv.find("M-3"), std::string::npos);
  // Recomputed as of its log index after more records: the same digest.
  S("coop", R"({"type":"lot","lot":"local:crab/P1-1001","quantity":"10 KGM",
      "production_time":"2026-09-30T01:00:00Z","units":[{"unit":"P1","time":"2026-09-30T01:00:00Z"}]})");
  std::string again = Must(As("city-amr").RecomputeRecallScope("RC-1"));
  json::object a = json::parse(again).as_object();
  EXPECT_EQ(a.at("stored_digest").as_string(), r.scope_digest) << again;
  EXPECT_EQ(a.at("recomputed_digest").as_string(), r.scope_digest) << again;
  EXPECT_TRUE(a.at("same").as_bool()) << again;

  // A notified party sees its own part only; the full sheet is not for it.
  RecallView mine = Must(As("super-b").GetRecall("RC-1"));
  ASSERT_EQ(mine.parties.size(), 1u);
  EXPECT_EQ(mine.parties[0].party, "super-b");
  EXPECT_EQ(As("super-b").RecallScopeCsv("RC-1").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(As("bream-farm").GetRecall("RC-1").status().code(), StatusCode::kPermissionDenied);

  // Widening and closing are for regulators.
  RecallWidenSpec widen{.recall_id = "RC-1", .reason = "P2 also suspected"};
  widen.seed.lots = {"local:mixed/M-3"};
  EXPECT_EQ(As("collector").WidenRecall(widen).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(As("collector").TransitionRecall({.recall_id = "RC-1", .to = "closed"}).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(As("city-amr").WidenRecall(widen).ok());
  r = Must(As("city-amr").GetRecall("RC-1"));
  EXPECT_EQ(Set(r.scope_lots).count(std::string(kGtin) + "RB-05"), 1u);
  // Listing: open recalls, the regulator's view.
  auto list = Must(As("city-amr").ListRecalls());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].recall_id, "RC-1");
}

TEST_F(RecallDaemonTest, LiveProtectionExpansionAndTraceBack) {
  // Trace-back first: two complaint lots share M-1's and M-2's upstream.
  TraceBackResult tb =
      Must(As("city-amr").TraceBack({std::string(kGtin) + "RB-02", std::string(kGtin) + "RB-04"}));
  EXPECT_EQ(tb.failed_lots, 2u);
  ASSERT_FALSE(tb.candidates.empty());
  // The shared inputs explain both; the nearest shared one ranks first.
  EXPECT_EQ(tb.candidates[0].explains, 2u);
  std::set<std::string> explaining_both;
  for (const auto& c : tb.candidates) {
    if (c.explains == 2) explaining_both.insert(c.lot);
  }
  EXPECT_EQ(explaining_both, (std::set<std::string>{"local:feed/F-2406"})) << tb.json;
  EXPECT_EQ(As("super-a").TraceBack({std::string(kGtin) + "RB-02"}).status().code(),
            StatusCode::kPermissionDenied);

  ASSERT_TRUE(As("city-amr").OrderRecall(Rc1()).ok());
  // A shipment of a recalled lot is refused, naming the recall.
  auto ship = As("super-b").SubmitJson(R"({"type":"shipment","shipment_id":"X1","to":"restaurants",
      "items":[{"lot":"gtin:06901234567892/RB-02","quantity":"10 KGM"}]})");
  ASSERT_FALSE(ship.ok());
  EXPECT_EQ(ship.status().reason(), "lot_recalled");
  EXPECT_NE(ship.status().message().find("RC-1"), std::string::npos) << ship.status().ToString();
  // ... but returning it to the responsible party is the recall's own flow.
  S("super-b", R"({"type":"shipment","shipment_id":"RET-1","to":"collector",
      "items":[{"lot":"gtin:06901234567892/RB-02","quantity":"100 KGM"}]})");
  // A later harvest of pond P5 (fed F-2406, never emptied) joins the recall
  // and its holder is notified; P1's does not.
  S("coop", R"({"type":"lot","lot":"local:crab/P5-1001","quantity":"300 KGM",
      "units":[{"unit":"P5","time":"2026-09-30T01:00:00Z"}],"production_time":"2026-09-30T01:00:00Z"})");
  S("coop", R"({"type":"lot","lot":"local:crab/P1-1001","quantity":"300 KGM",
      "units":[{"unit":"P1","time":"2026-09-30T01:00:00Z"}],"production_time":"2026-09-30T01:00:00Z"})");
  RecallView r = Must(As("city-amr").GetRecall("RC-1"));
  EXPECT_EQ(Set(r.scope_lots).count("local:crab/P5-1001"), 1u);
  EXPECT_EQ(Set(r.scope_lots).count("local:crab/P1-1001"), 0u);
  NoticePage coop = Must(As("coop").Notices());
  ASSERT_FALSE(coop.notices.empty());
  bool names_new_lot = false;
  for (const auto& n : coop.notices) {
    for (const auto& l : n.lots) names_new_lot |= l.lot == "local:crab/P5-1001";
  }
  EXPECT_TRUE(names_new_lot);
}

TEST_F(RecallDaemonTest, NoticesAcksProgressDeadlinesEffectivenessAndClosure) {
  ASSERT_TRUE(As("city-amr").OrderRecall(Rc1()).ok());
  // A firm's own recall too, so super-a's inbox has two notices to page through.
  RecallOrderSpec own{.recall_id = "RC-2", .sector = "agriculture", .level = "3",
                      .hazard = "labelling", .responsible = "collector"};
  own.seed.lots = {std::string(kGtin) + "RB-04"};
  ASSERT_TRUE(As("collector").OrderRecall(own).ok());
  NoticePage p1 = Must(As("super-a").Notices("", 1));
  ASSERT_EQ(p1.notices.size(), 1u);
  EXPECT_EQ(p1.notices[0].recall_id, "RC-2");  // newest first
  ASSERT_FALSE(p1.next_cursor.empty());
  NoticePage p2 = Must(As("super-a").Notices(p1.next_cursor, 1));
  ASSERT_EQ(p2.notices.size(), 1u);
  EXPECT_EQ(p2.notices[0].recall_id, "RC-1");
  EXPECT_TRUE(p2.next_cursor.empty());
  EXPECT_FALSE(p2.notices[0].acknowledged);
  EXPECT_FALSE(p2.notices[0].ack_due.empty());
  EXPECT_TRUE(Must(As("bream-farm").Notices()).notices.empty());

  for (const char* p : {"feed-mill", "coop", "collector", "super-a", "super-b"}) {
    ASSERT_TRUE(As(p).AcknowledgeRecall({.recall_id = "RC-1"}).ok()) << p;
  }
  EXPECT_EQ(As("bream-farm").AcknowledgeRecall({.recall_id = "RC-1"}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Must(As("city-amr").ListOverdueRecalls()).empty());

  // 25 hours on the drill clock: the restaurant chain missed its deadline;
  // the monitor writes the host-signed overdue records within a second or two.
  uint64_t size_before = Must(As("city-amr").LogSize());
  AdvanceHours(25);
  std::vector<RecallSummary> overdue;
  for (int i = 0; i < 100; ++i) {
    overdue = Must(As("city-amr").ListOverdueRecalls());
    if (!overdue.empty() && Must(As("city-amr").LogSize()) > size_before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(overdue.size(), 1u);
  std::set<std::string> late;
  for (const auto& o : overdue[0].overdue) {
    if (o.what == "acknowledgement") late.insert(o.party);
  }
  EXPECT_EQ(late, (std::set<std::string>{"restaurants"}));
  EXPECT_GT(Must(As("city-amr").LogSize()), size_before) << "no RecallOverdue record was written";

  // The restaurant acknowledges late; everyone reports.
  ASSERT_TRUE(As("restaurants").AcknowledgeRecall({.recall_id = "RC-1"}).ok());
  struct P { const char* party; std::string lot; const char* destroyed; const char* consumed; };
  for (const P& p : {P{"super-a", std::string(kGtin) + "RB-01", "300 KGM", "30 KGM"},
                     P{"super-a", std::string(kGtin) + "RB-04", "400 KGM", ""},
                     P{"super-b", std::string(kGtin) + "RB-02", "400 KGM", ""},
                     P{"restaurants", std::string(kGtin) + "RB-03", "400 KGM", ""},
                     P{"collector", "local:mixed/M-1", "400 KGM", ""},
                     P{"collector", "local:mixed/M-2", "400 KGM", ""},
                     P{"coop", "local:feed/F-2406", "900 KGM", "100 KGM"},
                     P{"feed-mill", "local:feed/F-2406", "1000 KGM", ""}}) {
    RecallProgressSpec s{.recall_id = "RC-1", .evidence = {"disposal-" + std::string(p.party)}};
    s.items.push_back({.lot = p.lot, .destroyed = p.destroyed, .consumed = p.consumed});
    ASSERT_TRUE(As(p.party).ReportRecallProgress(s).ok()) << p.party << " " << p.lot;
  }
  RecallView r = Must(As("city-amr").GetRecall("RC-1"));
  EXPECT_EQ(r.notified_parties, 6u);
  EXPECT_EQ(r.acknowledged, 6u);
  EXPECT_EQ(r.acknowledged_on_time, 5u);  // the restaurant was late
  // Per holder: distributed = recovered + destroyed + consumed + corrected + unaccounted.
  bool saw_super_a_rb01 = false;
  for (const auto& h : r.holders) {
    if (h.party == "super-a" && h.lot == std::string(kGtin) + "RB-01") {
      saw_super_a_rb01 = true;
      EXPECT_EQ(h.distributed, "400 KGM");
      EXPECT_EQ(h.destroyed, "300 KGM");
      EXPECT_EQ(h.consumed, "30 KGM");
      EXPECT_EQ(h.unaccounted, "70 KGM");
    }
  }
  EXPECT_TRUE(saw_super_a_rb01) << r.json;
  EXPECT_LT(r.accounted_share, 1.0);

  // Closing: the firm reports completion, the regulator reviews and closes.
  EXPECT_EQ(As("collector").TransitionRecall({.recall_id = "RC-1", .to = "closed"}).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(As("collector")
                  .TransitionRecall({.recall_id = "RC-1", .to = "completed_by_firm",
                                     .reason = "summary report filed"})
                  .ok());
  ASSERT_TRUE(As("city-amr").TransitionRecall({.recall_id = "RC-1", .to = "under_review"}).ok());
  // 70 kg of RB-01 are unaccounted for: the regulator cannot close yet.
  auto early = As("city-amr").TransitionRecall({.recall_id = "RC-1", .to = "closed"});
  EXPECT_EQ(early.status().reason(), "closing_criteria") << early.status().ToString();
  EXPECT_NE(early.status().message().find("unaccounted"), std::string::npos);
  // Super A finds them in its back room (reports are cumulative per lot).
  RecallProgressSpec found{.recall_id = "RC-1"};
  found.items.push_back({.lot = std::string(kGtin) + "RB-01", .recovered = "70 KGM",
                         .destroyed = "300 KGM", .consumed = "30 KGM"});
  ASSERT_TRUE(As("super-a").ReportRecallProgress(found).ok());
  EXPECT_DOUBLE_EQ(Must(As("city-amr").GetRecall("RC-1")).accounted_share, 1.0);
  auto closed = As("city-amr").TransitionRecall({.recall_id = "RC-1", .to = "closed",
                                                 .outcome = "accepted_as_is"});
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(Must(As("city-amr").GetRecall("RC-1")).state, "CLOSED");
  auto open = Must(As("city-amr").ListRecalls());
  for (const auto& x : open) EXPECT_NE(x.recall_id, "RC-1");
}

TEST_F(RecallDaemonTest, WebhooksAreSignedByTheHostAndRetried) {
  ASSERT_TRUE(As("city-amr").OrderRecall(Rc1()).ok());
  // The sink refuses the first delivery; the dispatcher retries after ~1 s.
  std::vector<WebhookSink::Hit> hits;
  for (int i = 0; i < 100; ++i) {
    hits = sink_->hits();
    if (hits.size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(hits.size(), 2u) << daemon_->Log();
  EXPECT_EQ(hits[0].answered, 503);
  EXPECT_EQ(hits[1].answered, 200);
  for (const auto& h : hits) {
    EXPECT_TRUE(VerifyWebhook(host_key_, h.body, h.signature)) << h.body;
    std::string tampered = h.body;
    tampered[tampered.size() / 2] ^= 1;
    EXPECT_FALSE(VerifyWebhook(host_key_, tampered, h.signature));
  }
  json::object body = json::parse(hits[1].body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "recall_notice");
  EXPECT_EQ(body.at("recall_id").as_string(), "RC-1");
  EXPECT_EQ(body.at("party").as_string(), "super-a");
  EXPECT_EQ(body.at("attempt").as_int64(), 2);
  EXPECT_EQ(hits[0].delivery.substr(0, hits[0].delivery.find('-')),
            hits[1].delivery.substr(0, hits[1].delivery.find('-')));
  // The notice in the body is the one in the log.
  NoticePage inbox = Must(As("super-a").Notices());
  ASSERT_EQ(inbox.notices.size(), 1u);
  EXPECT_EQ(body.at("log_index").to_number<uint64_t>(), inbox.notices[0].notice_log_index);
  // Nobody else registered a webhook: exactly one notice was pushed.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sink_->hits().size(), 2u);
}

}  // namespace
}  // namespace qtrace
