// qtraced end to end: a real daemon process on a loopback port, a real store,
// raw HTTP. Every error status is provoked by a real bad input and leaves the
// store unchanged; restarts keep the log consistent with every checkpoint
// issued; concurrent clients lose and duplicate nothing; SIGTERM under load
// loses no acknowledged record.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/http_client.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "qtrace/record_json.h"
#include "qtrace/request_auth.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::TempDir;

constexpr char kFb[] = "application/x-flatbuffers";

using testing::Must;

int64_t NowSeconds() { return SystemClock::Default()->NowMicros() / kMicrosPerSecond; }

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override { StartFresh({}); }

  void StartFresh(std::vector<std::string> extra) {
    data_ = dir_.Sub("data");
    ASSERT_TRUE(host::Ledger::Initialize(data_, {}).ok());
    keys_["platform-admin"] = Must(PrivateKey::LoadPem(host::DataDirLayout(data_).admin_key()));
    host_key_ = Must(VerifyingKey::LoadPem(host::DataDirLayout(data_).host_public_key()));
    extra_ = std::move(extra);
    Start();
  }

  void Start() {
    daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data_, extra_);
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->port());
  }

  SignedEnvelope Sign(const std::string& party, const std::string& record_json) {
    json::value v = json::parse(record_json);
    auto& o = v.as_object();
    if (!o.contains("party")) o["party"] = party;
    if (!o.contains("event_time")) o["event_time"] = "2026-06-01T08:00:00+08:00";
    return SignPayload(keys_.at(party), kRecordPayloadType, Must(RecordFromJson(o)));
  }

  HttpResponse Post(const SignedEnvelope& env) {
    return Must(http_->Request("POST", "/v1/records", EncodeEnvelope(env), kFb));
  }
  HttpResponse PostJson(const std::string& party, const std::string& record_json) {
    return Post(Sign(party, record_json));
  }
  HttpResponse Get(const std::string& party, const std::string& target) {
    auto headers = SignRequest(keys_.at(party), "GET", target, "", NowSeconds());
    return Must(http_->Request("GET", target, "", "", headers));
  }

  void AddParty(const std::string& id, const std::string& role) {
    keys_[id] = Must(PrivateKey::Generate());
    std::string pub = Base64Encode(std::string_view(
        reinterpret_cast<const char*>(keys_[id].public_key().raw().data()), 32));
    auto r = PostJson("platform-admin", R"({"type":"party","party_id":")" + id +
                                            R"(","roles":[")" + role + R"("],"keys":[")" + pub +
                                            R"("]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  uint64_t LogSize() {
    auto r = Must(http_->Request("GET", "/healthz"));
    return json::parse(r.body).at("log_size").to_number<uint64_t>();
  }
  std::string CheckpointNote() { return Must(http_->Request("GET", "/v1/log/checkpoint")).body; }

  // Expects an error response with `status` and JSON {code, message, details}
  // that changed nothing.
  void ExpectError(const HttpResponse& r, int status, std::string_view reason,
                   uint64_t size_before, const std::string& note_before) {
    EXPECT_EQ(r.status, status) << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    EXPECT_TRUE(v.as_object().contains("code"));
    EXPECT_TRUE(v.as_object().contains("message"));
    EXPECT_TRUE(v.as_object().at("details").is_array());
    EXPECT_EQ(v.as_object().at("reason").as_string(), reason) << r.body;
    EXPECT_EQ(LogSize(), size_before);
    EXPECT_EQ(CheckpointNote(), note_before);
  }

  TempDir dir_;
  std::string data_;
  std::vector<std::string> extra_;
  std::map<std::string, PrivateKey> keys_;
  VerifyingKey host_key_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(DaemonTest, AcceptsARecordAndReturnsAVerifiableReceipt) {
  AddParty("farm", "enterprise");
  auto r = PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object o = json::parse(r.body).as_object();
  // The receipt's pieces verify offline: leaf = hash of the entry, inclusion
  // in the signed checkpoint.
  auto entry = Base64Decode(std::string_view(o.at("entry").as_string()));
  ASSERT_TRUE(entry.has_value());
  Hash256 leaf = LeafHash(*entry);
  EXPECT_EQ(Base64Encode(AsBytes(leaf)), o.at("leaf_hash").as_string());
  auto cp = OpenCheckpoint(std::string_view(o.at("checkpoint").as_string()), host_key_,
                           "qtrace.local/log");
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  std::vector<Hash256> proof;
  for (const auto& p : o.at("inclusion_proof").as_array()) {
    Hash256 h;
    ASSERT_TRUE(ToHash256(*Base64Decode(std::string_view(p.as_string())), &h));
    proof.push_back(h);
  }
  EXPECT_TRUE(VerifyInclusion(leaf, o.at("index").to_number<uint64_t>(), cp->size, proof, cp->root).ok());
  // The same record again: 200, same index.
  auto again = PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body).at("index"), o.at("index"));
  // The receipt endpoint gives the C2SP tlog-proof text, which verifies.
  auto rr = Get("farm", "/v1/records/" + std::string(o.at("record_id").as_string()) + "/receipt");
  ASSERT_EQ(rr.status, 200) << rr.body;
  EXPECT_TRUE(VerifyReceipt(rr.body, host_key_, "qtrace.local/log").ok());
}

TEST_F(DaemonTest, EveryBadInputGetsItsStatusAndChangesNothing) {
  AddParty("farm", "enterprise");
  AddParty("shop", "enterprise");
  AddParty("city-amr", "regulator");
  ASSERT_EQ(PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status, 201);
  ASSERT_EQ(PostJson("farm", R"({"type":"lot","lot":"local:rice/L1","quantity":"10 KGM","production_time":"2026-06-01T08:00:00+08:00"})").status, 201);
  uint64_t size = LogSize();
  std::string note = CheckpointNote();

  // 400: malformed JSON, corrupted flatbuffer, bad envelope JSON.
  ExpectError(Must(http_->Request("POST", "/v1/records", "{not json", "application/json")), 400,
              "bad_json", size, note);
  std::string fb = EncodeEnvelope(Sign("farm", R"({"type":"unit","unit_id":"P1","kind":"plot"})"));
  fb.resize(fb.size() - 9);
  ExpectError(Must(http_->Request("POST", "/v1/records", fb, kFb)), 400, "bad_flatbuffer", size, note);
  // 401: wrong signature, unknown key.
  auto env = Sign("farm", R"({"type":"unit","unit_id":"P1","kind":"plot"})");
  env.signature[3] ^= 4;
  ExpectError(Post(env), 401, "bad_signature", size, note);
  PrivateKey stranger = Must(PrivateKey::Generate());
  auto foreign = env;
  foreign.key_id = stranger.id();
  foreign.signature = stranger.SignRecord(foreign.payload_type, foreign.payload);
  ExpectError(Post(foreign), 401, "unknown_key", size, note);
  // 403: an enterprise registering a party.
  std::string pub = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(stranger.public_key().raw().data()), 32));
  ExpectError(PostJson("farm", R"({"type":"party","party_id":"fake","roles":["enterprise"],"keys":[")" +
                                   pub + R"("]})"),
              403, "role_not_allowed", size, note);
  // 409: a different record reusing a lot key.
  ExpectError(PostJson("farm", R"({"type":"lot","lot":"local:rice/L1","quantity":"11 KGM","production_time":"2026-06-01T08:00:00+08:00"})"),
              409, "lot_exists", size, note);
  // 422: unknown lot reference; a shipment exceeding the balance.
  ExpectError(PostJson("farm", R"({"type":"shipment","shipment_id":"S1","to":"shop","items":[{"lot":"local:rice/NOPE","quantity":"1 KGM"}]})"),
              422, "unknown_lot", size, note);
  ExpectError(PostJson("farm", R"({"type":"shipment","shipment_id":"S1","to":"shop","items":[{"lot":"local:rice/L1","quantity":"11 KGM"}]})"),
              422, "balance_negative", size, note);
  // Reads: unsigned -> 401; unknown lot -> 404; someone else's lot -> 403.
  ExpectError(Must(http_->Request("GET", "/v1/lots/local:rice/L1")), 401, "signature_required",
              size, note);
  ExpectError(Get("farm", "/v1/lots/local:rice/NOPE"), 404, "unknown_lot", size, note);
  ExpectError(Get("shop", "/v1/lots/local:rice/L1"), 403, "not_visible", size, note);
  EXPECT_EQ(Get("city-amr", "/v1/lots/local:rice/L1").status, 200);
  EXPECT_EQ(Get("farm", "/v1/lots/local:rice/L1").status, 200);
  // 401: a stale timestamp; a replayed request.
  {
    std::string target = "/v1/lots/local:rice/L1";
    auto headers = SignRequest(keys_["farm"], "GET", target, "", NowSeconds() - 600);
    ExpectError(Must(http_->Request("GET", target, "", "", headers)), 401, "stale_request", size, note);
    headers = SignRequest(keys_["farm"], "GET", target, "", NowSeconds() - 1);
    EXPECT_EQ(Must(http_->Request("GET", target, "", "", headers)).status, 200);
    ExpectError(Must(http_->Request("GET", target, "", "", headers)), 401, "replayed_request",
                size, note);
    // A signature for another target does not transfer.
    headers = SignRequest(keys_["farm"], "GET", "/v1/parties/farm", "", NowSeconds());
    ExpectError(Must(http_->Request("GET", target, "", "", headers)), 401,
                "bad_request_signature", size, note);
  }
  // 401: a revoked key (the revocation itself is accepted, then nothing else).
  std::string key_hex = HexEncode(AsBytes(keys_["shop"].id()));
  ASSERT_EQ(PostJson("city-amr", R"({"type":"key_revocation","party_id":"shop","key_id":")" +
                                     key_hex + R"("})").status,
            201);
  size = LogSize();
  note = CheckpointNote();
  ExpectError(PostJson("shop", R"({"type":"unit","unit_id":"C1","kind":"cold_room"})"), 401,
              "key_revoked", size, note);
}

// /metrics in the Prometheus text format: requests by route and status, the
// latency histogram, records accepted / duplicated / rejected by reason, the
// log and store size, group commits.
TEST_F(DaemonTest, MetricsCountWhatHappened) {
  AddParty("farm", "enterprise");
  const std::string product =
      R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})";
  auto env = Sign("farm", product);
  ASSERT_EQ(Post(env).status, 201);
  ASSERT_EQ(Post(env).status, 200);  // a resubmission: the same receipt
  ASSERT_EQ(PostJson("farm", R"({"type":"lot","lot":"local:rice/NOPE","quantity":"1 KGM",
      "inputs":[{"lot":"local:rice/GHOST","quantity":"1 KGM"}],
      "production_time":"2026-06-01T08:00:00+08:00"})").status, 422);
  uint64_t size = LogSize();

  auto r = Must(http_->Request("GET", "/metrics"));
  ASSERT_EQ(r.status, 200);
  const std::string& m = r.body;
  auto value = [&](const std::string& series) -> double {
    size_t at = m.find("\n" + series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no " << series << " in\n" << m;
      return -1;
    }
    return std::stod(m.substr(at + series.size() + 2));
  };
  EXPECT_EQ(value(R"(qtrace_http_requests_total{route="/v1/records",status="201"})"), 2);
  EXPECT_EQ(value(R"(qtrace_http_requests_total{route="/v1/records",status="200"})"), 1);
  EXPECT_EQ(value(R"(qtrace_http_requests_total{route="/v1/records",status="422"})"), 1);
  EXPECT_EQ(value(R"(qtrace_http_request_duration_seconds_count{route="/v1/records"})"), 4);
  EXPECT_EQ(value(R"(qtrace_http_request_duration_seconds_bucket{route="/v1/records",le="+Inf"})"),
            4);
  EXPECT_EQ(value("qtrace_records_accepted_total"), 2);
  EXPECT_EQ(value("qtrace_records_duplicate_total"), 1);
  EXPECT_GE(value(R"(qtrace_records_rejected_total{reason="unknown_lot"})"), 1);
  EXPECT_EQ(value("qtrace_log_size"), static_cast<double>(size));
  EXPECT_GT(value("qtrace_store_bytes"), 0);
  EXPECT_GE(value("qtrace_group_commits_total"), 2);
  EXPECT_NE(m.find("# TYPE qtrace_http_request_duration_seconds histogram"), std::string::npos);
}

TEST_F(DaemonTest, OversizedBodyIs413) {
  daemon_->Stop(SIGTERM);
  extra_ = {"--max-body-bytes", "65536"};
  Start();
  uint64_t size = LogSize();
  std::string note = CheckpointNote();
  std::string big(100'000, 'x');
  auto r = http_->Request("POST", "/v1/records", big, kFb);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413) << r->body;
  http_->Close();
  EXPECT_EQ(LogSize(), size);
  EXPECT_EQ(CheckpointNote(), note);
}

TEST_F(DaemonTest, OverloadIs429) {
  daemon_->Stop(SIGTERM);
  extra_ = {"--max-pending-records", "20", "--verify-threads", "1"};
  Start();
  AddParty("farm", "enterprise");
  ASSERT_EQ(PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status, 201);
  std::atomic<int> n429{0}, n200{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 6; ++t) {
    ts.emplace_back([&, t] {
      HttpClient c("127.0.0.1", daemon_->port());
      for (int round = 0; round < 10 && n429.load() == 0; ++round) {
        std::vector<SignedEnvelope> batch;
        for (int i = 0; i < 15; ++i) {
          batch.push_back(Sign("farm", R"({"type":"lot","lot":"local:rice/T)" + std::to_string(t) +
                                           "-" + std::to_string(round) + "-" + std::to_string(i) +
                                           R"(","quantity":"1 KGM","production_time":"2026-06-01T08:00:00Z"})"));
        }
        auto r = c.Request("POST", "/v1/records:batch", EncodeEnvelopeBatch(batch), kFb);
        if (!r.ok()) continue;
        if (r->status == 429) {
          ++n429;
          EXPECT_FALSE(r->Header("Retry-After").empty());
        } else if (r->status == 200) {
          ++n200;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_GT(n429.load(), 0);
  EXPECT_GT(n200.load(), 0);
}

TEST_F(DaemonTest, RestartKeepsEverythingConsistentWithEveryCheckpoint) {
  AddParty("farm", "enterprise");
  ASSERT_EQ(PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status, 201);
  std::vector<Checkpoint> issued;
  for (int i = 0; i < 5; ++i) {
    auto r = PostJson("farm", R"({"type":"lot","lot":"local:rice/R)" + std::to_string(i) +
                                  R"(","quantity":"1 KGM","production_time":"2026-06-01T08:00:00Z"})");
    ASSERT_EQ(r.status, 201);
    issued.push_back(Must(OpenCheckpoint(CheckpointNote(), host_key_, "qtrace.local/log")));
  }
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
  Start();
  EXPECT_EQ(Get("farm", "/v1/lots/local:rice/R4").status, 200);
  ASSERT_EQ(PostJson("farm", R"({"type":"lot","lot":"local:rice/after","quantity":"1 KGM","production_time":"2026-06-01T08:00:00Z"})").status, 201);
  Checkpoint now = Must(OpenCheckpoint(CheckpointNote(), host_key_, "qtrace.local/log"));
  for (const auto& old : issued) {
    auto r = Must(http_->Request("GET", "/v1/log/proof/consistency?from=" + std::to_string(old.size) +
                                            "&to=" + std::to_string(now.size)));
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<Hash256> proof;
    json::value body = json::parse(r.body);
    for (const auto& p : body.at("proof").as_array()) {
      Hash256 h;
      ToHash256(*Base64Decode(std::string_view(p.as_string())), &h);
      proof.push_back(h);
    }
    EXPECT_TRUE(VerifyConsistency(old.size, now.size, old.root, now.root, proof).ok());
  }
}

TEST_F(DaemonTest, ConcurrentClientsLoseAndDuplicateNothing) {
  AddParty("farm", "enterprise");
  ASSERT_EQ(PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status, 201);
  uint64_t before = LogSize();
  constexpr int kThreads = 8, kPerThread = 1000, kBatch = 50;
  std::vector<std::vector<std::string>> payloads(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      payloads[t].push_back(EncodeEnvelope(Sign(
          "farm", R"({"type":"lot","lot":"local:rice/C)" + std::to_string(t) + "-" +
                      std::to_string(i) +
                      R"(","quantity":"1 KGM","production_time":"2026-06-01T08:00:00Z"})")));
    }
  }
  std::atomic<int> accepted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      HttpClient c("127.0.0.1", daemon_->port());
      for (int i = 0; i < kPerThread; i += kBatch) {
        // Half the threads send single records, half send batches.
        if (t % 2 == 0) {
          for (int j = i; j < i + kBatch; ++j) {
            auto r = c.Request("POST", "/v1/records", payloads[t][j], kFb);
            if (r.ok() && r->status == 201) ++accepted;
          }
        } else {
          std::vector<SignedEnvelope> envs;
          for (int j = i; j < i + kBatch; ++j) envs.push_back(*DecodeEnvelope(payloads[t][j]));
          auto r = c.Request("POST", "/v1/records:batch", EncodeEnvelopeBatch(envs), kFb);
          if (r.ok() && r->status == 200) {
            accepted += static_cast<int>(json::parse(r->body).at("accepted").to_number<int64_t>());
          }
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(accepted.load(), kThreads * kPerThread);
  EXPECT_EQ(LogSize(), before + kThreads * kPerThread);
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
  host::LedgerOptions lo;
  lo.data_dir = data_;
  auto ledger = Must(host::Ledger::Open(lo));
  ledger->WithState([&](const host::LedgerState& s) {
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(s.FindLot(fb::IdScheme::LOCAL, "rice",
                              "C" + std::to_string(t) + "-" + std::to_string(i)));
      }
    }
    EXPECT_EQ(s.lot_count(), static_cast<size_t>(kThreads * kPerThread));
    return 0;
  });
}

TEST_F(DaemonTest, SigtermUnderLoadLosesNoAcknowledgedRecord) {
  AddParty("farm", "enterprise");
  ASSERT_EQ(PostJson("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status, 201);
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> count{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      HttpClient c("127.0.0.1", daemon_->port());
      for (int i = 0; !stop.load(); ++i) {
        std::string code = "G" + std::to_string(t) + "-" + std::to_string(i);
        auto env = Sign("farm", R"({"type":"lot","lot":"local:rice/)" + code +
                                    R"(","quantity":"1 KGM","production_time":"2026-06-01T08:00:00Z"})");
        auto r = c.Request("POST", "/v1/records", EncodeEnvelope(env), kFb);
        if (!r.ok()) break;  // the daemon went away
        if (r->status == 201) {
          std::lock_guard lock(mu);
          acked.insert(code);
          ++count;
        }
      }
    });
  }
  while (count.load() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int code = daemon_->Stop(SIGTERM);
  stop = true;
  for (auto& t : ts) t.join();
  EXPECT_EQ(code, 0) << daemon_->Log();
  host::LedgerOptions lo;
  lo.data_dir = data_;
  auto ledger = Must(host::Ledger::Open(lo));
  ledger->WithState([&](const host::LedgerState& s) {
    for (const auto& c : acked) EXPECT_TRUE(s.FindLot(fb::IdScheme::LOCAL, "rice", c)) << c;
    return 0;
  });
}

}  // namespace
}  // namespace qtrace
