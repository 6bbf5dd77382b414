// The out-of-tree example, end to end: `cmake --install` this build into a
// temporary prefix, configure and build examples/minimal_plugin against that
// prefix only (find_package(qtrace)), run its unit tests (on the plugin test
// kit), check the built plugin exports only its entry symbol, then start a
// real qtraced with --plugin-dir pointing at it and show over HTTP that the
// new sector's rule is enforced — with no change to host code.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "qtrace/crypto.h"
#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/http_client.h"
#include "qtrace/log_entry.h"
#include "qtrace/record_json.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using testing::Must;

class PluginExampleTest : public ::testing::Test {
 protected:
  // Runs a shell command with its output in a log; the log on failure.
  ::testing::AssertionResult Run(const std::string& what, const std::string& cmd) {
    std::string log = dir_.Sub(what + ".log");
    int rc = std::system(("(" + cmd + ") > '" + log + "' 2>&1").c_str());
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << what << " failed (" << rc << "): " << cmd << "\n"
                                         << ReadAll(log);
  }
  std::string Output(const std::string& what) { return ReadAll(dir_.Sub(what + ".log")); }

  HttpResponse Post(const std::string& party, const std::string& record_json) {
    json::value v = json::parse(record_json);
    auto& o = v.as_object();
    if (!o.contains("party")) o["party"] = party;
    if (!o.contains("event_time")) o["event_time"] = "2026-06-01T08:00:00+08:00";
    auto env = SignPayload(keys_.at(party), kRecordPayloadType, Must(RecordFromJson(o)));
    return Must(http_->Request("POST", "/v1/records", EncodeEnvelope(env),
                               "application/x-flatbuffers"));
  }
  static std::string Reason(const HttpResponse& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("reason")) return "";
    return std::string(v.as_object().at("reason").as_string());
  }

  TempDir dir_;
  std::map<std::string, PrivateKey> keys_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(PluginExampleTest, BuildsFromTheInstalledSdkAndIsEnforcedByARealDaemon) {
  const std::string prefix = dir_.Sub("prefix");
  const std::string build = dir_.Sub("build");
  // ccache across temp dirs: paths under the temp dir are hashed relative.
  std::string env = "env CCACHE_BASEDIR='" + dir_.path() + "' CCACHE_NOHASHDIR=1 ";

  // 1. Install the SDK of this build.
  ASSERT_TRUE(Run("install", std::string("'") + QTRACE_CMAKE + "' --install '" + QTRACE_BUILD_DIR +
                                 "' --prefix '" + prefix + "'"));
  ASSERT_TRUE(std::filesystem::exists(prefix + "/lib/cmake/qtrace/qtraceConfig.cmake"));
  ASSERT_TRUE(std::filesystem::exists(prefix + "/include/qtrace/plugin/abi.h"));
  ASSERT_TRUE(std::filesystem::exists(prefix + "/include/qtrace/fb/plugin_generated.h"));
  ASSERT_TRUE(std::filesystem::exists(prefix + "/share/qtrace/schemas/plugin.fbs"));

  // 2. Configure and build the example against the prefix only.
  std::string configure = env + "'" + QTRACE_CMAKE + "' -S '" + QTRACE_EXAMPLE_DIR + "' -B '" +
                          build + "' -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo" +
                          " -DCMAKE_MAKE_PROGRAM='" + QTRACE_MAKE_PROGRAM + "'" +
                          " -DCMAKE_CXX_COMPILER='" + QTRACE_CXX_COMPILER + "'" +
                          " -DCMAKE_PREFIX_PATH='" + prefix + "'";
  std::string ccache = QTRACE_CCACHE;
  if (!ccache.empty() && ccache.find("NOTFOUND") == std::string::npos) {
    configure += " -DCMAKE_CXX_COMPILER_LAUNCHER='" + ccache + "'";
  }
  ASSERT_TRUE(Run("configure", configure));
  ASSERT_TRUE(Run("build", env + "'" + QTRACE_CMAKE + "' --build '" + build + "' -j 2"));
  const std::string plugin = build + "/plugins/leaf_springs.so";
  ASSERT_TRUE(std::filesystem::exists(plugin));

  // 3. Its unit tests, on the test kit.
  ASSERT_TRUE(Run("ctest", std::string("'") + QTRACE_CTEST + "' --test-dir '" + build +
                               "' --output-on-failure"));
  EXPECT_NE(Output("ctest").find("100% tests passed"), std::string::npos) << Output("ctest");

  // qtrace_add_plugin exported exactly one symbol.
  ASSERT_TRUE(Run("nm", "nm -D --defined-only '" + plugin + "'"));
  std::istringstream syms(Output("nm"));
  std::vector<std::string> exported;
  for (std::string line; std::getline(syms, line);) {
    auto sp = line.rfind(' ');
    if (sp != std::string::npos) exported.push_back(line.substr(sp + 1));
  }
  EXPECT_EQ(exported, std::vector<std::string>{"qtrace_plugin_entry"}) << Output("nm");

  // 4. A real qtraced with the plugin directory.
  const std::string data = dir_.Sub("data");
  ASSERT_TRUE(host::Ledger::Initialize(data, {}).ok());
  keys_["platform-admin"] = Must(PrivateKey::LoadPem(host::DataDirLayout(data).admin_key()));
  daemon_ = std::make_unique<DaemonProcess>(
      QTRACED_PATH, data, std::vector<std::string>{"--plugin-dir", build + "/plugins"});
  Status started = daemon_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->port());

  auto listed = Must(http_->Request("GET", "/v1/plugins"));
  ASSERT_EQ(listed.status, 200) << listed.body;
  json::value listing = json::parse(listed.body);
  const auto& p = listing.at("plugins").as_array().at(0).as_object();
  EXPECT_EQ(p.at("name").as_string(), "leaf_springs");
  EXPECT_EQ(p.at("rule_set").as_string(), "leaf-springs/2026.1");
  EXPECT_EQ(p.at("sha256").as_string(), HexEncode(AsBytes(Sha256(ReadAll(plugin)))));

  keys_["spring-co"] = Must(PrivateKey::Generate());
  std::string pub = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(keys_["spring-co"].public_key().raw().data()), 32));
  ASSERT_EQ(Post("platform-admin", R"({"type":"party","party_id":"spring-co","roles":["enterprise"],
      "keys":[")" + pub + R"("]})").status, 201);
  auto product = Post("spring-co", R"({"type":"product","scheme":"local",
      "product_id":"spring-50crva","sector":"leaf_springs"})");
  ASSERT_EQ(product.status, 201) << product.body;

  // Missing load-test report: 422 with the plugin's reason.
  auto refused = Post("spring-co", R"({"type":"lot","lot":"local:spring-50crva/LS-1",
      "quantity":"400 H87","production_time":"2026-06-01T08:00:00+08:00",
      "attributes":{"static_load_arc_height":{"decimal":"102"},"design_arc_height":{"decimal":"100"}}})");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Reason(refused), "load_test_report_missing");
  EXPECT_NE(refused.body.find("leaf_springs: a leaf-spring lot needs its static load test report"),
            std::string::npos)
      << refused.body;

  // Out of tolerance: 422.
  auto bent = Post("spring-co", R"({"type":"lot","lot":"local:spring-50crva/LS-1",
      "quantity":"400 H87","production_time":"2026-06-01T08:00:00+08:00",
      "attributes":{"load_test_report":"LT-0601","static_load_arc_height":{"decimal":"109"},
      "design_arc_height":{"decimal":"100"}}})");
  EXPECT_EQ(bent.status, 422) << bent.body;
  EXPECT_EQ(Reason(bent), "arc_height_out_of_tolerance");

  // With a passing report: 201, and the log entry names the plugin's rules.
  auto accepted = Post("spring-co", R"({"type":"lot","lot":"local:spring-50crva/LS-1",
      "quantity":"400 H87","production_time":"2026-06-01T08:00:00+08:00",
      "attributes":{"load_test_report":"LT-0601","static_load_arc_height":{"decimal":"103.5"},
      "design_arc_height":{"decimal":"100"}}})");
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  auto entry = Base64Decode(std::string_view(json::parse(accepted.body).at("entry").as_string()));
  ASSERT_TRUE(entry.has_value());
  auto e = VerifyLogEntry(*entry);
  ASSERT_TRUE(e.ok());
  bool named = false;
  for (const auto* d : *(*e)->decisions()) {
    if (d->engine()->str() == "leaf_springs") {
      named = d->version()->str() == "1.0.0" && d->rule_set()->str() == "leaf-springs/2026.1";
    }
  }
  EXPECT_TRUE(named);

  // A sector no plugin owns is refused.
  auto rice = Post("spring-co", R"({"type":"product","scheme":"local","product_id":"rice",
      "sector":"agriculture"})");
  EXPECT_EQ(rice.status, 422) << rice.body;
  EXPECT_EQ(Reason(rice), "no_plugin_for_sector");

  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
}

}  // namespace
}  // namespace qtrace
