// Recalls of the agriculture sector in a real qtraced with the sector
// plugins: the agriculture plugin's plan (food recall levels, deadlines,
// scope rules) drives the host's scope over the lineage. Scenario 1(e)1: a
// contaminated pesticide lot applied to four plots, reaching 40 retail lots
// through packing, merging and repacking. Scenario 1(e)2: a tainted feed lot
// in pond P3 commingled by the collector into two mixed lots, one processed
// into six SC lots. Each scope is all and only the implicated lots and
// parties.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "qtrace/http_client.h"
#include "sector_daemon.h"

namespace qtrace {
namespace {

namespace json = boost::json;

std::string At(const std::string& day, const std::string& time = "06:00:00") {
  return day + "T" + time + "+08:00";
}

// Its parties are registered without a "sectors" list.
class AgricultureRecallTest : public testing::SectorDaemonTest {
 protected:
  AgricultureRecallTest()
      : SectorDaemonTest("agriculture", At("2026-06-01", "08:00:00"),
                         testing::PartySectors::kOmitted) {}

  void Product(const std::string& owner, const std::string& ref) {
    auto colon = ref.find(':');
    Ok(owner, R"({"type":"product","scheme":")" + ref.substr(0, colon) + R"(","product_id":")" +
                  ref.substr(colon + 1) + R"(","sector":"agriculture"})");
  }
  // A lot, its commitment certificate (when it needs one) and nothing else.
  void Lot(const std::string& party, const std::string& lot, const std::string& quantity,
           const std::string& day, const std::string& rest, bool commitment,
           const std::string& sources = "") {
    std::string code = lot.substr(lot.find('/') + 1);
    Ok(party, R"({"type":"lot","lot":")" + lot + R"(","quantity":")" + quantity +
                  R"(","production_time":")" + At(day) + R"(",)" + rest +
                  (commitment ? R"(,"certificates":[{"cert_id":"HG-)" + code +
                                    R"(","standard":"承诺达标合格证"}])"
                              : "") +
                  "}");
    if (!commitment) return;
    Ok(party, R"({"type":"certificate","cert_id":"HG-)" + code +
                  R"(","kind":"commitment","standard":"承诺达标合格证","subject_lot":")" + lot +
                  R"(","valid_from":")" + At(day) + R"(","valid_to":")" + At("2026-12-31") +
                  R"(","attributes":{"basis":"self_test")" +
                  (sources.empty() ? "" : R"(,"source_lots":")" + sources + R"(")") + "}}");
  }
  void Harvest(const std::string& code, const std::string& pond, const std::string& day) {
    Lot("liangzi-coop", "local:mitten-crab/" + code, "800 KGM", day,
        R"("units":[{"unit":")" + pond + R"(","time":")" + At(day) +
            R"("}],"attributes":{"category":"aquatic"})",
        true);
  }
  // A shipment and its receipt.
  void Move(const std::string& from, const std::string& to, const std::string& id,
            const std::string& lot, const std::string& quantity, const std::string& day) {
    std::string items = R"([{"lot":")" + lot + R"(","quantity":")" + quantity + R"("}])";
    Ok(from, R"({"type":"shipment","shipment_id":")" + id + R"(","to":")" + to +
                 R"(","items":)" + items + "}",
       At(day, "08:00:00"));
    Ok(to, R"({"type":"receipt","from":")" + from + R"(","shipment_id":")" + id +
               R"(","items":)" + items + "}",
       At(day, "15:00:00"));
  }
  void Apply(const std::string& pond, const std::string& lot, const std::string& day) {
    Ok("liangzi-coop", R"({"type":"unit_event","unit":")" + pond +
                           R"(","kind":"input_applied","input":")" + lot +
                           R"(","quantity":"100 KGM","start":")" + At(day, "07:00:00") + R"("})",
       At(day, "07:00:00"));
  }

  // The aquatic chain of scenario 1(e)2.
  void BuildChain() {
    AddParty("ezhou-amr", "regulator");
    for (const char* p : {"lakeside-feed", "liangzi-coop", "super-a", "super-b", "super-c",
                          "lake-restaurants"}) {
      AddParty(p, "enterprise");
    }
    AddParty("ezhou-aquatic", "enterprise",
             R"("licences":[{"kind":"SC","number":"SC10942070300251",
                 "valid_from":"2024-03-01T00:00:00+08:00","valid_to":"2029-03-01T00:00:00+08:00"}])");
    Product("lakeside-feed", "local:crab-feed");
    Product("liangzi-coop", "local:mitten-crab");
    Product("ezhou-aquatic", "local:crab-mixed");
    Product("ezhou-aquatic", "local:crab-fillet");
    for (const char* p : {"P1", "P3", "P5"}) {
      Ok("liangzi-coop", R"({"type":"unit","unit_id":")" + std::string(p) +
                             R"(","kind":"pond","sector":"agriculture"})");
    }
    const std::string feed =
        R"("attributes":{"input_kind":"feed","registration_no":"E-FEED-2024-0311"})";
    Lot("lakeside-feed", "local:crab-feed/F-2405", "2 TNE", "2026-04-18", feed, false);
    Lot("lakeside-feed", "local:crab-feed/F-2406", "2 TNE", "2026-04-20", feed, false);
    Move("lakeside-feed", "liangzi-coop", "DN-F-1", "local:crab-feed/F-2405", "1 TNE", "2026-04-25");
    Move("lakeside-feed", "liangzi-coop", "DN-F-2", "local:crab-feed/F-2406", "1 TNE", "2026-04-25");

    // P3 is harvested once before the tainted feed goes in (excluded), then fed.
    Harvest("P3-0501", "P3", "2026-05-01");
    Apply("P1", "local:crab-feed/F-2405", "2026-05-02");
    Apply("P5", "local:crab-feed/F-2405", "2026-05-02");
    Apply("P3", "local:crab-feed/F-2406", "2026-05-03");
    for (const char* p : {"P1", "P3", "P5"}) Harvest(std::string(p) + "-0920", p, "2026-09-20");
    Harvest("P1-0921", "P1", "2026-09-21");
    Harvest("P5-0921", "P5", "2026-09-21");
    // Unmixed lots go straight to retail.
    Move("liangzi-coop", "super-c", "DN-C-1", "local:mitten-crab/P1-0921", "800 KGM", "2026-09-21");
    Move("liangzi-coop", "super-c", "DN-C-2", "local:mitten-crab/P5-0921", "800 KGM", "2026-09-21");
    Move("liangzi-coop", "super-c", "DN-C-3", "local:mitten-crab/P3-0501", "800 KGM", "2026-09-21");
    for (const char* p : {"P1", "P3", "P5"}) {
      std::string lot = "local:mitten-crab/" + std::string(p) + "-0920";
      Move("liangzi-coop", "ezhou-aquatic", "DN-A-" + std::string(p), lot, "800 KGM", "2026-09-21");
    }
    // The collector splits P3 between two mixed lots.
    Lot("ezhou-aquatic", "local:crab-mixed/M-1", "1200 KGM", "2026-09-22",
        R"("inputs":[{"lot":"local:mitten-crab/P3-0920","quantity":"400 KGM","kind":"merged_into"},
                     {"lot":"local:mitten-crab/P1-0920","quantity":"800 KGM","kind":"merged_into"}])",
        true, "local:mitten-crab/P3-0920,local:mitten-crab/P1-0920");
    Lot("ezhou-aquatic", "local:crab-mixed/M-2", "1200 KGM", "2026-09-22",
        R"("inputs":[{"lot":"local:mitten-crab/P3-0920","quantity":"400 KGM","kind":"merged_into"},
                     {"lot":"local:mitten-crab/P5-0920","quantity":"800 KGM","kind":"merged_into"}])",
        true, "local:mitten-crab/P3-0920,local:mitten-crab/P5-0920");
    // M-1 becomes six SC lots of frozen fillets; M-2 goes to the restaurants.
    for (int i = 1; i <= 6; ++i) {
      std::string lot = "local:crab-fillet/FF-" + std::to_string(i);
      Lot("ezhou-aquatic", lot, "150 KGM", "2026-09-23",
          R"("inputs":[{"lot":"local:crab-mixed/M-1","quantity":"200 KGM","kind":"composed_of"}])",
          false);
      Move("ezhou-aquatic", i <= 3 ? "super-a" : "super-b", "DN-FF-" + std::to_string(i), lot,
           "150 KGM", "2026-09-24");
    }
    Move("ezhou-aquatic", "lake-restaurants", "DN-M-2", "local:crab-mixed/M-2", "800 KGM",
         "2026-09-24");
  }

  HttpResponse Order(const std::string& id, const std::string& level) {
    return Post("ezhou-amr", R"({"type":"recall","recall_id":")" + id +
                                 R"(","sector":"agriculture","level":")" + level +
                                 R"(","hazard":"malachite green in pond P3","responsible":"lakeside-feed",
        "risk_known_at":"2026-09-27T10:00:00+08:00","seed":{"input_lots":["local:crab-feed/F-2406"]},
        "public_notice":true})",
                At("2026-09-27", "12:00:00"));
  }
};

TEST_F(AgricultureRecallTest, ATaintedPondsCommingledLotsAreRecalledAllAndOnly) {
  BuildChain();
  auto r = Order("RC-AG-1", "1");
  ASSERT_EQ(r.status, 201) << r.body;
  json::value st = Get("ezhou-amr", "/v1/recalls/RC-AG-1");

  std::set<std::string> lots;
  for (const auto& l : st.at("scope").at("lots").as_array()) lots.insert(std::string(l.as_string()));
  std::set<std::string> expected = {"local:crab-feed/F-2406", "local:mitten-crab/P3-0920",
                                    "local:crab-mixed/M-1", "local:crab-mixed/M-2"};
  for (int i = 1; i <= 6; ++i) expected.insert("local:crab-fillet/FF-" + std::to_string(i));
  // Completeness and precision: P3's harvest before the feed, the P1/P5
  // unmixed lots, the other feed lot and the mixed lots' clean sources are out.
  EXPECT_EQ(lots, expected);

  std::set<std::string> parties;
  for (const auto& p : st.at("parties").as_array()) {
    if (p.at("notified").as_bool()) parties.insert(std::string(p.at("party").as_string()));
  }
  EXPECT_EQ(parties, (std::set<std::string>{"lakeside-feed", "liangzi-coop", "ezhou-aquatic",
                                            "super-a", "super-b", "lake-restaurants"}));
  EXPECT_EQ(parties.count("super-c"), 0u);

  // The plan is the agriculture plugin's: level 1 = 24 h, 10 working days.
  const auto& plan = st.at("plan").as_object();
  EXPECT_EQ(plan.at("source").as_string(), "agriculture");
  EXPECT_EQ(plan.at("rule_set").as_string(), "agriculture/2026.1");
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 24);
  EXPECT_EQ(testing::PlanDue(plan, "progress_report"), 24);
  EXPECT_EQ(testing::PlanDue(plan, "complete", "working_days"), 10);
  EXPECT_TRUE(st.at("public_notice").as_bool());
}

// Scenario 1(e)1: pesticide lot PX-2405 was applied on farms A, B and C
// (plots A1, B2, C1, C3); farm D sprayed another lot of the same pesticide.
// The harvests after the application were packed into TLCs (one of them
// merged from B2 and D1) and repacked into 40 retail lots.
TEST_F(AgricultureRecallTest, AContaminatedPesticideLotIsRecalledThroughThePlotsItWasSprayedOn) {
  AddParty("ezhou-amr", "regulator");
  for (const char* p : {"agrochem", "farm-a", "farm-b", "farm-c", "farm-d", "market-1",
                        "market-2", "market-3", "market-4", "market-5"}) {
    AddParty(p, "enterprise");
  }
  AddParty("veg-packer", "enterprise",
           R"("licences":[{"kind":"SC","number":"SC10942070300251",
               "valid_from":"2024-03-01T00:00:00+08:00","valid_to":"2029-03-01T00:00:00+08:00"}])");
  Product("agrochem", "local:chlorpyrifos-ec");
  for (const char* f : {"farm-a", "farm-b", "farm-c", "farm-d"}) {
    Product(f, std::string("local:pakchoi-") + f);
  }
  Product("veg-packer", "local:pakchoi-tlc");
  Product("veg-packer", "local:pakchoi-retail");
  const std::string pesticide =
      R"("attributes":{"input_kind":"pesticide","registration_no":"PD20240571","phi_days":7})";
  Lot("agrochem", "local:chlorpyrifos-ec/PX-2405", "100 LTR", "2026-04-10", pesticide, false);
  Lot("agrochem", "local:chlorpyrifos-ec/PX-2404", "100 LTR", "2026-04-01", pesticide, false);
  const std::map<std::string, std::vector<std::string>> plots = {
      {"farm-a", {"A1"}}, {"farm-b", {"B2"}}, {"farm-c", {"C1", "C3"}}, {"farm-d", {"D1"}}};
  for (const auto& [farm, units] : plots) {
    std::string px = farm == "farm-d" ? "PX-2404" : "PX-2405";
    Move("agrochem", farm, "DN-PX-" + farm, "local:chlorpyrifos-ec/" + px, "10 LTR",
         "2026-04-20");
    for (const auto& u : units) {
      Ok(farm, R"({"type":"unit","unit_id":")" + u + R"(","kind":"plot","sector":"agriculture"})");
    }
  }
  auto harvest = [&](const std::string& farm, const std::string& plot, const std::string& day) {
    std::string lot = "local:pakchoi-" + farm + "/H-" + plot + "-" + day.substr(5);
    Lot(farm, lot, "500 KGM", day,
        R"("units":[{"unit":")" + plot + R"(","time":")" + At(day) +
            R"("}],"attributes":{"category":"vegetable"})",
        true);
    Move(farm, "veg-packer", "DN-" + plot + "-" + day.substr(5), lot, "500 KGM", day);
    return lot;
  };
  // A1 is harvested once before the spraying: that harvest is out.
  std::string a1_early = harvest("farm-a", "A1", "2026-05-01");
  for (const auto& [farm, units] : plots) {
    std::string px = farm == "farm-d" ? "PX-2404" : "PX-2405";
    for (const auto& u : units) {
      Ok(farm, R"({"type":"unit_event","unit":")" + u + R"(","kind":"input_applied","input":")" +
                   "local:chlorpyrifos-ec/" + px +
                   R"(","quantity":"2 LTR","start":")" + At("2026-05-02", "07:00:00") + R"("})",
         At("2026-05-02", "07:00:00"));
    }
  }
  std::map<std::string, std::string> h;  // plot -> harvest after the spraying
  for (const auto& [farm, units] : plots) {
    for (const auto& u : units) h[u] = harvest(farm, u, "2026-05-20");
  }
  // Packed TLCs: one per tainted harvest, B2 merged with the untainted D1,
  // and D1's rest and A1's early harvest on their own.
  auto tlc = [&](const std::string& code, const std::string& inputs, bool merged,
                 const std::string& sources) {
    std::string lot = "local:pakchoi-tlc/" + code;
    Lot("veg-packer", lot, "400 KGM", "2026-05-21", R"("inputs":[)" + inputs + "]", merged,
        sources);
    return lot;
  };
  auto in = [](const std::string& lot, const std::string& kind) {
    return R"({"lot":")" + lot + R"(","quantity":"200 KGM","kind":")" + kind + R"("})";
  };
  std::vector<std::string> tainted_tlcs = {
      tlc("T-A1", in(h["A1"], "composed_of"), false, ""),
      tlc("T-B2", in(h["B2"], "composed_of"), false, ""),
      tlc("T-C1", in(h["C1"], "composed_of"), false, ""),
      tlc("T-C3", in(h["C3"], "composed_of"), false, ""),
      tlc("T-BD", in(h["B2"], "merged_into") + "," + in(h["D1"], "merged_into"), true,
          h["B2"] + "," + h["D1"])};
  std::vector<std::string> clean_tlcs = {tlc("T-D1", in(h["D1"], "composed_of"), false, ""),
                                         tlc("T-A1E", in(a1_early, "composed_of"), false, "")};
  // Repacked into retail lots, 8 per tainted TLC (40) and 4 per clean one,
  // each sold through one of five markets.
  std::set<std::string> retail_expected, retail_clean;
  int n = 0;
  auto repack = [&](const std::string& from, int count, std::set<std::string>& into) {
    for (int i = 0; i < count; ++i, ++n) {
      std::string lot = "local:pakchoi-retail/R-" + std::to_string(n);
      Lot("veg-packer", lot, "50 KGM", "2026-05-22",
          R"("inputs":[{"lot":")" + from + R"(","quantity":"50 KGM","kind":"composed_of"}])",
          false);
      Move("veg-packer", "market-" + std::to_string(1 + n % 4), "DN-R-" + std::to_string(n), lot,
           "50 KGM", "2026-05-23");
      into.insert(lot);
    }
  };
  for (const auto& t : tainted_tlcs) repack(t, 8, retail_expected);
  // market-5 only ever gets clean lots.
  for (const auto& t : clean_tlcs) {
    for (int i = 0; i < 4; ++i, ++n) {
      std::string lot = "local:pakchoi-retail/R-" + std::to_string(n);
      Lot("veg-packer", lot, "50 KGM", "2026-05-22",
          R"("inputs":[{"lot":")" + t + R"(","quantity":"50 KGM","kind":"composed_of"}])", false);
      Move("veg-packer", "market-5", "DN-R-" + std::to_string(n), lot, "50 KGM", "2026-05-23");
      retail_clean.insert(lot);
    }
  }
  ASSERT_EQ(retail_expected.size(), 40u);

  auto r = Post("ezhou-amr", R"({"type":"recall","recall_id":"RC-PX-2405","sector":"agriculture",
      "level":"1","hazard":"chlorpyrifos EC lot PX-2405 contaminated with a banned active",
      "responsible":"agrochem","risk_known_at":"2026-05-26T10:00:00+08:00",
      "seed":{"input_lots":["local:chlorpyrifos-ec/PX-2405"]}})",
                At("2026-05-26", "12:00:00"));
  ASSERT_EQ(r.status, 201) << r.body;
  json::value st = Get("ezhou-amr", "/v1/recalls/RC-PX-2405");
  std::set<std::string> lots, retail;
  for (const auto& l : st.at("scope").at("lots").as_array()) {
    std::string ref(l.as_string());
    lots.insert(ref);
    if (ref.rfind("local:pakchoi-retail/", 0) == 0) retail.insert(ref);
  }
  // Exactly the 40 retail lots, including the 8 merged from B2 and the
  // untainted D1; none from D1 alone or from A1 before the spraying.
  EXPECT_EQ(retail, retail_expected);
  std::set<std::string> expected = retail_expected;
  expected.insert("local:chlorpyrifos-ec/PX-2405");
  for (const char* p : {"A1", "B2", "C1", "C3"}) expected.insert(h[p]);
  expected.insert(tainted_tlcs.begin(), tainted_tlcs.end());
  EXPECT_EQ(lots, expected);
  EXPECT_EQ(lots.count(a1_early), 0u);
  EXPECT_EQ(lots.count(h["D1"]), 0u);
  EXPECT_EQ(lots.count("local:chlorpyrifos-ec/PX-2404"), 0u);

  // Every holder of an implicated lot is notified, and nobody else: farm D
  // and market-5 only ever held clean lots.
  std::set<std::string> parties;
  for (const auto& p : st.at("parties").as_array()) {
    if (p.at("notified").as_bool()) parties.insert(std::string(p.at("party").as_string()));
  }
  EXPECT_EQ(parties, (std::set<std::string>{"agrochem", "farm-a", "farm-b", "farm-c",
                                            "veg-packer", "market-1", "market-2", "market-3",
                                            "market-4"}));
  // Level 1: every consignee is notified at the order, before the 24 h start.
  EXPECT_EQ(testing::PlanDue(st.at("plan").as_object(), "acknowledge"), 24);
}

// Scenario 1(e)3: the certification body suspends the cooperative's organic
// certificate from 05-01 but records it only on 05-06, so harvests labelled
// organic on 05-02 and 05-04 were accepted. A level 3 (false labelling)
// recall seeded at the product window narrowed to lots citing that
// certificate takes exactly those two and the supermarket that received
// one — not the organic harvest of 04-28, not the unlabelled harvest of
// 05-03, not lots citing another certificate.
TEST_F(AgricultureRecallTest, OrganicLotsLabelledAfterTheSuspensionAreRecalledAllAndOnly) {
  AddParty("ezhou-amr", "regulator");
  AddParty("cnca-organic", "certifier");
  for (const char* p : {"liangzi-coop", "super-a", "super-b"}) AddParty(p, "enterprise");
  Product("liangzi-coop", "local:mitten-crab");
  Ok("liangzi-coop", R"({"type":"unit","unit_id":"P1","kind":"pond","sector":"agriculture"})");
  for (const char* id : {"OC-123-2026-0042", "OC-123-2026-0043"}) {
    Ok("cnca-organic", R"({"type":"certificate","cert_id":")" + std::string(id) +
                           R"(","kind":"organic","standard":"GB/T 19630",
        "subject_party":"liangzi-coop","subject_product":"local:mitten-crab",
        "valid_from":"2026-01-01T00:00:00+08:00","valid_to":"2026-12-31T00:00:00+08:00",
        "attributes":{"cb_code":"123"}})",
       At("2026-01-01", "09:00:00"));
  }
  // A harvest from pond P1 with its commitment certificate, labelled organic
  // under `cert` when given.
  auto harvest = [&](const std::string& code, const std::string& day, const std::string& cert,
                     const std::string& organic_code = "") {
    std::string lot = "local:mitten-crab/" + code;
    std::string certs = R"({"cert_id":"HG-)" + code + R"(","standard":"承诺达标合格证"})";
    std::string attrs = R"("category":"aquatic")";
    if (!cert.empty()) {
      certs += R"(,{"cert_id":")" + cert + R"(","standard":"GB/T 19630"})";
      attrs += R"(,"organic_code":")" + organic_code + R"(")";
    }
    Ok("liangzi-coop", R"({"type":"lot","lot":")" + lot + R"(","quantity":"800 KGM",
        "production_time":")" + At(day) + R"(","units":[{"unit":"P1","time":")" + At(day) +
                           R"("}],"certificates":[)" + certs + R"(],"attributes":{)" + attrs + "}}",
       At(day, "07:00:00"));
    Ok("liangzi-coop", R"({"type":"certificate","cert_id":"HG-)" + code +
                           R"(","kind":"commitment","standard":"承诺达标合格证","subject_lot":")" +
                           lot + R"(","valid_from":")" + At(day) + R"(","valid_to":")" +
                           At("2026-12-31") + R"(","attributes":{"basis":"self_test"}})",
       At(day, "07:00:00"));
  };
  harvest("ORG-0428", "2026-04-28", "OC-123-2026-0042", "12326000000000001");
  harvest("ORG-0502", "2026-05-02", "OC-123-2026-0042", "12326000000000002");
  harvest("PLAIN-0503", "2026-05-03", "");
  harvest("ORG-0504", "2026-05-04", "OC-123-2026-0042", "12326000000000004");
  harvest("OTHER-0504", "2026-05-04", "OC-123-2026-0043", "12326000000000005");
  Move("liangzi-coop", "super-a", "DN-1", "local:mitten-crab/ORG-0502", "800 KGM", "2026-05-05");
  Move("liangzi-coop", "super-b", "DN-2", "local:mitten-crab/ORG-0428", "800 KGM", "2026-05-05");
  Move("liangzi-coop", "super-b", "DN-3", "local:mitten-crab/PLAIN-0503", "800 KGM", "2026-05-05");
  Ok("cnca-organic", R"({"type":"certificate_status","cert_id":"OC-123-2026-0042",
      "status":"suspended","effective":"2026-05-01T00:00:00+08:00","reason":"residue found"})",
     At("2026-05-06", "09:00:00"));

  // The regulator's candidate list finds them before anyone orders a recall.
  int asked = 0;  // a signed request is used once: each one names its attempt
  auto candidates = [&] {
    std::map<std::string, std::set<std::string>> out;
    json::object o = Get("ezhou-amr", "/v1/recalls/candidates?n=" + std::to_string(++asked));
    for (const auto& c : o.at("candidates").as_array()) {
      auto& lots = out[std::string(c.at("certificate").as_string())];
      EXPECT_EQ(c.at("status").as_string(), "suspended");
      EXPECT_EQ(c.at("since").as_string(), "2026-04-30T16:00:00Z");
      for (const auto& l : c.at("lots").as_array()) lots.insert(std::string(l.at("lot").as_string()));
    }
    return out;
  };
  EXPECT_EQ(candidates(), (std::map<std::string, std::set<std::string>>{
                              {"OC-123-2026-0042",
                               {"local:mitten-crab/ORG-0502", "local:mitten-crab/ORG-0504"}}}));
  EXPECT_EQ(SignedGet("super-a", "/v1/recalls/candidates").status, 403);

  auto r = Post("ezhou-amr", R"({"type":"recall","recall_id":"RC-AG-ORG","sector":"agriculture",
      "level":"3","hazard":"organic label after the certificate's suspension",
      "responsible":"liangzi-coop","seed":{"product_windows":[{"product":"local:mitten-crab",
      "from":"2026-05-01T00:00:00+08:00","to":"2026-05-06T09:00:00+08:00",
      "certificate":"OC-123-2026-0042"}]}})",
                At("2026-05-07", "10:00:00"));
  ASSERT_EQ(r.status, 201) << r.body;
  json::object st = Get("ezhou-amr", "/v1/recalls/RC-AG-ORG");
  std::set<std::string> lots;
  for (const auto& l : st.at("scope").as_object().at("lots").as_array()) {
    lots.insert(std::string(l.as_string()));
  }
  EXPECT_EQ(lots, (std::set<std::string>{"local:mitten-crab/ORG-0502",
                                         "local:mitten-crab/ORG-0504"}))
      << json::serialize(st.at("scope"));
  // The body whose certificate is in question is told, for information.
  EXPECT_EQ(Parties(st), (std::set<std::string>{"cnca-organic", "liangzi-coop", "super-a"}))
      << json::serialize(st.at("parties"));
  for (const auto& p : st.at("parties").as_array()) {
    const auto& o = p.as_object();
    const auto* info = o.if_contains("for_information");
    EXPECT_EQ(info != nullptr && info->as_bool(), o.at("party").as_string() == "cnca-organic")
        << json::serialize(o);
  }
  EXPECT_EQ(testing::PlanDue(st.at("plan").as_object(), "acknowledge"), 72);
  // Once recalled, they are no longer candidates.
  EXPECT_TRUE(candidates().empty());

  // Narrowed by an attribute instead (the organic code printed on ORG-0504's
  // label): only that lot.
  r = Post("ezhou-amr", R"({"type":"recall","recall_id":"RC-AG-ORG-2","sector":"agriculture",
      "level":"3","hazard":"one label","responsible":"liangzi-coop",
      "seed":{"product_windows":[{"product":"local:mitten-crab",
      "from":"2026-04-01T00:00:00+08:00","to":"2026-05-06T09:00:00+08:00",
      "attributes":{"organic_code":"12326000000000004"}}]}})",
           At("2026-05-07", "11:00:00"));
  ASSERT_EQ(r.status, 201) << r.body;
  st = Get("ezhou-amr", "/v1/recalls/RC-AG-ORG-2");
  ASSERT_EQ(st.at("scope").as_object().at("lots").as_array().size(), 1u)
      << json::serialize(st.at("scope"));
  EXPECT_EQ(st.at("scope").as_object().at("lots").as_array()[0].as_string(),
            "local:mitten-crab/ORG-0504");
}

TEST_F(AgricultureRecallTest, FoodRecallLevelsSetTheDeadlines) {
  BuildChain();
  auto bad = Post("ezhou-amr", R"({"type":"recall","recall_id":"RC-AG-X","sector":"agriculture",
      "level":"A","responsible":"lakeside-feed","seed":{"input_lots":["local:crab-feed/F-2406"]}})",
                  At("2026-09-27", "12:00:00"));
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(json::parse(bad.body).at("reason").as_string(), "recall_level_unknown") << bad.body;

  // Level 3 (false labelling): 72 h, 30 working days.
  ASSERT_EQ(Order("RC-AG-3", "3").status, 201);
  json::value st = Get("ezhou-amr", "/v1/recalls/RC-AG-3");
  const auto& plan = st.at("plan").as_object();
  EXPECT_EQ(testing::PlanDue(plan, "acknowledge"), 72);
  EXPECT_EQ(testing::PlanDue(plan, "complete", "working_days"), 30);
}

}  // namespace
}  // namespace qtrace
