// diamond_tools: the qtrace sector plugin for diamond tools (sector-rules.md
// section 3): circular saw blades (sintered, welded, brazed, electroplated),
// core bits, grinding and cutting wheels, mounted points, wire saws, and the
// segments, cores, grit, bond powders and label lots they are made from.
//
// What a record must satisfy (rule ids as in Describe):
//   R-DT-0    a lot names its product_type (3(a)); a GTIN lot's product code
//             has a valid GS1 check digit (section 6).
//   R-DT-MK   the EN 13236 marking of a saw blade or wheel lot (3(a), 3(c)):
//             diameter, maximum operating speed (MOS) in m/s and in rpm, and
//             for saw blades the direction arrow.
//   R-DT-MOS  the marked rpm matches the marked m/s at the diameter:
//             rpm = v x 60000 / (pi x D), within mos_rpm_tolerance_pct
//             (section 6; "the manufacturer's rounding").
//   R-DT-1    lineage: a segmented blade or core bit is composed of segment
//             lots; a segment lot or a brazed blade names its sinter / braze
//             furnace run (processed_on), and every furnace window a lot
//             names lies inside a process run recorded on that furnace.
//   R-DT-2    a label lot (labelled_with) carries the blade's MOS, not
//             another: a wrong MOS label is a safety defect.
//   R-DT-3    a reconditioned (re-tipped) blade links the original core
//             (reconditioned_from) and has new segments.
//   R-DT-4    a resin- or vitrified-bonded lot states its shelf_life_expiry
//             and is neither shipped nor sold after it.
//   R-DT-5    a saw blade or wheel lot leaves the maker only with a passing
//             rotation test, in force on the shipment date, at a test speed
//             of at least rotation_test_factor x MOS (a lot or product-family
//             rotation_test certificate), and never with a failed GB/T 43134
//             safety test (rotation, core hardness, segment bond, tension).
//             A family type test below factor x MOS refuses the lot itself.
//             R-DT-4 and R-DT-5 do not hold back goods returned to their
//             maker (returns, recall recoveries).
//   R-DT-R    a recall order's level is serious, moderate or low (3(d)).
// Recalls: PlanRecall returns the levels of section 3(d) as data.
//
// Everything tagged [M] in the rules file is a rule parameter (Describe's
// params) read from the sector's current RuleParameters set, with the
// documented default.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/plugin/codes.h"
#include "qtrace/plugin/plugin.h"

namespace {

using namespace qtrace;
using plugin::CheckContext;
using plugin::Verdict;
namespace fbp = fb::plugin;

constexpr std::string_view kSector = "diamond_tools";
constexpr double kPi = 3.14159265358979323846;

// ---- product types ---------------------------------------------------------------------

enum class Family { kSawBlade, kCoreBit, kWheel, kOtherTool, kSegment, kComponent, kLabel };

struct ProductType {
  std::string_view name;
  Family family;
  bool segmented;    // made of segment lots (R-DT-1)
  bool furnace_run;  // names its sinter / braze run (R-DT-1)
};

// EN 13236 scope (sector-rules.md 3(a) product_type) plus the lots the tools
// are made from, so lineage can be checked by type.
constexpr ProductType kProductTypes[] = {
    {"sintered_saw_blade", Family::kSawBlade, true, false},
    {"welded_saw_blade", Family::kSawBlade, true, false},
    {"brazed_saw_blade", Family::kSawBlade, true, true},
    {"electroplated_saw_blade", Family::kSawBlade, false, false},
    {"core_bit", Family::kCoreBit, true, false},
    {"grinding_wheel", Family::kWheel, false, false},
    {"cutting_wheel", Family::kWheel, false, false},
    {"mounted_point", Family::kOtherTool, false, false},
    {"wire_saw", Family::kOtherTool, false, false},
    {"segment", Family::kSegment, false, true},
    {"steel_core", Family::kComponent, false, false},
    {"tube", Family::kComponent, false, false},
    {"diamond_grit", Family::kComponent, false, false},
    {"bond_powder", Family::kComponent, false, false},
    {"label", Family::kLabel, false, false},
};

const ProductType* FindType(std::string_view name) {
  for (const auto& t : kProductTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> TypeNames() {
  std::vector<std::string> out;
  for (const auto& t : kProductTypes) out.emplace_back(t.name);
  return out;
}

// Rotating tools marked with a maximum operating speed (EN 13236 marking).
bool HasMos(const ProductType& t) {
  return t.family == Family::kSawBlade || t.family == Family::kWheel;
}

// ---- numbers and times -------------------------------------------------------------------

// value x 10^-3 as text without trailing zeros ("4365.4").
std::string Milli(int64_t v) {
  std::string s = std::to_string((v < 0 ? -v : v) / 1000);
  int64_t frac = (v < 0 ? -v : v) % 1000;
  if (frac != 0) {
    std::string f = std::to_string(frac + 1000).substr(1);
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return (v < 0 ? "-" : "") + s;
}

// "2026-10-06 08:00" in UTC+08:00 (civil-from-days, H. Hinnant): the demo
// city's local time, which is how the parties read their records.
std::string LocalTime(int64_t micros) {
  int64_t secs = micros / 1'000'000 + 8 * 3600;
  int64_t days = (secs >= 0 ? secs : secs - 86'399) / 86'400;
  int64_t sod = secs - days * 86'400;
  int64_t z = days + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  int64_t doe = z - era * 146'097;
  int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(sod / 3600), static_cast<long long>(sod % 3600 / 60));
  return buf;
}

int64_t Micros(const fb::Timestamp* t) { return t ? t->micros() : 0; }

// ---- attributes and parameters ----------------------------------------------------------

std::optional<std::string_view> Str(const plugin::AttrList* attrs, std::string_view key) {
  auto s = plugin::AttrString(plugin::FindAttr(attrs, key));
  if (!s || s->empty()) return std::nullopt;
  return s;
}

// An INT or DECIMAL attribute in thousandths.
std::optional<int64_t> Num(const plugin::AttrList* attrs, std::string_view key) {
  return plugin::AttrScaled(plugin::FindAttr(attrs, key), 3);
}

std::optional<bool> Flag(const plugin::AttrList* attrs, std::string_view key) {
  const fb::Attr* a = plugin::FindAttr(attrs, key);
  if (a == nullptr || a->type() != fb::AttrType::BOOL) return std::nullopt;
  return a->flag();
}

std::optional<int64_t> Time(const plugin::AttrList* attrs, std::string_view key) {
  const fb::Attr* a = plugin::FindAttr(attrs, key);
  if (a == nullptr || a->type() != fb::AttrType::TIME) return std::nullopt;
  return a->num();
}

// The rule parameters of this call's sector, in thousandths, with the
// documented defaults (Describe).
struct Params {
  int64_t rotation_test_factor = 1'500;   // x MOS
  int64_t mos_rpm_tolerance_pct = 1'000;  // % of the computed rpm
  int64_t authority_report_working_days = 2'000;
  int64_t complete_days = 30'000;

  static Params Of(const fbp::ParamSet* set) {
    Params p;
    if (set == nullptr) return p;
    auto read = [&](std::string_view key, int64_t* into) {
      if (auto v = plugin::AttrScaled(plugin::FindAttr(set->params(), key), 3); v && *v > 0) {
        *into = *v;
      }
    };
    read("rotation_test_factor", &p.rotation_test_factor);
    read("mos_rpm_tolerance_pct", &p.mos_rpm_tolerance_pct);
    read("authority_report_working_days", &p.authority_report_working_days);
    read("complete_days", &p.complete_days);
    return p;
  }
};

// ---- rotation tests ------------------------------------------------------------------------

bool IsRotationTest(std::string_view kind) { return kind == "rotation_test"; }

// GB/T 43134 safety tests whose failure makes a lot invalid (3(c)).
bool IsSafetyTest(std::string_view kind) {
  return kind == "rotation_test" || kind == "core_hardness" || kind == "segment_bond_strength" ||
         kind == "tension_test";
}

// In force at `t`: inside its validity and not suspended, revoked or
// cancelled by a status change effective at or before `t`.
bool InForce(const fbp::CertificateInfo* c, int64_t t) {
  if (c->valid_from() > t) return false;
  if (c->valid_to() != 0 && t > c->valid_to()) return false;
  fb::CertStatus status = fb::CertStatus::VALID;
  if (c->history() != nullptr) {
    for (const fbp::CertStatusInfo* h : *c->history()) {
      if (h->effective() <= t) status = h->status();
    }
  }
  return status == fb::CertStatus::VALID || status == fb::CertStatus::REINSTATED;
}

struct TestEvidence {
  int64_t best_speed = -1;  // m/s x 1000 of the best passing test in force
  std::string best_id;
  bool any = false;         // any passing test in force at all
};

void CollectTests(const fbp::CertificateList* list, int64_t t, TestEvidence* out) {
  if (list == nullptr || list->certificates() == nullptr) return;
  for (const fbp::CertificateInfo* c : *list->certificates()) {
    if (!IsRotationTest(plugin::View(c->kind())) || !InForce(c, t)) continue;
    if (Str(c->attributes(), "result") != std::string_view("pass")) continue;
    auto speed = Num(c->attributes(), "tested_speed_ms");
    if (!speed) continue;
    out->any = true;
    if (*speed > out->best_speed) {
      out->best_speed = *speed;
      out->best_id = std::string(plugin::View(c->cert_id()));
    }
  }
}

// factor x MOS, both in thousandths.
int64_t RequiredSpeed(int64_t mos, const Params& p) { return mos * p.rotation_test_factor / 1000; }

std::string LotText(const fb::LotRef* ref) {
  if (ref == nullptr) return "?";
  const char* scheme = ref->scheme() == fb::IdScheme::GTIN       ? "gtin"
                       : ref->scheme() == fb::IdScheme::NATIONAL ? "national"
                                                                 : "local";
  return std::string(scheme) + ":" + std::string(plugin::View(ref->product())) + "/" +
         std::string(plugin::View(ref->lot()));
}

class DiamondTools final : public plugin::Plugin {
 public:
  static constexpr plugin::Info kInfo{
      .name = "diamond_tools",
      .version = "1.0.0",
      .rule_set = "diamond-tools/2026.1",
      .min_host_version = "0.1.0",
      .sectors = {"diamond_tools"},
      .records = {fb::Body::LotRegistration, fb::Body::Shipment, fb::Body::Disposition,
                  fb::Body::Certificate, fb::Body::RecallOrder},
      .plan_recall = true};

  void Describe(plugin::Description& d) const override {
    d.Attribute("product_type")
        .Required()
        .Allowed(TypeNames())
        .Doc("EN 13236 product type, or the component a tool is made from");
    d.Attribute("diameter_mm", fb::AttrType::DECIMAL)
        .Unit("mm")
        .Range(1, 5000)
        .Doc("D of D x T x H; required for saw blades and wheels");
    d.Attribute("max_speed_ms", fb::AttrType::DECIMAL)
        .Unit("m/s")
        .Range(1, 200)
        .Doc("maximum operating speed (MOS) as marked; required for saw blades and wheels");
    d.Attribute("max_rpm", fb::AttrType::INT)
        .Unit("1/min")
        .Range(1, 200000)
        .Doc("MOS in rpm as marked; must match max_speed_ms at diameter_mm");
    d.Attribute("direction_arrow", fb::AttrType::BOOL).Doc("saw blades: direction arrow marked");
    d.Attribute("bond").Allowed({"M", "B", "V", "G"}).Doc("metal, resin, vitrified, electroplated");
    d.Attribute("shelf_life_expiry", fb::AttrType::TIME)
        .Doc("resin (B) and vitrified (V) bonds: last day it may be sold (GB/T 43134 9.2)");
    d.Attribute("reconditioned", fb::AttrType::BOOL).Doc("a re-tipped blade (EN 13236)");
    d.Attribute("tested_speed_ms", fb::AttrType::DECIMAL)
        .For("certificate")
        .Unit("m/s")
        .Doc("rotation_test certificate: the speed the lot or family was spun at");
    d.Attribute("result").For("certificate").Allowed({"pass", "fail"}).Doc(
        "rotation_test certificate: the outcome");
    d.Rule("R-DT-0", "a diamond-tools lot names its product type; GTINs check", "3(a); GS1");
    d.Rule("R-DT-MK", "saw blades and wheels carry diameter, MOS in m/s and rpm, direction arrow",
           "EN 13236; oSa");
    d.Rule("R-DT-MOS", "marked rpm = m/s x 60000 / (pi x D) within tolerance", "3(a) derived; 6");
    d.Rule("R-DT-1", "segment lineage and furnace runs inside their recorded windows", "3(b)");
    d.Rule("R-DT-2", "a label lot carries the blade's MOS", "3(b)");
    d.Rule("R-DT-3", "a reconditioned blade links its original core and new segments",
           "GB/T 43134 Annex A");
    d.Rule("R-DT-4", "resin / vitrified products are not shipped or sold past shelf life",
           "GB/T 43134 9.2");
    d.Rule("R-DT-5", "shipped only with a rotation test at factor x MOS and no failed safety test",
           "GB/T 43134 8.4; EN 13236");
    d.Rule("R-DT-R", "a recall's level is serious, moderate or low", "3(d)");
    d.Param("rotation_test_factor", fb::AttrType::DECIMAL, 15,
            "[M] rotation test speed / MOS (EN 13236 test-speed factor, to verify)", 1);
    d.Param("mos_rpm_tolerance_pct", fb::AttrType::DECIMAL, 10,
            "[D] marked rpm vs rpm computed from m/s and diameter, percent", 1);
    d.Param("authority_report_working_days", fb::AttrType::INT, 2,
            "[M] serious recall: report to the authority within these working days");
    d.Param("complete_days", fb::AttrType::INT, 30,
            "[D] days from the notice to complete the recall");
    d.doc =
        "Diamond tools: EN 13236 marking and MOS consistency, segment and furnace-run lineage, "
        "rotation test at factor x MOS before shipment, shelf life of resin bonds, and the "
        "serious / moderate / low recall levels.";
  }

  void CheckRecord(const CheckContext& ctx, Verdict& v) const override {
    Params p = Params::Of(ctx.Params());
    switch (ctx.body_type()) {
      case fb::Body::LotRegistration:
        CheckLot(ctx, *ctx.body<fb::LotRegistration>(), p, v);
        break;
      case fb::Body::Shipment:
        CheckShipment(ctx, *ctx.body<fb::Shipment>(), p, v);
        break;
      case fb::Body::Disposition:
        CheckSale(ctx, *ctx.body<fb::Disposition>(), v);
        break;
      case fb::Body::Certificate:
        CheckCertificate(ctx, *ctx.body<fb::Certificate>(), p, v);
        break;
      case fb::Body::RecallOrder: {
        std::string_view level = plugin::View(ctx.body<fb::RecallOrder>()->level());
        if (level != "serious" && level != "moderate" && level != "low") {
          v.Reject("R-DT-R", "recall_level_unknown", "level",
                   "diamond-tools recall level '" + std::string(level) +
                       "' is not serious, moderate or low");
        }
        break;
      }
      default:
        break;
    }
  }

  // Section 3(d): the levels as data for the host's recall engine.
  void PlanRecall(const plugin::RecallContext& ctx, plugin::RecallPlan& plan) const override {
    Params p = Params::Of(ctx.Params());
    using Plan = plugin::RecallPlan;
    // Segment -> blade (composed_of), wrong MOS label (labelled_with), a
    // re-tipped blade on a recalled core (reconditioned_from), splits and
    // merges, packs; furnace runs reach their lots through the unit windows
    // (through_units), only for the run's time window.
    plan.propagate = {fb::EdgeKind::COMPOSED_OF,   fb::EdgeKind::LABELLED_WITH,
                      fb::EdgeKind::RECONDITIONED_FROM, fb::EdgeKind::SPLIT_FROM,
                      fb::EdgeKind::MERGED_INTO,   fb::EdgeKind::CONTAINED_IN,
                      fb::EdgeKind::PROCESSED_ON};
    plan.through_units = true;
    plan.bulk_until_emptied = false;  // a furnace is not a bulk vessel
    plan.serial_level = true;         // serialised blades: the serials only
    const uint32_t complete_hours = static_cast<uint32_t>(p.complete_days / 1000 * 24);
    // CheckRecord refuses an order with another level (R-DT-R) before the
    // host asks; asked directly, plan the most protective level, not none.
    const std::string level =
        plan.level == "moderate" || plan.level == "low" ? plan.level : "serious";
    if (level == "serious") {
      // Segment detachment, core crack, bursting, MOS label above the test.
      plan.custody_depth = fbp::CustodyDepth::CONSUMER;
      plan.deadlines = {
          Plan::Deadline{fbp::DeadlineKind::NOTIFY, fbp::DeadlineAnchor::ORDERED, 24, 0, false},
          Plan::Deadline{fbp::DeadlineKind::ACKNOWLEDGE, fbp::DeadlineAnchor::NOTIFIED, 24, 0,
                         false},
          Plan::Deadline{fbp::DeadlineKind::FILE_PLAN, fbp::DeadlineAnchor::RISK_KNOWN, 0,
                         static_cast<uint32_t>(p.authority_report_working_days / 1000), false},
          Plan::Deadline{fbp::DeadlineKind::PROGRESS_REPORT, fbp::DeadlineAnchor::NOTIFIED,
                         7 * 24, 0, true},
          Plan::Deadline{fbp::DeadlineKind::COMPLETE, fbp::DeadlineAnchor::NOTIFIED,
                         complete_hours, 0, false}};
      plan.notify = {
          Plan::Notify{fbp::NotifyTarget::HOLDERS, fbp::CustodyDepth::CONSUMER, 24, 0},
          Plan::Notify{fbp::NotifyTarget::CONSIGNEES, fbp::CustodyDepth::CONSUMER, 24, 0},
          Plan::Notify{fbp::NotifyTarget::PRODUCER, fbp::CustodyDepth::CONSUMER, 24, 0},
          Plan::Notify{fbp::NotifyTarget::REGULATOR, fbp::CustodyDepth::CONSUMER, 0,
                       static_cast<uint32_t>(p.authority_report_working_days / 1000)},
          Plan::Notify{fbp::NotifyTarget::PUBLIC, fbp::CustodyDepth::CONSUMER, 24, 0}};
      plan.public_notice = true;
      plan.closing.all_acknowledged = true;
      plan.closing.reconciled = false;  // closes at 95 %, not at 100 %
      plan.closing.min_accounted_ppm = 950'000;
      plan.closing.disposal_evidence = true;
      plan.closing.summary = true;
      plan.closing.regulator_review = true;
      plan.closing.effectiveness_level = "A";
      plan.notes = {
          "stop-use notice to every consignee and end user within 24 h",
          "authority report when there was an injury (consumer-product rules)",
          "close at >= 95 % of distributed units returned, destroyed or confirmed consumed, "
          "and after a passing rotation re-test of retained samples from adjacent batches"};
      if (level != plan.level) {
        plan.notes.push_back("level '" + plan.level +
                             "' is not a diamond-tools level: planned as serious");
      }
    } else if (level == "moderate") {
      // Wrong wet/dry or application marking, restriction of use missing.
      plan.custody_depth = fbp::CustodyDepth::RETAIL;
      plan.deadlines = {
          Plan::Deadline{fbp::DeadlineKind::NOTIFY, fbp::DeadlineAnchor::ORDERED, 72, 0, false},
          Plan::Deadline{fbp::DeadlineKind::ACKNOWLEDGE, fbp::DeadlineAnchor::NOTIFIED, 72, 0,
                         false},
          Plan::Deadline{fbp::DeadlineKind::PROGRESS_REPORT, fbp::DeadlineAnchor::NOTIFIED,
                         14 * 24, 0, true},
          Plan::Deadline{fbp::DeadlineKind::COMPLETE, fbp::DeadlineAnchor::NOTIFIED,
                         complete_hours, 0, false}};
      plan.notify = {
          Plan::Notify{fbp::NotifyTarget::HOLDERS, fbp::CustodyDepth::RETAIL, 72, 0},
          Plan::Notify{fbp::NotifyTarget::CONSIGNEES, fbp::CustodyDepth::RETAIL, 72, 0},
          Plan::Notify{fbp::NotifyTarget::PRODUCER, fbp::CustodyDepth::RETAIL, 72, 0}};
      plan.closing.all_acknowledged = true;
      plan.closing.reconciled = false;
      plan.closing.min_accounted_ppm = 0;  // relabelled in place or returned
      plan.closing.disposal_evidence = false;
      plan.closing.summary = true;
      plan.closing.regulator_review = true;
      plan.notes = {"close when every held unit is relabelled or returned"};
    } else {
      // Dimension labelling error without a safety effect.
      plan.custody_depth = fbp::CustodyDepth::WHOLESALE;
      plan.deadlines = {
          Plan::Deadline{fbp::DeadlineKind::NOTIFY, fbp::DeadlineAnchor::ORDERED, 7 * 24, 0,
                         false},
          Plan::Deadline{fbp::DeadlineKind::ACKNOWLEDGE, fbp::DeadlineAnchor::NOTIFIED, 7 * 24, 0,
                         false},
          Plan::Deadline{fbp::DeadlineKind::COMPLETE, fbp::DeadlineAnchor::NOTIFIED,
                         complete_hours, 0, false}};
      plan.notify = {
          Plan::Notify{fbp::NotifyTarget::HOLDERS, fbp::CustodyDepth::WHOLESALE, 7 * 24, 0},
          Plan::Notify{fbp::NotifyTarget::PRODUCER, fbp::CustodyDepth::WHOLESALE, 7 * 24, 0}};
      plan.closing.all_acknowledged = true;
      plan.closing.reconciled = false;
      plan.closing.min_accounted_ppm = 0;
      plan.closing.disposal_evidence = false;
      plan.closing.summary = true;  // progress is reported once, at close
      plan.closing.regulator_review = false;
      plan.notes = {"progress reported at close; close on corrected labels"};
    }
  }

 private:
  // ---- lots ------------------------------------------------------------------------------

  void CheckLot(const CheckContext& ctx, const fb::LotRegistration& lot, const Params& p,
                Verdict& v) const {
    const auto* attrs = lot.attributes();
    const fb::LotRef* ref = lot.lot();
    if (ref != nullptr && ref->scheme() == fb::IdScheme::GTIN) {
      if (std::string e = codes::Gtin14Error(plugin::View(ref->product())); !e.empty()) {
        v.Reject("R-DT-0", "gtin_invalid", "lot.product", e);
      }
    }
    auto type_name = Str(attrs, "product_type");
    if (!type_name) {
      v.Reject("R-DT-0", "product_type_missing", "attributes.product_type",
               "a diamond-tools lot needs its product_type (e.g. sintered_saw_blade, segment)");
      return;
    }
    const ProductType* type = FindType(*type_name);
    if (type == nullptr) {
      v.Reject("R-DT-0", "product_type_unknown", "attributes.product_type",
               "product_type '" + std::string(*type_name) + "' is not a diamond-tools type");
      return;
    }
    if (HasMos(*type)) CheckMarking(ctx, lot, *type, p, v);
    CheckLineage(ctx, lot, *type, v);
    CheckShelfLifeStated(lot, v);
  }

  // R-DT-MK, R-DT-MOS, and R-DT-5 against a product-family type test.
  void CheckMarking(const CheckContext& ctx, const fb::LotRegistration& lot,
                    const ProductType& type, const Params& p, Verdict& v) const {
    const auto* attrs = lot.attributes();
    auto diameter = Num(attrs, "diameter_mm");
    auto mos = Num(attrs, "max_speed_ms");
    auto rpm = Num(attrs, "max_rpm");
    if (!diameter || *diameter <= 0) {
      v.Reject("R-DT-MK", "diameter_missing", "attributes.diameter_mm",
               "a " + std::string(type.name) + " lot needs its diameter (diameter_mm)");
    }
    if (!mos || *mos <= 0) {
      v.Reject("R-DT-MK", "mos_missing", "attributes.max_speed_ms",
               "a " + std::string(type.name) +
                   " lot needs its maximum operating speed marking in m/s (max_speed_ms)");
    }
    if (!rpm || *rpm <= 0) {
      v.Reject("R-DT-MK", "mos_rpm_missing", "attributes.max_rpm",
               "a " + std::string(type.name) +
                   " lot needs its maximum operating speed marking in rpm (max_rpm)");
    }
    if (type.family == Family::kSawBlade && Flag(attrs, "direction_arrow") != true) {
      v.Reject("R-DT-MK", "direction_arrow_missing", "attributes.direction_arrow",
               "a saw blade is marked with its direction of rotation (direction_arrow=true)");
    }
    if (diameter && mos && rpm && *diameter > 0 && *mos > 0 && *rpm > 0) {
      // rpm = v[m/s] x 60000 / (pi x D[mm]); all three in thousandths.
      double expected = static_cast<double>(*mos) * 60000.0 / (kPi * static_cast<double>(*diameter));
      double marked = static_cast<double>(*rpm) / 1000.0;
      double tolerance = expected * static_cast<double>(p.mos_rpm_tolerance_pct) / 100'000.0;
      if (std::fabs(marked - expected) > tolerance) {
        // The speed the marked rpm really gives at this diameter, in m/s.
        double actual = marked * kPi * static_cast<double>(*diameter) / 1000.0 / 60000.0;
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "max_rpm %s does not match %s m/s at %s mm: %s m/s is %.0f rpm "
                      "(+/-%s %%), %s rpm is %.0f m/s",
                      Milli(*rpm).c_str(), Milli(*mos).c_str(), Milli(*diameter).c_str(),
                      Milli(*mos).c_str(), expected, Milli(p.mos_rpm_tolerance_pct).c_str(),
                      Milli(*rpm).c_str(), actual);
        v.Reject("R-DT-MOS", "mos_rpm_mismatch", "attributes.max_rpm", buf);
      }
    }
    if (mos && *mos > 0 && lot.lot() != nullptr) {
      // A family type test below factor x MOS means this marking was never
      // tested: refuse the lot now rather than at its first shipment.
      TestEvidence family;
      CollectTests(ctx.CertificatesOfProduct(lot.lot()->scheme(), plugin::View(lot.lot()->product())),
                   Micros(lot.production_time()), &family);
      int64_t required = RequiredSpeed(*mos, p);
      if (family.any && family.best_speed < required) {
        v.Reject("R-DT-5", "mos_above_tested_speed", "attributes.max_speed_ms",
                 "marked " + Milli(*mos) + " m/s but the family's rotation test " +
                     family.best_id + " reached " + Milli(family.best_speed) + " m/s; " +
                     Milli(p.rotation_test_factor) + " x MOS needs " + Milli(required) + " m/s");
      }
    }
  }

  // R-DT-1, R-DT-2, R-DT-3.
  void CheckLineage(const CheckContext& ctx, const fb::LotRegistration& lot,
                    const ProductType& type, Verdict& v) const {
    const auto* attrs = lot.attributes();
    const fbp::InputList* inputs = ctx.Inputs(lot.lot());
    bool has_segment = false, has_original = false;
    if (inputs != nullptr && inputs->inputs() != nullptr) {
      for (const fbp::InputLot* in : *inputs->inputs()) {
        const fbp::LotInfo* info = in->lot();
        if (info == nullptr) continue;
        auto in_type = Str(info->attributes(), "product_type");
        if (in->kind() == fb::EdgeKind::COMPOSED_OF && in_type == std::string_view("segment")) {
          has_segment = true;
        }
        if (in->kind() == fb::EdgeKind::RECONDITIONED_FROM) has_original = true;
        if (in->kind() == fb::EdgeKind::LABELLED_WITH) CheckLabel(lot, *info, v);
      }
    }
    bool reconditioned = Flag(attrs, "reconditioned") == true || has_original;
    if (type.segmented && !has_segment) {
      v.Reject(reconditioned ? "R-DT-3" : "R-DT-1",
               reconditioned ? "retip_segments_missing" : "segment_lineage_missing", "inputs",
               "a " + std::string(type.name) +
                   (reconditioned ? " re-tip needs its new segment lots as composed_of inputs"
                                  : " lot needs its segment lot(s) as composed_of inputs"));
    }
    if (reconditioned && !has_original) {
      v.Reject("R-DT-3", "reconditioned_core_missing", "inputs",
               "a reconditioned blade names its original core or blade lot (reconditioned_from)");
    }

    // Furnace runs: the lot names the run window; the window must be a run
    // the furnace's owner recorded, and the lot cannot predate it.
    const auto* units = lot.units();
    if (type.furnace_run && (units == nullptr || units->size() == 0)) {
      v.Reject("R-DT-1", "furnace_run_missing", "units",
               "a " + std::string(type.name) + " lot names the " +
                   (type.family == Family::kSegment ? "sinter" : "braze") +
                   " furnace run it was made in (units: furnace@start,end)");
    }
    if (units == nullptr) return;
    for (size_t i = 0; i < units->size(); ++i) {
      const fb::UnitUse* use = units->Get(i);
      std::string field = "units[" + std::to_string(i) + "]";
      std::string unit_id(plugin::View(use->unit()));
      int64_t start = Micros(use->start()), end = Micros(use->end());
      const fbp::UnitInfo* unit = ctx.Unit(ctx.signer(), unit_id, start, end);
      if (unit == nullptr) {
        v.Reject("R-DT-1", "furnace_unknown", field,
                 "unit " + unit_id + " is not a registered unit of " + std::string(ctx.signer()));
        continue;
      }
      bool inside = false;
      if (unit->events() != nullptr) {
        for (const fbp::UnitEventInfo* e : *unit->events()) {
          if (e->kind() != fb::UnitEventKind::PROCESS_RUN) continue;
          int64_t run_end = e->end() != 0 ? e->end() : e->start();
          if (e->start() <= start && end <= run_end) inside = true;
        }
      }
      if (!inside) {
        v.Reject("R-DT-1", "furnace_window_outside_run", field,
                 unit_id + " " + LocalTime(start) + " - " + LocalTime(end) +
                     " is not inside a process run recorded on that furnace");
      }
      if (Micros(lot.production_time()) < start) {
        v.Reject("R-DT-1", "produced_before_run", "production_time",
                 "produced " + LocalTime(Micros(lot.production_time())) + ", before its " +
                     unit_id + " run started at " + LocalTime(start));
      }
    }
  }

  // R-DT-2: the label lot's MOS equals the blade's.
  static void CheckLabel(const fb::LotRegistration& lot, const fbp::LotInfo& label, Verdict& v) {
    const auto* attrs = lot.attributes();
    for (std::string_view key : {std::string_view("max_speed_ms"), std::string_view("max_rpm")}) {
      auto on_label = Num(label.attributes(), key);
      auto on_lot = Num(attrs, key);
      if (on_label && on_lot && *on_label != *on_lot) {
        v.Reject("R-DT-2", "label_mos_mismatch", "inputs",
                 "label lot " + LotText(label.lot()) + " prints " + std::string(key) + " " +
                     Milli(*on_label) + " but the lot is marked " + Milli(*on_lot));
      }
    }
  }

  // R-DT-4: resin and vitrified bonds age; the lot states until when.
  static void CheckShelfLifeStated(const fb::LotRegistration& lot, Verdict& v) {
    auto bond = Str(lot.attributes(), "bond");
    if (!bond || (*bond != "B" && *bond != "V")) return;
    if (!Time(lot.attributes(), "shelf_life_expiry")) {
      v.Reject("R-DT-4", "shelf_life_missing", "attributes.shelf_life_expiry",
               "a " + std::string(*bond == "B" ? "resin" : "vitrified") +
                   "-bonded lot states its shelf_life_expiry (a time)");
    }
  }

  // ---- shipments and sales -----------------------------------------------------------------

  // The stated event time (the shipment or sale date); the host's time when
  // the signer states none.
  static int64_t EventTime(const CheckContext& ctx) {
    return ctx.event_time() != 0 ? ctx.event_time() : ctx.record_time();
  }

  void CheckShipment(const CheckContext& ctx, const fb::Shipment& s, const Params& p,
                     Verdict& v) const {
    if (s.items() == nullptr) return;
    const int64_t t = EventTime(ctx);
    for (size_t i = 0; i < s.items()->size(); ++i) {
      const fb::LotRef* ref = s.items()->Get(i)->lot();
      const fbp::LotInfo* lot = ctx.Lot(ref);
      if (lot == nullptr || plugin::View(lot->sector()) != kSector) continue;
      // Goods going back to their maker (returns, recall recoveries) are
      // leaving the market, which is what these rules want.
      if (plugin::View(s.to()) == plugin::View(lot->producer())) continue;
      std::string field = "items[" + std::to_string(i) + "]";
      CheckShelfLife(*lot, t, "shipped", field, v);
      CheckSafetyTests(ctx, *lot, ref, t, field, v);
      auto type = Str(lot->attributes(), "product_type");
      const ProductType* pt = type ? FindType(*type) : nullptr;
      auto mos = Num(lot->attributes(), "max_speed_ms");
      if (pt == nullptr || !HasMos(*pt) || !mos) continue;
      TestEvidence tests;
      CollectTests(ctx.CertificatesOfLot(ref), t, &tests);
      CollectTests(ctx.CertificatesOfProduct(ref->scheme(), plugin::View(ref->product())), t,
                   &tests);
      int64_t required = RequiredSpeed(*mos, p);
      if (!tests.any) {
        v.Reject("R-DT-5", "rotation_test_missing", field,
                 LotText(ref) + " (MOS " + Milli(*mos) +
                     " m/s) has no passing rotation test in force on " + LocalTime(t));
      } else if (tests.best_speed < required) {
        v.Reject("R-DT-5", "mos_above_tested_speed", field,
                 LotText(ref) + " is marked " + Milli(*mos) + " m/s but rotation test " +
                     tests.best_id + " reached only " + Milli(tests.best_speed) + " m/s; " +
                     Milli(p.rotation_test_factor) + " x MOS needs " + Milli(required) + " m/s");
      }
    }
  }

  void CheckSale(const CheckContext& ctx, const fb::Disposition& d, Verdict& v) const {
    if (d.kind() != fb::DispositionKind::SOLD || d.items() == nullptr) return;
    const int64_t t = EventTime(ctx);
    for (size_t i = 0; i < d.items()->size(); ++i) {
      const fbp::LotInfo* lot = ctx.Lot(d.items()->Get(i)->lot());
      if (lot == nullptr || plugin::View(lot->sector()) != kSector) continue;
      CheckShelfLife(*lot, t, "sold", "items[" + std::to_string(i) + "]", v);
    }
  }

  static void CheckShelfLife(const fbp::LotInfo& lot, int64_t t, std::string_view what,
                             const std::string& field, Verdict& v) {
    auto expiry = Time(lot.attributes(), "shelf_life_expiry");
    if (expiry && t > *expiry) {
      v.Reject("R-DT-4", "shelf_life_expired", field,
               LotText(lot.lot()) + " is past its shelf life (" + LocalTime(*expiry) +
                   ") and may not be " + std::string(what) + " on " + LocalTime(t));
    }
  }

  // GB/T 43134: a failed rotation, hardness, segment-bond or tension test on
  // the lot, inspected before the shipment, keeps it in the factory.
  static void CheckSafetyTests(const CheckContext& ctx, const fbp::LotInfo& lot,
                               const fb::LotRef* ref, int64_t t, const std::string& field,
                               Verdict& v) {
    const fbp::InspectionList* list = ctx.Inspections(ref);
    if (list == nullptr || list->inspections() == nullptr) return;
    for (const fbp::InspectionInfo* in : *list->inspections()) {
      if (in->pass() || in->time() > t || !IsSafetyTest(plugin::View(in->kind()))) continue;
      v.Reject("R-DT-5", "safety_test_failed", field,
               LotText(lot.lot()) + " failed its " + std::string(plugin::View(in->kind())) +
                   " (" + std::string(plugin::View(in->inspection_id())) + ")");
    }
  }

  // ---- certificates --------------------------------------------------------------------------

  // A rotation test states the speed it was run at and its result; a pass
  // that does not cover factor x MOS is kept (it is what the lab measured)
  // with a note, and R-DT-5 keeps the lot from shipping on it.
  void CheckCertificate(const CheckContext& ctx, const fb::Certificate& c, const Params& p,
                        Verdict& v) const {
    if (!IsRotationTest(plugin::View(c.kind()))) return;
    auto speed = Num(c.attributes(), "tested_speed_ms");
    if (!speed || *speed <= 0) {
      v.Reject("R-DT-5", "tested_speed_missing", "attributes.tested_speed_ms",
               "a rotation_test certificate states the test speed in m/s (tested_speed_ms)");
    }
    auto result = Str(c.attributes(), "result");
    if (result != std::string_view("pass") && result != std::string_view("fail")) {
      v.Reject("R-DT-5", "rotation_test_result_missing", "attributes.result",
               "a rotation_test certificate states result=pass or result=fail");
    }
    if (!speed || result != std::string_view("pass") || c.subject_lot() == nullptr) return;
    const fbp::LotInfo* lot = ctx.Lot(c.subject_lot());
    if (lot == nullptr) return;
    auto mos = Num(lot->attributes(), "max_speed_ms");
    if (mos && *speed < RequiredSpeed(*mos, p)) {
      v.Note("rotation test at " + Milli(*speed) + " m/s is below " +
             Milli(p.rotation_test_factor) + " x the lot's MOS " + Milli(*mos) +
             " m/s: the lot cannot ship on it");
    }
  }
};

}  // namespace

QTRACE_PLUGIN(DiamondTools);
