// The installable SDK: `cmake --install` this build into a temp prefix,
// build examples/register_batch against it as an outside project
// (find_package(qtrace CONFIG), qtrace::sdk), and run it against a real
// qtraced: every lot it registers must be in the store, with receipts that
// verify offline. Slow (it compiles); its own ctest timeout.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "qtrace/client.h"
#include "qtrace/host/ledger.h"
#include "qtrace/receipt.h"
#include "testing/daemon_process.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

using testing::DaemonProcess;
using testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` through the shell with output to `log`; returns the exit code.
int Sh(const std::string& command, const std::string& log) {
  int rc = std::system((command + " >" + log + " 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Q(const std::string& s) { return "'" + s + "'"; }

TEST(RegisterBatchTest, OutOfTreeProjectBuildsAgainstTheInstalledSdkAndRegistersLots) {
  TempDir dir;
  std::string prefix = dir.Sub("prefix"), build = dir.Sub("build"), log = dir.Sub("log");
  ASSERT_EQ(
      Sh(Q(CMAKE_COMMAND) + " --install " + Q(QTRACE_BUILD_DIR) + " --prefix " + Q(prefix), log), 0)
      << Slurp(log);
  EXPECT_TRUE(std::filesystem::exists(prefix + "/include/qtrace/client.h"));
  EXPECT_TRUE(std::filesystem::exists(prefix + "/include/qtrace/fb/record_generated.h"));
  EXPECT_TRUE(std::filesystem::exists(prefix + "/lib/cmake/qtrace/qtraceConfig.cmake"));
  EXPECT_TRUE(std::filesystem::exists(prefix + "/share/qtrace/schemas/record.fbs"));
  std::string configure = Q(CMAKE_COMMAND) + " -S " +
                          Q(QTRACE_SOURCE_DIR "/examples/register_batch") + " -B " + Q(build) +
                          " -G Ninja -DCMAKE_MAKE_PROGRAM=" + Q(CMAKE_MAKE_PROGRAM) +
                          " -DCMAKE_PREFIX_PATH=" + Q(prefix) + " -DCMAKE_BUILD_TYPE=Release";
  if (std::getenv("CCACHE_DISABLE") == nullptr && std::filesystem::exists("/usr/bin/ccache")) {
    configure += " -DCMAKE_CXX_COMPILER_LAUNCHER=/usr/bin/ccache";
  }
  ASSERT_EQ(Sh(configure, log), 0) << Slurp(log);
  ASSERT_EQ(Sh(Q(CMAKE_COMMAND) + " --build " + Q(build), log), 0) << Slurp(log);
  std::string program = build + "/register_batch";
  ASSERT_TRUE(std::filesystem::exists(program));

  // A real daemon, a party with a key file.
  std::string data = dir.Sub("data");
  ASSERT_TRUE(host::Ledger::Initialize(data, {}).ok());
  DaemonProcess daemon(QTRACED_PATH, data);
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  std::string server = "http://127.0.0.1:" + std::to_string(daemon.port());
  auto admin_key = PrivateKey::LoadPem(host::DataDirLayout(data).admin_key());
  ASSERT_TRUE(admin_key.ok());
  ClientOptions ao;
  ao.party = "platform-admin";
  auto admin = Client::Create(server, *admin_key, ao);
  ASSERT_TRUE(admin.ok());
  auto farm_key = PrivateKey::Generate();
  ASSERT_TRUE(farm_key.ok());
  ASSERT_TRUE(farm_key->SavePem(dir.Sub("farm.key")).ok());
  ASSERT_TRUE((*admin)
                  ->RegisterParty({.party_id = "lakeside-feed",
                                   .roles = {"enterprise"},
                                   .keys = {farm_key->public_key().raw()}})
                  .ok());

  std::string receipts = dir.Sub("receipts");
  std::filesystem::create_directories(receipts);
  std::string run = Q(program) + " --server " + server + " --key " + Q(dir.Sub("farm.key")) +
                    " --product local:crab-feed --prefix F-25 --count 12 --quantity '2 TNE'" +
                    " --host-key " + Q(host::DataDirLayout(data).host_public_key()) +
                    " --receipts " + Q(receipts);
  ASSERT_EQ(Sh(run, log), 0) << Slurp(log);
  std::string out = Slurp(log);
  EXPECT_NE(out.find("12 lots for lakeside-feed"), std::string::npos) << out;
  EXPECT_NE(out.find("12 accepted, 0 refused"), std::string::npos) << out;
  EXPECT_NE(out.find("receipt verified"), std::string::npos) << out;

  // The lots are in the store, and the saved receipts verify offline.
  auto host_key = VerifyingKey::LoadPem(host::DataDirLayout(data).host_public_key());
  ASSERT_TRUE(host_key.ok());
  for (int i = 1; i <= 12; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "F-25%03d", i);
    auto lot = (*admin)->GetLot(std::string("local:crab-feed/") + code);
    ASSERT_TRUE(lot.ok()) << code << ": " << lot.status().ToString();
    EXPECT_EQ(lot->producer, "lakeside-feed");
    EXPECT_EQ(lot->quantity, "2 TNE");
    auto v = VerifyReceipt(Slurp(receipts + "/" + code + ".tlog"), *host_key, "qtrace.local/log");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->index, lot->log_index);
  }

  // Running it again changes nothing: every lot is "already registered".
  ASSERT_EQ(Sh(run, log), 0) << Slurp(log);
  EXPECT_NE(Slurp(log).find("already registered"), std::string::npos);
}

}  // namespace
}  // namespace qtrace
