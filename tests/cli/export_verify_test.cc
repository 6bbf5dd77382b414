// `qtrace export` and `qtrace verify BUNDLE` on a real store, and the record
// signature check of `qtrace verify RECEIPT --signer-key / --keys-from`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_cli.h"
#include "cli/store_scenario.h"
#include "qtrace/crypto.h"
#include "qtrace/host/ledger.h"

namespace qtrace {
namespace {

using testing::CliResult;
using testing::kPacked;
using testing::ReadText;
using testing::RunCli;
using testing::WriteText;

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// One store for the whole suite (building it is the slow part).
class ExportVerifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    h_ = new testing::LedgerHarness();
    scenario_ = new testing::StoreScenario(*h_);
    scenario_->Build();
    // A receipt for farm-a's harvest (signed with farm-a's first key) and
    // one for the adjustment (signed with the rotated key).
    receipt_ha_ = *h_->ledger().Receipt(scenario_->ha_index_);
    receipt_adj_ = *h_->ledger().Receipt(scenario_->adjustment_index_);
    h_->Close();
    data_ = h_->dir() + "/data";
    host_pub_ = data_ + "/keys/host.pub";
    bundle_ = h_->dir() + "/l1.bundle";
    WriteText(h_->dir() + "/ha.tlog-proof", receipt_ha_);
    WriteText(h_->dir() + "/adj.tlog-proof", receipt_adj_);
    ASSERT_TRUE(SavePublicKeyPem(scenario_->old_farm_a_.public_key(), h_->dir() + "/farm-a-old.pem").ok());
    ASSERT_TRUE(SavePublicKeyPem(h_->key("farm-a").public_key(), h_->dir() + "/farm-a-new.pem").ok());
    ASSERT_TRUE(SavePublicKeyPem(h_->key("packer").public_key(), h_->dir() + "/packer.pem").ok());
    CliResult r = RunCli({"export", "--lot", kPacked, "--out", bundle_, "--data-dir", data_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    export_out_ = r.out;
  }
  static void TearDownTestSuite() {
    delete scenario_;
    delete h_;
  }

  static std::string Path(const std::string& name) { return h_->dir() + "/" + name; }
  static CliResult Verify(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify", file, "--host-key", host_pub_};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  }
  // The bundle with the entry of log index `index` removed.
  static std::string Without(const std::string& bundle, uint64_t index) {
    const std::string tag = "\nentry " + std::to_string(index) + " ";
    size_t start = bundle.find(tag);
    EXPECT_NE(start, std::string::npos) << "no entry " << index;
    size_t end = bundle.find("\n\n", start + 1);
    std::string out = bundle.substr(0, start) + bundle.substr(end + 1);
    size_t n = out.find("entries ");
    size_t nl = out.find('\n', n);
    uint64_t count = std::stoull(out.substr(n + 8, nl - n - 8));
    return out.replace(n, nl - n, "entries " + std::to_string(count - 1));
  }

  static testing::LedgerHarness* h_;
  static testing::StoreScenario* scenario_;
  static std::string data_, host_pub_, bundle_, export_out_, receipt_ha_, receipt_adj_;
};

testing::LedgerHarness* ExportVerifyTest::h_ = nullptr;
testing::StoreScenario* ExportVerifyTest::scenario_ = nullptr;
std::string ExportVerifyTest::data_, ExportVerifyTest::host_pub_, ExportVerifyTest::bundle_,
    ExportVerifyTest::export_out_, ExportVerifyTest::receipt_ha_, ExportVerifyTest::receipt_adj_;

TEST_F(ExportVerifyTest, ExportedBundleVerifies) {
  EXPECT_TRUE(Has(export_out_, "lots: 5")) << export_out_;
  CliResult r = Verify(bundle_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, 6), "valid\n");
  EXPECT_TRUE(Has(r.out, "lot: gtin:09506000134352/L1")) << r.out;
  EXPECT_TRUE(Has(r.out, "lineage: 5 lots")) << r.out;
  EXPECT_TRUE(Has(r.out, "key_rotation 1")) << r.out;
  EXPECT_TRUE(Has(r.out, "genesis 1")) << r.out;
  EXPECT_TRUE(Has(r.out, "record signatures:")) << r.out;
  // The sibling lot L2 and its status change are not part of L1's lineage.
  EXPECT_FALSE(Has(r.out, "lot_status")) << r.out;
}

TEST_F(ExportVerifyTest, GtinShorthandExportsTheSameBundle) {
  const std::string out = Path("short.bundle");
  CliResult r = RunCli({"export", "--lot", "09506000134352/L1", "--out", out, "--data-dir", data_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ReadText(out), ReadText(bundle_));
  r = RunCli({"export", "--lot", "12345/L1", "--out", out, "--data-dir", data_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = RunCli({"export", "--lot", "local:retail/NOPE", "--out", out, "--data-dir", data_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "no lot")) << r.err;
}

TEST_F(ExportVerifyTest, TamperedEntryIsInvalidAndNamed) {
  std::string text = ReadText(bundle_);
  const std::string tag = "\nentry " + std::to_string(scenario_->l1_index_) + " ";
  size_t pos = text.find(tag);
  ASSERT_NE(pos, std::string::npos);
  pos += tag.size() + 40;
  text[pos] = text[pos] == 'A' ? 'B' : 'A';
  WriteText(Path("tampered.bundle"), text);
  CliResult r = Verify(Path("tampered.bundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "log index " + std::to_string(scenario_->l1_index_))) << r.out;
}

TEST_F(ExportVerifyTest, MissingInputRegistrationBreaksTheLineage) {
  WriteText(Path("no-hb.bundle"), Without(ReadText(bundle_), scenario_->hb_index_));
  CliResult r = Verify(Path("no-hb.bundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "local:harvest-b/HB")) << r.out;
  EXPECT_TRUE(Has(r.out, "log index")) << r.out;
}

TEST_F(ExportVerifyTest, MissingKeyRotationLeavesTheNewKeyUnregistered) {
  // The rotation is the entry just before the adjustment.
  WriteText(Path("no-rotation.bundle"),
            Without(ReadText(bundle_), scenario_->adjustment_index_ - 1));
  CliResult r = Verify(Path("no-rotation.bundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "log index " + std::to_string(scenario_->adjustment_index_) +
                             ": signed by key"))
      << r.out;
}

TEST_F(ExportVerifyTest, WrongHostKeyAndMalformedBundles) {
  PrivateKey other = *PrivateKey::Generate();
  ASSERT_TRUE(SavePublicKeyPem(other.public_key(), Path("other-host.pem")).ok());
  CliResult r = RunCli({"verify", bundle_, "--host-key", Path("other-host.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string text = ReadText(bundle_);
  WriteText(Path("truncated.bundle"), text.substr(0, text.find("\n\n", 100) + 1));
  r = Verify(Path("truncated.bundle"));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  std::string bad_count = text;
  bad_count.replace(bad_count.find("entries "), 8, "entries x");
  WriteText(Path("bad-count.bundle"), bad_count);
  r = Verify(Path("bad-count.bundle"));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST_F(ExportVerifyTest, ReceiptSaysWhenTheRecordSignatureIsNotChecked) {
  CliResult r = Verify(Path("ha.tlog-proof"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "checkpoint signature, leaf hash, inclusion: valid")) << r.out;
  EXPECT_TRUE(Has(r.out, "record signature: not checked")) << r.out;
  EXPECT_TRUE(Has(r.out, "record: lot stated by farm-a")) << r.out;
}

TEST_F(ExportVerifyTest, ReceiptRecordSignatureWithSignerKey) {
  CliResult r = Verify(Path("ha.tlog-proof"), {"--signer-key", Path("farm-a-old.pem")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "record signature: valid")) << r.out;
  // Another party's key, and farm-a's later key, are not the signer.
  r = Verify(Path("ha.tlog-proof"), {"--signer-key", Path("packer.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "not by --signer-key")) << r.out;
  r = Verify(Path("ha.tlog-proof"), {"--signer-key", Path("farm-a-new.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  r = Verify(Path("adj.tlog-proof"), {"--signer-key", Path("farm-a-new.pem")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Verify(Path("ha.tlog-proof"), {"--signer-key", Path("missing.pem")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST_F(ExportVerifyTest, ReceiptRecordSignatureWithKeysFromBundle) {
  for (const char* receipt : {"ha.tlog-proof", "adj.tlog-proof"}) {
    CliResult r = Verify(Path(receipt), {"--keys-from", bundle_});
    EXPECT_EQ(r.exit_code, 0) << receipt << r.out << r.err;
    EXPECT_TRUE(Has(r.out, "record signature: valid")) << r.out;
    EXPECT_TRUE(Has(r.out, "the key of farm-a registered at log index")) << r.out;
  }
  CliResult r = Verify(Path("ha.tlog-proof"), {"--keys-from", Path("no-such.bundle")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(ExportWhileOpenTest, RunningStoreIsRefusedWithAdvice) {
  testing::LedgerHarness h;  // the ledger stays open in this process
  CliResult r = RunCli({"export", "--lot", kPacked, "--out", h.dir() + "/x.bundle",
                        "--data-dir", h.dir() + "/data"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "stop qtraced or export from a backup")) << r.err;
}

}  // namespace
}  // namespace qtrace
