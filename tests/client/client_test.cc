// qtrace::Client against a real qtraced child process: every typed call, the
// reads, the server's refusals mapped back into Status, batches with good
// and bad items, offline receipt verification on and off, and retries
// through a proxy that drops connections, loses responses and answers 429
// while the daemon restarts behind it.
#include "qtrace/client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "qtrace/record_json.h"
#include "tcp_proxy.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

using testing::DaemonProcess;
using testing::TcpProxy;
using testing::TempDir;

constexpr char kOrigin[] = "qtrace.local/log";

using testing::Must;

#define ASSERT_ACCEPTED(expr)                                              \
  ({                                                                       \
    auto qt_r_ = (expr);                                                   \
    ASSERT_TRUE(qt_r_.ok()) << #expr << ": " << qt_r_.status().ToString(); \
    std::move(qt_r_).value();                                              \
  })

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    ASSERT_TRUE(host::Ledger::Initialize(data_, {}).ok());
    host::DataDirLayout layout(data_);
    admin_key_ = Must(PrivateKey::LoadPem(layout.admin_key()));
    host_key_ = Must(VerifyingKey::LoadPem(layout.host_public_key()));
    StartDaemon();
    admin_ = NewClient(admin_key_, "platform-admin");
  }

  void StartDaemon() {
    daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data_);
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  ClientOptions Verifying() {
    ClientOptions o;
    o.verify_receipts = true;
    o.verifier = LogVerifier(host_key_, kOrigin);
    return o;
  }

  std::unique_ptr<Client> NewClient(const PrivateKey& key, std::string party,
                                    std::optional<ClientOptions> options = std::nullopt,
                                    uint16_t port = 0) {
    ClientOptions o = options ? *options : Verifying();
    o.party = std::move(party);
    return Must(Client::Create("127.0.0.1", port ? port : daemon_->port(), key, std::move(o)));
  }

  // Registers a party with a fresh key (signed by the admin).
  PrivateKey AddParty(const std::string& id, std::vector<std::string> roles,
                      std::vector<std::string> sectors = {}) {
    PrivateKey key = Must(PrivateKey::Generate());
    auto r = admin_->RegisterParty({.party_id = id,
                                    .name = id + " Co.",
                                    .roles = std::move(roles),
                                    .sectors = std::move(sectors),
                                    .keys = {key.public_key().raw()}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return key;
  }

  TempDir dir_;
  std::string data_;
  PrivateKey admin_key_;
  VerifyingKey host_key_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<Client> admin_;
};

// ---- no daemon needed ---------------------------------------------------------------------

TEST(ClientBasicsTest, HttpStatusMapsBackToTheSameCode) {
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    auto code = static_cast<StatusCode>(c);
    EXPECT_EQ(StatusCodeForHttp(HttpStatusFor(code)), code) << StatusCodeName(code);
  }
  EXPECT_EQ(StatusCodeForHttp(418), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttp(502), StatusCode::kInternal);
}

TEST(ClientBasicsTest, ParsesServerAddresses) {
  auto c = Must(Client::Create("http://127.0.0.1:9000/", std::nullopt));
  EXPECT_EQ(c->host(), "127.0.0.1");
  EXPECT_EQ(c->port(), 9000);
  c = Must(Client::Create("localhost", std::nullopt));
  EXPECT_EQ(c->port(), 8420);
  c = Must(Client::Create("[::1]:81", std::nullopt));
  EXPECT_EQ(c->host(), "::1");
  c = Must(Client::Create("https://qtrace.example.gov.cn", std::nullopt));  // behind a TLS proxy
  EXPECT_EQ(c->host(), "qtrace.example.gov.cn");
  EXPECT_EQ(c->port(), 443);
  for (const char* bad : {"https://", "http://x:0", "x:99999", "http://x:1/v1", "", "x:"}) {
    EXPECT_EQ(Client::Create(bad, std::nullopt).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
  ClientOptions o;
  o.verify_receipts = true;
  EXPECT_EQ(Client::Create("x:1", std::nullopt, o).status().reason(), "no_verifier");
}

TEST(ClientBasicsTest, UnreachableServerIsUnavailableAfterTheRetries) {
  ClientOptions o;
  o.max_attempts = 3;
  o.initial_backoff = std::chrono::milliseconds(1);
  auto c = Must(Client::Create("127.0.0.1:1", std::nullopt, o));
  auto s = c->LogSize();
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
  EXPECT_NE(s.status().message().find("after 3 attempts"), std::string::npos);
}

TEST(ClientBasicsTest, LotPathsAreEncoded) {
  EXPECT_EQ(Must(LotPath("gtin:06901234567892/RB-01")), "/v1/lots/06901234567892/RB-01");
  EXPECT_EQ(Must(LotPath("local:crab-feed/F 24/06")), "/v1/lots/local:crab-feed/F%2024%2F06");
  EXPECT_EQ(LotPath("crab").status().code(), StatusCode::kInvalidArgument);
}

// ---- against qtraced ----------------------------------------------------------------------------

TEST_F(ClientTest, EveryTypedCallIsAcceptedAndItsReceiptVerifies) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"}, {"agriculture"});
  PrivateKey shop_key = AddParty("shop", {"enterprise"}, {"agriculture"});
  PrivateKey lab_key = AddParty("lab", {"lab"}, {"agriculture"});
  PrivateKey reg_key = AddParty("amr", {"regulator"}, {"agriculture"});
  auto farm = NewClient(farm_key, "farm");
  auto shop = NewClient(shop_key, "shop");
  auto lab = NewClient(lab_key, "lab");
  auto reg = NewClient(reg_key, "amr");

  std::vector<RecordReceipt> receipts;
  auto keep = [&](RecordReceipt r) {
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(r.http_status, 201);
    if (!receipts.empty()) {
      EXPECT_GT(r.index, receipts.back().index);
    }
    receipts.push_back(std::move(r));
  };
  keep(ASSERT_ACCEPTED(
      farm->RegisterProduct({.product = "local:feed",
                             .sector = "agriculture",
                             .name = "compound feed",
                             .default_unit = "KGM",
                             .attributes = {Attribute::String("form", "pellet")}})));
  keep(ASSERT_ACCEPTED(farm->RegisterProduct(
      {.product = "local:crab", .sector = "agriculture", .name = "mitten crab"})));
  keep(ASSERT_ACCEPTED(farm->RegisterLot({.lot = "local:feed/F-1",
                                          .quantity = "10 TNE",
                                          .production_time = "2026-04-20T08:00:00+08:00",
                                          .site = "420702",
                                          .attributes = {Attribute::Int("protein_pct", 42)}})));
  keep(ASSERT_ACCEPTED(farm->RegisterUnit({.unit_id = "P1", .kind = "pond", .site = "420702"})));
  keep(ASSERT_ACCEPTED(farm->RegisterUnit({.unit_id = "L1", .kind = "line"})));
  keep(ASSERT_ACCEPTED(
      farm->ApplyInput({.unit = "P1",
                        .input = "local:feed/F-1",
                        .quantity = "1 TNE",
                        .time = "2026-05-02T07:00:00+08:00",
                        .attributes = {Attribute::Decimal("dose_kg_per_mu", "2.5")}})));
  keep(ASSERT_ACCEPTED(farm->RecordProcessRun({.unit = "L1",
                                               .run_id = "R-1",
                                               .start = "2026-05-03T07:00:00+08:00",
                                               .end = "2026-05-03T09:00:00+08:00"})));
  keep(ASSERT_ACCEPTED(
      farm->RegisterLot({.lot = "local:crab/P1-0920",
                         .quantity = "800 KGM",
                         .production_time = "2026-09-20T06:00:00+08:00",
                         .units = {{.unit = "P1", .start = "2026-09-20T06:00:00+08:00"}},
                         .certificates = {{.cert_id = "HG-P1", .standard = "commitment"}},
                         .serials = {"C-0001", "C-0002", "C-0003"}})));
  keep(ASSERT_ACCEPTED(farm->MarkEmptied({.unit = "P1", .time = "2026-10-01T07:00:00+08:00"})));
  keep(ASSERT_ACCEPTED(farm->IssueCertificate({.cert_id = "HG-P1",
                                               .kind = "commitment",
                                               .standard = "承诺达标合格证",
                                               .subject_lot = "local:crab/P1-0920",
                                               .valid_from = "2026-09-20T06:00:00+08:00"})));
  keep(ASSERT_ACCEPTED(farm->Pack({.parent = "CASE-1", .children = {"C-0001", "C-0002"}})));
  keep(ASSERT_ACCEPTED(farm->Unpack({.parent = "CASE-1", .children = {"C-0002"}})));
  keep(ASSERT_ACCEPTED(farm->RegisterUnit({.unit_id = "CR-1", .kind = "cold_room"})));
  keep(ASSERT_ACCEPTED(farm->RecordStorage({.unit = "CR-1",
                                            .lot = "local:crab/P1-0920",
                                            .serials = {"CASE-1", "C-0003"},
                                            .start = "2026-09-20T08:00:00+08:00",
                                            .end = "2026-09-21T07:00:00+08:00"})));
  keep(ASSERT_ACCEPTED(
      farm->Adjust({.lot = "local:crab/P1-0920", .delta = "-5 KGM", .reason = "weighing loss"})));
  keep(ASSERT_ACCEPTED(farm->Ship({.shipment_id = "DN-1",
                                   .to = "shop",
                                   .items = {{.lot = "local:crab/P1-0920", .quantity = "300 KGM"}},
                                   .event_time = "2026-09-21T08:00:00+08:00"})));
  keep(ASSERT_ACCEPTED(
      shop->Receive({.from = "farm",
                     .shipment_id = "DN-1",
                     .items = {{.lot = "local:crab/P1-0920", .quantity = "300 KGM"}},
                     .event_time = "2026-09-21T15:00:00+08:00"})));
  keep(ASSERT_ACCEPTED(shop->Dispose(
      {.kind = "sold", .items = {{.lot = "local:crab/P1-0920", .quantity = "100 KGM"}}})));
  keep(ASSERT_ACCEPTED(lab->PostInspection(
      {.inspection_id = "SC-1",
       .kind = "spot_check",
       .lot = "local:crab/P1-0920",
       .items = {{.name = "malachite green", .value = "0", .unit = "ug/kg", .max = "1"}},
       .report_no = "R-2026-1"})));
  keep(ASSERT_ACCEPTED(reg->ChangeCertificateStatus({.cert_id = "HG-P1",
                                                     .status = "suspended",
                                                     .effective = "2026-10-02T00:00:00Z",
                                                     .reason = "pending review"})));
  keep(ASSERT_ACCEPTED(farm->ChangeCertificateStatus(
      {.cert_id = "HG-P1", .status = "reinstated", .effective = "2026-10-03T00:00:00Z"})));
  keep(ASSERT_ACCEPTED(reg->SetLotStatus(
      {.lot = "local:crab/P1-0920", .status = "on_hold", .reason = "spot check"})));
  keep(ASSERT_ACCEPTED(reg->SetLotStatus({.lot = "local:crab/P1-0920", .status = "released"})));
  keep(ASSERT_ACCEPTED(
      reg->PublishRuleParameters({.sector = "agriculture",
                                  .set_id = "agri-2026-1",
                                  .params = {Attribute::Int("feed_withdrawal_days", 21),
                                             Attribute::Decimal("adjust_tolerance_pct", "2.0")}})));
  // A wrong shipment and its correction.
  RecordReceipt wrong =
      ASSERT_ACCEPTED(farm->Ship({.shipment_id = "DN-2",
                                  .to = "shop",
                                  .items = {{.lot = "local:feed/F-1", .quantity = "1 TNE"}}}));
  RecordReceipt right =
      ASSERT_ACCEPTED(farm->Ship({.shipment_id = "DN-3",
                                  .to = "shop",
                                  .items = {{.lot = "local:feed/F-1", .quantity = "0.5 TNE"}}}));
  keep(ASSERT_ACCEPTED(farm->Correct({.corrected = {wrong.record_id},
                                      .corrective = {right.record_id},
                                      .reason = "incorrect_data"})));
  // Keys: rotate the farm's key, then revoke a lost one of the shop.
  PrivateKey farm_key2 = Must(PrivateKey::Generate());
  keep(ASSERT_ACCEPTED(
      farm->RotateKey({.party_id = "farm", .new_key = farm_key2.public_key().raw()})));
  keep(ASSERT_ACCEPTED(admin_->RevokeKey({.party_id = "shop",
                                          .key_id = shop_key.id(),
                                          .compromised_since = "2026-11-01T00:00:00Z",
                                          .reason = "laptop lost"})));
  EXPECT_EQ(
      shop->Dispose({.kind = "sold", .items = {{.lot = "local:crab/P1-0920", .quantity = "1 KGM"}}})
          .status()
          .code(),
      StatusCode::kUnauthenticated);
  auto farm2 = NewClient(farm_key2, "farm");
  keep(ASSERT_ACCEPTED(farm2->Dispose(
      {.kind = "destroyed", .items = {{.lot = "local:crab/P1-0920", .quantity = "1 KGM"}}})));

  // Every receipt is also valid C2SP tlog-proof text, checked the way
  // `qtrace verify` does.
  for (const RecordReceipt& r : receipts) {
    auto v = VerifyReceipt(r.ToProofText(), host_key_, kOrigin);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->index, r.index);
  }
}

TEST_F(ClientTest, ReadsLotsTracesRecordsPartiesAndTheLog) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  PrivateKey shop_key = AddParty("shop", {"enterprise"});
  auto farm = NewClient(farm_key, "farm");
  auto shop = NewClient(shop_key, "shop");
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:mix", .sector = "agriculture"}));
  for (int i = 1; i <= 5; ++i) {
    ASSERT_ACCEPTED(
        farm->RegisterLot({.lot = "local:feed/F-" + std::to_string(i),
                           .quantity = "2 TNE",
                           .production_time = "2026-04-2" + std::to_string(i) + "T08:00:00+08:00",
                           .site = i % 2 ? "north" : "south"}));
  }
  RecordReceipt mix = ASSERT_ACCEPTED(farm->RegisterLot(
      {.lot = "local:mix/M-1",
       .quantity = "3 TNE",
       .production_time = "2026-05-01T08:00:00+08:00",
       .inputs = {{.lot = "local:feed/F-1", .quantity = "1.5 TNE", .kind = "merged_into"},
                  {.lot = "local:feed/F-2", .quantity = "1.5 TNE", .kind = "merged_into"}}}));
  ASSERT_ACCEPTED(farm->Ship({.shipment_id = "DN-1",
                              .to = "shop",
                              .items = {{.lot = "local:mix/M-1", .quantity = "1 TNE"}}}));
  ASSERT_ACCEPTED(shop->Receive({.from = "farm",
                                 .shipment_id = "DN-1",
                                 .items = {{.lot = "local:mix/M-1", .quantity = "1 TNE"}}}));

  LotState lot = Must(shop->GetLot("local:mix/M-1"));
  EXPECT_EQ(lot.producer, "farm");
  EXPECT_EQ(lot.quantity, "3 TNE");
  EXPECT_EQ(lot.log_index, mix.index);
  ASSERT_EQ(lot.holders.size(), 2u);
  EXPECT_EQ(lot.holders[1].party, "shop");
  EXPECT_EQ(lot.holders[1].held, "1 TNE");
  EXPECT_EQ(farm->GetLot("local:mix/none").status().code(), StatusCode::kNotFound);

  // Pages of two, then every page.
  LotPage page = Must(farm->FindLots({.product = "local:feed", .limit = 2}));
  EXPECT_EQ(page.lots.size(), 2u);
  EXPECT_FALSE(page.next_cursor.empty());
  std::vector<std::string> all;
  ASSERT_TRUE(farm->ForEachLot({.product = "local:feed", .limit = 2},
                               [&](const LotState& l) {
                                 all.push_back(l.lot);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(all.size(), 5u);
  std::vector<std::string> north;
  ASSERT_TRUE(
      farm->ForEachLot(
              {.product = "local:feed", .site = "north", .from = "2026-04-22T00:00:00+08:00"},
              [&](const LotState& l) {
                north.push_back(l.lot);
                return true;
              })
          .ok());
  EXPECT_EQ(north, (std::vector<std::string>{"local:feed/F-3", "local:feed/F-5"}));

  TraceResult back = Must(shop->Trace("local:mix/M-1", TraceDirection::kBackward));
  std::set<std::string> lots;
  for (const auto& s : back.steps) lots.insert(s.lot.lot);
  EXPECT_EQ(lots, (std::set<std::string>{"local:mix/M-1", "local:feed/F-1", "local:feed/F-2"}));
  TraceResult fwd = Must(farm->Trace("local:feed/F-1", TraceDirection::kForward, {.depth = 1}));
  ASSERT_EQ(fwd.steps.size(), 2u);
  EXPECT_EQ(fwd.steps[1].lot.lot, "local:mix/M-1");
  EXPECT_EQ(fwd.steps[1].via, "merged_into");
  std::string csv = Must(farm->TraceCsv("local:feed/F-1", TraceDirection::kForward));
  EXPECT_EQ(csv.substr(0, 10), "depth,lot,");
  EXPECT_NE(csv.find("local:mix/M-1"), std::string::npos);

  RecordView rec = Must(shop->GetRecord(mix.RecordIdHex()));
  EXPECT_EQ(rec.index, mix.index);
  EXPECT_EQ(rec.type, "lot");
  EXPECT_EQ(rec.party, "farm");
  EXPECT_NE(rec.record_json.find("merged_into"), std::string::npos);
  std::string receipt = Must(shop->GetReceipt(mix.RecordIdHex()));
  EXPECT_TRUE(VerifyReceipt(receipt, host_key_, kOrigin).ok());
  EXPECT_EQ(shop->GetRecord("00").status().code(), StatusCode::kInvalidArgument);

  PartyView p = Must(shop->GetParty("farm"));
  EXPECT_EQ(p.name, "farm Co.");
  EXPECT_EQ(p.roles, std::vector<std::string>{"enterprise"});
  ASSERT_EQ(p.keys.size(), 1u);
  EXPECT_EQ(p.keys[0].key_id, HexEncode(AsBytes(farm_key.id())));

  CheckpointView cp1 = Must(farm->GetCheckpoint());
  EXPECT_TRUE(cp1.verified);
  InclusionProofView inc = Must(farm->GetInclusionProof(mix.index, cp1.checkpoint.size));
  EXPECT_TRUE(
      VerifyInclusion(inc.leaf_hash, mix.index, cp1.checkpoint.size, inc.proof, cp1.checkpoint.root)
          .ok());
  ASSERT_ACCEPTED(farm->RegisterLot({.lot = "local:feed/F-9",
                                     .quantity = "1 TNE",
                                     .production_time = "2026-06-01T08:00:00+08:00"}));
  CheckpointView cp2 = Must(farm->GetCheckpoint());
  EXPECT_GT(cp2.checkpoint.size, cp1.checkpoint.size);
  EXPECT_TRUE(farm->VerifyConsistency(cp1.checkpoint, cp2.checkpoint).ok());
  EXPECT_FALSE(farm->VerifyConsistency(cp2.checkpoint, cp1.checkpoint).ok());
  EXPECT_EQ(Must(farm->LogSize()), cp2.checkpoint.size);
}

TEST_F(ClientTest, RefusalsKeepTheServersCodeReasonAndDetails) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  auto farm = NewClient(farm_key, "farm");
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  ASSERT_ACCEPTED(farm->RegisterLot({.lot = "local:feed/F-1",
                                     .quantity = "2 TNE",
                                     .production_time = "2026-04-20T08:00:00+08:00"}));
  auto over = farm->Ship({.shipment_id = "DN-1",
                          .to = "platform-admin",
                          .items = {{.lot = "local:feed/F-1", .quantity = "3 TNE"}}});
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(over.status().reason(), "balance_negative");
  ASSERT_EQ(over.status().details().size(), 1u);
  EXPECT_NE(over.status().details()[0].find("farm holds 2 TNE"), std::string::npos);

  auto again = farm->RegisterLot({.lot = "local:feed/F-1",
                                  .quantity = "5 TNE",
                                  .production_time = "2026-04-21T08:00:00+08:00"});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().reason(), "lot_exists");

  auto party = farm->RegisterParty({.party_id = "x", .roles = {"enterprise"}});
  EXPECT_EQ(party.status().code(), StatusCode::kPermissionDenied);

  // Mapping errors are found before anything is sent.
  auto typo = farm->RegisterLot(
      {.lot = "feed/F-2", .quantity = "1 TNE", .production_time = "2026-04-20T08:00:00+08:00"});
  EXPECT_EQ(typo.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(typo.status().message().find("lot"), std::string::npos);

  PrivateKey stranger = Must(PrivateKey::Generate());
  auto nobody = NewClient(stranger, "");
  EXPECT_EQ(nobody->Party().status().code(), StatusCode::kUnauthenticated);
}

TEST_F(ClientTest, PartyIsLookedUpFromTheKey) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  auto farm = NewClient(farm_key, "");
  EXPECT_EQ(Must(farm->Party()), "farm");
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  auto admin = NewClient(admin_key_, "");
  EXPECT_EQ(Must(admin->Party()), "platform-admin");
}

TEST_F(ClientTest, ResubmittingASignedRecordReturnsTheOriginalIndex) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  auto farm = NewClient(farm_key, "farm");
  SignedEnvelope env = Must(farm->Sign(
      R"({"type":"product","scheme":"local","product_id":"feed","sector":"agriculture"})"));
  RecordReceipt first = ASSERT_ACCEPTED(farm->Submit(env));
  RecordReceipt second = ASSERT_ACCEPTED(farm->Submit(env));
  EXPECT_EQ(first.http_status, 201);
  EXPECT_EQ(second.http_status, 200);
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.index, first.index);
  EXPECT_EQ(second.record_id, first.record_id);
  EXPECT_TRUE(second.verified);
}

TEST_F(ClientTest, BatchWithMixedGoodAndBadItemsGivesAStatusPerItem) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  ClientOptions o = Verifying();
  o.max_batch_records = 2;  // three requests for five envelopes
  auto farm = NewClient(farm_key, "farm", o);
  std::vector<SignedEnvelope> envs;
  auto add = [&](const std::string& json) { envs.push_back(Must(farm->Sign(json))); };
  add(R"({"type":"product","scheme":"local","product_id":"feed","sector":"agriculture"})");
  add(R"({"type":"lot","lot":"local:feed/F-1","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00"})");
  add(R"({"type":"lot","lot":"local:nothing/F-1","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00"})");
  add(R"({"type":"shipment","shipment_id":"DN-1","to":"platform-admin","items":[{"lot":"local:feed/F-1","quantity":"9 TNE"}]})");
  add(R"({"type":"lot","lot":"local:feed/F-2","quantity":"2 TNE","production_time":"2026-04-20T08:00:00+08:00"})");
  // Someone else's signature over the farm's record does not verify.
  SignedEnvelope forged = envs[4];
  forged.signature[0] ^= 1;
  envs.push_back(forged);
  auto results = Must(farm->SubmitBatch(envs));
  ASSERT_EQ(results.size(), 6u);
  EXPECT_TRUE(results[0].status.ok());
  EXPECT_TRUE(results[1].status.ok());
  EXPECT_EQ(results[2].status.reason(), "unknown_product");
  EXPECT_EQ(results[3].status.reason(), "balance_negative");
  EXPECT_EQ(results[3].status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(results[4].status.ok());
  EXPECT_EQ(results[5].status.code(), StatusCode::kUnauthenticated);
  for (int i : {0, 1, 4}) {
    ASSERT_TRUE(results[i].receipt.has_value());
    EXPECT_TRUE(results[i].receipt->verified);
  }
  EXPECT_FALSE(results[2].receipt.has_value());
  EXPECT_LT(results[0].receipt->index, results[4].receipt->index);
  // The whole batch again: the good ones are duplicates with the same index.
  auto again = Must(farm->SubmitBatch(envs));
  EXPECT_TRUE(again[4].receipt->duplicate);
  EXPECT_EQ(again[4].receipt->index, results[4].receipt->index);
}

TEST_F(ClientTest, ReceiptVerificationCanBeTurnedOffAndCatchesAWrongHostKey) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  ClientOptions off;
  auto plain = NewClient(farm_key, "farm", off);
  RecordReceipt r =
      ASSERT_ACCEPTED(plain->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  EXPECT_FALSE(r.verified);
  EXPECT_TRUE(VerifyReceipt(r.ToProofText(), host_key_, kOrigin).ok());

  ClientOptions wrong_key;
  wrong_key.verify_receipts = true;
  wrong_key.verifier = LogVerifier(Must(PrivateKey::Generate()).public_key(), kOrigin);
  auto fooled = NewClient(farm_key, "farm", wrong_key);
  auto bad = fooled->RegisterProduct({.product = "local:fish", .sector = "agriculture"});
  EXPECT_EQ(bad.status().code(), StatusCode::kUnauthenticated) << bad.status().ToString();
  EXPECT_EQ(bad.status().reason(), "bad_checkpoint_signature");
  EXPECT_FALSE(fooled->GetCheckpoint().ok());

  ClientOptions wrong_log = Verifying();
  wrong_log.verifier = LogVerifier(host_key_, "another.example/log", kOrigin);
  auto other = NewClient(farm_key, "farm", wrong_log);
  EXPECT_EQ(other->GetCheckpoint().status().reason(), "wrong_log");
}

TEST_F(ClientTest, SignedReadsRepeatedWithinOneSecondAreNotReplays) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  auto farm = NewClient(farm_key, "farm");
  for (int i = 0; i < 5; ++i) {
    auto p = farm->GetParty("farm");
    ASSERT_TRUE(p.ok()) << i << ": " << p.status().ToString();
  }
  // A second client (another process, in effect) with the same key.
  auto twin = NewClient(farm_key, "farm");
  EXPECT_TRUE(twin->GetParty("farm").ok());
}

TEST_F(ClientTest, OneClientIsSharedByManyThreads) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  auto farm = NewClient(farm_key, "farm");
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string lot = "local:feed/T" + std::to_string(t) + "-" + std::to_string(i);
        auto r = farm->RegisterLot(
            {.lot = lot, .quantity = "1 TNE", .production_time = "2026-04-20T08:00:00+08:00"});
        auto g = farm->GetLot(lot);
        if (!r.ok() || !g.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- retries through a misbehaving network -------------------------------------------------

TEST_F(ClientTest, RetriesWhileTheDaemonRestarts) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  TcpProxy proxy(daemon_->port());
  ClientOptions o = Verifying();
  o.max_attempts = 20;
  o.initial_backoff = std::chrono::milliseconds(50);
  o.max_backoff = std::chrono::milliseconds(200);
  auto farm = NewClient(farm_key, "farm", o, proxy.port());
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));

  // Connections dropped while idle: the next call reconnects.
  proxy.DropAll();
  ASSERT_ACCEPTED(farm->RegisterLot({.lot = "local:feed/F-1",
                                     .quantity = "2 TNE",
                                     .production_time = "2026-04-20T08:00:00+08:00"}));

  // The daemon stops; it comes back on another port half a second later.
  ASSERT_EQ(daemon_->Stop(SIGTERM), 0);
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    StartDaemon();
    proxy.SetUpstream(daemon_->port());
  });
  auto start = std::chrono::steady_clock::now();
  auto r = farm->RegisterLot({.lot = "local:feed/F-2",
                              .quantity = "2 TNE",
                              .production_time = "2026-04-20T08:00:00+08:00"});
  auto waited = std::chrono::steady_clock::now() - start;
  restart.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->http_status, 201);
  EXPECT_GE(waited, std::chrono::milliseconds(400));
  LotState lot = Must(farm->GetLot("local:feed/F-2"));
  EXPECT_EQ(lot.log_index, r->index);
}

TEST_F(ClientTest, ALostResponseIsRetriedAndGivesTheOriginalReceipt) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  TcpProxy proxy(daemon_->port());
  auto farm = NewClient(farm_key, "farm", Verifying(), proxy.port());
  ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  uint64_t size_before = Must(farm->LogSize());

  // The server accepts the lot, the answer is lost, the client resubmits.
  proxy.DropNextResponse();
  RecordReceipt r =
      ASSERT_ACCEPTED(farm->RegisterLot({.lot = "local:feed/F-1",
                                         .quantity = "2 TNE",
                                         .production_time = "2026-04-20T08:00:00+08:00"}));
  EXPECT_TRUE(r.duplicate);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.index, size_before);
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(Must(farm->LogSize()), size_before + 1);

  // A signed read whose answer is lost is re-signed, not refused as a replay.
  proxy.DropNextResponse();
  LotState lot = Must(farm->GetLot("local:feed/F-1"));
  EXPECT_EQ(lot.log_index, r.index);
}

TEST_F(ClientTest, OverloadAnswersAreRetriedAfterRetryAfter) {
  PrivateKey farm_key = AddParty("farm", {"enterprise"});
  TcpProxy proxy(daemon_->port());
  ClientOptions o = Verifying();
  o.initial_backoff = std::chrono::milliseconds(10);
  auto farm = NewClient(farm_key, "farm", o, proxy.port());
  proxy.RespondNext(2, 429, 1);
  auto start = std::chrono::steady_clock::now();
  RecordReceipt r =
      ASSERT_ACCEPTED(farm->RegisterProduct({.product = "local:feed", .sector = "agriculture"}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900));
  EXPECT_EQ(r.http_status, 201);

  // Out of attempts: the last refusal is returned with the server's code.
  ClientOptions once = Verifying();
  once.max_attempts = 1;
  auto impatient = NewClient(farm_key, "farm", once, proxy.port());
  proxy.RespondNext(1, 503, 1);
  auto refused = impatient->GetLot("local:feed/none");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused.status().reason(), "proxy_says_wait");
}

}  // namespace
}  // namespace qtrace
