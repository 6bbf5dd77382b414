// The ledger end to end on a real RocksDB: acceptance, every rejection path
// (each leaving the log unchanged), idempotency, batches, reopen.
#include "qtrace/host/ledger.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "qtrace/checkpoint.h"
#include "qtrace/host/views.h"
#include "qtrace/storage/db.h"
#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "qtrace/record_json.h"
#include "testing/ledger_harness.h"

namespace qtrace::host {
namespace {

using qtrace::testing::LedgerHarness;

constexpr char kGtin[] = "06901234567892";

// A harness with a feed mill, a farm and a retailer, one product and a lot.
class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.AddEnterprise("feed-mill");
    h_.AddEnterprise("crab-coop");
    h_.AddEnterprise("supermarket");
    h_.AddParty("city-amr", R"(["regulator"])");
    Ok(h_.Submit("feed-mill", R"({"type":"product","scheme":"local","product_id":"feed",
        "sector":"agriculture","name":"crab feed","default_unit":"KGM"})"));
    Ok(h_.Submit("crab-coop", R"({"type":"product","scheme":"gtin","product_id":")" +
                                  std::string(kGtin) +
                                  R"(","sector":"agriculture","name":"mitten crab"})"));
    Ok(h_.Submit("feed-mill", R"({"type":"lot","lot":"local:feed/F-2406","quantity":"1000 KGM",
        "production_time":"2026-05-01T08:00:00+08:00"})"));
  }

  static void Ok(const IngestResult& r) {
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  }

  // Submits and expects a rejection with `code` and `reason` that leaves the
  // log exactly as it was.
  void Rejected(const SignedEnvelope& env, StatusCode code, std::string_view reason) {
    uint64_t before = h_.ledger().LogSize();
    auto root = h_.ledger().LatestCheckpoint()->root;
    auto r = h_.SubmitEnvelope(env);
    EXPECT_EQ(r.status.code(), code) << r.status.ToString();
    EXPECT_EQ(r.status.reason(), reason) << r.status.ToString();
    EXPECT_EQ(h_.ledger().LogSize(), before);
    EXPECT_EQ(h_.ledger().LatestCheckpoint()->root, root);
  }
  void Rejected(const std::string& party, const std::string& json, StatusCode code,
                std::string_view reason) {
    Rejected(h_.Sign(party, json), code, reason);
  }

  int64_t Held(const std::string& lot_ref, const std::string& party) {
    auto parts = *ParseLotRef(lot_ref);
    return h_.ledger().WithState([&](const LedgerState& s) -> int64_t {
      auto id = s.FindLot(parts.scheme, parts.product, parts.lot);
      auto p = s.FindParty(party);
      if (!id || !p) return -1;
      const Holding* hd = s.lot(*id).HoldingOf(*p);
      return hd ? hd->held : 0;
    });
  }

  LedgerHarness h_;
};

TEST(LedgerInitTest, CreatesKeysStoreAndGenesis) {
  LedgerHarness h;
  DataDirLayout layout(h.dir() + "/data");
  struct stat sb;
  ASSERT_EQ(::stat(layout.host_key().c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600);
  ASSERT_EQ(::stat(layout.admin_key().c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600);
  EXPECT_EQ(h.ledger().LogSize(), 1u);
  auto cp = h.ledger().LatestCheckpoint();
  ASSERT_NE(cp, nullptr);
  auto opened = OpenCheckpoint(cp->note, h.ledger().host_key(), h.ledger().origin());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->size, 1u);
  h.ledger().WithState([&](const LedgerState& s) {
    EXPECT_TRUE(s.FindParty("platform-admin").has_value());
    EXPECT_NE(s.FindKey(h.admin().id()), nullptr);
    return 0;
  });
  EXPECT_EQ(Ledger::Initialize(h.dir() + "/data", {}).code(), StatusCode::kAlreadyExists);
}

TEST_F(LedgerTest, AcceptedLotHasBalanceAndReceiptVerifies) {
  EXPECT_EQ(Held("local:feed/F-2406", "feed-mill"), 1000'000'000);
  auto r = h_.Submit("crab-coop", R"({"type":"lot","lot":"gtin:06901234567892/P3-0620",
      "quantity":"200 KGM","production_time":"2026-06-20T06:00:00+08:00"})");
  Ok(r);
  ASSERT_NE(r.checkpoint, nullptr);
  EXPECT_GT(r.checkpoint->size, r.index);
  // The receipt verifies offline with nothing but the host key.
  auto receipt = h_.ledger().Receipt(r.index);
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  auto verified = VerifyReceipt(*receipt, h_.ledger().host_key(), h_.ledger().origin());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->index, r.index);
  EXPECT_EQ(LeafHash(verified->entry), r.leaf_hash);
}

TEST_F(LedgerTest, ResubmissionIsIdempotent) {
  auto env = h_.Sign("crab-coop", R"({"type":"lot","lot":"gtin:06901234567892/P3-0621",
      "quantity":"10 KGM","production_time":"2026-06-21T06:00:00+08:00"})");
  auto first = h_.SubmitEnvelope(env);
  Ok(first);
  uint64_t size = h_.ledger().LogSize();
  auto again = h_.SubmitEnvelope(env);
  Ok(again);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.index, first.index);
  EXPECT_EQ(again.leaf_hash, first.leaf_hash);
  EXPECT_EQ(h_.ledger().LogSize(), size);
  // Twice in one batch: the second is the duplicate of the first.
  auto env2 = h_.Sign("crab-coop", R"({"type":"lot","lot":"gtin:06901234567892/P3-0622",
      "quantity":"10 KGM","production_time":"2026-06-21T06:00:00+08:00"})");
  auto rs = h_.SubmitBatch({env2, env2});
  Ok(rs[0]);
  Ok(rs[1]);
  EXPECT_FALSE(rs[0].duplicate);
  EXPECT_TRUE(rs[1].duplicate);
  EXPECT_EQ(rs[0].index, rs[1].index);
}

TEST_F(LedgerTest, CorruptedEnvelopeIsInvalidArgument) {
  auto env = h_.Sign("crab-coop", R"({"type":"unit","unit_id":"P1","kind":"pond"})");
  std::string bytes = EncodeEnvelope(env);
  bytes[bytes.size() / 2] ^= 0x5a;
  bytes.resize(bytes.size() - 7);
  uint64_t before = h_.ledger().LogSize();
  auto rs = h_.ledger().SubmitAndWait({IngestItem::FromBytes(bytes)});
  EXPECT_EQ(rs[0].status.code(), StatusCode::kInvalidArgument) << rs[0].status.ToString();
  EXPECT_EQ(h_.ledger().LogSize(), before);
}

TEST_F(LedgerTest, CorruptedPayloadIsInvalidArgument) {
  auto env = h_.Sign("crab-coop", R"({"type":"unit","unit_id":"P1","kind":"pond"})");
  env.payload.resize(env.payload.size() / 2);  // offsets now point past the end
  env.signature = h_.key("crab-coop").SignRecord(env.payload_type, env.payload);
  Rejected(env, StatusCode::kInvalidArgument, "bad_flatbuffer");
}

TEST_F(LedgerTest, WrongSignatureIsUnauthenticated) {
  auto env = h_.Sign("crab-coop", R"({"type":"unit","unit_id":"P1","kind":"pond"})");
  env.signature[10] ^= 1;
  Rejected(env, StatusCode::kUnauthenticated, "bad_signature");
}

TEST_F(LedgerTest, UnknownKeyIsUnauthenticated) {
  auto stranger = *PrivateKey::Generate();
  Rejected(h_.SignWith(stranger, "crab-coop", R"({"type":"unit","unit_id":"P1","kind":"pond"})"),
           StatusCode::kUnauthenticated, "unknown_key");
}

TEST_F(LedgerTest, RevokedKeyIsUnauthenticated) {
  std::string key_hex = HexEncode(AsBytes(h_.key("supermarket").id()));
  Ok(h_.Submit("city-amr", R"({"type":"key_revocation","party_id":"supermarket","key_id":")" +
                               key_hex + R"(","reason":"laptop stolen"})"));
  Rejected("supermarket", R"({"type":"unit","unit_id":"C1","kind":"cold_room"})",
           StatusCode::kUnauthenticated, "key_revoked");
}

TEST_F(LedgerTest, RotatedKeySignsAndRetiredKeyDoesNot) {
  auto fresh = *PrivateKey::Generate();
  std::string pub = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(fresh.public_key().raw().data()), 32));
  std::string old_hex = HexEncode(AsBytes(h_.key("supermarket").id()));
  Ok(h_.Submit("supermarket", R"({"type":"key_rotation","party_id":"supermarket","new_key":")" +
                                  pub + R"(","retire_key_id":")" + old_hex + R"("})"));
  Rejected("supermarket", R"({"type":"unit","unit_id":"C1","kind":"cold_room"})",
           StatusCode::kUnauthenticated, "key_revoked");
  h_.SetKey("supermarket", fresh);
  Ok(h_.Submit("supermarket", R"({"type":"unit","unit_id":"C1","kind":"cold_room"})"));
}

TEST_F(LedgerTest, EnterpriseMayNotRegisterParties) {
  auto k = *PrivateKey::Generate();
  std::string pub = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(k.public_key().raw().data()), 32));
  Rejected("crab-coop", R"({"type":"party","party_id":"fake-farm","roles":["enterprise"],
      "keys":[")" + pub + R"("]})",
           StatusCode::kPermissionDenied, "role_not_allowed");
}

TEST_F(LedgerTest, RegulatorMayNotRegisterLots) {
  Rejected("city-amr", R"({"type":"lot","lot":"local:feed/X","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00+08:00"})",
           StatusCode::kPermissionDenied, "role_not_allowed");
}

TEST_F(LedgerTest, StatingAnotherPartyIsUnauthenticated) {
  Rejected(h_.SignWith(h_.key("crab-coop"), "feed-mill",
                       R"({"type":"unit","unit_id":"P9","kind":"pond"})"),
           StatusCode::kUnauthenticated, "party_key_mismatch");
}

TEST_F(LedgerTest, LocalProductOfAnotherPartyIsRefused) {
  Rejected("crab-coop", R"({"type":"lot","lot":"local:feed/F-9","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00+08:00"})",
           StatusCode::kPermissionDenied, "not_own_record");
}

TEST_F(LedgerTest, UnknownProductIsRuleViolation) {
  Rejected("crab-coop", R"({"type":"lot","lot":"gtin:06901234567908/X","quantity":"1 KGM",
      "production_time":"2026-05-01T08:00:00+08:00"})",
           StatusCode::kFailedPrecondition, "unknown_product");
}

TEST_F(LedgerTest, BadGtinIsInvalidArgument) {
  // Built by hand: the JSON mapping already refuses the bad check digit, but
  // the host must not rely on clients using it.
  flatbuffers::FlatBufferBuilder b;
  auto body = fb::CreateProductRegistrationDirect(b, fb::IdScheme::GTIN, "06901234567893",
                                                  nullptr, "agriculture");
  fb::Timestamp t(1780000000000000, 480);
  auto header = fb::CreateHeaderDirect(b, "crab-coop", &t);
  b.Finish(fb::CreateRecord(b, header, fb::Body::ProductRegistration, body.Union()));
  std::string payload(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  Rejected(SignPayload(h_.key("crab-coop"), kRecordPayloadType, payload),
           StatusCode::kInvalidArgument, "bad_gtin");
}

TEST_F(LedgerTest, LotKeyReusedByDifferentRecordIsConflict) {
  Rejected("feed-mill", R"({"type":"lot","lot":"local:feed/F-2406","quantity":"5 KGM",
      "production_time":"2026-05-02T08:00:00+08:00"})",
           StatusCode::kAlreadyExists, "lot_exists");
}

TEST_F(LedgerTest, UnknownLotReferenceIsRuleViolation) {
  Rejected("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/NOPE","quantity":"1 KGM"}]})",
           StatusCode::kFailedPrecondition, "unknown_lot");
}

TEST_F(LedgerTest, ShipmentExceedingBalanceIsRefused) {
  Rejected("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"1000.001 KGM"}]})",
           StatusCode::kFailedPrecondition, "balance_negative");
  // Exactly the balance is fine; then nothing is left.
  Ok(h_.Submit("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"1 TNE"}]})"));
  EXPECT_EQ(Held("local:feed/F-2406", "feed-mill"), 0);
  Rejected("feed-mill", R"({"type":"shipment","shipment_id":"S2","to":"supermarket",
      "items":[{"lot":"local:feed/F-2406","quantity":"1 GRM"}]})",
           StatusCode::kFailedPrecondition, "balance_negative");
}

TEST_F(LedgerTest, GoodsAreUsableOnlyAfterReceipt) {
  Ok(h_.Submit("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"600 KGM"}]})"));
  Ok(h_.Submit("crab-coop", R"({"type":"unit","unit_id":"P3","kind":"pond"})"));
  const char* apply = R"({"type":"unit_event","unit":"P3","kind":"input_applied",
      "input":"local:feed/F-2406","quantity":"100 KGM","start":"2026-06-02T08:00:00+08:00"})";
  Rejected("crab-coop", apply, StatusCode::kFailedPrecondition, "balance_negative");
  Rejected("crab-coop", R"({"type":"receipt","from":"feed-mill","shipment_id":"S1",
      "items":[{"lot":"local:feed/F-2406","quantity":"601 KGM"}]})",
           StatusCode::kFailedPrecondition, "balance_negative");
  Rejected("supermarket", R"({"type":"receipt","from":"feed-mill","shipment_id":"S1",
      "items":[{"lot":"local:feed/F-2406","quantity":"600 KGM"}]})",
           StatusCode::kPermissionDenied, "not_own_record");
  Ok(h_.Submit("crab-coop", R"({"type":"receipt","from":"feed-mill","shipment_id":"S1",
      "items":[{"lot":"local:feed/F-2406","quantity":"598 KGM"}]})"));
  EXPECT_EQ(Held("local:feed/F-2406", "crab-coop"), 598'000'000);
  Ok(h_.Submit("crab-coop", apply));
  EXPECT_EQ(Held("local:feed/F-2406", "crab-coop"), 498'000'000);
  Rejected("crab-coop", R"({"type":"receipt","from":"feed-mill","shipment_id":"S1",
      "items":[{"lot":"local:feed/F-2406","quantity":"1 KGM"}]})",
           StatusCode::kAlreadyExists, "already_received");
}

TEST_F(LedgerTest, InputsBeyondHoldingAreRefusedWithEveryReason) {
  auto r = h_.Submit("feed-mill", R"({"type":"lot","lot":"local:feed/F-MIX","quantity":"10 KGM",
      "production_time":"2026-05-03T08:00:00+08:00",
      "inputs":[{"lot":"local:feed/F-2406","quantity":"2000 KGM"},
                {"lot":"local:feed/MISSING","quantity":"1 KGM"}]})");
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status.details().size(), 2u) << r.status.ToString();
}

TEST_F(LedgerTest, EventTimeInTheFutureIsRefused) {
  Rejected("crab-coop", R"({"type":"unit","unit_id":"P1","kind":"pond",
      "event_time":"2099-01-01T00:00:00Z"})",
           StatusCode::kFailedPrecondition, "time_in_future");
}

TEST_F(LedgerTest, QuarantinedLotCannotShip) {
  Ok(h_.Submit("feed-mill", R"({"type":"lot_status","lot":"local:feed/F-2406",
      "status":"quarantined","reason":"awaiting lab result"})"));
  Rejected("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"1 KGM"}]})",
           StatusCode::kFailedPrecondition, "lot_blocked");
  Ok(h_.Submit("feed-mill", R"({"type":"lot_status","lot":"local:feed/F-2406",
      "status":"released"})"));
  Ok(h_.Submit("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"1 KGM"}]})"));
}

TEST_F(LedgerTest, AdjustmentOutsideToleranceIsRefused) {
  Rejected("feed-mill", R"({"type":"adjustment","lot":"local:feed/F-2406","delta":"-21 KGM",
      "reason":"weighing loss"})",
           StatusCode::kFailedPrecondition, "adjustment_out_of_tolerance");
  Ok(h_.Submit("feed-mill", R"({"type":"adjustment","lot":"local:feed/F-2406","delta":"-20 KGM",
      "reason":"weighing loss"})"));
  EXPECT_EQ(Held("local:feed/F-2406", "feed-mill"), 980'000'000);
}

TEST_F(LedgerTest, SerialsAreNeverReusedAndDispensedOnce) {
  Ok(h_.Submit("crab-coop", R"({"type":"lot","lot":"gtin:06901234567892/B1","quantity":"2 H87",
      "production_time":"2026-06-01T06:00:00+08:00","serials":["81234567890123456781","81234567890123456782"]})"));
  Rejected("crab-coop", R"({"type":"lot","lot":"gtin:06901234567892/B2","quantity":"1 H87",
      "production_time":"2026-06-01T06:00:00+08:00","serials":["81234567890123456781"]})",
           StatusCode::kFailedPrecondition, "serial_reused");
  Ok(h_.Submit("crab-coop", R"({"type":"disposition","kind":"sold","items":[
      {"lot":"gtin:06901234567892/B1","quantity":"1 H87","serials":["81234567890123456781"]}]})"));
  // A second sale of the same code (a different record: later) is refused.
  Rejected("crab-coop", R"({"type":"disposition","kind":"sold","event_time":"2026-06-02T08:00:00Z",
      "items":[{"lot":"gtin:06901234567892/B1","quantity":"1 H87","serials":["81234567890123456781"]}]})",
           StatusCode::kFailedPrecondition, "serial_reused");
}

TEST_F(LedgerTest, PackedSerialsTravelWithTheirContainer) {
  Ok(h_.Submit("crab-coop", R"({"type":"lot","lot":"gtin:06901234567892/B1","quantity":"2 H87",
      "production_time":"2026-06-01T06:00:00+08:00","serials":["S-1","S-2"]})"));
  Ok(h_.Submit("crab-coop", R"({"type":"aggregation","action":"pack","parent":"CASE-1",
      "children":["S-1","S-2"]})"));
  Rejected("crab-coop", R"({"type":"aggregation","action":"pack","parent":"CASE-2",
      "children":["S-1"]})",
           StatusCode::kFailedPrecondition, "bad_aggregation");
  Ok(h_.Submit("crab-coop", R"({"type":"shipment","shipment_id":"C1","to":"supermarket",
      "items":[{"lot":"gtin:06901234567892/B1","quantity":"2 H87"}],"containers":["CASE-1"]})"));
  h_.ledger().WithState([](const LedgerState& s) {
    auto to = *s.FindParty("supermarket");
    EXPECT_EQ(s.FindSerial("S-1")->holder, to);
    EXPECT_EQ(s.FindSerial("S-2")->holder, to);
    EXPECT_EQ(s.FindSerial("CASE-1")->holder, to);
    return 0;
  });
}

TEST_F(LedgerTest, BatchIsProcessedInOrderWithAStatusPerItem) {
  auto k = *PrivateKey::Generate();
  std::string pub = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(k.public_key().raw().data()), 32));
  auto reg = h_.Sign(h_.admin_party(), R"({"type":"party","party_id":"bream-farm",
      "roles":["enterprise"],"keys":[")" + pub + R"("]})");
  h_.SetKey("bream-farm", k);
  // The second item is signed by a key the first item registers.
  auto unit = h_.Sign("bream-farm", R"({"type":"unit","unit_id":"P1","kind":"pond"})");
  auto bad = h_.Sign("bream-farm", R"({"type":"unit","unit_id":"P1","kind":"pond","note":"x"})");
  auto rs = h_.SubmitBatch({reg, unit, bad});
  Ok(rs[0]);
  Ok(rs[1]);
  EXPECT_EQ(rs[2].status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(rs[1].index, rs[0].index + 1);
}

TEST_F(LedgerTest, ErrorDeclarationReversesAnUnreceivedShipment) {
  auto ship = h_.Submit("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"300 KGM"}]})");
  Ok(ship);
  EXPECT_EQ(Held("local:feed/F-2406", "feed-mill"), 700'000'000);
  std::string id = HexEncode(AsBytes(ship.record_id));
  Rejected("crab-coop", R"({"type":"error_declaration","corrected":[")" + id +
                            R"("],"reason":"incorrect_data"})",
           StatusCode::kPermissionDenied, "not_own_record");
  Ok(h_.Submit("feed-mill", R"({"type":"error_declaration","corrected":[")" + id +
                                R"("],"reason":"incorrect_data"})"));
  EXPECT_EQ(Held("local:feed/F-2406", "feed-mill"), 1000'000'000);
  Rejected("feed-mill", R"({"type":"error_declaration","corrected":[")" + id +
                            R"("],"reason":"incorrect_data","note":"again"})",
           StatusCode::kAlreadyExists, "already_corrected");
}

TEST_F(LedgerTest, ReopenKeepsEverythingAndTheSameRoot) {
  Ok(h_.Submit("feed-mill", R"({"type":"shipment","shipment_id":"S1","to":"crab-coop",
      "items":[{"lot":"local:feed/F-2406","quantity":"300 KGM"}]})"));
  auto before = h_.ledger().LatestCheckpoint();
  uint64_t size = h_.ledger().LogSize();
  h_.Reopen();
  EXPECT_EQ(h_.ledger().LogSize(), size);
  EXPECT_EQ(h_.ledger().LatestCheckpoint()->root, before->root);
  EXPECT_EQ(Held("local:feed/F-2406", "feed-mill"), 700'000'000);
  // The reopened ledger keeps sequencing after the old end.
  auto r = h_.Submit("crab-coop", R"({"type":"receipt","from":"feed-mill","shipment_id":"S1",
      "items":[{"lot":"local:feed/F-2406","quantity":"300 KGM"}]})");
  Ok(r);
  EXPECT_EQ(r.index, size);
  auto proof = h_.ledger().ConsistencyProof(before->size, r.checkpoint->size);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(VerifyConsistency(before->size, r.checkpoint->size, before->root,
                                r.checkpoint->root, *proof)
                  .ok());
}

}  // namespace
}  // namespace qtrace::host

namespace qtrace::host {
namespace {

// A snapshot taken mid-log plus the replayed tail gives exactly the state a
// full replay gives.
TEST(LedgerSnapshotTest, SnapshotPlusTailEqualsFullReplay) {
  LedgerOptions options;
  options.snapshot_interval = 7;  // several snapshots during the test
  qtrace::testing::LedgerHarness h(options);
  h.AddEnterprise("farm");
  h.AddEnterprise("shop");
  ASSERT_TRUE(h.Submit("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})").status.ok());
  for (int i = 0; i < 20; ++i) {
    std::string lot = "local:rice/L" + std::to_string(i);
    std::string inputs = i == 0 ? "" : R"(,"inputs":[{"lot":"local:rice/L)" + std::to_string(i - 1) +
                                           R"(","quantity":"1 KGM"}])";
    ASSERT_TRUE(h.Submit("farm", R"({"type":"lot","lot":")" + lot +
                                     R"(","quantity":"10 KGM","production_time":"2026-05-01T08:00:00Z")" +
                                     inputs + "}").status.ok());
    if (i % 3 == 0) {
      ASSERT_TRUE(h.Submit("farm", R"({"type":"shipment","shipment_id":"S)" + std::to_string(i) +
                                       R"(","to":"shop","items":[{"lot":")" + lot +
                                       R"(","quantity":"2 KGM"}]})").status.ok());
    }
  }
  // Serials packed and unpacked: the containers and their packing history.
  ASSERT_TRUE(h.Submit("farm", R"({"type":"lot","lot":"local:rice/S","quantity":"3 KGM",
      "production_time":"2026-05-01T08:00:00Z","serials":["S-1","S-2","S-3"]})").status.ok());
  ASSERT_TRUE(h.Submit("farm", R"({"type":"aggregation","action":"pack","parent":"CASE-1",
      "children":["S-1","S-2"]})").status.ok());
  ASSERT_TRUE(h.Submit("farm", R"({"type":"aggregation","action":"unpack","parent":"CASE-1",
      "children":["S-2"]})").status.ok());
  auto fingerprint = [&] {
    std::string out;
    h.ledger().WithState([&](const LedgerState& s) {
      s.Serialize(&out);
      return 0;
    });
    std::string lineage;
    h.ledger().lineage().Serialize(&lineage);
    auto trace = Trace(h.ledger(), "local:rice/L0", true);
    return out + lineage + std::to_string(trace->lots.size());
  };
  std::string before = fingerprint();
  EXPECT_GT(h.ledger().GetStats().snapshots, 0u);
  h.Reopen();  // snapshot at close: nothing to replay
  EXPECT_EQ(h.ledger().GetStats().replayed_at_open, 0u);
  EXPECT_EQ(fingerprint(), before);
  // Drop the snapshots: a full replay gives the same bytes.
  h.Close();
  {
    storage::DbOptions o;
    auto db = *storage::Db::Open(h.dir() + "/data/db", o);
    storage::WriteBatch wb(*db);
    auto it = db->NewIterator(storage::Cf::kSnapshots);
    for (it->SeekToFirst(); it->Valid(); it->Next()) wb.Delete(storage::Cf::kSnapshots, it->key());
    ASSERT_TRUE(db->Write(wb, true).ok());
  }
  h.Reopen();
  EXPECT_EQ(h.ledger().GetStats().replayed_at_open, h.ledger().LogSize());
  EXPECT_EQ(fingerprint(), before);
}

}  // namespace
}  // namespace qtrace::host
