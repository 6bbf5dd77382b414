// `qtrace backup` / `qtrace restore` and the checkpoint floor: a store
// restored from a backup that is behind a checkpoint the host already issued
// refuses records; one restored with nothing newer issued accepts them.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/run_cli.h"
#include "cli/store_scenario.h"
#include "qtrace/host/ledger.h"
#include "qtrace/storage/db.h"
#include "qtrace/storage/keys.h"

namespace qtrace {
namespace {

using testing::CliResult;
using testing::LedgerHarness;
using testing::RunCli;

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

uint64_t FloorOf(const std::string& db_dir) {
  storage::DbOptions o;
  o.read_only = true;
  auto db = storage::Db::Open(db_dir, o);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  std::string v;
  uint64_t floor = 0;
  if ((*db)->Get(storage::Cf::kMeta, "checkpoint_floor", &v).ok()) {
    storage::KeyReader r(v);
    r.U64(&floor);
  }
  return floor;
}

class BackupRestoreTest : public ::testing::Test {
 protected:
  std::string data() const { return h_.dir() + "/data"; }
  std::string backup() const { return h_.dir() + "/backup"; }
  host::IngestResult Unit(const std::string& id) {
    return h_.Submit("farm", R"({"type":"unit","unit_id":")" + id + R"(","kind":"plot"})");
  }
  CliResult Backup() { return RunCli({"backup", "--data-dir", data(), "--to", backup()}); }
  CliResult Restore(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"restore", "--from", backup(), "--data-dir", data()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  }

  LedgerHarness h_;
};

TEST_F(BackupRestoreTest, RestoreBehindAnIssuedCheckpointRefusesRecords) {
  h_.AddEnterprise("farm");
  ASSERT_TRUE(Unit("P1").status.ok());
  const uint64_t backed_up = h_.ledger().LogSize();
  h_.Close();
  CliResult r = Backup();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "log size: " + std::to_string(backed_up))) << r.out;

  // More records: the host issues newer checkpoints.
  h_.Reopen();
  ASSERT_TRUE(Unit("P2").status.ok());
  ASSERT_TRUE(Unit("P3").status.ok());
  const uint64_t issued = h_.ledger().LogSize();
  h_.Close();

  r = Restore();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "log size: " + std::to_string(backed_up))) << r.out;
  EXPECT_TRUE(Has(r.out, "checkpoint floor: " + std::to_string(issued))) << r.out;
  EXPECT_TRUE(Has(r.out, "store_behind_checkpoint")) << r.out;
  EXPECT_EQ(FloorOf(data() + "/db"), issued);

  h_.Reopen();
  EXPECT_EQ(h_.ledger().LogSize(), backed_up);
  auto refused = Unit("P4");
  EXPECT_EQ(refused.status.code(), StatusCode::kUnavailable) << refused.status.ToString();
  EXPECT_EQ(refused.status.reason(), "store_behind_checkpoint");
  h_.Close();

  // Audit of the restored store: clean, with a note about the floor.
  r = RunCli({"audit", data()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "checkpoint floor " + std::to_string(issued))) << r.out;
}

TEST_F(BackupRestoreTest, RestoreWithNothingNewerIssuedAcceptsRecords) {
  h_.AddEnterprise("farm");
  ASSERT_TRUE(Unit("P1").status.ok());
  h_.Close();
  ASSERT_EQ(Backup().exit_code, 0);
  CliResult r = Restore();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "accepts records")) << r.out;
  EXPECT_TRUE(Has(r.out, "previous store moved to")) << r.out;
  h_.Reopen();
  auto ok = Unit("P2");
  EXPECT_TRUE(ok.status.ok()) << ok.status.ToString();
}

TEST_F(BackupRestoreTest, FloorFromACheckpointFileIntoAnEmptyDataDir) {
  h_.AddEnterprise("farm");
  h_.Close();
  ASSERT_EQ(Backup().exit_code, 0);
  h_.Reopen();
  ASSERT_TRUE(Unit("P1").status.ok());
  const auto cp = h_.ledger().LatestCheckpoint();
  testing::WriteText(h_.dir() + "/newest.checkpoint", cp->note);
  h_.Close();
  // The data dir is lost but for its keys: restore with --floor-from.
  std::filesystem::remove_all(data() + "/db");
  CliResult r = Restore({"--floor-from", h_.dir() + "/newest.checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "checkpoint floor: " + std::to_string(cp->size))) << r.out;
  EXPECT_EQ(FloorOf(data() + "/db"), cp->size);

  // A checkpoint note that does not verify is refused.
  std::string forged = cp->note;
  forged[forged.size() - 10] ^= 1;
  testing::WriteText(h_.dir() + "/forged.checkpoint", forged);
  r = Restore({"--floor-from", h_.dir() + "/forged.checkpoint"});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
}

TEST_F(BackupRestoreTest, BackupOfAnotherHistoryIsRefused) {
  // The store to replace has issued checkpoint size N; the backup is of a
  // log with the same origin that holds more than N entries but another
  // history (here: another data dir).
  h_.AddEnterprise("farm");
  const uint64_t size = h_.ledger().LogSize();
  h_.Close();
  LedgerHarness other;
  other.AddEnterprise("farm-x");
  other.AddEnterprise("farm-y");
  other.Close();
  CliResult r = RunCli({"backup", "--data-dir", other.dir() + "/data", "--to", backup()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Restore();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "not an earlier state of this log")) << r.out;
  // Nothing was replaced.
  h_.Reopen();
  EXPECT_EQ(h_.ledger().LogSize(), size);
  EXPECT_TRUE(Unit("P1").status.ok());
}

TEST_F(BackupRestoreTest, OpenStoreIsRefused) {
  CliResult r = Backup();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "stop qtraced")) << r.err;
  r = Restore();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "stop qtraced")) << r.err;
}

}  // namespace
}  // namespace qtrace
