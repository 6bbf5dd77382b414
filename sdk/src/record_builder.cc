#include "qtrace/record_builder.h"

#include <boost/json.hpp>
#include <cctype>
#include <cstring>

#include "qtrace/encoding.h"
#include "qtrace/record_json.h"

namespace qtrace {
namespace {

namespace json = boost::json;

std::string Hex(const Hash256& h) { return HexEncode(AsBytes(h)); }
std::string B64Key(const RawPublicKey& k) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
}

// Sets o[key] = value unless value is empty.
void Put(json::object& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

void PutStrings(json::object& o, const char* key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  o[key] = std::move(a);
}

void PutAttrs(json::object& o, const char* key, const Attributes& attrs) {
  if (attrs.empty()) return;
  json::object a;
  for (const Attribute& x : attrs) {
    switch (x.type) {
      case Attribute::Type::kString:
        a[x.key] = x.text;
        break;
      case Attribute::Type::kInt:
        a[x.key] = x.number;
        break;
      case Attribute::Type::kBool:
        a[x.key] = x.flag;
        break;
      case Attribute::Type::kDecimal:
        a[x.key] = json::object{{"decimal", x.text}};
        break;
      case Attribute::Type::kTime:
        a[x.key] = json::object{{"time", x.text}};
        break;
    }
  }
  o[key] = std::move(a);
}

void PutItems(json::object& o, const char* key, const std::vector<LotQuantity>& items) {
  if (items.empty()) return;
  json::array a;
  for (const LotQuantity& i : items) {
    json::object x{{"lot", i.lot}, {"quantity", i.quantity}};
    PutStrings(x, "serials", i.serials);
    a.push_back(std::move(x));
  }
  o[key] = std::move(a);
}

void PutHashes(json::object& o, const char* key, const std::vector<Hash256>& v) {
  if (v.empty()) return;
  json::array a;
  for (const auto& h : v) a.emplace_back(Hex(h));
  o[key] = std::move(a);
}

json::object Start(const char* type) { return json::object{{"type", type}}; }

std::string Finish(json::object o, const std::string& event_time, const std::string& note) {
  Put(o, "event_time", event_time);
  Put(o, "note", note);
  return json::serialize(o);
}

bool IsUnitChar(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}

}  // namespace

// ---- small values ---------------------------------------------------------------------

Attribute Attribute::String(std::string key, std::string value) {
  Attribute a;
  a.key = std::move(key);
  a.type = Type::kString;
  a.text = std::move(value);
  return a;
}
Attribute Attribute::Int(std::string key, int64_t value) {
  Attribute a;
  a.key = std::move(key);
  a.type = Type::kInt;
  a.number = value;
  return a;
}
Attribute Attribute::Decimal(std::string key, std::string value) {
  Attribute a = String(std::move(key), std::move(value));
  a.type = Type::kDecimal;
  return a;
}
Attribute Attribute::Bool(std::string key, bool value) {
  Attribute a;
  a.key = std::move(key);
  a.type = Type::kBool;
  a.flag = value;
  return a;
}
Attribute Attribute::Time(std::string key, std::string rfc3339) {
  Attribute a = String(std::move(key), std::move(rfc3339));
  a.type = Type::kTime;
  return a;
}

StatusOr<Attribute> Attribute::Parse(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgument(
        "attribute '" + std::string(text) + "' must look like key=value or key:type=value",
        "bad_attribute");
  }
  std::string_view name = text.substr(0, eq);
  std::string value(text.substr(eq + 1));
  std::string_view type = "string";
  // A type suffix is the part after the last ':' when it names a type, so
  // keys such as "gs1:netWeight" stay strings.
  auto colon = name.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view t = name.substr(colon + 1);
    if (t == "string" || t == "int" || t == "decimal" || t == "bool" || t == "time") {
      type = t;
      name = name.substr(0, colon);
    }
  }
  std::string key(name);
  if (type == "string") return String(key, value);
  if (type == "decimal") return Decimal(key, value);
  if (type == "time") return Time(key, value);
  if (type == "bool") {
    if (value == "true") return Bool(key, true);
    if (value == "false") return Bool(key, false);
    return InvalidArgument("attribute " + key + ": a bool is true or false", "bad_attribute");
  }
  // int
  if (value.empty() || value.size() > 19 ||
      value.find_first_not_of("0123456789", value[0] == '-' ? 1 : 0) != std::string::npos ||
      value == "-") {
    return InvalidArgument("attribute " + key + ": '" + value + "' is not an integer",
                           "bad_attribute");
  }
  return Int(key, std::stoll(value));
}

StatusOr<std::string> NormalizeQuantity(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t digits = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  std::string_view number = text.substr(0, i);
  std::string_view rest = text.substr(i);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  bool unit_ok = !rest.empty();
  for (char c : rest) unit_ok = unit_ok && IsUnitChar(c);
  if (i == digits || !unit_ok) {
    return InvalidArgument("quantity '" + std::string(text) +
                               "' must look like \"1200.5 KGM\" (a number and a UNECE unit code)",
                           "bad_quantity");
  }
  return std::string(number) + " " + std::string(rest);
}

StatusOr<LotQuantity> LotQuantity::Parse(std::string_view text) {
  auto eq = text.rfind('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgument(
        "'" + std::string(text) + "' must look like LOT=QUANTITY, e.g. local:crab-feed/F-2406=1TNE",
        "bad_item");
  }
  LotQuantity q;
  q.lot = std::string(text.substr(0, eq));
  QT_ASSIGN_OR_RETURN(q.quantity, NormalizeQuantity(text.substr(eq + 1)));
  return q;
}

// ---- specs to readable JSON -------------------------------------------------------

std::string ToRecordJson(const PartySpec& s) {
  json::object o = Start("party");
  o["party_id"] = s.party_id;
  Put(o, "name", s.name);
  PutStrings(o, "roles", s.roles);
  PutStrings(o, "sectors", s.sectors);
  if (!s.licences.empty()) {
    json::array a;
    for (const auto& l : s.licences) {
      json::object x{{"kind", l.kind}, {"number", l.number}};
      Put(x, "scope", l.scope);
      Put(x, "valid_from", l.valid_from);
      Put(x, "valid_to", l.valid_to);
      a.push_back(std::move(x));
    }
    o["licences"] = std::move(a);
  }
  if (!s.keys.empty()) {
    json::array a;
    for (const auto& k : s.keys) a.emplace_back(B64Key(k));
    o["keys"] = std::move(a);
  }
  Put(o, "gln", s.gln);
  Put(o, "admin_area", s.admin_area);
  Put(o, "webhook", s.webhook);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const KeyRotationSpec& s) {
  json::object o = Start("key_rotation");
  o["party_id"] = s.party_id;
  o["new_key"] = B64Key(s.new_key);
  if (s.retire_key_id) o["retire_key_id"] = Hex(*s.retire_key_id);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const KeyRevocationSpec& s) {
  json::object o = Start("key_revocation");
  o["party_id"] = s.party_id;
  o["key_id"] = Hex(s.key_id);
  Put(o, "compromised_since", s.compromised_since);
  Put(o, "reason", s.reason);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const ProductSpec& s) {
  json::object o = Start("product");
  auto colon = s.product.find(':');
  if (colon == std::string::npos) {
    o["scheme"] = "gtin";
    o["product_id"] = s.product;
  } else {
    o["scheme"] = s.product.substr(0, colon);
    o["product_id"] = s.product.substr(colon + 1);
  }
  Put(o, "owner", s.owner);
  o["sector"] = s.sector;
  Put(o, "name", s.name);
  Put(o, "default_unit", s.default_unit);
  PutAttrs(o, "attributes", s.attributes);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const UnitSpec& s) {
  json::object o = Start("unit");
  o["unit_id"] = s.unit_id;
  o["kind"] = s.kind;
  Put(o, "site", s.site);
  Put(o, "sector", s.sector);
  PutAttrs(o, "attributes", s.attributes);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const ApplyInputSpec& s) {
  json::object o = Start("unit_event");
  o["unit"] = s.unit;
  o["kind"] = "input_applied";
  o["input"] = s.input;
  o["quantity"] = s.quantity;
  o["start"] = s.time;
  Put(o, "end", s.end);
  PutAttrs(o, "attributes", s.attributes);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const EmptiedSpec& s) {
  json::object o = Start("unit_event");
  o["unit"] = s.unit;
  o["kind"] = "emptied";
  o["start"] = s.time;
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const ProcessRunSpec& s) {
  json::object o = Start("unit_event");
  o["unit"] = s.unit;
  o["kind"] = "process_run";
  Put(o, "run_id", s.run_id);
  o["start"] = s.start;
  o["end"] = s.end;
  PutAttrs(o, "attributes", s.attributes);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const StoredSpec& s) {
  json::object o = Start("unit_event");
  o["unit"] = s.unit;
  o["kind"] = "stored";
  Put(o, "input", s.lot);
  PutStrings(o, "serials", s.serials);
  o["start"] = s.start;
  Put(o, "end", s.end);
  PutAttrs(o, "attributes", s.attributes);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const LotSpec& s) {
  json::object o = Start("lot");
  o["lot"] = s.lot;
  o["quantity"] = s.quantity;
  o["production_time"] = s.production_time;
  Put(o, "expiry_time", s.expiry_time);
  Put(o, "site", s.site);
  if (!s.inputs.empty()) {
    json::array a;
    for (const auto& in : s.inputs) {
      json::object x{{"lot", in.lot}, {"quantity", in.quantity}};
      Put(x, "kind", in.kind);
      a.push_back(std::move(x));
    }
    o["inputs"] = std::move(a);
  }
  if (!s.units.empty()) {
    json::array a;
    for (const auto& u : s.units) {
      json::object x{{"unit", u.unit}};
      if (u.end.empty() || u.end == u.start) {
        x["time"] = u.start;
      } else {
        x["start"] = u.start;
        x["end"] = u.end;
      }
      a.push_back(std::move(x));
    }
    o["units"] = std::move(a);
  }
  PutAttrs(o, "attributes", s.attributes);
  if (!s.certificates.empty()) {
    json::array a;
    for (const auto& c : s.certificates) {
      json::object x{{"cert_id", c.cert_id}};
      Put(x, "standard", c.standard);
      a.push_back(std::move(x));
    }
    o["certificates"] = std::move(a);
  }
  PutStrings(o, "serials", s.serials);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const ShipmentSpec& s) {
  json::object o = Start("shipment");
  o["shipment_id"] = s.shipment_id;
  o["to"] = s.to;
  PutItems(o, "items", s.items);
  PutStrings(o, "containers", s.containers);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const ReceiveSpec& s) {
  json::object o = Start("receipt");
  o["from"] = s.from;
  o["shipment_id"] = s.shipment_id;
  PutItems(o, "items", s.items);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const DispositionSpec& s) {
  json::object o = Start("disposition");
  o["kind"] = s.kind;
  PutItems(o, "items", s.items);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const AggregationSpec& s) {
  json::object o = Start("aggregation");
  o["action"] = s.action;
  o["parent"] = s.parent;
  PutStrings(o, "children", s.children);
  PutItems(o, "child_lots", s.child_lots);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const AdjustmentSpec& s) {
  json::object o = Start("adjustment");
  o["lot"] = s.lot;
  o["delta"] = s.delta;
  o["reason"] = s.reason;
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const LotStatusSpec& s) {
  json::object o = Start("lot_status");
  o["lot"] = s.lot;
  o["status"] = s.status;
  Put(o, "reason", s.reason);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const CorrectionSpec& s) {
  json::object o = Start("error_declaration");
  PutHashes(o, "corrected", s.corrected);
  PutHashes(o, "corrective", s.corrective);
  o["reason"] = s.reason;
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const CertificateSpec& s) {
  json::object o = Start("certificate");
  o["cert_id"] = s.cert_id;
  o["kind"] = s.kind;
  Put(o, "standard", s.standard);
  Put(o, "subject_party", s.subject_party);
  Put(o, "subject_product", s.subject_product);
  Put(o, "subject_lot", s.subject_lot);
  Put(o, "subject_unit", s.subject_unit);
  Put(o, "scope", s.scope);
  o["valid_from"] = s.valid_from;
  Put(o, "valid_to", s.valid_to);
  PutAttrs(o, "attributes", s.attributes);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const CertificateStatusSpec& s) {
  json::object o = Start("certificate_status");
  o["cert_id"] = s.cert_id;
  o["status"] = s.status;
  o["effective"] = s.effective;
  Put(o, "reason", s.reason);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const InspectionSpec& s) {
  json::object o = Start("inspection");
  o["inspection_id"] = s.inspection_id;
  o["kind"] = s.kind;
  o["lot"] = s.lot;
  Put(o, "sample_id", s.sample_id);
  if (!s.items.empty()) {
    json::array a;
    for (const auto& it : s.items) {
      json::object x{{"name", it.name}, {"value", it.value}};
      Put(x, "unit", it.unit);
      Put(x, "min", it.min);
      Put(x, "max", it.max);
      if (it.pass) x["pass"] = *it.pass;
      a.push_back(std::move(x));
    }
    o["items"] = std::move(a);
  }
  Put(o, "result", s.result);
  Put(o, "report_no", s.report_no);
  Put(o, "accreditation", s.accreditation);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const RuleParametersSpec& s) {
  json::object o = Start("rule_parameters");
  o["sector"] = s.sector;
  o["set_id"] = s.set_id;
  o["params"] = json::object();
  PutAttrs(o, "params", s.params);
  return Finish(std::move(o), s.event_time, s.note);
}

namespace {

json::object SeedJson(const RecallSeedSpec& s) {
  json::object o;
  PutStrings(o, "lots", s.lots);
  PutStrings(o, "serials", s.serials);
  PutStrings(o, "input_lots", s.input_lots);
  if (!s.product_windows.empty()) {
    json::array a;
    for (const auto& w : s.product_windows) {
      json::object x{{"product", w.product}, {"from", w.from}, {"to", w.to}};
      Put(x, "site", w.site);
      PutAttrs(x, "attributes", w.attributes);
      Put(x, "certificate", w.certificate);
      a.push_back(std::move(x));
    }
    o["product_windows"] = std::move(a);
  }
  if (!s.unit_windows.empty()) {
    json::array a;
    for (const auto& w : s.unit_windows) {
      a.push_back(json::object{
          {"owner", w.owner}, {"unit", w.unit}, {"start", w.start}, {"end", w.end}});
    }
    o["unit_windows"] = std::move(a);
  }
  return o;
}

}  // namespace

std::string ToRecordJson(const RecallOrderSpec& s) {
  json::object o = Start("recall");
  o["recall_id"] = s.recall_id;
  o["sector"] = s.sector;
  o["level"] = s.level;
  Put(o, "hazard", s.hazard);
  Put(o, "reason", s.reason);
  Put(o, "depth", s.depth);
  o["responsible"] = s.responsible;
  Put(o, "risk_known_at", s.risk_known_at);
  o["seed"] = SeedJson(s.seed);
  if (s.public_notice) o["public_notice"] = true;
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const RecallAckSpec& s) {
  json::object o = Start("recall_ack");
  o["recall_id"] = s.recall_id;
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const RecallProgressSpec& s) {
  json::object o = Start("recall_progress");
  o["recall_id"] = s.recall_id;
  json::array items;
  for (const auto& it : s.items) {
    json::object x{{"lot", it.lot}};
    Put(x, "recovered", it.recovered);
    Put(x, "destroyed", it.destroyed);
    Put(x, "consumed", it.consumed);
    Put(x, "corrected", it.corrected);
    items.push_back(std::move(x));
  }
  if (!items.empty()) o["items"] = std::move(items);
  PutStrings(o, "evidence", s.evidence);
  if (!s.report.empty()) o["report"] = s.report;
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const RecallTransitionSpec& s) {
  json::object o = Start("recall_transition");
  o["recall_id"] = s.recall_id;
  o["to"] = s.to;
  Put(o, "reason", s.reason);
  PutStrings(o, "evidence", s.evidence);
  Put(o, "outcome", s.outcome);
  return Finish(std::move(o), s.event_time, s.note);
}

std::string ToRecordJson(const RecallWidenSpec& s) {
  json::object o = Start("recall_widen");
  o["recall_id"] = s.recall_id;
  o["seed"] = SeedJson(s.seed);
  Put(o, "reason", s.reason);
  return Finish(std::move(o), s.event_time, s.note);
}

// ---- completing, mapping, signing ---------------------------------------------------------

StatusOr<std::string> BuildRecordPayload(std::string_view record_json, std::string_view party,
                                         int64_t now_micros) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(record_json.data(), record_json.size()), ec);
  if (ec) return InvalidArgument("malformed JSON: " + ec.message(), "bad_json");
  if (!v.is_object()) return InvalidArgument("a record must be a JSON object", "bad_json");
  json::object& o = v.as_object();
  if (!party.empty() && !o.contains("party")) o["party"] = party;
  if (!o.contains("event_time")) o["event_time"] = FormatMicrosUtc(now_micros);
  return RecordFromJson(o);
}

RecordSigner::RecordSigner(PrivateKey key, std::string party, const Clock* clock)
    : key_(std::move(key)), party_(std::move(party)), clock_(clock) {}

StatusOr<SignedEnvelope> RecordSigner::SignJson(std::string_view record_json) const {
  QT_ASSIGN_OR_RETURN(std::string payload,
                      BuildRecordPayload(record_json, party_, clock_->NowMicros()));
  return SignPayload(key_, kRecordPayloadType, std::move(payload));
}

std::string EnvelopeToJson(const SignedEnvelope& e) {
  json::object o;
  o["payload_type"] = e.payload_type;
  o["payload"] = Base64Encode(e.payload);
  o["key_id"] = HexEncode(AsBytes(e.key_id));
  o["signature"] = Base64Encode(AsBytes(e.signature));
  return json::serialize(o);
}

StatusOr<SignedEnvelope> EnvelopeFromJson(std::string_view json_text) {
  auto bad = [](const std::string& why) {
    return InvalidArgument("envelope: " + why, "bad_envelope");
  };
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(json_text.data(), json_text.size()), ec);
  if (ec) return bad("malformed JSON: " + ec.message());
  if (!v.is_object()) return bad("must be a JSON object");
  const json::object& o = v.as_object();
  for (const auto& kv : o) {
    if (kv.key() != "payload_type" && kv.key() != "payload" && kv.key() != "key_id" &&
        kv.key() != "signature") {
      return bad("unknown field '" + std::string(kv.key()) + "'");
    }
  }
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto it = o.find(k);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().as_string());
  };
  auto type = str("payload_type"), payload = str("payload"), key_id = str("key_id"),
       sig = str("signature");
  if (!type || !payload || !key_id || !sig) {
    return bad(
        "needs string fields payload_type, payload (base64), key_id (hex), signature (base64)");
  }
  SignedEnvelope e;
  e.payload_type = *type;
  auto p = Base64Decode(*payload);
  if (!p || p->empty()) return bad("payload is not base64");
  e.payload = std::move(*p);
  auto k = HexDecode(*key_id);
  if (!k || !ToHash256(*k, &e.key_id)) return bad("key_id is not 64 hex digits");
  auto s = Base64Decode(*sig);
  if (!s || s->size() != 64) return bad("signature is not base64 of 64 bytes");
  std::memcpy(e.signature.data(), s->data(), 64);
  return e;
}

}  // namespace qtrace
