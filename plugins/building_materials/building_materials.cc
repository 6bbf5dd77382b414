// building_materials: the qtrace sector plugin for building materials
// (sector-rules.md section 2): cement and ready-mix concrete, steel pipes,
// fittings and rebar, energy-saving materials, leaf springs.
//
// What a record must satisfy (rule ids as in Describe):
//   R-BM-0   a lot names its material and carries that material's fields
//            (section 2(a)): standard, grade, heat numbers, ...
//   R-BM-2   a cement lot's strength grade is one its type allows under
//            GB 175; from GB 175-2023's entry into force (2024-06-01) cement
//            is made to GB 175-2023 and P·C 32.5/32.5R no longer exist.
//   R-BM-3   a cement lot ships only with its 28-day strength report, a
//            certificate or inspection on the lot dated at or before the
//            shipment's event time, and never with a failing one; a 28-day
//            report cannot be dated before the lot is 28 days old.
//   R-BM-5   a steel-pipe lot is one heat: every input heat equals the lot's
//            (unless its product standard allows mixed heats).
//   R-BM-6   a fitting lot carries the heat of the pipe or plate it was made
//            from (source_heat_no) and that source's grade; a mill test
//            certificate names the heat the product carries.
//   R-BM-8   a green-building-material star label needs a certificate in
//            force on the production date granting at least that level.
//   R-BM-XK  a lot of an XK-catalogue material (cement, rebar) names the
//            producer's XK production licence, valid at the production time
//            (not at shipment: section 0.3.7, scenario 2(e)4).
//   R-BM-R   a recall order's level is A, B or C (section 2(d)).
// Recalls: PlanRecall returns the levels of section 2(d) as data.
//
// Everything tagged [M] in the rules file is a rule parameter (Describe's
// params) read from the sector's current RuleParameters set, with the
// documented default.
#include <algorithm>
#include <array>
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

constexpr int64_t kMicrosPerDay = 86'400'000'000;
// 2024-06-01T00:00:00+08:00, GB 175-2023 in force.
constexpr int64_t kGb175_2023InForce = 1'717'171'200'000'000;

// ---- small text and time helpers ------------------------------------------------

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "a, b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = Trim(s.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// A code with only its ASCII letters and digits, upper-cased: "P·O" and
// "P.O" are both "PO", "GB 175-2023" is "GB1752023".
std::string AsciiAlnum(std::string_view s) {
  std::string out;
  for (char c : s) {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) out.push_back(c);
    if (c >= 'a' && c <= 'z') out.push_back(static_cast<char>(c - 'a' + 'A'));
  }
  return out;
}

// The date of `micros` in the UTC offset (civil-from-days, H. Hinnant).
std::string Date(int64_t micros, int offset_minutes = 480) {
  int64_t secs = micros / 1'000'000 + int64_t{offset_minutes} * 60;
  int64_t z = (secs >= 0 ? secs : secs - 86'399) / 86'400 + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  int64_t doe = z - era * 146'097;
  int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

// value x 10^-3 as text without trailing zeros ("48.6").
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

// ---- attributes ------------------------------------------------------------------------

// A text attribute; INT and DECIMAL values are rendered ("42.5"), so a grade
// typed as a number still reads as the grade.
std::optional<std::string> Text(const plugin::AttrList* attrs, std::string_view key) {
  const fb::Attr* a = plugin::FindAttr(attrs, key);
  if (a == nullptr) return std::nullopt;
  if (auto s = plugin::AttrString(a)) {
    std::string_view t = Trim(*s);
    if (t.empty()) return std::nullopt;
    return std::string(t);
  }
  if (auto v = plugin::AttrScaled(a, 3)) return Milli(*v);
  return std::nullopt;
}

// The heats a lot carries: heat_no (fittings: source_heat_no), a comma list
// when heats are mixed.
std::vector<std::string> Heats(const plugin::AttrList* attrs) {
  auto h = Text(attrs, "heat_no");
  if (!h) h = Text(attrs, "source_heat_no");
  return h ? SplitList(*h) : std::vector<std::string>{};
}

// ---- rule parameters -----------------------------------------------------------------

class Params {
 public:
  explicit Params(const fbp::ParamSet* set) : set_(set) {}
  int64_t Int(std::string_view key, int64_t fallback) const {
    const fb::Attr* a = Find(key);
    if (a != nullptr && (a->type() == fb::AttrType::INT || a->type() == fb::AttrType::TIME)) {
      return a->num();
    }
    if (a != nullptr && a->type() == fb::AttrType::BOOL) return a->flag() ? 1 : 0;
    if (auto v = plugin::AttrScaled(a, 0)) return *v;
    return fallback;
  }
  std::string Str(std::string_view key, std::string_view fallback) const {
    if (auto s = plugin::AttrString(Find(key))) return std::string(*s);
    return std::string(fallback);
  }
  std::vector<std::string> List(std::string_view key, std::string_view fallback) const {
    return SplitList(Str(key, fallback));
  }

 private:
  const fb::Attr* Find(std::string_view key) const {
    return set_ != nullptr ? plugin::FindAttr(set_->params(), key) : nullptr;
  }
  const fbp::ParamSet* set_;  // OWNERSHIP: host; valid during the call
};

// Defaults of the parameters (Describe documents them).
constexpr std::string_view kGradesPortland = "42.5,42.5R,52.5,52.5R,62.5,62.5R";
constexpr std::string_view kGradesBlended = "32.5,32.5R,42.5,42.5R,52.5,52.5R";
constexpr std::string_view kGradesComposite = "42.5,42.5R,52.5,52.5R";
constexpr std::string_view kReportKinds = "strength_report_28d,strength_28d";
constexpr std::string_view kXkMaterials = "cement,rebar";

// ---- materials -------------------------------------------------------------------------

struct Material {
  std::string_view name;
  std::array<std::string_view, 3> required;  // besides `material`; "" = none
};

// Constant data only: nothing to construct at load or destroy at unload.
constexpr std::array<Material, 14> kMaterials{{
    {"cement", {"product_standard", "cement_type", "strength_grade"}},
    {"concrete", {"product_standard", "strength_class"}},
    {"steel", {"product_standard", "grade_designation", "heat_no"}},
    {"steel_pipe", {"product_standard", "grade_designation", "heat_no"}},
    {"rebar", {"product_standard", "grade_designation", "heat_no"}},
    {"fitting", {"product_standard", "grade_designation", "source_heat_no"}},
    {"leaf_spring", {"product_standard", "spring_steel_grade"}},
    {"energy_saving", {"product_standard"}},
    {"clinker", {}},
    {"gypsum", {}},
    {"scm", {}},
    {"aggregate", {}},
    {"admixture", {}},
    {"other", {}},
}};

const Material* FindMaterial(std::string_view name) {
  for (const auto& m : kMaterials) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

// GB 175 cement type families, by their code's letters ("P·S·A" -> "PSA").
enum class CementFamily { kPortland, kBlended, kComposite, kUnknown };
CementFamily FamilyOf(std::string_view type_code) {
  std::string t = AsciiAlnum(type_code);
  if (t == "PI" || t == "PII" || t == "PO") return CementFamily::kPortland;
  if (t == "PS" || t == "PSA" || t == "PSB" || t == "PP" || t == "PF") return CementFamily::kBlended;
  if (t == "PC") return CementFamily::kComposite;
  return CementFamily::kUnknown;
}

// The nominal 28-day compressive strength of a grade in MPa x 10^3
// ("42.5R" -> 42500); nullopt when the grade does not start with a number.
std::optional<int64_t> GradeMilli(std::string_view grade) {
  int64_t whole = 0, frac = 0, scale = 1;
  size_t i = 0;
  bool any = false;
  for (; i < grade.size() && grade[i] >= '0' && grade[i] <= '9'; ++i, any = true) {
    whole = whole * 10 + (grade[i] - '0');
  }
  if (i < grade.size() && grade[i] == '.') {
    for (++i; i < grade.size() && grade[i] >= '0' && grade[i] <= '9' && scale < 1000; ++i) {
      frac = frac * 10 + (grade[i] - '0');
      scale *= 10;
    }
  }
  if (!any || whole > 1000) return std::nullopt;
  return whole * 1000 + frac * (1000 / scale);
}

// "GB 175-2023" -> 2023, "GB175" -> 0; nullopt when it is not GB 175.
std::optional<int> Gb175Year(std::string_view standard) {
  std::string s = Upper(standard);
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  if (s.rfind("GB175", 0) != 0) return std::nullopt;
  std::string_view rest = std::string_view(s).substr(5);
  if (rest.empty()) return 0;
  if (rest[0] != '-') return std::nullopt;  // GB 1750... is another standard
  rest.remove_prefix(1);
  if (rest.size() < 4 || !codes::AllDigits(rest.substr(0, 4))) return 0;
  return std::stoi(std::string(rest.substr(0, 4)));
}

// The status of a certificate at time t from its history (VALID when none).
fb::CertStatus StatusAt(const fbp::CertificateInfo* c, int64_t t) {
  fb::CertStatus status = fb::CertStatus::VALID;
  if (c->history() == nullptr) return status;
  for (const fbp::CertStatusInfo* h : *c->history()) {
    if (h->effective() <= t) status = h->status();
  }
  return status;
}
bool InForce(fb::CertStatus s) {
  return s == fb::CertStatus::VALID || s == fb::CertStatus::REINSTATED;
}
std::string StatusName(fb::CertStatus s) {
  switch (s) {
    case fb::CertStatus::SUSPENDED: return "suspended";
    case fb::CertStatus::REVOKED: return "revoked";
    case fb::CertStatus::CANCELLED: return "cancelled";
    default: return "valid";
  }
}

// An XK number without its "(省)" prefix, so "(鄂)XK08-001-00123" and
// "XK08-001-00123" name the same licence.
std::string_view XkCore(std::string_view number) {
  size_t x = number.find("XK");
  return x == std::string_view::npos ? number : number.substr(x);
}

bool IsMtcKind(std::string_view kind) {
  return kind == "mtc" || kind.rfind("mtc_", 0) == 0 || kind == "mill_test_certificate";
}

// ---- the plugin ------------------------------------------------------------------------

class BuildingMaterials final : public plugin::Plugin {
 public:
  static constexpr plugin::Info kInfo{
      .name = "building_materials",
      .version = "1.0.0",
      .rule_set = "building-materials/2026.1",
      .min_host_version = "0.1.0",
      .sectors = {"building_materials"},
      .records = {fb::Body::LotRegistration, fb::Body::Shipment, fb::Body::Certificate,
                  fb::Body::RecallOrder},
      .plan_recall = true};

  void Describe(plugin::Description& d) const override {
    std::vector<std::string> materials;
    for (const auto& m : kMaterials) materials.emplace_back(m.name);
    d.Attribute("material").Required().Allowed(materials).Doc(
        "what the lot is; decides which fields below are required");
    d.Attribute("product_standard").Doc(
        "standard number and year, e.g. GB 175-2023, GB/T 8163-2018 (all but raw inputs)");
    d.Attribute("grade_designation").Doc("steel grade, e.g. Q355B, 20# (steel, pipes, fittings, rebar)");
    d.Attribute("heat_no").Doc("heat (炉号) of the steel; a comma list only where mixing is allowed");
    d.Attribute("source_heat_no").Doc("fittings: heat transferred from the source pipe or plate");
    d.Attribute("cement_type")
        .Allowed({"P·I", "P·II", "P·O", "P·S·A", "P·S·B", "P·P", "P·F", "P·C"})
        .Doc("GB 175 cement type (required for cement)");
    d.Attribute("strength_grade").Doc("cement strength grade, e.g. 42.5 or 42.5R (required for cement)");
    d.Attribute("strength_3d_mpa", fb::AttrType::DECIMAL).Unit("MPa").Doc("3-day compressive strength");
    d.Attribute("strength_class").Doc("concrete strength class, e.g. C30 (required for concrete)");
    d.Attribute("xk_licence_no").Doc(
        "the producer's XK production licence, e.g. (鄂)XK08-001-00123 (XK materials: cement, rebar)");
    d.Attribute("spring_steel_grade").Doc("GB/T 1222 spring steel, e.g. 50CrVA (leaf springs)");
    d.Attribute("strength_28d_mpa", fb::AttrType::DECIMAL)
        .For("certificate")
        .Unit("MPa")
        .Doc("28-day compressive strength on a strength_report_28d certificate");
    d.Attribute("result").For("certificate").Allowed({"pass", "fail"}).Doc(
        "overall result of a strength report");
    d.Attribute("heat_no").For("certificate").Doc("heat a mill test certificate (kind mtc) covers");
    d.Attribute("green_bm_cert").Doc("green-building-material certificate behind a star label");
    d.Attribute("green_bm_star", fb::AttrType::INT).Range(1, 3).Doc("star level on the label");
    d.Attribute("star", fb::AttrType::INT)
        .For("certificate")
        .Range(1, 3)
        .Doc("star level a green_building_material certificate grants");

    d.Rule("R-BM-0", "a lot names its material and carries that material's required fields",
           "sector-rules.md 2(a)");
    d.Rule("R-BM-2", "cement strength grade allowed for its type; GB 175-2023 from its entry into force",
           "GB 175-2023");
    d.Rule("R-BM-3",
           "cement ships only with a passing 28-day strength report dated at or before the shipment",
           "GB 175-2023 [M]");
    d.Rule("R-BM-5", "a steel-pipe lot is one heat unless its standard allows mixing", "GB/T 2102 [D]");
    d.Rule("R-BM-6", "a fitting carries its source's heat and grade; the MTC heat is the product's",
           "EN 10204 / GB/T 18253 [M]");
    d.Rule("R-BM-XK", "XK-catalogue materials name the producer's XK licence, valid at production",
           "工业产品生产许可证 [S17, S18]");
    d.Rule("R-BM-8", "a green-building-material star label needs a certificate in force at "
           "production with that star level", "绿色建材产品分级认证 [S24]");
    d.Rule("R-BM-R", "building-materials recall levels are A, B and C", "sector-rules.md 2(d) [D]");

    d.Param("ship_requires_28d_report", fb::AttrType::INT, 1,
            "1: cement ships only with its 28-day report; 0: early dispatch, report back-filled "
            "(R-BM-3 [M])");
    d.Param("strength_report_min_age_days", fb::AttrType::INT, 28,
            "a 28-day report is dated at least this many days after production");
    d.Param("strength_report_kinds", std::string(kReportKinds),
            "certificate / inspection kinds that are a 28-day strength report");
    d.Param("gb175_2023_in_force", fb::AttrType::TIME, kGb175_2023InForce,
            "from this time cement is made to GB 175-2023 (P·C 32.5 deleted)");
    d.Param("grades_portland", std::string(kGradesPortland),
            "grades of P·I / P·II / P·O (GB 175-2023 draft summary [M])");
    d.Param("grades_blended", std::string(kGradesBlended), "grades of P·S / P·P / P·F");
    d.Param("grades_composite", std::string(kGradesComposite),
            "grades of P·C under GB 175-2023 (before it, 32.5 and 32.5R too)");
    d.Param("xk_materials", std::string(kXkMaterials),
            "materials in the XK catalogue (need xk_licence_no)");
    d.Param("xk_validity_years", fb::AttrType::INT, 5,
            "validity of an XK licence recorded without an end date");
    d.Param("heat_mixing_standards", "",
            "pipe standards that allow mixed heats in a lot, comma list [M]");
    d.doc =
        "Building materials: cement is registered only with a grade its GB 175 type allows and "
        "ships only with a passing 28-day strength report; XK-catalogue materials carry a licence "
        "valid at production; steel pipes are one heat and fittings carry their source heat. "
        "Recalls: levels A (safety-critical, in-situ assessment), B (performance), C (marking).";
  }

  void CheckRecord(const CheckContext& ctx, Verdict& v) const override {
    Params params(ctx.Params());
    switch (ctx.body_type()) {
      case fb::Body::LotRegistration:
        CheckLot(ctx, params, *ctx.body<fb::LotRegistration>(), v);
        break;
      case fb::Body::Shipment:
        CheckShipment(ctx, params, *ctx.body<fb::Shipment>(), v);
        break;
      case fb::Body::Certificate:
        CheckCertificate(ctx, params, *ctx.body<fb::Certificate>(), v);
        break;
      case fb::Body::RecallOrder: {
        std::string_view level = plugin::View(ctx.body<fb::RecallOrder>()->level());
        if (LevelIndex(level) < 0) {
          v.Reject("R-BM-R", "recall_level_unknown", "level",
                   "building-materials recall level '" + std::string(level) +
                       "' is not A (safety-critical), B (performance) or C (marking)");
        }
        break;
      }
      default:
        break;
    }
  }

  void PlanRecall(const plugin::RecallContext& ctx, plugin::RecallPlan& plan) const override {
    std::string_view asked = plugin::View(ctx.request().level());
    int level = LevelIndex(asked);
    // CheckRecord refuses an order with another level before the host asks
    // for its plan, so this only serves direct calls: plan the most
    // protective level rather than none.
    const bool unknown = level < 0;
    if (unknown) level = 0;
    using fbp::CustodyDepth;
    using fbp::DeadlineAnchor;
    using fbp::DeadlineKind;
    using fbp::NotifyTarget;
    using Deadline = plugin::RecallPlan::Deadline;
    using Notify = plugin::RecallPlan::Notify;
    // Scope: cement -> ready-mix concrete -> site is composition; silos stay
    // tainted until emptied; heat-treatment runs scope springs by window.
    plan.propagate = {fb::EdgeKind::COMPOSED_OF, fb::EdgeKind::MERGED_INTO,
                      fb::EdgeKind::SPLIT_FROM, fb::EdgeKind::CONTAINED_IN,
                      fb::EdgeKind::LABELLED_WITH, fb::EdgeKind::RECONDITIONED_FROM};
    plan.through_units = true;
    plan.bulk_until_emptied = true;
    plan.serial_level = true;
    plan.public_notice = ctx.request().public_notice();
    plan.closing.summary = true;
    plan.closing.regulator_review = true;
    plan.closing.disposal_evidence = true;
    if (level == 0) {
      // A, safety-critical: stop-use notice to every consignee within 24 h,
      // down to the construction units and sites (terminal consignees);
      // the provincial SAMR within 2 working days; weekly reports; built-in
      // material is assessed in place before closing.
      plan.custody_depth = CustodyDepth::CONSUMER;
      plan.deadlines = {
          Deadline{DeadlineKind::NOTIFY, DeadlineAnchor::ORDERED, 24, 0, false},
          Deadline{DeadlineKind::ACKNOWLEDGE, DeadlineAnchor::NOTIFIED, 24, 0, false},
          Deadline{DeadlineKind::FILE_PLAN, DeadlineAnchor::ORDERED, 0, 2, false},
          Deadline{DeadlineKind::PROGRESS_REPORT, DeadlineAnchor::NOTIFIED, 7 * 24, 0, true},
          Deadline{DeadlineKind::COMPLETE, DeadlineAnchor::NOTIFIED, 0, 15, false},
          Deadline{DeadlineKind::SUMMARY, DeadlineAnchor::COMPLETED, 0, 15, false}};
      plan.notify = {Notify{NotifyTarget::CONSIGNEES, CustodyDepth::CONSUMER, 24, 0},
                     Notify{NotifyTarget::HOLDERS, CustodyDepth::CONSUMER, 24, 0},
                     Notify{NotifyTarget::PRODUCER, CustodyDepth::CONSUMER, 24, 0},
                     Notify{NotifyTarget::OEM, CustodyDepth::CONSUMER, 24, 0},
                     Notify{NotifyTarget::REGULATOR, CustodyDepth::CONSUMER, 0, 2}};
      plan.closing.in_situ_assessment = true;
      plan.notes = {
          "level A: stop-use notice within 24 h to distributors, ready-mix plants, construction "
          "units, supervisors and the quality supervision station; OEM for leaf springs",
          "report to the provincial SAMR within 2 working days on injury, death or major loss",
          "close only after in-situ assessment (core drilling / rebound, NDT) with outcome "
          "accepted_as_is, reinforced or replaced"};
    } else if (level == 1) {
      // B, performance non-conformity: direct consignees within 72 h,
      // biweekly reports; closed by replacement or a signed concession.
      plan.custody_depth = CustodyDepth::WHOLESALE;
      plan.deadlines = {
          Deadline{DeadlineKind::NOTIFY, DeadlineAnchor::ORDERED, 72, 0, false},
          Deadline{DeadlineKind::ACKNOWLEDGE, DeadlineAnchor::NOTIFIED, 72, 0, false},
          Deadline{DeadlineKind::PROGRESS_REPORT, DeadlineAnchor::NOTIFIED, 14 * 24, 0, true},
          Deadline{DeadlineKind::COMPLETE, DeadlineAnchor::NOTIFIED, 0, 15, false},
          Deadline{DeadlineKind::SUMMARY, DeadlineAnchor::COMPLETED, 0, 15, false}};
      plan.notify = {Notify{NotifyTarget::CONSIGNEES, CustodyDepth::WHOLESALE, 72, 0},
                     Notify{NotifyTarget::PRODUCER, CustodyDepth::WHOLESALE, 72, 0}};
      plan.notes = {"level B: replace, or accept by deviation with a signed concession"};
    } else {
      // C, marking / documentation: direct consignees within 7 days, one
      // report at completion. A wrong label or certificate does not make
      // what the material went into defective, so composition does not
      // carry a level C recall.
      plan.propagate = {fb::EdgeKind::MERGED_INTO, fb::EdgeKind::SPLIT_FROM,
                        fb::EdgeKind::CONTAINED_IN, fb::EdgeKind::LABELLED_WITH};
      plan.custody_depth = CustodyDepth::WHOLESALE;
      plan.deadlines = {
          Deadline{DeadlineKind::NOTIFY, DeadlineAnchor::ORDERED, 7 * 24, 0, false},
          Deadline{DeadlineKind::ACKNOWLEDGE, DeadlineAnchor::NOTIFIED, 7 * 24, 0, false},
          // 0 = no periodic report: one report at completion.
          Deadline{DeadlineKind::PROGRESS_REPORT, DeadlineAnchor::NOTIFIED, 0, 0, false},
          Deadline{DeadlineKind::COMPLETE, DeadlineAnchor::NOTIFIED, 0, 15, false},
          Deadline{DeadlineKind::SUMMARY, DeadlineAnchor::COMPLETED, 0, 15, false}};
      plan.notify = {Notify{NotifyTarget::CONSIGNEES, CustodyDepth::WHOLESALE, 7 * 24, 0},
                     Notify{NotifyTarget::CERTIFIER, CustodyDepth::WHOLESALE, 7 * 24, 0}};
      plan.notes = {"level C: corrected documents or labels re-issued"};
    }
    if (unknown) {
      plan.notes.push_back("level '" + std::string(asked) +
                           "' is not A, B or C: planned as level A");
    }
  }

 private:
  static int LevelIndex(std::string_view level) {
    if (level == "A") return 0;
    if (level == "B") return 1;
    if (level == "C") return 2;
    return -1;
  }

  // ---- lots ----

  void CheckLot(const CheckContext& ctx, const Params& params, const fb::LotRegistration& lot,
                Verdict& v) const {
    const plugin::AttrList* attrs = lot.attributes();
    auto material_name = Text(attrs, "material");
    if (!material_name) {
      v.Reject("R-BM-0", "material_missing", "attributes.material",
               "a building-materials lot names its material (cement, concrete, steel_pipe, "
               "fitting, rebar, ...)");
      return;
    }
    const Material* material = FindMaterial(*material_name);
    if (material == nullptr) {
      std::string list;
      for (const auto& m : kMaterials) list += (list.empty() ? "" : ", ") + std::string(m.name);
      v.Reject("R-BM-0", "material_unknown", "attributes.material",
               "material '" + *material_name + "' is not one of " + list);
      return;
    }
    bool complete = true;
    for (std::string_view key : material->required) {
      if (!key.empty() && !Text(attrs, key)) {
        complete = false;
        v.Reject("R-BM-0", std::string(key) + "_missing", "attributes." + std::string(key),
                 "a " + std::string(material->name) + " lot needs " + std::string(key));
      }
    }
    const int64_t produced = lot.production_time() ? lot.production_time()->micros() : 0;
    const int offset = lot.production_time() ? lot.production_time()->offset_minutes() : 480;

    if (material->name == "cement" && complete) CheckCement(params, attrs, produced, offset, v);
    if (Contains(params.List("xk_materials", kXkMaterials), material->name)) {
      CheckXk(ctx, params, attrs, produced, offset, v);
    }
    if (material->name == "steel_pipe" || material->name == "fitting") {
      CheckHeatLineage(ctx, params, lot, *material, v);
    }
    if (Text(attrs, "green_bm_cert") || Text(attrs, "green_bm_star")) {
      CheckGreenClaim(ctx, attrs, produced, offset, v);
    }
    // A mill test certificate cited by the lot names the lot's heat.
    if (lot.certificates() != nullptr) {
      for (const fb::CertRef* ref : *lot.certificates()) {
        const fbp::CertificateInfo* c = ctx.Certificate(plugin::View(ref->cert_id()));
        if (c != nullptr) CheckMtcHeat(*c, attrs, FormatLot(lot.lot()), v);
      }
    }
  }

  // R-BM-2: the grade its type allows, under the standard in force.
  void CheckCement(const Params& params, const plugin::AttrList* attrs, int64_t produced,
                   int offset, Verdict& v) const {
    std::string type = *Text(attrs, "cement_type");
    std::string grade = Upper(*Text(attrs, "strength_grade"));
    std::string standard = *Text(attrs, "product_standard");
    const int64_t in_force = params.Int("gb175_2023_in_force", kGb175_2023InForce);
    const bool gb2023 = produced >= in_force;

    auto year = Gb175Year(standard);
    if (!year) {
      v.Reject("R-BM-2", "cement_standard_mismatch", "attributes.product_standard",
               "cement type " + type + " is defined by GB 175, not by '" + standard + "'");
    } else if (gb2023 && *year != 0 && *year < 2023) {
      v.Reject("R-BM-2", "cement_standard_superseded", "attributes.product_standard",
               "cement produced on " + Date(produced, offset) + " must be made to GB 175-2023 " +
                   "(in force since " + Date(in_force, offset) + "), not " + standard);
    }

    std::vector<std::string> allowed;
    switch (FamilyOf(type)) {
      case CementFamily::kPortland:
        allowed = params.List("grades_portland", kGradesPortland);
        break;
      case CementFamily::kBlended:
        allowed = params.List("grades_blended", kGradesBlended);
        break;
      case CementFamily::kComposite:
        allowed = params.List("grades_composite", kGradesComposite);
        // GB 175-2007 still had the composite 32.5 grades.
        if (!gb2023) allowed.insert(allowed.begin(), {"32.5", "32.5R"});
        break;
      case CementFamily::kUnknown:
        v.Reject("R-BM-2", "cement_type_unknown", "attributes.cement_type",
                 "cement type '" + type + "' is not a GB 175 type (P·I, P·II, P·O, P·S·A, " +
                     "P·S·B, P·P, P·F, P·C)");
        return;
    }
    for (auto& g : allowed) g = Upper(g);
    if (!Contains(allowed, grade)) {
      std::string list;
      for (const auto& g : allowed) list += (list.empty() ? "" : ", ") + g;
      v.Reject("R-BM-2", "strength_grade_not_allowed", "attributes.strength_grade",
               "strength grade " + grade + " is not allowed for " + type + " cement under GB 175" +
                   (gb2023 ? "-2023" : "") + " (allowed: " + list + ")");
    }
  }

  // R-BM-XK: the licence the lot names is the producer's and valid when the
  // lot was produced.
  void CheckXk(const CheckContext& ctx, const Params& params, const plugin::AttrList* attrs,
               int64_t produced, int offset, Verdict& v) const {
    auto number = Text(attrs, "xk_licence_no");
    if (!number) {
      v.Reject("R-BM-XK", "xk_licence_missing", "attributes.xk_licence_no",
               "this material is in the XK catalogue: the lot needs the producer's XK licence "
               "number (xk_licence_no)");
      return;
    }
    if (std::string e = codes::XkLicenceError(*number); !e.empty()) {
      v.Reject("R-BM-XK", "xk_licence_malformed", "attributes.xk_licence_no", e);
      return;
    }
    std::string_view producer = ctx.signer();
    std::string_view core = XkCore(*number);
    // The licence is in the producer's registration, or a certificate of
    // kind xk_licence on the producer (which can be suspended or revoked).
    std::optional<int64_t> from, to;
    const fbp::CertificateInfo* cert = nullptr;
    if (const fbp::PartyInfo* party = ctx.Party(producer); party && party->licences()) {
      for (const fb::Licence* l : *party->licences()) {
        if (Upper(plugin::View(l->kind())) == "XK" && XkCore(plugin::View(l->number())) == core) {
          from = l->valid_from() ? l->valid_from()->micros() : 0;
          to = l->valid_to() ? l->valid_to()->micros() : 0;
        }
      }
    }
    if (!from) {
      if (const fbp::CertificateList* list = ctx.CertificatesOfParty(producer);
          list && list->certificates()) {
        for (const fbp::CertificateInfo* c : *list->certificates()) {
          if (plugin::View(c->kind()) == "xk_licence" && XkCore(plugin::View(c->cert_id())) == core) {
            cert = c;
            from = c->valid_from();
            to = c->valid_to();
          }
        }
      }
    }
    if (!from) {
      v.Reject("R-BM-XK", "xk_licence_not_held", "attributes.xk_licence_no",
               "producer " + std::string(producer) + " holds no XK licence " + std::string(core));
      return;
    }
    // A licence recorded with a start but no end runs its statutory term.
    if (*to == 0 && *from != 0) {
      *to = *from + params.Int("xk_validity_years", 5) * 36'525 * (kMicrosPerDay / 100);
    }
    if (*from != 0 && produced < *from) {
      v.Reject("R-BM-XK", "xk_licence_not_yet_valid", "attributes.xk_licence_no",
               "XK licence " + std::string(core) + " is valid from " + Date(*from, offset) +
                   "; the lot was produced on " + Date(produced, offset));
    } else if (*to != 0 && produced >= *to) {
      v.Reject("R-BM-XK", "xk_licence_expired", "attributes.xk_licence_no",
               "XK licence " + std::string(core) + " expired on " + Date(*to, offset) +
                   "; the lot was produced on " + Date(produced, offset));
    } else if (cert != nullptr && !InForce(StatusAt(cert, produced))) {
      v.Reject("R-BM-XK", "xk_licence_not_in_force", "attributes.xk_licence_no",
               "XK licence " + std::string(core) + " was " + StatusName(StatusAt(cert, produced)) +
                   " when the lot was produced on " + Date(produced, offset));
    }
  }

  // R-BM-8: a green-building-material claim (star level on the label) needs
  // a certificate in force on the production date with at least that star
  // level.
  void CheckGreenClaim(const CheckContext& ctx, const plugin::AttrList* attrs, int64_t produced,
                       int offset, Verdict& v) const {
    auto cert_id = Text(attrs, "green_bm_cert");
    if (!cert_id) {
      v.Reject("R-BM-8", "green_bm_cert_missing", "attributes.green_bm_cert",
               "a lot labelled with a green-building-material star level names its certificate "
               "(green_bm_cert)");
      return;
    }
    const fbp::CertificateInfo* c = ctx.Certificate(*cert_id);
    if (c == nullptr || plugin::View(c->kind()) != "green_building_material") {
      v.Reject("R-BM-8", "green_bm_cert_unknown", "attributes.green_bm_cert",
               "green-building-material certificate " + *cert_id + " is not on record");
      return;
    }
    if (produced < c->valid_from() || (c->valid_to() != 0 && produced >= c->valid_to())) {
      v.Reject("R-BM-8", "green_bm_cert_expired", "attributes.green_bm_cert",
               "green-building-material certificate " + *cert_id + " is valid " +
                   Date(c->valid_from(), offset) + " to " +
                   (c->valid_to() ? Date(c->valid_to(), offset) : "open") +
                   "; the lot was produced on " + Date(produced, offset));
      return;
    }
    if (fb::CertStatus st = StatusAt(c, produced); !InForce(st)) {
      v.Reject("R-BM-8", "green_bm_cert_not_in_force", "attributes.green_bm_cert",
               "green-building-material certificate " + *cert_id + " was " + StatusName(st) +
                   " when the lot was produced on " + Date(produced, offset) +
                   "; it may not carry the star label");
      return;
    }
    auto label = plugin::AttrScaled(plugin::FindAttr(attrs, "green_bm_star"), 0);
    auto certified = plugin::AttrScaled(plugin::FindAttr(c->attributes(), "star"), 0);
    if (label && certified && *label > *certified) {
      v.Reject("R-BM-8", "green_bm_star_exceeds_cert", "attributes.green_bm_star",
               "the lot is labelled " + std::to_string(*label) + " stars but certificate " +
                   *cert_id + " certifies " + std::to_string(*certified));
    }
  }

  // R-BM-5 / R-BM-6: heats along the pipe -> fitting lineage.
  void CheckHeatLineage(const CheckContext& ctx, const Params& params,
                        const fb::LotRegistration& lot, const Material& material,
                        Verdict& v) const {
    const plugin::AttrList* attrs = lot.attributes();
    std::vector<std::string> heats = Heats(attrs);
    if (heats.empty()) return;  // R-BM-0 already refused it
    const fbp::InputList* inputs = ctx.Inputs(lot.lot());
    const std::string lot_name = FormatLot(lot.lot());

    if (material.name == "steel_pipe") {
      auto standard = Text(attrs, "product_standard");
      bool mixing = standard && Contains(params.List("heat_mixing_standards", ""), *standard);
      if (heats.size() > 1 && !mixing) {
        v.Reject("R-BM-5", "heat_mixed", "attributes.heat_no",
                 "pipe lot " + lot_name + " lists several heats; one pipe lot is one heat unless "
                 "its standard allows mixing");
      }
      if (inputs == nullptr || inputs->inputs() == nullptr) return;
      for (const fbp::InputLot* in : *inputs->inputs()) {
        if (in->lot() == nullptr) continue;
        for (const auto& h : Heats(in->lot()->attributes())) {
          if (!Contains(heats, h)) {
            v.Reject("R-BM-5", "heat_mismatch", "inputs",
                     "pipe lot " + lot_name + " (heat " + heats.front() + ") is made from " +
                         FormatLot(in->lot()->lot()) + " of heat " + h);
          }
        }
      }
      return;
    }

    // A fitting: its source heat is the heat of a pipe or plate it was made
    // from, and its grade is that source's grade.
    const fbp::InputLot* source = nullptr;
    bool any_steel_input = false;
    if (inputs != nullptr && inputs->inputs() != nullptr) {
      for (const fbp::InputLot* in : *inputs->inputs()) {
        if (in->lot() == nullptr) continue;
        std::vector<std::string> in_heats = Heats(in->lot()->attributes());
        if (in_heats.empty()) continue;
        any_steel_input = true;
        if (Contains(in_heats, heats.front())) source = in;
      }
    }
    if (!any_steel_input) {
      v.Reject("R-BM-6", "fitting_source_missing", "inputs",
               "fitting lot " + lot_name + " names no input pipe or plate lot with a heat number");
      return;
    }
    if (source == nullptr) {
      v.Reject("R-BM-6", "source_heat_mismatch", "attributes.source_heat_no",
               "fitting lot " + lot_name + " carries heat " + heats.front() +
                   ", which none of its input pipe or plate lots has");
      return;
    }
    auto grade = Text(attrs, "grade_designation");
    auto source_grade = Text(source->lot()->attributes(), "grade_designation");
    if (grade && source_grade && AsciiAlnum(*grade) != AsciiAlnum(*source_grade)) {
      v.Reject("R-BM-6", "grade_mismatch", "attributes.grade_designation",
               "fitting lot " + lot_name + " is " + *grade + " but its source " +
                   FormatLot(source->lot()->lot()) + " is " + *source_grade);
    }
  }

  // 2(c): a mill test certificate covers the heat the product carries.
  static void CheckMtcHeat(const fbp::CertificateInfo& c, const plugin::AttrList* lot_attrs,
                           const std::string& lot_name, Verdict& v) {
    CheckMtcHeat(plugin::View(c.kind()), plugin::View(c.cert_id()), c.attributes(), lot_attrs,
                 lot_name, v);
  }
  static void CheckMtcHeat(std::string_view kind, std::string_view cert_id,
                           const plugin::AttrList* cert_attrs, const plugin::AttrList* lot_attrs,
                           const std::string& lot_name, Verdict& v) {
    if (!IsMtcKind(kind)) return;
    auto mtc_heat = Text(cert_attrs, "heat_no");
    std::vector<std::string> heats = Heats(lot_attrs);
    if (!mtc_heat || heats.empty()) return;
    if (!Contains(heats, *mtc_heat)) {
      v.Reject("R-BM-6", "mtc_heat_mismatch", "certificates",
               "mill test certificate " + std::string(cert_id) + " is for heat " + *mtc_heat +
                   ", but " + lot_name + " carries heat " + heats.front());
    }
  }

  // ---- certificates ----

  void CheckCertificate(const CheckContext& ctx, const Params& params, const fb::Certificate& c,
                        Verdict& v) const {
    const fbp::LotInfo* lot = ctx.Lot(c.subject_lot());
    if (lot == nullptr) return;
    const std::string lot_name = FormatLot(lot->lot());
    std::string_view kind = plugin::View(c.kind());
    CheckMtcHeat(kind, plugin::View(c.cert_id()), c.attributes(), lot->attributes(), lot_name, v);

    // A 28-day report cannot exist before the lot is 28 days old.
    if (Contains(params.List("strength_report_kinds", kReportKinds), kind) &&
        lot->production_time() != nullptr && c.valid_from() != nullptr) {
      int64_t produced = lot->production_time()->micros();
      int64_t earliest = produced + params.Int("strength_report_min_age_days", 28) * kMicrosPerDay;
      int offset = lot->production_time()->offset_minutes();
      if (c.valid_from()->micros() < earliest) {
        v.Reject("R-BM-3", "strength_report_too_early", "valid_from",
                 "28-day strength report " + std::string(plugin::View(c.cert_id())) +
                     " is dated " + Date(c.valid_from()->micros(), offset) + ", but " + lot_name +
                     " was produced on " + Date(produced, offset) + " (earliest " +
                     Date(earliest, offset) + ")");
      }
    }
  }

  // ---- shipments ----

  struct Report {
    std::string id;
    int64_t at = 0;
    uint64_t index = 0;
    std::optional<bool> pass;
    std::optional<int64_t> mpa_milli;
  };

  // Every 28-day strength report on a lot: certificates (in force at `t`)
  // and inspections.
  static std::vector<Report> StrengthReports(const CheckContext& ctx, const fb::LotRef* ref,
                                             const std::vector<std::string>& kinds, int64_t t) {
    std::vector<Report> out;
    if (const fbp::CertificateList* list = ctx.CertificatesOfLot(ref); list && list->certificates()) {
      for (const fbp::CertificateInfo* c : *list->certificates()) {
        if (!Contains(kinds, plugin::View(c->kind()))) continue;
        if (!InForce(StatusAt(c, t))) continue;  // a withdrawn report proves nothing
        Report r;
        r.id = std::string(plugin::View(c->cert_id()));
        r.at = c->valid_from();
        r.index = c->log_index();
        if (auto result = plugin::AttrString(plugin::FindAttr(c->attributes(), "result"))) {
          r.pass = *result != "fail";
        }
        r.mpa_milli = plugin::AttrScaled(plugin::FindAttr(c->attributes(), "strength_28d_mpa"), 3);
        out.push_back(std::move(r));
      }
    }
    if (const fbp::InspectionList* list = ctx.Inspections(ref); list && list->inspections()) {
      for (const fbp::InspectionInfo* in : *list->inspections()) {
        if (!Contains(kinds, plugin::View(in->kind()))) continue;
        Report r;
        r.id = std::string(plugin::View(in->inspection_id()));
        r.at = in->time();
        r.index = in->log_index();
        r.pass = in->pass();
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  // R-BM-3: each cement lot shipped has a passing 28-day report dated at or
  // before the shipment's event time.
  void CheckShipment(const CheckContext& ctx, const Params& params, const fb::Shipment& s,
                     Verdict& v) const {
    if (s.items() == nullptr) return;
    const int64_t t = ctx.event_time() != 0 ? ctx.event_time() : ctx.record_time();
    const int offset = ctx.header() && ctx.header()->event_time()
                           ? ctx.header()->event_time()->offset_minutes()
                           : 480;
    const bool required = params.Int("ship_requires_28d_report", 1) != 0;
    const auto kinds = params.List("strength_report_kinds", kReportKinds);
    for (size_t i = 0; i < s.items()->size(); ++i) {
      const fb::LotQuantity* item = s.items()->Get(i);
      const fbp::LotInfo* lot = ctx.Lot(item->lot());
      if (lot == nullptr || plugin::View(lot->sector()) != ctx.sector()) continue;
      if (Text(lot->attributes(), "material") != "cement") continue;
      const std::string lot_name = FormatLot(lot->lot());
      const std::string field = "items[" + std::to_string(i) + "]";

      std::vector<Report> reports = StrengthReports(ctx, item->lot(), kinds, t);
      const Report* latest = nullptr;
      const Report* later = nullptr;
      for (const auto& r : reports) {
        if (r.at <= t) {
          if (latest == nullptr || r.at > latest->at ||
              (r.at == latest->at && r.index > latest->index)) {
            latest = &r;
          }
        } else if (later == nullptr || r.at < later->at) {
          later = &r;
        }
      }
      if (latest == nullptr) {
        if (!required) {
          v.Note("cement lot " + lot_name + " shipped before its 28-day strength report " +
                 "(early dispatch allowed by the rule parameters)");
          continue;
        }
        std::string when;
        if (later != nullptr) {
          when = " (report " + later->id + " is dated " + Date(later->at, offset) +
                 ", after the shipment)";
        } else if (lot->production_time() != nullptr) {
          // Say when the report can exist, so the shipper knows when to ship.
          int64_t earliest = lot->production_time()->micros() +
                             params.Int("strength_report_min_age_days", 28) * kMicrosPerDay;
          if (earliest > t) when = " (it cannot exist before " + Date(earliest, offset) + ")";
        }
        v.Reject("R-BM-3", "strength_28d_report_missing", field,
                 "cement lot " + lot_name + " shipped on " + Date(t, offset) +
                     " without its 28-day strength report" + when);
        continue;
      }
      std::optional<int64_t> nominal;
      if (auto grade = Text(lot->attributes(), "strength_grade")) nominal = GradeMilli(*grade);
      bool below = latest->mpa_milli && nominal && *latest->mpa_milli < *nominal;
      if (latest->pass == false || below) {
        std::string why = latest->mpa_milli ? Milli(*latest->mpa_milli) + " MPa" : "a fail";
        if (nominal) why += " against grade " + Milli(*nominal);
        v.Reject("R-BM-3", "strength_28d_failed", field,
                 "cement lot " + lot_name + " failed its 28-day strength test (" + latest->id +
                     ": " + why + "); it may not ship");
      }
    }
  }

  static std::string FormatLot(const fb::LotRef* ref) {
    if (ref == nullptr) return "?";
    std::string_view scheme = ref->scheme() == fb::IdScheme::GTIN       ? "gtin"
                              : ref->scheme() == fb::IdScheme::NATIONAL ? "national"
                                                                        : "local";
    return std::string(scheme) + ":" + std::string(plugin::View(ref->product())) + "/" +
           std::string(plugin::View(ref->lot()));
  }
};

}  // namespace

QTRACE_PLUGIN(BuildingMaterials);
