// Certificates, their status changes (evaluated at the time of an event),
// inspections and regulator-signed rule parameters.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "qtrace/host/ledger.h"
#include "qtrace/time.h"
#include "testing/ledger_harness.h"

namespace qtrace::host {
namespace {

using qtrace::testing::LedgerHarness;

int64_t T(const char* text) { return ParseTimestamp(text)->micros; }

class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.AddEnterprise("farm");
    h_.AddEnterprise("other-farm");
    h_.AddParty("organic-cb", R"(["certifier"])");
    h_.AddParty("food-lab", R"(["lab"])");
    h_.AddParty("city-amr", R"(["regulator"])");
    Ok(h_.Submit("farm", R"({"type":"product","scheme":"local","product_id":"rice","sector":"agriculture"})"));
    Ok(h_.Submit("farm", R"({"type":"lot","lot":"local:rice/L1","quantity":"10 KGM","production_time":"2026-05-01T08:00:00Z"})"));
  }
  static void Ok(const IngestResult& r) { ASSERT_TRUE(r.status.ok()) << r.status.ToString(); }
  LedgerHarness h_;
};

TEST_F(CertificateTest, SuspensionIsEffectiveFromTheEarlierOfStatedAndRecordTime) {
  Ok(h_.Submit("organic-cb", R"({"type":"certificate","cert_id":"ORG-2026-001","kind":"organic",
      "standard":"GB/T 19630","subject_party":"farm","subject_product":"local:rice",
      "valid_from":"2026-01-01T00:00:00Z","valid_to":"2027-01-01T00:00:00Z",
      "attributes":{"cb_code":"123"}})"));
  Ok(h_.Submit("organic-cb", R"({"type":"certificate_status","cert_id":"ORG-2026-001",
      "status":"suspended","effective":"2026-05-01T00:00:00Z","reason":"residue found"})"));
  h_.ledger().WithState([](const LedgerState& s) {
    const CertInfo* c = s.FindCertificate("ORG-2026-001");
    EXPECT_NE(c, nullptr);
    EXPECT_TRUE(c->ValidAt(T("2026-04-30T23:59:59Z")));
    EXPECT_FALSE(c->ValidAt(T("2026-05-01T00:00:00Z")));
    EXPECT_FALSE(c->ValidAt(T("2025-12-31T00:00:00Z")));  // before valid_from
    EXPECT_EQ(c->Attr("cb_code")->str, "123");
    EXPECT_EQ(s.CertificatesOfParty(*s.FindParty("farm")).size(), 1u);
    return 0;
  });
  // A post-dated reinstatement takes effect when recorded, not later.
  Ok(h_.Submit("organic-cb", R"({"type":"certificate_status","cert_id":"ORG-2026-001",
      "status":"reinstated","effective":"2099-01-01T00:00:00Z"})"));
  h_.ledger().WithState([](const LedgerState& s) {
    const CertInfo* c = s.FindCertificate("ORG-2026-001");
    EXPECT_FALSE(c->ValidAt(T("2026-06-01T00:00:00Z")));  // still suspended then
    EXPECT_TRUE(c->ValidAt(SystemClock::Default()->NowMicros() + 60'000'000));
    return 0;
  });
}

TEST_F(CertificateTest, OnlyTheIssuerOrARegulatorChangesStatus) {
  Ok(h_.Submit("organic-cb", R"({"type":"certificate","cert_id":"ORG-1","kind":"organic",
      "subject_party":"farm","valid_from":"2026-01-01T00:00:00Z"})"));
  auto r = h_.Submit("farm", R"({"type":"certificate_status","cert_id":"ORG-1","status":"valid",
      "effective":"2026-05-01T00:00:00Z"})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  Ok(h_.Submit("city-amr", R"({"type":"certificate_status","cert_id":"ORG-1","status":"revoked",
      "effective":"2026-05-01T00:00:00Z"})"));
  r = h_.Submit("organic-cb", R"({"type":"certificate_status","cert_id":"ORG-1","status":"reinstated",
      "effective":"2026-06-01T00:00:00Z"})");
  EXPECT_EQ(r.status.reason(), "certificate_revoked");
}

TEST_F(CertificateTest, EnterprisesCertifyOnlyThemselves) {
  // A self-issued commitment certificate for its own lot is fine.
  Ok(h_.Submit("farm", R"({"type":"certificate","cert_id":"HG-L1","kind":"commitment",
      "subject_lot":"local:rice/L1","valid_from":"2026-05-01T00:00:00Z"})"));
  auto r = h_.Submit("other-farm", R"({"type":"certificate","cert_id":"HG-X","kind":"commitment",
      "subject_lot":"local:rice/L1","valid_from":"2026-05-01T00:00:00Z"})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied) << r.status.ToString();
  r = h_.Submit("farm", R"({"type":"certificate","cert_id":"HG-L1","kind":"commitment",
      "subject_lot":"local:rice/L1","valid_from":"2026-05-02T00:00:00Z"})");
  EXPECT_EQ(r.status.code(), StatusCode::kAlreadyExists);
}

TEST_F(CertificateTest, InspectionsAreRecordedPerLotAndOnlyByLabsOrRegulators) {
  Ok(h_.Submit("food-lab", R"({"type":"inspection","inspection_id":"SC-2026-0001","kind":"spot_check",
      "lot":"local:rice/L1","items":[{"name":"cadmium","value":"0.31","unit":"mg/kg","max":"0.2"}],
      "report_no":"R-1","accreditation":"CMA-2019-01"})"));
  auto r = h_.Submit("farm", R"({"type":"inspection","inspection_id":"SC-2","kind":"spot_check",
      "lot":"local:rice/L1","result":"pass"})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  h_.ledger().WithState([](const LedgerState& s) {
    auto lot = *s.FindLot(fb::IdScheme::LOCAL, "rice", "L1");
    auto ids = s.InspectionsOfLot(lot);
    EXPECT_EQ(ids.size(), 1u);
    const InspectionInfo& in = s.inspections()[ids[0]];
    EXPECT_FALSE(in.pass);  // derived from the item's limit
    EXPECT_EQ(in.failed_items, std::vector<std::string>{"cadmium"});
    return 0;
  });
}

TEST_F(CertificateTest, RuleParametersAreVersionedAndRegulatorOnly) {
  auto r = h_.Submit("farm", R"({"type":"rule_parameters","sector":"agriculture","set_id":"ag-1",
      "params":{"phi_days_default":7}})");
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  Ok(h_.Submit("city-amr", R"({"type":"rule_parameters","sector":"agriculture","set_id":"ag-1",
      "params":{"phi_days_default":7,"backdating_days":30}})"));
  Ok(h_.Submit("city-amr", R"({"type":"rule_parameters","sector":"agriculture","set_id":"ag-2",
      "params":{"phi_days_default":14,"backdating_days":30}})"));
  r = h_.Submit("city-amr", R"({"type":"rule_parameters","sector":"agriculture","set_id":"ag-1",
      "params":{"phi_days_default":3},"note":"again"})");
  EXPECT_EQ(r.status.code(), StatusCode::kAlreadyExists);
  h_.Reopen();  // survives snapshot + reopen
  h_.ledger().WithState([](const LedgerState& s) {
    const ParamSet* p = s.CurrentParams("agriculture");
    EXPECT_NE(p, nullptr);
    EXPECT_EQ(p->set_id, "ag-2");
    EXPECT_EQ(p->Param("phi_days_default")->num, 14);
    EXPECT_EQ(s.CurrentParams("pharma"), nullptr);
    return 0;
  });
}

}  // namespace
// Scenario 1(e)4 without plugins to refuse the labels: a green-food
// certificate that expired on 07-31 is a recall candidate for the lots made
// after that which still cite it (by reference or by an attribute), not
// for those made before; a suspension counts from its effective time; a
// lot already in a recall is no longer a candidate.
TEST_F(CertificateTest, LotsCitingACertificateNoLongerInForceAreRecallCandidates) {
  Ok(h_.Submit("organic-cb", R"({"type":"certificate","cert_id":"LB-42-2607","kind":"green_food",
      "subject_party":"farm","subject_product":"local:rice",
      "valid_from":"2026-01-01T00:00:00Z","valid_to":"2026-07-31T16:00:00Z"})"));
  auto lot = [&](const std::string& code, const std::string& day, const std::string& cites) {
    Ok(h_.Submit("farm", R"({"type":"lot","lot":"local:rice/)" + code +
                             R"(","quantity":"10 KGM","production_time":")" + day +
                             R"(T08:00:00Z")" + cites + "}"));
  };
  lot("G-0720", "2026-07-20", R"(,"certificates":[{"cert_id":"LB-42-2607"}])");
  lot("G-0802", "2026-08-02", R"(,"certificates":[{"cert_id":"LB-42-2607"}])");
  lot("G-0803", "2026-08-03", R"(,"attributes":{"green_food_cert":"LB-42-2607"})");
  lot("P-0803", "2026-08-03", "");
  auto candidates = [&] {
    return h_.ledger().WithState([](const LedgerState& s) {
      std::map<std::string, std::pair<std::string, std::set<std::string>>> out;
      auto found = s.RecallCandidates(SystemClock::Default()->NowMicros());
      EXPECT_TRUE(found.ok()) << found.status().ToString();
      for (const auto& c : *found) {
        auto& e = out[s.certificate(c.cert).id];
        e.first = c.status + " since " + FormatMicrosUtc(c.since);
        for (LotId l : c.lots) e.second.insert(s.LotRefString(l));
      }
      return out;
    });
  };
  auto got = candidates();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got["LB-42-2607"].first, "expired since 2026-07-31T16:00:00Z");
  EXPECT_EQ(got["LB-42-2607"].second,
            (std::set<std::string>{"local:rice/G-0802", "local:rice/G-0803"}));
  // A recall takes G-0802 in: only G-0803 is left.
  Ok(h_.Submit("city-amr", R"({"type":"recall","recall_id":"RC-G","sector":"agriculture",
      "level":"3","responsible":"farm","seed":{"lots":["local:rice/G-0802"]}})"));
  got = candidates();
  EXPECT_EQ(got["LB-42-2607"].second, (std::set<std::string>{"local:rice/G-0803"}));
}

}  // namespace qtrace::host
