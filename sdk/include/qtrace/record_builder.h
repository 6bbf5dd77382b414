// Record builders: one plain C++ struct per record type a party states, and
// the way from there to a signed envelope. A struct is turned into the
// readable JSON record of record_json.h (ToRecordJson), and that JSON into
// the Record flatbuffer by RecordFromJson — the one mapping every surface
// (SDK, `qtrace` CLI, daemon views) shares, so a field is spelled and
// checked the same way everywhere. Nothing here writes a flatbuffer itself.
//
// Values are written as they read in JSON: lot references
// "scheme:product/lot" ("gtin:06901234567892/240315A",
// "local:crab-feed/F-2406"), quantities "value UNIT" ("1200.5 KGM", UNECE
// Rec 20 codes), times RFC 3339 with the signer's offset
// ("2026-09-20T06:00:00+08:00"), record and key ids lowercase hex. An empty
// string (or empty vector) leaves the field out. Mistakes are reported when
// the JSON is mapped (InvalidArgument naming the field), not here.
//
// Every struct ends with `event_time` (empty: the signer's clock, now) and
// `note` (free text for humans; never personal data), so designated
// initialisers can skip them:
//
//   LotSpec lot{.lot = "local:crab-feed/F-2406", .quantity = "2 TNE",
//               .production_time = "2026-04-20T08:00:00+08:00"};
//   StatusOr<SignedEnvelope> env = RecordSigner(key, "lakeside-feed").Sign(lot);
//
// Thread-safety: the structs are values; the free functions are pure;
// RecordSigner is immutable after construction and may be shared.
#ifndef QTRACE_RECORD_BUILDER_H_
#define QTRACE_RECORD_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/record.h"
#include "qtrace/status.h"
#include "qtrace/time.h"

namespace qtrace {

// A typed attribute (sector attributes, certificate attributes, rule
// parameters). Build one with the named constructors.
struct Attribute {
  enum class Type { kString, kInt, kDecimal, kBool, kTime };
  std::string key{};
  Type type = Type::kString;
  std::string text{};  // kString: the value; kDecimal: "42.5"; kTime: RFC 3339
  int64_t number = 0;  // kInt
  bool flag = false;   // kBool

  static Attribute String(std::string key, std::string value);
  static Attribute Int(std::string key, int64_t value);
  static Attribute Decimal(std::string key, std::string value);
  static Attribute Bool(std::string key, bool value);
  static Attribute Time(std::string key, std::string rfc3339);

  // Parses the command-line spelling: "key=value" is a string;
  // "key:int=80", "key:decimal=42.5", "key:bool=true", "key:time=2026-..."
  // are typed. InvalidArgument when malformed.
  static StatusOr<Attribute> Parse(std::string_view text);
};
using Attributes = std::vector<Attribute>;

// A quantity of a lot, with the serial numbers moved with it (if any).
struct LotQuantity {
  std::string lot{};       // "scheme:product/lot"
  std::string quantity{};  // "400 KGM"
  std::vector<std::string> serials{};

  // Parses "LOT=QUANTITY", e.g. "local:crab-feed/F-2406=1 TNE" (the space
  // before the unit may be left out: "=1TNE").
  static StatusOr<LotQuantity> Parse(std::string_view text);
};

// Normalises "3KGM" / "3 KGM" / "-2.5KGM" to "value UNIT". InvalidArgument
// when there is no number or no unit.
StatusOr<std::string> NormalizeQuantity(std::string_view text);

// ---- parties and keys (admin / regulator) -------------------------------------

struct LicenceSpec {
  std::string kind{};  // SC, XK, drug_mfg, drug_dist, aquaculture, ...
  std::string number{};
  std::string scope{};
  std::string valid_from{}, valid_to{};
};

struct PartySpec {
  std::string party_id{};              // USCC or another stable id
  std::string name{};                  // organisation name (no personal data)
  std::vector<std::string> roles{};    // admin, regulator, certifier, lab, enterprise
  std::vector<std::string> sectors{};  // agriculture, pharma, ...
  std::vector<LicenceSpec> licences{};
  std::vector<RawPublicKey> keys{};  // raw Ed25519 public keys
  std::string gln{};
  std::string admin_area{};  // GB/T 2260 code, e.g. 420700
  std::string webhook{};
  std::string event_time{}, note{};
};

struct KeyRotationSpec {
  std::string party_id{};
  RawPublicKey new_key{};
  std::optional<KeyId> retire_key_id{};
  std::string event_time{}, note{};
};

struct KeyRevocationSpec {
  std::string party_id{};
  KeyId key_id{};
  std::string compromised_since{};
  std::string reason{};
  std::string event_time{}, note{};
};

// ---- products, production units, lots ------------------------------------------

struct ProductSpec {
  std::string product{};  // "gtin:06901234567892", "local:crab-feed", "national:86901234"
  std::string sector{};   // agriculture, building_materials, diamond_tools, pharma
  std::string name{};
  std::string default_unit{};  // UNECE code
  std::string owner{};         // brand owner / MAH when not the signer (authorities only)
  Attributes attributes{};
  std::string event_time{}, note{};
};

struct UnitSpec {
  std::string unit_id{};  // unique per owner (the signer)
  std::string kind{};     // plot, pond, silo, tank, furnace, line, cold_room, other
  std::string site{};
  std::string sector{};
  Attributes attributes{};
  std::string event_time{}, note{};
};

// An input lot applied to a production unit (feed into a pond, pesticide on
// a plot); lots harvested from the unit later inherit it.
struct ApplyInputSpec {
  std::string unit{};
  std::string input{};      // the lot applied
  std::string quantity{};   // consumed from the signer's holding
  std::string time{};       // when it was applied
  std::string end{};        // optional end of effect
  Attributes attributes{};  // dose, method, registration number...
  std::string event_time{}, note{};
};

// The unit was emptied / cleaned: every open application window ends.
struct EmptiedSpec {
  std::string unit{};
  std::string time{};
  std::string event_time{}, note{};
};

// A process run [start, end] on a unit (furnace, braze, line).
struct ProcessRunSpec {
  std::string unit{};
  std::string run_id{};
  std::string start{}, end{};
  Attributes attributes{};
  std::string event_time{}, note{};
};

// A lot, or serials / containers of it, held in a unit (a cold room, a
// warehouse zone) from `start` until `end` (empty: still there). Nothing is
// consumed; a recall seeded at the unit's window (an excursion) takes what
// was in it then — at serial level when serials are named.
struct StoredSpec {
  std::string unit{};
  std::string lot{};                   // the lot stored (optional when serials are named)
  std::vector<std::string> serials{};  // serials or containers (cases, pallets) put in
  std::string start{}, end{};
  Attributes attributes{};  // set point, zone...
  std::string event_time{}, note{};
};

struct InputSpec {
  std::string lot{};
  std::string quantity{};
  std::string kind{};  // composed_of (default), merged_into, split_from, labelled_with, ...
};

struct UnitUseSpec {
  std::string unit{};
  std::string start{}, end{};  // a harvest is an instant: end empty = start
};

struct CertRefSpec {
  std::string cert_id{};
  std::string standard{};
};

struct LotSpec {
  std::string lot{};  // "scheme:product/lot"
  std::string quantity{};
  std::string production_time{};
  std::string expiry_time{};
  std::string site{};
  std::vector<InputSpec> inputs{};
  std::vector<UnitUseSpec> units{};
  Attributes attributes{};
  std::vector<CertRefSpec> certificates{};
  std::vector<std::string> serials{};
  std::string event_time{}, note{};
};

// ---- custody -----------------------------------------------------------------------

struct ShipmentSpec {
  std::string shipment_id{};  // unique per sender; the receiver cites it
  std::string to{};
  std::vector<LotQuantity> items{};
  std::vector<std::string> containers{};
  std::string event_time{}, note{};
};

struct ReceiveSpec {
  std::string from{};
  std::string shipment_id{};
  std::vector<LotQuantity> items{};
  std::string event_time{}, note{};
};

struct DispositionSpec {
  std::string kind{};  // consumed, sold, dispensed, destroyed, recovered
  std::vector<LotQuantity> items{};
  std::string event_time{}, note{};
};

struct AggregationSpec {
  std::string action{};  // pack or unpack
  std::string parent{};  // SSCC, case code, parent serial
  std::vector<std::string> children{};
  std::vector<LotQuantity> child_lots{};
  std::string event_time{}, note{};
};

struct AdjustmentSpec {
  std::string lot{};
  std::string delta{};  // negative for a loss: "-3.5 KGM"
  std::string reason{};
  std::string event_time{}, note{};
};

struct LotStatusSpec {
  std::string lot{};
  std::string status{};  // released, quarantined, on_hold, recalled, destroyed
  std::string reason{};
  std::string event_time{}, note{};
};

// EPCIS error declaration: `corrected` records are declared erroneous,
// `corrective` (already accepted) records replace them.
struct CorrectionSpec {
  std::vector<Hash256> corrected{};
  std::vector<Hash256> corrective{};
  std::string reason{};  // CBV error reason, e.g. incorrect_data
  std::string event_time{}, note{};
};

// ---- certificates, inspections, rule parameters ------------------------------------

struct CertificateSpec {
  std::string cert_id{};
  std::string kind{};      // organic, commitment, sc_licence, rotation_test, ...
  std::string standard{};  // GB/T 19630, EN 13236, GB 175-2023, ...
  std::string subject_party{};
  std::string subject_product{};  // "gtin:069...", "local:..."
  std::string subject_lot{};
  std::string subject_unit{};
  std::string scope{};
  std::string valid_from{}, valid_to{};
  Attributes attributes{};
  std::string event_time{}, note{};
};

struct CertificateStatusSpec {
  std::string cert_id{};
  std::string status{};     // valid, suspended, revoked, cancelled, reinstated
  std::string effective{};  // RFC 3339
  std::string reason{};
  std::string event_time{}, note{};
};

struct InspectionItemSpec {
  std::string name{};
  std::string value{};  // decimal text
  std::string unit{};
  std::string min{}, max{};    // optional limits
  std::optional<bool> pass{};  // derived from the limits when unset
};

struct InspectionSpec {
  std::string inspection_id{};
  std::string kind{};  // spot_check, lab_test, strength_28d, rotation_test
  std::string lot{};
  std::string sample_id{};
  std::vector<InspectionItemSpec> items{};
  std::string result{};  // pass / fail; derived from the items when empty
  std::string report_no{};
  std::string accreditation{};
  std::string event_time{}, note{};
};

struct RuleParametersSpec {
  std::string sector{};
  std::string set_id{};
  Attributes params{};
  std::string event_time{}, note{};
};

// ---- recalls ---------------------------------------------------------------------

// Lots of a product made (at a site) within [from, to].
struct ProductWindowSpec {
  std::string product{};  // "gtin:069...", "local:..."
  std::string site{};     // empty = any site
  std::string from{}, to{};
  // Narrowing: only lots whose registration carries every one of these
  // attributes with an equal value (a heat number, a label) ...
  Attributes attributes{};
  // ... and / or cites this certificate (one that was suspended).
  std::string certificate{};
};

// Everything made on a party's unit within [start, end].
struct UnitWindowSpec {
  std::string owner{}, unit{};
  std::string start{}, end{};
};

// What a recall starts from; at least one list is non-empty.
struct RecallSeedSpec {
  std::vector<std::string> lots{};        // the lots themselves
  std::vector<std::string> serials{};     // serial-level scope (pack codes)
  std::vector<std::string> input_lots{};  // every output whose lineage contains them
  std::vector<ProductWindowSpec> product_windows{};
  std::vector<UnitWindowSpec> unit_windows{};
  bool empty() const {
    return lots.empty() && serials.empty() && input_lots.empty() && product_windows.empty() &&
           unit_windows.empty();
  }
};

// A regulator orders a recall, or an enterprise starts one for its own lots.
struct RecallOrderSpec {
  std::string recall_id{};
  std::string sector{};  // whose levels and deadlines apply
  std::string level{};   // "1"/"2"/"3", "I"/"II"/"III", ... as the sector names them
  std::string hazard{}, reason{};
  std::string depth{};        // wholesale, retail, consumer (default consumer)
  std::string responsible{};  // the party that runs it (producer, MAH)
  std::string risk_known_at{};
  RecallSeedSpec seed{};
  bool public_notice = false;
  std::string event_time{}, note{};
};

struct RecallAckSpec {
  std::string recall_id{};
  std::string event_time{}, note{};
};

// Cumulative per lot: what the reporting party recovered, destroyed, ...
struct RecallProgressItemSpec {
  std::string lot{};
  std::string recovered{}, destroyed{}, consumed{}, corrected{};  // "12 KGM"; empty = none
};

struct RecallProgressSpec {
  std::string recall_id{};
  std::vector<RecallProgressItemSpec> items{};
  std::vector<std::string> evidence{};  // disposal certificates, photos...
  std::string event_time{}, note{};
  // "progress" (default), or "plan": the responsible party files its recall
  // plan / evaluation report with the regulator (evidence names the files).
  std::string report{};
};

// A workflow step: completed_by_firm, under_review, closed, no_recall, ...
struct RecallTransitionSpec {
  std::string recall_id{};
  std::string to{};
  std::string reason{};
  std::vector<std::string> evidence{};
  std::string outcome{};
  std::string event_time{}, note{};
};

// A regulator widens a recall with more seeds; new holders are notified.
struct RecallWidenSpec {
  std::string recall_id{};
  RecallSeedSpec seed{};
  std::string reason{};
  std::string event_time{}, note{};
};

// The readable JSON record (record_json.h) for each struct: "type" and the
// body fields, plus "event_time" and "note" when set. "party" is left out;
// RecordSigner fills it.
std::string ToRecordJson(const PartySpec& spec);
std::string ToRecordJson(const KeyRotationSpec& spec);
std::string ToRecordJson(const KeyRevocationSpec& spec);
std::string ToRecordJson(const ProductSpec& spec);
std::string ToRecordJson(const UnitSpec& spec);
std::string ToRecordJson(const ApplyInputSpec& spec);
std::string ToRecordJson(const EmptiedSpec& spec);
std::string ToRecordJson(const ProcessRunSpec& spec);
std::string ToRecordJson(const StoredSpec& spec);
std::string ToRecordJson(const LotSpec& spec);
std::string ToRecordJson(const ShipmentSpec& spec);
std::string ToRecordJson(const ReceiveSpec& spec);
std::string ToRecordJson(const DispositionSpec& spec);
std::string ToRecordJson(const AggregationSpec& spec);
std::string ToRecordJson(const AdjustmentSpec& spec);
std::string ToRecordJson(const LotStatusSpec& spec);
std::string ToRecordJson(const CorrectionSpec& spec);
std::string ToRecordJson(const CertificateSpec& spec);
std::string ToRecordJson(const CertificateStatusSpec& spec);
std::string ToRecordJson(const InspectionSpec& spec);
std::string ToRecordJson(const RuleParametersSpec& spec);
std::string ToRecordJson(const RecallOrderSpec& spec);
std::string ToRecordJson(const RecallAckSpec& spec);
std::string ToRecordJson(const RecallProgressSpec& spec);
std::string ToRecordJson(const RecallTransitionSpec& spec);
std::string ToRecordJson(const RecallWidenSpec& spec);

// Completes a readable JSON record and maps it: sets "party" to `party` when
// the record has none (an empty `party` sets nothing), and "event_time" to
// `now_micros` (UTC) when it has none; then RecordFromJson. Returns the
// Record flatbuffer bytes. InvalidArgument naming the field otherwise.
StatusOr<std::string> BuildRecordPayload(std::string_view record_json, std::string_view party,
                                         int64_t now_micros);

// Signs records for one party with one key.
class RecordSigner {
 public:
  // `clock` is not owned and must outlive the signer.
  RecordSigner(PrivateKey key, std::string party, const Clock* clock = SystemClock::Default());

  const std::string& party() const { return party_; }
  const PrivateKey& key() const { return key_; }

  // BuildRecordPayload with this signer's party and clock, then
  // SignPayload(kRecordPayloadType).
  StatusOr<SignedEnvelope> SignJson(std::string_view record_json) const;

  // Any spec above.
  template <typename Spec>
  StatusOr<SignedEnvelope> Sign(const Spec& spec) const {
    return SignJson(ToRecordJson(spec));
  }

 private:
  PrivateKey key_;
  std::string party_;
  const Clock* clock_;
};

// The envelope as JSON — {"payload_type", "payload" (base64), "key_id"
// (hex), "signature" (base64)} — the shape POST /v1/records accepts, and
// back. InvalidArgument on a malformed envelope.
std::string EnvelopeToJson(const SignedEnvelope& envelope);
StatusOr<SignedEnvelope> EnvelopeFromJson(std::string_view json_text);

}  // namespace qtrace

#endif  // QTRACE_RECORD_BUILDER_H_
