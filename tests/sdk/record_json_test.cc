// The JSON mapping of every record type (record_json.h): canonical examples
// that parse, verify and render back to themselves and to the same bytes;
// alternative spellings; and rejections that name the field.
#include "qtrace/record_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <set>
#include <string>

#include "qtrace/record.h"

namespace qtrace {
namespace {

namespace json = boost::json;

struct Example {
  std::string_view name;
  std::string_view json;  // canonical: exactly what RecordToJson renders
};

// One canonical example per record type (three for unit events), with every
// field the type has, so a field the renderer forgets shows up as a diff.
constexpr Example kExamples[] = {
    {"genesis", R"json({
      "type": "genesis", "party": "qtrace-host", "event_time": "2026-01-01T00:00:00Z",
      "note": "trust root",
      "origin": "qtrace.ezhou.gov.cn/log", "host_party": "qtrace-host",
      "host_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
      "admin_party": "ezhou-samr", "admin_name": "Ezhou market supervision",
      "admin_keys": ["PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=",
                     "/FHNjmIYoaONpH7QAjDwWAgW7RO6MwOsXeuRFUiQgCU="]})json"},
    {"party", R"json({
      "type": "party", "party": "ezhou-samr", "event_time": "2026-01-02T09:00:00+08:00",
      "party_id": "914403001922038216", "name": "Coop Liangzi Crab",
      "roles": ["enterprise", "lab"], "sectors": ["agriculture", "pharma"],
      "licences": [{"kind": "SC", "number": "SC10642070000011", "scope": "aquatic products",
                    "valid_from": "2025-01-01T00:00:00+08:00",
                    "valid_to": "2030-01-01T00:00:00+08:00"},
                   {"kind": "aquaculture", "number": "AQ-7"}],
      "keys": ["11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
      "gln": "6901234000004", "admin_area": "420700",
      "webhook": "https://coop.example/recalls"})json"},
    {"key_rotation", R"json({
      "type": "key_rotation", "party": "914403001922038216",
      "event_time": "2026-02-01T10:00:00+08:00",
      "party_id": "914403001922038216",
      "new_key": "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=",
      "retire_key_id": "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"})json"},
    {"key_revocation", R"json({
      "type": "key_revocation", "party": "ezhou-samr", "event_time": "2026-02-02T10:00:00+08:00",
      "party_id": "914403001922038216",
      "key_id": "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9",
      "compromised_since": "2026-01-30T00:00:00+08:00", "reason": "laptop stolen"})json"},
    {"product", R"json({
      "type": "product", "party": "914403001922038216", "event_time": "2026-02-03T10:00:00+08:00",
      "scheme": "gtin", "product_id": "06901234567892", "owner": "914403001922038216",
      "sector": "agriculture", "name": "Hairy crab 250 g", "default_unit": "KGM",
      "attributes": {"species": "Eriocheir sinensis", "grade": 2, "organic": true,
                     "min_weight": {"decimal": "0.250"},
                     "listed": {"time": "2026-02-03T02:00:00Z"}}})json"},
    {"unit", R"json({
      "type": "unit", "party": "914403001922038216", "event_time": "2026-02-04T10:00:00+08:00",
      "unit_id": "pond-3", "kind": "pond", "site": "420700 Liangzi Lake east shore",
      "sector": "agriculture", "attributes": {"area_mu": 40}})json"},
    {"unit_event", R"json({
      "type": "unit_event", "party": "914403001922038216",
      "event_time": "2026-03-01T07:00:00+08:00",
      "unit": "pond-3", "kind": "input_applied",
      "input": "national:PD20152541/F-2026-02", "quantity": "2.50 KGM",
      "start": "2026-03-01T07:00:00+08:00", "end": "2026-03-08T07:00:00+08:00",
      "attributes": {"method": "spray", "dose_g_per_mu": {"decimal": "62.5"}}})json"},
    {"unit_event", R"json({
      "type": "unit_event", "party": "914403001922038216",
      "event_time": "2026-05-01T07:00:00+08:00",
      "unit": "pond-3", "kind": "emptied", "start": "2026-05-01T07:00:00+08:00"})json"},
    {"unit_event", R"json({
      "type": "unit_event", "party": "914403001922038216",
      "event_time": "2026-05-02T07:00:00+08:00",
      "unit": "furnace-1", "kind": "process_run",
      "start": "2026-05-02T07:00:00+08:00", "end": "2026-05-02T09:30:00+08:00",
      "run_id": "R-0502-1", "attributes": {"peak_c": 870}})json"},
    {"unit_event", R"json({
      "type": "unit_event", "party": "914403001922038216",
      "event_time": "2026-10-03T09:00:00+08:00",
      "unit": "cold-room-C", "kind": "stored", "input": "national:86900002000018/V-2409",
      "start": "2026-10-03T09:00:00+08:00", "end": "2026-10-09T17:00:00+08:00",
      "serials": ["SSCC-069012340000000017", "81234589000000000004"],
      "attributes": {"setpoint_c": {"decimal": "5.0"}}})json"},
    {"lot", R"json({
      "type": "lot", "party": "914403001922038216", "event_time": "2026-06-20T08:30:00+08:00",
      "note": "first harvest of the season",
      "epcis": {
        "event_id": "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0",
        "action": "ADD", "biz_step": "commissioning", "disposition": "active",
        "read_point": "urn:epc:id:sgln:6901234.00001.0",
        "biz_location": "urn:epc:id:sgln:6901234.00001.1",
        "biz_transactions": [{"type": "po", "id": "http://transaction.acme.com/po/12345678"},
                             {"id": "urn:epcglobal:cbv:bt:0614141073467:1152"}],
        "sources": [{"type": "owning_party", "id": "urn:epc:id:pgln:6901234.00001"}],
        "destinations": [{"type": "location", "id": "urn:epc:id:sgln:6901234.00777.0"}],
        "persistent_disposition_set": ["completeness_verified"],
        "persistent_disposition_unset": ["completeness_inferred"],
        "epcs": ["urn:epc:id:sscc:6901234.0000000001"],
        "input_epcs": ["urn:epc:id:sgtin:6901234.067890.7"],
        "transformation_id": "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "certification_info": ["https://cert.example/organic/123"],
        "sensors": [{"device_id": "urn:epc:id:giai:6901234.T1",
                     "time": "2026-06-20T08:00:00+08:00",
                     "raw_metadata": "{\"bizRules\":\"https://rules.example\"}",
                     "reports": [{"type": "gs1:Temperature", "device_id": "urn:epc:id:giai:6901234.T1",
                                  "time": "2026-06-20T07:59:00+08:00", "value": "4.50",
                                  "min_value": "2.25", "max_value": "6.00", "uom": "CEL",
                                  "component": "x", "raw": "{\"sDev\":0.1}"},
                                 {"type": "gs1:Humidity", "value": "0"}]}],
        "extensions": {"example:myField": "Example of a vendor/user extension"},
        "ilmd": {"cbvmda:lotNumber": "P3-0620", "cbvmda:countryOfOrigin": "CN"},
        "record_time": "2026-06-20T09:00:00Z"},
      "lot": "gtin:06901234567892/P3-0620", "quantity": "1200.50 KGM",
      "production_time": "2026-06-20T06:00:00+08:00",
      "expiry_time": "2026-06-27T06:00:00+08:00",
      "site": "urn:epc:id:sgln:6901234.00001.0",
      "inputs": [{"lot": "local:coop-lz.crab/P3-seed", "quantity": "3 KGM", "kind": "composed_of"},
                 {"lot": "national:PD20152541/F-2026-02", "quantity": "0.5 KGM",
                  "kind": "applied_to"}],
      "units": [{"unit": "pond-3", "start": "2026-06-20T05:00:00+08:00",
                 "end": "2026-06-20T06:00:00+08:00"}],
      "attributes": {"species": "Eriocheir sinensis", "pond_count": 1,
                     "strength": {"decimal": "42.50"},
                     "harvested": {"time": "2026-06-19T22:00:00Z"}, "wild": false},
      "certificates": [{"cert_id": "OC-2026-77", "standard": "GB/T 19630"},
                       {"cert_id": "HG-1"}],
      "serials": ["C-0001", "C-0002"]})json"},
    {"aggregation", R"json({
      "type": "aggregation", "party": "914403001922038216",
      "event_time": "2026-06-20T10:00:00+08:00",
      "action": "pack", "parent": "urn:epc:id:sscc:6901234.0000000001",
      "children": ["C-0001", "C-0002"],
      "child_lots": [{"lot": "gtin:06901234567892/P3-0620", "quantity": "25 KGM",
                      "serials": ["C-0001"]},
                     {"lot": "local:coop-lz.crab/P3-0620", "quantity": "10 H87"}]})json"},
    {"aggregation", R"json({
      "type": "aggregation", "party": "914403001922038216",
      "event_time": "2026-06-21T10:00:00+08:00",
      "action": "unpack", "parent": "urn:epc:id:sscc:6901234.0000000001",
      "children": ["C-0001"]})json"},
    {"shipment", R"json({
      "type": "shipment", "party": "914403001922038216", "event_time": "2026-06-21T14:00:00+08:00",
      "shipment_id": "BOL-2026-0621-01", "to": "91330100716105852F",
      "items": [{"lot": "gtin:06901234567892/P3-0620", "quantity": "500 KGM",
                 "serials": ["C-0001", "C-0002"]},
                {"lot": "local:coop-lz.crab/P3-0620", "quantity": "20.000 TNE"}],
      "containers": ["urn:epc:id:sscc:6901234.0000000001"]})json"},
    {"receipt", R"json({
      "type": "receipt", "party": "91330100716105852F", "event_time": "2026-06-22T09:00:00+08:00",
      "from": "914403001922038216", "shipment_id": "BOL-2026-0621-01",
      "items": [{"lot": "gtin:06901234567892/P3-0620", "quantity": "499.5 KGM"}]})json"},
    {"disposition", R"json({
      "type": "disposition", "party": "91330100716105852F",
      "event_time": "2026-06-23T09:00:00+08:00",
      "kind": "destroyed",
      "items": [{"lot": "gtin:06901234567892/P3-0620", "quantity": "12 KGM"}]})json"},
    {"adjustment", R"json({
      "type": "adjustment", "party": "91330100716105852F",
      "event_time": "2026-06-24T09:00:00+08:00",
      "lot": "gtin:06901234567892/P3-0620", "delta": "-0.75 KGM", "reason": "weighing loss"})json"},
    {"lot_status", R"json({
      "type": "lot_status", "party": "914403001922038216",
      "event_time": "2026-06-25T09:00:00+08:00",
      "lot": "gtin:06901234567892/P3-0620", "status": "on_hold",
      "reason": "lab result pending"})json"},
    {"error_declaration", R"json({
      "type": "error_declaration", "party": "914403001922038216",
      "event_time": "2026-06-26T09:00:00+08:00",
      "corrected": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      "corrective": ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
      "reason": "incorrect_data"})json"},
    {"certificate", R"json({
      "type": "certificate", "party": "organic-cb", "event_time": "2026-01-05T09:00:00+08:00",
      "cert_id": "ORG-2026-001", "kind": "organic", "standard": "GB/T 19630",
      "subject_party": "liangzi-coop", "subject_product": "local:mitten-crab",
      "subject_lot": "local:mitten-crab/P3-0920", "subject_unit": "P3",
      "scope": "aquaculture", "valid_from": "2026-01-01T00:00:00Z",
      "valid_to": "2027-01-01T00:00:00Z",
      "attributes": {"cb_code": "123", "star": 3, "tested_speed": {"decimal": "80.5"}}})json"},
    {"certificate_status", R"json({
      "type": "certificate_status", "party": "organic-cb", "event_time": "2026-05-01T09:00:00+08:00",
      "cert_id": "ORG-2026-001", "status": "suspended",
      "effective": "2026-05-01T00:00:00Z", "reason": "residue found"})json"},
    {"inspection", R"json({
      "type": "inspection", "party": "food-lab", "event_time": "2026-10-01T09:00:00+08:00",
      "inspection_id": "SC-2026-0001", "kind": "spot_check",
      "lot": "gtin:06901234567892/RB-02", "sample_id": "S-77",
      "items": [{"name": "malachite green", "value": "0.0042", "unit": "mg/kg", "max": "0.0010",
                 "pass": false},
                {"name": "cadmium", "value": "0.05", "unit": "mg/kg", "min": "0.00", "max": "0.50",
                 "pass": true}],
      "result": "fail", "report_no": "R-2026-118", "accreditation": "CMA-2019-0117"})json"},
    {"rule_parameters", R"json({
      "type": "rule_parameters", "party": "ezhou-samr", "event_time": "2026-01-10T09:00:00+08:00",
      "sector": "agriculture", "set_id": "ag-2026-1",
      "params": {"phi_days_default": 7, "backdating_days": 30, "organic_share_min": {"decimal": "0.95"}}})json"},
    {"recall", R"json({
      "type": "recall", "party": "ezhou-amr", "event_time": "2026-10-02T09:00:00+08:00",
      "recall_id": "RC-2026-001", "sector": "agriculture", "level": "1",
      "hazard": "banned veterinary drug residue", "reason": "spot check SC-2026-0001",
      "depth": "consumer", "responsible": "lakeside-feed",
      "risk_known_at": "2026-10-01T18:00:00+08:00",
      "seed": {"lots": ["gtin:06901234567892/RB-02"], "serials": ["81234567890123456781"],
               "input_lots": ["local:crab-feed/F-2406"],
               "product_windows": [{"product": "gtin:06901234567892", "site": "420703",
                                    "from": "2026-09-01T00:00:00Z", "to": "2026-09-30T00:00:00Z",
                                    "attributes": {"heat_no": "H", "claim": "organic"},
                                    "certificate": "ORG-2026-0042"}],
               "unit_windows": [{"owner": "blade-maker", "unit": "braze-1",
                                 "start": "2026-04-02T01:00:00Z", "end": "2026-04-02T03:30:00Z"}]},
      "public_notice": true})json"},
    {"recall_notice", R"json({
      "type": "recall_notice", "party": "qtrace-host", "event_time": "2026-10-02T09:00:01+08:00",
      "recall_id": "RC-2026-001", "notified_party": "super-a", "round": 1,
      "lots": [{"lot": "gtin:06901234567892/RB-01", "held": "380 KGM", "received": "400 KGM",
                "serials": ["81234567890123456781"]}],
      "ack_due": "2026-10-03T01:00:00Z", "report_every_hours": 24,
      "complete_due": "2026-10-16T01:00:00Z", "scope_as_of": 118,
      "scope_digest": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})json"},
    {"recall_ack", R"json({
      "type": "recall_ack", "party": "super-a", "event_time": "2026-10-02T12:00:00+08:00",
      "recall_id": "RC-2026-001", "note": "stopped sale, quarantined 380 kg"})json"},
    {"recall_progress", R"json({
      "type": "recall_progress", "party": "super-a", "event_time": "2026-10-03T12:00:00+08:00",
      "recall_id": "RC-2026-001",
      "items": [{"lot": "gtin:06901234567892/RB-01", "recovered": "12 KGM", "destroyed": "380 KGM",
                 "consumed": "8 KGM", "corrected": "0 KGM"}],
      "evidence": ["disposal-cert-2026-118.pdf"], "note": "destroyed under supervision"})json"},
    {"recall_transition", R"json({
      "type": "recall_transition", "party": "lakeside-feed", "event_time": "2026-10-10T12:00:00+08:00",
      "recall_id": "RC-2026-001", "to": "completed_by_firm", "reason": "all consignees done",
      "evidence": ["summary-report.pdf"], "outcome": "destroyed"})json"},
    {"recall_widen", R"json({
      "type": "recall_widen", "party": "ezhou-amr", "event_time": "2026-10-11T12:00:00+08:00",
      "recall_id": "RC-2026-001", "seed": {"input_lots": ["local:crab-feed/F-2407"]},
      "reason": "not thorough"})json"},
    {"recall_overdue", R"json({
      "type": "recall_overdue", "party": "qtrace-host", "event_time": "2026-10-03T02:00:00+08:00",
      "recall_id": "RC-2026-001", "notified_party": "lake-restaurants", "what": "acknowledgement",
      "due": "2026-10-03T01:00:00Z"})json"},
};

json::object ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << text;
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

const Example& ExampleOf(std::string_view name) {
  for (const Example& e : kExamples) {
    if (e.name == name) return e;
  }
  ADD_FAILURE() << "no example " << name;
  return kExamples[0];
}

StatusOr<std::string> Build(const json::object& o) { return RecordFromJson(o); }

TEST(RecordJsonTest, EveryRecordTypeHasAnExample) {
  std::set<std::string_view> covered;
  for (const Example& e : kExamples) covered.insert(e.name);
  for (auto type : fb::EnumValuesBody()) {
    if (type == fb::Body::NONE) continue;
    EXPECT_TRUE(covered.count(BodyTypeName(type)))
        << "no JSON example for " << BodyTypeName(type);
  }
}

TEST(RecordJsonTest, ExamplesParseVerifyRenderBackAndRoundTripToTheSameBytes) {
  for (const Example& e : kExamples) {
    SCOPED_TRACE(std::string(e.name));
    auto bytes = RecordFromJson(e.json);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto rec = VerifyRecordPayload(*bytes);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    EXPECT_EQ(BodyTypeName((*rec)->body_type()), e.name);

    // Rendering gives back exactly the canonical input: no field is dropped,
    // renamed or reformatted.
    json::object rendered = RecordToJsonObject(**rec);
    json::object expected = ParseObject(e.json);
    EXPECT_EQ(json::value(rendered), json::value(expected))
        << "rendered: " << json::serialize(rendered);

    // The rendered text parses back to the identical flatbuffer bytes.
    std::string text = RecordToJson(**rec);
    auto again = RecordFromJson(text);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text;
    EXPECT_EQ(*again, *bytes) << text;
    // And parsing is deterministic.
    EXPECT_EQ(*RecordFromJson(e.json), *bytes);
  }
}

TEST(RecordJsonTest, ParsedRecordsCarryTheStatedValues) {
  auto bytes = RecordFromJson(ExampleOf("lot").json);
  ASSERT_TRUE(bytes.ok());
  const fb::Record* r = *VerifyRecordPayload(*bytes);
  EXPECT_EQ(r->header()->party()->str(), "914403001922038216");
  EXPECT_EQ(r->header()->event_time()->micros(), 1781915400LL * 1000000);
  EXPECT_EQ(r->header()->event_time()->offset_minutes(), 480);
  const fb::LotRegistration* lot = r->body_as_LotRegistration();
  EXPECT_EQ(lot->lot()->scheme(), fb::IdScheme::GTIN);
  EXPECT_EQ(lot->lot()->product()->str(), "06901234567892");
  EXPECT_EQ(lot->lot()->lot()->str(), "P3-0620");
  EXPECT_EQ(lot->quantity()->value(), 120050);
  EXPECT_EQ(lot->quantity()->scale(), 2);
  EXPECT_EQ(lot->quantity()->unit()->str(), "KGM");
  ASSERT_EQ(lot->inputs()->size(), 2u);
  EXPECT_EQ(lot->inputs()->Get(1)->kind(), fb::EdgeKind::APPLIED_TO);
  EXPECT_EQ(lot->inputs()->Get(1)->lot()->scheme(), fb::IdScheme::NATIONAL);
  const auto* attrs = lot->attributes();
  ASSERT_EQ(attrs->size(), 5u);
  EXPECT_EQ(attrs->Get(2)->key()->str(), "strength");
  EXPECT_EQ(attrs->Get(2)->type(), fb::AttrType::DECIMAL);
  EXPECT_EQ(attrs->Get(2)->num(), 4250);
  EXPECT_EQ(attrs->Get(2)->scale(), 2);
  EXPECT_EQ(attrs->Get(3)->type(), fb::AttrType::TIME);
  const fb::EpcisContext* epcis = r->header()->epcis();
  ASSERT_NE(epcis, nullptr);
  const fb::SensorReport* rep = epcis->sensors()->Get(0)->reports()->Get(0);
  EXPECT_EQ(rep->value(), 450);
  EXPECT_EQ(rep->min_value(), 225);
  EXPECT_EQ(rep->max_value(), 600);
  EXPECT_EQ(rep->scale(), 2);
}

// ---- alternative spellings ------------------------------------------------------

struct Spelling {
  std::string_view what;
  std::string_view example;                    // base example
  std::function<void(json::object&)> canonical;  // applied to both
  std::function<void(json::object&)> alternative;
};

TEST(RecordJsonTest, AlternativeSpellingsGiveTheSameBytes) {
  const Spelling kSpellings[] = {
      {"lot ref as an object", "adjustment", nullptr,
       [](json::object& o) {
         o["lot"] = {{"scheme", "gtin"}, {"product", "06901234567892"}, {"lot", "P3-0620"}};
       }},
      {"quantity as {value, unit} with a string value", "adjustment", nullptr,
       [](json::object& o) { o["delta"] = {{"value", "-0.75"}, {"unit", "KGM"}}; }},
      {"quantity as {value, unit} with an integer value", "adjustment",
       [](json::object& o) { o["delta"] = "-3 KGM"; },
       [](json::object& o) { o["delta"] = {{"value", -3}, {"unit", "KGM"}}; }},
      {"a date alone is midnight UTC", "adjustment",
       [](json::object& o) { o["event_time"] = "2026-06-24T00:00:00Z"; },
       [](json::object& o) { o["event_time"] = "2026-06-24"; }},
      {"+00:00 is Z", "adjustment",
       [](json::object& o) { o["event_time"] = "2026-06-24T01:02:03Z"; },
       [](json::object& o) { o["event_time"] = "2026-06-24T01:02:03+00:00"; }},
      {"null is absent", "adjustment", nullptr,
       [](json::object& o) { o["note"] = nullptr; }},
      {"unit use at an instant", "lot",
       [](json::object& o) {
         o["units"] = json::array{{{"unit", "pond-3"}, {"start", "2026-06-20T05:00:00+08:00"},
                                   {"end", "2026-06-20T05:00:00+08:00"}}};
       },
       [](json::object& o) {
         o["units"] = json::array{{{"unit", "pond-3"}, {"time", "2026-06-20T05:00:00+08:00"}}};
       }},
      {"input kind defaults to composed_of", "lot",
       [](json::object& o) {
         o["inputs"] = json::array{{{"lot", "local:coop-lz.crab/P3-seed"},
                                    {"quantity", "3 KGM"}, {"kind", "composed_of"}}};
       },
       [](json::object& o) {
         o["inputs"] = json::array{{{"lot", "local:coop-lz.crab/P3-seed"},
                                    {"quantity", "3 KGM"}}};
       }},
      {"a JSON number attribute is a decimal", "unit_event", nullptr,
       [](json::object& o) { o["attributes"].as_object()["dose_g_per_mu"] = 62.5; }},
      {"uppercase hex", "error_declaration", nullptr,
       [](json::object& o) {
         o["corrected"] = json::array{
             "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"};
       }},
  };
  for (const Spelling& s : kSpellings) {
    SCOPED_TRACE(std::string(s.what));
    json::object canonical = ParseObject(ExampleOf(s.example).json);
    if (s.canonical) s.canonical(canonical);
    json::object alternative = canonical;
    s.alternative(alternative);
    ASSERT_NE(json::value(alternative), json::value(canonical)) << "the test changes nothing";
    auto a = Build(canonical);
    auto b = Build(alternative);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(*a, *b);
  }
}

TEST(RecordJsonTest, KeyOrderDoesNotChangeTheBytes) {
  for (const Example& e : kExamples) {
    json::object o = ParseObject(e.json);
    json::object reversed;
    std::vector<std::pair<std::string, json::value>> kv;
    for (const auto& p : o) kv.emplace_back(std::string(p.key()), p.value());
    for (auto it = kv.rbegin(); it != kv.rend(); ++it) reversed[it->first] = it->second;
    EXPECT_EQ(*Build(o), *Build(reversed)) << e.name;
  }
}

// ---- rejections -------------------------------------------------------------------

struct Rejection {
  std::string_view example;
  std::function<void(json::object&)> mutate;
  std::string_view message;  // expected substring, starting with the field path
};

json::object& At(json::value& v) { return v.as_object(); }

TEST(RecordJsonTest, RejectionsNameTheField) {
  const Rejection kCases[] = {
      // unknown fields, at every depth
      {"lot", [](json::object& o) { o["colour"] = "red"; }, "colour: unknown field"},
      {"lot", [](json::object& o) { At(o["inputs"].as_array()[0])["extra"] = 1; },
       "inputs[0].extra: unknown field"},
      {"lot", [](json::object& o) { At(o["epcis"])["bogus"] = 1; }, "epcis.bogus: unknown field"},
      {"lot",
       [](json::object& o) {
         At(At(o["epcis"])["sensors"].as_array()[0].as_object()["reports"].as_array()[1])["x"] = 1;
       },
       "epcis.sensors[0].reports[1].x: unknown field"},
      {"lot", [](json::object& o) { At(o["epcis"])["biz_transactions"].as_array()[0].as_object()["t"] = 1; },
       "epcis.biz_transactions[0].t: unknown field"},
      {"lot",
       [](json::object& o) {
         o["lot"] = {{"scheme", "gtin"}, {"product", "06901234567892"}, {"lot", "A"}, {"x", 1}};
       },
       "lot.x: unknown field"},
      {"lot", [](json::object& o) { o["units"].as_array()[0].as_object()["time"] = "2026-06-20"; },
       "units[0].start: unknown field"},
      {"lot", [](json::object& o) { o["certificates"].as_array()[0].as_object()["until"] = 1; },
       "certificates[0].until: unknown field"},
      {"adjustment", [](json::object& o) { o["delta"] = {{"value", "1"}, {"unit", "KGM"}, {"u", 1}}; },
       "delta.u: unknown field"},
      // wrong types
      {"lot", [](json::object& o) { o["quantity"] = 5; },
       "quantity: must be \"1200.5 KGM\" or {value, unit}"},
      {"lot", [](json::object& o) { o["serials"] = "C-1"; }, "serials: must be an array"},
      {"lot", [](json::object& o) { o["serials"] = json::array{1}; }, "serials[0]: must be a string"},
      {"lot", [](json::object& o) { o["inputs"] = json::object{}; }, "inputs: must be an array"},
      {"lot", [](json::object& o) { o["inputs"] = json::array{1}; }, "inputs[0]: must be an object"},
      {"lot", [](json::object& o) { o["party"] = 7; }, "party: must be a string"},
      {"lot", [](json::object& o) { o["epcis"] = "x"; }, "epcis: must be an object"},
      {"lot", [](json::object& o) { o["attributes"] = json::array{}; },
       "attributes: must be an object of key: value"},
      {"lot", [](json::object& o) { At(o["attributes"])["x"] = json::array{1}; },
       "attributes.x: unsupported attribute value"},
      {"lot", [](json::object& o) { At(o["attributes"])["x"] = {{"foo", 1}}; },
       "attributes.x: an object attribute must be"},
      {"lot", [](json::object& o) { At(o["attributes"])["x"] = 1e300; },
       "attributes.x: write this number as {\"decimal\": \"...\"}"},
      {"lot", [](json::object& o) { At(o["attributes"])["x"] = {{"decimal", "1.2.3"}}; },
       "attributes.x: '1.2.3' is not a decimal number"},
      {"lot", [](json::object& o) { At(o["attributes"])["x"] = {{"time", "yesterday"}}; },
       "attributes.x.time: bad time 'yesterday'"},
      {"lot", [](json::object& o) { At(o["attributes"])[std::string(65, 'k')] = 1; },
       "attributes.kkkk"},
      {"lot", [](json::object& o) { At(o["epcis"])["epcs"] = json::array{"a", 2}; },
       "epcis.epcs[1]: must be a string"},
      // bad lot references
      {"lot", [](json::object& o) { o["lot"] = "gtin06901234567892/P3"; },
       "lot: lot reference 'gtin06901234567892/P3' must look like scheme:product/lot"},
      {"lot", [](json::object& o) { o["lot"] = "gtin:/P3"; }, "lot: lot reference"},
      {"lot", [](json::object& o) { o["lot"] = "gtin:06901234567892/"; }, "lot: lot reference"},
      {"lot", [](json::object& o) { o["lot"] = "gtin:06901234567892"; }, "lot: lot reference"},
      {"lot", [](json::object& o) { o["lot"] = "ean:06901234567892/P3"; },
       "lot: identifier scheme must be gtin, national or local, got 'ean'"},
      {"lot", [](json::object& o) { o["lot"] = "gtin:06901234567891/P3"; },
       "lot.product: GTIN 06901234567891 has a wrong check digit (expected 2)"},
      {"lot", [](json::object& o) { o["lot"] = "gtin:6901234567892/P3"; },
       "lot.product: GTIN must be 14 digits"},
      {"lot", [](json::object& o) { o["lot"] = "local:a b/P3"; },
       "lot.product 'a b' may only use A-Z a-z 0-9 . _ - :"},
      {"lot", [](json::object& o) { o["lot"] = "local:x/" + std::string(65, 'L'); },
       "lot: lot code must have 1-64 characters"},
      {"lot", [](json::object& o) { o["lot"] = 42; },
       "lot: must be \"scheme:product/lot\" or {scheme, product, lot}"},
      {"lot", [](json::object& o) { o["lot"] = {{"scheme", "local"}, {"product", "x"}}; },
       "lot.lot: is required"},
      {"lot", [](json::object& o) { o["lot"] = {{"scheme", "upc"}, {"product", "x"}, {"lot", "y"}}; },
       "lot.scheme: identifier scheme"},
      {"lot", [](json::object& o) { At(o["inputs"].as_array()[1])["lot"] = "nope"; },
       "inputs[1].lot: lot reference 'nope'"},
      {"shipment", [](json::object& o) { At(o["items"].as_array()[1])["lot"] = "gtin:1/x"; },
       "items[1].lot.product: GTIN must be 14 digits"},
      // bad quantities
      {"lot", [](json::object& o) { o["quantity"] = "12 kg"; },
       "quantity: unit 'kg' is not a UNECE Rec 20 code"},
      {"lot", [](json::object& o) { o["quantity"] = "1200.5KGM"; },
       "quantity: must look like \"1200.5 KGM\""},
      {"lot", [](json::object& o) { o["quantity"] = "abc KGM"; },
       "quantity: 'abc' is not a decimal number"},
      {"lot", [](json::object& o) { o["quantity"] = "0.0000001 KGM"; },
       "quantity: quantity 0.0000001 KGM is finer than a millionth of the base unit"},
      {"lot", [](json::object& o) { o["quantity"] = "99999999999999 KGM"; },
       "quantity: quantity 99999999999999 KGM is too large"},
      {"lot", [](json::object& o) { o["quantity"] = {{"value", 1.5}, {"unit", "KGM"}}; },
       "quantity.value: must be an integer or a decimal string"},
      {"lot", [](json::object& o) { o["quantity"] = {{"unit", "KGM"}}; }, "quantity.value: is required"},
      {"lot", [](json::object& o) { o["quantity"] = {{"value", "1"}}; }, "quantity.unit: is required"},
      {"lot", [](json::object& o) { At(o["inputs"].as_array()[0])["quantity"] = "3 kilos"; },
       "inputs[0].quantity: unit 'kilos'"},
      {"receipt", [](json::object& o) { At(o["items"].as_array()[0])["quantity"] = "1e3 KGM"; },
       "items[0].quantity: '1e3' is not a decimal number"},
      // bad times
      {"lot", [](json::object& o) { o["event_time"] = "2026-02-30T00:00:00Z"; },
       "event_time: bad time '2026-02-30T00:00:00Z': no such date"},
      {"lot", [](json::object& o) { o["production_time"] = "15/03/2026"; },
       "production_time: bad time '15/03/2026'"},
      {"lot", [](json::object& o) { o["expiry_time"] = "2026-06-27T06:00:00"; },
       "expiry_time: bad time '2026-06-27T06:00:00': missing offset"},
      {"lot", [](json::object& o) { At(o["units"].as_array()[0])["end"] = "2026-06-20T06:00"; },
       "units[0].end: bad time"},
      {"lot",
       [](json::object& o) {
         At(At(o["epcis"])["sensors"].as_array()[0])["time"] = "noon";
       },
       "epcis.sensors[0].time: bad time 'noon'"},
      {"party", [](json::object& o) { At(o["licences"].as_array()[0])["valid_to"] = "2030-13-01"; },
       "licences[0].valid_to: bad time"},
      {"key_revocation", [](json::object& o) { o["compromised_since"] = 5; },
       "compromised_since: must be a string"},
      // missing required fields
      {"lot", [](json::object& o) { o.erase("party"); }, "party: is required"},
      {"lot", [](json::object& o) { o.erase("type"); }, "type: is required"},
      {"lot", [](json::object& o) { o["type"] = "lots"; }, "type: unknown record type 'lots'"},
      {"lot", [](json::object& o) { o.erase("event_time"); }, "event_time: is required"},
      {"lot", [](json::object& o) { o.erase("production_time"); }, "production_time: is required"},
      {"lot", [](json::object& o) { o.erase("quantity"); }, "quantity: is required"},
      {"lot", [](json::object& o) { o.erase("lot"); }, "lot: is required"},
      {"lot", [](json::object& o) { At(o["inputs"].as_array()[0]).erase("lot"); },
       "inputs[0].lot: is required"},
      {"lot", [](json::object& o) { At(o["inputs"].as_array()[0]).erase("quantity"); },
       "inputs[0].quantity: is required"},
      {"lot", [](json::object& o) { At(o["units"].as_array()[0]).erase("unit"); },
       "units[0].unit: is required"},
      {"lot", [](json::object& o) { At(o["certificates"].as_array()[0]).erase("cert_id"); },
       "certificates[0].cert_id: is required"},
      {"lot", [](json::object& o) { At(o["epcis"])["sources"] = json::array{{{"id", "x"}}}; },
       "epcis.sources[0].type: is required"},
      {"lot", [](json::object& o) { At(o["epcis"])["biz_transactions"] = json::array{{{"type", "po"}}}; },
       "epcis.biz_transactions[0].id: is required"},
      {"shipment", [](json::object& o) { o.erase("to"); }, "to: is required"},
      {"shipment", [](json::object& o) { o.erase("shipment_id"); }, "shipment_id: is required"},
      {"shipment", [](json::object& o) { o["items"] = json::array{}; }, "items: needs at least one item"},
      {"shipment", [](json::object& o) { o.erase("items"); }, "items: needs at least one item"},
      {"receipt", [](json::object& o) { o.erase("from"); }, "from: is required"},
      {"disposition", [](json::object& o) { o.erase("kind"); }, "kind: is required"},
      {"adjustment", [](json::object& o) { o.erase("reason"); }, "reason: is required"},
      {"lot_status", [](json::object& o) { o.erase("status"); }, "status: is required"},
      {"unit", [](json::object& o) { o.erase("kind"); }, "kind: is required"},
      {"unit_event", [](json::object& o) { o.erase("input"); }, "input: is required"},
      {"unit_event", [](json::object& o) { o.erase("start"); }, "start: is required"},
      {"product", [](json::object& o) { o.erase("sector"); }, "sector: is required"},
      {"genesis", [](json::object& o) { o.erase("origin"); }, "origin: is required"},
      {"key_revocation", [](json::object& o) { o.erase("key_id"); }, "key_id: is required"},
      {"key_rotation", [](json::object& o) { o.erase("new_key"); }, "new_key: is required"},
      {"party", [](json::object& o) { At(o["licences"].as_array()[1]).erase("number"); },
       "licences[1].number: is required"},
      {"error_declaration", [](json::object& o) { o.erase("corrected"); },
       "corrected: names at least one record id"},
      {"aggregation", [](json::object& o) {
         o.erase("children");
         o.erase("child_lots");
       },
       "children: an aggregation needs children or child_lots"},
      // bad values of other kinds
      {"lot", [](json::object& o) { o["party"] = "a b"; }, "party 'a b' may only use"},
      {"lot", [](json::object& o) { o["party"] = ""; }, "party must have 1-64 characters"},
      {"lot", [](json::object& o) { At(o["inputs"].as_array()[0])["kind"] = "mixed"; },
       "inputs[0].kind: must be one of composed_of, merged_into"},
      {"lot",
       [](json::object& o) {
         At(At(At(o["epcis"])["sensors"].as_array()[0])["reports"].as_array()[0])["value"] = "abc";
       },
       "epcis.sensors[0].reports[0]: 'abc' is not a decimal number"},
      {"aggregation", [](json::object& o) { o["action"] = "wrap"; },
       "action: must be one of pack, unpack, got 'wrap'"},
      {"disposition", [](json::object& o) { o["kind"] = "lost"; }, "kind: must be one of consumed"},
      {"lot_status", [](json::object& o) { o["status"] = "gone"; }, "status: must be one of released"},
      {"unit", [](json::object& o) { o["kind"] = "barn"; }, "kind: must be one of plot, pond"},
      {"error_declaration", [](json::object& o) { o["corrected"] = json::array{"zz"}; },
       "corrected[0]: must be 64 hex digits"},
      {"error_declaration", [](json::object& o) { o["corrective"] = json::array{"00"}; },
       "corrective[0]: must be 64 hex digits"},
      {"genesis", [](json::object& o) { o["host_key"] = "abc"; }, "host_key: must be base64 of 32 bytes"},
      {"genesis", [](json::object& o) { o["admin_keys"] = json::array{"AAAA"}; },
       "admin_keys[0]: must be the base64 of a raw 32-byte Ed25519 public key"},
      {"party", [](json::object& o) { o["roles"] = json::array{}; }, "roles: needs at least one role"},
      {"party", [](json::object& o) { o["roles"] = json::array{"king"}; }, "roles: unknown role 'king'"},
      {"party", [](json::object& o) { o["keys"] = json::array{"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo"}; },
       "keys[0]: must be the base64"},
      {"party", [](json::object& o) { o["party_id"] = "../etc"; }, "party_id '../etc' may only use"},
      {"unit_event", [](json::object& o) {
         o["kind"] = "emptied";
         o.erase("quantity");
       },
       "input: only for input_applied and stored"},
      {"unit_event", [](json::object& o) { o["serials"] = json::array{"S-1"}; },
       "serials: only for stored"},
      {"unit_event", [](json::object& o) {
         o["kind"] = "stored";
         o.erase("input");
         o.erase("quantity");
       },
       "input: a stored event names the lot (input) or the serials stored"},
      {"unit_event", [](json::object& o) {
         o["kind"] = "process_run";
         o.erase("input");
         o.erase("end");
       },
       "end: is required"},
      {"key_rotation", [](json::object& o) { o["retire_key_id"] = "00"; },
       "retire_key_id: must be 64 hex digits"},
      {"key_rotation", [](json::object& o) { o["new_key"] = "not base64!"; }, "new_key: must be the base64"},
      {"product", [](json::object& o) { o["product_id"] = "06901234567890"; },
       "product_id: GTIN 06901234567890 has a wrong check digit"},
      {"product", [](json::object& o) { o["scheme"] = "isbn"; }, "scheme: identifier scheme"},
      {"shipment", [](json::object& o) { o["to"] = "someone else"; }, "to 'someone else' may only use"},
  };
  int i = 0;
  for (const Rejection& c : kCases) {
    SCOPED_TRACE("case " + std::to_string(i++) + ": " + std::string(c.message));
    json::object o = ParseObject(ExampleOf(c.example).json);
    ASSERT_TRUE(Build(o).ok()) << "the base example must be valid";
    c.mutate(o);
    auto r = Build(o);
    ASSERT_FALSE(r.ok()) << "accepted " << json::serialize(o);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind(c.message, 0), 0u)
        << "message: " << r.status().message();
  }
}

TEST(RecordJsonTest, RejectsMalformedText) {
  auto bad = RecordFromJson("{\"type\": \"lot\",");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("malformed JSON", 0), 0u);
  EXPECT_EQ(RecordFromJson("").status().code(), StatusCode::kInvalidArgument);
  for (std::string_view text : {"[]", "\"lot\"", "42", "null"}) {
    auto r = RecordFromJson(text);
    EXPECT_EQ(r.status().message(), "a record must be a JSON object") << text;
  }
}

// ---- lot references and ids ------------------------------------------------------

TEST(LotRefTest, ParsesAndFormats) {
  struct Case {
    std::string_view text;
    fb::IdScheme scheme;
    std::string_view product, lot;
  };
  const Case kCases[] = {
      {"gtin:06901234567892/240315A", fb::IdScheme::GTIN, "06901234567892", "240315A"},
      {"national:86901234000015/B-2026", fb::IdScheme::NATIONAL, "86901234000015", "B-2026"},
      {"local:coop-lz.crab/P3-0620", fb::IdScheme::LOCAL, "coop-lz.crab", "P3-0620"},
      {"local:a:b/c", fb::IdScheme::LOCAL, "a:b", "c"},       // ':' is allowed in products
      {"local:a/b/c", fb::IdScheme::LOCAL, "a", "b/c"},       // '/' is allowed in lots
      {"gtin:04012345987652/*", fb::IdScheme::GTIN, "04012345987652", "*"},
  };
  for (const Case& c : kCases) {
    auto p = ParseLotRef(c.text);
    ASSERT_TRUE(p.ok()) << c.text;
    EXPECT_EQ(p->scheme, c.scheme);
    EXPECT_EQ(p->product, c.product);
    EXPECT_EQ(p->lot, c.lot);
    EXPECT_EQ(FormatLotRef(p->scheme, p->product, p->lot), c.text);
  }
  for (std::string_view bad : {"", "gtin", "gtin:", "gtin:x", ":x/y", "gtin:/y", "gtin:x/",
                               "GTIN:x/y", "lot:x/y"}) {
    auto p = ParseLotRef(bad);
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(p.status().reason(), "bad_lot_ref") << bad;
  }
  EXPECT_EQ(FormatLotRef(nullptr), "(none)");
}

TEST(LotRefTest, SchemeNames) {
  for (auto s : {fb::IdScheme::GTIN, fb::IdScheme::NATIONAL, fb::IdScheme::LOCAL}) {
    auto back = SchemeFromName(SchemeName(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(SchemeFromName("Gtin").ok());
  EXPECT_EQ(SchemeName(static_cast<fb::IdScheme>(9)), "unknown");
}

TEST(ValidateIdTest, AllowsUrlSafeCharactersOnly) {
  const std::string k64(64, 'x'), k65(65, 'x');
  const std::string_view kOk[] = {"a", "914403001922038216",
                                  "urn:epc:id:pgln:9520001.11111", "coop-lz.crab_1", k64};
  for (std::string_view ok : kOk) {
    EXPECT_TRUE(ValidateId("id", ok).ok()) << ok;
  }
  const std::string_view kBad[] = {"", "a b", "a/b", "a?b", "\xc3\xa4", "a\nb",
                                   "https://x.y/z", k65};
  for (std::string_view bad : kBad) {
    Status s = ValidateId("party", bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.reason(), "bad_id");
    EXPECT_EQ(s.message().rfind("party", 0), 0u);
  }
}

}  // namespace
}  // namespace qtrace
