// The agriculture sector plugin in a real qtraced (--plugin-dir with the
// built sector plugins), over HTTP: each rule of sector-rules.md 1(b)/(c)
// refuses its bad record with HTTP 422, the rule's reason code and nothing
// written, and the same flow with the fix is accepted. A regulator's signed
// rule parameters change the next decision, and decisions name the set.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "qtrace/http_client.h"
#include "sector_daemon.h"

namespace qtrace {
namespace {

namespace json = boost::json;
using testing::Must;

// "2026-09-20" -> "2026-09-20T06:00:00+08:00".
std::string At(const std::string& day, const std::string& time = "06:00:00") {
  return day + "T" + time + "+08:00";
}

class AgricultureTest : public testing::SectorDaemonTest {
 protected:
  AgricultureTest() : SectorDaemonTest("agriculture", At("2026-06-01", "08:00:00")) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SectorDaemonTest::SetUp());

    AddParty("ezhou-agri", "regulator");
    AddParty("cnca-organic", "certifier");
    AddParty("vet-supply", "enterprise");
    AddParty("lakeside-feed", "enterprise");
    AddParty("liangzi-coop", "enterprise");
    AddParty("ezhou-aquatic", "enterprise",
             R"("licences":[{"kind":"SC","number":"SC10942070300251",
                 "valid_from":"2024-03-01T00:00:00+08:00","valid_to":"2029-03-01T00:00:00+08:00"}])");
    AddParty("old-processor", "enterprise",
             R"("licences":[{"kind":"SC","number":"SC10942070300199",
                 "valid_from":"2021-01-01T00:00:00+08:00","valid_to":"2026-01-01T00:00:00+08:00"}])");
    AddParty("super-a", "enterprise");
    Product("vet-supply", "local:enrofloxacin");
    Product("lakeside-feed", "local:crab-feed");
    Product("liangzi-coop", "local:mitten-crab");
    Product("liangzi-coop", "local:crab-pack");
    Product("ezhou-aquatic", "local:crab-mixed");
    Product("ezhou-aquatic", "local:crab-fillet");
    Product("old-processor", "local:crab-paste");
    for (const char* pond : {"P1", "P2", "P3", "P4", "P5"}) {
      Created(Post("liangzi-coop", R"({"type":"unit","unit_id":")" + std::string(pond) +
                                       R"(","kind":"pond","site":"420702","sector":"agriculture"})"));
    }
  }
  // The raw response: the tests look at its status.
  HttpResponse Get(const std::string& party, const std::string& target) {
    return SignedGet(party, target);
  }
  void Product(const std::string& owner, const std::string& ref) {
    auto colon = ref.find(':');
    Created(Post(owner, R"({"type":"product","scheme":")" + ref.substr(0, colon) +
                            R"(","product_id":")" + ref.substr(colon + 1) +
                            R"(","sector":"agriculture","default_unit":"KGM"})"));
  }
  // Asserts the record was accepted; returns its record id.
  std::string Created(const HttpResponse& r) {
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    return std::string(json::parse(r.body).at("record_id").as_string());
  }
  // Posts a record that must be refused by the agriculture plugin under
  // `rule` with reason `code`, and checks that nothing was written.
  json::object Refused(const std::string& party, const std::string& record_json,
                       const std::string& code, const std::string& rule,
                       const std::string& event_time = At("2026-06-01", "08:00:00")) {
    int64_t before = LogSize();
    auto r = Post(party, record_json, event_time);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(LogSize(), before) << "a refused record must not be written";
    json::object o = json::parse(r.body).as_object();
    EXPECT_EQ(o.at("reason").as_string(), code) << r.body;
    bool named = false;
    for (const auto& d : o.at("details").as_array()) {
      named = named || std::string(d.as_string()).rfind("agriculture " + rule, 0) == 0;
    }
    EXPECT_TRUE(named) << "no detail names agriculture " << rule << ": " << r.body;
    return o;
  }
  std::string Message(const json::object& refusal) {
    return std::string(refusal.at("message").as_string());
  }
  bool LotExists(const std::string& ref) {
    return Get("ezhou-agri", "/v1/lots/" + ref).status == 200;
  }

  // An input lot made by `maker`, shipped to and received by `to`.
  void Supply(const std::string& maker, const std::string& lot, const std::string& attributes,
              const std::string& to, const std::string& quantity, const std::string& day) {
    Created(Post(maker, R"({"type":"lot","lot":")" + lot + R"(","quantity":")" + quantity +
                            R"(","production_time":")" + At(day) + R"(","attributes":{)" +
                            attributes + "}}"));
    std::string items = R"([{"lot":")" + lot + R"(","quantity":")" + quantity + R"("}])";
    std::string id = "DN-" + lot.substr(lot.find('/') + 1);
    Created(Post(maker, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                            R"(","items":)" + items + "}",
                 At(day, "09:00:00")));
    Created(Post(to, R"({"type":"receipt","from":")" + maker + R"(","shipment_id":")" + id +
                         R"(","items":)" + items + "}",
                 At(day, "15:00:00")));
  }
  HttpResponse Apply(const std::string& pond, const std::string& lot, const std::string& quantity,
                     const std::string& day) {
    return Post("liangzi-coop", R"({"type":"unit_event","unit":")" + pond +
                                    R"(","kind":"input_applied","input":")" + lot +
                                    R"(","quantity":")" + quantity + R"(","start":")" +
                                    At(day, "07:00:00") + R"("})",
                At(day, "07:00:00"));
  }
  // A harvest (pond-out) lot of the cooperative: JSON of the record.
  static std::string Harvest(const std::string& code, const std::string& pond,
                             const std::string& day, const std::string& extra = "") {
    return R"({"type":"lot","lot":"local:mitten-crab/)" + code +
           R"(","quantity":"800 KGM","production_time":")" + At(day) +
           R"(","units":[{"unit":")" + pond + R"(","time":")" + At(day) +
           R"("}],"attributes":{"category":"aquatic","species":"Eriocheir sinensis"})" +
           (extra.empty() ? "" : "," + extra) + "}";
  }
  // The commitment certificate of `lot`, issued by its producer.
  static std::string Commitment(const std::string& id, const std::string& lot,
                                const std::string& day, const std::string& sources = "") {
    return R"({"type":"certificate","cert_id":")" + id +
           R"(","kind":"commitment","standard":"承诺达标合格证","subject_lot":")" + lot +
           R"(","valid_from":")" + At(day) + R"(","valid_to":")" + At("2026-12-31") +
           R"(","attributes":{"basis":"self_test")" +
           (sources.empty() ? "" : R"(,"source_lots":")" + sources + R"(")") + "}}";
  }
  static std::string Cites(const std::string& cert_id,
                           const std::string& standard = "承诺达标合格证") {
    return R"("certificates":[{"cert_id":")" + cert_id + R"(","standard":")" + standard +
           R"("}])";
  }
  HttpResponse Ship(const std::string& from, const std::string& to, const std::string& id,
                    const std::string& lot, const std::string& day) {
    return Post(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                          R"(","items":[{"lot":")" + lot + R"(","quantity":"800 KGM"}]})",
                At(day, "08:00:00"));
  }
  void Receive(const std::string& from, const std::string& to, const std::string& id,
               const std::string& lot, const std::string& day) {
    Created(Post(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
                         R"(","items":[{"lot":")" + lot + R"(","quantity":"800 KGM"}]})",
                 At(day, "15:00:00")));
  }
};

constexpr char kEnrofloxacin[] =
    R"("input_kind":"fishery_drug","registration_no":"兽药字(2024)170012345","withdrawal_days":20)";
constexpr char kFeed[] = R"("input_kind":"feed","registration_no":"E-FEED-2024-0311")";

// R-AG-3 (1(e) scenario 2's pond): a pond-out inside a fishery drug's
// withdrawal period is refused; after it, and from other ponds, it is not.
TEST_F(AgricultureTest, AHarvestInsideAFisheryDrugsWithdrawalPeriodIsRefused) {
  Supply("vet-supply", "local:enrofloxacin/EN-2408", kEnrofloxacin, "liangzi-coop", "10 KGM",
         "2026-08-20");
  Created(Apply("P3", "local:enrofloxacin/EN-2408", "2 KGM", "2026-09-01"));

  auto o = Refused("liangzi-coop", Harvest("P3-0910", "P3", "2026-09-10"),
                   "harvest_inside_withdrawal", "R-AG-3");
  EXPECT_EQ(Message(o),
            "agriculture: harvest from pond P3 on 2026-09-10 is inside the 20-day withdrawal "
            "period of fishery_drug local:enrofloxacin/EN-2408 applied on 2026-09-01: harvest "
            "from 2026-09-21");
  EXPECT_FALSE(LotExists("local:mitten-crab/P3-0910"));

  // Negative controls: the same pond after the period, another pond at once.
  Created(Post("liangzi-coop", Harvest("P3-0922", "P3", "2026-09-22")));
  Created(Post("liangzi-coop", Harvest("P1-0910", "P1", "2026-09-10")));
}

// R-AG-3 with an emptied pond: applications before the pond was emptied
// and restocked do not hold back its next harvest.
TEST_F(AgricultureTest, AnEmptiedPondStartsAfresh) {
  Supply("vet-supply", "local:enrofloxacin/EN-2408", kEnrofloxacin, "liangzi-coop", "10 KGM",
         "2026-08-20");
  Created(Apply("P2", "local:enrofloxacin/EN-2408", "2 KGM", "2026-09-01"));
  Refused("liangzi-coop", Harvest("P2-0905", "P2", "2026-09-05"), "harvest_inside_withdrawal",
          "R-AG-3");
  Created(Post("liangzi-coop", R"({"type":"unit_event","unit":"P2","kind":"emptied",
      "start":"2026-09-03T07:00:00+08:00"})"));
  Created(Post("liangzi-coop", Harvest("P2-0905", "P2", "2026-09-05")));
}

// R-AG-2: only registered inputs go into ponds; a drug lot states its
// withdrawal period.
TEST_F(AgricultureTest, InputsAppliedToPondsAreRegisteredWithTheirPeriods) {
  Refused("vet-supply", R"({"type":"lot","lot":"local:enrofloxacin/EN-X","quantity":"10 KGM",
      "production_time":"2026-08-20T06:00:00+08:00",
      "attributes":{"input_kind":"fishery_drug","registration_no":"兽药字(2024)170012345"}})",
          "input_phi_missing", "R-AG-2");
  Refused("vet-supply", R"({"type":"lot","lot":"local:enrofloxacin/EN-X","quantity":"10 KGM",
      "production_time":"2026-08-20T06:00:00+08:00",
      "attributes":{"input_kind":"fishery_drug","withdrawal_days":20}})",
          "input_registration_missing", "R-AG-2");
  Refused("vet-supply", R"({"type":"lot","lot":"local:enrofloxacin/EN-X","quantity":"10 KGM",
      "production_time":"2026-08-20T06:00:00+08:00"})",
          "harvest_unit_missing", "R-AG-1");
  Supply("vet-supply", "local:enrofloxacin/EN-X", kEnrofloxacin, "liangzi-coop", "10 KGM",
         "2026-08-20");
  Created(Apply("P1", "local:enrofloxacin/EN-X", "1 KGM", "2026-08-21"));

  // A harvest lot is not an input.
  Created(Post("liangzi-coop", Harvest("P4-0820", "P4", "2026-08-20")));
  Refused("liangzi-coop", R"({"type":"unit_event","unit":"P5","kind":"input_applied",
      "input":"local:mitten-crab/P4-0820","quantity":"10 KGM","start":"2026-08-22T07:00:00+08:00"})",
          "input_kind_missing", "R-AG-2");
  // A harvest names its category (R-AG-1).
  Refused("liangzi-coop", R"({"type":"lot","lot":"local:mitten-crab/P5-0820","quantity":"800 KGM",
      "production_time":"2026-08-20T06:00:00+08:00",
      "units":[{"unit":"P5","time":"2026-08-20T06:00:00+08:00"}]})",
          "category_missing", "R-AG-1");
}

// R-AG-4 (1(e) scenario 2's collector): a mixed lot re-issues the
// commitment certificate, listing every source lot, before it ships; a
// covered harvest lot leaves the farm only with its certificate.
TEST_F(AgricultureTest, AMixedLotNeedsAReissuedCommitmentCertificate) {
  for (const char* p : {"P1", "P3"}) {
    std::string code = std::string(p) + "-0920", lot = "local:mitten-crab/" + code;
    Created(Post("liangzi-coop",
                 Harvest(code, p, "2026-09-20", Cites("HG-0920-" + std::string(p)))));
  }
  // P3's harvest has no certificate yet: it may not leave the cooperative.
  Created(Post("liangzi-coop", Commitment("HG-0920-P1", "local:mitten-crab/P1-0920",
                                          "2026-09-20")));
  auto o = Refused("liangzi-coop",
                   R"({"type":"shipment","shipment_id":"DN-C-0921","to":"ezhou-aquatic",
      "items":[{"lot":"local:mitten-crab/P3-0920","quantity":"800 KGM"}]})",
                   "commitment_cert_missing", "R-AG-4", At("2026-09-21", "07:00:00"));
  EXPECT_NE(Message(o).find("local:mitten-crab/P3-0920 has no commitment certificate"),
            std::string::npos)
      << Message(o);
  Created(Post("liangzi-coop", Commitment("HG-0920-P3", "local:mitten-crab/P3-0920",
                                          "2026-09-20")));
  for (const char* p : {"P1", "P3"}) {
    std::string lot = "local:mitten-crab/" + std::string(p) + "-0920";
    std::string id = "DN-C-0921-" + std::string(p);
    Created(Ship("liangzi-coop", "ezhou-aquatic", id, lot, "2026-09-21"));
    Receive("liangzi-coop", "ezhou-aquatic", id, lot, "2026-09-21");
  }

  const std::string mixed = R"({"type":"lot","lot":"local:crab-mixed/M-1","quantity":"1600 KGM",
      "production_time":"2026-09-22T08:00:00+08:00",
      "inputs":[{"lot":"local:mitten-crab/P3-0920","quantity":"800 KGM","kind":"merged_into"},
                {"lot":"local:mitten-crab/P1-0920","quantity":"800 KGM","kind":"merged_into"}])";
  // Passing on a source lot's certificate is not re-issuing one...
  o = Refused("ezhou-aquatic", mixed + "," + Cites("HG-0920-P3") + "}",
              "commitment_cert_not_reissued", "R-AG-4");
  EXPECT_NE(Message(o).find("HG-0920-P3 belongs to a source lot"), std::string::npos);
  // ...and neither is citing none.
  Refused("ezhou-aquatic", mixed + "}", "commitment_cert_missing", "R-AG-4");
  EXPECT_FALSE(LotExists("local:crab-mixed/M-1"));
  Created(Post("ezhou-aquatic", mixed + "," + Cites("HG-0922-M-1") + "}"));

  // The mixed lot cannot ship before its certificate exists.
  Refused("ezhou-aquatic", R"({"type":"shipment","shipment_id":"DN-M-1","to":"super-a",
      "items":[{"lot":"local:crab-mixed/M-1","quantity":"800 KGM"}]})",
          "commitment_cert_missing", "R-AG-4", At("2026-09-23", "08:00:00"));
  // The new certificate lists every source lot.
  o = Refused("ezhou-aquatic",
              Commitment("HG-0922-M-1", "local:crab-mixed/M-1", "2026-09-22",
                         "local:mitten-crab/P3-0920"),
              "commitment_sources_incomplete", "R-AG-4");
  EXPECT_NE(Message(o).find("missing: local:mitten-crab/P1-0920"), std::string::npos);
  Created(Post("ezhou-aquatic", Commitment("HG-0922-M-1", "local:crab-mixed/M-1", "2026-09-22",
                                           "local:mitten-crab/P3-0920, local:mitten-crab/P1-0920")));
  Created(Ship("ezhou-aquatic", "super-a", "DN-M-1", "local:crab-mixed/M-1", "2026-09-23"));
  Receive("ezhou-aquatic", "super-a", "DN-M-1", "local:crab-mixed/M-1", "2026-09-23");
}

// R-AG-6 (1(e) scenario 3): organic claims are judged at the time of the
// event, carry a code of the certificate's body, and need organic inputs.
TEST_F(AgricultureTest, OrganicClaimsNeedACertificateValidAtTheEventAndOrganicInputs) {
  // Only a certification body issues organic certificates.
  const std::string cert = R"({"type":"certificate","cert_id":"OC-123-2026-0042","kind":"organic",
      "standard":"GB/T 19630","subject_party":"liangzi-coop","subject_product":"local:mitten-crab",
      "scope":"mitten crab, ponds P1-P5","valid_from":"2026-01-01T00:00:00+08:00",
      "valid_to":"2026-12-31T00:00:00+08:00","attributes":{"cb_code":"123"}})";
  Refused("liangzi-coop", cert, "organic_cert_not_by_certifier", "R-AG-6");
  Created(Post("cnca-organic", cert));
  // The cooperative's packed lots are covered by a second certificate.
  Created(Post("cnca-organic", R"({"type":"certificate","cert_id":"OC-123-2026-0043",
      "kind":"organic","standard":"GB/T 19630","subject_party":"liangzi-coop",
      "subject_product":"local:crab-pack","valid_from":"2026-01-01T00:00:00+08:00",
      "valid_to":"2026-12-31T00:00:00+08:00","attributes":{"cb_code":"123"}})"));

  auto organic = [](const std::string& code, const std::string& cert_id = "OC-123-2026-0042") {
    return R"("organic_code":")" + code + R"("},"certificates":[{"cert_id":")" + cert_id +
           R"(","standard":"GB/T 19630"}]})";
  };
  // Harvest with an organic claim: the JSON ends in the attributes object.
  auto harvest = [](const std::string& code, const std::string& pond, const std::string& day) {
    return R"({"type":"lot","lot":"local:mitten-crab/)" + code +
           R"(","quantity":"800 KGM","production_time":")" + At(day) +
           R"(","units":[{"unit":")" + pond + R"(","time":")" + At(day) +
           R"("}],"attributes":{"category":"aquatic",)";
  };
  // The organic code's body prefix must be the certificate's body; 17 digits.
  auto o = Refused("liangzi-coop", harvest("ORG-1", "P1", "2026-04-20") + organic("45626000000000001"),
                   "organic_code_cb_mismatch", "R-AG-6");
  EXPECT_NE(Message(o).find("was not issued by certification body 123"), std::string::npos);
  Refused("liangzi-coop", harvest("ORG-1", "P1", "2026-04-20") + organic("1232600000000001"),
          "organic_code_invalid", "R-AG-6");
  Created(Post("liangzi-coop", harvest("ORG-1", "P1", "2026-04-20") + organic("12326000000000001")));
  Created(Post("liangzi-coop", harvest("ORG-2", "P2", "2026-04-21") + organic("12326000000000002")));
  Created(Post("liangzi-coop", Harvest("PLAIN-1", "P3", "2026-04-21")));

  // A packed organic lot made from a non-organic lot is refused...
  auto pack = [&](const std::string& code, const std::string& second) {
    return R"({"type":"lot","lot":"local:crab-pack/)" + code +
           R"(","quantity":"1600 KGM","production_time":"2026-04-22T08:00:00+08:00",
           "inputs":[{"lot":"local:mitten-crab/ORG-1","quantity":"800 KGM","kind":"merged_into"},
                     {"lot":"local:mitten-crab/)" + second +
           R"(","quantity":"800 KGM","kind":"merged_into"}],
           "certificates":[{"cert_id":"HG-)" + code + R"(","standard":"承诺达标合格证"},
                           {"cert_id":"OC-123-2026-0043","standard":"GB/T 19630"}],
           "attributes":{"organic_code":"12326000000000010"}})";
  };
  o = Refused("liangzi-coop", pack("OP-1", "PLAIN-1"), "organic_inputs_not_certified", "R-AG-6");
  EXPECT_NE(Message(o).find("only 50 % of the inputs are organic-certified (at least 95 % "
                            "required); not organic: local:mitten-crab/PLAIN-1"),
            std::string::npos)
      << Message(o);
  // ...from organic lots it is accepted.
  Created(Post("liangzi-coop", pack("OP-1", "ORG-2")));

  // The body suspends the certificate from 05-01: lots harvested and
  // labelled after that are refused, lots from before are not (even when
  // recorded later).
  Created(Post("cnca-organic", R"({"type":"certificate_status","cert_id":"OC-123-2026-0042",
      "status":"suspended","effective":"2026-05-01T00:00:00+08:00","reason":"residue found"})",
               At("2026-05-01", "09:00:00")));
  o = Refused("liangzi-coop", harvest("ORG-3", "P4", "2026-05-02") + organic("12326000000000003"),
              "organic_cert_suspended", "R-AG-6");
  EXPECT_NE(Message(o).find("certificate OC-123-2026-0042 was suspended on 2026-05-01"),
            std::string::npos);
  Created(Post("liangzi-coop", harvest("ORG-4", "P4", "2026-04-28") + organic("12326000000000004")));
  // The same harvest without the organic claim is fine.
  Created(Post("liangzi-coop", Harvest("ORG-3", "P4", "2026-05-02")));
}

// 1(e) scenarios 2 and 5: a commitment certificate flagged false (revoked)
// stops the lot at the receiving gate; received before that, it passed.
TEST_F(AgricultureTest, AReceiptOfALotWhoseCommitmentCertificateWasRevokedIsRefused) {
  for (const char* p : {"P1", "P3"}) {
    std::string code = std::string(p) + "-0920", lot = "local:mitten-crab/" + code;
    Created(Post("liangzi-coop", Harvest(code, p, "2026-09-20", Cites("HG-" + code))));
    Created(Post("liangzi-coop", Commitment("HG-" + code, lot, "2026-09-20")));
    Created(Ship("liangzi-coop", "ezhou-aquatic", "DN-" + code, lot, "2026-09-21"));
  }
  Receive("liangzi-coop", "ezhou-aquatic", "DN-P1-0920", "local:mitten-crab/P1-0920",
          "2026-09-21");
  Created(Post("ezhou-agri", R"({"type":"certificate_status","cert_id":"HG-P3-0920",
      "status":"revoked","effective":"2026-09-21T12:00:00+08:00","reason":"false commitment"})",
               At("2026-09-21", "12:00:00")));
  auto o = Refused("ezhou-aquatic", R"({"type":"receipt","from":"liangzi-coop",
      "shipment_id":"DN-P3-0920","items":[{"lot":"local:mitten-crab/P3-0920","quantity":"800 KGM"}]})",
                   "commitment_cert_revoked", "R-AG-4", At("2026-09-21", "15:00:00"));
  EXPECT_NE(Message(o).find("certificate HG-P3-0920 was revoked on 2026-09-21"), std::string::npos)
      << Message(o);
}

// 1(e) scenario 4: a green-food certificate expiring on 07-31 blocks new
// packing with the label from 08-01.
TEST_F(AgricultureTest, AGreenFoodLabelAfterTheCertificateExpiredIsRefused) {
  Created(Post("cnca-organic", R"({"type":"certificate","cert_id":"LB-42-26070101","kind":"green_food",
      "standard":"绿色食品","subject_party":"liangzi-coop","subject_product":"local:mitten-crab",
      "valid_from":"2023-08-01T00:00:00+08:00","valid_to":"2026-08-01T00:00:00+08:00"})"));
  const std::string label = Cites("LB-42-26070101", "绿色食品");
  Created(Post("liangzi-coop", Harvest("P1-0731", "P1", "2026-07-31", label)));
  auto o = Refused("liangzi-coop", Harvest("P2-0801", "P2", "2026-08-01", label),
                   "green_food_cert_expired", "R-AG-6");
  EXPECT_NE(Message(o).find("certificate LB-42-26070101 expired on 2026-08-01"), std::string::npos)
      << Message(o);
  Created(Post("liangzi-coop", Harvest("P2-0801", "P2", "2026-08-01")));
}

// R-AG-5: a processed lot needs an SC licence valid on its production date.
TEST_F(AgricultureTest, AProcessedLotNeedsAValidScLicence) {
  for (const char* p : {"P1", "P2"}) {
    std::string code = std::string(p) + "-0920", lot = "local:mitten-crab/" + code;
    Created(Post("liangzi-coop", Harvest(code, p, "2026-09-20", Cites("HG-" + code))));
    Created(Post("liangzi-coop", Commitment("HG-" + code, lot, "2026-09-20")));
  }
  Created(Ship("liangzi-coop", "old-processor", "DN-1", "local:mitten-crab/P1-0920", "2026-09-21"));
  Receive("liangzi-coop", "old-processor", "DN-1", "local:mitten-crab/P1-0920", "2026-09-21");
  Created(Ship("liangzi-coop", "ezhou-aquatic", "DN-2", "local:mitten-crab/P2-0920", "2026-09-21"));
  Receive("liangzi-coop", "ezhou-aquatic", "DN-2", "local:mitten-crab/P2-0920", "2026-09-21");

  auto o = Refused("old-processor", R"({"type":"lot","lot":"local:crab-paste/CP-1",
      "quantity":"500 KGM","production_time":"2026-09-25T08:00:00+08:00",
      "inputs":[{"lot":"local:mitten-crab/P1-0920","quantity":"800 KGM","kind":"composed_of"}]})",
                   "sc_licence_expired", "R-AG-5");
  EXPECT_NE(Message(o).find("not valid on 2026-09-25 (valid to 2026-01-01)"), std::string::npos)
      << Message(o);
  Created(Post("ezhou-aquatic", R"({"type":"lot","lot":"local:crab-fillet/FF-1",
      "quantity":"500 KGM","production_time":"2026-09-25T08:00:00+08:00",
      "inputs":[{"lot":"local:mitten-crab/P2-0920","quantity":"800 KGM","kind":"composed_of"}]})"));
}

// A regulator's rule parameters (feed_withdrawal_days) change the next
// decision; accepted decisions name the parameter set they used, and the
// refusal names it too.
TEST_F(AgricultureTest, ARegulatorsRuleParametersChangeTheNextDecision) {
  Supply("lakeside-feed", "local:crab-feed/F-2409", kFeed, "liangzi-coop", "1 TNE", "2026-08-25");
  Created(Apply("P2", "local:crab-feed/F-2409", "300 KGM", "2026-09-01"));
  Created(Apply("P4", "local:crab-feed/F-2409", "300 KGM", "2026-09-01"));
  Created(Post("ezhou-agri", R"({"type":"rule_parameters","sector":"agriculture",
      "set_id":"agri-2026-1","params":{"feed_withdrawal_days":0}})"));

  auto decision_of = [&](const std::string& record_id) {
    auto r = Get("ezhou-agri", "/v1/records/" + record_id);
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = json::parse(r.body);
    for (const auto& d : v.at("decisions").as_array()) {
      if (d.at("engine").as_string() == "agriculture") return d.as_object();
    }
    ADD_FAILURE() << "no agriculture decision: " << r.body;
    return json::object();
  };
  std::string first = Created(Post("liangzi-coop", Harvest("P2-0910", "P2", "2026-09-10")));
  json::object d1 = decision_of(first);
  EXPECT_EQ(d1.at("param_set").as_string(), "agri-2026-1");
  EXPECT_EQ(d1.at("rule_set").as_string(), "agriculture/2026.1");
  EXPECT_EQ(d1.at("verdict").as_string(), "accept");

  // After an incident the bureau requires 21 days between feeding and harvest.
  Created(Post("ezhou-agri", R"({"type":"rule_parameters","sector":"agriculture",
      "set_id":"agri-2026-2","params":{"feed_withdrawal_days":21}})"));
  auto o = Refused("liangzi-coop", Harvest("P4-0910", "P4", "2026-09-10"),
                   "harvest_inside_withdrawal", "R-AG-3");
  EXPECT_EQ(Message(o),
            "agriculture: harvest from pond P4 on 2026-09-10 is inside the 21-day withdrawal "
            "period of feed local:crab-feed/F-2409 applied on 2026-09-01: harvest from "
            "2026-09-22 (feed_withdrawal_days of rule parameters agri-2026-2)");
  std::string later = Created(Post("liangzi-coop", Harvest("P4-0923", "P4", "2026-09-23")));
  json::object d2 = decision_of(later);
  EXPECT_EQ(d2.at("param_set").as_string(), "agri-2026-2");
}

// The [M] one-year validity of organic certificates is a parameter: a
// certificate stated for two years counts for one until a regulator says
// otherwise.
TEST_F(AgricultureTest, TheOrganicCertificateValidityIsARuleParameter) {
  Created(Post("cnca-organic", R"({"type":"certificate","cert_id":"OC-123-2025-0077",
      "kind":"organic","standard":"GB/T 19630","subject_party":"liangzi-coop",
      "valid_from":"2025-10-01T00:00:00+08:00","valid_to":"2027-10-01T00:00:00+08:00",
      "attributes":{"cb_code":"123"}})"));
  const std::string claim = R"("certificates":[{"cert_id":"OC-123-2025-0077",
      "standard":"GB/T 19630"}],"attributes":{"category":"aquatic","organic_code":"12325000000000077"})";
  auto lot = [&](const std::string& code, const std::string& day) {
    return R"({"type":"lot","lot":"local:mitten-crab/)" + code +
           R"(","quantity":"800 KGM","production_time":")" + At(day) +
           R"(","units":[{"unit":"P1","time":")" + At(day) + R"("}],)" + claim + "}";
  };
  Created(Post("liangzi-coop", lot("OC-1", "2026-09-20")));
  auto o = Refused("liangzi-coop", lot("OC-2", "2026-10-01"), "organic_cert_expired", "R-AG-6");
  EXPECT_NE(Message(o).find("expired on 2026-10-01 (12 months after issue)"), std::string::npos)
      << Message(o);
  Created(Post("ezhou-agri", R"({"type":"rule_parameters","sector":"agriculture",
      "set_id":"agri-2026-3","params":{"organic_cert_validity_months":24}})"));
  Created(Post("liangzi-coop", lot("OC-2", "2026-10-01")));
}

TEST_F(AgricultureTest, ThePluginIsListedWithItsRules) {
  auto r = Must(http_->Request("GET", "/v1/plugins"));
  ASSERT_EQ(r.status, 200) << r.body;
  bool found = false;
  json::value v = json::parse(r.body);
  for (const auto& p : v.at("plugins").as_array()) {
    const auto& o = p.as_object();
    if (o.at("name").as_string() != "agriculture") continue;
    found = true;
    EXPECT_EQ(o.at("sectors").as_array()[0].as_string(), "agriculture");
    EXPECT_EQ(o.at("rule_set").as_string(), "agriculture/2026.1");
    EXPECT_EQ(o.at("rules").as_int64(), 7);
  }
  EXPECT_TRUE(found) << r.body;
}

}  // namespace
}  // namespace qtrace
