#include "qtrace/epcis.h"

#include <boost/json.hpp>
#include <charconv>
#include <initializer_list>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "qtrace/time.h"
#include "qtrace/validators.h"

namespace qtrace {

namespace json = boost::json;

namespace {

// ---- small helpers --------------------------------------------------------------

Status Bad(const std::string& path, std::string_view why) {
  return InvalidArgument(path + ": " + std::string(why), "bad_epcis");
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// URI percent-decoding (EPC URNs and Digital Link path segments escape
// reserved characters this way). nullopt on a broken escape.
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string_view StripPrefix(std::string_view v, std::string_view prefix) {
  if (v.substr(0, prefix.size()) == prefix) v.remove_prefix(prefix.size());
  return v;
}

// The bare CBV name of a value written as a bare word, a CBV 1.x URN or a
// CBV 2.0 web URI ("shipping", "urn:epcglobal:cbv:bizstep:shipping",
// "https://ref.gs1.org/cbv/BizStep-shipping").
std::string_view CbvName(std::string_view v, std::string_view urn_prefix,
                         std::string_view web_prefix) {
  return StripPrefix(StripPrefix(v, urn_prefix), web_prefix);
}
std::string_view BizStepName(std::string_view v) {
  return CbvName(v, "urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-");
}
std::string_view SourceDestTypeName(std::string_view v) {
  return CbvName(v, "urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-");
}
std::string_view BizTransactionTypeName(std::string_view v) {
  return CbvName(v, "urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-");
}

// A JSON number as decimal text ("200.5", "10"): doubles in their shortest
// exact fixed-point form, never with an exponent.
StatusOr<std::string> DecimalText(const json::value& v, const std::string& path) {
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) {
    double d = v.as_double();
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    if (!std::isfinite(d) || r.ec != std::errc()) return Bad(path, "number out of range");
    return std::string(buf, r.ptr);
  }
  return Bad(path, "must be a number");
}

// ---- reading an EPCIS object, field by field ------------------------------------

// Reads one EPCIS JSON object and remembers which fields were taken, so that a
// field no code reads is reported instead of silently dropped.
class Fields {
 public:
  Fields(const json::object& o, std::string path) : o_(o), path_(std::move(path)) {}

  std::string Path(std::string_view key) const { return path_ + "." + std::string(key); }
  const std::string& path() const { return path_; }
  const json::object& object() const { return o_; }

  // The value of `key` (null counts as absent), marking it read.
  const json::value* Take(std::string_view key) {
    taken_.insert(std::string(key));
    auto it = o_.find(key);
    if (it == o_.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }
  void Skip(std::string_view key) { taken_.insert(std::string(key)); }

  StatusOr<std::optional<std::string>> Str(std::string_view key, bool required) {
    const json::value* v = Take(key);
    if (v == nullptr) {
      if (required) return Bad(Path(key), "is required");
      return std::optional<std::string>();
    }
    if (!v->is_string()) return Bad(Path(key), "must be a string");
    return std::optional<std::string>(std::string(v->as_string()));
  }
  StatusOr<const json::array*> Array(std::string_view key) {
    const json::value* v = Take(key);
    if (v == nullptr) return static_cast<const json::array*>(nullptr);
    if (!v->is_array()) return Bad(Path(key), "must be an array");
    return &v->as_array();
  }
  StatusOr<const json::object*> Object(std::string_view key) {
    const json::value* v = Take(key);
    if (v == nullptr) return static_cast<const json::object*>(nullptr);
    if (!v->is_object()) return Bad(Path(key), "must be an object");
    return &v->as_object();
  }
  StatusOr<std::vector<std::string>> Strings(std::string_view key) {
    std::vector<std::string> out;
    QT_ASSIGN_OR_RETURN(const json::array* a, Array(key));
    if (a == nullptr) return out;
    for (size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string()) {
        return Bad(Path(key) + "[" + std::to_string(i) + "]", "must be a string");
      }
      out.emplace_back((*a)[i].as_string());
    }
    return out;
  }
  // Calls fn(Fields&) for each object of array `key`, then checks that fn
  // read every field of it.
  template <typename Fn>
  Status ForEachObject(std::string_view key, Fn fn) {
    QT_ASSIGN_OR_RETURN(const json::array* a, Array(key));
    if (a == nullptr) return Status::Ok();
    for (size_t i = 0; i < a->size(); ++i) {
      std::string path = Path(key) + "[" + std::to_string(i) + "]";
      if (!(*a)[i].is_object()) return Bad(path, "must be an object");
      Fields sub((*a)[i].as_object(), path);
      QT_RETURN_IF_ERROR(fn(sub));
      QT_RETURN_IF_ERROR(sub.NoOthers());
    }
    return Status::Ok();
  }

  // The fields nobody took, as a JSON object (document order).
  json::object Rest() const {
    json::object rest;
    for (const auto& kv : o_) {
      if (taken_.count(std::string(kv.key())) == 0) rest[kv.key()] = kv.value();
    }
    return rest;
  }
  Status NoOthers() const {
    for (const auto& kv : o_) {
      if (taken_.count(std::string(kv.key())) == 0) {
        return Bad(Path(kv.key()), "EPCIS field without a qtrace home (see docs/epcis-mapping.md)");
      }
    }
    return Status::Ok();
  }

 private:
  const json::object& o_;
  std::string path_;
  std::set<std::string> taken_;
};

// ---- GS1 identifiers --------------------------------------------------------------

// "CP.IR" of an SGTIN/LGTIN URN to a GTIN-14: indicator digit, company
// prefix, item reference, check digit.
StatusOr<std::string> GtinFromUrn(std::string_view cp, std::string_view ir,
                                  std::string_view uri) {
  if (!AllDigits(cp) || !AllDigits(ir) || cp.size() + ir.size() != 13 || cp.size() < 6 ||
      cp.size() > 12) {
    return InvalidArgument("'" + std::string(uri) +
                               "': company prefix and item reference must be 13 digits",
                           "bad_epcis");
  }
  std::string gtin = std::string(1, ir[0]) + std::string(cp) + std::string(ir.substr(1));
  gtin.push_back(static_cast<char>('0' + Gs1CheckDigit(gtin)));
  return gtin;
}

// Splits "CP.IR.REST" (the part after "urn:epc:...:sgtin:").
StatusOr<Gs1Id> ParseGs1Urn(std::string_view body, std::string_view uri) {
  size_t d1 = body.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : body.find('.', d1 + 1);
  if (d2 == std::string_view::npos || d2 + 1 >= body.size()) {
    return InvalidArgument("'" + std::string(uri) + "' must look like ...:CP.IR.VALUE",
                           "bad_epcis");
  }
  Gs1Id id;
  QT_ASSIGN_OR_RETURN(id.gtin, GtinFromUrn(body.substr(0, d1),
                                           body.substr(d1 + 1, d2 - d1 - 1), uri));
  auto rest = PercentDecode(body.substr(d2 + 1));
  if (!rest) return InvalidArgument("'" + std::string(uri) + "': bad %-escape", "bad_epcis");
  id.serial = std::move(*rest);  // the caller decides whether it is a lot
  return id;
}

// A GS1 Digital Link: http(s)://host[/any/prefix]/01/GTIN[/10/LOT][/21/SERIAL].
// nullopt when `uri` is not one.
std::optional<StatusOr<Gs1Id>> ParseDigitalLink(std::string_view uri) {
  std::string_view rest;
  if (uri.substr(0, 8) == "https://") {
    rest = uri.substr(8);
  } else if (uri.substr(0, 7) == "http://") {
    rest = uri.substr(7);
  } else {
    return std::nullopt;
  }
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view path = rest.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  std::vector<std::string_view> segs;
  for (size_t pos = 1; pos <= path.size();) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    segs.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  size_t i = 0;
  while (i + 1 < segs.size() && !(segs[i] == "01" && AllDigits(segs[i + 1]))) ++i;
  if (i + 1 >= segs.size()) return std::nullopt;
  auto bad = [&](const std::string& why) -> StatusOr<Gs1Id> {
    return InvalidArgument("'" + std::string(uri) + "': " + why, "bad_epcis");
  };
  std::string_view g = segs[i + 1];
  if (g.size() != 8 && g.size() != 12 && g.size() != 13 && g.size() != 14) {
    return bad("a GTIN has 8, 12, 13 or 14 digits");
  }
  Gs1Id id;
  id.gtin = std::string(14 - g.size(), '0') + std::string(g);
  Status valid = ValidateGtin14(id.gtin);
  if (!valid.ok()) return bad(valid.message());
  for (size_t j = i + 2; j < segs.size(); j += 2) {
    if (j + 1 >= segs.size() || segs[j + 1].empty()) {
      return bad("Digital Link qualifier /" + std::string(segs[j]) + " has no value");
    }
    auto value = PercentDecode(segs[j + 1]);
    if (!value) return bad("bad %-escape");
    if (segs[j] == "10" && !id.lot && !id.serial) {
      id.lot = std::move(*value);
    } else if (segs[j] == "21" && !id.serial) {
      id.serial = std::move(*value);
    } else {
      return bad("unsupported Digital Link qualifier /" + std::string(segs[j]));
    }
  }
  return StatusOr<Gs1Id>(std::move(id));
}

constexpr std::string_view kSgtinUrn = "urn:epc:id:sgtin:";
constexpr std::string_view kLgtinUrn = "urn:epc:class:lgtin:";
constexpr std::string_view kSgtinPatternUrn = "urn:epc:idpat:sgtin:";

}  // namespace

StatusOr<Gs1Id> ParseEpcClass(std::string_view epc_class) {
  if (epc_class.substr(0, kLgtinUrn.size()) == kLgtinUrn) {
    QT_ASSIGN_OR_RETURN(Gs1Id id, ParseGs1Urn(epc_class.substr(kLgtinUrn.size()), epc_class));
    id.lot = std::move(id.serial);
    id.serial.reset();
    return id;
  }
  if (epc_class.substr(0, kSgtinPatternUrn.size()) == kSgtinPatternUrn) {
    QT_ASSIGN_OR_RETURN(Gs1Id id,
                        ParseGs1Urn(epc_class.substr(kSgtinPatternUrn.size()), epc_class));
    if (id.serial != "*") {
      return InvalidArgument("'" + std::string(epc_class) +
                                 "': only the pattern of every serial (CP.IR.*) names a class",
                             "bad_epcis");
    }
    id.serial.reset();
    id.lot = "*";
    return id;
  }
  if (auto dl = ParseDigitalLink(epc_class)) {
    QT_ASSIGN_OR_RETURN(Gs1Id id, std::move(*dl));
    if (id.serial) {
      return InvalidArgument("'" + std::string(epc_class) +
                                 "' names one instance (/21/), not a class",
                             "bad_epcis");
    }
    if (!id.lot) id.lot = "*";
    return id;
  }
  return InvalidArgument("'" + std::string(epc_class) +
                             "' is not an LGTIN, an SGTIN pattern or a GS1 Digital Link",
                         "bad_epcis");
}

StatusOr<Gs1Id> ParseTradeItemEpc(std::string_view epc) {
  if (epc.substr(0, kSgtinUrn.size()) == kSgtinUrn) {
    return ParseGs1Urn(epc.substr(kSgtinUrn.size()), epc);
  }
  if (auto dl = ParseDigitalLink(epc)) {
    QT_ASSIGN_OR_RETURN(Gs1Id id, std::move(*dl));
    if (!id.serial) {
      return InvalidArgument("'" + std::string(epc) + "' names a class, not one instance (/21/)",
                             "bad_epcis");
    }
    return id;
  }
  return NotFound("'" + std::string(epc) + "' does not name a trade item", "not_a_trade_item");
}

namespace {

// ---- what the event is about ----------------------------------------------------

// A lot-level quantity: one item of a Shipment, Receipt, Disposition,
// Aggregation.child_lots or LotRegistration.inputs.
struct Item {
  std::string gtin;
  std::string lot;       // "*": no lot named
  std::string quantity;  // "200.5 KGM"
  std::vector<std::string> serials;

  json::object ToJson(bool with_serials = true) const {
    json::object o;
    o["lot"] = FormatLotRef(fb::IdScheme::GTIN, gtin, lot);
    o["quantity"] = quantity;
    if (with_serials && !serials.empty()) {
      json::array a;
      for (const auto& s : serials) a.emplace_back(s);
      o["serials"] = std::move(a);
    }
    return o;
  }
};

// A quantityList / childQuantityList / inputQuantityList / outputQuantityList.
StatusOr<std::vector<Item>> ReadQuantityList(Fields& f, std::string_view key) {
  std::vector<Item> items;
  QT_RETURN_IF_ERROR(f.ForEachObject(key, [&](Fields& q) -> Status {
    QT_ASSIGN_OR_RETURN(auto epc_class, q.Str("epcClass", true));
    auto id = ParseEpcClass(*epc_class);
    if (!id.ok()) return Bad(q.Path("epcClass"), id.status().message());
    const json::value* n = q.Take("quantity");
    if (n == nullptr) {
      return Bad(q.Path("quantity"), "is required: qtrace states every quantity");
    }
    QT_ASSIGN_OR_RETURN(std::string number, DecimalText(*n, q.Path("quantity")));
    // No uom: a count of instances (EPCIS 2.0 section 7.3.3.3).
    QT_ASSIGN_OR_RETURN(auto uom, q.Str("uom", false));
    items.push_back(Item{id->gtin, *id->lot, number + " " + uom.value_or("C62"), {}});
    return Status::Ok();
  }));
  return items;
}

// An epcList / outputEPCList: trade items grouped per (GTIN, lot) with their
// EPCs as serials, and every other EPC (SSCC, GIAI, ...) as is.
struct EpcGroups {
  std::vector<Item> items;
  std::vector<std::string> others;
};

StatusOr<EpcGroups> ReadEpcList(Fields& f, std::string_view key) {
  QT_ASSIGN_OR_RETURN(std::vector<std::string> epcs, f.Strings(key));
  EpcGroups g;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (size_t i = 0; i < epcs.size(); ++i) {
    auto id = ParseTradeItemEpc(epcs[i]);
    if (!id.ok()) {
      if (id.status().code() == StatusCode::kNotFound) {
        g.others.push_back(epcs[i]);
        continue;
      }
      return Bad(f.Path(key) + "[" + std::to_string(i) + "]", id.status().message());
    }
    auto k = std::make_pair(id->gtin, id->lot.value_or("*"));
    auto [it, fresh] = index.emplace(k, g.items.size());
    if (fresh) g.items.push_back(Item{k.first, k.second, "", {}});
    g.items[it->second].serials.push_back(epcs[i]);
  }
  for (Item& item : g.items) item.quantity = std::to_string(item.serials.size()) + " C62";
  return g;
}

json::array ToJsonArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

void Append(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// ilmd / extension values: strings, numbers and booleans keep their type;
// objects and arrays are kept as JSON text.
StatusOr<json::value> AttrValue(const json::value& v, const std::string& path) {
  switch (v.kind()) {
    case json::kind::string:
    case json::kind::bool_:
    case json::kind::int64:
      return v;
    case json::kind::uint64:
      if (v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
        return json::value(static_cast<int64_t>(v.as_uint64()));
      }
      return json::value(json::object{{"decimal", std::to_string(v.as_uint64())}});
    case json::kind::double_: {
      QT_ASSIGN_OR_RETURN(std::string d, DecimalText(v, path));
      return json::value(json::object{{"decimal", d}});
    }
    case json::kind::object:
    case json::kind::array:
      return json::value(json::serialize(v));
    case json::kind::null:
      break;
  }
  return Bad(path, "null has no qtrace home");
}

// The ilmd value naming the lot: CBV master data cbvmda:lotNumber, or a vendor
// field whose local name is lotNumber or batch (e.g. example:batch).
std::optional<std::string> IlmdLotNumber(const json::object* ilmd) {
  if (ilmd == nullptr) return std::nullopt;
  for (const auto& kv : *ilmd) {
    std::string_view key = kv.key();
    size_t cut = key.find_last_of(":#/");
    std::string_view local = cut == std::string_view::npos ? key : key.substr(cut + 1);
    if ((local == "lotNumber" || local == "batch") && kv.value().is_string() &&
        !kv.value().as_string().empty()) {
      return std::string(kv.value().as_string());
    }
  }
  return std::nullopt;
}

// The first party of `types` (in order of preference) in a source or
// destination list whose id qtrace can use as a party id.
std::optional<std::string> PartyOf(const json::array* list, std::string_view id_key,
                                   std::initializer_list<std::string_view> types) {
  if (list == nullptr) return std::nullopt;
  for (std::string_view type : types) {
    for (const json::value& v : *list) {
      if (!v.is_object()) continue;
      const json::object& o = v.as_object();
      auto t = o.find("type");
      auto id = o.find(id_key);
      if (t == o.end() || id == o.end() || !t->value().is_string() || !id->value().is_string()) {
        continue;
      }
      if (SourceDestTypeName(t->value().as_string()) != type) continue;
      std::string_view party = id->value().as_string();
      if (ValidateId("party", party).ok()) return std::string(party);
    }
  }
  return std::nullopt;
}

// The despatch advice (else bill of lading) a shipment and its receipt cite.
std::optional<std::string> ShipmentIdOf(const json::array* btx) {
  if (btx == nullptr) return std::nullopt;
  for (std::string_view type : {"desadv", "bol"}) {
    for (const json::value& v : *btx) {
      if (!v.is_object()) continue;
      const json::object& o = v.as_object();
      auto t = o.find("type");
      auto id = o.find("bizTransaction");
      if (t == o.end() || id == o.end() || !t->value().is_string() || !id->value().is_string()) {
        continue;
      }
      if (BizTransactionTypeName(t->value().as_string()) != type) continue;
      if (ValidateId("shipment_id", id->value().as_string()).ok()) {
        return std::string(id->value().as_string());
      }
    }
  }
  return std::nullopt;
}

// ---- the converter -------------------------------------------------------------------

struct Body {
  std::string type;  // record type name; empty when there is no body
  json::object fields;
  std::string why_not;
};

class Converter {
 public:
  Converter(const json::object& event, std::string_view party)
      : ev_(event, "event"), party_(party) {}

  StatusOr<json::object> Run() {
    QT_ASSIGN_OR_RETURN(auto type, ev_.Str("type", true));
    type_ = *type;
    if (type_ == "AssociationEvent" || type_ == "TransactionEvent") {
      return NoBody(type_ + "s have no qtrace record type yet");
    }
    if (type_ != "ObjectEvent" && type_ != "AggregationEvent" &&
        type_ != "TransformationEvent") {
      return Bad(ev_.Path("type"), "unknown EPCIS event type '" + type_ + "'");
    }
    QT_RETURN_IF_ERROR(ReadWhen());
    QT_RETURN_IF_ERROR(ReadContext());
    Body body;
    if (type_ == "ObjectEvent") {
      QT_ASSIGN_OR_RETURN(body, ObjectEventBody());
    } else if (type_ == "AggregationEvent") {
      QT_ASSIGN_OR_RETURN(body, AggregationEventBody());
    } else {
      QT_ASSIGN_OR_RETURN(body, TransformationEventBody());
    }
    QT_RETURN_IF_ERROR(ReadExtensions());
    QT_RETURN_IF_ERROR(ev_.NoOthers());
    if (body.type.empty()) return NoBody(body.why_not);
    if (!epcs_.empty()) epcis_["epcs"] = ToJsonArray(epcs_);

    json::object rec;
    rec["type"] = body.type;
    rec["party"] = party_;
    rec["event_time"] = FormatTimestamp(event_time_);
    if (!epcis_.empty()) rec["epcis"] = std::move(epcis_);
    for (auto& kv : body.fields) rec[kv.key()] = std::move(kv.value());
    return rec;
  }

 private:
  Status NoBody(const std::string& why) const {
    std::string id = event_id_.empty() ? std::string("without eventID") : event_id_;
    return FailedPrecondition("EPCIS " + (type_.empty() ? "event" : type_) + " " + id +
                                  " has no qtrace record body: " + why,
                              "epcis_no_body");
  }

  Status ReadWhen() {
    QT_ASSIGN_OR_RETURN(auto when, ev_.Str("eventTime", true));
    auto t = ParseTimestamp(*when);
    if (!t.ok()) return Bad(ev_.Path("eventTime"), t.status().message());
    QT_ASSIGN_OR_RETURN(auto tz, ev_.Str("eventTimeZoneOffset", true));
    auto off = ParseTimestamp("1970-01-01T00:00:00" + *tz);
    if (!off.ok() || tz->size() != 6) {
      return Bad(ev_.Path("eventTimeZoneOffset"), "must be +HH:MM or -HH:MM, got '" + *tz + "'");
    }
    event_time_ = Timestamp{t->micros, off->offset_minutes};
    return Status::Ok();
  }

  Status CopyString(std::string_view key, const char* to) {
    QT_ASSIGN_OR_RETURN(auto v, ev_.Str(key, false));
    if (v) epcis_[to] = *v;
    return Status::Ok();
  }

  // {"id": "..."} of readPoint / bizLocation.
  Status CopyLocation(std::string_view key, const char* to) {
    QT_ASSIGN_OR_RETURN(const json::object* o, ev_.Object(key));
    if (o == nullptr) return Status::Ok();
    Fields loc(*o, ev_.Path(key));
    QT_ASSIGN_OR_RETURN(auto id, loc.Str("id", true));
    QT_RETURN_IF_ERROR(loc.NoOthers());
    epcis_[to] = *id;
    return Status::Ok();
  }

  Status CopySourceDest(std::string_view key, std::string_view id_key, const char* to) {
    json::array out;
    QT_RETURN_IF_ERROR(ev_.ForEachObject(key, [&](Fields& x) -> Status {
      QT_ASSIGN_OR_RETURN(auto type, x.Str("type", true));
      QT_ASSIGN_OR_RETURN(auto id, x.Str(id_key, true));
      out.push_back(json::object{{"type", *type}, {"id", *id}});
      return Status::Ok();
    }));
    if (!out.empty()) epcis_[to] = std::move(out);
    return Status::Ok();
  }

  Status ReadContext() {
    QT_ASSIGN_OR_RETURN(auto event_id, ev_.Str("eventID", false));
    if (event_id) {
      event_id_ = *event_id;
      epcis_["event_id"] = event_id_;
    }
    QT_ASSIGN_OR_RETURN(auto action, ev_.Str("action", type_ != "TransformationEvent"));
    if (action) {
      if (type_ == "TransformationEvent") {
        return Bad(ev_.Path("action"), "a TransformationEvent has no action");
      }
      if (*action != "ADD" && *action != "OBSERVE" && *action != "DELETE") {
        return Bad(ev_.Path("action"), "must be ADD, OBSERVE or DELETE, got '" + *action + "'");
      }
      action_ = *action;
      epcis_["action"] = action_;
    }
    QT_ASSIGN_OR_RETURN(auto biz_step, ev_.Str("bizStep", false));
    if (biz_step) {
      biz_step_ = std::string(BizStepName(*biz_step));
      epcis_["biz_step"] = *biz_step;
    }
    QT_RETURN_IF_ERROR(CopyString("disposition", "disposition"));
    QT_RETURN_IF_ERROR(CopyLocation("readPoint", "read_point"));
    QT_RETURN_IF_ERROR(CopyLocation("bizLocation", "biz_location"));

    json::array btx;
    QT_RETURN_IF_ERROR(ev_.ForEachObject("bizTransactionList", [&](Fields& x) -> Status {
      QT_ASSIGN_OR_RETURN(auto type, x.Str("type", false));
      QT_ASSIGN_OR_RETURN(auto id, x.Str("bizTransaction", true));
      json::object t;
      if (type) t["type"] = *type;
      t["id"] = *id;
      btx.push_back(std::move(t));
      return Status::Ok();
    }));
    if (!btx.empty()) epcis_["biz_transactions"] = std::move(btx);
    QT_RETURN_IF_ERROR(CopySourceDest("sourceList", "source", "sources"));
    QT_RETURN_IF_ERROR(CopySourceDest("destinationList", "destination", "destinations"));

    QT_ASSIGN_OR_RETURN(const json::object* pd, ev_.Object("persistentDisposition"));
    if (pd != nullptr) {
      Fields p(*pd, ev_.Path("persistentDisposition"));
      QT_ASSIGN_OR_RETURN(auto set, p.Strings("set"));
      QT_ASSIGN_OR_RETURN(auto unset, p.Strings("unset"));
      QT_RETURN_IF_ERROR(p.NoOthers());
      if (!set.empty()) epcis_["persistent_disposition_set"] = ToJsonArray(set);
      if (!unset.empty()) epcis_["persistent_disposition_unset"] = ToJsonArray(unset);
    }

    QT_ASSIGN_OR_RETURN(auto input_epcs, ev_.Strings("inputEPCList"));
    if (!input_epcs.empty()) {
      if (type_ != "TransformationEvent") {
        return Bad(ev_.Path("inputEPCList"), "only a TransformationEvent has inputs");
      }
      epcis_["input_epcs"] = ToJsonArray(input_epcs);
    }
    QT_RETURN_IF_ERROR(CopyString("transformationID", "transformation_id"));

    const json::value* cert = ev_.Take("certificationInfo");
    if (cert != nullptr) {
      if (cert->is_string()) {
        epcis_["certification_info"] = json::array{cert->as_string()};
      } else {
        QT_ASSIGN_OR_RETURN(auto certs, ev_.Strings("certificationInfo"));
        epcis_["certification_info"] = ToJsonArray(certs);
      }
    }
    QT_RETURN_IF_ERROR(ReadSensors());

    QT_ASSIGN_OR_RETURN(ilmd_, ev_.Object("ilmd"));
    if (ilmd_ != nullptr) {
      json::object attrs;
      for (const auto& kv : *ilmd_) {
        QT_ASSIGN_OR_RETURN(attrs[kv.key()],
                            AttrValue(kv.value(), ev_.Path("ilmd") + "." + std::string(kv.key())));
      }
      if (!attrs.empty()) epcis_["ilmd"] = std::move(attrs);
    }
    QT_RETURN_IF_ERROR(CopyString("recordTime", "record_time"));
    return Status::Ok();
  }

  // sensorElementList -> sensors: the metadata's deviceID and time, each
  // report's type, deviceID, time, value, minValue, maxValue, uom and
  // component get their own fields; any other metadata or report field is
  // kept as JSON text (raw_metadata / raw).
  Status ReadSensors() {
    json::array sensors;
    QT_RETURN_IF_ERROR(ev_.ForEachObject("sensorElementList", [&](Fields& el) -> Status {
      json::object s;
      QT_ASSIGN_OR_RETURN(const json::object* meta, el.Object("sensorMetadata"));
      if (meta != nullptr) {
        Fields m(*meta, el.Path("sensorMetadata"));
        QT_ASSIGN_OR_RETURN(auto device, m.Str("deviceID", false));
        QT_ASSIGN_OR_RETURN(auto time, m.Str("time", false));
        if (device) s["device_id"] = *device;
        if (time) s["time"] = *time;
        json::object rest = m.Rest();
        if (!rest.empty()) s["raw_metadata"] = json::serialize(rest);
      }
      json::array reports;
      QT_RETURN_IF_ERROR(el.ForEachObject("sensorReport", [&](Fields& r) -> Status {
        json::object rep;
        QT_ASSIGN_OR_RETURN(auto type, r.Str("type", false));
        QT_ASSIGN_OR_RETURN(auto device, r.Str("deviceID", false));
        QT_ASSIGN_OR_RETURN(auto time, r.Str("time", false));
        QT_ASSIGN_OR_RETURN(auto uom, r.Str("uom", false));
        QT_ASSIGN_OR_RETURN(auto component, r.Str("component", false));
        if (type) rep["type"] = *type;
        if (device) rep["device_id"] = *device;
        if (time) rep["time"] = *time;
        for (auto [from, to] : {std::pair<const char*, const char*>{"value", "value"},
                                {"minValue", "min_value"},
                                {"maxValue", "max_value"}}) {
          const json::value* n = r.Take(from);
          if (n == nullptr) continue;
          QT_ASSIGN_OR_RETURN(rep[to], DecimalText(*n, r.Path(from)));
        }
        if (uom) rep["uom"] = *uom;
        if (component) rep["component"] = *component;
        json::object rest = r.Rest();
        if (!rest.empty()) rep["raw"] = json::serialize(rest);
        // Every field is now kept somewhere.
        for (const auto& kv : rest) r.Skip(kv.key());
        reports.push_back(std::move(rep));
        return Status::Ok();
      }));
      if (!reports.empty()) s["reports"] = std::move(reports);
      sensors.push_back(std::move(s));
      return Status::Ok();
    }));
    if (!sensors.empty()) epcis_["sensors"] = std::move(sensors);
    return Status::Ok();
  }

  // Fields of other vocabularies ("example:myField", full IRIs) are
  // extensions; a bare name that is not EPCIS has no home.
  Status ReadExtensions() {
    json::object ext;
    for (const auto& kv : ev_.object()) {
      std::string_view key = kv.key();
      if (key.find(':') == std::string_view::npos) continue;
      ev_.Skip(key);
      if (kv.value().is_null()) continue;
      QT_ASSIGN_OR_RETURN(ext[key], AttrValue(kv.value(), ev_.Path(key)));
    }
    if (!ext.empty()) epcis_["extensions"] = std::move(ext);
    return Status::Ok();
  }

  // The one lot an ADD ObjectEvent or a TransformationEvent makes: the single
  // lot class of its quantity list, else the single GTIN of its instance EPCs
  // with the lot from a Digital Link /10/ or ilmd. Fills `lot`, and moves the
  // matching instance EPCs into its serials; nullopt when there is no one lot.
  std::optional<Item> OneLot(const std::vector<Item>& quantities, const EpcGroups& epcs,
                             std::string* why) {
    Item lot;
    if (!quantities.empty()) {
      if (quantities.size() != 1 || quantities[0].lot == "*") {
        *why = "its quantity list does not name exactly one lot";
        return std::nullopt;
      }
      lot = quantities[0];
    } else {
      if (epcs.items.size() != 1) {
        *why = epcs.items.empty() ? "it names no trade item"
                                  : "its EPCs belong to more than one GTIN or lot";
        return std::nullopt;
      }
      lot = epcs.items[0];
      if (lot.lot == "*") {
        auto from_ilmd = IlmdLotNumber(ilmd_);
        if (!from_ilmd) {
          *why = "its EPCs name no lot (add ilmd cbvmda:lotNumber)";
          return std::nullopt;
        }
        lot.lot = *from_ilmd;
      }
      lot.serials.clear();
    }
    for (const Item& g : epcs.items) {
      if (g.gtin == lot.gtin && (g.lot == "*" || g.lot == lot.lot)) {
        Append(lot.serials, g.serials);
      } else {
        Append(epcs_, g.serials);
      }
    }
    Append(epcs_, epcs.others);
    return lot;
  }

  json::object LotBody(const Item& lot) const {
    json::object b;
    b["lot"] = FormatLotRef(fb::IdScheme::GTIN, lot.gtin, lot.lot);
    b["quantity"] = lot.quantity;
    b["production_time"] = FormatTimestamp(event_time_);
    if (!lot.serials.empty()) b["serials"] = ToJsonArray(lot.serials);
    return b;
  }

  StatusOr<Body> ObjectEventBody() {
    QT_ASSIGN_OR_RETURN(EpcGroups epcs, ReadEpcList(ev_, "epcList"));
    QT_ASSIGN_OR_RETURN(std::vector<Item> quantities, ReadQuantityList(ev_, "quantityList"));
    Body body;
    std::string what = "ObjectEvent " + action_ + (biz_step_.empty() ? "" : " " + biz_step_);
    if (action_ == "ADD") {
      std::string why;
      auto lot = OneLot(quantities, epcs, &why);
      if (!lot) {
        body.why_not = what + " commissions no single lot: " + why;
        return body;
      }
      body.type = "lot";
      body.fields = LotBody(*lot);
      return body;
    }
    // Items move: every lot quantity, and instance EPCs per GTIN and lot.
    std::vector<Item> items = quantities;
    items.insert(items.end(), epcs.items.begin(), epcs.items.end());
    json::array item_json;
    for (const Item& i : items) item_json.push_back(i.ToJson());
    if (items.empty()) {
      body.why_not = what + " names no trade item or lot quantity";
      return body;
    }
    const json::object& o = ev_.object();
    auto list = [&](const char* key) -> const json::array* {
      auto it = o.find(key);
      return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
    };
    if (biz_step_ == "shipping") {
      auto to = PartyOf(list("destinationList"), "destination",
                        {"possessing_party", "owning_party"});
      auto id = ShipmentIdOf(list("bizTransactionList"));
      if (!to || !id) {
        body.why_not = what + (to ? "" : " names no destination party") +
                       (!to && !id ? " and" : "") +
                       (id ? "" : " cites no despatch advice or bill of lading");
        return body;
      }
      body.type = "shipment";
      body.fields["shipment_id"] = *id;
      body.fields["to"] = *to;
      body.fields["items"] = std::move(item_json);
      if (!epcs.others.empty()) body.fields["containers"] = ToJsonArray(epcs.others);
      return body;
    }
    if (biz_step_ == "storing") {
      // Goods put away in a storage unit (a cold room, a warehouse zone):
      // the bizLocation is the unit, registered by the stating party under
      // that id (an SGLN URN). Instance EPCs and containers are the serials
      // stored; the lot, when the event names one.
      auto loc = epcis_.find("biz_location");
      std::string unit = loc != epcis_.end() ? std::string(loc->value().as_string()) : "";
      std::set<std::string> lots;
      std::vector<std::string> serials;
      for (const Item& i : items) {
        if (i.lot != "*") lots.insert(FormatLotRef(fb::IdScheme::GTIN, i.gtin, i.lot));
        serials.insert(serials.end(), i.serials.begin(), i.serials.end());
      }
      serials.insert(serials.end(), epcs.others.begin(), epcs.others.end());
      if (unit.empty() || !ValidateId("unit", unit).ok()) {
        body.why_not = what + " names no bizLocation usable as a unit id";
        return body;
      }
      if (lots.size() > 1 || (lots.empty() && serials.empty())) {
        body.why_not = what + (lots.empty() ? " names no lot or serial stored"
                                            : " stores more than one lot");
        return body;
      }
      body.type = "unit_event";
      body.fields["unit"] = unit;
      body.fields["kind"] = "stored";
      if (!lots.empty()) body.fields["input"] = *lots.begin();
      if (!serials.empty()) body.fields["serials"] = ToJsonArray(serials);
      body.fields["start"] = FormatTimestamp(event_time_);
      return body;
    }
    Append(epcs_, epcs.others);
    if (biz_step_ == "receiving") {
      auto from = PartyOf(list("sourceList"), "source", {"possessing_party", "owning_party"});
      auto id = ShipmentIdOf(list("bizTransactionList"));
      if (!from || !id) {
        body.why_not = what + (from ? "" : " names no source party") +
                       (!from && !id ? " and" : "") +
                       (id ? "" : " cites no despatch advice or bill of lading");
        return body;
      }
      body.type = "receipt";
      body.fields["from"] = *from;
      body.fields["shipment_id"] = *id;
      body.fields["items"] = std::move(item_json);
      return body;
    }
    static constexpr std::pair<std::string_view, std::string_view> kDispositions[] = {
        {"destroying", "destroyed"}, {"retail_selling", "sold"}, {"dispensing", "dispensed"}};
    for (const auto& [step, kind] : kDispositions) {
      if (biz_step_ != step) continue;
      body.type = "disposition";
      body.fields["kind"] = kind;
      body.fields["items"] = std::move(item_json);
      return body;
    }
    body.why_not = what + " states no shipment, receipt, storage or disposition";
    return body;
  }

  StatusOr<Body> AggregationEventBody() {
    QT_ASSIGN_OR_RETURN(auto parent, ev_.Str("parentID", false));
    QT_ASSIGN_OR_RETURN(auto children, ev_.Strings("childEPCs"));
    QT_ASSIGN_OR_RETURN(auto child_lots, ReadQuantityList(ev_, "childQuantityList"));
    Body body;
    if (!parent) {
      body.why_not = "an AggregationEvent without parentID names no container";
      return body;
    }
    if (children.empty() && child_lots.empty()) {
      body.why_not = "the AggregationEvent names no children";
      return body;
    }
    body.type = "aggregation";
    // OBSERVE asserts the aggregation exists: for custody that is a pack.
    body.fields["action"] = action_ == "DELETE" ? "unpack" : "pack";
    body.fields["parent"] = *parent;
    if (!children.empty()) body.fields["children"] = ToJsonArray(children);
    if (!child_lots.empty()) {
      json::array a;
      for (const Item& i : child_lots) a.push_back(i.ToJson());
      body.fields["child_lots"] = std::move(a);
    }
    return body;
  }

  StatusOr<Body> TransformationEventBody() {
    QT_ASSIGN_OR_RETURN(auto inputs, ReadQuantityList(ev_, "inputQuantityList"));
    QT_ASSIGN_OR_RETURN(EpcGroups outputs, ReadEpcList(ev_, "outputEPCList"));
    QT_ASSIGN_OR_RETURN(auto output_quantities, ReadQuantityList(ev_, "outputQuantityList"));
    Body body;
    std::string why;
    auto lot = OneLot(output_quantities, outputs, &why);
    if (!lot) {
      body.why_not = "the TransformationEvent makes no single lot: " + why;
      return body;
    }
    body.type = "lot";
    body.fields = LotBody(*lot);
    if (!inputs.empty()) {
      json::array a;
      for (const Item& i : inputs) {
        json::object in = i.ToJson(/*with_serials=*/false);
        in["kind"] = "composed_of";
        a.push_back(std::move(in));
      }
      body.fields["inputs"] = std::move(a);
    }
    return body;
  }

  Fields ev_;
  std::string party_;
  std::string type_, action_, biz_step_, event_id_;
  Timestamp event_time_;
  json::object epcis_;
  std::vector<std::string> epcs_;  // EPCs no body field holds
  const json::object* ilmd_ = nullptr;
};

}  // namespace

StatusOr<json::object> RecordJsonFromEpcisEvent(const json::object& event,
                                                std::string_view party) {
  Converter c(event, party);
  return c.Run();
}

StatusOr<std::string> RecordFromEpcisEvent(const json::object& event, std::string_view party) {
  QT_ASSIGN_OR_RETURN(json::object rec, RecordJsonFromEpcisEvent(event, party));
  auto bytes = RecordFromJson(rec);
  if (!bytes.ok()) return bytes.status().WithPrefix("record converted from EPCIS");
  return bytes;
}

}  // namespace qtrace
