// qtraced with sector plugins, end to end over HTTP: a plugin that fails a
// loader check stops the daemon from starting (non-zero exit, an error
// naming the file and the field); loaded plugins are listed by
// GET /v1/plugins and enforced on POST /v1/records; a plugin that throws
// fails that record and nothing else.
#include <gtest/gtest.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "qtrace/crypto.h"
#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/http_client.h"
#include "qtrace/record_json.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::TempDir;

constexpr char kFb[] = "application/x-flatbuffers";

std::string Fixture(const std::string& name) {
  return std::string(QTRACE_FIXTURE_DIR) + "/fixture_" + name + ".so";
}
std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using testing::Must;

class PluginDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    ASSERT_TRUE(host::Ledger::Initialize(data_, {}).ok());
    keys_["platform-admin"] = Must(PrivateKey::LoadPem(host::DataDirLayout(data_).admin_key()));
    plugins_ = dir_.Sub("plugins");
    std::filesystem::create_directories(plugins_);
  }
  void Install(const std::string& fixture, const std::string& as = "") {
    std::filesystem::copy_file(Fixture(fixture),
                               plugins_ + "/" + (as.empty() ? "fixture_" + fixture + ".so" : as));
  }
  // Runs qtraced until it exits (it should refuse to start); returns the
  // exit code (-1 if it was still running after 20 s) and its output.
  int RunExpectingExit(std::vector<std::string> extra, std::string* log) {
    std::string log_file = dir_.Sub("refused.log");
    std::vector<std::string> args = {QTRACED_PATH, "--data-dir", data_, "--listen",
                                     "127.0.0.1:0", "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    int status = 0;
    int rc = -1;
    for (int i = 0; i < 2000; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      ::usleep(10'000);
    }
    if (rc == -1) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    *log = ReadAll(log_file);
    return rc;
  }
  void Start(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--plugin-dir", plugins_});
    daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data_, extra);
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->port());
  }
  HttpResponse Post(const std::string& party, const std::string& record_json) {
    json::value v = json::parse(record_json);
    auto& o = v.as_object();
    if (!o.contains("party")) o["party"] = party;
    if (!o.contains("event_time")) o["event_time"] = "2026-06-01T08:00:00+08:00";
    auto env = SignPayload(keys_.at(party), kRecordPayloadType, Must(RecordFromJson(o)));
    return Must(http_->Request("POST", "/v1/records", EncodeEnvelope(env), kFb));
  }
  void AddParty(const std::string& id, const std::string& role) {
    keys_[id] = Must(PrivateKey::Generate());
    std::string pub = Base64Encode(std::string_view(
        reinterpret_cast<const char*>(keys_[id].public_key().raw().data()), 32));
    auto r = Post("platform-admin", R"({"type":"party","party_id":")" + id + R"(","roles":[")" +
                                        role + R"("],"keys":[")" + pub + R"("]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static std::string Reason(const HttpResponse& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("reason")) return "";
    return std::string(v.as_object().at("reason").as_string());
  }

  TempDir dir_;
  std::string data_, plugins_;
  std::map<std::string, PrivateKey> keys_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<HttpClient> http_;
};

struct RefusalCase {
  const char* fixture;
  const char* field;
  friend std::ostream& operator<<(std::ostream& os, const RefusalCase& c) { return os << c.fixture; }
};

class DaemonRefusalTest : public PluginDaemonTest,
                          public ::testing::WithParamInterface<RefusalCase> {};

TEST_P(DaemonRefusalTest, ABadPluginStopsTheDaemonFromStarting) {
  Install("good", "0_fixture_good.so");  // loads first (files load in name order)
  Install(GetParam().fixture);
  std::string log;
  int rc = RunExpectingExit({"--plugin-dir", plugins_}, &log);
  EXPECT_EQ(rc, 1) << log;
  std::string bad = plugins_ + "/fixture_" + GetParam().fixture + ".so";
  EXPECT_NE(log.find("plugin " + bad + ": " + GetParam().field + ": "), std::string::npos) << log;
  EXPECT_EQ(log.find("listening"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, DaemonRefusalTest,
    ::testing::Values(RefusalCase{"no_entry", "qtrace_plugin_entry"},
                      RefusalCase{"abi_major2", "abi_major"},
                      RefusalCase{"missing_function", "check_record"},
                      RefusalCase{"throws_in_create", "create"},
                      RefusalCase{"malformed", "describe"},
                      RefusalCase{"duplicate", "name"}),
    [](const ::testing::TestParamInfo<RefusalCase>& i) { return std::string(i.param.fixture); });

TEST_F(PluginDaemonTest, AFileNotOnTheAllowListStopsTheDaemon) {
  Install("good");
  Install("chaos");
  std::string list = dir_.Sub("allow.txt");
  std::ofstream(list) << HexEncode(AsBytes(Sha256(ReadAll(Fixture("good"))))) << "  fixture_good.so\n";
  std::string log;
  int rc = RunExpectingExit({"--plugin-dir", plugins_, "--plugin-allowlist", list}, &log);
  EXPECT_EQ(rc, 1) << log;
  EXPECT_NE(log.find("plugin " + plugins_ + "/fixture_chaos.so: sha256: "), std::string::npos) << log;

  // With only allowed plugins it starts.
  std::filesystem::remove(plugins_ + "/fixture_chaos.so");
  Start({"--plugin-allowlist", list});
  auto r = Must(http_->Request("GET", "/v1/plugins"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("fixture_good"), std::string::npos);
}

TEST_F(PluginDaemonTest, ListsAndEnforcesItsPlugins) {
  Install("good");
  Install("chaos");
  Start();
  // Public listing.
  auto r = Must(http_->Request("GET", "/v1/plugins"));
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = json::parse(r.body).as_object();
  EXPECT_TRUE(o.at("enforced").as_bool());
  EXPECT_EQ(o.at("host_abi").as_string(), "1.0");
  const auto& list = o.at("plugins").as_array();
  ASSERT_EQ(list.size(), 2u);
  const auto& chaos = list[0].as_object();  // files load in name order
  const auto& good = list[1].as_object();
  EXPECT_EQ(chaos.at("name").as_string(), "fixture_chaos");
  EXPECT_EQ(good.at("name").as_string(), "fixture_good");
  EXPECT_EQ(good.at("version").as_string(), "1.2.3");
  EXPECT_EQ(good.at("rule_set").as_string(), "fixture-good/2026.1");
  EXPECT_EQ(good.at("abi").as_string(), "1.0");
  EXPECT_EQ(good.at("file").as_string(), "fixture_good.so");
  EXPECT_EQ(good.at("sha256").as_string(), HexEncode(AsBytes(Sha256(ReadAll(Fixture("good"))))));
  EXPECT_EQ(good.at("sectors").as_array()[0].as_string(), "fixture_good");
  EXPECT_EQ(good.at("payload_types").as_array()[0].as_string(), "qtrace.v1.Record");
  EXPECT_EQ(good.at("record_types").as_array()[1].as_string(), "lot");

  AddParty("farm", "enterprise");
  auto p = Post("farm", R"({"type":"product","scheme":"local","product_id":"g","sector":"fixture_good"})");
  ASSERT_EQ(p.status, 201) << p.body;
  p = Post("farm", R"({"type":"product","scheme":"local","product_id":"c","sector":"chaos"})");
  ASSERT_EQ(p.status, 201) << p.body;

  auto bad = Post("farm", R"({"type":"lot","lot":"local:g/L1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z"})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Reason(bad), "grade_missing");
  EXPECT_NE(bad.body.find("fixture_good R-G-1 attributes.grade"), std::string::npos) << bad.body;
  auto ok = Post("farm", R"({"type":"lot","lot":"local:g/L1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"grade":"A"}})");
  EXPECT_EQ(ok.status, 201) << ok.body;

  // A plugin that throws fails that record only; the daemon goes on.
  auto thrown = Post("farm", R"({"type":"lot","lot":"local:c/L1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"chaos":"throw"}})");
  EXPECT_EQ(thrown.status, 422) << thrown.body;
  EXPECT_EQ(Reason(thrown), "plugin_failed");
  auto garbage = Post("farm", R"({"type":"lot","lot":"local:c/L1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z","attributes":{"chaos":"garbage"}})");
  EXPECT_EQ(Reason(garbage), "plugin_failed");
  auto fine = Post("farm", R"({"type":"lot","lot":"local:c/L1","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00Z"})");
  EXPECT_EQ(fine.status, 201) << fine.body;

  auto other = Post("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(Reason(other), "no_plugin_for_sector");

  // Counters show up in the listing.
  r = Must(http_->Request("GET", "/v1/plugins"));
  json::object after = json::parse(r.body).as_object();
  EXPECT_EQ(after.at("plugins").as_array()[0].as_object().at("failed").as_int64(), 2);
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(PluginDaemonTest, WithoutAPluginDirEverySectorIsAccepted) {
  daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data_);
  ASSERT_TRUE(daemon_->Start().ok());
  http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->port());
  auto r = Must(http_->Request("GET", "/v1/plugins"));
  EXPECT_EQ(r.body, R"({"enforced":false,"host_abi":"1.0","plugins":[]})");
  AddParty("farm", "enterprise");
  EXPECT_EQ(Post("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status, 201);
}

}  // namespace
}  // namespace qtrace
