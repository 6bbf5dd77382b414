// The pharma sector plugin in a real qtraced (--plugin-dir with every built
// sector plugin), over HTTP: each rule refuses its bad record with HTTP 422,
// the rule's reason code and id, and writes nothing; the same flow with the
// fix is accepted (sector-rules.md section 4 (a)-(c) and the non-recall
// parts of the 4(e) scenarios). Licences and approvals are judged at the
// time of the event: the test's events are in 2026-09/10 and several
// licences have expired by the time the records are posted.
#include <gtest/gtest.h>

#include <string>

#include "qtrace/http_client.h"
#include "sector_daemon.h"

namespace qtrace {
namespace {

constexpr char kTablets[] = "national:86900001000019";  // a valid 药品本位码
constexpr char kApi[] = "local:metformin-api";
constexpr char kApproval[] = "国药准字H20213456";

// Drug trace code `i` of series `series`: drug identifier 8123456 + 13 digits.
std::string Code(int series, int i) {
  return "8123456" + std::to_string(1'000'000'000'000LL + series * 1'000'000LL + i);
}
std::string CodeList(int series, int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += (out.empty() ? "\"" : ",\"") + Code(series, i) + "\"";
  return "[" + out + "]";
}

class PharmaTest : public testing::SectorDaemonTest {
 protected:
  PharmaTest() : SectorDaemonTest("pharma", "2026-06-01T08:00:00+08:00") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SectorDaemonTest::SetUp());

    // The API maker's licence ends on 2026-10-01; the tablet maker's and
    // the distributor's run to 2027 / 2029.
    AddParty("biopark-api", "enterprise", Licence("drug_mfg", "HB20240017", "2021-10-01", "2026-10-01"));
    AddParty("second-api", "enterprise", Licence("drug_mfg", "HB20250031", "2025-01-01", "2030-01-01"));
    AddParty("hubei-tablets", "enterprise",
             Licence("drug_mfg", "HB20240022", "2022-01-01", "2027-01-01"));
    AddParty("ezhou-pharma-dist", "enterprise",
             Licence("drug_dist", "HB-B-2024-031", "2024-01-01", "2029-01-01"));
    AddParty("grey-trader", "enterprise");
    AddParty("pharmacy-1", "enterprise");
    AddParty("pharmacy-2", "enterprise");
    AddParty("nmpa", "regulator");
    Ok(Post("biopark-api", R"({"type":"product","scheme":"local","product_id":"metformin-api",
        "sector":"pharma","name":"metformin hydrochloride, API","default_unit":"KGM"})"));
    Ok(Post("hubei-tablets", R"({"type":"product","scheme":"national","product_id":"86900001000019",
        "sector":"pharma","name":"metformin HCl tablets 0.5 g x 60","default_unit":"EA"})"));
  }
  static std::string Licence(const std::string& kind, const std::string& number,
                             const std::string& from, const std::string& to) {
    return R"("licences":[{"kind":")" + kind + R"(","number":")" + number +
           R"(","valid_from":")" + from + R"(T00:00:00+08:00","valid_to":")" + to +
           R"(T00:00:00+08:00"}])";
  }
  // API lot `lot` of `maker`, 500 KGM, produced on `produced` (a date).
  std::string ApiLot(const std::string& lot, const std::string& produced,
                     const std::string& extra_attrs = "") {
    return R"({"type":"lot","lot":")" + std::string(kApi) + "/" + lot +
           R"(","quantity":"500 KGM","production_time":")" + produced +
           R"(T08:00:00+08:00","expiry_time":"2028-09-01T00:00:00+08:00",
           "attributes":{"category":"api","cde_registration":"Y20190000123")" + extra_attrs + "}}";
  }
  // A tablet lot of `packs` packs with codes 1..packs of `series`.
  std::string TabletLot(const std::string& lot, const std::string& produced, int series,
                        int packs = 10, const std::string& approval = kApproval,
                        const std::string& inputs = "", const std::string& codes = "",
                        const std::string& expiry = "2028-09-30") {
    std::string in = inputs.empty() ? R"([{"lot":"local:metformin-api/API-2409","quantity":"1.2 KGM"}])"
                                    : inputs;
    return R"({"type":"lot","lot":")" + std::string(kTablets) + "/" + lot + R"(","quantity":")" +
           std::to_string(packs) + R"( EA","production_time":")" + produced +
           R"(T08:00:00+08:00","expiry_time":")" + expiry +
           R"(T00:00:00+08:00","inputs":)" + in + R"(,"attributes":{)" +
           (approval.empty() ? "" : R"("approval_number":")" + approval + R"(",)") +
           R"("generic_name":"盐酸二甲双胍片","dosage_form":"片剂","strength":"0.5g",
           "qp_name":"Li Hua","qp_released_at":{"time":")" + produced +
           R"(T18:00:00+08:00"}},"serials":)" + (codes.empty() ? CodeList(series, 1, packs) : codes) +
           "}";
  }
  std::string Ship(const std::string& id, const std::string& to, const std::string& lot,
                   const std::string& qty, const std::string& at, const std::string& serials = "") {
    return R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
           R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty + R"(")" +
           (serials.empty() ? "" : R"(,"serials":)" + serials) + R"(}],"event_time":")" + at +
           R"(T08:00:00+08:00"})";
  }
  std::string Receive(const std::string& id, const std::string& from, const std::string& lot,
                      const std::string& qty, const std::string& at,
                      const std::string& serials = "") {
    return R"({"type":"receipt","shipment_id":")" + id + R"(","from":")" + from +
           R"(","items":[{"lot":")" + lot + R"(","quantity":")" + qty + R"(")" +
           (serials.empty() ? "" : R"(,"serials":)" + serials) + R"(}],"event_time":")" + at +
           R"(T15:00:00+08:00"})";
  }
  std::string Dispense(const std::string& lot, const std::string& qty, const std::string& at,
                       const std::string& serials) {
    return R"({"type":"disposition","kind":"dispensed","items":[{"lot":")" + lot +
           R"(","quantity":")" + qty + R"(")" +
           (serials.empty() ? "" : R"(,"serials":)" + serials) + R"(}],"event_time":")" + at +
           R"(T10:00:00+08:00"})";
  }
  // API-2409 (made 2026-09-02, while biopark-api was licensed) at the tablet maker.
  void ApiAtTabletMaker() {
    Ok(Post("biopark-api", ApiLot("API-2409", "2026-09-02")));
    Ok(Post("biopark-api", Ship("DN-API-0905", "hubei-tablets", std::string(kApi) + "/API-2409",
                                "60 KGM", "2026-09-05")));
    Ok(Post("hubei-tablets", Receive("DN-API-0905", "biopark-api", std::string(kApi) + "/API-2409",
                                     "60 KGM", "2026-09-05")));
  }
  static std::string Tablets(const std::string& lot) { return std::string(kTablets) + "/" + lot; }
};

// ---- R-PH-A1 / R-PH-A2: approval number and drug standard code ------------------------------

TEST_F(PharmaTest, FinishedLotNeedsAWellFormedApprovalNumber) {
  ApiAtTabletMaker();
  Refused("hubei-tablets", TabletLot("TB-1", "2026-09-20", 1, 10, "国药准字X2021345"),
          "approval_number_invalid", "R-PH-A1");
  Refused("hubei-tablets", TabletLot("TB-1", "2026-09-20", 1, 10, ""), "approval_number_missing",
          "R-PH-A1");
  Ok(Post("hubei-tablets", TabletLot("TB-1", "2026-09-20", 1)));
}

TEST_F(PharmaTest, NationalProductIdIsADrugStandardCode) {
  Refused("hubei-tablets", R"({"type":"product","scheme":"national","product_id":"86900001000012",
      "sector":"pharma","name":"wrong check digit"})",
          "drug_standard_code_invalid", "R-PH-A2");
  Ok(Post("hubei-tablets", R"({"type":"product","scheme":"national","product_id":"86900001000026",
      "sector":"pharma","name":"metformin HCl tablets 0.85 g"})"));
}

// ---- R-PH-C1 and scenario 4: approval-number expiry ------------------------------------------

TEST_F(PharmaTest, ApprovalExpiryBlocksLaterBatchesOnly) {
  ApiAtTabletMaker();
  // A drug approval is the NMPA's to issue.
  Refused("hubei-tablets", R"({"type":"certificate","cert_id":"国药准字H20213456","kind":"drug_approval",
      "subject_product":"national:86900001000019","valid_from":"2021-10-01T00:00:00+08:00",
      "valid_to":"2026-10-01T00:00:00+08:00"})",
          "approval_issuer_not_regulator", "R-PH-C1");
  // Re-registration was not filed: the approval ends on 2026-09-25 (E).
  Ok(Post("nmpa", R"({"type":"certificate","cert_id":"国药准字H20213456","kind":"drug_approval",
      "subject_product":"national:86900001000019","valid_from":"2021-10-01T00:00:00+08:00",
      "valid_to":"2026-09-25T00:00:00+08:00"})"));
  // A batch made after E is refused; one made before E is accepted even
  // though the approval has expired by now.
  Refused("hubei-tablets", TabletLot("TB-LATE", "2026-09-28", 2), "approval_expired", "R-PH-C1");
  Ok(Post("hubei-tablets", TabletLot("TB-EARLY", "2026-09-20", 2)));
  // Once the re-registration is on file (a new certificate for the same
  // number), batches after E are accepted again.
  Ok(Post("nmpa", R"({"type":"certificate","cert_id":"NMPA-RR-2026-0917","kind":"drug_approval",
      "subject_product":"national:86900001000019","valid_from":"2026-09-26T00:00:00+08:00",
      "valid_to":"2031-09-26T00:00:00+08:00","attributes":{"approval_number":"国药准字H20213456"}})"));
  Ok(Post("hubei-tablets", TabletLot("TB-LATE", "2026-09-28", 3)));
  // The earlier batch stays usable within its own expiry.
  Ok(Post("hubei-tablets", Ship("DN-T-1010", "ezhou-pharma-dist", Tablets("TB-EARLY"), "10 EA",
                                "2026-10-10", CodeList(2, 1, 10))));
}

TEST_F(PharmaTest, SuspendedApprovalAndRegulatorParameters) {
  ApiAtTabletMaker();
  // The regulator makes an approval on file mandatory (an [M] parameter).
  Ok(Post("nmpa", R"({"type":"rule_parameters","sector":"pharma","set_id":"pharma-2026-1",
      "params":{"require_approval_certificate":1}})"));
  Refused("hubei-tablets", TabletLot("TB-1", "2026-09-20", 3), "approval_not_on_file", "R-PH-C1");
  Ok(Post("nmpa", R"({"type":"certificate","cert_id":"国药准字H20213456","kind":"drug_approval",
      "subject_product":"national:86900001000019","valid_from":"2021-10-01T00:00:00+08:00"})"));
  Ok(Post("nmpa", R"({"type":"certificate_status","cert_id":"国药准字H20213456","status":"suspended",
      "effective":"2026-09-25T00:00:00+08:00","reason":"GMP inspection"})"));
  Refused("hubei-tablets", TabletLot("TB-2", "2026-09-28", 3), "approval_suspended", "R-PH-C1");
  Ok(Post("hubei-tablets", TabletLot("TB-1", "2026-09-20", 3)));
}

// ---- R-PH-5: trace codes ---------------------------------------------------------------------

TEST_F(PharmaTest, TraceCodesAreWellFormedOnePerPackAndNeverReused) {
  ApiAtTabletMaker();
  std::string malformed = R"(["81234561000004000001","8123456100000400002"])";  // 19 digits
  Refused("hubei-tablets", TabletLot("TB-1", "2026-09-20", 4, 2, kApproval, "", malformed),
          "trace_code_malformed", "R-PH-5");
  Refused("hubei-tablets", TabletLot("TB-1", "2026-09-20", 4, 10, kApproval, "", CodeList(4, 1, 9)),
          "trace_code_count_mismatch", "R-PH-5");
  std::string mixed = R"(["81234561000004000001","81234571000004000002"])";
  Refused("hubei-tablets", TabletLot("TB-1", "2026-09-20", 4, 2, kApproval, "", mixed),
          "trace_code_identifier_mismatch", "R-PH-5");
  Ok(Post("hubei-tablets", TabletLot("TB-1", "2026-09-20", 4)));
  // A code already used by another lot, ever: the host core refuses it.
  Refused("hubei-tablets", TabletLot("TB-2", "2026-09-21", 5, 2, kApproval, "",
                                     "[\"" + Code(5, 1) + "\",\"" + Code(4, 7) + "\"]"),
          "serial_reused", "");
  Ok(Post("hubei-tablets", TabletLot("TB-2", "2026-09-21", 5, 2)));
}

// ---- scenario 2: a pack at two holders, a second dispensing ----------------------------------

TEST_F(PharmaTest, APackIsAtOneHolderAndDispensedOnce) {
  ApiAtTabletMaker();
  Ok(Post("hubei-tablets", TabletLot("TB-A", "2026-09-20", 6)));
  std::string lot = Tablets("TB-A");
  Ok(Post("hubei-tablets", Ship("DN-T-1", "ezhou-pharma-dist", lot, "10 EA", "2026-10-10",
                                CodeList(6, 1, 10))));
  Ok(Post("ezhou-pharma-dist",
          Receive("DN-T-1", "hubei-tablets", lot, "10 EA", "2026-10-10", CodeList(6, 1, 10))));
  Ok(Post("ezhou-pharma-dist",
          Ship("DN-D-1", "pharmacy-1", lot, "5 EA", "2026-10-12", CodeList(6, 1, 5))));
  Ok(Post("pharmacy-1", Receive("DN-D-1", "ezhou-pharma-dist", lot, "5 EA", "2026-10-12",
                                CodeList(6, 1, 5))));
  // The distributor ships a pack that is already at pharmacy 1.
  Refused("ezhou-pharma-dist",
          Ship("DN-D-2", "pharmacy-2", lot, "2 EA", "2026-10-13",
               "[\"" + Code(6, 3) + "\",\"" + Code(6, 6) + "\"]"),
          "serial_not_held", "");
  Ok(Post("ezhou-pharma-dist", Ship("DN-D-2", "pharmacy-2", lot, "2 EA", "2026-10-13",
                                    CodeList(6, 6, 7))));
  Ok(Post("pharmacy-2", Receive("DN-D-2", "ezhou-pharma-dist", lot, "2 EA", "2026-10-13",
                                CodeList(6, 6, 7))));
  // Dispensing scans the pack's code, once.
  Refused("pharmacy-1", Dispense(lot, "1 EA", "2026-10-15", ""), "trace_code_not_scanned",
          "R-PH-5");
  Ok(Post("pharmacy-1", Dispense(lot, "1 EA", "2026-10-15", "[\"" + Code(6, 1) + "\"]")));
  Refused("pharmacy-1", Dispense(lot, "1 EA", "2026-10-16", "[\"" + Code(6, 1) + "\"]"),
          "serial_reused", "");
  // Pharmacy 2 dispensing a pack pharmacy 1 holds.
  Refused("pharmacy-2", Dispense(lot, "1 EA", "2026-10-16", "[\"" + Code(6, 2) + "\"]"),
          "serial_not_held", "");
  Ok(Post("pharmacy-2", Dispense(lot, "1 EA", "2026-10-16", "[\"" + Code(6, 6) + "\"]")));
}

// ---- R-PH-1 / R-PH-C2: API lots and licences at the time of the event ------------------------

TEST_F(PharmaTest, ApiMakerLicenceIsJudgedAtTheTimeOfTheEvent) {
  // API made on 2026-09-02 while biopark-api was licensed: accepted, though
  // the licence ended on 2026-10-01, before this record is posted.
  ApiAtTabletMaker();
  // An API lot made after the licence ended.
  Refused("biopark-api", ApiLot("API-2410", "2026-10-05"), "mfg_licence_invalid", "R-PH-C2");
  Refused("biopark-api", ApiLot("API-2409B", "2026-09-10", R"(,"mfg_licence_no":"HB20249999")"),
          "mfg_licence_mismatch", "R-PH-C2");
  Ok(Post("biopark-api", ApiLot("API-2409B", "2026-09-10", R"(,"mfg_licence_no":"HB20240017")")));
  // A tablet made before the supplier's licence ended is accepted; one made
  // after it, from the same API lot, is refused.
  Ok(Post("hubei-tablets", TabletLot("TB-A", "2026-09-20", 7)));
  Refused("hubei-tablets", TabletLot("TB-B", "2026-10-08", 8), "api_supplier_unlicensed",
          "R-PH-1");
  // The fix: the API from a licensed supplier.
  Ok(Post("second-api", R"({"type":"product","scheme":"local","product_id":"metformin-api-s",
      "sector":"pharma","name":"metformin hydrochloride, API","default_unit":"KGM"})"));
  std::string api_s = R"({"type":"lot","lot":"local:metformin-api-s/S1","quantity":"100 KGM",
      "production_time":"2026-09-15T08:00:00+08:00","attributes":{"category":"api"}})";
  Ok(Post("second-api", api_s));
  Ok(Post("second-api",
          Ship("DN-S1", "hubei-tablets", "local:metformin-api-s/S1", "20 KGM", "2026-09-16")));
  Ok(Post("hubei-tablets",
          Receive("DN-S1", "second-api", "local:metformin-api-s/S1", "20 KGM", "2026-09-16")));
  Ok(Post("hubei-tablets",
          TabletLot("TB-B", "2026-10-08", 8, 10, kApproval,
                    R"([{"lot":"local:metformin-api-s/S1","quantity":"1.2 KGM"}])")));
}

TEST_F(PharmaTest, ChemicalDrugNamesAUsableApiLot) {
  ApiAtTabletMaker();
  // An excipient is no API.
  Ok(Post("hubei-tablets", R"({"type":"product","scheme":"local","product_id":"starch",
      "sector":"pharma","name":"pregelatinised starch","default_unit":"KGM"})"));
  Ok(Post("hubei-tablets", R"({"type":"lot","lot":"local:starch/ST-1","quantity":"100 KGM",
      "production_time":"2026-09-01T08:00:00+08:00","attributes":{"category":"excipient"}})"));
  Refused("hubei-tablets",
          TabletLot("TB-1", "2026-09-20", 9, 10, kApproval,
                    R"([{"lot":"local:starch/ST-1","quantity":"2 KGM"}])"),
          "api_input_missing", "R-PH-1");
  // An API lot past its retest date on the day of use.
  Ok(Post("hubei-tablets", R"({"type":"product","scheme":"local","product_id":"own-api",
      "sector":"pharma","name":"in-house API","default_unit":"KGM"})"));
  Ok(Post("hubei-tablets", R"({"type":"lot","lot":"local:own-api/OA-1","quantity":"10 KGM",
      "production_time":"2026-03-01T08:00:00+08:00","attributes":{"category":"api",
      "retest_date":{"time":"2026-09-01T00:00:00+08:00"}}})"));
  Refused("hubei-tablets",
          TabletLot("TB-1", "2026-09-20", 9, 10, kApproval,
                    R"([{"lot":"local:own-api/OA-1","quantity":"1 KGM"}])"),
          "api_retest_due", "R-PH-1");
  Ok(Post("hubei-tablets",
          TabletLot("TB-1", "2026-09-20", 9, 10, kApproval,
                    R"([{"lot":"local:metformin-api/API-2409","quantity":"1.2 KGM"},
                        {"lot":"local:starch/ST-1","quantity":"2 KGM"}])")));
}

// ---- R-PH-6 / R-PH-C3 / R-PH-7: release gates, distribution licence, expiry -----------------

TEST_F(PharmaTest, ShippingNeedsQpReleaseADistributorLicenceAndAnUnexpiredLot) {
  ApiAtTabletMaker();
  // A lot whose QP release came after the shipment date.
  std::string lot = TabletLot("TB-Q", "2026-09-20", 10);
  lot.replace(lot.find("2026-09-20T18:00"), 16, "2026-10-20T18:00");
  Ok(Post("hubei-tablets", lot));
  Refused("hubei-tablets",
          Ship("DN-Q-1", "grey-trader", Tablets("TB-Q"), "10 EA", "2026-10-10", CodeList(10, 1, 10)),
          "qp_release_missing", "R-PH-6");
  // The release may also be a qp_release certificate, stated by the maker only.
  std::string release = R"({"type":"certificate","cert_id":"QP-TB-Q","kind":"qp_release",
      "subject_lot":"national:86900001000019/TB-Q","valid_from":"2026-10-09T17:00:00+08:00"})";
  Refused("grey-trader", release, "qp_release_not_by_maker", "R-PH-6");
  Ok(Post("hubei-tablets", release));
  Ok(Post("hubei-tablets", Ship("DN-Q-1", "grey-trader", Tablets("TB-Q"), "10 EA", "2026-10-10",
                                CodeList(10, 1, 10))));
  Ok(Post("grey-trader", Receive("DN-Q-1", "hubei-tablets", Tablets("TB-Q"), "10 EA", "2026-10-10",
                                 CodeList(10, 1, 10))));
  // The trader holds no distribution licence: it may not sell the packs on.
  Refused("grey-trader",
          Ship("DN-G-1", "pharmacy-1", Tablets("TB-Q"), "2 EA", "2026-10-22", CodeList(10, 1, 2)),
          "dist_licence_invalid", "R-PH-C3");
  // Sending packs back to their maker is a return, not distribution.
  Ok(Post("grey-trader", Ship("DN-G-2", "hubei-tablets", Tablets("TB-Q"), "2 EA", "2026-10-22",
                              CodeList(10, 1, 2))));

  // An expired lot is neither shipped nor dispensed.
  Ok(Post("hubei-tablets",
          TabletLot("TB-X", "2026-09-20", 11, 10, kApproval, "", "", "2026-11-01")));
  Ok(Post("hubei-tablets", Ship("DN-X-1", "ezhou-pharma-dist", Tablets("TB-X"), "10 EA",
                                "2026-10-10", CodeList(11, 1, 10))));
  Ok(Post("ezhou-pharma-dist", Receive("DN-X-1", "hubei-tablets", Tablets("TB-X"), "10 EA",
                                       "2026-10-10", CodeList(11, 1, 10))));
  Refused("ezhou-pharma-dist",
          Ship("DN-X-2", "pharmacy-1", Tablets("TB-X"), "2 EA", "2026-11-02", CodeList(11, 1, 2)),
          "lot_expired", "R-PH-7");
  Ok(Post("ezhou-pharma-dist", Ship("DN-X-2", "pharmacy-1", Tablets("TB-X"), "2 EA", "2026-10-30",
                                    CodeList(11, 1, 2))));
  Ok(Post("pharmacy-1", Receive("DN-X-2", "ezhou-pharma-dist", Tablets("TB-X"), "2 EA",
                                "2026-10-30", CodeList(11, 1, 2))));
  Refused("pharmacy-1", Dispense(Tablets("TB-X"), "1 EA", "2026-11-03", "[\"" + Code(11, 1) + "\"]"),
          "lot_expired", "R-PH-7");
  Ok(Post("pharmacy-1", Dispense(Tablets("TB-X"), "1 EA", "2026-10-31", "[\"" + Code(11, 1) + "\"]")));
}

// ---- scenario 3 (non-recall part): a vaccine lot without 批签发 -------------------------------

TEST_F(PharmaTest, VaccineLotMovesOnlyWithItsLotRelease) {
  AddParty("vaccine-maker", "enterprise",
           Licence("drug_mfg", "HB20230005", "2023-01-01", "2028-01-01"));
  AddParty("cdc-dist", "enterprise", Licence("drug_dist", "HB-V-2024-002", "2024-01-01", "2029-01-01"));
  AddParty("nifdc", "lab");
  Ok(Post("vaccine-maker", R"({"type":"product","scheme":"national","product_id":"86900002000018",
      "sector":"pharma","name":"influenza vaccine 0.5 ml","default_unit":"EA"})"));
  std::string vaccine = R"({"type":"lot","lot":"national:86900002000018/V-2409",
      "quantity":"3 EA","production_time":"2026-09-01T08:00:00+08:00",
      "expiry_time":"2027-09-01T00:00:00+08:00","attributes":{"approval_number":"国药准字S20240001",
      "biologic_type":"vaccine","qp_released_at":{"time":"2026-09-20T08:00:00+08:00"}},
      "serials":["81234589000000000001","81234589000000000002","81234589000000000003"]})";
  Ok(Post("vaccine-maker", vaccine));
  std::string codes = R"(["81234589000000000001","81234589000000000002","81234589000000000003"])";
  Refused("vaccine-maker",
          Ship("DN-V-1", "cdc-dist", "national:86900002000018/V-2409", "3 EA", "2026-09-25", codes),
          "lot_release_missing", "R-PH-6");
  // The maker cannot release its own vaccine lot.
  Refused("vaccine-maker", R"({"type":"certificate","cert_id":"SP-2026-0917","kind":"lot_release",
      "subject_lot":"national:86900002000018/V-2409","valid_from":"2026-09-24T00:00:00+08:00"})",
          "lot_release_issuer_invalid", "R-PH-6");
  Ok(Post("nifdc", R"({"type":"certificate","cert_id":"SP-2026-0917","kind":"lot_release",
      "subject_lot":"national:86900002000018/V-2409","valid_from":"2026-09-24T00:00:00+08:00"})"));
  Ok(Post("vaccine-maker",
          Ship("DN-V-1", "cdc-dist", "national:86900002000018/V-2409", "3 EA", "2026-09-25", codes)));
  Ok(Post("cdc-dist", Receive("DN-V-1", "vaccine-maker", "national:86900002000018/V-2409", "3 EA",
                              "2026-09-25", codes)));
}

// ---- R-PH-3: one bulk batch per packaging batch ----------------------------------------------

TEST_F(PharmaTest, PackagingBatchDrawsFromOneBulkBatch) {
  ApiAtTabletMaker();
  Ok(Post("hubei-tablets", R"({"type":"product","scheme":"local","product_id":"metformin-bulk",
      "sector":"pharma","name":"metformin tablets, bulk","default_unit":"KGM"})"));
  for (const char* b : {"BK-1", "BK-2"}) {
    Ok(Post("hubei-tablets", std::string(R"({"type":"lot","lot":"local:metformin-bulk/)") + b +
                                 R"(","quantity":"50 KGM","production_time":"2026-09-10T08:00:00+08:00",
        "inputs":[{"lot":"local:metformin-api/API-2409","quantity":"20 KGM"}],
        "attributes":{"category":"bulk"}})"));
  }
  Refused("hubei-tablets",
          TabletLot("TB-P", "2026-09-20", 12, 10, kApproval,
                    R"([{"lot":"local:metformin-api/API-2409","quantity":"1 KGM"},
                        {"lot":"local:metformin-bulk/BK-1","quantity":"1 KGM","kind":"split_from"},
                        {"lot":"local:metformin-bulk/BK-2","quantity":"1 KGM","kind":"split_from"}])"),
          "bulk_batches_mixed", "R-PH-3");
  Ok(Post("hubei-tablets",
          TabletLot("TB-P", "2026-09-20", 12, 10, kApproval,
                    R"([{"lot":"local:metformin-api/API-2409","quantity":"1 KGM"},
                        {"lot":"local:metformin-bulk/BK-1","quantity":"1 KGM","kind":"split_from"}])")));
}

// ---- R-PH-R: recall levels -------------------------------------------------------------------

TEST_F(PharmaTest, DrugRecallLevelsAreOneTwoThree) {
  ApiAtTabletMaker();
  std::string order = R"({"type":"recall","recall_id":"RC-1","sector":"pharma","level":"IV",
      "responsible":"biopark-api","hazard":"nitrosamine above the limit",
      "seed":{"lots":["local:metformin-api/API-2409"]},"event_time":"2026-10-20T08:00:00+08:00"})";
  Refused("nmpa", order, "recall_level_invalid", "R-PH-R");
  order.replace(order.find("\"IV\""), 4, "\"2\"");
  Ok(Post("nmpa", order));
}

}  // namespace
}  // namespace qtrace
