// plugin.h: write a qtrace sector plugin as one C++ class plus one macro.
//
//   #include "qtrace/plugin/plugin.h"
//
//   class LeafSprings final : public qtrace::plugin::Plugin {
//    public:
//     static constexpr qtrace::plugin::Info kInfo{
//         .name = "leaf_springs",
//         .version = "1.0.0",
//         .rule_set = "leaf-springs/2026.1",
//         .sectors = {"leaf_springs"},
//         .records = {qtrace::fb::Body::LotRegistration}};
//     explicit LeafSprings(const qtrace::plugin::Host& host) {}  // or default
//     void Describe(qtrace::plugin::Description& d) const override { ... }
//     void CheckRecord(const qtrace::plugin::CheckContext& ctx,
//                      qtrace::plugin::Verdict& verdict) const override {
//       const auto* lot = ctx.body<qtrace::fb::LotRegistration>();
//       if (!qtrace::plugin::FindAttr(lot->attributes(), "load_test_report"))
//         verdict.Reject("R-LS-1", "load_test_report_missing",
//                        "attributes.load_test_report", "a load-test report is required");
//     }
//   };
//   QTRACE_PLUGIN(LeafSprings);
//
// and build it with the CMake function qtrace_add_plugin(leaf_springs SOURCES ...).
//
// The helper implements the C ABI of abi.h for the class: the macro defines
// the exported `qtrace_plugin_entry` returning a static descriptor built from
// kInfo; each ABI call is an adapter that decodes the input, calls the
// class, serialises the result (plugin.fbs) into the host's sink and catches
// every exception, which becomes QT_ERR_INTERNAL with the exception's text —
// so no exception ever crosses the boundary. The class never sees a C type.
//
// Contract for the class:
//   - One instance per loaded plugin, made once by the host (create) and
//     destroyed at shutdown. The constructor may throw to refuse to start.
//   - CheckRecord / CheckCertification / PlanRecall are const and reentrant:
//     the host may call them from several threads at once. Keep mutable
//     state out of them (or synchronise it yourself).
//   - Checks never read the clock: use ctx.record_time() (the host's time
//     stamp) and the times in the record.
//   - Everything a context returns (the record, lookup answers) is valid only
//     until the call returns; copy what you keep.
//   - Do not use thread_local objects with destructors or hand out objects
//     that outlive the library: the library may be unloaded (tests do).
//
// Thread-safety: see the contract above; the helper itself keeps no
// mutable global state.
#ifndef QTRACE_PLUGIN_PLUGIN_H_
#define QTRACE_PLUGIN_PLUGIN_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "qtrace/fb/plugin_generated.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/plugin/abi.h"

namespace qtrace::plugin {

namespace fbp = ::qtrace::fb::plugin;

// ---- small helpers --------------------------------------------------------------

inline qt_str ToQt(std::string_view s) { return qt_str{s.data(), s.size()}; }
inline std::string_view View(qt_str s) {
  return s.data ? std::string_view(s.data, s.size) : std::string_view();
}
inline std::string_view View(const flatbuffers::String* s) {
  return s ? s->string_view() : std::string_view();
}

using AttrList = flatbuffers::Vector<flatbuffers::Offset<fb::Attr>>;

// The attribute with `key`, or nullptr (also when `attrs` is null).
inline const fb::Attr* FindAttr(const AttrList* attrs, std::string_view key) {
  if (attrs == nullptr) return nullptr;
  for (const fb::Attr* a : *attrs) {
    if (a != nullptr && View(a->key()) == key) return a;
  }
  return nullptr;
}

// An INT or DECIMAL attribute's value as num x 10^-scale rescaled to
// `scale` decimals (rounded towards zero); nullopt for other types or when
// rescaling would overflow.
inline std::optional<int64_t> AttrScaled(const fb::Attr* a, int scale) {
  if (a == nullptr) return std::nullopt;
  if (a->type() != fb::AttrType::INT && a->type() != fb::AttrType::DECIMAL) return std::nullopt;
  int64_t v = a->num();
  int from = a->type() == fb::AttrType::INT ? 0 : a->scale();
  for (; from < scale; ++from) {
    if (v > INT64_MAX / 10 || v < INT64_MIN / 10) return std::nullopt;
    v *= 10;
  }
  for (; from > scale; --from) v /= 10;
  return v;
}

// A STRING attribute's text; nullopt for other types.
inline std::optional<std::string_view> AttrString(const fb::Attr* a) {
  if (a == nullptr || a->type() != fb::AttrType::STRING) return std::nullopt;
  return View(a->str());
}

// ---- what the class declares ----------------------------------------------------------

// Static facts about a plugin, declared as `static constexpr Info kInfo`.
struct Info {
  const char* name = nullptr;              // [a-z0-9_]{1,64}, unique
  const char* version = nullptr;           // "MAJOR.MINOR.PATCH"
  const char* rule_set = nullptr;          // e.g. "leaf-springs/2026.1"
  const char* min_host_version = "0.1.0";  // oldest qtraced it runs in
  std::array<const char*, 9> sectors{};    // up to 8; the rest stay nullptr
  // Record body types CheckRecord is called for (up to 31; the rest NONE).
  std::array<fb::Body, 32> records{};
  bool check_certification = false;  // CheckCertification is overridden
  bool plan_recall = false;          // PlanRecall is overridden
  bool reentrant = true;             // checks may run concurrently
};

// Sector attribute, rule and parameter documentation (Plugin::Describe),
// filled with the chaining helpers:
//   d.Attribute("static_load_arc_height", fb::AttrType::DECIMAL)
//       .Required().Unit("mm").Range(10, 400).Doc("arc height under the test load");
//   d.Rule("R-LS-1", "a spring lot carries its load-test report", "QC/T 29035");
//   d.Param("arc_height_tolerance_mm", fb::AttrType::DECIMAL, 6, "tolerance");
struct AttrSpec {
  std::string key;
  fb::AttrType type = fb::AttrType::STRING;
  std::string record = "lot";  // record type: lot, product, unit, unit_event, ...
  bool required = false;
  std::string unit;
  std::string description;
  std::vector<std::string> allowed;
  std::optional<int64_t> min, max;  // x 10^-scale
  int8_t scale = 0;

  AttrSpec& Required(bool r = true) { required = r; return *this; }
  AttrSpec& For(std::string record_type) { record = std::move(record_type); return *this; }
  AttrSpec& Unit(std::string u) { unit = std::move(u); return *this; }
  AttrSpec& Doc(std::string d) { description = std::move(d); return *this; }
  AttrSpec& Allowed(std::vector<std::string> values) { allowed = std::move(values); return *this; }
  AttrSpec& Range(int64_t lo, int64_t hi, int8_t decimals = 0) {
    min = lo;
    max = hi;
    scale = decimals;
    return *this;
  }
};
struct RuleSpec {
  std::string id, description, source;
};
struct ParamSpec {
  std::string key;
  fb::AttrType type = fb::AttrType::INT;
  std::string default_str;
  int64_t default_num = 0;
  int8_t scale = 0;
  std::string description;
};
struct Description {
  std::vector<AttrSpec> attributes;
  std::vector<RuleSpec> rules;
  std::vector<ParamSpec> params;
  std::string doc;

  AttrSpec& Attribute(std::string key, fb::AttrType type = fb::AttrType::STRING) {
    attributes.emplace_back();
    attributes.back().key = std::move(key);
    attributes.back().type = type;
    return attributes.back();
  }
  void Rule(std::string id, std::string description, std::string source = {}) {
    rules.push_back(RuleSpec{std::move(id), std::move(description), std::move(source)});
  }
  // A numeric parameter (INT, or DECIMAL as num x 10^-scale) with its default.
  void Param(std::string key, fb::AttrType type, int64_t default_num, std::string description,
             int8_t scale = 0) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = type;
    p.default_num = default_num;
    p.scale = scale;
    p.description = std::move(description);
    params.push_back(std::move(p));
  }
  // A STRING parameter with its default.
  void Param(std::string key, std::string default_str, std::string description) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = fb::AttrType::STRING;
    p.default_str = std::move(default_str);
    p.description = std::move(description);
    params.push_back(std::move(p));
  }
};

// A recall plan (plugin.fbs RecallPlan) as plain data; the defaults are the
// generic engine of sector-rules.md section 0.3.
struct RecallPlan {
  struct Calendar {
    std::string name = "CN";
    int16_t utc_offset_minutes = 480;
    std::vector<uint8_t> weekend;  // ISO weekdays; empty = Sat + Sun
    std::vector<int32_t> holidays, extra_working_days;  // days since epoch
  };
  struct Deadline {
    fbp::DeadlineKind kind = fbp::DeadlineKind::COMPLETE;
    fbp::DeadlineAnchor anchor = fbp::DeadlineAnchor::ORDERED;
    uint32_t hours = 0, working_days = 0;
    bool repeat = false;
  };
  struct Notify {
    fbp::NotifyTarget target = fbp::NotifyTarget::HOLDERS;
    fbp::CustodyDepth depth = fbp::CustodyDepth::CONSUMER;
    uint32_t within_hours = 0, within_working_days = 0;
  };
  struct Closing {
    bool all_acknowledged = true, reconciled = true;
    uint32_t min_accounted_ppm = 1'000'000;
    bool disposal_evidence = true, summary = true, in_situ_assessment = false,
         regulator_review = true;
    std::string effectiveness_level;
  };
  std::string level;
  std::vector<fb::EdgeKind> propagate = {
      fb::EdgeKind::COMPOSED_OF, fb::EdgeKind::MERGED_INTO, fb::EdgeKind::SPLIT_FROM,
      fb::EdgeKind::LABELLED_WITH, fb::EdgeKind::CONTAINED_IN, fb::EdgeKind::RECONDITIONED_FROM};
  bool through_units = true;
  bool bulk_until_emptied = true;
  bool serial_level = true;
  uint32_t max_depth = 0;  // 0 = unlimited
  fbp::CustodyDepth custody_depth = fbp::CustodyDepth::CONSUMER;
  Calendar calendar;
  std::vector<Deadline> deadlines;
  std::vector<Notify> notify;
  bool public_notice = false;
  Closing closing;
  std::vector<std::string> notes;
};

// ---- what the class gets ------------------------------------------------------------------

// The host as the instance sees it: logging and the configuration. Valid
// for the instance's whole life.
class Host {
 public:
  Host(const qt_host_api* api, qt_bytes config)
      : api_(api),
        config_(config.data ? std::string(reinterpret_cast<const char*>(config.data), config.size)
                            : std::string()) {}

  void Log(int32_t level, std::string_view message) const {
    if (api_ != nullptr && api_->log != nullptr) api_->log(api_, level, ToQt(message));
  }
  void Info(std::string_view m) const { Log(QT_LOG_INFO, m); }
  void Warn(std::string_view m) const { Log(QT_LOG_WARN, m); }
  // The plugin's configuration (JSON text; may be empty).
  const std::string& config() const { return config_; }
  std::string_view host_version() const {
    return api_ && api_->host_version ? std::string_view(api_->host_version) : std::string_view();
  }
  const qt_host_api* api() const { return api_; }

 private:
  const qt_host_api* api_;  // OWNERSHIP: host; valid until destroy()
  std::string config_;
};

// Read-only lookups against the state the call runs on. Every answer is
// nullptr when not found (or when the host is too old to offer the
// service), and valid only until the call returns.
class Lookups {
 public:
  Lookups(const qt_host_api* api, qt_lookup* lookup) : api_(api), lookup_(lookup) {}

  const fbp::LotInfo* Lot(fb::IdScheme scheme, std::string_view product,
                          std::string_view lot) const {
    return LotQuery<fbp::LotInfo>(
        Service(offsetof(qt_host_api, get_lot), &qt_host_api::get_lot), scheme, product, lot);
  }
  const fbp::LotInfo* Lot(const fb::LotRef* ref) const {
    return ref ? Lot(ref->scheme(), View(ref->product()), View(ref->lot())) : nullptr;
  }
  // The inputs of a lot (also of the lot the record under check registers).
  const fbp::InputList* Inputs(const fb::LotRef* ref) const {
    if (ref == nullptr) return nullptr;
    return LotQuery<fbp::InputList>(
        Service(offsetof(qt_host_api, get_lot_inputs), &qt_host_api::get_lot_inputs),
        ref->scheme(), View(ref->product()), View(ref->lot()));
  }
  const fbp::Balances* Balances(const fb::LotRef* ref) const {
    if (ref == nullptr) return nullptr;
    return LotQuery<fbp::Balances>(
        Service(offsetof(qt_host_api, get_balances), &qt_host_api::get_balances), ref->scheme(),
        View(ref->product()), View(ref->lot()));
  }
  const fbp::InspectionList* Inspections(const fb::LotRef* ref) const {
    if (ref == nullptr) return nullptr;
    return LotQuery<fbp::InspectionList>(
        Service(offsetof(qt_host_api, get_inspections), &qt_host_api::get_inspections),
        ref->scheme(), View(ref->product()), View(ref->lot()));
  }
  // A unit of `owner` with its events overlapping [from, to] (0, 0 = all).
  const fbp::UnitInfo* Unit(std::string_view owner, std::string_view unit, int64_t from = 0,
                            int64_t to = 0) const {
    auto fn = Service(offsetof(qt_host_api, get_unit), &qt_host_api::get_unit);
    qt_bytes out{};
    if (fn == nullptr || fn(lookup_, ToQt(owner), ToQt(unit), from, to, &out) != QT_OK) {
      return nullptr;
    }
    return Root<fbp::UnitInfo>(out);
  }
  const fbp::PartyInfo* Party(std::string_view id) const {
    auto fn = Service(offsetof(qt_host_api, get_party), &qt_host_api::get_party);
    qt_bytes out{};
    if (fn == nullptr || fn(lookup_, ToQt(id), &out) != QT_OK) return nullptr;
    return Root<fbp::PartyInfo>(out);
  }
  const fbp::CertificateInfo* Certificate(std::string_view id) const {
    auto fn = Service(offsetof(qt_host_api, get_certificate), &qt_host_api::get_certificate);
    qt_bytes out{};
    if (fn == nullptr || fn(lookup_, ToQt(id), &out) != QT_OK) return nullptr;
    return Root<fbp::CertificateInfo>(out);
  }
  const fbp::CertificateList* CertificatesOfLot(const fb::LotRef* ref) const {
    if (ref == nullptr) return nullptr;
    return Certs(QT_SUBJECT_LOT, ref->scheme(), View(ref->product()), View(ref->lot()));
  }
  const fbp::CertificateList* CertificatesOfProduct(fb::IdScheme scheme,
                                                    std::string_view product) const {
    return Certs(QT_SUBJECT_PRODUCT, scheme, product, {});
  }
  const fbp::CertificateList* CertificatesOfParty(std::string_view party) const {
    return Certs(QT_SUBJECT_PARTY, fb::IdScheme::GTIN, party, {});
  }
  // The newest rule-parameter set of `sector` (nullptr when none).
  const fbp::ParamSet* Params(std::string_view sector) const {
    auto fn = Service(offsetof(qt_host_api, get_rule_params), &qt_host_api::get_rule_params);
    qt_bytes out{};
    if (fn == nullptr || fn(lookup_, ToQt(sector), &out) != QT_OK) return nullptr;
    return Root<fbp::ParamSet>(out);
  }
  void Log(int32_t level, std::string_view message) const {
    if (api_ != nullptr && api_->log != nullptr) api_->log(api_, level, ToQt(message));
  }

 private:
  // The host's function at `offset`, or nullptr when the host's table is
  // too short to have it (an older host) or leaves it unset.
  template <typename Fn>
  Fn Service(size_t offset, Fn qt_host_api::*member) const {
    if (api_ == nullptr || offset + sizeof(Fn) > api_->struct_size) return nullptr;
    return api_->*member;
  }
  template <typename T>
  static const T* Root(qt_bytes b) {
    if (b.data == nullptr || b.size == 0) return nullptr;
    return flatbuffers::GetRoot<T>(b.data);
  }
  template <typename T, typename Fn>
  const T* LotQuery(Fn fn, fb::IdScheme scheme, std::string_view product,
                    std::string_view lot) const {
    qt_bytes out{};
    if (fn == nullptr ||
        fn(lookup_, static_cast<uint8_t>(scheme), ToQt(product), ToQt(lot), &out) != QT_OK) {
      return nullptr;
    }
    return Root<T>(out);
  }
  const fbp::CertificateList* Certs(int32_t kind, fb::IdScheme scheme, std::string_view product,
                                    std::string_view lot) const {
    auto fn = Service(offsetof(qt_host_api, list_certificates), &qt_host_api::list_certificates);
    qt_bytes out{};
    if (fn == nullptr ||
        fn(lookup_, kind, static_cast<uint8_t>(scheme), ToQt(product), ToQt(lot), &out) != QT_OK) {
      return nullptr;
    }
    return Root<fbp::CertificateList>(out);
  }

  const qt_host_api* api_;  // OWNERSHIP: host; valid until destroy()
  qt_lookup* lookup_;       // OWNERSHIP: host; valid during the call only
};

// The record under check and the host's lookups.
class CheckContext : public Lookups {
 public:
  CheckContext(const qt_host_api* api, const qt_check_input* in)
      : Lookups(api, in->lookup), in_(in) {}

  std::string_view payload_type() const { return View(in_->payload_type); }
  // The exact signed payload bytes.
  std::string_view payload() const {
    return {reinterpret_cast<const char*>(in_->record.data), in_->record.size};
  }
  // The record (valid for QT_RECORD_PAYLOAD_TYPE; verified by the host).
  const fb::Record& record() const { return *flatbuffers::GetRoot<fb::Record>(in_->record.data); }
  fb::Body body_type() const { return record().body_type(); }
  // The body as T, or nullptr when the record is another type.
  template <typename T>
  const T* body() const {
    return record().template body_as<T>();
  }
  const fb::Header* header() const { return record().header(); }
  // The signer's stated event time (0 when absent).
  int64_t event_time() const {
    const fb::Header* h = header();
    return h && h->event_time() ? h->event_time()->micros() : 0;
  }
  // The host's time stamp for this record: the only "now" a check may use.
  int64_t record_time() const { return in_->record_time; }
  uint64_t log_index() const { return in_->log_index; }
  std::string_view signer() const { return View(in_->signer); }
  std::string_view sector() const { return View(in_->sector); }
  std::string_view param_set() const { return View(in_->param_set); }
  // The current parameter set of this call's sector (nullptr when none).
  const fbp::ParamSet* Params() const { return Lookups::Params(sector()); }
  using Lookups::Params;

 private:
  const qt_check_input* in_;  // OWNERSHIP: host; valid during the call only
};

// The recall a plan is asked for and the host's lookups.
class RecallContext : public Lookups {
 public:
  RecallContext(const qt_host_api* api, const qt_recall_input* in)
      : Lookups(api, in->lookup), in_(in) {}
  const fbp::RecallRequest& request() const {
    return *flatbuffers::GetRoot<fbp::RecallRequest>(in_->request.data);
  }
  std::string_view sector() const { return View(in_->sector); }
  std::string_view param_set() const { return View(in_->param_set); }
  const fbp::ParamSet* Params() const { return Lookups::Params(sector()); }
  using Lookups::Params;

 private:
  const qt_recall_input* in_;  // OWNERSHIP: host; valid during the call only
};

// What a check decides: accept (the default), or reject with every reason.
class Verdict {
 public:
  struct Reason {
    std::string rule, code, field, message;
  };
  // Records a violated rule; any call makes the verdict a rejection.
  void Reject(std::string_view rule, std::string_view code, std::string_view field,
              std::string_view message) {
    reasons_.push_back(
        Reason{std::string(rule), std::string(code), std::string(field), std::string(message)});
  }
  // A warning kept with an accepted record's decision.
  void Note(std::string_view note) { notes_.emplace_back(note); }
  bool rejected() const { return !reasons_.empty(); }
  const std::vector<Reason>& reasons() const { return reasons_; }
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  std::vector<Reason> reasons_;
  std::vector<std::string> notes_;
};

// The class a plugin derives from. Only CheckRecord is required.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual void Describe(Description& description) const {}
  virtual void CheckRecord(const CheckContext& ctx, Verdict& verdict) const = 0;
  virtual void CheckCertification(const CheckContext& ctx, Verdict& verdict) const {}
  virtual void PlanRecall(const RecallContext& ctx, RecallPlan& plan) const {}
};

// ---- the ABI adapter (not for authors) ----------------------------------------------------

namespace internal {

inline qt_status WriteText(qt_sink* sink, std::string_view text) noexcept {
  if (sink == nullptr || sink->write == nullptr) return QT_ERR_INTERNAL;
  return sink->write(sink, text.data(), text.size());
}

inline qt_status WriteBuffer(qt_sink* sink, const flatbuffers::FlatBufferBuilder& b) {
  if (sink == nullptr || sink->write == nullptr) return QT_ERR_INTERNAL;
  return sink->write(sink, b.GetBufferPointer(), b.GetSize());
}

// Runs `f`, turning any exception into QT_ERR_INTERNAL with its text.
template <typename F>
qt_status Guard(qt_sink* error, const char* what, F&& f) noexcept {
  try {
    return f();
  } catch (const std::exception& e) {
    std::string m = std::string(what) + " threw: " + e.what();
    WriteText(error, m);
  } catch (...) {
    std::string m = std::string(what) + " threw a non-standard exception";
    WriteText(error, m);
  }
  return QT_ERR_INTERNAL;
}

inline flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>>
StringVector(flatbuffers::FlatBufferBuilder& b, const std::vector<std::string>& v) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> offs;
  offs.reserve(v.size());
  for (const auto& s : v) offs.push_back(b.CreateString(s));
  return b.CreateVector(offs);
}

inline void BuildCheckResult(flatbuffers::FlatBufferBuilder& b, const Verdict& v) {
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fbp::Reason>>> reasons;
  if (!v.reasons().empty()) {
    std::vector<flatbuffers::Offset<fbp::Reason>> rs;
    for (const auto& r : v.reasons()) {
      rs.push_back(fbp::CreateReason(b, b.CreateString(r.rule), b.CreateString(r.code),
                                     b.CreateString(r.field), b.CreateString(r.message)));
    }
    reasons = b.CreateVector(rs);
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> notes;
  if (!v.notes().empty()) notes = StringVector(b, v.notes());
  b.Finish(fbp::CreateCheckResult(
      b, v.rejected() ? fbp::Verdict::REJECT : fbp::Verdict::ACCEPT, reasons, notes));
}

inline void BuildDescription(flatbuffers::FlatBufferBuilder& b, const Description& d,
                             const Info& info) {
  std::vector<std::string> sectors;
  for (const char* s : info.sectors) {
    if (s != nullptr) sectors.emplace_back(s);
  }
  std::vector<flatbuffers::Offset<fbp::AttrSpec>> attrs;
  for (const auto& a : d.attributes) {
    auto key = b.CreateString(a.key);
    auto record = b.CreateString(a.record);
    auto unit = b.CreateString(a.unit);
    auto desc = b.CreateString(a.description);
    auto allowed = StringVector(b, a.allowed);
    attrs.push_back(fbp::CreateAttrSpec(b, key, a.type, record, a.required, unit, desc, allowed,
                                        a.min.has_value(), a.min.value_or(0), a.max.has_value(),
                                        a.max.value_or(0), a.scale));
  }
  std::vector<flatbuffers::Offset<fbp::RuleSpec>> rules;
  for (const auto& r : d.rules) {
    rules.push_back(fbp::CreateRuleSpec(b, b.CreateString(r.id), b.CreateString(r.description),
                                        b.CreateString(r.source)));
  }
  std::vector<flatbuffers::Offset<fbp::ParamSpec>> params;
  for (const auto& p : d.params) {
    params.push_back(fbp::CreateParamSpec(b, b.CreateString(p.key), p.type,
                                          b.CreateString(p.default_str), p.default_num, p.scale,
                                          b.CreateString(p.description)));
  }
  auto s = StringVector(b, sectors);
  auto av = b.CreateVector(attrs);
  auto rv = b.CreateVector(rules);
  auto pv = b.CreateVector(params);
  auto doc = b.CreateString(d.doc);
  b.Finish(fbp::CreateDescription(b, s, av, rv, pv, doc));
}

inline void BuildRecallPlan(flatbuffers::FlatBufferBuilder& b, const RecallPlan& p) {
  auto level = b.CreateString(p.level);
  std::vector<uint8_t> kinds;
  for (auto k : p.propagate) kinds.push_back(static_cast<uint8_t>(k));
  auto propagate = b.CreateVector(reinterpret_cast<const fb::EdgeKind*>(kinds.data()), kinds.size());
  auto cal_name = b.CreateString(p.calendar.name);
  auto weekend = b.CreateVector(p.calendar.weekend);
  auto holidays = b.CreateVector(p.calendar.holidays);
  auto extra = b.CreateVector(p.calendar.extra_working_days);
  auto calendar = fbp::CreateCalendar(b, cal_name, p.calendar.utc_offset_minutes, weekend,
                                      holidays, extra);
  std::vector<flatbuffers::Offset<fbp::Deadline>> deadlines;
  for (const auto& d : p.deadlines) {
    deadlines.push_back(
        fbp::CreateDeadline(b, d.kind, d.anchor, d.hours, d.working_days, d.repeat));
  }
  auto dv = b.CreateVector(deadlines);
  std::vector<flatbuffers::Offset<fbp::NotifyRule>> notify;
  for (const auto& n : p.notify) {
    notify.push_back(
        fbp::CreateNotifyRule(b, n.target, n.depth, n.within_hours, n.within_working_days));
  }
  auto nv = b.CreateVector(notify);
  const auto& c = p.closing;
  auto closing = fbp::CreateClosingCriteria(
      b, c.all_acknowledged, c.reconciled, c.min_accounted_ppm, c.disposal_evidence, c.summary,
      c.in_situ_assessment, c.regulator_review, b.CreateString(c.effectiveness_level));
  auto notes = StringVector(b, p.notes);
  b.Finish(fbp::CreateRecallPlan(b, level, propagate, p.through_units, p.bulk_until_emptied,
                                 p.serial_level, p.max_depth, p.custody_depth, calendar, dv, nv,
                                 p.public_notice, closing, notes));
}

template <typename T>
struct Adapter {
  struct Instance {
    Host host;
    std::unique_ptr<T> impl;
  };

  static qt_status Create(const qt_host_api* api, qt_bytes config, void** out,
                          qt_sink* error) noexcept {
    if (out == nullptr) return QT_ERR_INVALID_ARGUMENT;
    *out = nullptr;
    return Guard(error, "create", [&]() -> qt_status {
      auto inst = std::make_unique<Instance>(Instance{Host(api, config), nullptr});
      if constexpr (std::is_constructible_v<T, const Host&>) {
        inst->impl = std::make_unique<T>(inst->host);
      } else {
        inst->impl = std::make_unique<T>();
      }
      *out = inst.release();
      return QT_OK;
    });
  }

  static void Destroy(void* instance) noexcept {
    try {
      delete static_cast<Instance*>(instance);
    } catch (...) {
      // A throwing destructor must not cross the boundary.
    }
  }

  static qt_status Describe(void* instance, qt_sink* out) noexcept {
    return Guard(out, "describe", [&]() -> qt_status {
      auto* inst = static_cast<Instance*>(instance);
      Description d;
      inst->impl->Describe(d);
      flatbuffers::FlatBufferBuilder b(1024);
      BuildDescription(b, d, T::kInfo);
      return WriteBuffer(out, b);
    });
  }

  static qt_status CheckRecord(void* instance, const qt_check_input* in, qt_sink* out) noexcept {
    if (instance == nullptr || in == nullptr) return QT_ERR_INVALID_ARGUMENT;
    return Guard(out, "check_record", [&]() -> qt_status {
      auto* inst = static_cast<Instance*>(instance);
      CheckContext ctx(inst->host.api(), in);
      Verdict v;
      inst->impl->CheckRecord(ctx, v);
      flatbuffers::FlatBufferBuilder b(v.rejected() || !v.notes().empty() ? 512 : 64);
      BuildCheckResult(b, v);
      return WriteBuffer(out, b);
    });
  }

  static qt_status CheckCertification(void* instance, const qt_check_input* in,
                                      qt_sink* out) noexcept {
    if (instance == nullptr || in == nullptr) return QT_ERR_INVALID_ARGUMENT;
    return Guard(out, "check_certification", [&]() -> qt_status {
      auto* inst = static_cast<Instance*>(instance);
      CheckContext ctx(inst->host.api(), in);
      Verdict v;
      inst->impl->CheckCertification(ctx, v);
      flatbuffers::FlatBufferBuilder b(v.rejected() || !v.notes().empty() ? 512 : 64);
      BuildCheckResult(b, v);
      return WriteBuffer(out, b);
    });
  }

  static qt_status PlanRecall(void* instance, const qt_recall_input* in, qt_sink* out) noexcept {
    if (instance == nullptr || in == nullptr) return QT_ERR_INVALID_ARGUMENT;
    return Guard(out, "plan_recall", [&]() -> qt_status {
      auto* inst = static_cast<Instance*>(instance);
      RecallContext ctx(inst->host.api(), in);
      RecallPlan plan;
      plan.level = std::string(View(ctx.request().level()));
      inst->impl->PlanRecall(ctx, plan);
      flatbuffers::FlatBufferBuilder b(1024);
      BuildRecallPlan(b, plan);
      return WriteBuffer(out, b);
    });
  }
};

// The static descriptor of plugin class T, built once from T::kInfo.
template <typename T>
struct DescriptorHolder {
  std::array<uint8_t, 32> body_types{};
  qt_plugin_descriptor d{};

  DescriptorHolder() {
    static constexpr const char* kPayloadTypes[] = {QT_RECORD_PAYLOAD_TYPE, nullptr};
    const Info& info = T::kInfo;
    uint32_t n = 0;
    for (fb::Body t : info.records) {
      if (t == fb::Body::NONE || n + 1 >= body_types.size()) break;
      body_types[n++] = static_cast<uint8_t>(t);
    }
    d.struct_size = sizeof(qt_plugin_descriptor);
    d.abi_major = QT_PLUGIN_ABI_MAJOR;
    d.abi_minor = QT_PLUGIN_ABI_MINOR;
    d.name = info.name;
    d.version = info.version;
    d.rule_set = info.rule_set;
    d.min_host_version = info.min_host_version;
    d.capabilities = QT_CAP_CHECK_RECORD | (info.check_certification ? QT_CAP_CHECK_CERTIFICATION : 0) |
                     (info.plan_recall ? QT_CAP_PLAN_RECALL : 0) |
                     (info.reentrant ? QT_CAP_REENTRANT : 0);
    d.sectors = T::kInfo.sectors.data();
    d.payload_types = kPayloadTypes;
    d.body_types = body_types.data();
    d.body_type_count = n;
    d.create = &Adapter<T>::Create;
    d.destroy = &Adapter<T>::Destroy;
    d.describe = &Adapter<T>::Describe;
    d.check_record = &Adapter<T>::CheckRecord;
    d.check_certification = info.check_certification ? &Adapter<T>::CheckCertification : nullptr;
    d.plan_recall = info.plan_recall ? &Adapter<T>::PlanRecall : nullptr;
  }
};

template <typename T>
const qt_plugin_descriptor* Descriptor() noexcept {
  static_assert(std::is_base_of_v<Plugin, T>, "a plugin class derives from qtrace::plugin::Plugin");
  static_assert(T::kInfo.name != nullptr, "kInfo.name is required");
  static_assert(T::kInfo.version != nullptr, "kInfo.version is required");
  static_assert(T::kInfo.rule_set != nullptr, "kInfo.rule_set is required");
  static_assert(T::kInfo.sectors[0] != nullptr, "kInfo.sectors needs at least one sector");
  static_assert(T::kInfo.sectors[T::kInfo.sectors.size() - 1] == nullptr,
                "kInfo.sectors holds at most 8 sectors");
  static const DescriptorHolder<T> holder;
  return &holder.d;
}

}  // namespace internal
}  // namespace qtrace::plugin

// Defines the plugin's exported entry point for class PluginClass. Use once
// per plugin library, at namespace scope, after the class.
#define QTRACE_PLUGIN(PluginClass)                                                        \
  extern "C" __attribute__((visibility("default"))) const qt_plugin_descriptor*         \
  qtrace_plugin_entry(void) {                                                             \
    return ::qtrace::plugin::internal::Descriptor<PluginClass>();                         \
  }                                                                                       \
  static_assert(true, "QTRACE_PLUGIN ends with a semicolon")

#endif  // QTRACE_PLUGIN_PLUGIN_H_
