// Import of GS1 EPCIS 2.0 events (JSON / JSON-LD) as qtrace records.
//
// One EPCIS event becomes one Record. The body states what qtrace checks and
// balances: lots and quantities, the parties goods move between, containers.
// Header.epcis keeps the rest of the event verbatim (event id, action, CBV
// bizStep and disposition, read point, business location, transactions,
// source/destination lists, persistent disposition, ilmd, sensor data,
// extension fields), so an export can say again what the event said.
// docs/epcis-mapping.md lists where every field goes, which events have no
// qtrace body yet, and the conventions used:
//   - an epcClass without a lot (urn:epc:idpat:sgtin:...*, a Digital Link with
//     only /01/) becomes lot "*", after the EPC pattern's own wildcard;
//   - a quantity without uom is a count of instances: unit C62 ("one");
//   - instance EPCs of one GTIN (SGTINs) travel as an item of lot "*" (or the
//     Digital Link's /10/ lot) with their EPCs as serials; other EPCs (SSCCs)
//     are containers where the body has them, else Header.epcis.epcs.
//
// Thread-safety: pure functions.
#ifndef QTRACE_EPCIS_H_
#define QTRACE_EPCIS_H_

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "qtrace/record_json.h"
#include "qtrace/status.h"

namespace qtrace {

// Converts one event of an EPCIS document's epcisBody.eventList into the
// record JSON that RecordFromJson reads (record_json.h), stated by `party`,
// e.g. for `qtrace import` to show before signing.
// Fails with InvalidArgument (reason "bad_epcis", the message starts with the
// event field's path) when the event is malformed or carries a field qtrace
// has no home for, and with FailedPrecondition (reason "epcis_no_body") when
// the event is well formed but no record body can state it (an OBSERVE
// without source or destination party, an inspection, ...).
StatusOr<boost::json::object> RecordJsonFromEpcisEvent(const boost::json::object& event,
                                                       std::string_view party);

// RecordJsonFromEpcisEvent + RecordFromJson: Record flatbuffer bytes (8-byte
// aligned when held in a std::string), ready to sign.
StatusOr<std::string> RecordFromEpcisEvent(const boost::json::object& event,
                                           std::string_view party);

// A GS1 identifier read from an EPC URI or a GS1 Digital Link URI.
struct Gs1Id {
  std::string gtin;                 // GTIN-14, check digit valid
  std::optional<std::string> lot;   // AI 10; "*" for a pattern of any lot
  std::optional<std::string> serial;  // AI 21
};

// Reads an epcClass: urn:epc:class:lgtin:CP.IR.LOT, urn:epc:idpat:sgtin:CP.IR.*
// or a Digital Link https://host/.../01/GTIN[/10/LOT]. The lot is "*" when the
// class names no lot. InvalidArgument for anything else.
StatusOr<Gs1Id> ParseEpcClass(std::string_view epc_class);

// Reads an instance EPC that names a trade item: urn:epc:id:sgtin:CP.IR.SER
// or a Digital Link https://host/.../01/GTIN[/10/LOT]/21/SER. NotFound for
// other EPCs (SSCC, SGLN, GIAI, ...); InvalidArgument for a malformed SGTIN.
StatusOr<Gs1Id> ParseTradeItemEpc(std::string_view epc);

}  // namespace qtrace

#endif  // QTRACE_EPCIS_H_
