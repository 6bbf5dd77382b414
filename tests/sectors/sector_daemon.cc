#include "sector_daemon.h"

#include <signal.h>

#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/request_auth.h"
#include "qtrace/time.h"

namespace qtrace::testing {

namespace json = boost::json;

namespace {
constexpr char kFb[] = "application/x-flatbuffers";
}  // namespace

SectorDaemonTest::SectorDaemonTest(std::string sector, std::string default_event_time,
                                   PartySectors party_sectors)
    : sector_(std::move(sector)),
      default_event_time_(std::move(default_event_time)),
      party_sectors_(party_sectors) {}

void SectorDaemonTest::SetUp() {
  data_ = dir_.Sub("data");
  ASSERT_TRUE(host::Ledger::Initialize(data_, {}).ok());
  keys_["platform-admin"] = Must(PrivateKey::LoadPem(host::DataDirLayout(data_).admin_key()));
  std::vector<std::string> args{"--plugin-dir", QTRACE_SECTOR_PLUGIN_DIR};
  args.insert(args.end(), extra_daemon_args_.begin(), extra_daemon_args_.end());
  daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data_, std::move(args));
  Status s = daemon_->Start();
  ASSERT_TRUE(s.ok()) << s.ToString();
  http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->port());
}

void SectorDaemonTest::TearDown() {
  if (daemon_ && daemon_->running()) {
    EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
  }
}

HttpResponse SectorDaemonTest::Post(const std::string& party, const std::string& record_json) {
  return Post(party, record_json, default_event_time_);
}

HttpResponse SectorDaemonTest::Post(const std::string& party, const std::string& record_json,
                                    const std::string& event_time) {
  json::value v = json::parse(record_json);
  auto& o = v.as_object();
  if (!o.contains("party")) o["party"] = party;
  if (!o.contains("event_time")) o["event_time"] = event_time;
  auto env = SignPayload(keys_.at(party), kRecordPayloadType, Must(RecordFromJson(o)));
  return Must(http_->Request("POST", "/v1/records", EncodeEnvelope(env), kFb));
}

void SectorDaemonTest::Ok(const HttpResponse& r) { ASSERT_EQ(r.status, 201) << r.body; }

void SectorDaemonTest::Ok(const std::string& party, const std::string& record_json) {
  Ok(party, record_json, default_event_time_);
}

void SectorDaemonTest::Ok(const std::string& party, const std::string& record_json,
                          const std::string& event_time) {
  auto r = Post(party, record_json, event_time);
  ASSERT_EQ(r.status, 201) << r.body << "\nrecord: " << record_json;
}

HttpResponse SectorDaemonTest::SignedGet(const std::string& party, const std::string& target) {
  auto headers = SignRequest(keys_.at(party), "GET", target, "", SigningTime());
  return Must(http_->Request("GET", target, "", "", headers));
}

json::object SectorDaemonTest::Get(const std::string& party, const std::string& target) {
  auto r = SignedGet(party, target);
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body).as_object();
}

int64_t SectorDaemonTest::SigningTime() {
  return SystemClock::Default()->NowMicros() / kMicrosPerSecond;
}

void SectorDaemonTest::AddParty(const std::string& id, const std::string& role,
                                const std::string& extra) {
  keys_[id] = Must(PrivateKey::Generate());
  std::string pub = Base64Encode(
      std::string_view(reinterpret_cast<const char*>(keys_[id].public_key().raw().data()), 32));
  std::string sectors =
      party_sectors_ == PartySectors::kListed ? R"("sectors":[")" + sector_ + R"("],)" : "";
  Ok("platform-admin", R"({"type":"party","party_id":")" + id + R"(","roles":[")" + role +
                           R"("],)" + sectors + R"("keys":[")" + pub + R"("])" +
                           (extra.empty() ? "" : "," + extra) + "}");
}

void SectorDaemonTest::ShipAndReceive(const std::string& from, const std::string& to,
                                      const std::string& id, const std::string& lot,
                                      const std::string& qty, const std::string& at) {
  std::string items = R"([{"lot":")" + lot + R"(","quantity":")" + qty + R"("}])";
  Ok(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to + R"(","items":)" +
               items + R"(,"event_time":")" + at + R"("})");
  Ok(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id + R"(","items":)" +
             items + R"(,"event_time":")" + at + R"("})");
}

int64_t SectorDaemonTest::LogSize() {
  auto r = Must(http_->Request("GET", "/healthz"));
  return json::parse(r.body).as_object().at("log_size").to_number<int64_t>();
}

std::string SectorDaemonTest::Reason(const HttpResponse& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("reason")) return "";
  return std::string(v.as_object().at("reason").as_string());
}

void SectorDaemonTest::Refused(const std::string& party, const std::string& record_json,
                               const std::string& code, const std::string& rule) {
  int64_t before = LogSize();
  auto r = Post(party, record_json);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Reason(r), code) << r.body;
  if (!rule.empty()) {
    EXPECT_NE(r.body.find(sector_ + " " + rule + " "), std::string::npos) << r.body;
  }
  EXPECT_EQ(LogSize(), before) << "a refused record was written";
}

std::set<std::string> SectorDaemonTest::Parties(const json::object& status) {
  std::set<std::string> out;
  for (const auto& p : status.at("parties").as_array()) {
    out.insert(std::string(p.as_object().at("party").as_string()));
  }
  return out;
}

}  // namespace qtrace::testing
