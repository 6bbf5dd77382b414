// RecordFromEpcisEvent (epcis.h): every GS1 example event either becomes a
// record that keeps every value of the event, or is refused with the reason
// it has no qtrace body; plus identifiers, synthetic events for the other
// bodies, and rejections that name the field.
#include "qtrace/epcis.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "qtrace/quantity.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/time.h"

namespace qtrace {
namespace {

namespace json = boost::json;

constexpr std::string_view kParty = "urn:epc:id:pgln:0614141.00001";

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << text;
  return v;
}

json::object LoadDocument(const std::string& file) {
  std::ifstream in(std::filesystem::path(QTRACE_EPCIS_TESTDATA_DIR) / file, std::ios::binary);
  EXPECT_TRUE(in.good()) << file;
  std::ostringstream ss;
  ss << in.rdbuf();
  json::value v = ParseJson(ss.str());
  return v.is_object() ? v.as_object() : json::object();
}

json::object LoadEvent(const std::string& file, size_t index) {
  json::object doc = LoadDocument(file);
  const json::array& events = doc["epcisBody"].as_object()["eventList"].as_array();
  EXPECT_LT(index, events.size());
  return events.at(index).as_object();
}

// Converts, verifies and renders an event: the JSON a reader of the record sees.
StatusOr<json::object> ConvertAndRender(const json::object& event) {
  QT_ASSIGN_OR_RETURN(std::string bytes, RecordFromEpcisEvent(event, kParty));
  QT_ASSIGN_OR_RETURN(const fb::Record* rec, VerifyRecordPayload(bytes));
  json::object rendered = RecordToJsonObject(*rec);
  // The rendered record parses back to the same bytes.
  auto again = RecordFromJson(json::serialize(rendered));
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  if (again.ok()) {
    EXPECT_EQ(*again, bytes);
  }
  return rendered;
}

// ---- identifiers ---------------------------------------------------------------------

// GTINs computed independently (indicator + company prefix + item reference +
// GS1 check digit).
const std::map<std::string, std::string> kLotOfClass = {
    {"urn:epc:class:lgtin:4012345.012345.998877", "gtin:04012345123456/998877"},
    {"urn:epc:idpat:sgtin:4012345.098765.*", "gtin:04012345987652/*"},
    {"urn:epc:class:lgtin:4012345.011111.4444", "gtin:04012345111118/4444"},
    {"urn:epc:class:lgtin:0614141.077777.987", "gtin:00614141777778/987"},
    {"urn:epc:idpat:sgtin:4012345.066666.*", "gtin:04012345666663/*"},
    {"https://id.gs1.org/01/70614141123451/10/998877", "gtin:70614141123451/998877"},
    {"https://id.gs1.org/01/04012345987652", "gtin:04012345987652/*"},
    {"https://id.gs1.org/01/04012345123456/10/998877", "gtin:04012345123456/998877"},
    {"https://id.gs1.org/01/00614141777778/10/987", "gtin:00614141777778/987"},
    {"https://id.gs1.org/01/04012345666663", "gtin:04012345666663/*"},
};

TEST(EpcisIdTest, EpcClassesOfTheExamples) {
  for (const auto& [epc_class, lot_ref] : kLotOfClass) {
    auto id = ParseEpcClass(epc_class);
    ASSERT_TRUE(id.ok()) << epc_class << ": " << id.status().ToString();
    ASSERT_TRUE(id->lot.has_value());
    EXPECT_FALSE(id->serial.has_value());
    EXPECT_EQ(FormatLotRef(fb::IdScheme::GTIN, id->gtin, *id->lot), lot_ref);
  }
}

TEST(EpcisIdTest, MoreEpcClasses) {
  struct Case {
    std::string_view text;
    std::string_view gtin, lot;
  };
  const Case kCases[] = {
      {"urn:epc:class:lgtin:0614141.107346.AB%2F12", "10614141073464", "AB/12"},
      {"https://example.com/01/06901234567892/10/240315A", "06901234567892", "240315A"},
      {"https://brand.example/shop/01/06901234567892/10/A?linkType=all", "06901234567892", "A"},
      {"http://id.gs1.org/01/6901234567892", "06901234567892", "*"},  // GTIN-13
      {"https://id.gs1.org/01/96385074", "00000096385074", "*"},       // GTIN-8
  };
  for (const Case& c : kCases) {
    auto id = ParseEpcClass(c.text);
    ASSERT_TRUE(id.ok()) << c.text << ": " << id.status().ToString();
    EXPECT_EQ(id->gtin, c.gtin) << c.text;
    EXPECT_EQ(id->lot.value_or(""), c.lot) << c.text;
  }
  for (std::string_view bad : {
           "urn:epc:id:sgtin:0614141.107346.2017",         // an instance
           "https://id.gs1.org/01/70614141123451/21/2017",  // an instance
           "urn:epc:idpat:sgtin:4012345.098765.12",         // not "every serial"
           "urn:epc:class:lgtin:4012345.01234.998877",      // 12 digits
           "urn:epc:class:lgtin:40123X5.012345.998877",
           "urn:epc:class:lgtin:4012345.012345",
           "https://id.gs1.org/01/70614141123452/10/1",  // bad check digit
           "https://id.gs1.org/01/7061414112345/10/1",   // 13 digits but bad check
           "https://id.gs1.org/01/70614141123451/10",     // qualifier without value
           "https://id.gs1.org/01/70614141123451/99/x",   // unsupported qualifier
           "https://id.gs1.org/01/70614141123451/10/a%zz",
           "urn:epc:id:sscc:0614141.1234567890",
           "https://example.com/not/a/digital/link",
           "",
       }) {
    auto id = ParseEpcClass(bad);
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument) << "accepted " << bad;
  }
}

TEST(EpcisIdTest, TradeItemEpcs) {
  struct Case {
    std::string_view epc;
    std::string_view gtin, serial;
    std::optional<std::string_view> lot;
  };
  const Case kCases[] = {
      {"urn:epc:id:sgtin:0614141.107346.2017", "10614141073464", "2017", std::nullopt},
      {"urn:epc:id:sgtin:9520001.012346.10000001001", "09520001123467", "10000001001",
       std::nullopt},
      {"urn:epc:id:sgtin:4012345.077889.25", "04012345778892", "25", std::nullopt},
      {"urn:epc:id:sgtin:4000001.065432.99886655", "04000001654321", "99886655", std::nullopt},
      {"https://id.gs1.org/01/70614141123451/21/2018", "70614141123451", "2018", std::nullopt},
      {"https://id.gs1.org/01/70614141123451/10/L7/21/2018", "70614141123451", "2018", "L7"},
  };
  for (const Case& c : kCases) {
    auto id = ParseTradeItemEpc(c.epc);
    ASSERT_TRUE(id.ok()) << c.epc << ": " << id.status().ToString();
    EXPECT_EQ(id->gtin, c.gtin);
    EXPECT_EQ(id->serial.value_or(""), c.serial);
    EXPECT_EQ(id->lot.has_value(), c.lot.has_value());
    if (c.lot) {
      EXPECT_EQ(*id->lot, *c.lot);
    }
  }
  for (std::string_view other : {"urn:epc:id:sscc:0614141.1234567890",
                                 "urn:epc:id:sgln:0614141.07346.1234", "urn:epc:id:giai:4000001.1",
                                 "https://example.com/asset/7"}) {
    EXPECT_EQ(ParseTradeItemEpc(other).status().code(), StatusCode::kNotFound) << other;
  }
  for (std::string_view bad : {"urn:epc:id:sgtin:0614141.107346", "urn:epc:id:sgtin:x.y.z",
                               "https://id.gs1.org/01/70614141123451"}) {
    EXPECT_EQ(ParseTradeItemEpc(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

// ---- the example events ------------------------------------------------------------

struct ExampleEvent {
  std::string file;
  size_t index;
  std::string_view body;     // record type, or "" when the event has no body
  std::string_view why_not;  // for "": a phrase of the refusal
};

const ExampleEvent kExampleEvents[] = {
    {"Example_9.6.1-ObjectEvent.jsonld", 0, "",
     "names no destination party and cites no despatch advice"},
    {"Example_9.6.1-ObjectEvent.jsonld", 1, "", "receiving names no source party"},
    {"Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 0, "",
     "names no destination party and cites no despatch advice"},
    {"Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 1, "", "receiving names no source party"},
    {"Example_9.6.2-ObjectEvent.jsonld", 0, "", "cites no despatch advice or bill of lading"},
    {"Example_9.6.2-ObjectEventWithDigitalLink.jsonld", 0, "",
     "cites no despatch advice or bill of lading"},
    {"Example_9.6.3-AggregationEvent.jsonld", 0, "aggregation", ""},
    {"Example_9.6.3-AggregationEventWithDigitalLink.jsonld", 0, "aggregation", ""},
    {"Example_9.6.4-TransformationEvent.jsonld", 0, "lot", ""},
    {"Example_9.6.4-TransformationEventWithDigitalLink.jsonld", 0, "lot", ""},
    {"PersistentDisposition-example.jsonld", 0, "receipt", ""},
    {"PersistentDisposition-example.jsonld", 1, "",
     "OBSERVE inspecting states no shipment, receipt, storage or disposition"},
};

TEST(EpcisConvertTest, TheTableCoversEveryExampleEvent) {
  std::map<std::string, size_t> events;
  for (const auto& e : std::filesystem::directory_iterator(QTRACE_EPCIS_TESTDATA_DIR)) {
    if (e.path().extension() != ".jsonld") continue;
    json::object doc = LoadDocument(e.path().filename().string());
    events[e.path().filename().string()] =
        doc["epcisBody"].as_object()["eventList"].as_array().size();
  }
  std::map<std::string, size_t> listed;
  for (const ExampleEvent& e : kExampleEvents) ++listed[e.file];
  EXPECT_EQ(listed, events);
}

TEST(EpcisConvertTest, ExampleEventsBecomeTheExpectedBodyOrAreRefused) {
  for (const ExampleEvent& e : kExampleEvents) {
    SCOPED_TRACE(e.file + " #" + std::to_string(e.index));
    json::object event = LoadEvent(e.file, e.index);
    auto bytes = RecordFromEpcisEvent(event, kParty);
    if (e.body.empty()) {
      ASSERT_FALSE(bytes.ok());
      EXPECT_EQ(bytes.status().code(), StatusCode::kFailedPrecondition);
      EXPECT_EQ(bytes.status().reason(), "epcis_no_body");
      EXPECT_NE(bytes.status().message().find(std::string(event["eventID"].as_string())),
                std::string::npos)
          << "the refusal names the event: " << bytes.status().message();
      EXPECT_NE(bytes.status().message().find(e.why_not), std::string::npos)
          << bytes.status().message();
      EXPECT_EQ(RecordJsonFromEpcisEvent(event, kParty).status(), bytes.status());
      continue;
    }
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto rec = VerifyRecordPayload(*bytes);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    EXPECT_EQ(BodyTypeName((*rec)->body_type()), e.body);
    EXPECT_EQ((*rec)->header()->party()->str(), kParty);
    // The record JSON and the bytes agree.
    auto obj = RecordJsonFromEpcisEvent(event, kParty);
    ASSERT_TRUE(obj.ok());
    EXPECT_EQ(*RecordFromJson(*obj), *bytes);
  }
}

// Walks the leaves of `v` (path "a.b[].c").
void Leaves(const json::value& v, const std::string& path,
            std::vector<std::pair<std::string, const json::value*>>* out) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      Leaves(kv.value(), path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()),
             out);
    }
  } else if (v.is_array()) {
    for (const auto& e : v.as_array()) Leaves(e, path + "[]", out);
  } else {
    out->emplace_back(path, &v);
  }
}

void Objects(const json::value& v, std::vector<const json::object*>* out) {
  if (v.is_object()) {
    out->push_back(&v.as_object());
    for (const auto& kv : v.as_object()) Objects(kv.value(), out);
  } else if (v.is_array()) {
    for (const auto& e : v.as_array()) Objects(e, out);
  }
}

// True when "200.5 KGM" states the EPCIS quantity `q` in `uom` (C62 when the
// event gives no uom).
bool SameQuantity(std::string_view text, const json::value& q, const json::value* uom) {
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return false;
  int64_t value;
  int scale;
  if (!ParseDecimal(text.substr(0, sp), &value, &scale).ok()) return false;
  double stated = static_cast<double>(value);
  for (int i = 0; i < scale; ++i) stated /= 10;
  std::string unit = uom != nullptr ? std::string(uom->as_string()) : "C62";
  return stated == q.to_number<double>() && text.substr(sp + 1) == unit;
}

// Checks that `rendered` (a record converted from `event`) keeps every value
// of the event: verbatim strings verbatim, times as the same instant and
// offset, quantity elements as the lot and quantity they mean, ilmd and
// extension fields under their own keys, and the event type as its body.
void ExpectEveryValueKept(const json::object& event, const json::object& rendered) {
  // Leaves() and Objects() keep pointers: walk values that outlive them.
  const json::value event_value(event), rendered_value(rendered);
  std::multiset<std::string> strings;
  std::vector<std::pair<std::string, const json::value*>> rendered_leaves;
  Leaves(rendered_value, "", &rendered_leaves);
  for (const auto& [path, v] : rendered_leaves) {
    if (v->is_string()) strings.insert(std::string(v->as_string()));
  }
  std::vector<const json::object*> objects;
  Objects(rendered_value, &objects);
  const json::object* epcis =
      rendered.contains("epcis") ? &rendered.at("epcis").as_object() : nullptr;

  // The event type is the body type.
  const std::map<std::string, std::set<std::string>> kBodiesOf = {
      {"ObjectEvent", {"lot", "shipment", "receipt", "disposition"}},
      {"AggregationEvent", {"aggregation"}},
      {"TransformationEvent", {"lot"}},
  };
  EXPECT_TRUE(kBodiesOf.at(std::string(event.at("type").as_string()))
                  .count(std::string(rendered.at("type").as_string())));

  // Time: the same instant, in the stated offset.
  auto when = ParseTimestamp(rendered.at("event_time").as_string());
  auto stated = ParseTimestamp(event.at("eventTime").as_string());
  auto tz = ParseTimestamp("1970-01-01T00:00:00" +
                           std::string(event.at("eventTimeZoneOffset").as_string()));
  ASSERT_TRUE(when.ok() && stated.ok() && tz.ok());
  EXPECT_EQ(when->micros, stated->micros);
  EXPECT_EQ(when->offset_minutes, tz->offset_minutes);

  // Quantity elements: an object with the lot and quantity they mean.
  std::set<std::string> quantity_lists = {"quantityList", "childQuantityList",
                                          "inputQuantityList", "outputQuantityList"};
  for (const std::string& list : quantity_lists) {
    if (!event.contains(list)) continue;
    for (const json::value& q : event.at(list).as_array()) {
      const json::object& qo = q.as_object();
      std::string epc_class(qo.at("epcClass").as_string());
      ASSERT_TRUE(kLotOfClass.count(epc_class)) << epc_class;
      const std::string& lot = kLotOfClass.at(epc_class);
      bool found = false;
      for (const json::object* o : objects) {
        if (!o->contains("lot") || !o->contains("quantity")) continue;
        if (o->at("lot").as_string() != lot) continue;
        found |= SameQuantity(o->at("quantity").as_string(), qo.at("quantity"),
                              qo.if_contains("uom"));
      }
      EXPECT_TRUE(found) << list << " element " << json::serialize(q) << " is not kept as "
                         << lot;
    }
  }

  std::vector<std::pair<std::string, const json::value*>> leaves;
  Leaves(event_value, "", &leaves);
  for (const auto& [path, v] : leaves) {
    SCOPED_TRACE(path);
    std::string top = path.substr(0, path.find_first_of(".["));
    if (top == "type" || top == "eventTime" || top == "eventTimeZoneOffset" ||
        quantity_lists.count(top)) {
      continue;  // checked above
    }
    if (top == "ilmd") {
      std::string key = path.substr(5);
      ASSERT_NE(epcis, nullptr);
      EXPECT_EQ(epcis->at("ilmd").as_object().at(key), *v);
      continue;
    }
    if (top.find(':') != std::string::npos) {
      ASSERT_NE(epcis, nullptr);
      EXPECT_EQ(epcis->at("extensions").as_object().at(top), *v);
      continue;
    }
    ASSERT_TRUE(v->is_string()) << "unexpected non-string leaf";
    EXPECT_TRUE(strings.count(std::string(v->as_string())))
        << "'" << v->as_string() << "' is lost";
  }
}

TEST(EpcisConvertTest, ConvertedExampleEventsKeepEveryValue) {
  int converted = 0;
  for (const ExampleEvent& e : kExampleEvents) {
    if (e.body.empty()) continue;
    SCOPED_TRACE(e.file + " #" + std::to_string(e.index));
    json::object event = LoadEvent(e.file, e.index);
    auto rendered = ConvertAndRender(event);
    ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
    ExpectEveryValueKept(event, *rendered);
    ++converted;
  }
  EXPECT_EQ(converted, 5);
}

TEST(EpcisConvertTest, TheValueCheckNoticesALostValue) {
  json::object event = LoadEvent("Example_9.6.3-AggregationEvent.jsonld", 0);
  auto rendered = ConvertAndRender(event);
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  json::object lossy = *rendered;
  lossy["epcis"].as_object().erase("read_point");
  EXPECT_NONFATAL_FAILURE(ExpectEveryValueKept(event, lossy), "is lost");
  json::object wrong = *rendered;
  wrong["child_lots"].as_array()[1].as_object()["quantity"] = "200.4 KGM";
  EXPECT_NONFATAL_FAILURE(ExpectEveryValueKept(event, wrong), "is not kept as");
  json::object shifted = *rendered;
  shifted["event_time"] = "2013-06-08T14:58:56.591Z";  // same instant, other offset
  EXPECT_NONFATAL_FAILURE(ExpectEveryValueKept(event, shifted), "offset_minutes");
}

// The refused events, given the party or document reference they lack, keep
// every other value too: the refusal is about the missing fact only.
TEST(EpcisConvertTest, RefusedEventsGivenWhatTheyLackKeepEveryValue) {
  struct Completion {
    std::string file;
    size_t index;
    std::string_view body;
    std::function<void(json::object&)> complete;
  };
  auto add_desadv = [](json::object& e) {
    if (!e.contains("bizTransactionList")) e["bizTransactionList"] = json::array{};
    e["bizTransactionList"].as_array().push_back(
        {{"type", "desadv"}, {"bizTransaction", "urn:epcglobal:cbv:bt:0614141073467:1152"}});
  };
  auto add_destination = [](json::object& e) {
    e["destinationList"] =
        json::array{{{"type", "owning_party"}, {"destination", "urn:epc:id:pgln:0012345.11111"}}};
  };
  auto add_source = [](json::object& e) {
    e["sourceList"] =
        json::array{{{"type", "owning_party"}, {"source", "urn:epc:id:pgln:0614141.00001"}}};
  };
  const Completion kCompletions[] = {
      {"Example_9.6.1-ObjectEvent.jsonld", 0, "shipment",
       [&](json::object& e) {
         add_destination(e);
         add_desadv(e);
       }},
      {"Example_9.6.1-ObjectEvent.jsonld", 1, "receipt", add_source},
      {"Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 0, "shipment",
       [&](json::object& e) {
         add_destination(e);
         add_desadv(e);
       }},
      {"Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 1, "receipt", add_source},
      {"Example_9.6.2-ObjectEvent.jsonld", 0, "receipt", add_desadv},
      {"Example_9.6.2-ObjectEventWithDigitalLink.jsonld", 0, "receipt", add_desadv},
  };
  for (const Completion& c : kCompletions) {
    SCOPED_TRACE(c.file + " #" + std::to_string(c.index));
    json::object event = LoadEvent(c.file, c.index);
    c.complete(event);
    auto rendered = ConvertAndRender(event);
    ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
    EXPECT_EQ(rendered->at("type").as_string(), c.body);
    ExpectEveryValueKept(event, *rendered);
  }
}

// ---- exact records for three examples -----------------------------------------------

TEST(EpcisConvertTest, AggregationExampleRecord) {
  auto rendered = ConvertAndRender(LoadEvent("Example_9.6.3-AggregationEvent.jsonld", 0));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(json::value(*rendered), ParseJson(R"json({
    "type": "aggregation", "party": "urn:epc:id:pgln:0614141.00001",
    "event_time": "2013-06-08T16:58:56.591+02:00",
    "epcis": {
      "event_id": "ni:///sha-256;87b5f18a69993f0052046d4687dfacdf48f7c988cfabda2819688c86b4066a49?ver=CBV2.0",
      "action": "OBSERVE", "biz_step": "receiving", "disposition": "in_progress",
      "read_point": "urn:epc:id:sgln:0614141.00777.0",
      "biz_location": "urn:epc:id:sgln:0614141.00888.0",
      "extensions": {"example:myField": "Example of a vendor/user extension"}},
    "action": "pack", "parent": "urn:epc:id:sscc:0614141.1234567890",
    "children": ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
    "child_lots": [{"lot": "gtin:04012345987652/*", "quantity": "10 C62"},
                   {"lot": "gtin:04012345123456/998877", "quantity": "200.5 KGM"}]})json"))
      << json::serialize(*rendered);
}

TEST(EpcisConvertTest, TransformationExampleRecord) {
  auto rendered = ConvertAndRender(LoadEvent("Example_9.6.4-TransformationEvent.jsonld", 0));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(json::value(*rendered), ParseJson(R"json({
    "type": "lot", "party": "urn:epc:id:pgln:0614141.00001",
    "event_time": "2013-10-31T16:58:56.591+02:00",
    "epcis": {
      "event_id": "ni:///sha-256;e65c3a997e77f34b58306da7a82ab0fc91c7820013287700f0b50345e5795b97?ver=CBV2.0",
      "biz_step": "commissioning", "disposition": "in_progress",
      "read_point": "urn:epc:id:sgln:4012345.00001.0",
      "input_epcs": ["urn:epc:id:sgtin:4012345.011122.25",
                     "urn:epc:id:sgtin:4000001.065432.99886655"],
      "extensions": {"example:myField": "Example of a vendor/user extension"},
      "ilmd": {"example:bestBeforeDate": "2014-12-10", "example:batch": "XYZ"}},
    "lot": "gtin:04012345778892/XYZ", "quantity": "4 C62",
    "production_time": "2013-10-31T16:58:56.591+02:00",
    "inputs": [{"lot": "gtin:04012345111118/4444", "quantity": "10 KGM", "kind": "composed_of"},
               {"lot": "gtin:00614141777778/987", "quantity": "30 C62", "kind": "composed_of"},
               {"lot": "gtin:04012345666663/*", "quantity": "220 C62", "kind": "composed_of"}],
    "serials": ["urn:epc:id:sgtin:4012345.077889.25", "urn:epc:id:sgtin:4012345.077889.26",
                "urn:epc:id:sgtin:4012345.077889.27", "urn:epc:id:sgtin:4012345.077889.28"]})json"))
      << json::serialize(*rendered);
}

TEST(EpcisConvertTest, PersistentDispositionReceiptRecord) {
  auto rendered = ConvertAndRender(LoadEvent("PersistentDisposition-example.jsonld", 0));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  json::array serials;
  for (int i = 1; i <= 10; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "urn:epc:id:sgtin:9520001.012346.100000010%02d", i);
    serials.emplace_back(buf);
  }
  json::value expected = ParseJson(R"json({
    "type": "receipt", "party": "urn:epc:id:pgln:0614141.00001",
    "event_time": "2020-06-07T19:10:16+02:00",
    "epcis": {
      "event_id": "ni:///sha-256;56ba4f355c57456b41c3fb60b22d8342e759de503e3e618940ca3b6ad1bf9b00?ver=CBV2.0",
      "action": "OBSERVE", "biz_step": "receiving", "disposition": "in_progress",
      "read_point": "urn:epc:id:sgln:9529999.99999.0",
      "biz_location": "urn:epc:id:sgln:9529999.99999.0",
      "biz_transactions": [
        {"type": "inv", "id": "urn:epcglobal:cbv:bt:9520011111116:A123"},
        {"type": "po", "id": "urn:epcglobal:cbv:bt:9529999999991:XYZ567"},
        {"type": "desadv", "id": "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}],
      "sources": [{"type": "owning_party", "id": "urn:epc:id:pgln:9520001.11111"}],
      "destinations": [{"type": "owning_party", "id": "urn:epc:id:pgln:9520999.99999"}],
      "persistent_disposition_set": ["completeness_inferred"]},
    "from": "urn:epc:id:pgln:9520001.11111",
    "shipment_id": "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    "items": [{"lot": "gtin:09520001123467/*", "quantity": "10 C62"}]})json");
  expected.as_object()["items"].as_array()[0].as_object()["serials"] = serials;
  EXPECT_EQ(json::value(*rendered), expected) << json::serialize(*rendered);
}

// ---- synthetic events for the other bodies ---------------------------------------------

json::object Event(std::string_view extra_fields) {
  std::string text = R"({"type": "ObjectEvent", "eventTime": "2026-06-20T00:30:00Z",
                         "eventTimeZoneOffset": "+08:00")";
  if (!extra_fields.empty()) text += ", " + std::string(extra_fields);
  text += "}";
  return ParseJson(text).as_object();
}

TEST(EpcisConvertTest, CommissioningALotClass) {
  auto rendered = ConvertAndRender(Event(R"(
      "action": "ADD", "bizStep": "urn:epcglobal:cbv:bizstep:commissioning",
      "quantityList": [{"epcClass": "https://id.gs1.org/01/06901234567892/10/P3-0620",
                        "quantity": 1200.5, "uom": "KGM"}],
      "ilmd": {"cbvmda:itemExpirationDate": "2026-06-27", "cbvmda:countryOfOrigin": "CN",
               "example:grade": 2, "example:ratio": 0.25, "example:wild": false,
               "example:tags": ["a", "b"]})"));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->at("type"), "lot");
  EXPECT_EQ(rendered->at("lot"), "gtin:06901234567892/P3-0620");
  EXPECT_EQ(rendered->at("quantity"), "1200.5 KGM");
  EXPECT_EQ(rendered->at("event_time"), "2026-06-20T08:30:00+08:00");
  EXPECT_EQ(rendered->at("production_time"), "2026-06-20T08:30:00+08:00");
  const json::object& epcis = rendered->at("epcis").as_object();
  EXPECT_EQ(epcis.at("biz_step"), "urn:epcglobal:cbv:bizstep:commissioning") << "kept verbatim";
  EXPECT_EQ(json::value(epcis.at("ilmd")), ParseJson(R"({
      "cbvmda:itemExpirationDate": "2026-06-27", "cbvmda:countryOfOrigin": "CN",
      "example:grade": 2, "example:ratio": {"decimal": "0.25"}, "example:wild": false,
      "example:tags": "[\"a\",\"b\"]"})"));
}

TEST(EpcisConvertTest, CommissioningSerialsWithALotNumber) {
  auto rendered = ConvertAndRender(Event(R"(
      "action": "ADD", "bizStep": "commissioning",
      "epcList": ["urn:epc:id:sgtin:6901234.056789.1", "urn:epc:id:sgtin:6901234.056789.2",
                  "urn:epc:id:sscc:6901234.0000000001"],
      "ilmd": {"cbvmda:lotNumber": "240315A"})"));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->at("lot"), "gtin:06901234567892/240315A");
  EXPECT_EQ(rendered->at("quantity"), "2 C62");
  EXPECT_EQ(json::value(rendered->at("serials")),
            ParseJson(R"(["urn:epc:id:sgtin:6901234.056789.1", "urn:epc:id:sgtin:6901234.056789.2"])"));
  EXPECT_EQ(json::value(rendered->at("epcis").as_object().at("epcs")),
            ParseJson(R"(["urn:epc:id:sscc:6901234.0000000001"])"))
      << "an EPC no body field holds stays in the context";
}

TEST(EpcisConvertTest, CommissioningWithoutALotHasNoBody) {
  for (std::string_view fields : {
           R"("action": "ADD", "epcList": ["urn:epc:id:sgtin:6901234.056789.1"])",
           R"("action": "ADD", "quantityList": [{"epcClass": "https://id.gs1.org/01/06901234567892", "quantity": 5}])",
           R"("action": "ADD", "epcList": ["urn:epc:id:sgtin:6901234.056789.1", "urn:epc:id:sgtin:0614141.107346.2017"], "ilmd": {"cbvmda:lotNumber": "L"})",
           R"("action": "ADD")",
       }) {
    auto r = RecordFromEpcisEvent(Event(fields), kParty);
    EXPECT_EQ(r.status().reason(), "epcis_no_body") << fields << " " << r.status().ToString();
  }
}

TEST(EpcisConvertTest, ShippingWithContainers) {
  auto rendered = ConvertAndRender(Event(R"(
      "action": "OBSERVE", "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
      "epcList": ["urn:epc:id:sscc:6901234.0000000001", "urn:epc:id:sgtin:6901234.056789.1"],
      "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.056789.240315A",
                        "quantity": 500, "uom": "KGM"}],
      "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000004:PO-1"},
                             {"type": "urn:epcglobal:cbv:btt:bol", "bizTransaction": "BOL-2026-0621-01"}],
      "destinationList": [{"type": "location", "destination": "urn:epc:id:sgln:9520999.00001.0"},
                          {"type": "owning_party", "destination": "urn:epc:id:pgln:9520999.99999"}])"));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(json::value(*rendered).at("type"), "shipment");
  EXPECT_EQ(rendered->at("shipment_id"), "BOL-2026-0621-01");
  EXPECT_EQ(rendered->at("to"), "urn:epc:id:pgln:9520999.99999");
  EXPECT_EQ(json::value(rendered->at("items")), ParseJson(R"([
      {"lot": "gtin:06901234567892/240315A", "quantity": "500 KGM"},
      {"lot": "gtin:06901234567892/*", "quantity": "1 C62",
       "serials": ["urn:epc:id:sgtin:6901234.056789.1"]}])"));
  EXPECT_EQ(json::value(rendered->at("containers")),
            ParseJson(R"(["urn:epc:id:sscc:6901234.0000000001"])"));
  EXPECT_FALSE(rendered->at("epcis").as_object().contains("epcs"));
}

// Storing: cases of a vaccine lot put away in cold room C (its SGLN is the
// unit id) become a `stored` unit event; without a usable bizLocation, or
// with two lots, there is no body.
TEST(EpcisConvertTest, StoringInAColdRoom) {
  auto rendered = ConvertAndRender(Event(R"(
      "action": "OBSERVE", "bizStep": "https://ref.gs1.org/cbv/BizStep-storing",
      "epcList": ["urn:epc:id:sscc:6901234.0000000001", "urn:epc:id:sgtin:6901234.056789.1"],
      "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.056789.240315A",
                        "quantity": 4, "uom": "C62"}],
      "bizLocation": {"id": "urn:epc:id:sgln:6901234.00010.C"})"));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->at("type"), "unit_event");
  EXPECT_EQ(rendered->at("kind"), "stored");
  EXPECT_EQ(rendered->at("unit"), "urn:epc:id:sgln:6901234.00010.C");
  EXPECT_EQ(rendered->at("input"), "gtin:06901234567892/240315A");
  EXPECT_EQ(json::value(rendered->at("serials")),
            ParseJson(R"(["urn:epc:id:sgtin:6901234.056789.1", "urn:epc:id:sscc:6901234.0000000001"])"));
  EXPECT_EQ(rendered->at("start"), rendered->at("event_time"));
  for (const char* fields : {
           R"("action": "OBSERVE", "bizStep": "storing",
              "epcList": ["urn:epc:id:sscc:6901234.0000000001"],
              "bizLocation": {"id": "https://id.gs1.org/414/6901234000107"})",
           R"("action": "OBSERVE", "bizStep": "storing", "bizLocation": {"id": "urn:epc:id:sgln:6901234.00010.C"},
              "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.056789.A", "quantity": 1},
                               {"epcClass": "urn:epc:class:lgtin:6901234.056789.B", "quantity": 1}])"}) {
    auto r = RecordFromEpcisEvent(Event(fields), kParty);
    EXPECT_EQ(r.status().reason(), "epcis_no_body") << fields << " " << r.status().ToString();
  }
}

TEST(EpcisConvertTest, PossessingPartyIsPreferredForCustody) {
  auto rendered = ConvertAndRender(Event(R"(
      "action": "OBSERVE", "bizStep": "receiving",
      "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.056789.240315A", "quantity": 5, "uom": "KGM"}],
      "bizTransactionList": [{"type": "desadv", "bizTransaction": "http://not/usable/as/an/id"},
                             {"type": "desadv", "bizTransaction": "DESADV-7"}],
      "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:1111111.11111"},
                     {"type": "possessing_party", "source": "urn:epc:id:pgln:2222222.22222"}])"));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->at("from"), "urn:epc:id:pgln:2222222.22222");
  EXPECT_EQ(rendered->at("shipment_id"), "DESADV-7");
}

TEST(EpcisConvertTest, Dispositions) {
  const std::pair<std::string_view, std::string_view> kSteps[] = {
      {"destroying", "destroyed"}, {"retail_selling", "sold"}, {"dispensing", "dispensed"}};
  for (const auto& [step, kind] : kSteps) {
    auto rendered = ConvertAndRender(Event(
        R"("action": "DELETE", "bizStep": ")" + std::string(step) + R"(",
           "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.056789.240315A",
                             "quantity": 12, "uom": "KGM"}])"));
    ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
    EXPECT_EQ(rendered->at("type"), "disposition");
    EXPECT_EQ(std::string_view(rendered->at("kind").as_string()), kind);
  }
}

TEST(EpcisConvertTest, AggregationDeleteIsUnpack) {
  auto rendered = ConvertAndRender(ParseJson(R"({
      "type": "AggregationEvent", "eventTime": "2026-06-21T02:00:00Z",
      "eventTimeZoneOffset": "+08:00", "action": "DELETE", "bizStep": "unpacking",
      "parentID": "urn:epc:id:sscc:6901234.0000000001",
      "childEPCs": ["urn:epc:id:sgtin:6901234.056789.1"]})").as_object());
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->at("action"), "unpack");
  auto no_parent = RecordFromEpcisEvent(ParseJson(R"({
      "type": "AggregationEvent", "eventTime": "2026-06-21T02:00:00Z",
      "eventTimeZoneOffset": "+08:00", "action": "DELETE",
      "childEPCs": ["urn:epc:id:sgtin:6901234.056789.1"]})").as_object(), kParty);
  EXPECT_EQ(no_parent.status().reason(), "epcis_no_body");
}

TEST(EpcisConvertTest, SensorsCertificationRecordTimeAndTransformationId) {
  auto rendered = ConvertAndRender(ParseJson(R"({
      "type": "TransformationEvent", "eventTime": "2026-06-20T00:30:00Z",
      "eventTimeZoneOffset": "+08:00",
      "transformationID": "urn:uuid:7e3e1cc4-d1c4-4ef5-a1de-3fcbf0b0a5e1",
      "recordTime": "2026-06-20T01:00:00.000Z",
      "certificationInfo": "https://cert.example/organic/123",
      "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.056789.240315A",
                              "quantity": 100, "uom": "KGM"}],
      "sensorElementList": [{
        "sensorMetadata": {"time": "2026-06-20T00:00:00Z", "deviceID": "urn:epc:id:giai:4000001.111",
                           "bizRules": "https://rules.example/cold"},
        "sensorReport": [{"type": "gs1:Temperature", "value": 4.5, "minValue": 2.25,
                          "maxValue": 6, "uom": "CEL", "sDev": 0.1},
                         {"type": "gs1:AbsoluteHumidity", "value": 12, "uom": "A93",
                          "time": "2026-06-20T00:10:00Z", "deviceID": "urn:epc:id:giai:4000001.112",
                          "component": "x"}]}]})").as_object());
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  const json::object& epcis = rendered->at("epcis").as_object();
  EXPECT_EQ(epcis.at("transformation_id"), "urn:uuid:7e3e1cc4-d1c4-4ef5-a1de-3fcbf0b0a5e1");
  EXPECT_EQ(epcis.at("record_time"), "2026-06-20T01:00:00.000Z");
  EXPECT_EQ(json::value(epcis.at("certification_info")),
            ParseJson(R"(["https://cert.example/organic/123"])"));
  EXPECT_EQ(json::value(epcis.at("sensors")), ParseJson(R"([{
      "device_id": "urn:epc:id:giai:4000001.111", "time": "2026-06-20T00:00:00Z",
      "raw_metadata": "{\"bizRules\":\"https://rules.example/cold\"}",
      "reports": [{"type": "gs1:Temperature", "value": "4.50", "min_value": "2.25",
                   "max_value": "6.00", "uom": "CEL", "raw": "{\"sDev\":1E-1}"},
                  {"type": "gs1:AbsoluteHumidity", "device_id": "urn:epc:id:giai:4000001.112",
                   "time": "2026-06-20T00:10:00Z", "value": "12", "uom": "A93",
                   "component": "x"}]}])"))
      << json::serialize(epcis.at("sensors"));
  EXPECT_EQ(rendered->at("lot"), "gtin:06901234567892/240315A");
}

TEST(EpcisConvertTest, UnsupportedEventTypesHaveNoBody) {
  for (std::string_view type : {"TransactionEvent", "AssociationEvent"}) {
    json::object e = Event("");
    e["type"] = type;
    auto r = RecordFromEpcisEvent(e, kParty);
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << type;
    EXPECT_EQ(r.status().reason(), "epcis_no_body");
  }
}

// ---- rejections --------------------------------------------------------------------------

TEST(EpcisConvertTest, RejectionsNameTheEventField) {
  struct Case {
    std::function<void(json::object&)> mutate;
    std::string_view message;  // expected prefix
  };
  const Case kCases[] = {
      {[](json::object& e) { e["foo"] = 1; },
       "event.foo: EPCIS field without a qtrace home"},
      {[](json::object& e) { e["errorDeclaration"] = {{"declarationTime", "2026-01-01T00:00:00Z"}}; },
       "event.errorDeclaration: EPCIS field without a qtrace home"},
      {[](json::object& e) { e["readPoint"] = {{"id", "x"}, {"example:extra", 1}}; },
       "event.readPoint.example:extra: EPCIS field without a qtrace home"},
      {[](json::object& e) { e["readPoint"] = "urn:epc:id:sgln:1.2.3"; },
       "event.readPoint: must be an object"},
      {[](json::object& e) { e["bizLocation"] = json::object{}; }, "event.bizLocation.id: is required"},
      {[](json::object& e) { e.erase("type"); }, "event.type: is required"},
      {[](json::object& e) { e["type"] = "ThingEvent"; }, "event.type: unknown EPCIS event type"},
      {[](json::object& e) { e.erase("eventTime"); }, "event.eventTime: is required"},
      {[](json::object& e) { e["eventTime"] = "2026-02-30T00:00:00Z"; },
       "event.eventTime: bad time '2026-02-30T00:00:00Z'"},
      {[](json::object& e) { e.erase("eventTimeZoneOffset"); },
       "event.eventTimeZoneOffset: is required"},
      {[](json::object& e) { e["eventTimeZoneOffset"] = "+0800"; },
       "event.eventTimeZoneOffset: must be +HH:MM or -HH:MM"},
      {[](json::object& e) { e["eventTimeZoneOffset"] = "Z"; },
       "event.eventTimeZoneOffset: must be +HH:MM or -HH:MM"},
      {[](json::object& e) { e.erase("action"); }, "event.action: is required"},
      {[](json::object& e) { e["action"] = "MOVE"; }, "event.action: must be ADD, OBSERVE or DELETE"},
      {[](json::object& e) { e["epcList"] = "urn:epc:id:sgtin:0614141.107346.2017"; },
       "event.epcList: must be an array"},
      {[](json::object& e) { e["epcList"] = json::array{"urn:epc:id:sgtin:0614141.107346"}; },
       "event.epcList[0]: 'urn:epc:id:sgtin:0614141.107346' must look like"},
      {[](json::object& e) {
         e["quantityList"] = json::array{{{"epcClass", "urn:epc:id:sscc:0614141.1"}, {"quantity", 1}}};
       },
       "event.quantityList[0].epcClass: 'urn:epc:id:sscc:0614141.1' is not an LGTIN"},
      {[](json::object& e) {
         e["quantityList"] = json::array{{{"epcClass", "urn:epc:idpat:sgtin:4012345.098765.*"}}};
       },
       "event.quantityList[0].quantity: is required"},
      {[](json::object& e) {
         e["quantityList"] = json::array{
             {{"epcClass", "urn:epc:idpat:sgtin:4012345.098765.*"}, {"quantity", "10"}}};
       },
       "event.quantityList[0].quantity: must be a number"},
      {[](json::object& e) {
         e["quantityList"] = json::array{{{"epcClass", "urn:epc:idpat:sgtin:4012345.098765.*"},
                                          {"quantity", 1},
                                          {"unit", "KGM"}}};
       },
       "event.quantityList[0].unit: EPCIS field without a qtrace home"},
      {[](json::object& e) { e["bizTransactionList"] = json::array{{{"type", "po"}}}; },
       "event.bizTransactionList[0].bizTransaction: is required"},
      {[](json::object& e) { e["sourceList"] = json::array{{{"type", "location"}, {"id", "x"}}}; },
       "event.sourceList[0].source: is required"},
      {[](json::object& e) { e["persistentDisposition"] = {{"add", json::array{"x"}}}; },
       "event.persistentDisposition.add: EPCIS field without a qtrace home"},
      {[](json::object& e) { e["inputEPCList"] = json::array{"urn:epc:id:sgtin:0614141.107346.1"}; },
       "event.inputEPCList: only a TransformationEvent has inputs"},
      {[](json::object& e) { e["childEPCs"] = json::array{"x"}; },
       "event.childEPCs: EPCIS field without a qtrace home"},
      {[](json::object& e) { e["ilmd"] = {{"example:x", nullptr}}; },
       "event.ilmd.example:x: null has no qtrace home"},
      {[](json::object& e) { e["sensorElementList"] = json::array{{{"sensorReport", 1}}}; },
       "event.sensorElementList[0].sensorReport: must be an array"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.message));
    json::object e = Event(R"("action": "OBSERVE")");
    c.mutate(e);
    auto r = RecordJsonFromEpcisEvent(e, kParty);
    ASSERT_FALSE(r.ok()) << json::serialize(e);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "bad_epcis");
    EXPECT_EQ(r.status().message().rfind(c.message, 0), 0u) << r.status().message();
  }
}

TEST(EpcisConvertTest, TheStatingPartyMustBeAValidId) {
  json::object event = LoadEvent("Example_9.6.3-AggregationEvent.jsonld", 0);
  auto r = RecordFromEpcisEvent(event, "not a party id");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("record converted from EPCIS: party", 0), 0u)
      << r.status().message();
}

}  // namespace
}  // namespace qtrace
