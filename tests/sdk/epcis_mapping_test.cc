// Every key, at every depth, of every GS1 EPCIS 2.0 example event has a row
// in the mapping table (docs/epcis-mapping.md section 1, mirrored below).
// Adding an unmapped field to an example, or a row to one table but not the
// other, fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace qtrace {
namespace {

namespace json = boost::json;

enum class Scope { kDocument, kEvent };

struct Row {
  Scope scope;
  std::string_view path;  // keys joined by '.', "[]" after an array
  std::string_view home;  // where record.fbs keeps it ("none: ..." if nowhere)
};

// Mirrors docs/epcis-mapping.md section 1 (the test checks they agree).
constexpr Row kMapping[] = {
    // The EPCIS document around the events.
    {Scope::kDocument, "@context", "none: JSON-LD context of the document (gap G3)"},
    {Scope::kDocument, "@context[].example", "none: IRI of the example: prefix (gap G3)"},
    {Scope::kDocument, "id", "none: document id (gap G4)"},
    {Scope::kDocument, "type", "none: always EPCISDocument"},
    {Scope::kDocument, "schemaVersion", "none: document format version"},
    {Scope::kDocument, "creationDate", "none: document creation time (gap G4)"},
    {Scope::kDocument, "epcisBody", "none: container of eventList"},
    {Scope::kDocument, "epcisBody.eventList", "one Record per event"},
    // One event.
    {Scope::kEvent, "eventID", "Header.epcis.event_id"},
    {Scope::kEvent, "type", "none: implied by the body type (gap G2)"},
    {Scope::kEvent, "action", "Header.epcis.action; Aggregation.action"},
    {Scope::kEvent, "bizStep", "Header.epcis.biz_step"},
    {Scope::kEvent, "disposition", "Header.epcis.disposition"},
    {Scope::kEvent, "eventTime", "Header.event_time.micros"},
    {Scope::kEvent, "eventTimeZoneOffset", "Header.event_time.offset_minutes"},
    {Scope::kEvent, "readPoint", "Header.epcis.read_point"},
    {Scope::kEvent, "readPoint.id", "Header.epcis.read_point"},
    {Scope::kEvent, "bizLocation", "Header.epcis.biz_location"},
    {Scope::kEvent, "bizLocation.id", "Header.epcis.biz_location"},
    {Scope::kEvent, "bizTransactionList", "Header.epcis.biz_transactions"},
    {Scope::kEvent, "bizTransactionList[].type", "Header.epcis.biz_transactions[].type"},
    {Scope::kEvent, "bizTransactionList[].bizTransaction",
     "Header.epcis.biz_transactions[].id; Shipment.shipment_id, Receipt.shipment_id"},
    {Scope::kEvent, "sourceList", "Header.epcis.sources"},
    {Scope::kEvent, "sourceList[].type", "Header.epcis.sources[].type"},
    {Scope::kEvent, "sourceList[].source", "Header.epcis.sources[].id; Receipt.from"},
    {Scope::kEvent, "destinationList", "Header.epcis.destinations"},
    {Scope::kEvent, "destinationList[].type", "Header.epcis.destinations[].type"},
    {Scope::kEvent, "destinationList[].destination",
     "Header.epcis.destinations[].id; Shipment.to"},
    {Scope::kEvent, "persistentDisposition",
     "Header.epcis.persistent_disposition_set, persistent_disposition_unset"},
    {Scope::kEvent, "persistentDisposition.set", "Header.epcis.persistent_disposition_set"},
    {Scope::kEvent, "persistentDisposition.unset", "Header.epcis.persistent_disposition_unset"},
    {Scope::kEvent, "epcList",
     "items[].serials of Shipment, Receipt, Disposition; LotRegistration.serials; "
     "Shipment.containers; else Header.epcis.epcs"},
    {Scope::kEvent, "quantityList",
     "items[] of Shipment, Receipt, Disposition; LotRegistration.lot, quantity"},
    {Scope::kEvent, "quantityList[].epcClass", "items[].lot; LotRegistration.lot"},
    {Scope::kEvent, "quantityList[].quantity",
     "items[].quantity.value, scale; LotRegistration.quantity.value, scale"},
    {Scope::kEvent, "quantityList[].uom", "items[].quantity.unit; LotRegistration.quantity.unit"},
    {Scope::kEvent, "parentID", "Aggregation.parent"},
    {Scope::kEvent, "childEPCs", "Aggregation.children"},
    {Scope::kEvent, "childQuantityList", "Aggregation.child_lots"},
    {Scope::kEvent, "childQuantityList[].epcClass", "Aggregation.child_lots[].lot"},
    {Scope::kEvent, "childQuantityList[].quantity",
     "Aggregation.child_lots[].quantity.value, scale"},
    {Scope::kEvent, "childQuantityList[].uom", "Aggregation.child_lots[].quantity.unit"},
    {Scope::kEvent, "inputEPCList", "Header.epcis.input_epcs"},
    {Scope::kEvent, "inputQuantityList", "LotRegistration.inputs"},
    {Scope::kEvent, "inputQuantityList[].epcClass", "LotRegistration.inputs[].lot"},
    {Scope::kEvent, "inputQuantityList[].quantity",
     "LotRegistration.inputs[].quantity.value, scale"},
    {Scope::kEvent, "inputQuantityList[].uom", "LotRegistration.inputs[].quantity.unit"},
    {Scope::kEvent, "outputEPCList", "LotRegistration.serials; else Header.epcis.epcs"},
    {Scope::kEvent, "ilmd", "Header.epcis.ilmd"},
    {Scope::kEvent, "ilmd.example:bestBeforeDate", "Header.epcis.ilmd[example:bestBeforeDate]"},
    {Scope::kEvent, "ilmd.example:batch",
     "Header.epcis.ilmd[example:batch]; LotRegistration.lot.lot"},
    {Scope::kEvent, "example:myField", "Header.epcis.extensions[example:myField]"},
};

std::string ScopeName(Scope s) { return s == Scope::kDocument ? "document" : "event"; }

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << p;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> ExampleFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(QTRACE_EPCIS_TESTDATA_DIR)) {
    if (e.path().extension() == ".jsonld") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

using PathSet = std::set<std::pair<Scope, std::string>>;

// Collects the path of every object key under `v`.
void Walk(const json::value& v, Scope scope, const std::string& path, PathSet* out,
          int* events) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      std::string p = path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key());
      out->emplace(scope, p);
      if (scope == Scope::kDocument && p == "epcisBody.eventList" && kv.value().is_array()) {
        for (const json::value& event : kv.value().as_array()) {
          ++*events;
          Walk(event, Scope::kEvent, "", out, events);
        }
        continue;
      }
      Walk(kv.value(), scope, p, out, events);
    }
  } else if (v.is_array()) {
    for (const json::value& e : v.as_array()) Walk(e, scope, path + "[]", out, events);
  }
}

TEST(EpcisMappingTest, TestdataHoldsTheNineExampleFiles) {
  auto files = ExampleFiles();
  EXPECT_EQ(files.size(), 9u);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(QTRACE_EPCIS_TESTDATA_DIR) /
                                      "SOURCES.md"));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(QTRACE_EPCIS_TESTDATA_DIR) /
                                      "LICENSE-Apache-2.0.txt"));
}

TEST(EpcisMappingTest, EveryKeyOfEveryExampleEventIsMapped) {
  std::set<std::pair<Scope, std::string>> mapped;
  for (const Row& r : kMapping) {
    EXPECT_TRUE(mapped.emplace(r.scope, std::string(r.path)).second) << "duplicate " << r.path;
  }
  PathSet seen;
  int events = 0;
  for (const auto& file : ExampleFiles()) {
    SCOPED_TRACE(file.filename().string());
    boost::system::error_code ec;
    json::value doc = json::parse(ReadFile(file), ec);
    ASSERT_FALSE(ec) << ec.message();
    PathSet paths;
    Walk(doc, Scope::kDocument, "", &paths, &events);
    for (const auto& p : paths) {
      EXPECT_TRUE(mapped.count(p))
          << ScopeName(p.first) << " key '" << p.second
          << "' has no row in the mapping table (docs/epcis-mapping.md section 1)";
    }
    seen.insert(paths.begin(), paths.end());
  }
  EXPECT_EQ(events, 12) << "events in the nine files";
  // And every row describes a key the examples carry (other EPCIS fields go
  // to section 2 of the doc).
  for (const Row& r : kMapping) {
    EXPECT_TRUE(seen.count({r.scope, std::string(r.path)}))
        << "row '" << r.path << "' matches no key of the examples";
  }
}

// Reads the rows "| scope | `path` | `home` | notes |" of the doc's section 1.
std::set<std::tuple<std::string, std::string, std::string>> DocRows(const std::string& doc) {
  std::set<std::tuple<std::string, std::string, std::string>> rows;
  size_t start = doc.find("\n## 1.");
  size_t end = doc.find("\n## 2.");
  EXPECT_NE(start, std::string::npos) << "the doc has no section 1";
  EXPECT_NE(end, std::string::npos) << "the doc has no section 2";
  if (start == std::string::npos || end == std::string::npos) return rows;
  std::istringstream in(doc.substr(start, end - start));
  auto unquote = [](std::string s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    return s;
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| document |", 0) != 0 && line.rfind("| event |", 0) != 0) continue;
    std::vector<std::string> cells;
    size_t pos = 1;
    while (pos < line.size()) {
      size_t bar = line.find(" |", pos);
      if (bar == std::string::npos) break;
      cells.push_back(unquote(line.substr(pos, bar - pos)));
      pos = bar + 2;
    }
    EXPECT_GE(cells.size(), 3u) << line;
    if (cells.size() >= 3) rows.emplace(cells[0], cells[1], cells[2]);
  }
  return rows;
}

TEST(EpcisMappingTest, DocTableMatchesTheTestTable) {
  auto doc_rows = DocRows(ReadFile(QTRACE_EPCIS_MAPPING_DOC));
  std::set<std::tuple<std::string, std::string, std::string>> test_rows;
  for (const Row& r : kMapping) {
    test_rows.emplace(ScopeName(r.scope), std::string(r.path), std::string(r.home));
  }
  for (const auto& row : test_rows) {
    EXPECT_TRUE(doc_rows.count(row)) << "doc lacks | " << std::get<0>(row) << " | `"
                                     << std::get<1>(row) << "` | `" << std::get<2>(row) << "` |";
  }
  for (const auto& row : doc_rows) {
    EXPECT_TRUE(test_rows.count(row)) << "test table lacks the doc row for `"
                                      << std::get<1>(row) << "`: `" << std::get<2>(row) << "`";
  }
}

}  // namespace
}  // namespace qtrace
