// Recalls inside the ledger state: scope computation over the lineage index
// with the plan's declarative rules, the workflow records, live protection of
// recalled lots and automatic expansion to lots made later on tainted units.
#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <iterator>
#include <set>
#include <unordered_set>

#include "qtrace/encoding.h"
#include "qtrace/host/state.h"
#include "qtrace/log_entry.h"
#include "qtrace/quantity.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/time.h"

namespace qtrace::host {
namespace {

std::string_view Sv(const flatbuffers::String* s) {
  return s ? s->string_view() : std::string_view();
}
int64_t Micros(const fb::Timestamp* t) { return t ? t->micros() : 0; }
Status Rule(std::string message, std::string reason) {
  return FailedPrecondition(std::move(message), std::move(reason));
}
std::string_view StateName(fb::RecallState s) {
  return fb::EnumNameRecallState(s);
}

}  // namespace

// ---- plans ---------------------------------------------------------------------------

namespace {
constexpr std::string_view kDeadlineKinds[] = {"start",           "notify",   "acknowledge",
                                               "file_plan",       "progress_report",
                                               "complete",        "summary",  "review"};
constexpr std::string_view kAnchors[] = {"risk_known", "ordered", "notified", "completed"};
constexpr std::string_view kTargets[] = {"holders",  "consignees", "producer", "responsible",
                                         "regulator", "certifier", "oem",      "public"};
constexpr std::string_view kDepths[] = {"wholesale", "retail", "consumer"};

template <size_t N>
int IndexOf(const std::string_view (&names)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

std::string_view DeadlineKindName(DeadlineKind k) {
  auto i = static_cast<size_t>(k);
  return i < std::size(kDeadlineKinds) ? kDeadlineKinds[i] : "unknown";
}
std::string_view DeadlineAnchorName(DeadlineAnchor a) {
  auto i = static_cast<size_t>(a);
  return i < std::size(kAnchors) ? kAnchors[i] : "unknown";
}
std::string_view NotifyTargetName(NotifyTarget t) {
  auto i = static_cast<size_t>(t);
  return i < std::size(kTargets) ? kTargets[i] : "unknown";
}

bool WorkCalendar::IsWorkingDay(int64_t local_day) const {
  auto day = static_cast<int32_t>(local_day);
  if (std::binary_search(holidays.begin(), holidays.end(), day)) return false;
  if (std::binary_search(extra_working_days.begin(), extra_working_days.end(), day)) return true;
  // 1970-01-01 was a Thursday (ISO weekday 4).
  int64_t iso = ((local_day + 3) % 7 + 7) % 7 + 1;
  return (weekend_mask & (1u << iso)) == 0;
}

int64_t WorkCalendar::AddWorkingDays(int64_t micros, int64_t n) const {
  const int64_t offset = int64_t{utc_offset_minutes} * 60 * 1'000'000;
  int64_t t = micros;
  // A calendar with no working day at all would never end: give up after
  // ten years of days.
  for (int guard = 0; n > 0 && guard < 3660; ++guard) {
    t += kMicrosPerDay;
    int64_t local = t + offset;
    int64_t day = local >= 0 ? local / kMicrosPerDay : (local - kMicrosPerDay + 1) / kMicrosPerDay;
    if (IsWorkingDay(day)) --n;
  }
  return t;
}

const PlanDeadline* RecallPlan::deadline(DeadlineKind k) const {
  for (const auto& d : deadlines) {
    if (d.kind == k) return &d;
  }
  return nullptr;
}

int64_t RecallPlan::DueAfter(const PlanDeadline& d, int64_t from) const {
  if (d.working_days > 0) return calendar.AddWorkingDays(from, d.working_days);
  if (d.hours > 0) return from + d.hours * kMicrosPerHour;
  return 0;
}

int64_t RecallPlan::DueAfter(DeadlineKind k, int64_t anchor_micros) const {
  const PlanDeadline* d = deadline(k);
  if (d == nullptr || anchor_micros == 0) return 0;
  return DueAfter(*d, anchor_micros);
}

bool RecallPlan::Notifies(NotifyTarget t) const {
  if (notify.empty()) return t == NotifyTarget::kHolders || t == NotifyTarget::kConsignees;
  for (const auto& r : notify) {
    if (r.target == t) return true;
  }
  return false;
}

double RecallPlan::CompletionShare() const {
  if (require_reconciled) return 1.0;
  return min_accounted_share > 0 ? min_accounted_share : 1.0;
}

StatusOr<RecallPlan> DefaultRecallPlan(std::string_view sector, std::string_view level) {
  RecallPlan p;
  p.source = "host-default";
  p.rule_set = std::string(sector) + "-default-1";
  auto bad = [&] {
    return InvalidArgument("unknown recall level '" + std::string(level) + "' for sector " +
                               std::string(sector),
                           "bad_level");
  };
  auto pick = [&](std::initializer_list<std::string_view> names) -> int {
    int i = 0;
    for (auto n : names) {
      if (n == level) return i;
      ++i;
    }
    return -1;
  };
  using K = DeadlineKind;
  using A = DeadlineAnchor;
  auto hours = [](K k, A a, int64_t h, bool repeat = false) {
    return PlanDeadline{k, a, h, 0, repeat};
  };
  auto working_days = [](K k, A a, int64_t d) { return PlanDeadline{k, a, 0, d, false}; };
  if (sector == "pharma") {
    // 药品召回管理办法: notice + filing within 1/3/7 days, reports daily / 3 / 7 days.
    int l = pick({"1", "2", "3"});
    if (l < 0) return bad();
    const int64_t days[] = {1, 3, 7};
    p.deadlines = {hours(K::kAcknowledge, A::kNotified, days[l] * 24),
                   hours(K::kProgressReport, A::kNotified, days[l] * 24, true),
                   hours(K::kComplete, A::kNotified, 30 * 24)};
    p.public_notice = l < 2;
  } else if (sector == "building_materials") {
    // Levels A/B/C: notify 24 h / 72 h / 7 d; reports weekly / biweekly / at the end.
    int l = pick({"A", "B", "C"});
    if (l < 0) return bad();
    const int64_t ack[] = {24, 72, 7 * 24};
    const int64_t report[] = {7 * 24, 14 * 24, 0};
    p.deadlines = {hours(K::kAcknowledge, A::kNotified, ack[l]),
                   working_days(K::kComplete, A::kNotified, 15)};
    if (report[l] > 0) p.deadlines.push_back(hours(K::kProgressReport, A::kNotified, report[l], true));
    p.require_in_situ_assessment = l == 0;
  } else if (sector == "diamond_tools") {
    // serious/moderate/low: 24 h / 72 h / 7 d; >= 95 % accounted to close.
    int l = pick({"serious", "moderate", "low"});
    if (l < 0) return bad();
    const int64_t ack[] = {24, 72, 7 * 24};
    const int64_t report[] = {7 * 24, 14 * 24, 0};
    p.deadlines = {hours(K::kAcknowledge, A::kNotified, ack[l]),
                   hours(K::kComplete, A::kNotified, 30 * 24)};
    if (report[l] > 0) p.deadlines.push_back(hours(K::kProgressReport, A::kNotified, report[l], true));
    p.require_reconciled = false;
    p.min_accounted_share = l == 0 ? 0.95 : 0.0;
    p.public_notice = l == 0;
  } else {
    // Food (食品召回管理办法): start within 24/48/72 h, complete within
    // 10/20/30 working days. Agriculture and any other sector use this.
    int l = pick({"1", "2", "3"});
    if (l < 0) return bad();
    const int64_t ack[] = {24, 48, 72};
    const int64_t wd[] = {10, 20, 30};
    p.deadlines = {hours(K::kAcknowledge, A::kNotified, ack[l]),
                   hours(K::kProgressReport, A::kNotified, 24 * (l + 1), true),
                   working_days(K::kComplete, A::kNotified, wd[l])};
    p.public_notice = true;
  }
  return p;
}

std::string RecallPlanToJson(const RecallPlan& p) {
  namespace json = boost::json;
  json::array deadlines;
  for (const auto& d : p.deadlines) {
    json::object o{{"kind", DeadlineKindName(d.kind)}, {"anchor", DeadlineAnchorName(d.anchor)}};
    if (d.working_days > 0) {
      o["working_days"] = d.working_days;
    } else {
      o["hours"] = d.hours;
    }
    if (d.repeat) o["repeat"] = true;
    deadlines.push_back(std::move(o));
  }
  json::array weekend, holidays, extra;
  for (int d = 1; d <= 7; ++d) {
    if (p.calendar.weekend_mask & (1u << d)) weekend.emplace_back(d);
  }
  for (int32_t d : p.calendar.holidays) holidays.emplace_back(d);
  for (int32_t d : p.calendar.extra_working_days) extra.emplace_back(d);
  json::array notify;
  for (const auto& r : p.notify) {
    json::object o{{"target", NotifyTargetName(r.target)},
                   {"depth", kDepths[std::min<size_t>(static_cast<size_t>(r.depth), 2)]}};
    if (r.working_days > 0) o["within_working_days"] = r.working_days;
    if (r.hours > 0) o["within_hours"] = r.hours;
    notify.push_back(std::move(o));
  }
  json::array notes;
  for (const auto& n : p.notes) notes.emplace_back(n);
  json::object o{
      {"source", p.source},
      {"rule_set", p.rule_set},
      {"edge_kinds", p.edge_kinds},
      {"through_units", p.through_units},
      {"max_depth", p.max_depth},
      {"serial_level", p.serial_level},
      {"deadlines", std::move(deadlines)},
      {"calendar", json::object{{"name", p.calendar.name},
                                {"utc_offset_minutes", p.calendar.utc_offset_minutes},
                                {"weekend", std::move(weekend)},
                                {"holidays", std::move(holidays)},
                                {"extra_working_days", std::move(extra)}}},
      {"notify", std::move(notify)},
      {"require_all_acknowledged", p.require_all_acknowledged},
      {"require_reconciled", p.require_reconciled},
      {"min_accounted_share_permille", static_cast<int64_t>(p.min_accounted_share * 1000 + 0.5)},
      {"require_disposal_evidence", p.require_disposal_evidence},
      {"require_summary", p.require_summary},
      {"require_in_situ_assessment", p.require_in_situ_assessment},
      {"public_notice", p.public_notice},
      {"notes", std::move(notes)}};
  return json::serialize(o);
}

StatusOr<RecallPlan> RecallPlanFromJson(std::string_view text) {
  namespace json = boost::json;
  boost::system::error_code ec;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return InvalidArgument("recall plan is not a JSON object", "bad_plan");
  const auto& o = v.as_object();
  RecallPlan p;
  auto bad = [](const std::string& what) {
    return InvalidArgument("recall plan: " + what, "bad_plan");
  };
  try {
    p.source = std::string(o.at("source").as_string());
    p.rule_set = std::string(o.at("rule_set").as_string());
    p.edge_kinds = o.at("edge_kinds").to_number<uint32_t>();
    p.through_units = o.at("through_units").as_bool();
    p.max_depth = o.at("max_depth").to_number<uint32_t>();
    p.serial_level = o.at("serial_level").as_bool();
    if (const json::value* ds = o.if_contains("deadlines")) {
      for (const auto& dv : ds->as_array()) {
        const auto& d = dv.as_object();
        int kind = IndexOf(kDeadlineKinds, d.at("kind").as_string());
        int anchor = IndexOf(kAnchors, d.at("anchor").as_string());
        if (kind < 0 || anchor < 0) return bad("unknown deadline kind or anchor");
        PlanDeadline pd{static_cast<DeadlineKind>(kind), static_cast<DeadlineAnchor>(anchor)};
        if (const auto* h = d.if_contains("hours")) pd.hours = h->to_number<int64_t>();
        if (const auto* w = d.if_contains("working_days")) pd.working_days = w->to_number<int64_t>();
        if (const auto* r = d.if_contains("repeat")) pd.repeat = r->as_bool();
        p.deadlines.push_back(pd);
      }
    } else {
      // Stores written before deadlines were a list: flat timers.
      auto num = [&](const char* k) {
        const json::value* x = o.if_contains(k);
        return x ? x->to_number<int64_t>() : int64_t{0};
      };
      using K = DeadlineKind;
      using A = DeadlineAnchor;
      if (num("ack_due_hours") > 0) p.deadlines.push_back({K::kAcknowledge, A::kNotified, num("ack_due_hours")});
      if (num("report_every_hours") > 0) {
        p.deadlines.push_back({K::kProgressReport, A::kNotified, num("report_every_hours"), 0, true});
      }
      if (num("complete_due_working_days") > 0) {
        p.deadlines.push_back({K::kComplete, A::kNotified, 0, num("complete_due_working_days")});
      } else if (num("complete_due_hours") > 0) {
        p.deadlines.push_back({K::kComplete, A::kNotified, num("complete_due_hours")});
      }
    }
    if (const json::value* cv = o.if_contains("calendar")) {
      const auto& c = cv->as_object();
      p.calendar.name = std::string(c.at("name").as_string());
      p.calendar.utc_offset_minutes = c.at("utc_offset_minutes").to_number<int32_t>();
      p.calendar.weekend_mask = 0;
      for (const auto& d : c.at("weekend").as_array()) {
        auto day = d.to_number<int>();
        if (day < 1 || day > 7) return bad("weekend days are ISO weekdays 1-7");
        p.calendar.weekend_mask |= static_cast<uint8_t>(1u << day);
      }
      for (const auto& d : c.at("holidays").as_array()) p.calendar.holidays.push_back(d.to_number<int32_t>());
      for (const auto& d : c.at("extra_working_days").as_array()) {
        p.calendar.extra_working_days.push_back(d.to_number<int32_t>());
      }
      std::sort(p.calendar.holidays.begin(), p.calendar.holidays.end());
      std::sort(p.calendar.extra_working_days.begin(), p.calendar.extra_working_days.end());
    }
    if (const json::value* ns = o.if_contains("notify")) {
      for (const auto& nv : ns->as_array()) {
        const auto& n = nv.as_object();
        int target = IndexOf(kTargets, n.at("target").as_string());
        int depth = IndexOf(kDepths, n.at("depth").as_string());
        if (target < 0 || depth < 0) return bad("unknown notify target or depth");
        NotifyRule r{static_cast<NotifyTarget>(target), static_cast<fb::RecallDepth>(depth)};
        if (const auto* h = n.if_contains("within_hours")) r.hours = h->to_number<int64_t>();
        if (const auto* w = n.if_contains("within_working_days")) r.working_days = w->to_number<int64_t>();
        p.notify.push_back(r);
      }
    }
    p.require_all_acknowledged = o.at("require_all_acknowledged").as_bool();
    p.require_reconciled = o.at("require_reconciled").as_bool();
    p.min_accounted_share = o.at("min_accounted_share_permille").to_number<int64_t>() / 1000.0;
    p.require_disposal_evidence = o.at("require_disposal_evidence").as_bool();
    p.require_summary = o.at("require_summary").as_bool();
    p.require_in_situ_assessment = o.at("require_in_situ_assessment").as_bool();
    p.public_notice = o.at("public_notice").as_bool();
    if (const json::value* ns = o.if_contains("notes")) {
      for (const auto& n : ns->as_array()) p.notes.emplace_back(n.as_string());
    }
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  return p;
}

// ---- lookups -------------------------------------------------------------------------------

const RecallInfo* LedgerState::FindRecall(std::string_view id) const {
  auto it = recall_by_id_.find(std::string(id));
  return it == recall_by_id_.end() ? nullptr : &recalls_[it->second];
}

std::vector<uint32_t> LedgerState::OpenRecallsOfLot(LotId lot) const {
  std::vector<uint32_t> out;
  auto range = lot_recalls_.equal_range(lot);
  for (auto it = range.first; it != range.second; ++it) {
    if (recalls_[it->second].open()) out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ScopeHolding> LedgerState::HoldingsAsOf(LotId lot, uint64_t as_of) const {
  std::vector<ScopeHolding> out;
  AppendHoldingsAsOf(lot, as_of, out);
  return out;
}

// Appends the lot's holdings in party order. Scope computation calls this for
// ~100k lots: no allocation per lot, a linear search over the few parties of
// one lot.
void LedgerState::AppendHoldingsAsOf(LotId lot, uint64_t as_of,
                                     std::vector<ScopeHolding>& out) const {
  const size_t begin = out.size();
  auto at = [&](PartyIdx p) -> ScopeHolding& {
    for (size_t i = begin; i < out.size(); ++i) {
      if (out[i].party == p) return out[i];
    }
    out.push_back(ScopeHolding{});
    out.back().party = p;
    out.back().lot = lot;
    return out.back();
  };
  for (const CustodyEvent& e : lots_[lot].custody) {
    if (e.index > as_of) break;  // custody events are in log order
    switch (e.kind) {
      case CustodyEvent::kProduced: {
        auto& h = at(e.party);
        h.received += e.quantity;
        h.held += e.quantity;
        break;
      }
      case CustodyEvent::kShipped: {
        auto& s = at(e.party);
        s.held -= e.quantity;
        s.shipped += e.quantity;
        auto& r = at(e.counterparty);
        r.held += e.quantity;  // in transit to it counts as held by it
        r.received += e.quantity;
        break;
      }
      case CustodyEvent::kShipmentVoided: {
        auto& s = at(e.party);
        s.held += e.quantity;
        s.shipped -= e.quantity;
        auto& r = at(e.counterparty);
        r.held -= e.quantity;
        r.received -= e.quantity;
        break;
      }
      case CustodyEvent::kReceived:
        break;  // already counted when shipped (shortfalls stay unaccounted)
      case CustodyEvent::kUsed: {
        auto& h = at(e.party);
        h.held -= e.quantity;
        h.used += e.quantity;
        break;
      }
      case CustodyEvent::kConsumed: {
        auto& h = at(e.party);
        h.held -= e.quantity;
        h.consumed += e.quantity;
        break;
      }
      case CustodyEvent::kDestroyed: {
        auto& h = at(e.party);
        h.held -= e.quantity;
        h.destroyed += e.quantity;
        break;
      }
      case CustodyEvent::kRecovered:
      case CustodyEvent::kAdjusted:
        at(e.party).held += e.quantity;
        break;
      case CustodyEvent::kVoided:
        at(e.party).held -= e.quantity;
        break;
    }
  }
  std::sort(out.begin() + begin, out.end(),
            [](const auto& a, const auto& b) { return a.party < b.party; });
}

namespace {
// Whether a lot's registration cites certificate `id` by a reference.
bool CitesByReference(const fb::LotRegistration& reg, std::string_view id) {
  if (reg.certificates() == nullptr) return false;
  for (const fb::CertRef* c : *reg.certificates()) {
    if (Sv(c->cert_id()) == id) return true;
  }
  return false;
}

// Typed attribute equality; decimals compare by value (42.5 == 42.50).
bool SameAttr(const fb::Attr& a, const fb::Attr& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case fb::AttrType::BOOL: return a.flag() == b.flag();
    case fb::AttrType::INT:
    case fb::AttrType::DECIMAL:
    case fb::AttrType::TIME: {
      int sa = a.scale(), sb = b.scale();
      __int128 va = a.num(), vb = b.num();
      for (; sa < sb; ++sa) va *= 10;
      for (; sb < sa; ++sb) vb *= 10;
      return va == vb;
    }
    default: return Sv(a.str()) == Sv(b.str());
  }
}
}  // namespace

StatusOr<const fb::Record*> LedgerState::RecordAt(uint64_t index, std::string* bytes) const {
  QT_ASSIGN_OR_RETURN(*bytes, load_entry_(index));
  QT_ASSIGN_OR_RETURN(const fb::LogEntry* entry, VerifyLogEntry(*bytes, false));
  return RecordOfEntry(*entry);
}

StatusOr<bool> LedgerState::LotMatchesWindow(const LotInfo& lot, const fb::ProductWindow& w) const {
  std::string bytes;
  QT_ASSIGN_OR_RETURN(const fb::Record* rec, RecordAt(lot.index, &bytes));
  const fb::LotRegistration* reg = rec->body_as_LotRegistration();
  if (reg == nullptr) return false;
  if (w.attributes()) {
    for (const fb::Attr* want : *w.attributes()) {
      bool found = false;
      if (reg->attributes()) {
        for (const fb::Attr* have : *reg->attributes()) {
          if (Sv(have->key()) == Sv(want->key()) && SameAttr(*have, *want)) {
            found = true;
            break;
          }
        }
      }
      if (!found) return false;
    }
  }
  if (w.certificate() && w.certificate()->size() > 0) {
    return CitesByReference(*reg, Sv(w.certificate()));
  }
  return true;
}

StatusOr<std::vector<RecallCandidate>> LedgerState::RecallCandidates(int64_t now) const {
  std::vector<RecallCandidate> out;
  for (uint32_t c = 0; c < certs_.size(); ++c) {
    const CertInfo& cert = certs_[c];
    if (cert.subject_product == kNoIdx && cert.subject_party == kNoIdx) continue;
    RecallCandidate cand;
    cand.cert = c;
    const fb::CertStatus st = cert.StatusAt(now);
    if (st != fb::CertStatus::VALID) {
      // Since the change that put the current status in force.
      for (const auto& e : cert.history) {
        if (e.effective <= now && e.status == st) cand.since = e.effective;
      }
      cand.status = CertStatusName(st);
    } else if (cert.valid_to != 0 && cert.valid_to <= now) {
      cand.since = cert.valid_to;
      cand.status = "expired";
    }
    if (cand.since == 0) continue;
    const std::vector<LotId>* pool = cert.subject_product != kNoIdx
                                         ? &lots_by_product_[cert.subject_product]
                                         : &lots_by_party_[cert.subject_party];
    for (LotId id : *pool) {
      const LotInfo& l = lots_[id];
      if (l.voided || l.production_time < cand.since) continue;
      if (cert.subject_party != kNoIdx && l.producer != cert.subject_party) continue;
      if (lot_recalls_.count(id) != 0) continue;
      std::string bytes;
      QT_ASSIGN_OR_RETURN(const fb::Record* rec, RecordAt(l.index, &bytes));
      const fb::LotRegistration* reg = rec->body_as_LotRegistration();
      if (reg == nullptr) continue;
      bool cites = CitesByReference(*reg, cert.id);
      if (!cites && reg->attributes()) {
        for (const fb::Attr* a : *reg->attributes()) {
          cites = cites || (a->type() == fb::AttrType::STRING && Sv(a->str()) == cert.id);
        }
      }
      if (cites) cand.lots.push_back(id);
    }
    if (!cand.lots.empty()) out.push_back(std::move(cand));
  }
  return out;
}

StatusOr<RecallScope> LedgerState::ComputeRecallScope(const fb::RecallSeed& seed,
                                                      const RecallPlan& plan,
                                                      uint64_t as_of) const {
  RecallScope scope;
  scope.as_of = as_of;
  std::vector<LotId> seeds;
  std::vector<std::string> problems;
  auto resolve = [&](const fb::LotRef* ref, const char* what) {
    auto id = ResolveLot(ref, what);
    if (!id.ok()) {
      problems.push_back(id.status().message());
      return;
    }
    if (lots_[*id].index > as_of) {
      problems.push_back(std::string(what) + ": lot " + FormatLotRef(ref) + " is newer than the scope");
      return;
    }
    seeds.push_back(*id);
  };
  if (seed.lots()) {
    for (const auto* l : *seed.lots()) resolve(l, "seed.lots");
  }
  if (seed.input_lots()) {
    for (const auto* l : *seed.input_lots()) resolve(l, "seed.input_lots");
  }
  if (seed.product_windows()) {
    for (const auto* w : *seed.product_windows()) {
      auto p = FindProduct(w->product_scheme(), Sv(w->product()));
      if (!p) {
        problems.push_back("seed.product_windows: unknown product " + std::string(Sv(w->product())));
        continue;
      }
      const bool narrowed = (w->attributes() && w->attributes()->size() > 0) ||
                            (w->certificate() && w->certificate()->size() > 0);
      for (LotId id : lots_by_product_[*p]) {
        const LotInfo& l = lots_[id];
        if (l.voided || l.index > as_of) continue;
        if (l.production_time < Micros(w->from()) || l.production_time > Micros(w->to())) continue;
        if (w->site() && w->site()->size() > 0 && l.site != Sv(w->site())) continue;
        if (narrowed) {
          // Attributes and certificate references live in the registering
          // record, read only for the lots the window already holds.
          QT_ASSIGN_OR_RETURN(bool match, LotMatchesWindow(l, *w));
          if (!match) continue;
        }
        seeds.push_back(id);
      }
    }
  }
  std::set<std::string> serials;
  if (seed.unit_windows()) {
    for (const auto* w : *seed.unit_windows()) {
      auto owner = FindParty(Sv(w->owner()));
      auto unit = owner ? FindUnit(*owner, Sv(w->unit())) : std::nullopt;
      if (!unit) {
        problems.push_back("seed.unit_windows: unknown unit " + std::string(Sv(w->unit())) +
                           " of " + std::string(Sv(w->owner())));
        continue;
      }
      const int64_t ws = Micros(w->start()), we = Micros(w->end());
      for (LotId id : lineage_->LotsMadeOn(*unit, ws, we, as_of)) seeds.push_back(id);
      // What was stored in the unit at any time in the window (a cold room
      // during an excursion): the named serials and everything packed in
      // them, or the whole lot when no serials were named.
      for (const UnitEventInfo& e : units_[*unit].events) {
        if (e.kind != fb::UnitEventKind::STORED || e.index > as_of) continue;
        if (e.start > we || (e.end != 0 && e.end < ws)) continue;
        if (auto x = erroneous_.find(e.index); x != erroneous_.end() && x->second <= as_of) {
          continue;  // declared wrong by then
        }
        std::string bytes;
        QT_ASSIGN_OR_RETURN(const fb::Record* rec, RecordAt(e.index, &bytes));
        const auto* stored = rec->body_as_UnitEvent()->serials();
        if (stored == nullptr || stored->size() == 0) {
          if (e.input != kNoIdx) seeds.push_back(e.input);
          continue;
        }
        // What the containers held while in the unit during the window,
        // from their packing history as of the scope (opened since or not).
        const int64_t from = std::max(e.start, ws);
        const int64_t to = std::min(e.end == 0 ? INT64_MAX : e.end, we);
        std::vector<std::string> todo;
        for (const auto* sn : *stored) todo.push_back(sn->str());
        std::set<std::string> seen;
        while (!todo.empty()) {
          std::string cur = std::move(todo.back());
          todo.pop_back();
          if (!seen.insert(cur).second) continue;
          if (auto it = pack_history_.find(cur); it != pack_history_.end()) {
            for (const PackSpan& sp : it->second) {
              if (sp.packed_index > as_of) continue;
              const bool out = sp.unpacked_index != 0 && sp.unpacked_index <= as_of;
              if (sp.packed <= to && (!out || sp.unpacked >= from)) todo.push_back(sp.child);
            }
          }
          if (plan.serial_level) {
            serials.insert(cur);
          } else if (const SerialInfo* si = FindSerial(cur); si && si->lot != kNoIdx) {
            seeds.push_back(si->lot);
          }
        }
      }
    }
  }
  // Serial seeds: serial-level scope (the serials and their containers), not
  // the whole lot, unless the plan says otherwise.
  if (seed.serials()) {
    for (const auto* s : *seed.serials()) {
      const SerialInfo* si = FindSerial(s->string_view());
      if (si == nullptr || si->lot == kNoIdx) {
        problems.push_back("seed.serials: unknown serial " + s->str());
        continue;
      }
      if (plan.serial_level) {
        std::string cur = s->str();
        for (int guard = 0; guard < 16 && !cur.empty() && serials.insert(cur).second; ++guard) {
          const SerialInfo* x = FindSerial(cur);
          cur = x ? x->parent : "";
        }
      } else {
        seeds.push_back(si->lot);
      }
    }
  }
  if (!problems.empty()) {
    return Status(StatusCode::kFailedPrecondition, "recall seed: " + problems.front(),
                  "bad_seed", problems);
  }
  // Downstream closure with the plan's rules.
  std::vector<LotId> lots = seeds;
  if (!seeds.empty()) {
    TraceOptions opts;
    opts.as_of = as_of;
    opts.edge_kinds = plan.edge_kinds;
    opts.through_units = plan.through_units;
    opts.max_depth = plan.max_depth;
    TraceResult t = lineage_->Forward(seeds, opts);
    lots.reserve(lots.size() + t.lots.size());
    for (const auto& tl : t.lots) lots.push_back(tl.lot);
  }
  // In id order, once each: a bitmap over the lot ids beats sorting 100k.
  std::vector<bool> in_scope(lots_.size());
  for (LotId id : lots) in_scope[id] = true;
  lots.clear();
  for (LotId id = 0; id < in_scope.size(); ++id) {
    if (in_scope[id]) lots.push_back(id);
  }
  scope.lots = std::move(lots);
  scope.serials.assign(serials.begin(), serials.end());
  // Holders and quantities, in (lot, party) order.
  scope.holdings.reserve(scope.lots.size() * 2);
  for (LotId id : scope.lots) AppendHoldingsAsOf(id, as_of, scope.holdings);
  if (!scope.serials.empty()) {
    // Serial-level: who held each serial as of the scope, per lot, count 1
    // each — the receiver of the last shipment that moved it by then (a
    // container's shipment lists its contents), else the maker of its lot.
    // As of, not now, so that recomputing the scope later gives the same
    // answer after the packs were returned.
    std::unordered_map<std::string_view, std::pair<uint64_t, PartyIdx>> moved;
    for (const auto& s : scope.serials) moved.emplace(s, std::make_pair(uint64_t{0}, kNoIdx));
    for (const auto& [key, sh] : shipments_) {
      if (sh.voided || sh.index > as_of) continue;
      for (const auto& sn : sh.serials) {
        auto it = moved.find(sn);
        if (it != moved.end() && sh.index >= it->second.first) it->second = {sh.index, sh.to};
      }
    }
    std::map<std::pair<LotId, PartyIdx>, int64_t> n;
    for (const auto& s : scope.serials) {
      const SerialInfo* si = FindSerial(s);
      if (si == nullptr || si->lot == kNoIdx) continue;
      PartyIdx holder = moved.at(s).second;
      n[{si->lot, holder != kNoIdx ? holder : lots_[si->lot].producer}] += 1'000'000;
    }
    for (const auto& [k, q] : n) {
      ScopeHolding h;
      h.lot = k.first;
      h.party = k.second;
      h.received = h.held = q;
      scope.holdings.push_back(h);
    }
  }
  // Units tainted by in-scope inputs (for lots made on them later).
  for (LotId id : scope.lots) {
    auto range = applications_by_lot_.equal_range(id);
    for (auto it = range.first; it != range.second; ++it) {
      const UnitEventInfo& e = units_[it->second.first].events[it->second.second];
      if (e.index > as_of) continue;
      scope.windows.push_back({it->second.first, e.start, e.end == 0 ? INT64_MAX : e.end});
    }
  }
  std::sort(scope.windows.begin(), scope.windows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.unit, a.start, a.end) < std::tie(b.unit, b.start, b.end);
  });
  // Canonical digest over a binary encoding: lot ids (dense, in log order,
  // so the same log gives the same ids), serials, holdings.
  // Streamed through a small buffer: the encoding of a city-scale scope is
  // ~10 MiB, which costs more to build than to hash.
  Sha256Stream sha;
  std::string canon = "qtrace-recall-scope-v1";
  canon.reserve(64 * 1024 + 64);
  auto spill = [&] {
    if (canon.size() >= 64 * 1024) {
      sha.Update(canon);
      canon.clear();
    }
  };
  auto put32 = [&](uint32_t v) {
    canon.append(reinterpret_cast<const char*>(&v), 4);
    spill();
  };
  auto put64 = [&](int64_t v) {
    canon.append(reinterpret_cast<const char*>(&v), 8);
    spill();
  };
  put64(static_cast<int64_t>(scope.lots.size()));
  for (LotId id : scope.lots) put32(id);
  put64(static_cast<int64_t>(scope.serials.size()));
  for (const auto& s : scope.serials) {
    put32(static_cast<uint32_t>(s.size()));
    canon += s;
    spill();
  }
  put64(static_cast<int64_t>(scope.holdings.size()));
  for (const auto& h : scope.holdings) {
    put32(h.party);
    put32(h.lot);
    for (int64_t v : {h.received, h.held, h.shipped, h.used, h.consumed, h.destroyed}) put64(v);
  }
  sha.Update(canon);
  scope.digest = sha.Final();
  return scope;
}

// ---- notices -----------------------------------------------------------------------------

namespace {

// When `a` happened for recall `rc` (0 = not yet); `notified`: the notice
// time of the party in question.
int64_t AnchorTime(const RecallInfo& rc, DeadlineAnchor a, int64_t notified) {
  switch (a) {
    case DeadlineAnchor::kRiskKnown: return rc.risk_known_at;
    case DeadlineAnchor::kOrdered: return rc.decided_at;
    case DeadlineAnchor::kNotified: return notified;
    case DeadlineAnchor::kCompleted: return rc.completed_at;
  }
  return 0;
}

int64_t DueOf(const RecallInfo& rc, DeadlineKind k, int64_t notified) {
  const PlanDeadline* d = rc.plan.deadline(k);
  if (d == nullptr) return 0;
  int64_t anchor = AnchorTime(rc, d->anchor, notified);
  if (k == DeadlineKind::kReview) {
    // There is nothing to review before the firm's summary is in.
    if (rc.summary_at == 0) return 0;
    anchor = std::max(anchor, rc.summary_at);
  }
  return anchor == 0 ? 0 : rc.plan.DueAfter(*d, anchor);
}

int64_t Exposure(const ScopeHolding& h) { return std::max<int64_t>(h.held, 0) + h.consumed; }
int64_t Accounted(const PartyRecallProgress::LotReport& r) {
  return r.recovered + r.destroyed + r.consumed + r.corrected;
}

const ScopeHolding* FindHolding(const RecallScope& scope, LotId lot, PartyIdx party) {
  auto it = std::lower_bound(
      scope.holdings.begin(), scope.holdings.end(), std::make_pair(lot, party),
      [](const ScopeHolding& h, const std::pair<LotId, PartyIdx>& k) {
        return std::tie(h.lot, h.party) < std::tie(k.first, k.second);
      });
  if (it == scope.holdings.end() || it->lot != lot || it->party != party) return nullptr;
  return &*it;
}

}  // namespace

std::string LedgerState::NoticePayload(const RecallInfo& recall, PartyIdx party, uint32_t round,
                                       const std::vector<ScopeHolding>& holdings,
                                       const std::vector<std::string>& serials,
                                       bool for_information, const RecordContext& ctx) const {
  flatbuffers::FlatBufferBuilder b(1024);
  std::vector<flatbuffers::Offset<fb::RecallNoticeLot>> lots;
  for (const auto& h : holdings) {
    const LotInfo& l = lots_[h.lot];
    const ProductInfo& p = products_[l.product];
    auto ref = fb::CreateLotRefDirect(b, p.scheme, p.id.c_str(), l.code.c_str());
    // Quantities in the lot's own unit, at micro-unit precision.
    auto q = [&](int64_t micro) {
      int64_t v = 0;
      int scale = 0;
      std::string text = FormatAmount(micro, l.unit);
      (void)ParseDecimal(text, &v, &scale);
      return fb::CreateQuantityDirect(b, v, static_cast<int8_t>(scale), l.unit.c_str());
    };
    auto held = q(std::max<int64_t>(h.held, 0));
    auto received = q(h.received);
    std::vector<flatbuffers::Offset<flatbuffers::String>> sv;
    for (const auto& s : serials) {
      const SerialInfo* si = FindSerial(s);
      if (si && si->lot == h.lot && si->holder == party) sv.push_back(b.CreateString(s));
    }
    lots.push_back(fb::CreateRecallNoticeLot(b, ref, held, received,
                                             sv.empty() ? 0 : b.CreateVector(sv)));
  }
  const RecallPlan& plan = recall.plan;
  const int64_t now = ctx.record_time;
  fb::Timestamp ack(for_information ? 0 : DueOf(recall, DeadlineKind::kAcknowledge, now), 0);
  fb::Timestamp done(for_information ? 0 : DueOf(recall, DeadlineKind::kComplete, now), 0);
  const PlanDeadline* report = plan.deadline(DeadlineKind::kProgressReport);
  fb::Hash256 digest(flatbuffers::span<const uint8_t, 32>(recall.scope.digest.data(), 32));
  auto id = b.CreateString(recall.id);
  auto pid = b.CreateString(parties_[party].id);
  auto lv = b.CreateVector(lots);
  fb::RecallNoticeBuilder nb(b);
  nb.add_recall_id(id);
  nb.add_party(pid);
  nb.add_round(round);
  nb.add_lots(lv);
  nb.add_ack_due(&ack);
  if (report != nullptr && !for_information) {
    nb.add_report_every_hours(static_cast<uint32_t>(report->working_days > 0 ? 0 : report->hours));
    nb.add_report_every_working_days(static_cast<uint32_t>(report->working_days));
  }
  nb.add_complete_due(&done);
  nb.add_scope_as_of(recall.scope.as_of);
  nb.add_scope_digest(&digest);
  nb.add_for_information(for_information);
  auto body = nb.Finish();
  fb::Timestamp et(now, 0);
  auto header = fb::CreateHeaderDirect(b, parties_[0].id.c_str(), &et);
  b.Finish(fb::CreateRecord(b, header, fb::Body::RecallNotice, body.Union()));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

std::vector<PartyIdx> LedgerState::InformationalParties(
    const RecallInfo& rc, const std::map<PartyIdx, std::vector<ScopeHolding>>& acting) const {
  std::set<PartyIdx> out;
  const RecallPlan& plan = rc.plan;
  if (plan.Notifies(NotifyTarget::kRegulator)) {
    for (PartyIdx p = 1; p < parties_.size(); ++p) {
      if (p == rc.ordered_by || !HasRole(p, fb::Role::REGULATOR)) continue;
      const auto& sectors = parties_[p].sectors;
      if (sectors.empty() || std::find(sectors.begin(), sectors.end(), rc.sector) != sectors.end()) {
        out.insert(p);
      }
    }
  }
  if (plan.Notifies(NotifyTarget::kCertifier)) {
    std::unordered_set<ProductIdx> products;
    auto add = [&](const std::vector<uint32_t>& certs) {
      for (uint32_t c : certs) {
        PartyIdx issuer = certs_[c].issuer;
        if (issuer != kNoIdx && HasRole(issuer, fb::Role::CERTIFIER)) out.insert(issuer);
      }
    };
    for (LotId l : rc.scope.lots) {
      add(CertificatesOfLot(l));
      if (products.insert(lots_[l].product).second) add(CertificatesOfProduct(lots_[l].product));
    }
  }
  if (plan.Notifies(NotifyTarget::kResponsible)) out.insert(rc.responsible);
  std::vector<PartyIdx> result;
  for (PartyIdx p : out) {
    if (p != 0 && acting.count(p) == 0) result.push_back(p);
  }
  return result;
}

PartyIdx LedgerState::Reviewer(const RecallInfo& rc) const {
  if (rc.regulator_ordered) return rc.ordered_by;
  for (const auto& [p, prog] : rc.parties) {
    if (prog.informational && HasRole(p, fb::Role::REGULATOR)) return p;
  }
  return kNoIdx;
}

void LedgerState::AccountReport(RecallInfo& rc, PartyIdx party, LotId lot,
                                const PartyRecallProgress::LotReport& old,
                                const PartyRecallProgress::LotReport& rep) {
  const ScopeHolding* h = FindHolding(rc.scope, lot, party);
  if (h == nullptr) return;  // only what the party was found to hold counts
  const int64_t exposure = Exposure(*h);
  rc.accounted_total += std::min(Accounted(rep), exposure) - std::min(Accounted(old), exposure);
}

void LedgerState::UpdateCompletion(RecallInfo& rc, int64_t at) {
  const bool met = rc.distributed_total == 0 ||
                   static_cast<double>(rc.accounted_total) >=
                       rc.plan.CompletionShare() * static_cast<double>(rc.distributed_total);
  if (met) {
    if (rc.completed_at == 0) rc.completed_at = at;
  } else if (!rc.summary_filed) {
    rc.completed_at = 0;  // the scope grew: not complete any more
  }
}

void LedgerState::RecomputeRecallTotals(RecallInfo& rc) {
  rc.distributed_total = 0;
  rc.accounted_total = 0;
  for (const auto& h : rc.scope.holdings) {
    const int64_t exposure = Exposure(h);
    rc.distributed_total += exposure;
    auto pit = rc.parties.find(h.party);
    if (pit == rc.parties.end()) continue;
    auto lit = pit->second.reports.find(h.lot);
    if (lit != pit->second.reports.end()) {
      rc.accounted_total += std::min(Accounted(lit->second), exposure);
    }
  }
}

void LedgerState::MergeScopeAndNotify(uint32_t r, RecallScope scope, const RecordContext& ctx,
                                      StateEffects* fx) {
  RecallInfo& rc = recalls_[r];
  const RecallPlan& plan = rc.plan;
  const bool first = rc.rounds == 0;
  // New lots and serials.
  std::vector<LotId> added;
  std::set_difference(scope.lots.begin(), scope.lots.end(), rc.scope.lots.begin(),
                      rc.scope.lots.end(), std::back_inserter(added));
  for (LotId id : added) lot_recalls_.emplace(id, r);
  std::vector<LotId> merged;
  merged.reserve(rc.scope.lots.size() + added.size());
  std::merge(rc.scope.lots.begin(), rc.scope.lots.end(), added.begin(), added.end(),
             std::back_inserter(merged));
  rc.scope.lots = std::move(merged);
  std::set<std::string> have_serials(rc.scope.serials.begin(), rc.scope.serials.end());
  for (const auto& s : scope.serials) {
    if (have_serials.insert(s).second) serial_recalls_[s] = r;
  }
  rc.scope.serials.assign(have_serials.begin(), have_serials.end());

  // Who acts on a holding, by the plan's notify rules: holders (on hand, or
  // sold on to consumers), consignees (received or made it), the makers of
  // the lots, the responsible party; each as deep down custody as both the
  // order and the rule say (wholesale: the responsible party and its direct
  // consignees).
  auto depth_of = [&](NotifyTarget t) {
    fb::RecallDepth d = rc.depth;
    for (const auto& rule : plan.notify) {
      if (rule.target == t) d = std::min(d, rule.depth);
    }
    return d;
  };
  const bool holders = plan.Notifies(NotifyTarget::kHolders);
  const bool consignees = plan.Notifies(NotifyTarget::kConsignees);
  const bool producers = plan.Notifies(NotifyTarget::kProducer);
  const bool responsible = plan.Notifies(NotifyTarget::kResponsible);
  const bool oem = plan.Notifies(NotifyTarget::kOem);
  // An OEM built an implicated lot into one of its own: a lot in scope made
  // from an input in scope over a propagating edge (springs into a truck).
  auto built_in = [&](LotId lot) {
    TraceOptions o;
    o.as_of = scope.as_of;
    o.max_depth = 1;
    o.edge_kinds = plan.edge_kinds;
    o.through_units = false;
    const LotId seed[1] = {lot};
    for (const TracedLot& t : lineage_->Backward(seed, o).lots) {
      if (t.via == TraceVia::kEdge &&
          std::binary_search(rc.scope.lots.begin(), rc.scope.lots.end(), t.lot)) {
        return true;
      }
    }
    return false;
  };
  const fb::RecallDepth holders_depth = depth_of(NotifyTarget::kHolders);
  const fb::RecallDepth consignees_depth = depth_of(NotifyTarget::kConsignees);
  const auto& direct = counterparties_[rc.responsible];
  auto within = [&](PartyIdx p, fb::RecallDepth d) {
    return d != fb::RecallDepth::WHOLESALE || p == rc.responsible ||
           std::binary_search(direct.begin(), direct.end(), p);
  };
  auto acts = [&](const ScopeHolding& h) {
    if (h.party == 0) return false;  // the host itself
    if (holders && (h.held > 0 || h.consumed > 0) && within(h.party, holders_depth)) return true;
    if (consignees && h.received > 0 && within(h.party, consignees_depth)) return true;
    if (producers && lots_[h.lot].producer == h.party) return true;
    if (oem && lots_[h.lot].producer == h.party && built_in(h.lot)) return true;
    return responsible && h.party == rc.responsible;
  };
  std::unordered_set<uint64_t> known;
  known.reserve(rc.scope.holdings.size());
  for (const auto& h : rc.scope.holdings) known.insert(uint64_t{h.lot} << 32 | h.party);
  std::map<PartyIdx, std::vector<ScopeHolding>> new_by_party;
  for (const auto& h : scope.holdings) {
    if (!known.insert(uint64_t{h.lot} << 32 | h.party).second) continue;
    rc.scope.holdings.push_back(h);
    rc.distributed_total += Exposure(h);
    auto pit = rc.parties.find(h.party);
    if (pit != rc.parties.end()) {
      auto lit = pit->second.reports.find(h.lot);
      if (lit != pit->second.reports.end()) {
        rc.accounted_total += std::min(Accounted(lit->second), Exposure(h));
      }
    }
    if (acts(h)) new_by_party[h.party].push_back(h);
  }
  if (!first) {
    std::sort(rc.scope.holdings.begin(), rc.scope.holdings.end(), [](const auto& a, const auto& b) {
      return std::tie(a.lot, a.party) < std::tie(b.lot, b.party);
    });
  }
  rc.scope.windows.insert(rc.scope.windows.end(), scope.windows.begin(), scope.windows.end());
  if (first) {
    rc.scope.as_of = scope.as_of;
    rc.scope.digest = scope.digest;
  }
  if (!first && !new_by_party.empty()) {
    rc.state = fb::RecallState::EXPANDED;
    rc.transitions.push_back({fb::RecallState::EXPANDED, 0, ctx.record_time, ctx.index, "scope grew"});
  }
  UpdateCompletion(rc, ctx.record_time);
  // A party notified before gets a notice with its whole share of the scope,
  // old lots and new: its newest notice (the inbox's, the webhook's) is
  // complete on its own.
  if (!first) {
    for (auto& [p, holdings] : new_by_party) {
      auto pit = rc.parties.find(p);
      if (pit == rc.parties.end() || !pit->second.notified || pit->second.informational) continue;
      holdings.clear();
      for (const auto& h : rc.scope.holdings) {
        if (h.party == p && acts(h)) holdings.push_back(h);
      }
    }
  }
  std::vector<PartyIdx> informed;
  if (first) informed = InformationalParties(rc, new_by_party);
  uint32_t round = rc.rounds++;
  fx->host_records.reserve(fx->host_records.size() + new_by_party.size() + informed.size());
  for (const auto& [p, holdings] : new_by_party) {
    fx->host_records.push_back(NoticePayload(rc, p, round, holdings, rc.scope.serials, false, ctx));
  }
  for (PartyIdx p : informed) {
    fx->host_records.push_back(NoticePayload(rc, p, round, {}, {}, true, ctx));
  }
}

// ---- the workflow records ---------------------------------------------------------------------

Status LedgerState::ApplyRecallOrder(const fb::Record& r, const RecordContext& ctx,
                                     StateEffects* fx) {
  const fb::RecallOrder* o = r.body_as_RecallOrder();
  PartyIdx signer = ctx.key->party;
  QT_RETURN_IF_ERROR(ValidateId("recall_id", Sv(o->recall_id())));
  QT_RETURN_IF_ERROR(ValidateId("sector", Sv(o->sector())));
  if (recall_by_id_.count(std::string(Sv(o->recall_id()))) != 0) {
    return AlreadyExists("recall " + std::string(Sv(o->recall_id())) + " already exists",
                         "recall_exists");
  }
  auto responsible = FindParty(Sv(o->responsible()));
  if (!responsible) {
    return Rule("unknown responsible party " + std::string(Sv(o->responsible())), "unknown_party");
  }
  if (o->seed() == nullptr) return InvalidArgument("a recall needs a seed", "bad_record");
  if (o->depth() > fb::RecallDepth::CONSUMER) return InvalidArgument("unknown depth", "bad_record");
  RecallPlan plan;
  if (ctx.recall_plan != nullptr) {
    plan = *ctx.recall_plan;
  } else {
    QT_ASSIGN_OR_RETURN(plan, DefaultRecallPlan(Sv(o->sector()), Sv(o->level())));
  }
  const bool regulator = IsAuthority(signer);
  if (!regulator && *responsible != signer) {
    return PermissionDenied("only a regulator orders a recall for another party",
                            "role_not_allowed");
  }
  if (ctx.index == 0) return Internal("recall at log index 0");
  QT_ASSIGN_OR_RETURN(RecallScope scope, ComputeRecallScope(*o->seed(), plan, ctx.index - 1));
  if (scope.lots.empty() && scope.serials.empty()) {
    return Rule("the recall scope is empty", "empty_scope");
  }
  if (!regulator) {
    // An enterprise recalls only its own lots (it may name outputs made by
    // others from them: that is what the scope is for).
    auto own = [&](const fb::LotRef* ref) {
      auto id = FindLot(ref->scheme(), Sv(ref->product()), Sv(ref->lot()));
      return id && lots_[*id].producer == signer;
    };
    bool ok = true;
    if (o->seed()->lots()) {
      for (const auto* l : *o->seed()->lots()) ok = ok && own(l);
    }
    if (o->seed()->input_lots()) {
      for (const auto* l : *o->seed()->input_lots()) ok = ok && own(l);
    }
    if (o->seed()->product_windows()) {
      for (const auto* w : *o->seed()->product_windows()) {
        auto p = FindProduct(w->product_scheme(), Sv(w->product()));
        ok = ok && p && products_[*p].owner == signer;
      }
    }
    if (o->seed()->unit_windows()) {
      for (const auto* w : *o->seed()->unit_windows()) ok = ok && Sv(w->owner()) == parties_[signer].id;
    }
    if (o->seed()->serials()) {
      for (const auto* s : *o->seed()->serials()) {
        const SerialInfo* si = FindSerial(s->string_view());
        ok = ok && si && si->lot != kNoIdx && lots_[si->lot].producer == signer;
      }
    }
    if (!ok) {
      return PermissionDenied("an enterprise initiates recalls only for its own lots",
                              "not_own_record");
    }
  }
  RecallInfo info;
  info.id = o->recall_id()->str();
  info.sector = o->sector()->str();
  info.level = Sv(o->level()).empty() ? "" : o->level()->str();
  info.hazard = o->hazard() ? o->hazard()->str() : "";
  info.reason = o->reason() ? o->reason()->str() : "";
  info.responsible = *responsible;
  info.ordered_by = signer;
  info.regulator_ordered = regulator;
  info.depth = o->depth();
  info.risk_known_at = Micros(o->risk_known_at()) ? Micros(o->risk_known_at()) : ctx.record_time;
  info.decided_at = ctx.record_time;
  info.index = ctx.index;
  // A firm that initiates a recall has started it; a recall a regulator
  // orders starts with the responsible party's first act on it.
  if (!regulator) info.started_at = ctx.record_time;
  plan.public_notice = plan.public_notice || o->public_notice();
  info.plan = plan;
  info.transitions.push_back({fb::RecallState::DECIDED, signer, ctx.record_time, ctx.index,
                              regulator ? "ordered by regulator" : "initiated by firm"});
  uint32_t idx = static_cast<uint32_t>(recalls_.size());
  recall_by_id_[info.id] = idx;
  recalls_.push_back(std::move(info));
  MergeScopeAndNotify(idx, std::move(scope), ctx, fx);
  return Status::Ok();
}

Status LedgerState::ApplyRecallNotice(const fb::Record& r, const RecordContext& ctx) {
  const fb::RecallNotice* n = r.body_as_RecallNotice();
  auto it = recall_by_id_.find(std::string(Sv(n->recall_id())));
  if (it == recall_by_id_.end()) return Rule("unknown recall", "unknown_recall");
  auto party = FindParty(Sv(n->party()));
  if (!party) return Rule("unknown party", "unknown_party");
  RecallInfo& rc = recalls_[it->second];
  PartyRecallProgress& p = rc.parties[*party];
  if (!p.notified) {
    p.informational = n->for_information();
  } else if (!n->for_information()) {
    p.informational = false;  // now has something to act on
  }
  p.notified = true;
  p.round = n->round();
  p.notice_index = ctx.index;
  if (p.notified_at == 0) p.notified_at = ctx.record_time;
  if (!p.acked && !n->for_information()) p.ack_due = Micros(n->ack_due());
  if (p.complete_due == 0) p.complete_due = Micros(n->complete_due());
  if (rc.state == fb::RecallState::DECIDED || rc.state == fb::RecallState::EXPANDED) {
    rc.state = fb::RecallState::NOTIFYING;
    rc.transitions.push_back({rc.state, 0, ctx.record_time, ctx.index, "notices sent"});
  }
  return Status::Ok();
}

Status LedgerState::ApplyRecallAck(const fb::Record& r, const RecordContext& ctx) {
  const fb::RecallAck* a = r.body_as_RecallAck();
  auto it = recall_by_id_.find(std::string(Sv(a->recall_id())));
  if (it == recall_by_id_.end()) {
    return Rule("unknown recall " + std::string(Sv(a->recall_id())), "unknown_recall");
  }
  RecallInfo& rc = recalls_[it->second];
  PartyIdx me = ctx.key->party;
  auto pit = rc.parties.find(me);
  if (pit == rc.parties.end() || !pit->second.notified) {
    return PermissionDenied(parties_[me].id + " was not notified of recall " + rc.id,
                            "not_notified");
  }
  if (!rc.open()) return Rule("recall " + rc.id + " is closed", "recall_closed");
  if (pit->second.acked) return AlreadyExists("already acknowledged", "already_acknowledged");
  pit->second.acked = true;
  pit->second.acked_at = ctx.record_time;
  if (me == rc.responsible && rc.started_at == 0) rc.started_at = ctx.record_time;
  bool all = true;
  for (const auto& [p, prog] : rc.parties) {
    all = all && (!prog.notified || prog.informational || prog.acked);
  }
  if (all && rc.state == fb::RecallState::NOTIFYING) {
    rc.state = fb::RecallState::IN_PROGRESS;
    rc.transitions.push_back({rc.state, me, ctx.record_time, ctx.index, "all acknowledged"});
  }
  return Status::Ok();
}

Status LedgerState::ApplyRecallProgress(const fb::Record& r, const RecordContext& ctx) {
  const fb::RecallProgress* pr = r.body_as_RecallProgress();
  auto it = recall_by_id_.find(std::string(Sv(pr->recall_id())));
  if (it == recall_by_id_.end()) {
    return Rule("unknown recall " + std::string(Sv(pr->recall_id())), "unknown_recall");
  }
  RecallInfo& rc = recalls_[it->second];
  PartyIdx me = ctx.key->party;
  auto pit = rc.parties.find(me);
  if ((pit == rc.parties.end() || !pit->second.notified) && me != rc.responsible) {
    return PermissionDenied(parties_[me].id + " was not notified of recall " + rc.id,
                            "not_notified");
  }
  if (!rc.open()) return Rule("recall " + rc.id + " is closed", "recall_closed");
  std::map<LotId, PartyRecallProgress::LotReport> reports;
  if (pr->items()) {
    for (size_t i = 0; i < pr->items()->size(); ++i) {
      const auto* item = pr->items()->Get(i);
      std::string field = "items[" + std::to_string(i) + "]";
      QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(item->lot(), field));
      if (!std::binary_search(rc.scope.lots.begin(), rc.scope.lots.end(), lot)) {
        bool serial_lot = false;
        for (const auto& h : rc.scope.holdings) serial_lot = serial_lot || h.lot == lot;
        if (!serial_lot) {
          return Rule(field + ": lot " + LotRefString(lot) + " is not in recall " + rc.id,
                      "not_in_scope");
        }
      }
      PartyRecallProgress::LotReport rep;
      auto amount = [&](const fb::Quantity* q, int64_t* out) -> Status {
        if (q == nullptr) return Status::Ok();
        auto a = ToAmount(q->value(), q->scale(), Sv(q->unit()));
        if (!a.ok()) return a.status().WithPrefix(field);
        if (!(a->dim == lots_[lot].dim) || a->micro_base < 0) {
          return InvalidArgument(field + ": quantity must be a non-negative amount in " +
                                     lots_[lot].unit,
                                 "bad_quantity");
        }
        *out = a->micro_base;
        return Status::Ok();
      };
      QT_RETURN_IF_ERROR(amount(item->recovered(), &rep.recovered));
      QT_RETURN_IF_ERROR(amount(item->destroyed(), &rep.destroyed));
      QT_RETURN_IF_ERROR(amount(item->consumed(), &rep.consumed));
      QT_RETURN_IF_ERROR(amount(item->corrected(), &rep.corrected));
      reports[lot] = rep;
    }
  }
  if (pr->report() == fb::RecallReportKind::PLAN) {
    if (me != rc.responsible) {
      return PermissionDenied("only " + parties_[rc.responsible].id +
                                  ", responsible for recall " + rc.id + ", files its plan",
                              "role_not_allowed");
    }
    if (pr->evidence() == nullptr || pr->evidence()->size() == 0) {
      return InvalidArgument("a filed recall plan names its documents in evidence", "bad_record");
    }
  } else if (pr->report() != fb::RecallReportKind::PROGRESS) {
    return InvalidArgument("unknown report kind", "bad_record");
  }
  PartyRecallProgress& p = rc.parties[me];
  for (const auto& [lot, rep] : reports) {
    PartyRecallProgress::LotReport& slot = p.reports[lot];
    AccountReport(rc, me, lot, slot, rep);
    slot = rep;
  }
  if (pr->evidence()) {
    for (const auto* e : *pr->evidence()) p.evidence.push_back(e->str());
  }
  if (pr->report() == fb::RecallReportKind::PLAN) {
    if (rc.plan_filed_at == 0) rc.plan_filed_at = ctx.record_time;
  } else {
    p.last_report_at = ctx.record_time;
  }
  if (me == rc.responsible && rc.started_at == 0) rc.started_at = ctx.record_time;
  UpdateCompletion(rc, ctx.record_time);
  return Status::Ok();
}

Status LedgerState::ApplyRecallTransition(const fb::Record& r, const RecordContext& ctx) {
  const fb::RecallTransition* t = r.body_as_RecallTransition();
  auto it = recall_by_id_.find(std::string(Sv(t->recall_id())));
  if (it == recall_by_id_.end()) {
    return Rule("unknown recall " + std::string(Sv(t->recall_id())), "unknown_recall");
  }
  uint32_t ri = it->second;
  RecallInfo& rc = recalls_[ri];
  PartyIdx me = ctx.key->party;
  const bool regulator = HasRole(me, fb::Role::REGULATOR) || HasRole(me, fb::Role::ADMIN);
  const bool responsible = me == rc.responsible;
  if (!rc.open()) return Rule("recall " + rc.id + " is already " + std::string(StateName(rc.state)),
                              "recall_closed");
  auto from = [&](std::initializer_list<fb::RecallState> ok) {
    for (auto s : ok) {
      if (rc.state == s) return true;
    }
    return false;
  };
  auto refuse = [&](const std::string& why) {
    return Rule("recall " + rc.id + " cannot go from " + std::string(StateName(rc.state)) +
                    " to " + std::string(StateName(t->to())) + ": " + why,
                "bad_transition");
  };
  using S = fb::RecallState;
  switch (t->to()) {
    case S::IN_PROGRESS:
      if (!responsible && !regulator) return PermissionDenied("not the responsible party", "role_not_allowed");
      if (!from({S::NOTIFYING, S::IN_SITU_ASSESSMENT})) return refuse("notices are not out");
      break;
    case S::IN_SITU_ASSESSMENT:
      if (!responsible && !regulator) return PermissionDenied("not the responsible party", "role_not_allowed");
      if (!from({S::NOTIFYING, S::IN_PROGRESS})) return refuse("not in progress");
      rc.in_situ_done = true;
      break;
    case S::COMPLETED_BY_FIRM:
      if (!responsible && !regulator) return PermissionDenied("not the responsible party", "role_not_allowed");
      if (!from({S::NOTIFYING, S::IN_PROGRESS, S::IN_SITU_ASSESSMENT})) return refuse("not in progress");
      if (rc.plan.require_in_situ_assessment && !rc.in_situ_done) {
        return refuse("an in-situ assessment is required for material already built in");
      }
      rc.summary_filed = true;
      rc.summary_at = ctx.record_time;
      if (rc.completed_at == 0) rc.completed_at = ctx.record_time;  // the firm says it is done
      break;
    case S::UNDER_REVIEW:
      if (!regulator) return PermissionDenied("only a regulator reviews a recall", "role_not_allowed");
      if (!from({S::COMPLETED_BY_FIRM})) return refuse("the firm has not filed its summary");
      break;
    case S::CLOSED: {
      if (!regulator) return PermissionDenied("only a regulator closes a recall", "role_not_allowed");
      std::vector<std::string> unmet;
      const RecallPlan& plan = rc.plan;
      if (plan.require_summary && !rc.summary_filed) unmet.push_back("the firm's summary (completed_by_firm) is missing");
      if (plan.require_in_situ_assessment && !rc.in_situ_done) unmet.push_back("no in-situ assessment was recorded");
      int64_t distributed = 0, accounted = 0;
      for (const auto& h : rc.scope.holdings) {
        int64_t exposure = std::max<int64_t>(h.held, 0) + h.consumed;
        int64_t rep = 0;
        auto pit = rc.parties.find(h.party);
        if (pit != rc.parties.end()) {
          auto lit = pit->second.reports.find(h.lot);
          if (lit != pit->second.reports.end()) {
            rep = lit->second.recovered + lit->second.destroyed + lit->second.consumed +
                  lit->second.corrected;
          }
        }
        distributed += exposure;
        accounted += std::min(rep, exposure);
      }
      for (const auto& [p, prog] : rc.parties) {
        if (plan.require_all_acknowledged && prog.notified && !prog.informational && !prog.acked) {
          unmet.push_back(parties_[p].id + " has not acknowledged");
        }
      }
      if (plan.require_reconciled && accounted < distributed) {
        unmet.push_back("quantities are not reconciled: " + std::to_string(distributed - accounted) +
                        " micro-units unaccounted");
      }
      if (plan.min_accounted_share > 0 && distributed > 0 &&
          static_cast<double>(accounted) < plan.min_accounted_share * static_cast<double>(distributed)) {
        unmet.push_back("less than " + std::to_string(static_cast<int>(plan.min_accounted_share * 100)) +
                        "% of the distributed quantity is accounted for");
      }
      if (plan.require_disposal_evidence) {
        bool any = false;
        for (const auto& [p, prog] : rc.parties) any = any || !prog.evidence.empty();
        if (!any && (t->evidence() == nullptr || t->evidence()->size() == 0)) {
          unmet.push_back("no disposal evidence was posted");
        }
      }
      if (!unmet.empty()) {
        return Status(StatusCode::kFailedPrecondition,
                      "recall " + rc.id + " cannot close: " + unmet.front(), "closing_criteria",
                      unmet);
      }
      break;
    }
    case S::NO_RECALL:
      if (!regulator) return PermissionDenied("only a regulator cancels a recall", "role_not_allowed");
      if (!from({S::DECIDED, S::NOTIFYING})) return refuse("the recall is under way");
      break;
    default:
      return InvalidArgument("transition to " + std::string(StateName(t->to())) +
                                 " is made by the host, not stated",
                             "bad_transition");
  }
  rc.state = t->to();
  rc.transitions.push_back({t->to(), me, ctx.record_time, ctx.index,
                            t->reason() ? t->reason()->str() : ""});
  if (responsible && rc.started_at == 0) rc.started_at = ctx.record_time;
  if (regulator && rc.reviewed_at == 0 && (t->to() == S::UNDER_REVIEW || t->to() == S::CLOSED)) {
    rc.reviewed_at = ctx.record_time;
  }
  if (!rc.open()) {
    // Live protection lifted.
    for (auto l = lot_recalls_.begin(); l != lot_recalls_.end();) {
      l = l->second == ri ? lot_recalls_.erase(l) : std::next(l);
    }
    for (auto s = serial_recalls_.begin(); s != serial_recalls_.end();) {
      s = s->second == ri ? serial_recalls_.erase(s) : std::next(s);
    }
  }
  return Status::Ok();
}

Status LedgerState::ApplyRecallWiden(const fb::Record& r, const RecordContext& ctx,
                                     StateEffects* fx) {
  const fb::RecallWiden* w = r.body_as_RecallWiden();
  auto it = recall_by_id_.find(std::string(Sv(w->recall_id())));
  if (it == recall_by_id_.end()) {
    return Rule("unknown recall " + std::string(Sv(w->recall_id())), "unknown_recall");
  }
  PartyIdx me = ctx.key->party;
  if (!HasRole(me, fb::Role::REGULATOR) && !HasRole(me, fb::Role::ADMIN)) {
    return PermissionDenied("only a regulator widens a recall", "role_not_allowed");
  }
  RecallInfo& rc = recalls_[it->second];
  if (!rc.open()) return Rule("recall " + rc.id + " is closed", "recall_closed");
  if (w->seed() == nullptr) return InvalidArgument("widening needs a seed", "bad_record");
  QT_ASSIGN_OR_RETURN(RecallScope scope, ComputeRecallScope(*w->seed(), rc.plan, ctx.index - 1));
  rc.state = fb::RecallState::EXPANDED;
  rc.transitions.push_back({fb::RecallState::EXPANDED, me, ctx.record_time, ctx.index,
                            w->reason() ? w->reason()->str() : "widened"});
  rc.summary_filed = false;  // a new summary is due after the wider recall
  rc.summary_at = 0;
  rc.reviewed_at = 0;
  MergeScopeAndNotify(it->second, std::move(scope), ctx, fx);
  return Status::Ok();
}

namespace {
// The recall-level deadlines the monitor checks, and what an overdue
// record calls each.
struct RecallDeadlineCheck {
  DeadlineKind kind;
  const char* what;
};
constexpr RecallDeadlineCheck kRecallDeadlines[] = {
    {DeadlineKind::kStart, "start"},          {DeadlineKind::kNotify, "notify"},
    {DeadlineKind::kFilePlan, "file_plan"},   {DeadlineKind::kComplete, "completion"},
    {DeadlineKind::kSummary, "summary"},      {DeadlineKind::kReview, "review"}};

// When the milestone of `kind` happened (0 = not yet).
int64_t MetAt(const RecallInfo& rc, DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::kStart: return rc.started_at;
    case DeadlineKind::kNotify: return rc.decided_at;  // the host notifies with the order
    case DeadlineKind::kFilePlan: return rc.plan_filed_at;
    case DeadlineKind::kComplete: return rc.completed_at;
    case DeadlineKind::kSummary: return rc.summary_at;
    case DeadlineKind::kReview: return rc.reviewed_at;
    default: return 0;
  }
}
}  // namespace

Status LedgerState::ApplyRecallOverdue(const fb::Record& r, const RecordContext& ctx) {
  const fb::RecallOverdue* o = r.body_as_RecallOverdue();
  auto it = recall_by_id_.find(std::string(Sv(o->recall_id())));
  if (it == recall_by_id_.end()) return Rule("unknown recall", "unknown_recall");
  auto party = FindParty(Sv(o->party()));
  if (!party) return Rule("unknown party", "unknown_party");
  RecallInfo& rc = recalls_[it->second];
  std::string_view what = Sv(o->what());
  int64_t due = Micros(o->due());
  if (due > ctx.record_time) return Rule("not overdue yet", "not_overdue");
  for (const auto& check : kRecallDeadlines) {
    if (what != check.what) continue;
    PartyIdx owner = check.kind == DeadlineKind::kReview ? Reviewer(rc) : rc.responsible;
    if (*party != owner) {
      return Rule(std::string(what) + " is due from " +
                      (owner == kNoIdx ? std::string("no party") : parties_[owner].id),
                  "not_responsible");
    }
    if (rc.HasMissed(what)) return AlreadyExists("already marked", "already_marked");
    rc.missed.push_back({std::string(what), *party, due});
    if (check.kind == DeadlineKind::kComplete) rc.parties[*party].complete_overdue = true;
    return Status::Ok();
  }
  auto pit = rc.parties.find(*party);
  if ((pit == rc.parties.end() || !pit->second.notified) && *party != rc.responsible) {
    return Rule("party was not notified", "not_notified");
  }
  PartyRecallProgress& p = rc.parties[*party];
  if (what == "acknowledgement") {
    if (p.ack_overdue || p.acked) return AlreadyExists("already marked", "already_marked");
    p.ack_overdue = true;
  } else if (what == "progress_report") {
    if (p.report_overdue_due >= due) return AlreadyExists("already marked", "already_marked");
    p.report_overdue_due = due;
  } else {
    return InvalidArgument(
        "what is acknowledgement, progress_report, start, notify, file_plan, completion, summary "
        "or review",
        "bad_record");
  }
  return Status::Ok();
}

std::vector<RecallDeadlineStatus> LedgerState::RecallDeadlines(const RecallInfo& rc,
                                                               int64_t now) const {
  std::vector<RecallDeadlineStatus> out;
  for (const auto& check : kRecallDeadlines) {
    if (rc.plan.deadline(check.kind) == nullptr) continue;
    RecallDeadlineStatus d;
    d.what = check.what;
    d.party = check.kind == DeadlineKind::kReview ? Reviewer(rc) : rc.responsible;
    if (d.party == kNoIdx) continue;
    d.due = DueOf(rc, check.kind, rc.decided_at);
    d.met_at = MetAt(rc, check.kind);
    d.missed = rc.HasMissed(check.what) ||
               (d.due != 0 && (d.met_at == 0 ? now > d.due : d.met_at > d.due));
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> LedgerState::OverduePayloads(int64_t now) const {
  std::vector<std::string> out;
  auto make = [&](const RecallInfo& rc, PartyIdx party, const char* what, int64_t due) {
    flatbuffers::FlatBufferBuilder b(256);
    fb::Timestamp d(due, 0), et(now, 0);
    auto body = fb::CreateRecallOverdueDirect(b, rc.id.c_str(), parties_[party].id.c_str(), what, &d);
    auto header = fb::CreateHeaderDirect(b, parties_[0].id.c_str(), &et);
    b.Finish(fb::CreateRecord(b, header, fb::Body::RecallOverdue, body.Union()));
    out.emplace_back(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  };
  for (const RecallInfo& rc : recalls_) {
    if (!rc.open()) continue;
    // Milestones of the recall as a whole: met late, or not met and due.
    for (const auto& check : kRecallDeadlines) {
      int64_t due = DueOf(rc, check.kind, rc.decided_at);
      if (due == 0 || rc.HasMissed(check.what)) continue;
      int64_t met = MetAt(rc, check.kind);
      if (met == 0 ? now <= due : met <= due) continue;
      PartyIdx owner = check.kind == DeadlineKind::kReview ? Reviewer(rc) : rc.responsible;
      if (owner != kNoIdx) make(rc, owner, check.what, due);
    }
    if (rc.summary_filed) continue;  // the firm says it is done: the regulator's turn
    for (const auto& [party, p] : rc.parties) {
      if (p.notified && !p.informational && !p.acked && !p.ack_overdue && p.ack_due > 0 &&
          now > p.ack_due) {
        make(rc, party, "acknowledgement", p.ack_due);
      }
    }
    // The responsible party reports progress every interval.
    const PlanDeadline* report = rc.plan.deadline(DeadlineKind::kProgressReport);
    if (report != nullptr && rc.completed_at == 0) {
      auto rp = rc.parties.find(rc.responsible);
      const PartyRecallProgress* resp = rp == rc.parties.end() ? nullptr : &rp->second;
      int64_t last = std::max(AnchorTime(rc, report->anchor, rc.decided_at),
                              resp ? resp->last_report_at : 0);
      int64_t due = last == 0 ? 0 : rc.plan.DueAfter(*report, last);
      if (due > 0 && now > due && (resp == nullptr || resp->report_overdue_due < due)) {
        make(rc, rc.responsible, "progress_report", due);
      }
    }
  }
  return out;
}

// ---- live protection and expansion ----------------------------------------------------

std::optional<std::string> LedgerState::RecallBlocks(LotId lot, PartyIdx receiver) const {
  for (uint32_t r : OpenRecallsOfLot(lot)) {
    const RecallInfo& rc = recalls_[r];
    if (receiver != kNoIdx && receiver == rc.responsible) continue;  // a return
    return "lot " + LotRefString(lot) + " is under recall " + rc.id + " (" + rc.hazard +
           "): it may only be returned to " + parties_[rc.responsible].id + " or destroyed";
  }
  return std::nullopt;
}

std::optional<std::string> LedgerState::SerialRecallBlocks(std::string_view serial,
                                                           PartyIdx receiver) const {
  auto it = serial_recalls_.find(std::string(serial));
  if (it == serial_recalls_.end()) return std::nullopt;
  const RecallInfo& rc = recalls_[it->second];
  if (!rc.open() || (receiver != kNoIdx && receiver == rc.responsible)) return std::nullopt;
  return "serial " + std::string(serial) + " is under recall " + rc.id +
         ": it may only be returned to " + parties_[rc.responsible].id + " or destroyed";
}

void LedgerState::ExpandRecallsForNewLot(LotId lot, const std::vector<UnitUseWindow>& uses,
                                         const RecordContext& ctx, StateEffects* fx) {
  if (recalls_.empty() || uses.empty()) return;
  for (uint32_t r = 0; r < recalls_.size(); ++r) {
    RecallInfo& rc = recalls_[r];
    if (!rc.open() || rc.scope.windows.empty()) continue;
    bool tainted = false;
    for (const TaintedWindow& w : rc.scope.windows) {
      // Window end: the effect end or the first emptying after the start,
      // as of now (a pond emptied after the recall stops tainting then).
      int64_t end = w.end;
      for (const auto& e : units_[w.unit].events) {
        if (e.kind == fb::UnitEventKind::EMPTIED && e.start > w.start) end = std::min(end, e.start);
      }
      for (const auto& u : uses) {
        if (u.unit == w.unit && u.start < end && u.end >= w.start) tainted = true;
      }
    }
    if (!tainted) continue;
    RecallScope extra;
    extra.as_of = ctx.index;
    extra.lots = {lot};
    extra.holdings = HoldingsAsOf(lot, ctx.index);
    MergeScopeAndNotify(r, std::move(extra), ctx, fx);
  }
}

}  // namespace qtrace::host
