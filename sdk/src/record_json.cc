#include "qtrace/record_json.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>

#include "qtrace/encoding.h"
#include "qtrace/quantity.h"
#include "qtrace/time.h"
#include "qtrace/validators.h"

namespace qtrace {

namespace json = boost::json;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;

// ---- ids and lot refs -------------------------------------------------------

Status ValidateId(std::string_view what, std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return InvalidArgument(std::string(what) + " must have 1-64 characters",
                           "bad_id");
  }
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              c == ':';
    if (!ok) {
      return InvalidArgument(std::string(what) + " '" + std::string(id) +
                                 "' may only use A-Z a-z 0-9 . _ - :",
                             "bad_id");
    }
  }
  return Status::Ok();
}

std::string_view SchemeName(fb::IdScheme scheme) {
  switch (scheme) {
    case fb::IdScheme::GTIN: return "gtin";
    case fb::IdScheme::NATIONAL: return "national";
    case fb::IdScheme::LOCAL: return "local";
  }
  return "unknown";
}

StatusOr<fb::IdScheme> SchemeFromName(std::string_view name) {
  if (name == "gtin") return fb::IdScheme::GTIN;
  if (name == "national") return fb::IdScheme::NATIONAL;
  if (name == "local") return fb::IdScheme::LOCAL;
  return InvalidArgument("identifier scheme must be gtin, national or local, got '" +
                             std::string(name) + "'",
                         "bad_lot_ref");
}

StatusOr<LotKeyParts> ParseLotRef(std::string_view text) {
  auto colon = text.find(':');
  auto slash = text.find('/', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || slash == std::string_view::npos ||
      slash == colon + 1 || slash + 1 == text.size()) {
    return InvalidArgument("lot reference '" + std::string(text) +
                               "' must look like scheme:product/lot, e.g. "
                               "gtin:06901234567892/240315A",
                           "bad_lot_ref");
  }
  LotKeyParts p;
  QT_ASSIGN_OR_RETURN(p.scheme, SchemeFromName(text.substr(0, colon)));
  p.product = std::string(text.substr(colon + 1, slash - colon - 1));
  p.lot = std::string(text.substr(slash + 1));
  return p;
}

std::string FormatLotRef(fb::IdScheme scheme, std::string_view product,
                         std::string_view lot) {
  std::string s(SchemeName(scheme));
  s += ':';
  s += product;
  s += '/';
  s += lot;
  return s;
}

std::string FormatLotRef(const fb::LotRef* ref) {
  if (ref == nullptr) return "(none)";
  return FormatLotRef(ref->scheme(), ref->product() ? ref->product()->str() : "",
                      ref->lot() ? ref->lot()->str() : "");
}

namespace {

// ---- reading JSON with field paths in every error ---------------------------

class Reader {
 public:
  Reader(const json::object& obj, std::string path)
      : obj_(obj), path_(std::move(path)) {}

  Status Bad(std::string_view field, std::string_view why) const {
    return InvalidArgument(Path(field) + ": " + std::string(why), "bad_json");
  }
  std::string Path(std::string_view field) const {
    return path_.empty() ? std::string(field) : path_ + "." + std::string(field);
  }
  const json::value* Find(std::string_view field) {
    seen_.insert(std::string(field));
    auto it = obj_.find(field);
    if (it == obj_.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }
  bool Has(std::string_view field) const {
    auto it = obj_.find(field);
    return it != obj_.end() && !it->value().is_null();
  }
  // Fails when the object holds a field nobody asked for.
  Status CheckNoUnknown() const {
    for (const auto& kv : obj_) {
      if (seen_.count(std::string(kv.key())) == 0) {
        return InvalidArgument(Path(kv.key()) + ": unknown field", "bad_json");
      }
    }
    return Status::Ok();
  }

  StatusOr<std::string> Str(std::string_view field, bool required) {
    const json::value* v = Find(field);
    if (v == nullptr) {
      if (required) return Bad(field, "is required");
      return std::string();
    }
    if (!v->is_string()) return Bad(field, "must be a string");
    return std::string(v->as_string());
  }
  StatusOr<std::string> Id(std::string_view field, bool required) {
    QT_ASSIGN_OR_RETURN(std::string s, Str(field, required));
    if (!s.empty() || required) QT_RETURN_IF_ERROR(ValidateId(Path(field), s));
    return s;
  }
  StatusOr<std::optional<Timestamp>> Time(std::string_view field, bool required) {
    QT_ASSIGN_OR_RETURN(std::string s, Str(field, required));
    if (s.empty()) return std::optional<Timestamp>();
    auto t = ParseTimestamp(s);
    if (!t.ok()) return t.status().WithPrefix(Path(field));
    return std::optional<Timestamp>(*t);
  }
  StatusOr<const json::array*> Array(std::string_view field) {
    const json::value* v = Find(field);
    if (v == nullptr) return static_cast<const json::array*>(nullptr);
    if (!v->is_array()) return Bad(field, "must be an array");
    return &v->as_array();
  }
  StatusOr<std::vector<std::string>> Strings(std::string_view field) {
    std::vector<std::string> out;
    QT_ASSIGN_OR_RETURN(const json::array* a, Array(field));
    if (a == nullptr) return out;
    for (size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string()) {
        return Bad(std::string(field) + "[" + std::to_string(i) + "]",
                   "must be a string");
      }
      out.emplace_back((*a)[i].as_string());
    }
    return out;
  }
  StatusOr<bool> Bool(std::string_view field) {
    const json::value* v = Find(field);
    if (v == nullptr) return false;
    if (!v->is_bool()) return Bad(field, "must be true or false");
    return v->as_bool();
  }

  const std::string& path() const { return path_; }

 private:
  const json::object& obj_;
  std::string path_;
  std::set<std::string> seen_;
};

// Enum <-> name tables.
template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr EnumName<fb::Role> kRoles[] = {
    {fb::Role::ADMIN, "admin"},         {fb::Role::REGULATOR, "regulator"},
    {fb::Role::CERTIFIER, "certifier"}, {fb::Role::LAB, "lab"},
    {fb::Role::ENTERPRISE, "enterprise"}, {fb::Role::HOST, "host"}};
constexpr EnumName<fb::EdgeKind> kEdgeKinds[] = {
    {fb::EdgeKind::COMPOSED_OF, "composed_of"},
    {fb::EdgeKind::MERGED_INTO, "merged_into"},
    {fb::EdgeKind::SPLIT_FROM, "split_from"},
    {fb::EdgeKind::APPLIED_TO, "applied_to"},
    {fb::EdgeKind::PROCESSED_ON, "processed_on"},
    {fb::EdgeKind::LABELLED_WITH, "labelled_with"},
    {fb::EdgeKind::CONTAINED_IN, "contained_in"},
    {fb::EdgeKind::RECONDITIONED_FROM, "reconditioned_from"},
    {fb::EdgeKind::PACKAGED_WITH, "packaged_with"}};
constexpr EnumName<fb::UnitKind> kUnitKinds[] = {
    {fb::UnitKind::PLOT, "plot"},         {fb::UnitKind::POND, "pond"},
    {fb::UnitKind::SILO, "silo"},         {fb::UnitKind::TANK, "tank"},
    {fb::UnitKind::FURNACE, "furnace"},   {fb::UnitKind::LINE, "line"},
    {fb::UnitKind::COLD_ROOM, "cold_room"}, {fb::UnitKind::OTHER, "other"}};
constexpr EnumName<fb::UnitEventKind> kUnitEventKinds[] = {
    {fb::UnitEventKind::INPUT_APPLIED, "input_applied"},
    {fb::UnitEventKind::EMPTIED, "emptied"},
    {fb::UnitEventKind::PROCESS_RUN, "process_run"},
    {fb::UnitEventKind::STORED, "stored"}};
constexpr EnumName<fb::AggregationAction> kAggActions[] = {
    {fb::AggregationAction::PACK, "pack"}, {fb::AggregationAction::UNPACK, "unpack"}};
constexpr EnumName<fb::DispositionKind> kDispositions[] = {
    {fb::DispositionKind::CONSUMED, "consumed"},
    {fb::DispositionKind::SOLD, "sold"},
    {fb::DispositionKind::DISPENSED, "dispensed"},
    {fb::DispositionKind::DESTROYED, "destroyed"},
    {fb::DispositionKind::RECOVERED, "recovered"}};
constexpr EnumName<fb::LotStatus> kLotStatuses[] = {
    {fb::LotStatus::RELEASED, "released"},
    {fb::LotStatus::QUARANTINED, "quarantined"},
    {fb::LotStatus::ON_HOLD, "on_hold"},
    {fb::LotStatus::RECALLED, "recalled"},
    {fb::LotStatus::DESTROYED, "destroyed"}};
constexpr EnumName<fb::CertStatus> kCertStatuses[] = {
    {fb::CertStatus::VALID, "valid"},
    {fb::CertStatus::SUSPENDED, "suspended"},
    {fb::CertStatus::REVOKED, "revoked"},
    {fb::CertStatus::CANCELLED, "cancelled"},
    {fb::CertStatus::REINSTATED, "reinstated"}};
constexpr EnumName<fb::InspectionResult> kInspectionResults[] = {
    {fb::InspectionResult::PASS, "pass"}, {fb::InspectionResult::FAIL, "fail"}};
constexpr EnumName<fb::RecallDepth> kRecallDepths[] = {
    {fb::RecallDepth::WHOLESALE, "wholesale"},
    {fb::RecallDepth::RETAIL, "retail"},
    {fb::RecallDepth::CONSUMER, "consumer"}};
constexpr EnumName<fb::RecallState> kRecallStates[] = {
    {fb::RecallState::DECIDED, "decided"},
    {fb::RecallState::NOTIFYING, "notifying"},
    {fb::RecallState::IN_PROGRESS, "in_progress"},
    {fb::RecallState::IN_SITU_ASSESSMENT, "in_situ_assessment"},
    {fb::RecallState::COMPLETED_BY_FIRM, "completed_by_firm"},
    {fb::RecallState::UNDER_REVIEW, "under_review"},
    {fb::RecallState::EXPANDED, "expanded"},
    {fb::RecallState::CLOSED, "closed"},
    {fb::RecallState::NO_RECALL, "no_recall"}};
constexpr EnumName<fb::RecallReportKind> kRecallReports[] = {
    {fb::RecallReportKind::PROGRESS, "progress"},
    {fb::RecallReportKind::PLAN, "plan"}};
constexpr EnumName<fb::AttrType> kAttrTypes[] = {
    {fb::AttrType::STRING, "string"}, {fb::AttrType::INT, "int"},
    {fb::AttrType::DECIMAL, "decimal"}, {fb::AttrType::BOOL, "bool"},
    {fb::AttrType::TIME, "time"}};

template <typename E, size_t N>
std::string_view NameOf(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table) {
    if (e.value == v) return e.name;
  }
  return "unknown";
}

}  // namespace

std::string_view CertStatusName(fb::CertStatus status) { return NameOf(kCertStatuses, status); }

namespace {

template <typename E, size_t N>
StatusOr<E> ParseEnum(Reader& r, std::string_view field,
                      const EnumName<E> (&table)[N], bool required,
                      E fallback) {
  QT_ASSIGN_OR_RETURN(std::string s, r.Str(field, required));
  if (s.empty()) return fallback;
  std::string allowed;
  for (const auto& e : table) {
    if (e.name == s) return e.value;
    if (!allowed.empty()) allowed += ", ";
    allowed += e.name;
  }
  return r.Bad(field, "must be one of " + allowed + ", got '" + s + "'");
}

// ---- builder context ----------------------------------------------------------

struct Ctx {
  FlatBufferBuilder b{1024};
};

fb::Timestamp ToFb(const Timestamp& t) { return fb::Timestamp(t.micros, t.offset_minutes); }
fb::Timestamp ToFb(const std::optional<Timestamp>& t) {
  return t ? ToFb(*t) : fb::Timestamp();
}

StatusOr<Offset<fb::LotRef>> BuildLotRef(Ctx& c, Reader& r, std::string_view field,
                                         bool required) {
  const json::value* v = r.Find(field);
  if (v == nullptr) {
    if (required) return r.Bad(field, "is required");
    return Offset<fb::LotRef>();
  }
  LotKeyParts parts;
  if (v->is_string()) {
    auto p = ParseLotRef(v->as_string());
    if (!p.ok()) return p.status().WithPrefix(r.Path(field));
    parts = std::move(*p);
  } else if (v->is_object()) {
    Reader sub(v->as_object(), r.Path(field));
    QT_ASSIGN_OR_RETURN(std::string scheme, sub.Str("scheme", true));
    auto s = SchemeFromName(scheme);
    if (!s.ok()) return s.status().WithPrefix(sub.Path("scheme"));
    parts.scheme = *s;
    QT_ASSIGN_OR_RETURN(parts.product, sub.Str("product", true));
    QT_ASSIGN_OR_RETURN(parts.lot, sub.Str("lot", true));
    QT_RETURN_IF_ERROR(sub.CheckNoUnknown());
  } else {
    return r.Bad(field, "must be \"scheme:product/lot\" or {scheme, product, lot}");
  }
  QT_RETURN_IF_ERROR(ValidateId(r.Path(field) + ".product", parts.product));
  if (parts.scheme == fb::IdScheme::GTIN) {
    auto st = ValidateGtin14(parts.product);
    if (!st.ok()) return st.WithPrefix(r.Path(field) + ".product");
  }
  if (parts.lot.empty() || parts.lot.size() > 64) {
    return r.Bad(field, "lot code must have 1-64 characters");
  }
  return fb::CreateLotRefDirect(c.b, parts.scheme, parts.product.c_str(),
                                parts.lot.c_str());
}

StatusOr<Offset<fb::Quantity>> BuildQuantity(Ctx& c, Reader& r,
                                             std::string_view field,
                                             bool required) {
  const json::value* v = r.Find(field);
  if (v == nullptr) {
    if (required) return r.Bad(field, "is required");
    return Offset<fb::Quantity>();
  }
  std::string number, unit;
  if (v->is_string()) {
    std::string_view s = v->as_string();
    auto sp = s.find(' ');
    if (sp == std::string_view::npos) {
      return r.Bad(field, "must look like \"1200.5 KGM\" (value, space, UNECE unit)");
    }
    number = std::string(s.substr(0, sp));
    unit = std::string(s.substr(sp + 1));
  } else if (v->is_object()) {
    Reader sub(v->as_object(), r.Path(field));
    const json::value* val = sub.Find("value");
    if (val == nullptr) return sub.Bad("value", "is required");
    if (val->is_string()) {
      number = std::string(val->as_string());
    } else if (val->is_int64()) {
      number = std::to_string(val->as_int64());
    } else if (val->is_uint64()) {
      number = std::to_string(val->as_uint64());
    } else {
      return sub.Bad("value", "must be an integer or a decimal string");
    }
    QT_ASSIGN_OR_RETURN(unit, sub.Str("unit", true));
    QT_RETURN_IF_ERROR(sub.CheckNoUnknown());
  } else {
    return r.Bad(field, "must be \"1200.5 KGM\" or {value, unit}");
  }
  int64_t value;
  int scale;
  auto st = ParseDecimal(number, &value, &scale);
  if (!st.ok()) return st.WithPrefix(r.Path(field));
  auto amount = ToAmount(value, scale, unit);
  if (!amount.ok()) return amount.status().WithPrefix(r.Path(field));
  return fb::CreateQuantityDirect(c.b, value, static_cast<int8_t>(scale),
                                  unit.c_str());
}

StatusOr<Offset<Vector<Offset<fb::Attr>>>> BuildAttrs(Ctx& c, Reader& r,
                                                      std::string_view field) {
  const json::value* v = r.Find(field);
  if (v == nullptr) return Offset<Vector<Offset<fb::Attr>>>();
  if (!v->is_object()) return r.Bad(field, "must be an object of key: value");
  std::vector<Offset<fb::Attr>> attrs;
  for (const auto& kv : v->as_object()) {
    std::string key(kv.key());
    std::string path = r.Path(field) + "." + key;
    if (key.empty() || key.size() > 64) {
      return InvalidArgument(path + ": attribute keys have 1-64 characters",
                             "bad_json");
    }
    const json::value& a = kv.value();
    auto k = c.b.CreateString(key);
    if (a.is_string()) {
      auto s = c.b.CreateString(a.as_string().data(), a.as_string().size());
      attrs.push_back(fb::CreateAttr(c.b, k, fb::AttrType::STRING, s));
    } else if (a.is_bool()) {
      attrs.push_back(fb::CreateAttr(c.b, k, fb::AttrType::BOOL, 0, 0, 0, a.as_bool()));
    } else if (a.is_int64() || a.is_uint64()) {
      if (a.is_uint64() && a.as_uint64() > INT64_MAX) {
        return InvalidArgument(path + ": integer too large", "bad_json");
      }
      int64_t n = a.is_int64() ? a.as_int64() : static_cast<int64_t>(a.as_uint64());
      attrs.push_back(fb::CreateAttr(c.b, k, fb::AttrType::INT, 0, n));
    } else if (a.is_double()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.15g", a.as_double());
      int64_t n;
      int scale;
      if (std::strchr(buf, 'e') != nullptr || !ParseDecimal(buf, &n, &scale).ok()) {
        return InvalidArgument(path + ": write this number as {\"decimal\": \"...\"}",
                               "bad_json");
      }
      attrs.push_back(fb::CreateAttr(c.b, k, fb::AttrType::DECIMAL, 0, n,
                                     static_cast<int8_t>(scale)));
    } else if (a.is_object()) {
      Reader sub(a.as_object(), path);
      if (sub.Has("decimal")) {
        QT_ASSIGN_OR_RETURN(std::string d, sub.Str("decimal", true));
        int64_t n;
        int scale;
        auto st = ParseDecimal(d, &n, &scale);
        if (!st.ok()) return st.WithPrefix(path);
        attrs.push_back(fb::CreateAttr(c.b, k, fb::AttrType::DECIMAL, 0, n,
                                       static_cast<int8_t>(scale)));
      } else if (sub.Has("time")) {
        QT_ASSIGN_OR_RETURN(auto t, sub.Time("time", true));
        attrs.push_back(fb::CreateAttr(c.b, k, fb::AttrType::TIME, 0, t->micros,
                                       0));
      } else {
        return InvalidArgument(path + ": an object attribute must be "
                                      "{\"decimal\": \"...\"} or {\"time\": \"...\"}",
                               "bad_json");
      }
      QT_RETURN_IF_ERROR(sub.CheckNoUnknown());
    } else {
      return InvalidArgument(path + ": unsupported attribute value", "bad_json");
    }
  }
  return c.b.CreateVector(attrs);
}

Offset<Vector<Offset<String>>> StringVec(Ctx& c, const std::vector<std::string>& v) {
  if (v.empty()) return 0;
  return c.b.CreateVectorOfStrings(v);
}

Offset<String> OptString(Ctx& c, const std::string& s) {
  return s.empty() ? Offset<String>() : c.b.CreateString(s);
}

// Calls fn(Reader&) for each object of array `field`.
Status ForEachObject(Reader& r, std::string_view field,
                     const std::function<Status(Reader&)>& fn) {
  QT_ASSIGN_OR_RETURN(const json::array* a, r.Array(field));
  if (a == nullptr) return Status::Ok();
  for (size_t i = 0; i < a->size(); ++i) {
    std::string path = r.Path(field) + "[" + std::to_string(i) + "]";
    if (!(*a)[i].is_object()) {
      return InvalidArgument(path + ": must be an object", "bad_json");
    }
    Reader sub((*a)[i].as_object(), path);
    QT_RETURN_IF_ERROR(fn(sub));
    QT_RETURN_IF_ERROR(sub.CheckNoUnknown());
  }
  return Status::Ok();
}

StatusOr<Offset<Vector<Offset<fb::LotQuantity>>>> BuildItems(Ctx& c, Reader& r,
                                                            std::string_view field,
                                                            bool required) {
  std::vector<Offset<fb::LotQuantity>> items;
  QT_RETURN_IF_ERROR(ForEachObject(r, field, [&](Reader& item) -> Status {
    QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, item, "lot", true));
    QT_ASSIGN_OR_RETURN(auto q, BuildQuantity(c, item, "quantity", true));
    QT_ASSIGN_OR_RETURN(auto serials, item.Strings("serials"));
    auto sv = StringVec(c, serials);
    items.push_back(fb::CreateLotQuantity(c.b, lot, q, sv));
    return Status::Ok();
  }));
  if (required && items.empty()) return r.Bad(field, "needs at least one item");
  return items.empty() ? Offset<Vector<Offset<fb::LotQuantity>>>()
                       : c.b.CreateVector(items);
}

StatusOr<Offset<Vector<Offset<fb::PublicKey>>>> BuildKeys(Ctx& c, Reader& r,
                                                         std::string_view field) {
  QT_ASSIGN_OR_RETURN(std::vector<std::string> keys, r.Strings(field));
  std::vector<Offset<fb::PublicKey>> out;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto raw = Base64Decode(keys[i]);
    if (!raw || raw->size() != 32) {
      return r.Bad(std::string(field) + "[" + std::to_string(i) + "]",
                   "must be the base64 of a raw 32-byte Ed25519 public key");
    }
    out.push_back(fb::CreatePublicKey(
        c.b, c.b.CreateString("ed25519"),
        c.b.CreateVector(reinterpret_cast<const uint8_t*>(raw->data()), 32)));
  }
  return out.empty() ? Offset<Vector<Offset<fb::PublicKey>>>() : c.b.CreateVector(out);
}

StatusOr<fb::Hash256> ParseHash(Reader& r, std::string_view path,
                                const std::string& hex) {
  auto raw = HexDecode(hex);
  if (!raw || raw->size() != 32) {
    return InvalidArgument(std::string(path) + ": must be 64 hex digits",
                           "bad_json");
  }
  return fb::Hash256(flatbuffers::span<const uint8_t, 32>(
      reinterpret_cast<const uint8_t*>(raw->data()), 32));
}

StatusOr<Offset<Vector<const fb::Hash256*>>> BuildHashes(Ctx& c, Reader& r,
                                                        std::string_view field) {
  QT_ASSIGN_OR_RETURN(std::vector<std::string> v, r.Strings(field));
  std::vector<fb::Hash256> out;
  for (size_t i = 0; i < v.size(); ++i) {
    QT_ASSIGN_OR_RETURN(auto h, ParseHash(r, r.Path(field) + "[" + std::to_string(i) + "]",
                                          v[i]));
    out.push_back(h);
  }
  return out.empty() ? Offset<Vector<const fb::Hash256*>>()
                     : c.b.CreateVectorOfStructs(out);
}

StatusOr<Offset<fb::EpcisContext>> BuildEpcis(Ctx& c, Reader& r) {
  const json::value* v = r.Find("epcis");
  if (v == nullptr) return Offset<fb::EpcisContext>();
  if (!v->is_object()) return r.Bad("epcis", "must be an object");
  Reader e(v->as_object(), r.Path("epcis"));
  auto str = [&](const char* f) -> StatusOr<Offset<String>> {
    QT_ASSIGN_OR_RETURN(std::string s, e.Str(f, false));
    return OptString(c, s);
  };
  QT_ASSIGN_OR_RETURN(auto event_id, str("event_id"));
  QT_ASSIGN_OR_RETURN(auto action, str("action"));
  QT_ASSIGN_OR_RETURN(auto biz_step, str("biz_step"));
  QT_ASSIGN_OR_RETURN(auto disposition, str("disposition"));
  QT_ASSIGN_OR_RETURN(auto read_point, str("read_point"));
  QT_ASSIGN_OR_RETURN(auto biz_location, str("biz_location"));
  QT_ASSIGN_OR_RETURN(auto transformation_id, str("transformation_id"));
  QT_ASSIGN_OR_RETURN(auto record_time, str("record_time"));
  std::vector<Offset<fb::BizTransaction>> btx;
  QT_RETURN_IF_ERROR(ForEachObject(e, "biz_transactions", [&](Reader& x) -> Status {
    QT_ASSIGN_OR_RETURN(std::string t, x.Str("type", false));
    QT_ASSIGN_OR_RETURN(std::string id, x.Str("id", true));
    btx.push_back(fb::CreateBizTransactionDirect(c.b, t.c_str(), id.c_str()));
    return Status::Ok();
  }));
  auto source_dest = [&](const char* field,
                         std::vector<Offset<fb::SourceDest>>* out) -> Status {
    return ForEachObject(e, field, [&](Reader& x) -> Status {
      QT_ASSIGN_OR_RETURN(std::string t, x.Str("type", true));
      QT_ASSIGN_OR_RETURN(std::string id, x.Str("id", true));
      out->push_back(fb::CreateSourceDestDirect(c.b, t.c_str(), id.c_str()));
      return Status::Ok();
    });
  };
  std::vector<Offset<fb::SourceDest>> sources, destinations;
  QT_RETURN_IF_ERROR(source_dest("sources", &sources));
  QT_RETURN_IF_ERROR(source_dest("destinations", &destinations));
  QT_ASSIGN_OR_RETURN(auto pd_set, e.Strings("persistent_disposition_set"));
  QT_ASSIGN_OR_RETURN(auto pd_unset, e.Strings("persistent_disposition_unset"));
  QT_ASSIGN_OR_RETURN(auto epcs, e.Strings("epcs"));
  QT_ASSIGN_OR_RETURN(auto input_epcs, e.Strings("input_epcs"));
  QT_ASSIGN_OR_RETURN(auto cert_info, e.Strings("certification_info"));
  std::vector<Offset<fb::SensorElement>> sensors;
  QT_RETURN_IF_ERROR(ForEachObject(e, "sensors", [&](Reader& s) -> Status {
    QT_ASSIGN_OR_RETURN(std::string device, s.Str("device_id", false));
    QT_ASSIGN_OR_RETURN(auto time, s.Time("time", false));
    QT_ASSIGN_OR_RETURN(std::string meta, s.Str("raw_metadata", false));
    std::vector<Offset<fb::SensorReport>> reports;
    QT_RETURN_IF_ERROR(ForEachObject(s, "reports", [&](Reader& rep) -> Status {
      QT_ASSIGN_OR_RETURN(std::string type, rep.Str("type", false));
      QT_ASSIGN_OR_RETURN(std::string rdev, rep.Str("device_id", false));
      QT_ASSIGN_OR_RETURN(auto rtime, rep.Time("time", false));
      QT_ASSIGN_OR_RETURN(std::string value, rep.Str("value", false));
      QT_ASSIGN_OR_RETURN(std::string min_value, rep.Str("min_value", false));
      QT_ASSIGN_OR_RETURN(std::string max_value, rep.Str("max_value", false));
      QT_ASSIGN_OR_RETURN(std::string uom, rep.Str("uom", false));
      QT_ASSIGN_OR_RETURN(std::string component, rep.Str("component", false));
      QT_ASSIGN_OR_RETURN(std::string raw, rep.Str("raw", false));
      // value, min_value and max_value share one decimal scale: the finest.
      int64_t n[3] = {0, 0, 0};
      int sc[3] = {0, 0, 0};
      const std::string* texts[3] = {&value, &min_value, &max_value};
      int scale = 0;
      for (int i = 0; i < 3; ++i) {
        if (texts[i]->empty()) continue;
        auto st = ParseDecimal(*texts[i], &n[i], &sc[i]);
        if (!st.ok()) return st.WithPrefix(rep.path());
        scale = std::max(scale, sc[i]);
      }
      for (int i = 0; i < 3; ++i) {
        for (int k = sc[i]; k < scale; ++k) n[i] *= 10;
      }
      fb::Timestamp ts = ToFb(rtime);
      reports.push_back(fb::CreateSensorReportDirect(
          c.b, type.empty() ? nullptr : type.c_str(),
          rdev.empty() ? nullptr : rdev.c_str(), &ts, n[0],
          static_cast<int8_t>(scale), uom.empty() ? nullptr : uom.c_str(), n[1],
          n[2], component.empty() ? nullptr : component.c_str(),
          raw.empty() ? nullptr : raw.c_str()));
      return Status::Ok();
    }));
    fb::Timestamp ts = ToFb(time);
    sensors.push_back(fb::CreateSensorElementDirect(
        c.b, device.empty() ? nullptr : device.c_str(), &ts,
        reports.empty() ? nullptr : &reports,
        meta.empty() ? nullptr : meta.c_str()));
    return Status::Ok();
  }));
  QT_ASSIGN_OR_RETURN(auto extensions, BuildAttrs(c, e, "extensions"));
  QT_ASSIGN_OR_RETURN(auto ilmd, BuildAttrs(c, e, "ilmd"));
  QT_RETURN_IF_ERROR(e.CheckNoUnknown());
  return fb::CreateEpcisContext(
      c.b, event_id, action, biz_step, disposition, read_point, biz_location,
      btx.empty() ? 0 : c.b.CreateVector(btx),
      sources.empty() ? 0 : c.b.CreateVector(sources),
      destinations.empty() ? 0 : c.b.CreateVector(destinations),
      StringVec(c, pd_set), StringVec(c, pd_unset), StringVec(c, epcs),
      StringVec(c, input_epcs), transformation_id, StringVec(c, cert_info),
      sensors.empty() ? 0 : c.b.CreateVector(sensors), extensions, ilmd,
      record_time);
}

// ---- one builder per body type ----------------------------------------------

using BodyOffset = Offset<void>;

StatusOr<BodyOffset> BuildGenesis(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string origin, r.Str("origin", true));
  QT_ASSIGN_OR_RETURN(std::string host_party, r.Id("host_party", true));
  QT_ASSIGN_OR_RETURN(std::string host_key, r.Str("host_key", true));
  QT_ASSIGN_OR_RETURN(std::string admin_party, r.Id("admin_party", true));
  QT_ASSIGN_OR_RETURN(std::string admin_name, r.Str("admin_name", false));
  QT_ASSIGN_OR_RETURN(auto keys, BuildKeys(c, r, "admin_keys"));
  auto raw = Base64Decode(host_key);
  if (!raw || raw->size() != 32) return r.Bad("host_key", "must be base64 of 32 bytes");
  auto hk = c.b.CreateVector(reinterpret_cast<const uint8_t*>(raw->data()), 32);
  return fb::CreateGenesis(c.b, c.b.CreateString(origin), c.b.CreateString(host_party),
                           hk, c.b.CreateString(admin_party),
                           OptString(c, admin_name), keys)
      .Union();
}

StatusOr<BodyOffset> BuildParty(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string party_id, r.Id("party_id", true));
  QT_ASSIGN_OR_RETURN(std::string name, r.Str("name", false));
  QT_ASSIGN_OR_RETURN(std::vector<std::string> role_names, r.Strings("roles"));
  std::vector<uint8_t> roles;
  for (const auto& rn : role_names) {
    bool found = false;
    for (const auto& e : kRoles) {
      if (e.name == rn) {
        roles.push_back(static_cast<uint8_t>(e.value));
        found = true;
      }
    }
    if (!found) {
      return r.Bad("roles", "unknown role '" + rn +
                                "' (admin, regulator, certifier, lab, enterprise)");
    }
  }
  if (roles.empty()) return r.Bad("roles", "needs at least one role");
  QT_ASSIGN_OR_RETURN(auto sectors, r.Strings("sectors"));
  std::vector<Offset<fb::Licence>> licences;
  QT_RETURN_IF_ERROR(ForEachObject(r, "licences", [&](Reader& l) -> Status {
    QT_ASSIGN_OR_RETURN(std::string kind, l.Str("kind", true));
    QT_ASSIGN_OR_RETURN(std::string number, l.Str("number", true));
    QT_ASSIGN_OR_RETURN(std::string scope, l.Str("scope", false));
    QT_ASSIGN_OR_RETURN(auto from, l.Time("valid_from", false));
    QT_ASSIGN_OR_RETURN(auto to, l.Time("valid_to", false));
    fb::Timestamp f = ToFb(from), t = ToFb(to);
    licences.push_back(fb::CreateLicenceDirect(c.b, kind.c_str(), number.c_str(),
                                               scope.empty() ? nullptr : scope.c_str(),
                                               &f, &t));
    return Status::Ok();
  }));
  QT_ASSIGN_OR_RETURN(auto keys, BuildKeys(c, r, "keys"));
  QT_ASSIGN_OR_RETURN(std::string gln, r.Str("gln", false));
  QT_ASSIGN_OR_RETURN(std::string admin_area, r.Str("admin_area", false));
  QT_ASSIGN_OR_RETURN(std::string webhook, r.Str("webhook", false));
  return fb::CreatePartyRegistration(
             c.b, c.b.CreateString(party_id), OptString(c, name),
             c.b.CreateVector(reinterpret_cast<const fb::Role*>(roles.data()),
                              roles.size()),
             StringVec(c, sectors),
             licences.empty() ? 0 : c.b.CreateVector(licences), keys,
             OptString(c, gln), OptString(c, admin_area), OptString(c, webhook))
      .Union();
}

StatusOr<BodyOffset> BuildKeyRotation(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string party_id, r.Id("party_id", true));
  QT_ASSIGN_OR_RETURN(std::string new_key, r.Str("new_key", true));
  QT_ASSIGN_OR_RETURN(std::string retire, r.Str("retire_key_id", false));
  auto raw = Base64Decode(new_key);
  if (!raw || raw->size() != 32) {
    return r.Bad("new_key", "must be the base64 of a raw 32-byte Ed25519 public key");
  }
  auto pk = fb::CreatePublicKey(
      c.b, c.b.CreateString("ed25519"),
      c.b.CreateVector(reinterpret_cast<const uint8_t*>(raw->data()), 32));
  std::optional<fb::Hash256> retire_id;
  if (!retire.empty()) {
    QT_ASSIGN_OR_RETURN(retire_id, ParseHash(r, r.Path("retire_key_id"), retire));
  }
  auto pid = c.b.CreateString(party_id);
  fb::KeyRotationBuilder kb(c.b);
  kb.add_party_id(pid);
  kb.add_new_key(pk);
  if (retire_id) kb.add_retire_key_id(&*retire_id);
  return kb.Finish().Union();
}

StatusOr<BodyOffset> BuildKeyRevocation(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string party_id, r.Id("party_id", true));
  QT_ASSIGN_OR_RETURN(std::string key_hex, r.Str("key_id", true));
  QT_ASSIGN_OR_RETURN(auto since, r.Time("compromised_since", false));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", false));
  QT_ASSIGN_OR_RETURN(fb::Hash256 key_id, ParseHash(r, r.Path("key_id"), key_hex));
  fb::Timestamp ts = ToFb(since);
  return fb::CreateKeyRevocationDirect(c.b, party_id.c_str(), &key_id, &ts,
                                       reason.empty() ? nullptr : reason.c_str())
      .Union();
}

StatusOr<BodyOffset> BuildProduct(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string scheme_name, r.Str("scheme", true));
  auto scheme = SchemeFromName(scheme_name);
  if (!scheme.ok()) return scheme.status().WithPrefix(r.Path("scheme"));
  QT_ASSIGN_OR_RETURN(std::string product_id, r.Id("product_id", true));
  if (*scheme == fb::IdScheme::GTIN) {
    auto st = ValidateGtin14(product_id);
    if (!st.ok()) return st.WithPrefix(r.Path("product_id"));
  }
  QT_ASSIGN_OR_RETURN(std::string owner, r.Id("owner", false));
  QT_ASSIGN_OR_RETURN(std::string sector, r.Id("sector", true));
  QT_ASSIGN_OR_RETURN(std::string name, r.Str("name", false));
  QT_ASSIGN_OR_RETURN(std::string unit, r.Str("default_unit", false));
  QT_ASSIGN_OR_RETURN(auto attrs, BuildAttrs(c, r, "attributes"));
  return fb::CreateProductRegistration(c.b, *scheme, c.b.CreateString(product_id),
                                       OptString(c, owner), c.b.CreateString(sector),
                                       OptString(c, name), OptString(c, unit), attrs)
      .Union();
}

StatusOr<BodyOffset> BuildUnit(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string unit_id, r.Id("unit_id", true));
  QT_ASSIGN_OR_RETURN(auto kind, ParseEnum(r, "kind", kUnitKinds, true,
                                           fb::UnitKind::OTHER));
  QT_ASSIGN_OR_RETURN(std::string site, r.Str("site", false));
  QT_ASSIGN_OR_RETURN(std::string sector, r.Id("sector", false));
  QT_ASSIGN_OR_RETURN(auto attrs, BuildAttrs(c, r, "attributes"));
  return fb::CreateUnitRegistration(c.b, c.b.CreateString(unit_id), kind,
                                    OptString(c, site), OptString(c, sector), attrs)
      .Union();
}

StatusOr<BodyOffset> BuildUnitEvent(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string unit, r.Id("unit", true));
  QT_ASSIGN_OR_RETURN(auto kind, ParseEnum(r, "kind", kUnitEventKinds, true,
                                           fb::UnitEventKind::INPUT_APPLIED));
  bool applied = kind == fb::UnitEventKind::INPUT_APPLIED;
  bool stored = kind == fb::UnitEventKind::STORED;
  QT_ASSIGN_OR_RETURN(auto input, BuildLotRef(c, r, "input", applied));
  QT_ASSIGN_OR_RETURN(auto qty, BuildQuantity(c, r, "quantity", applied));
  QT_ASSIGN_OR_RETURN(auto start, r.Time("start", true));
  QT_ASSIGN_OR_RETURN(auto end, r.Time("end", kind == fb::UnitEventKind::PROCESS_RUN));
  QT_ASSIGN_OR_RETURN(std::string run_id, r.Str("run_id", false));
  QT_ASSIGN_OR_RETURN(auto attrs, BuildAttrs(c, r, "attributes"));
  QT_ASSIGN_OR_RETURN(auto serials, r.Strings("serials"));
  if (!applied && !stored && r.Has("input")) return r.Bad("input", "only for input_applied and stored");
  if (!stored && r.Has("serials")) return r.Bad("serials", "only for stored");
  if (stored && !r.Has("input") && serials.empty()) {
    return r.Bad("input", "a stored event names the lot (input) or the serials stored");
  }
  fb::Timestamp s = ToFb(start), e = ToFb(end);
  return fb::CreateUnitEvent(c.b, c.b.CreateString(unit), kind, input, qty, &s, &e,
                             OptString(c, run_id), attrs,
                             serials.empty() ? 0 : c.b.CreateVectorOfStrings(serials))
      .Union();
}

StatusOr<BodyOffset> BuildLot(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, r, "lot", true));
  QT_ASSIGN_OR_RETURN(auto qty, BuildQuantity(c, r, "quantity", true));
  QT_ASSIGN_OR_RETURN(auto produced, r.Time("production_time", true));
  QT_ASSIGN_OR_RETURN(auto expiry, r.Time("expiry_time", false));
  QT_ASSIGN_OR_RETURN(std::string site, r.Str("site", false));
  std::vector<Offset<fb::Input>> inputs;
  QT_RETURN_IF_ERROR(ForEachObject(r, "inputs", [&](Reader& in) -> Status {
    QT_ASSIGN_OR_RETURN(auto ilot, BuildLotRef(c, in, "lot", true));
    QT_ASSIGN_OR_RETURN(auto iq, BuildQuantity(c, in, "quantity", true));
    QT_ASSIGN_OR_RETURN(auto kind, ParseEnum(in, "kind", kEdgeKinds, false,
                                             fb::EdgeKind::COMPOSED_OF));
    inputs.push_back(fb::CreateInput(c.b, ilot, iq, kind));
    return Status::Ok();
  }));
  std::vector<Offset<fb::UnitUse>> units;
  QT_RETURN_IF_ERROR(ForEachObject(r, "units", [&](Reader& u) -> Status {
    QT_ASSIGN_OR_RETURN(std::string unit, u.Id("unit", true));
    std::optional<Timestamp> start, end;
    if (u.Has("time")) {
      QT_ASSIGN_OR_RETURN(start, u.Time("time", true));
      end = start;
    } else {
      QT_ASSIGN_OR_RETURN(start, u.Time("start", true));
      QT_ASSIGN_OR_RETURN(end, u.Time("end", true));
    }
    fb::Timestamp s = ToFb(start), e = ToFb(end);
    units.push_back(fb::CreateUnitUseDirect(c.b, unit.c_str(), &s, &e));
    return Status::Ok();
  }));
  QT_ASSIGN_OR_RETURN(auto attrs, BuildAttrs(c, r, "attributes"));
  std::vector<Offset<fb::CertRef>> certs;
  QT_RETURN_IF_ERROR(ForEachObject(r, "certificates", [&](Reader& cr) -> Status {
    QT_ASSIGN_OR_RETURN(std::string id, cr.Str("cert_id", true));
    QT_ASSIGN_OR_RETURN(std::string standard, cr.Str("standard", false));
    certs.push_back(fb::CreateCertRefDirect(
        c.b, id.c_str(), standard.empty() ? nullptr : standard.c_str()));
    return Status::Ok();
  }));
  QT_ASSIGN_OR_RETURN(auto serials, r.Strings("serials"));
  fb::Timestamp p = ToFb(produced), x = ToFb(expiry);
  return fb::CreateLotRegistration(c.b, lot, qty, &p, &x, OptString(c, site),
                                   inputs.empty() ? 0 : c.b.CreateVector(inputs),
                                   units.empty() ? 0 : c.b.CreateVector(units), attrs,
                                   certs.empty() ? 0 : c.b.CreateVector(certs),
                                   StringVec(c, serials))
      .Union();
}

StatusOr<BodyOffset> BuildAggregation(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(auto action, ParseEnum(r, "action", kAggActions, true,
                                             fb::AggregationAction::PACK));
  QT_ASSIGN_OR_RETURN(std::string parent, r.Str("parent", true));
  QT_ASSIGN_OR_RETURN(auto children, r.Strings("children"));
  QT_ASSIGN_OR_RETURN(auto child_lots, BuildItems(c, r, "child_lots", false));
  if (children.empty() && child_lots.IsNull()) {
    return r.Bad("children", "an aggregation needs children or child_lots");
  }
  return fb::CreateAggregation(c.b, action, c.b.CreateString(parent),
                               StringVec(c, children), child_lots)
      .Union();
}

StatusOr<BodyOffset> BuildShipment(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("shipment_id", true));
  QT_ASSIGN_OR_RETURN(std::string to, r.Id("to", true));
  QT_ASSIGN_OR_RETURN(auto items, BuildItems(c, r, "items", true));
  QT_ASSIGN_OR_RETURN(auto containers, r.Strings("containers"));
  return fb::CreateShipment(c.b, c.b.CreateString(id), c.b.CreateString(to), items,
                            StringVec(c, containers))
      .Union();
}

StatusOr<BodyOffset> BuildReceipt(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string from, r.Id("from", true));
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("shipment_id", true));
  QT_ASSIGN_OR_RETURN(auto items, BuildItems(c, r, "items", true));
  return fb::CreateReceipt(c.b, c.b.CreateString(from), c.b.CreateString(id), items)
      .Union();
}

StatusOr<BodyOffset> BuildDisposition(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(auto kind, ParseEnum(r, "kind", kDispositions, true,
                                           fb::DispositionKind::CONSUMED));
  QT_ASSIGN_OR_RETURN(auto items, BuildItems(c, r, "items", true));
  return fb::CreateDisposition(c.b, kind, items).Union();
}

StatusOr<BodyOffset> BuildAdjustment(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, r, "lot", true));
  QT_ASSIGN_OR_RETURN(auto delta, BuildQuantity(c, r, "delta", true));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", true));
  return fb::CreateAdjustment(c.b, lot, delta, c.b.CreateString(reason)).Union();
}

StatusOr<BodyOffset> BuildLotStatus(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, r, "lot", true));
  QT_ASSIGN_OR_RETURN(auto status, ParseEnum(r, "status", kLotStatuses, true,
                                             fb::LotStatus::RELEASED));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", false));
  return fb::CreateLotStatusChange(c.b, lot, status, OptString(c, reason)).Union();
}

StatusOr<BodyOffset> BuildErrorDeclaration(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(auto corrected, BuildHashes(c, r, "corrected"));
  if (corrected.IsNull()) return r.Bad("corrected", "names at least one record id");
  QT_ASSIGN_OR_RETURN(auto corrective, BuildHashes(c, r, "corrective"));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", true));
  return fb::CreateErrorDeclaration(c.b, corrected, corrective,
                                    c.b.CreateString(reason))
      .Union();
}

// "gtin:06901234567892" / "local:crab-feed" -> (scheme, id).
StatusOr<std::pair<fb::IdScheme, std::string>> ParseProductRef(Reader& r, std::string_view field,
                                                               const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos) {
    return r.Bad(field, "must look like scheme:product, e.g. gtin:06901234567892");
  }
  auto scheme = SchemeFromName(text.substr(0, colon));
  if (!scheme.ok()) return scheme.status().WithPrefix(r.Path(field));
  std::string id = text.substr(colon + 1);
  QT_RETURN_IF_ERROR(ValidateId(r.Path(field), id));
  return std::make_pair(*scheme, id);
}

StatusOr<BodyOffset> BuildCertificate(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string cert_id, r.Str("cert_id", true));
  if (cert_id.size() > 64) return r.Bad("cert_id", "has at most 64 characters");
  QT_ASSIGN_OR_RETURN(std::string kind, r.Id("kind", true));
  QT_ASSIGN_OR_RETURN(std::string standard, r.Str("standard", false));
  QT_ASSIGN_OR_RETURN(std::string party, r.Id("subject_party", false));
  QT_ASSIGN_OR_RETURN(std::string product, r.Str("subject_product", false));
  fb::IdScheme scheme = fb::IdScheme::GTIN;
  std::string product_id;
  if (!product.empty()) {
    QT_ASSIGN_OR_RETURN(auto pr, ParseProductRef(r, "subject_product", product));
    scheme = pr.first;
    product_id = pr.second;
  }
  QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, r, "subject_lot", false));
  QT_ASSIGN_OR_RETURN(std::string unit, r.Id("subject_unit", false));
  QT_ASSIGN_OR_RETURN(std::string scope, r.Str("scope", false));
  QT_ASSIGN_OR_RETURN(auto from, r.Time("valid_from", true));
  QT_ASSIGN_OR_RETURN(auto to, r.Time("valid_to", false));
  QT_ASSIGN_OR_RETURN(auto attrs, BuildAttrs(c, r, "attributes"));
  if (party.empty() && product.empty() && lot.IsNull() && unit.empty()) {
    return r.Bad("subject_party", "a certificate needs a subject (party, product, lot or unit)");
  }
  fb::Timestamp f = ToFb(from), t = ToFb(to);
  return fb::CreateCertificate(c.b, c.b.CreateString(cert_id), c.b.CreateString(kind),
                               OptString(c, standard), OptString(c, party), scheme,
                               OptString(c, product_id), lot, OptString(c, unit),
                               OptString(c, scope), &f, &t, attrs)
      .Union();
}

StatusOr<BodyOffset> BuildCertificateStatus(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string cert_id, r.Str("cert_id", true));
  QT_ASSIGN_OR_RETURN(auto status, ParseEnum(r, "status", kCertStatuses, true,
                                             fb::CertStatus::VALID));
  QT_ASSIGN_OR_RETURN(auto effective, r.Time("effective", true));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", false));
  fb::Timestamp e = ToFb(effective);
  return fb::CreateCertificateStatusChange(c.b, c.b.CreateString(cert_id), status, &e,
                                           OptString(c, reason))
      .Union();
}

StatusOr<BodyOffset> BuildInspection(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("inspection_id", true));
  QT_ASSIGN_OR_RETURN(std::string kind, r.Id("kind", true));
  QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, r, "lot", true));
  QT_ASSIGN_OR_RETURN(std::string sample, r.Str("sample_id", false));
  std::vector<Offset<fb::InspectionItem>> items;
  bool any_fail = false;
  QT_RETURN_IF_ERROR(ForEachObject(r, "items", [&](Reader& it) -> Status {
    QT_ASSIGN_OR_RETURN(std::string name, it.Str("name", true));
    QT_ASSIGN_OR_RETURN(std::string unit, it.Str("unit", false));
    // value, min and max share the finest decimal scale among them.
    std::string texts[3];
    const char* names[3] = {"value", "min", "max"};
    for (int i = 0; i < 3; ++i) {
      const json::value* v = it.Find(names[i]);
      if (v == nullptr) continue;
      if (v->is_string()) {
        texts[i] = std::string(v->as_string());
      } else if (v->is_int64()) {
        texts[i] = std::to_string(v->as_int64());
      } else if (v->is_double()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.15g", v->as_double());
        texts[i] = buf;
      } else {
        return it.Bad(names[i], "must be a number or a decimal string");
      }
    }
    if (texts[0].empty()) return it.Bad("value", "is required");
    int64_t n[3] = {0, 0, 0};
    int sc[3] = {0, 0, 0};
    int scale = 0;
    for (int i = 0; i < 3; ++i) {
      if (texts[i].empty()) continue;
      auto st = ParseDecimal(texts[i], &n[i], &sc[i]);
      if (!st.ok()) return st.WithPrefix(it.Path(names[i]));
      scale = std::max(scale, sc[i]);
    }
    for (int i = 0; i < 3; ++i) {
      for (int k = sc[i]; k < scale; ++k) n[i] *= 10;
    }
    QT_ASSIGN_OR_RETURN(bool pass, it.Bool("pass"));
    if (!it.Has("pass")) {
      // Derive pass from the limits when not stated.
      pass = (texts[1].empty() || n[0] >= n[1]) && (texts[2].empty() || n[0] <= n[2]);
    }
    any_fail = any_fail || !pass;
    items.push_back(fb::CreateInspectionItem(
        c.b, c.b.CreateString(name), n[0], static_cast<int8_t>(scale), OptString(c, unit), n[1],
        n[2], !texts[1].empty(), !texts[2].empty(), pass));
    return Status::Ok();
  }));
  // Without an explicit result, the inspection fails when any item fails.
  QT_ASSIGN_OR_RETURN(auto result, ParseEnum(r, "result", kInspectionResults, false,
                                             any_fail ? fb::InspectionResult::FAIL
                                                      : fb::InspectionResult::PASS));
  QT_ASSIGN_OR_RETURN(std::string report, r.Str("report_no", false));
  QT_ASSIGN_OR_RETURN(std::string accreditation, r.Str("accreditation", false));
  if (items.empty() && !r.Has("result")) {
    return r.Bad("items", "an inspection needs items or an overall result");
  }
  return fb::CreateInspection(c.b, c.b.CreateString(id), c.b.CreateString(kind), lot,
                              OptString(c, sample), items.empty() ? 0 : c.b.CreateVector(items),
                              result, OptString(c, report), OptString(c, accreditation))
      .Union();
}

StatusOr<BodyOffset> BuildRuleParameters(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string sector, r.Id("sector", true));
  QT_ASSIGN_OR_RETURN(std::string set_id, r.Id("set_id", true));
  if (!r.Has("params")) return r.Bad("params", "is required");
  QT_ASSIGN_OR_RETURN(auto params, BuildAttrs(c, r, "params"));
  return fb::CreateRuleParameters(c.b, c.b.CreateString(sector), c.b.CreateString(set_id), params)
      .Union();
}

StatusOr<Offset<fb::RecallSeed>> BuildSeed(Ctx& c, Reader& r, bool required) {
  const json::value* v = r.Find("seed");
  if (v == nullptr) {
    if (required) return r.Bad("seed", "is required");
    return Offset<fb::RecallSeed>();
  }
  if (!v->is_object()) return r.Bad("seed", "must be an object");
  Reader s(v->as_object(), r.Path("seed"));
  auto lot_list = [&](const char* field) -> StatusOr<std::vector<Offset<fb::LotRef>>> {
    std::vector<Offset<fb::LotRef>> out;
    QT_ASSIGN_OR_RETURN(std::vector<std::string> refs, s.Strings(field));
    for (size_t i = 0; i < refs.size(); ++i) {
      auto p = ParseLotRef(refs[i]);
      if (!p.ok()) return p.status().WithPrefix(s.Path(field) + "[" + std::to_string(i) + "]");
      out.push_back(fb::CreateLotRefDirect(c.b, p->scheme, p->product.c_str(), p->lot.c_str()));
    }
    return out;
  };
  QT_ASSIGN_OR_RETURN(auto lots, lot_list("lots"));
  QT_ASSIGN_OR_RETURN(auto inputs, lot_list("input_lots"));
  QT_ASSIGN_OR_RETURN(auto serials, s.Strings("serials"));
  std::vector<Offset<fb::ProductWindow>> pws;
  QT_RETURN_IF_ERROR(ForEachObject(s, "product_windows", [&](Reader& w) -> Status {
    QT_ASSIGN_OR_RETURN(std::string product, w.Str("product", true));
    QT_ASSIGN_OR_RETURN(auto pr, ParseProductRef(w, "product", product));
    QT_ASSIGN_OR_RETURN(std::string site, w.Str("site", false));
    QT_ASSIGN_OR_RETURN(auto from, w.Time("from", true));
    QT_ASSIGN_OR_RETURN(auto to, w.Time("to", true));
    QT_ASSIGN_OR_RETURN(auto attrs, BuildAttrs(c, w, "attributes"));
    QT_ASSIGN_OR_RETURN(std::string certificate, w.Str("certificate", false));
    fb::Timestamp f = ToFb(from), t = ToFb(to);
    pws.push_back(fb::CreateProductWindow(c.b, pr.first, c.b.CreateString(pr.second),
                                          site.empty() ? 0 : c.b.CreateString(site), &f, &t, attrs,
                                          certificate.empty() ? 0 : c.b.CreateString(certificate)));
    return Status::Ok();
  }));
  std::vector<Offset<fb::UnitWindow>> uws;
  QT_RETURN_IF_ERROR(ForEachObject(s, "unit_windows", [&](Reader& w) -> Status {
    QT_ASSIGN_OR_RETURN(std::string owner, w.Id("owner", true));
    QT_ASSIGN_OR_RETURN(std::string unit, w.Id("unit", true));
    QT_ASSIGN_OR_RETURN(auto start, w.Time("start", true));
    QT_ASSIGN_OR_RETURN(auto end, w.Time("end", true));
    fb::Timestamp a = ToFb(start), b = ToFb(end);
    uws.push_back(fb::CreateUnitWindowDirect(c.b, owner.c_str(), unit.c_str(), &a, &b));
    return Status::Ok();
  }));
  QT_RETURN_IF_ERROR(s.CheckNoUnknown());
  if (lots.empty() && inputs.empty() && serials.empty() && pws.empty() && uws.empty()) {
    return r.Bad("seed", "names no lots, serials, input lots or windows");
  }
  return fb::CreateRecallSeed(c.b, lots.empty() ? 0 : c.b.CreateVector(lots), StringVec(c, serials),
                              inputs.empty() ? 0 : c.b.CreateVector(inputs),
                              pws.empty() ? 0 : c.b.CreateVector(pws),
                              uws.empty() ? 0 : c.b.CreateVector(uws));
}

StatusOr<BodyOffset> BuildRecall(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  QT_ASSIGN_OR_RETURN(std::string sector, r.Id("sector", true));
  QT_ASSIGN_OR_RETURN(std::string level, r.Str("level", true));
  QT_ASSIGN_OR_RETURN(std::string hazard, r.Str("hazard", false));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", false));
  QT_ASSIGN_OR_RETURN(auto depth, ParseEnum(r, "depth", kRecallDepths, false,
                                            fb::RecallDepth::CONSUMER));
  QT_ASSIGN_OR_RETURN(std::string responsible, r.Id("responsible", true));
  QT_ASSIGN_OR_RETURN(auto known, r.Time("risk_known_at", false));
  QT_ASSIGN_OR_RETURN(auto seed, BuildSeed(c, r, true));
  QT_ASSIGN_OR_RETURN(bool public_notice, r.Bool("public_notice"));
  fb::Timestamp k = ToFb(known);
  return fb::CreateRecallOrder(c.b, c.b.CreateString(id), c.b.CreateString(sector),
                               c.b.CreateString(level), OptString(c, hazard), OptString(c, reason),
                               depth, c.b.CreateString(responsible), &k, seed, public_notice)
      .Union();
}

StatusOr<BodyOffset> BuildRecallNotice(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  QT_ASSIGN_OR_RETURN(std::string party, r.Id("notified_party", true));
  const json::value* round = r.Find("round");
  uint32_t round_no = round && round->is_int64() ? static_cast<uint32_t>(round->as_int64()) : 0;
  std::vector<Offset<fb::RecallNoticeLot>> lots;
  QT_RETURN_IF_ERROR(ForEachObject(r, "lots", [&](Reader& l) -> Status {
    QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, l, "lot", true));
    QT_ASSIGN_OR_RETURN(auto held, BuildQuantity(c, l, "held", false));
    QT_ASSIGN_OR_RETURN(auto received, BuildQuantity(c, l, "received", false));
    QT_ASSIGN_OR_RETURN(auto serials, l.Strings("serials"));
    lots.push_back(fb::CreateRecallNoticeLot(c.b, lot, held, received, StringVec(c, serials)));
    return Status::Ok();
  }));
  QT_ASSIGN_OR_RETURN(auto ack_due, r.Time("ack_due", false));
  const json::value* every = r.Find("report_every_hours");
  uint32_t hours = every && every->is_int64() ? static_cast<uint32_t>(every->as_int64()) : 0;
  const json::value* every_wd = r.Find("report_every_working_days");
  uint32_t working_days =
      every_wd && every_wd->is_int64() ? static_cast<uint32_t>(every_wd->as_int64()) : 0;
  const json::value* info = r.Find("for_information");
  bool for_information = info && info->is_bool() && info->as_bool();
  QT_ASSIGN_OR_RETURN(auto complete_due, r.Time("complete_due", false));
  const json::value* as_of = r.Find("scope_as_of");
  uint64_t scope_as_of = as_of && as_of->is_int64() ? static_cast<uint64_t>(as_of->as_int64()) : 0;
  QT_ASSIGN_OR_RETURN(std::string digest_hex, r.Str("scope_digest", false));
  std::optional<fb::Hash256> digest;
  if (!digest_hex.empty()) {
    QT_ASSIGN_OR_RETURN(digest, ParseHash(r, r.Path("scope_digest"), digest_hex));
  }
  auto id_off = c.b.CreateString(id);
  auto party_off = c.b.CreateString(party);
  auto lots_off = lots.empty() ? 0 : c.b.CreateVector(lots);
  fb::Timestamp a = ToFb(ack_due), d = ToFb(complete_due);
  fb::RecallNoticeBuilder nb(c.b);
  nb.add_recall_id(id_off);
  nb.add_party(party_off);
  nb.add_round(round_no);
  nb.add_lots(lots_off);
  nb.add_ack_due(&a);
  nb.add_report_every_hours(hours);
  nb.add_complete_due(&d);
  nb.add_scope_as_of(scope_as_of);
  if (digest) nb.add_scope_digest(&*digest);
  nb.add_report_every_working_days(working_days);
  nb.add_for_information(for_information);
  return nb.Finish().Union();
}

StatusOr<BodyOffset> BuildRecallAck(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  QT_ASSIGN_OR_RETURN(std::string note, r.Str("note", false));
  return fb::CreateRecallAck(c.b, c.b.CreateString(id), OptString(c, note)).Union();
}

StatusOr<BodyOffset> BuildRecallProgress(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  std::vector<Offset<fb::RecallProgressItem>> items;
  QT_RETURN_IF_ERROR(ForEachObject(r, "items", [&](Reader& it) -> Status {
    QT_ASSIGN_OR_RETURN(auto lot, BuildLotRef(c, it, "lot", true));
    QT_ASSIGN_OR_RETURN(auto recovered, BuildQuantity(c, it, "recovered", false));
    QT_ASSIGN_OR_RETURN(auto destroyed, BuildQuantity(c, it, "destroyed", false));
    QT_ASSIGN_OR_RETURN(auto consumed, BuildQuantity(c, it, "consumed", false));
    QT_ASSIGN_OR_RETURN(auto corrected, BuildQuantity(c, it, "corrected", false));
    items.push_back(fb::CreateRecallProgressItem(c.b, lot, recovered, destroyed, consumed, corrected));
    return Status::Ok();
  }));
  QT_ASSIGN_OR_RETURN(auto evidence, r.Strings("evidence"));
  QT_ASSIGN_OR_RETURN(std::string note, r.Str("note", false));
  QT_ASSIGN_OR_RETURN(auto report, ParseEnum(r, "report", kRecallReports, false,
                                             fb::RecallReportKind::PROGRESS));
  return fb::CreateRecallProgress(c.b, c.b.CreateString(id),
                                  items.empty() ? 0 : c.b.CreateVector(items),
                                  StringVec(c, evidence), OptString(c, note), report)
      .Union();
}

StatusOr<BodyOffset> BuildRecallTransition(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  QT_ASSIGN_OR_RETURN(auto to, ParseEnum(r, "to", kRecallStates, true, fb::RecallState::DECIDED));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", false));
  QT_ASSIGN_OR_RETURN(auto evidence, r.Strings("evidence"));
  QT_ASSIGN_OR_RETURN(std::string outcome, r.Str("outcome", false));
  return fb::CreateRecallTransition(c.b, c.b.CreateString(id), to, OptString(c, reason),
                                    StringVec(c, evidence), OptString(c, outcome))
      .Union();
}

StatusOr<BodyOffset> BuildRecallWiden(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  QT_ASSIGN_OR_RETURN(auto seed, BuildSeed(c, r, true));
  QT_ASSIGN_OR_RETURN(std::string reason, r.Str("reason", false));
  return fb::CreateRecallWiden(c.b, c.b.CreateString(id), seed, OptString(c, reason)).Union();
}

StatusOr<BodyOffset> BuildRecallOverdue(Ctx& c, Reader& r) {
  QT_ASSIGN_OR_RETURN(std::string id, r.Id("recall_id", true));
  QT_ASSIGN_OR_RETURN(std::string party, r.Id("notified_party", true));
  QT_ASSIGN_OR_RETURN(std::string what, r.Id("what", true));
  QT_ASSIGN_OR_RETURN(auto due, r.Time("due", true));
  fb::Timestamp d = ToFb(due);
  return fb::CreateRecallOverdueDirect(c.b, id.c_str(), party.c_str(), what.c_str(), &d).Union();
}

using BuildFn = StatusOr<BodyOffset> (*)(Ctx&, Reader&);

BuildFn BuilderFor(fb::Body type) {
  switch (type) {
    case fb::Body::Genesis: return BuildGenesis;
    case fb::Body::PartyRegistration: return BuildParty;
    case fb::Body::KeyRotation: return BuildKeyRotation;
    case fb::Body::KeyRevocation: return BuildKeyRevocation;
    case fb::Body::ProductRegistration: return BuildProduct;
    case fb::Body::UnitRegistration: return BuildUnit;
    case fb::Body::UnitEvent: return BuildUnitEvent;
    case fb::Body::LotRegistration: return BuildLot;
    case fb::Body::Aggregation: return BuildAggregation;
    case fb::Body::Shipment: return BuildShipment;
    case fb::Body::Receipt: return BuildReceipt;
    case fb::Body::Disposition: return BuildDisposition;
    case fb::Body::Adjustment: return BuildAdjustment;
    case fb::Body::LotStatusChange: return BuildLotStatus;
    case fb::Body::ErrorDeclaration: return BuildErrorDeclaration;
    case fb::Body::Certificate: return BuildCertificate;
    case fb::Body::CertificateStatusChange: return BuildCertificateStatus;
    case fb::Body::Inspection: return BuildInspection;
    case fb::Body::RuleParameters: return BuildRuleParameters;
    case fb::Body::RecallOrder: return BuildRecall;
    case fb::Body::RecallNotice: return BuildRecallNotice;
    case fb::Body::RecallAck: return BuildRecallAck;
    case fb::Body::RecallProgress: return BuildRecallProgress;
    case fb::Body::RecallTransition: return BuildRecallTransition;
    case fb::Body::RecallWiden: return BuildRecallWiden;
    case fb::Body::RecallOverdue: return BuildRecallOverdue;
    default: return nullptr;
  }
}

// ---- rendering ----------------------------------------------------------------

std::string Str(const String* s) { return s ? s->str() : std::string(); }

void PutStr(json::object& o, const char* key, const String* s) {
  if (s != nullptr && s->size() > 0) o[key] = s->string_view();
}

void PutTime(json::object& o, const char* key, const fb::Timestamp* t) {
  if (t != nullptr && (t->micros() != 0 || t->offset_minutes() != 0)) {
    o[key] = FormatTimestamp(Timestamp{t->micros(), t->offset_minutes()});
  }
}

void PutStrings(json::object& o, const char* key, const Vector<Offset<String>>* v) {
  if (v == nullptr || v->size() == 0) return;
  json::array a;
  for (const String* s : *v) a.emplace_back(s->string_view());
  o[key] = std::move(a);
}

std::string QuantityText(const fb::Quantity* q) {
  if (q == nullptr) return "";
  return FormatQuantity(q->value(), q->scale(), Str(q->unit()));
}

void PutQuantity(json::object& o, const char* key, const fb::Quantity* q) {
  if (q != nullptr) o[key] = QuantityText(q);
}

std::string DecimalText(int64_t n, int scale) {
  std::string s = FormatQuantity(n, scale, "");
  s.pop_back();  // the trailing space before the (empty) unit
  return s;
}

void PutAttrs(json::object& o, const char* key, const Vector<Offset<fb::Attr>>* v) {
  if (v == nullptr || v->size() == 0) return;
  json::object a;
  for (const fb::Attr* attr : *v) {
    std::string k = Str(attr->key());
    switch (attr->type()) {
      case fb::AttrType::STRING: a[k] = Str(attr->str()); break;
      case fb::AttrType::INT: a[k] = attr->num(); break;
      case fb::AttrType::BOOL: a[k] = attr->flag(); break;
      case fb::AttrType::DECIMAL:
        a[k] = json::object{{"decimal", DecimalText(attr->num(), attr->scale())}};
        break;
      case fb::AttrType::TIME:
        a[k] = json::object{{"time", FormatMicrosUtc(attr->num())}};
        break;
    }
  }
  o[key] = std::move(a);
}

void PutItems(json::object& o, const char* key,
              const Vector<Offset<fb::LotQuantity>>* v) {
  if (v == nullptr) return;
  json::array a;
  for (const fb::LotQuantity* item : *v) {
    json::object i;
    i["lot"] = FormatLotRef(item->lot());
    PutQuantity(i, "quantity", item->quantity());
    PutStrings(i, "serials", item->serials());
    a.push_back(std::move(i));
  }
  o[key] = std::move(a);
}

std::string HashHex(const fb::Hash256* h) {
  if (h == nullptr) return "";
  return HexEncode(std::string_view(reinterpret_cast<const char*>(h->bytes()->data()), 32));
}

void PutHashes(json::object& o, const char* key, const Vector<const fb::Hash256*>* v) {
  if (v == nullptr) return;
  json::array a;
  for (const fb::Hash256* h : *v) a.emplace_back(HashHex(h));
  o[key] = std::move(a);
}

void PutKeys(json::object& o, const char* key, const Vector<Offset<fb::PublicKey>>* v) {
  if (v == nullptr) return;
  json::array a;
  for (const fb::PublicKey* k : *v) {
    if (k->key() == nullptr) continue;
    a.emplace_back(Base64Encode(std::string_view(
        reinterpret_cast<const char*>(k->key()->data()), k->key()->size())));
  }
  o[key] = std::move(a);
}

json::object EpcisToJson(const fb::EpcisContext& e) {
  json::object o;
  PutStr(o, "event_id", e.event_id());
  PutStr(o, "action", e.action());
  PutStr(o, "biz_step", e.biz_step());
  PutStr(o, "disposition", e.disposition());
  PutStr(o, "read_point", e.read_point());
  PutStr(o, "biz_location", e.biz_location());
  if (e.biz_transactions()) {
    json::array a;
    for (const auto* t : *e.biz_transactions()) {
      json::object x;
      PutStr(x, "type", t->type());
      x["id"] = Str(t->id());
      a.push_back(std::move(x));
    }
    o["biz_transactions"] = std::move(a);
  }
  auto sd = [&](const char* key, const Vector<Offset<fb::SourceDest>>* v) {
    if (!v) return;
    json::array a;
    for (const auto* s : *v) a.push_back(json::object{{"type", Str(s->type())}, {"id", Str(s->id())}});
    o[key] = std::move(a);
  };
  sd("sources", e.sources());
  sd("destinations", e.destinations());
  PutStrings(o, "persistent_disposition_set", e.persistent_disposition_set());
  PutStrings(o, "persistent_disposition_unset", e.persistent_disposition_unset());
  PutStrings(o, "epcs", e.epcs());
  PutStrings(o, "input_epcs", e.input_epcs());
  PutStr(o, "transformation_id", e.transformation_id());
  PutStrings(o, "certification_info", e.certification_info());
  if (e.sensors()) {
    json::array a;
    for (const auto* s : *e.sensors()) {
      json::object x;
      PutStr(x, "device_id", s->device_id());
      PutTime(x, "time", s->time());
      PutStr(x, "raw_metadata", s->raw_metadata());
      if (s->reports()) {
        json::array reps;
        for (const auto* rep : *s->reports()) {
          json::object y;
          PutStr(y, "type", rep->type());
          PutStr(y, "device_id", rep->device_id());
          PutTime(y, "time", rep->time());
          y["value"] = DecimalText(rep->value(), rep->scale());
          if (rep->min_value() != 0) y["min_value"] = DecimalText(rep->min_value(), rep->scale());
          if (rep->max_value() != 0) y["max_value"] = DecimalText(rep->max_value(), rep->scale());
          PutStr(y, "uom", rep->uom());
          PutStr(y, "component", rep->component());
          PutStr(y, "raw", rep->raw());
          reps.push_back(std::move(y));
        }
        x["reports"] = std::move(reps);
      }
      a.push_back(std::move(x));
    }
    o["sensors"] = std::move(a);
  }
  PutAttrs(o, "extensions", e.extensions());
  PutAttrs(o, "ilmd", e.ilmd());
  PutStr(o, "record_time", e.record_time());
  return o;
}

json::object SeedToJson(const fb::RecallSeed& seed) {
  json::object o;
  auto lots = [&](const char* key, const flatbuffers::Vector<Offset<fb::LotRef>>* v) {
    if (!v || v->size() == 0) return;
    json::array a;
    for (const auto* l : *v) a.emplace_back(FormatLotRef(l));
    o[key] = std::move(a);
  };
  lots("lots", seed.lots());
  PutStrings(o, "serials", seed.serials());
  lots("input_lots", seed.input_lots());
  if (seed.product_windows() && seed.product_windows()->size() > 0) {
    json::array a;
    for (const auto* w : *seed.product_windows()) {
      json::object wo;
      wo["product"] = std::string(SchemeName(w->product_scheme())) + ":" + Str(w->product());
      PutStr(wo, "site", w->site());
      PutTime(wo, "from", w->from());
      PutTime(wo, "to", w->to());
      PutAttrs(wo, "attributes", w->attributes());
      PutStr(wo, "certificate", w->certificate());
      a.push_back(std::move(wo));
    }
    o["product_windows"] = std::move(a);
  }
  if (seed.unit_windows() && seed.unit_windows()->size() > 0) {
    json::array a;
    for (const auto* w : *seed.unit_windows()) {
      json::object wo;
      PutStr(wo, "owner", w->owner());
      PutStr(wo, "unit", w->unit());
      PutTime(wo, "start", w->start());
      PutTime(wo, "end", w->end());
      a.push_back(std::move(wo));
    }
    o["unit_windows"] = std::move(a);
  }
  return o;
}

void BodyToJson(const fb::Record& rec, json::object& o) {
  switch (rec.body_type()) {
    case fb::Body::Genesis: {
      auto* g = rec.body_as_Genesis();
      PutStr(o, "origin", g->origin());
      PutStr(o, "host_party", g->host_party());
      if (g->host_key()) {
        o["host_key"] = Base64Encode(std::string_view(
            reinterpret_cast<const char*>(g->host_key()->data()), g->host_key()->size()));
      }
      PutStr(o, "admin_party", g->admin_party());
      PutStr(o, "admin_name", g->admin_name());
      PutKeys(o, "admin_keys", g->admin_keys());
      break;
    }
    case fb::Body::PartyRegistration: {
      auto* p = rec.body_as_PartyRegistration();
      PutStr(o, "party_id", p->party_id());
      PutStr(o, "name", p->name());
      if (p->roles()) {
        json::array a;
        for (auto role : *p->roles()) a.emplace_back(NameOf(kRoles, static_cast<fb::Role>(role)));
        o["roles"] = std::move(a);
      }
      PutStrings(o, "sectors", p->sectors());
      if (p->licences()) {
        json::array a;
        for (const auto* l : *p->licences()) {
          json::object x;
          PutStr(x, "kind", l->kind());
          PutStr(x, "number", l->number());
          PutStr(x, "scope", l->scope());
          PutTime(x, "valid_from", l->valid_from());
          PutTime(x, "valid_to", l->valid_to());
          a.push_back(std::move(x));
        }
        o["licences"] = std::move(a);
      }
      PutKeys(o, "keys", p->keys());
      PutStr(o, "gln", p->gln());
      PutStr(o, "admin_area", p->admin_area());
      PutStr(o, "webhook", p->webhook());
      break;
    }
    case fb::Body::KeyRotation: {
      auto* k = rec.body_as_KeyRotation();
      PutStr(o, "party_id", k->party_id());
      if (k->new_key() && k->new_key()->key()) {
        o["new_key"] = Base64Encode(std::string_view(
            reinterpret_cast<const char*>(k->new_key()->key()->data()),
            k->new_key()->key()->size()));
      }
      if (k->retire_key_id()) o["retire_key_id"] = HashHex(k->retire_key_id());
      break;
    }
    case fb::Body::KeyRevocation: {
      auto* k = rec.body_as_KeyRevocation();
      PutStr(o, "party_id", k->party_id());
      o["key_id"] = HashHex(k->key_id());
      PutTime(o, "compromised_since", k->compromised_since());
      PutStr(o, "reason", k->reason());
      break;
    }
    case fb::Body::ProductRegistration: {
      auto* p = rec.body_as_ProductRegistration();
      o["scheme"] = SchemeName(p->scheme());
      PutStr(o, "product_id", p->product_id());
      PutStr(o, "owner", p->owner());
      PutStr(o, "sector", p->sector());
      PutStr(o, "name", p->name());
      PutStr(o, "default_unit", p->default_unit());
      PutAttrs(o, "attributes", p->attributes());
      break;
    }
    case fb::Body::UnitRegistration: {
      auto* u = rec.body_as_UnitRegistration();
      PutStr(o, "unit_id", u->unit_id());
      o["kind"] = NameOf(kUnitKinds, u->kind());
      PutStr(o, "site", u->site());
      PutStr(o, "sector", u->sector());
      PutAttrs(o, "attributes", u->attributes());
      break;
    }
    case fb::Body::UnitEvent: {
      auto* u = rec.body_as_UnitEvent();
      PutStr(o, "unit", u->unit());
      o["kind"] = NameOf(kUnitEventKinds, u->kind());
      if (u->input()) o["input"] = FormatLotRef(u->input());
      PutQuantity(o, "quantity", u->quantity());
      PutTime(o, "start", u->start());
      PutTime(o, "end", u->end());
      PutStr(o, "run_id", u->run_id());
      PutAttrs(o, "attributes", u->attributes());
      PutStrings(o, "serials", u->serials());
      break;
    }
    case fb::Body::LotRegistration: {
      auto* l = rec.body_as_LotRegistration();
      o["lot"] = FormatLotRef(l->lot());
      PutQuantity(o, "quantity", l->quantity());
      PutTime(o, "production_time", l->production_time());
      PutTime(o, "expiry_time", l->expiry_time());
      PutStr(o, "site", l->site());
      if (l->inputs()) {
        json::array a;
        for (const auto* in : *l->inputs()) {
          json::object x;
          x["lot"] = FormatLotRef(in->lot());
          PutQuantity(x, "quantity", in->quantity());
          x["kind"] = NameOf(kEdgeKinds, in->kind());
          a.push_back(std::move(x));
        }
        o["inputs"] = std::move(a);
      }
      if (l->units()) {
        json::array a;
        for (const auto* u : *l->units()) {
          json::object x;
          PutStr(x, "unit", u->unit());
          PutTime(x, "start", u->start());
          PutTime(x, "end", u->end());
          a.push_back(std::move(x));
        }
        o["units"] = std::move(a);
      }
      PutAttrs(o, "attributes", l->attributes());
      if (l->certificates()) {
        json::array a;
        for (const auto* c : *l->certificates()) {
          json::object x;
          PutStr(x, "cert_id", c->cert_id());
          PutStr(x, "standard", c->standard());
          a.push_back(std::move(x));
        }
        o["certificates"] = std::move(a);
      }
      PutStrings(o, "serials", l->serials());
      break;
    }
    case fb::Body::Aggregation: {
      auto* a = rec.body_as_Aggregation();
      o["action"] = NameOf(kAggActions, a->action());
      PutStr(o, "parent", a->parent());
      PutStrings(o, "children", a->children());
      PutItems(o, "child_lots", a->child_lots());
      break;
    }
    case fb::Body::Shipment: {
      auto* s = rec.body_as_Shipment();
      PutStr(o, "shipment_id", s->shipment_id());
      PutStr(o, "to", s->to());
      PutItems(o, "items", s->items());
      PutStrings(o, "containers", s->containers());
      break;
    }
    case fb::Body::Receipt: {
      auto* s = rec.body_as_Receipt();
      PutStr(o, "from", s->from());
      PutStr(o, "shipment_id", s->shipment_id());
      PutItems(o, "items", s->items());
      break;
    }
    case fb::Body::Disposition: {
      auto* d = rec.body_as_Disposition();
      o["kind"] = NameOf(kDispositions, d->kind());
      PutItems(o, "items", d->items());
      break;
    }
    case fb::Body::Adjustment: {
      auto* a = rec.body_as_Adjustment();
      o["lot"] = FormatLotRef(a->lot());
      PutQuantity(o, "delta", a->delta());
      PutStr(o, "reason", a->reason());
      break;
    }
    case fb::Body::LotStatusChange: {
      auto* s = rec.body_as_LotStatusChange();
      o["lot"] = FormatLotRef(s->lot());
      o["status"] = NameOf(kLotStatuses, s->status());
      PutStr(o, "reason", s->reason());
      break;
    }
    case fb::Body::ErrorDeclaration: {
      auto* e = rec.body_as_ErrorDeclaration();
      PutHashes(o, "corrected", e->corrected());
      PutHashes(o, "corrective", e->corrective());
      PutStr(o, "reason", e->reason());
      break;
    }
    case fb::Body::Certificate: {
      auto* c = rec.body_as_Certificate();
      PutStr(o, "cert_id", c->cert_id());
      PutStr(o, "kind", c->kind());
      PutStr(o, "standard", c->standard());
      PutStr(o, "subject_party", c->subject_party());
      if (c->subject_product() && c->subject_product()->size() > 0) {
        o["subject_product"] = std::string(SchemeName(c->subject_product_scheme())) + ":" +
                               c->subject_product()->str();
      }
      if (c->subject_lot()) o["subject_lot"] = FormatLotRef(c->subject_lot());
      PutStr(o, "subject_unit", c->subject_unit());
      PutStr(o, "scope", c->scope());
      PutTime(o, "valid_from", c->valid_from());
      PutTime(o, "valid_to", c->valid_to());
      PutAttrs(o, "attributes", c->attributes());
      break;
    }
    case fb::Body::CertificateStatusChange: {
      auto* c = rec.body_as_CertificateStatusChange();
      PutStr(o, "cert_id", c->cert_id());
      o["status"] = NameOf(kCertStatuses, c->status());
      PutTime(o, "effective", c->effective());
      PutStr(o, "reason", c->reason());
      break;
    }
    case fb::Body::Inspection: {
      auto* in = rec.body_as_Inspection();
      PutStr(o, "inspection_id", in->inspection_id());
      PutStr(o, "kind", in->kind());
      o["lot"] = FormatLotRef(in->lot());
      PutStr(o, "sample_id", in->sample_id());
      if (in->items()) {
        json::array a;
        for (const auto* it : *in->items()) {
          json::object x;
          PutStr(x, "name", it->name());
          x["value"] = DecimalText(it->value(), it->scale());
          PutStr(x, "unit", it->unit());
          if (it->has_min()) x["min"] = DecimalText(it->limit_min(), it->scale());
          if (it->has_max()) x["max"] = DecimalText(it->limit_max(), it->scale());
          x["pass"] = it->pass();
          a.push_back(std::move(x));
        }
        o["items"] = std::move(a);
      }
      o["result"] = NameOf(kInspectionResults, in->result());
      PutStr(o, "report_no", in->report_no());
      PutStr(o, "accreditation", in->accreditation());
      break;
    }
    case fb::Body::RuleParameters: {
      auto* p = rec.body_as_RuleParameters();
      PutStr(o, "sector", p->sector());
      PutStr(o, "set_id", p->set_id());
      PutAttrs(o, "params", p->params());
      if (!o.contains("params")) o["params"] = json::object();
      break;
    }
    case fb::Body::RecallOrder: {
      auto* x = rec.body_as_RecallOrder();
      PutStr(o, "recall_id", x->recall_id());
      PutStr(o, "sector", x->sector());
      PutStr(o, "level", x->level());
      PutStr(o, "hazard", x->hazard());
      PutStr(o, "reason", x->reason());
      o["depth"] = NameOf(kRecallDepths, x->depth());
      PutStr(o, "responsible", x->responsible());
      PutTime(o, "risk_known_at", x->risk_known_at());
      if (x->seed()) o["seed"] = SeedToJson(*x->seed());
      if (x->public_notice()) o["public_notice"] = true;
      break;
    }
    case fb::Body::RecallNotice: {
      auto* x = rec.body_as_RecallNotice();
      PutStr(o, "recall_id", x->recall_id());
      PutStr(o, "notified_party", x->party());
      if (x->round() != 0) o["round"] = x->round();
      if (x->lots()) {
        json::array a;
        for (const auto* l : *x->lots()) {
          json::object lo;
          lo["lot"] = FormatLotRef(l->lot());
          PutQuantity(lo, "held", l->held());
          PutQuantity(lo, "received", l->received());
          PutStrings(lo, "serials", l->serials());
          a.push_back(std::move(lo));
        }
        o["lots"] = std::move(a);
      }
      PutTime(o, "ack_due", x->ack_due());
      if (x->report_every_hours() != 0) o["report_every_hours"] = x->report_every_hours();
      PutTime(o, "complete_due", x->complete_due());
      if (x->scope_as_of() != 0) o["scope_as_of"] = x->scope_as_of();
      if (x->scope_digest()) o["scope_digest"] = HashHex(x->scope_digest());
      if (x->report_every_working_days() != 0) {
        o["report_every_working_days"] = x->report_every_working_days();
      }
      if (x->for_information()) o["for_information"] = true;
      break;
    }
    case fb::Body::RecallAck: {
      auto* x = rec.body_as_RecallAck();
      PutStr(o, "recall_id", x->recall_id());
      PutStr(o, "note", x->note());
      break;
    }
    case fb::Body::RecallProgress: {
      auto* x = rec.body_as_RecallProgress();
      PutStr(o, "recall_id", x->recall_id());
      if (x->items()) {
        json::array a;
        for (const auto* it : *x->items()) {
          json::object io;
          io["lot"] = FormatLotRef(it->lot());
          PutQuantity(io, "recovered", it->recovered());
          PutQuantity(io, "destroyed", it->destroyed());
          PutQuantity(io, "consumed", it->consumed());
          PutQuantity(io, "corrected", it->corrected());
          a.push_back(std::move(io));
        }
        o["items"] = std::move(a);
      }
      PutStrings(o, "evidence", x->evidence());
      PutStr(o, "note", x->note());
      if (x->report() != fb::RecallReportKind::PROGRESS) o["report"] = NameOf(kRecallReports, x->report());
      break;
    }
    case fb::Body::RecallTransition: {
      auto* x = rec.body_as_RecallTransition();
      PutStr(o, "recall_id", x->recall_id());
      o["to"] = NameOf(kRecallStates, x->to());
      PutStr(o, "reason", x->reason());
      PutStrings(o, "evidence", x->evidence());
      PutStr(o, "outcome", x->outcome());
      break;
    }
    case fb::Body::RecallWiden: {
      auto* x = rec.body_as_RecallWiden();
      PutStr(o, "recall_id", x->recall_id());
      if (x->seed()) o["seed"] = SeedToJson(*x->seed());
      PutStr(o, "reason", x->reason());
      break;
    }
    case fb::Body::RecallOverdue: {
      auto* x = rec.body_as_RecallOverdue();
      PutStr(o, "recall_id", x->recall_id());
      PutStr(o, "notified_party", x->party());
      PutStr(o, "what", x->what());
      PutTime(o, "due", x->due());
      break;
    }
    default:
      break;
  }
}

}  // namespace

StatusOr<std::string> RecordFromJson(const json::object& obj) {
  Reader r(obj, "");
  QT_ASSIGN_OR_RETURN(std::string type_name, r.Str("type", true));
  fb::Body type = BodyTypeFromName(type_name);
  BuildFn build = BuilderFor(type);
  if (build == nullptr) {
    return InvalidArgument("type: unknown record type '" + type_name + "'",
                           "bad_json");
  }
  Ctx c;
  QT_ASSIGN_OR_RETURN(std::string party, r.Id("party", true));
  QT_ASSIGN_OR_RETURN(auto event_time, r.Time("event_time", true));
  QT_ASSIGN_OR_RETURN(std::string note, r.Str("note", false));
  QT_ASSIGN_OR_RETURN(auto epcis, BuildEpcis(c, r));
  auto party_off = c.b.CreateString(party);
  auto note_off = OptString(c, note);
  QT_ASSIGN_OR_RETURN(BodyOffset body, build(c, r));
  QT_RETURN_IF_ERROR(r.CheckNoUnknown());
  fb::Timestamp et = ToFb(event_time);
  auto header = fb::CreateHeader(c.b, party_off, &et, epcis, note_off);
  c.b.Finish(fb::CreateRecord(c.b, header, type, body));
  return std::string(reinterpret_cast<const char*>(c.b.GetBufferPointer()),
                     c.b.GetSize());
}

StatusOr<std::string> RecordFromJson(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(json_text.data(), json_text.size()), ec);
  if (ec) {
    return InvalidArgument("malformed JSON: " + ec.message(), "bad_json");
  }
  if (!v.is_object()) return InvalidArgument("a record must be a JSON object", "bad_json");
  return RecordFromJson(v.as_object());
}

json::object RecordToJsonObject(const fb::Record& rec) {
  json::object o;
  o["type"] = BodyTypeName(rec.body_type());
  if (rec.header()) {
    PutStr(o, "party", rec.header()->party());
    PutTime(o, "event_time", rec.header()->event_time());
    PutStr(o, "note", rec.header()->note());
    if (rec.header()->epcis()) o["epcis"] = EpcisToJson(*rec.header()->epcis());
  }
  BodyToJson(rec, o);
  return o;
}

std::string RecordToJson(const fb::Record& rec) {
  return json::serialize(RecordToJsonObject(rec));
}

}  // namespace qtrace
