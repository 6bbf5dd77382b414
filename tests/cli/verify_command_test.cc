// `qtrace verify RECEIPT --host-key PEM [--key-name NAME]`: offline receipt
// checks with exit 0 (valid), 1 (not valid), 2 (unusable arguments).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli/run_cli.h"
#include "qtrace/checkpoint.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

using testing::CliResult;
using testing::RunCli;

constexpr char kOrigin[] = "qtrace.example/city-log";

class VerifyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Hash256> leaves;
    for (int i = 0; i < 9; ++i) leaves.push_back(LeafHash(Entry(i)));
    Checkpoint cp{kOrigin, leaves.size(), RootOf(leaves), 1795838638123456};
    Receipt r;
    r.extra = Entry(4);
    r.index = 4;
    r.proof = InclusionProofOf(leaves, 4);
    r.checkpoint_note = *SignCheckpoint(cp, key_, kOrigin);
    receipt_ = FormatReceipt(r);
    ASSERT_TRUE(SavePublicKeyPem(key_.public_key(), dir_.Sub("host.pem")).ok());
    PrivateKey other = *PrivateKey::Generate();
    ASSERT_TRUE(
        SavePublicKeyPem(other.public_key(), dir_.Sub("other.pem")).ok());
    Write("not-a-key.pem",
          "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    Write("good.tlog-proof", receipt_);
  }

  static std::string Entry(int i) { return "log entry " + std::to_string(i); }

  std::string Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_.Sub(name), std::ios::binary) << content;
    return dir_.Sub(name);
  }

  testing::TempDir dir_;
  PrivateKey key_ = *PrivateKey::Generate();
  std::string receipt_;
};

TEST_F(VerifyCliTest, ValidReceiptExitsZeroAndSaysWhatItProves) {
  CliResult r = RunCli({"verify", dir_.Sub("good.tlog-proof"), "--host-key",
                        dir_.Sub("host.pem")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, 6), "valid\n");
  EXPECT_NE(r.out.find("index: 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tree size: 9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2026-11-28T04:03:58.123456Z"), std::string::npos)
      << r.out;
  r = RunCli({"verify", dir_.Sub("good.tlog-proof"), "--host-key",
              dir_.Sub("host.pem"), "--key-name", kOrigin});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(VerifyCliTest, InvalidReceiptsExitOne) {
  std::string tampered_entry = receipt_;
  tampered_entry[receipt_.find("extra ") + 8] ^= 1;
  std::string tampered_size = receipt_;
  tampered_size.replace(tampered_size.find("\n9\n"), 3, "\n8\n");
  struct Case {
    std::string name, file, key, key_name;
  };
  const std::vector<Case> cases = {
      {"tampered entry", Write("a", tampered_entry), "host.pem", ""},
      {"tampered size", Write("b", tampered_size), "host.pem", ""},
      {"wrong key", dir_.Sub("good.tlog-proof"), "other.pem", ""},
      {"wrong key name", dir_.Sub("good.tlog-proof"), "host.pem",
       "other.example"},
      {"not a receipt", Write("c", "hello\n"), "host.pem", ""},
      {"truncated", Write("d", receipt_.substr(0, receipt_.size() / 2)),
       "host.pem", ""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"verify", c.file, "--host-key",
                                     dir_.Sub(c.key)};
    if (!c.key_name.empty()) {
      args.push_back("--key-name");
      args.push_back(c.key_name);
    }
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 1) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(r.out.substr(0, 8), "invalid:") << c.name << ": " << r.out;
  }
}

TEST_F(VerifyCliTest, UnusableArgumentsExitTwo) {
  const std::string good = dir_.Sub("good.tlog-proof");
  const std::vector<std::vector<std::string>> cases = {
      {"verify", good},
      {"verify", "--host-key", dir_.Sub("host.pem")},
      {"verify", dir_.Sub("missing"), "--host-key", dir_.Sub("host.pem")},
      {"verify", good, "--host-key", dir_.Sub("missing.pem")},
      {"verify", good, "--host-key", dir_.Sub("not-a-key.pem")},
      {"verify", good, "--host-key", good},
      {"verify", good, good, "--host-key", dir_.Sub("host.pem")},
  };
  for (const auto& args : cases) {
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2)
        << ::testing::PrintToString(args) << r.out << r.err;
  }
}

}  // namespace
}  // namespace qtrace
