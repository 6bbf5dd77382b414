// The `qtrace` CLI end to end: a data dir made by `qtrace init`, a real
// qtraced on it, and every command run as a separate process the way an
// operator or a script runs it — output, --json, exit codes, the
// environment variables, import of a file with bad lines, and offline
// verification of a receipt the CLI saved.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "qtrace/host/ledger.h"
#include "run_qtrace.h"
#include "testing/daemon_process.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::QtraceRun;
using testing::RunQtrace;
using testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

::testing::AssertionResult Ok(const QtraceRun& r) {
  if (r.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err;
}

class CliE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    QtraceRun init = RunQtrace({"init", data_, "--origin", "test.example/log"});
    ASSERT_TRUE(Ok(init));
    ASSERT_NE(init.out.find("initialized"), std::string::npos);
    daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data_);
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    server_ = "http://127.0.0.1:" + std::to_string(daemon_->port());
    admin_key_ = host::DataDirLayout(data_).admin_key();
    host_pub_ = host::DataDirLayout(data_).host_public_key();
  }

  // Runs qtrace with QTRACE_SERVER pointing at the daemon.
  QtraceRun Q(std::vector<std::string> args,
              std::vector<std::pair<std::string, std::string>> env = {},
              const std::string& stdin_text = {}) {
    env.emplace_back("QTRACE_SERVER", server_);
    return RunQtrace(args, env, stdin_text);
  }

  // A key pair and a registered party; returns the private key path.
  std::string AddParty(const std::string& id, const std::string& role,
                       const std::string& sector = "agriculture") {
    std::string key = dir_.Sub(id + ".key");
    EXPECT_TRUE(Ok(RunQtrace({"keygen", key})));
    QtraceRun r = Q({"party", "--id", id, "--name", id + " Co.", "--role", role, "--sector", sector,
                     "--public-key", dir_.Sub(id + ".pub"), "--key", admin_key_});
    EXPECT_TRUE(Ok(r));
    return key;
  }

  TempDir dir_;
  std::string data_, server_, admin_key_, host_pub_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(CliE2eTest, InitAndKeygenMakeKeysWithTheRightModes) {
  struct stat st;
  ASSERT_EQ(::stat(admin_key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(std::filesystem::exists(data_ + "/config.json"));
  json::value config = json::parse(Slurp(data_ + "/config.json"));
  EXPECT_EQ(config.at("origin").as_string(), "test.example/log");
  QtraceRun again = RunQtrace({"init", data_});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds"), std::string::npos);

  std::string key = dir_.Sub("k/farm.key");
  QtraceRun kg = RunQtrace({"keygen", key, "--json"});
  ASSERT_TRUE(Ok(kg));
  json::object o = json::parse(kg.out).as_object();
  EXPECT_EQ(o.at("public_key").as_string(), dir_.Sub("k/farm.pub"));
  EXPECT_EQ(o.at("key_id").as_string().size(), 64u);
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(RunQtrace({"keygen", key}).exit_code, 2);
  EXPECT_TRUE(Ok(RunQtrace({"keygen", key, "--force"})));
}

TEST_F(CliE2eTest, AChainThroughEveryRecordCommand) {
  std::string farm = AddParty("farm", "enterprise");
  std::string shop = AddParty("shop", "enterprise");
  std::string lab = AddParty("lab", "lab");
  std::string amr = AddParty("amr", "regulator");
  auto as = [&](const std::string& key, std::vector<std::string> args) {
    args.push_back("--key");
    args.push_back(key);
    QtraceRun r = Q(args);
    EXPECT_TRUE(Ok(r)) << args[0];
    if (args[args.size() - 3] != "--json") {
      EXPECT_NE(r.out.find("accepted"), std::string::npos) << r.out;
    }
    return r;
  };
  as(farm, {"product", "--product", "local:feed", "--sector", "agriculture", "--name",
            "compound feed", "--unit", "KGM", "--attr", "protein:int=42"});
  as(farm, {"product", "--product", "local:crab", "--sector", "agriculture"});
  as(farm, {"lot", "--lot", "local:feed/F-1", "--quantity", "10TNE", "--produced",
            "2026-04-20T08:00:00+08:00", "--site", "420702"});
  as(farm, {"unit", "register", "--unit", "P1", "--kind", "pond", "--site", "420702"});
  as(farm, {"unit", "register", "--unit", "L1", "--kind", "line"});
  as(farm, {"unit", "apply", "--unit", "P1", "--input", "local:feed/F-1", "--quantity", "1 TNE",
            "--time", "2026-05-02T07:00:00+08:00", "--attr", "dose:decimal=2.5"});
  as(farm, {"unit", "run", "--unit", "L1", "--run", "R-1", "--start", "2026-05-03T07:00:00+08:00",
            "--end", "2026-05-03T09:00:00+08:00"});
  QtraceRun lot =
      as(farm, {"lot", "--lot", "local:crab/P1-0920", "--quantity", "800 KGM", "--produced",
                "2026-09-20T06:00:00+08:00", "--from-unit", "P1@2026-09-20T06:00:00+08:00",
                "--input", "local:feed/F-1=100KGM:composed_of", "--cert", "HG-P1=承诺达标合格证",
                "--serial", "C-1", "--serial", "C-2", "--json"});
  json::object receipt = json::parse(lot.out).as_object();
  EXPECT_EQ(receipt.at("type").as_string(), "lot");
  EXPECT_EQ(receipt.at("status").as_int64(), 201);
  as(farm, {"unit", "emptied", "--unit", "P1", "--time", "2026-10-01T07:00:00+08:00"});
  as(farm, {"cert", "issue", "--id", "HG-P1", "--kind", "commitment", "--subject-lot",
            "local:crab/P1-0920", "--valid-from", "2026-09-20T06:00:00+08:00"});
  as(farm, {"pack", "--parent", "CASE-1", "--child", "C-1", "--child", "C-2"});
  as(farm, {"unpack", "--parent", "CASE-1", "--child", "C-2"});
  as(farm, {"unit", "register", "--unit", "CR-1", "--kind", "cold_room"});
  as(farm, {"unit", "store", "--unit", "CR-1", "--lot", "local:crab/P1-0920", "--serial", "CASE-1",
            "--start", "2026-09-20T08:00:00+08:00", "--end", "2026-09-21T07:00:00+08:00"});
  EXPECT_EQ(Q({"unit", "store", "--unit", "CR-1", "--start", "2026-09-20T08:00:00+08:00", "--key",
               farm})
                .exit_code,
            2);
  as(farm, {"adjust", "--lot", "local:crab/P1-0920", "--delta", "-5KGM", "--reason", "weighing"});
  as(farm, {"ship", "--to", "shop", "--shipment", "DN-1", "--item", "local:crab/P1-0920=300 KGM",
            "--at", "2026-09-21T08:00:00+08:00"});
  as(shop, {"receive", "--from", "farm", "--shipment", "DN-1", "--item",
            "local:crab/P1-0920=300KGM", "--at", "2026-09-21T15:00:00+08:00"});
  as(shop, {"consume", "--kind", "sold", "--item", "local:crab/P1-0920=100KGM"});
  as(lab, {"inspect", "--id", "SC-1", "--kind", "spot_check", "--lot", "local:crab/P1-0920",
           "--item", "malachite green=0 ug/kg;max=1", "--report", "R-1"});
  as(amr, {"cert", "status", "--id", "HG-P1", "--status", "suspended", "--effective",
           "2026-10-02T00:00:00Z", "--reason", "review"});
  as(amr, {"lot-status", "--lot", "local:crab/P1-0920", "--status", "on_hold"});
  as(amr, {"lot-status", "--lot", "local:crab/P1-0920", "--status", "released"});
  as(amr, {"params", "--sector", "agriculture", "--set-id", "agri-1", "--param",
           "feed_withdrawal_days:int=21"});
  QtraceRun wrong = as(farm, {"ship", "--to", "shop", "--shipment", "DN-2", "--item",
                              "local:feed/F-1=1TNE", "--json"});
  QtraceRun fix = as(farm, {"ship", "--to", "shop", "--shipment", "DN-3", "--item",
                            "local:feed/F-1=0.5TNE", "--json"});
  std::string wrong_id(json::parse(wrong.out).at("record_id").as_string());
  std::string fix_id(json::parse(fix.out).at("record_id").as_string());
  as(farm, {"correct", "--record", wrong_id, "--corrective", fix_id, "--reason", "incorrect_data"});
  WriteFile(
      dir_.Sub("rec.json"),
      R"({"type":"lot","lot":"local:feed/F-2","quantity":"1 TNE","production_time":"2026-04-21T08:00:00+08:00"})");
  as(farm, {"submit", dir_.Sub("rec.json")});
}

TEST_F(CliE2eTest, ReadsAsTablesCsvAndJsonAndReceiptsVerifyOffline) {
  std::string farm = AddParty("farm", "enterprise");
  std::string shop = AddParty("shop", "enterprise");
  for (auto args : std::vector<std::vector<std::string>>{
           {"product", "--product", "local:feed", "--sector", "agriculture", "--name", "feed"},
           {"product", "--product", "local:mix", "--sector", "agriculture", "--name", "mix"},
           {"lot", "--lot", "local:feed/F-1", "--quantity", "2 TNE", "--produced",
            "2026-04-20T08:00:00+08:00"},
           {"lot", "--lot", "local:feed/F-2", "--quantity", "2 TNE", "--produced",
            "2026-04-21T08:00:00+08:00"},
           {"lot", "--lot", "local:mix/M-1", "--quantity", "2 TNE", "--produced",
            "2026-05-01T08:00:00+08:00", "--input", "local:feed/F-1=1TNE:merged_into", "--input",
            "local:feed/F-2=1TNE:merged_into"},
           {"ship", "--to", "shop", "--shipment", "DN-1", "--item", "local:mix/M-1=1.5TNE"}}) {
    args.insert(args.end(), {"--key", farm});
    ASSERT_TRUE(Ok(Q(args)));
  }
  ASSERT_TRUE(Ok(Q({"receive", "--from", "farm", "--shipment", "DN-1", "--item",
                    "local:mix/M-1=1.5TNE", "--key", shop, "--receipt-out", dir_.Sub("r.tlog")})));

  QtraceRun get = Q({"get", "lot", "local:mix/M-1", "--key", shop});
  ASSERT_TRUE(Ok(get));
  EXPECT_NE(get.out.find("producer"), std::string::npos);
  EXPECT_NE(get.out.find("HOLDER"), std::string::npos);
  EXPECT_NE(get.out.find("shop"), std::string::npos);
  QtraceRun getj = Q({"get", "lot", "local:mix/M-1", "--key", shop, "--json"});
  ASSERT_TRUE(Ok(getj));
  EXPECT_EQ(json::parse(getj.out).at("quantity").as_string(), "2 TNE");

  QtraceRun find = Q({"find", "--product", "local:feed", "--limit", "1", "--all", "--key", farm});
  ASSERT_TRUE(Ok(find));
  EXPECT_NE(find.out.find("local:feed/F-1"), std::string::npos);
  EXPECT_NE(find.out.find("local:feed/F-2"), std::string::npos);
  EXPECT_NE(find.out.find("2 lot(s)"), std::string::npos);
  QtraceRun page = Q({"find", "--product", "local:feed", "--limit", "1", "--key", farm, "--json"});
  ASSERT_TRUE(Ok(page));
  EXPECT_TRUE(json::parse(page.out).as_object().contains("next_cursor"));

  QtraceRun back = Q({"trace", "local:mix/M-1", "--backward", "--key", shop});
  ASSERT_TRUE(Ok(back));
  EXPECT_NE(back.out.find("local:feed/F-2"), std::string::npos);
  EXPECT_NE(back.out.find("producers: farm"), std::string::npos);
  QtraceRun fwd = Q({"trace", "local:feed/F-1", "--forward", "--key", farm});
  ASSERT_TRUE(Ok(fwd));
  EXPECT_NE(fwd.out.find("merged_into"), std::string::npos);
  EXPECT_NE(fwd.out.find("holders now:"), std::string::npos);
  EXPECT_NE(fwd.out.find("shop"), std::string::npos);
  QtraceRun csv = Q({"trace", "local:feed/F-1", "--forward", "--csv", "--key", farm});
  ASSERT_TRUE(Ok(csv));
  EXPECT_EQ(csv.out.substr(0, 10), "depth,lot,");
  EXPECT_EQ(Q({"trace", "local:feed/F-1", "--key", farm}).exit_code, 2);

  QtraceRun party = Q({"get", "party", "farm", "--key", shop});
  ASSERT_TRUE(Ok(party));
  EXPECT_NE(party.out.find("farm Co."), std::string::npos);

  // The receipt saved by --receipt-out, and one fetched later, verify
  // offline with nothing but the host's public key.
  QtraceRun v = RunQtrace({"verify", dir_.Sub("r.tlog"), "--host-key", host_pub_});
  ASSERT_TRUE(Ok(v));
  EXPECT_EQ(v.out.substr(0, 6), "valid\n");
  std::smatch m;
  std::string rec_line = v.out;
  ASSERT_TRUE(std::regex_search(rec_line, m, std::regex("record id ([0-9a-f]{64})")));
  std::string id = m[1];
  QtraceRun rec = Q({"get", "record", id, "--key", shop});
  ASSERT_TRUE(Ok(rec));
  EXPECT_NE(rec.out.find("receipt"), std::string::npos);
  EXPECT_NE(rec.out.find("DN-1"), std::string::npos);
  ASSERT_TRUE(Ok(Q({"get", "receipt", id, "-o", dir_.Sub("again.tlog"), "--key", shop, "--host-key",
                    host_pub_})));
  EXPECT_TRUE(Ok(RunQtrace({"verify", dir_.Sub("again.tlog"), "--host-key", host_pub_})));
}

TEST_F(CliE2eTest, ImportReportsRejectedLinesWithReasonsAndExitsOne) {
  std::string farm = AddParty("farm", "enterprise");
  WriteFile(
      dir_.Sub("one.json"),
      R"({"type":"lot","lot":"local:feed/F-9","quantity":"1 TNE","production_time":"2026-04-20T08:00:00+08:00"})");
  QtraceRun signed_env =
      RunQtrace({"sign", dir_.Sub("one.json"), "--key", farm, "--party", "farm"});
  ASSERT_TRUE(Ok(signed_env));
  std::string lines =
      R"({"type":"product","scheme":"local","product_id":"feed","sector":"agriculture","event_time":"2026-04-01T08:00:00+08:00"})"
      "\n"
      R"({"type":"lot","lot":"local:feed/F-1","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00","event_time":"2026-04-20T09:00:00+08:00"})"
      "\n"
      "\n"
      R"({"type":"lot","lot":"local:feed/F-2","quantity":)"
      "\n"
      R"({"type":"lot","lot":"local:feed/F-3","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00","colour":"red"})"
      "\n"
      R"({"type":"shipment","shipment_id":"DN-1","to":"platform-admin","items":[{"lot":"local:feed/F-1","quantity":"5 TNE"}]})"
      "\n" +
      signed_env.out +
      R"({"type":"lot","lot":"local:feed/F-4","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00","event_time":"2026-04-20T09:00:00+08:00"})"
      "\n";
  WriteFile(dir_.Sub("in.jsonl"), lines);
  QtraceRun r = Q({"import", dir_.Sub("in.jsonl"), "--key", farm, "--batch-size", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("7 record(s), 4 accepted, 3 rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 4: invalid_argument bad_json: malformed JSON"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("line 5: invalid_argument bad_json: colour: unknown field"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("line 6: rule_violation balance_negative"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("farm holds 2 TNE"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("line 7"), std::string::npos);
  // The progress bar is drawn only on a terminal (or with --progress).
  EXPECT_EQ(r.err.find("lines  accepted"), std::string::npos);

  // Again, as JSON: the accepted records (their event times are in the file,
  // so signing them again gives the same bytes) are duplicates now.
  QtraceRun j = Q({"import", dir_.Sub("in.jsonl"), "--key", farm, "--json", "--progress"});
  EXPECT_EQ(j.exit_code, 1);
  json::object o = json::parse(j.out).as_object();
  EXPECT_EQ(o.at("accepted").as_int64(), 4);
  EXPECT_EQ(o.at("duplicates").as_int64(), 4);
  auto& rejected = o.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[2].at("line").as_int64(), 6);
  EXPECT_EQ(rejected[2].at("reason").as_string(), "balance_negative");
  EXPECT_NE(j.err.find("7/7 lines"), std::string::npos) << j.err;

  // A clean file exits 0.
  WriteFile(
      dir_.Sub("good.jsonl"),
      R"({"type":"lot","lot":"local:feed/F-5","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00"})"
      "\n");
  QtraceRun good = Q({"import", dir_.Sub("good.jsonl"), "--key", farm});
  EXPECT_TRUE(Ok(good));
  EXPECT_NE(good.out.find("1 accepted, 0 rejected"), std::string::npos);
}

TEST_F(CliE2eTest, SignedEnvelopesInBothFormatsAreAccepted) {
  std::string farm = AddParty("farm", "enterprise");
  WriteFile(dir_.Sub("p.json"),
            R"({"type":"product","scheme":"local","product_id":"feed","sector":"agriculture"})");
  ASSERT_TRUE(Ok(RunQtrace({"sign", dir_.Sub("p.json"), "--key", farm, "--party", "farm",
                            "--format", "fb", "-o", dir_.Sub("p.env")})));
  QtraceRun first = Q({"submit", dir_.Sub("p.env")});
  ASSERT_TRUE(Ok(first));
  EXPECT_NE(first.out.find("accepted  product record"), std::string::npos) << first.out;
  QtraceRun again = Q({"submit", dir_.Sub("p.env")});
  ASSERT_TRUE(Ok(again));
  EXPECT_NE(again.out.find("already accepted"), std::string::npos);
  // JSON envelope through stdin -> file -> submit.
  QtraceRun env = RunQtrace(
      {"sign", "-", "--key", farm, "--party", "farm"}, {},
      R"({"type":"lot","lot":"local:feed/F-1","quantity":"1 TNE","production_time":"2026-04-20T08:00:00+08:00"})");
  ASSERT_TRUE(Ok(env));
  EXPECT_TRUE(json::parse(env.out).as_object().contains("signature"));
  WriteFile(dir_.Sub("l.json"), env.out);
  EXPECT_TRUE(Ok(Q({"submit", dir_.Sub("l.json")})));
  // No party anywhere: a clear local error.
  QtraceRun noparty = RunQtrace({"sign", dir_.Sub("p.json"), "--key", farm});
  EXPECT_EQ(noparty.exit_code, 2);
  EXPECT_NE(noparty.err.find("--party"), std::string::npos) << noparty.err;
}

TEST_F(CliE2eTest, ExitCodesSayWhoSaidNo) {
  std::string farm = AddParty("farm", "enterprise");
  ASSERT_TRUE(
      Ok(Q({"product", "--product", "local:feed", "--sector", "agriculture", "--key", farm})));
  ASSERT_TRUE(Ok(Q({"lot", "--lot", "local:feed/F-1", "--quantity", "2 TNE", "--produced",
                    "2026-04-20T08:00:00+08:00", "--key", farm})));
  // The server refuses: 1, with the reason and every detail.
  QtraceRun over = Q({"ship", "--to", "platform-admin", "--shipment", "X", "--item",
                      "local:feed/F-1=3TNE", "--key", farm});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("refused: shipment X: 3 TNE of local:feed/F-1 to platform-admin\n"
                          "  rule_violation balance_negative: "),
            std::string::npos)
      << over.err;
  EXPECT_EQ(Q({"get", "lot", "local:feed/none", "--key", farm}).exit_code, 1);
  EXPECT_EQ(Q({"party", "--id", "x", "--role", "enterprise", "--key", farm}).exit_code, 1);
  // The command line or a local input is wrong: 2.
  EXPECT_EQ(Q({"lot", "--lot", "local:feed/F-2", "--key", farm}).exit_code, 2);
  QtraceRun bad_qty = Q({"lot", "--lot", "local:feed/F-2", "--quantity", "lots", "--produced",
                         "2026-04-20T08:00:00+08:00", "--key", farm});
  EXPECT_EQ(bad_qty.exit_code, 2);
  EXPECT_NE(bad_qty.err.find("quantity"), std::string::npos);
  EXPECT_EQ(
      Q({"ship", "--to", "x", "--shipment", "X", "--item", "nothing", "--key", farm}).exit_code, 2);
  EXPECT_EQ(Q({"get", "lot", "local:feed/F-1"}).exit_code, 2);  // no key
  ::chmod(farm.c_str(), 0644);
  QtraceRun open_key = Q({"get", "lot", "local:feed/F-1", "--key", farm});
  EXPECT_EQ(open_key.exit_code, 2);
  EXPECT_NE(open_key.err.find("--key"), std::string::npos);
  ::chmod(farm.c_str(), 0600);
  QtraceRun unreachable = RunQtrace({"get", "lot", "local:feed/F-1", "--key", farm, "--server",
                                     "http://127.0.0.1:1", "--retries", "0"});
  EXPECT_EQ(unreachable.exit_code, 2);
  EXPECT_NE(unreachable.err.find("cannot connect"), std::string::npos) << unreachable.err;
  for (auto cmd : {"lot", "ship", "import", "trace", "unit", "get", "cert"}) {
    QtraceRun help = RunQtrace({cmd, "--help"});
    EXPECT_EQ(help.exit_code, 0) << cmd;
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << cmd;
  }
}

// The recall commands as a regulator and the holders run them: an order
// seeded at a product window narrowed to one heat number, the scope as a
// table, JSON and CSV, the holder's inbox and acknowledgement, and the
// command-line mistakes that exit 2 without writing anything.
TEST_F(CliE2eTest, RecallCommandsOrderByAHeatNumberAndFollowIt) {
  std::string mill = AddParty("mill", "enterprise", "building_materials");
  std::string site = AddParty("site", "enterprise", "building_materials");
  std::string amr = AddParty("amr", "regulator", "building_materials");
  auto ok = [&](const std::string& key, std::vector<std::string> args) {
    args.insert(args.end(), {"--key", key});
    QtraceRun r = Q(args);
    EXPECT_TRUE(Ok(r)) << args[0];
    return r;
  };
  ok(mill, {"product", "--product", "local:pipe", "--sector", "building_materials", "--unit",
            "TNE"});
  for (auto [lot, heat, day] : {std::tuple{"P-1", "H", "02"}, std::tuple{"P-2", "H2", "03"},
                                std::tuple{"P-3", "H", "04"}}) {
    ok(mill, {"lot", "--lot", std::string("local:pipe/") + lot, "--quantity", "20 TNE",
              "--produced", std::string("2026-04-") + day + "T08:00:00+08:00", "--attr",
              std::string("heat_no=") + heat, "--attr", "od_mm:decimal=114.3"});
  }
  for (const char* lot : {"P-1", "P-2"}) {
    std::string item = std::string("local:pipe/") + lot + "=5TNE";
    ok(mill, {"ship", "--to", "site", "--shipment", std::string("DN-") + lot, "--item", item});
    ok(site, {"receive", "--from", "mill", "--shipment", std::string("DN-") + lot, "--item", item});
  }
  uint64_t size_before = 0;
  auto log_size = [&] {
    return json::parse(Q({"log", "checkpoint", "--json"}).out).at("size").to_number<uint64_t>();
  };
  size_before = log_size();
  // Mistakes on the command line: exit 2, nothing written.
  for (const char* window : {"local:pipe,2026-04-01T00:00:00Z", "local:pipe,2026-04-01T00:00:00Z,"
                                                                "2026-05-01T00:00:00Z,od_mm:decimal=wide",
                             "local:pipe,2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,heat_no"}) {
    QtraceRun bad = Q({"recall", "order", "--id", "BM-X", "--sector", "building_materials",
                       "--level", "A", "--responsible", "mill", "--product-window", window,
                       "--key", amr});
    EXPECT_EQ(bad.exit_code, 2) << window << "\n" << bad.err;
    EXPECT_TRUE(bad.err.find("--product-window") != std::string::npos ||
                bad.err.find("product_windows[0]") != std::string::npos)
        << bad.err;
  }
  EXPECT_EQ(log_size(), size_before);

  ok(amr, {"recall", "order", "--id", "BM-H", "--sector", "building_materials", "--level", "A",
           "--responsible", "mill", "--hazard", "heat H: carbon above the limit",
           "--product-window",
           "local:pipe,2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,heat_no=H,od_mm:decimal=114.30"});
  QtraceRun show = ok(amr, {"recall", "show", "BM-H", "--json"});
  std::set<std::string> lots;
  json::value shown = json::parse(show.out);
  for (const auto& l : shown.at("scope").at("lots").as_array()) {
    lots.insert(std::string(l.as_string()));
  }
  EXPECT_EQ(lots, (std::set<std::string>{"local:pipe/P-1", "local:pipe/P-3"})) << show.out;
  QtraceRun table = ok(amr, {"recall", "show", "BM-H"});
  EXPECT_NE(table.out.find("2 lots as of log index"), std::string::npos) << table.out;
  QtraceRun csv = ok(amr, {"recall", "scope", "BM-H"});
  EXPECT_NE(csv.out.find("BM-H,local:pipe/P-1,"), std::string::npos) << csv.out;
  EXPECT_EQ(csv.out.find("local:pipe/P-2"), std::string::npos) << csv.out;

  QtraceRun inbox = ok(site, {"recall", "notices"});
  EXPECT_NE(inbox.out.find("local:pipe/P-1"), std::string::npos) << inbox.out;
  EXPECT_NE(inbox.out.find("NO"), std::string::npos) << inbox.out;
  ok(site, {"recall", "ack", "--id", "BM-H", "--note", "pipes quarantined"});
  QtraceRun after = ok(site, {"recall", "notices", "--json"});
  EXPECT_EQ(json::parse(after.out).as_object().at("notices").as_array().at(0).as_object().at(
                "acknowledged").as_bool(), true)
      << after.out;
  // Recall candidates (certificates no longer in force still cited): none
  // here; a regulator's question only.
  QtraceRun cand = ok(amr, {"recall", "candidates"});
  EXPECT_EQ(cand.out, "no recall candidates\n");
  EXPECT_EQ(Q({"recall", "candidates", "--key", site}).exit_code, 1);
  // Only a regulator widens: the site is refused by the server (exit 1).
  EXPECT_EQ(Q({"recall", "widen", "--id", "BM-H", "--lot", "local:pipe/P-2", "--key", site})
                .exit_code,
            1);
}

TEST_F(CliE2eTest, EnvironmentNamesServerKeyAndParty) {
  std::string farm = AddParty("farm", "enterprise");
  std::vector<std::pair<std::string, std::string>> env = {{"QTRACE_KEY", farm},
                                                          {"QTRACE_PARTY", "farm"}};
  EXPECT_TRUE(Ok(Q({"product", "--product", "local:feed", "--sector", "agriculture"}, env)));
  // Without QTRACE_PARTY the party is looked up from the key.
  EXPECT_TRUE(Ok(Q({"lot", "--lot", "local:feed/F-1", "--quantity", "1 TNE", "--produced",
                    "2026-04-20T08:00:00+08:00"},
                   {{"QTRACE_KEY", farm}})));
  EXPECT_TRUE(Ok(Q({"get", "party", "farm"}, env)));
}

TEST_F(CliE2eTest, LogCommandsAndVerifiedReceipts) {
  std::string farm = AddParty("farm", "enterprise");
  QtraceRun cp = Q({"log", "checkpoint", "--host-key", host_pub_});
  ASSERT_TRUE(Ok(cp));
  EXPECT_EQ(cp.out.substr(0, 17), "test.example/log\n");
  EXPECT_NE(cp.out.find("signature: valid"), std::string::npos);
  QtraceRun cpj = Q({"log", "checkpoint", "--json"});
  ASSERT_TRUE(Ok(cpj));
  uint64_t size = json::parse(cpj.out).at("size").to_number<uint64_t>();
  EXPECT_GE(size, 2u);
  QtraceRun proof = Q({"log", "proof", "--index", "0", "--json"});
  ASSERT_TRUE(Ok(proof));
  EXPECT_EQ(json::parse(proof.out).at("size").to_number<uint64_t>(), size);
  EXPECT_TRUE(Ok(Q({"log", "consistency", "--from", "1"})));
  // The offline log commands are still there.
  EXPECT_EQ(RunQtrace({"log", "verify-inclusion", "--help"}).exit_code, 0);

  QtraceRun verified = Q({"product", "--product", "local:feed", "--sector", "agriculture", "--key",
                          farm, "--host-key", host_pub_});
  ASSERT_TRUE(Ok(verified));
  EXPECT_NE(verified.out.find("receipt verified"), std::string::npos);
  // Another host's key: the receipt does not verify and the command fails.
  std::string other = dir_.Sub("other.key");
  ASSERT_TRUE(Ok(RunQtrace({"keygen", other})));
  QtraceRun fooled = Q({"product", "--product", "local:fish", "--sector", "agriculture", "--key",
                        farm, "--host-key", dir_.Sub("other.pub")});
  EXPECT_EQ(fooled.exit_code, 1);
  EXPECT_NE(fooled.err.find("bad_checkpoint_signature"), std::string::npos) << fooled.err;
}

}  // namespace
}  // namespace qtrace
