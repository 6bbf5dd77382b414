// The one JSON mapping of every record type: a readable JSON record to the
// Record flatbuffer that gets signed, and a Record back to readable JSON.
// The SDK builders, the CLI (`qtrace sign`, `import`) and the daemon's
// record views all go through here, so a field is spelled the same way
// everywhere. docs/record-json.md documents the format; in short:
//
//   {"type": "lot", "party": "91420700MA4B0C1D2E", "event_time": "...+08:00",
//    "lot": "local:coop-lz.crab/P3-0620",         (or {scheme, product, lot})
//    "quantity": "1200.5 KGM",                     (or {value, unit})
//    "inputs": [{"lot": "...", "quantity": "3 KGM", "kind": "composed_of"}],
//    "attributes": {"species": "Eriocheir sinensis", "pond_count": 1,
//                   "strength": {"decimal": "42.5"}, "harvested": {"time": "..."}}}
//
// Times are RFC 3339 strings, hashes and key ids lowercase hex, public keys
// base64 of the raw 32 bytes. Unknown fields are an error, so a typo never
// silently drops data.
//
// Thread-safety: pure functions.
#ifndef QTRACE_RECORD_JSON_H_
#define QTRACE_RECORD_JSON_H_

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "qtrace/record.h"
#include "qtrace/status.h"

namespace qtrace {

// Parses JSON text / a JSON object into Record flatbuffer bytes (8-byte
// aligned when held in a std::string). InvalidArgument names the field.
StatusOr<std::string> RecordFromJson(std::string_view json_text);
StatusOr<std::string> RecordFromJson(const boost::json::object& json);

// Renders a verified Record as JSON (the same shape RecordFromJson reads).
boost::json::object RecordToJsonObject(const fb::Record& record);
std::string RecordToJson(const fb::Record& record);

// "gtin:06901234567892/240315A" <-> parts. Product ids may not contain '/'.
struct LotKeyParts {
  fb::IdScheme scheme = fb::IdScheme::GTIN;
  std::string product;
  std::string lot;
};
StatusOr<LotKeyParts> ParseLotRef(std::string_view text);
std::string FormatLotRef(fb::IdScheme scheme, std::string_view product,
                         std::string_view lot);
std::string FormatLotRef(const fb::LotRef* ref);
std::string_view SchemeName(fb::IdScheme scheme);
StatusOr<fb::IdScheme> SchemeFromName(std::string_view name);
// "valid", "suspended", "revoked", "cancelled", "reinstated": the JSON names.
std::string_view CertStatusName(fb::CertStatus status);

// Rejects ids with characters outside [A-Za-z0-9._:-] (and an empty or
// longer-than-64 id), so ids are safe in URLs, keys and CSV.
Status ValidateId(std::string_view what, std::string_view id);

}  // namespace qtrace

#endif  // QTRACE_RECORD_JSON_H_
