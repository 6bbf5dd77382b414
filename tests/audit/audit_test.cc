// `qtrace audit DATA_DIR`: a clean store is clean; one byte changed on disk
// (in a record, a Merkle row, a full Merkle tile) or a deleted checkpoint is
// found and named.
#include <gtest/gtest.h>

#include <string>

#include "cli/run_cli.h"
#include "cli/store_scenario.h"
#include "qtrace/host/ledger.h"
#include "qtrace/storage/db.h"
#include "qtrace/storage/keys.h"

namespace qtrace {
namespace {

using storage::Cf;
using storage::KeyBuilder;
using storage::U64Key;
using testing::CliResult;
using testing::LedgerHarness;
using testing::RunCli;

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::StoreScenario s(h_);
    s.Build();
    ha_index_ = s.ha_index_;
    size_ = h_.ledger().LogSize();
    h_.Close();  // writes a state snapshot at size_
  }
  std::string data() const { return h_.dir() + "/data"; }
  CliResult Audit() { return RunCli({"audit", data()}); }

  // Applies `f` to the store through the storage layer (the ledger closed).
  template <typename F>
  void Tamper(F f) {
    auto db = storage::Db::Open(data() + "/db", {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    f(**db);
  }
  static void FlipByte(storage::Db& db, Cf cf, const std::string& key, size_t offset) {
    std::string v;
    ASSERT_TRUE(db.Get(cf, key, &v).ok());
    ASSERT_LT(offset, v.size());
    v[offset] ^= 0x01;
    storage::WriteBatch b(db);
    b.Put(cf, key, v);
    ASSERT_TRUE(db.Write(b, true).ok());
  }

  LedgerHarness h_;
  uint64_t ha_index_ = 0, size_ = 0;
};

TEST_F(AuditTest, CleanStoreIsClean) {
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, 6), "clean\n") << r.out;
  EXPECT_TRUE(Has(r.out, "log: " + std::to_string(size_) + " entries")) << r.out;
  EXPECT_TRUE(Has(r.out, std::to_string(size_) + " records applied to a fresh state")) << r.out;
  EXPECT_TRUE(Has(r.out, "serials 2 rows compared with replay")) << r.out;
  EXPECT_TRUE(Has(r.out, "snapshot at size " + std::to_string(size_) +
                             ": equal to the replayed state"))
      << r.out;
}

TEST_F(AuditTest, OneChangedByteInARecordNamesItsIndex) {
  // Change the lot code "HA" inside the signed payload to "HB".
  Tamper([&](storage::Db& db) {
    std::string v;
    ASSERT_TRUE(db.Get(Cf::kRecords, U64Key(ha_index_), &v).ok());
    size_t pos = v.find("HA");
    ASSERT_NE(pos, std::string::npos);
    v[pos + 1] = 'B';
    storage::WriteBatch b(db);
    b.Put(Cf::kRecords, U64Key(ha_index_), v);
    ASSERT_TRUE(db.Write(b, true).ok());
  });
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, 8), "damaged\n") << r.out;
  const std::string at = "log index " + std::to_string(ha_index_) + ": ";
  EXPECT_TRUE(Has(r.out, "first damaged log index: " + std::to_string(ha_index_))) << r.out;
  EXPECT_TRUE(Has(r.out, at + "stored entry does not match the leaf signed in checkpoint size " +
                             std::to_string(ha_index_ + 1)))
      << r.out;
  EXPECT_TRUE(Has(r.out, at + "record signature does not verify")) << r.out;
}

TEST_F(AuditTest, ChangedRecordTimeIsFoundThoughTheSignatureHolds) {
  // record_time is outside the signed payload: only the leaf hash shows it.
  Tamper([&](storage::Db& db) {
    std::string v;
    ASSERT_TRUE(db.Get(Cf::kRecords, U64Key(ha_index_), &v).ok());
    auto e = VerifyLogEntry(v, false);
    ASSERT_TRUE(e.ok());
    int64_t t = (*e)->record_time();
    // Find the 8 little-endian bytes of record_time and change the lowest.
    std::string le(reinterpret_cast<const char*>(&t), 8);
    size_t pos = v.find(le);
    ASSERT_NE(pos, std::string::npos);
    v[pos] ^= 0x01;
    storage::WriteBatch b(db);
    b.Put(Cf::kRecords, U64Key(ha_index_), v);
    ASSERT_TRUE(db.Write(b, true).ok());
  });
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "first damaged log index: " + std::to_string(ha_index_))) << r.out;
  EXPECT_TRUE(Has(r.out, "log index " + std::to_string(ha_index_) +
                             ": stored entry does not match the leaf signed"))
      << r.out;
}

TEST_F(AuditTest, FlippedMerkleRowByteIsMerkleDamage) {
  Tamper([&](storage::Db& db) {
    FlipByte(db, Cf::kMerkle, KeyBuilder().U8('r').U8(0).U64(ha_index_).Build(), 7);
  });
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "log index " + std::to_string(ha_index_) +
                             ": merkle row 0 holds a wrong leaf hash"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "the Merkle store is damaged, not the log")) << r.out;
  EXPECT_FALSE(Has(r.out, "first damaged log index")) << r.out;
}

TEST_F(AuditTest, DeletedNewestCheckpointLeavesEntriesUnsigned) {
  Tamper([&](storage::Db& db) {
    storage::WriteBatch b(db);
    b.Delete(Cf::kCheckpoints, U64Key(size_));
    ASSERT_TRUE(db.Write(b, true).ok());
  });
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "are covered by no signed checkpoint")) << r.out;
}

TEST_F(AuditTest, ChangedCheckpointSignatureIsFound) {
  Tamper([&](storage::Db& db) {
    std::string v;
    ASSERT_TRUE(db.Get(Cf::kCheckpoints, U64Key(ha_index_ + 1), &v).ok());
    FlipByte(db, Cf::kCheckpoints, U64Key(ha_index_ + 1), v.size() - 5);
  });
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "checkpoint size " + std::to_string(ha_index_ + 1))) << r.out;
}

TEST_F(AuditTest, ChangedSerialRowIsDerivedDamage) {
  Tamper([&](storage::Db& db) { FlipByte(db, Cf::kSerials, "SN-2", 2); });
  CliResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "serials: row 'SN-2' differs from what replay produces")) << r.out;
  EXPECT_FALSE(Has(r.out, "first damaged log index")) << r.out;
}

TEST(AuditTileTest, FullTilesAreComparedAndADamagedOneIsFound) {
  LedgerHarness h;
  h.AddEnterprise("farm");
  std::vector<SignedEnvelope> envs;
  for (int i = 0; i < 300; ++i) {
    envs.push_back(h.Sign("farm", R"({"type":"unit","unit_id":"U)" + std::to_string(i) +
                                      R"(","kind":"plot"})"));
  }
  for (const auto& r : h.SubmitBatch(std::move(envs))) ASSERT_TRUE(r.status.ok());
  h.Close();
  const std::string data = h.dir() + "/data";
  CliResult r = RunCli({"audit", data});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "1 full tiles")) << r.out;
  {
    auto db = storage::Db::Open(data + "/db", {});
    ASSERT_TRUE(db.ok());
    std::string key = KeyBuilder().U8('t').U8(0).U64(0).Build();
    std::string v;
    ASSERT_TRUE((*db)->Get(Cf::kMerkle, key, &v).ok());
    v[256 * 32 + 3] ^= 0x01;  // a height-1 node
    storage::WriteBatch b(**db);
    b.Put(Cf::kMerkle, key, v);
    ASSERT_TRUE((*db)->Write(b, true).ok());
  }
  r = RunCli({"audit", data});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "merkle tile 0/0: node at height 1, index 0")) << r.out;
}

TEST(AuditUsageTest, OpenStoreAndMissingDirExitTwo) {
  LedgerHarness h;  // open in this process
  CliResult r = RunCli({"audit", h.dir() + "/data"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "stop qtraced")) << r.err;
  r = RunCli({"audit", h.dir() + "/nope"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

}  // namespace
}  // namespace qtrace
