// agriculture: the qtrace sector plugin for edible agricultural and aquatic
// products (sector-rules.md section 1).
//
// A lot of the sector is one of four things, told apart by its record:
//   input      an agricultural input (feed, pesticide, fishery drug, ...):
//              attribute input_kind, with its registration number and, for
//              pesticides and drugs, the pre-harvest interval / withdrawal
//              period printed on its label (phi_days / withdrawal_days);
//   primary    a harvest, catch or pond-out lot: harvested from the
//              producer's plots or ponds (units), with its category;
//   collected  a collector's or packer's lot made by merging (merged_into)
//              or splitting (split_from) other lots;
//   processed  a processor's lot made from ingredients (composed_of).
//
// Rules (Describe() lists them; docs/sectors/agriculture.md explains them):
//   R-AG-1  a primary lot names its plots/ponds and its category
//   R-AG-2  inputs applied to a unit are registered agricultural inputs
//   R-AG-3  no harvest inside a pre-harvest interval / withdrawal period
//   R-AG-4  mixing or splitting re-issues the commitment certificate
//           (承诺达标合格证), which lists every source lot; covered products
//           leave the producer and are received only with one
//   R-AG-5  a processed lot needs a valid SC food production licence
//   R-AG-6  organic / green-food claims need a certificate valid at the
//           time of the event, a matching organic code and certified inputs
//   R-AG-7  recall orders use the food recall levels 1/2/3 (or voluntary)
// Certificates and licences are evaluated at the time of the event (the
// lot's production time, the shipment's event time), never "today".
// Values tagged [M] in the rules file are rule parameters with the
// documented default, so a regulator can correct them with a signed
// RuleParameters record.
#include <algorithm>
#include <cstdio>
#include <cstdint>
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
namespace fbp = ::qtrace::fb::plugin;

constexpr std::string_view kSector = "agriculture";
constexpr int64_t kDay = 86'400'000'000;  // microseconds
constexpr int64_t kChinaOffset = 8 * 3'600'000'000LL;

// Certificate kinds (Certificate.kind) this plugin gives a meaning to.
constexpr std::string_view kCommitment = "commitment";  // 承诺达标合格证
constexpr std::string_view kOrganic = "organic";        // GB/T 19630
constexpr std::string_view kGreenFood = "green_food";   // 绿色食品标志使用证书
constexpr std::string_view kCommitmentStandard = "承诺达标合格证";

// ---- parameters ------------------------------------------------------------------

struct ParamDefault {
  const char* key;
  int64_t value;
  const char* description;
};
constexpr ParamDefault kFeedWithdrawalDays{
    "feed_withdrawal_days", 0,
    "least withdrawal period (days) between feeding a feed or feed-additive lot and harvest; "
    "a medicated feed's own withdrawal_days applies when longer"};
constexpr ParamDefault kOrganicValidityMonths{
    "organic_cert_validity_months", 12,
    "an organic certificate is valid at most this many months from valid_from [M: 1 year]"};
constexpr ParamDefault kOrganicMinShare{
    "organic_min_input_share_pct", 95,
    "share (% by quantity) of organic-certified inputs an organic lot needs [M: GB/T 19630 95 %]"};
constexpr ParamDefault kGreenFoodValidityMonths{
    "green_food_cert_validity_months", 36,
    "a green-food certificate is valid at most this many months from valid_from [M: 3 years]"};
constexpr const char* kCommitmentCategoriesKey = "commitment_categories";
constexpr const char* kCommitmentCategoriesDefault =
    "vegetable,fungi,fruit,tea,livestock,poultry,egg,aquatic";

// A numeric parameter of the current set, or its default. `from_set` tells
// whether the value came from a regulator's set.
int64_t ParamInt(const CheckContext& ctx, const ParamDefault& p, bool* from_set = nullptr) {
  if (from_set != nullptr) *from_set = false;
  if (const fbp::ParamSet* set = ctx.Params(); set != nullptr) {
    if (auto v = plugin::AttrScaled(plugin::FindAttr(set->params(), p.key), 0)) {
      if (from_set != nullptr) *from_set = true;
      return *v;
    }
  }
  return p.value;
}

std::string ParamString(const CheckContext& ctx, const char* key, const char* fallback) {
  if (const fbp::ParamSet* set = ctx.Params(); set != nullptr) {
    if (auto v = plugin::AttrString(plugin::FindAttr(set->params(), key))) return std::string(*v);
  }
  return fallback;
}

// ---- small helpers ---------------------------------------------------------------

std::string_view Sv(const flatbuffers::String* s) { return plugin::View(s); }

int64_t Micros(const fb::Timestamp* t) { return t != nullptr ? t->micros() : 0; }

// value x 10^-scale in thousandths (saturating; quantities are far below).
int64_t Milli(int64_t value, int scale) {
  for (; scale < 3; ++scale) value = value > INT64_MAX / 10 ? INT64_MAX : value * 10;
  for (; scale > 3; --scale) value /= 10;
  return value;
}

// A civil date in China's calendar (UTC+08:00).
struct CivilDate {
  int64_t y, m, d;
  int64_t micros_of_day;
};

// civil_from_days / days_from_civil (H. Hinnant, public domain).
CivilDate ToCivil(int64_t micros) {
  int64_t local = micros + kChinaOffset;
  int64_t days = local / kDay;
  if (local % kDay < 0) --days;
  const int64_t micros_of_day = local - days * kDay;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, micros_of_day};
}

int64_t FromCivil(const CivilDate& c) {
  const int64_t y = c.m <= 2 ? c.y - 1 : c.y;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (c.m > 2 ? c.m - 3 : c.m + 9) + 2) / 5 + c.d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * kDay + c.micros_of_day - kChinaOffset;
}

// `micros` plus whole calendar months (the day clamped to the month's end),
// so "valid for 3 years" ends on the anniversary whatever the leap days.
int64_t AddMonths(int64_t micros, int64_t months) {
  CivilDate c = ToCivil(micros);
  int64_t index = c.y * 12 + (c.m - 1) + months;
  c.y = index / 12;
  c.m = index % 12 + 1;
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (c.y % 4 == 0 && c.y % 100 != 0) || c.y % 400 == 0;
  c.d = std::min(c.d, kDays[c.m - 1] + (c.m == 2 && leap ? 1 : 0));
  return FromCivil(c);
}

// "2026-09-20" for a time, in China's calendar.
std::string Date(int64_t micros) {
  CivilDate c = ToCivil(micros);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(c.y),
                static_cast<long long>(c.m), static_cast<long long>(c.d));
  return buf;
}

std::string LotName(const fb::LotRef* r) {
  if (r == nullptr) return "?";
  std::string_view scheme = r->scheme() == fb::IdScheme::GTIN       ? "gtin"
                            : r->scheme() == fb::IdScheme::NATIONAL ? "national"
                                                                    : "local";
  return std::string(scheme) + ":" + std::string(Sv(r->product())) + "/" +
         std::string(Sv(r->lot()));
}

std::optional<std::string_view> StrAttr(const plugin::AttrList* attrs, std::string_view key) {
  auto v = plugin::AttrString(plugin::FindAttr(attrs, key));
  if (v && v->empty()) return std::nullopt;
  return v;
}

// Splits a list written "a, b; c" or one item a line.
std::vector<std::string_view> SplitList(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find_first_of(",; \n\t", i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool InList(std::string_view list, std::string_view item) {
  for (auto x : SplitList(list)) {
    if (x == item) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// ---- what a lot is -----------------------------------------------------------------

enum class LotKind { kInput, kPrimary, kCollected, kProcessed, kUnknown };

bool IsIngredientEdge(fb::EdgeKind k) {
  return k == fb::EdgeKind::COMPOSED_OF || k == fb::EdgeKind::MERGED_INTO ||
         k == fb::EdgeKind::SPLIT_FROM;
}

template <typename InputVector, typename UnitVector>
LotKind KindOf(const InputVector* inputs, const UnitVector* units, const plugin::AttrList* attrs) {
  bool composed = false, collected = false;
  if (inputs != nullptr) {
    for (const fb::Input* in : *inputs) {
      if (in == nullptr) continue;
      composed = composed || in->kind() == fb::EdgeKind::COMPOSED_OF;
      collected = collected || in->kind() == fb::EdgeKind::MERGED_INTO ||
                  in->kind() == fb::EdgeKind::SPLIT_FROM;
    }
  }
  if (composed) return LotKind::kProcessed;
  if (collected) return LotKind::kCollected;
  if (units != nullptr && units->size() > 0) return LotKind::kPrimary;
  if (StrAttr(attrs, "input_kind")) return LotKind::kInput;
  return LotKind::kUnknown;
}

LotKind KindOf(const fbp::LotInfo* l) {
  return l == nullptr ? LotKind::kUnknown : KindOf(l->inputs(), l->units(), l->attributes());
}

// The category of a lot: its own attribute, else (collected lots) the first
// source's, up to a few generations back.
std::string CategoryOf(const CheckContext& ctx, const fbp::LotInfo* lot, int depth = 0) {
  if (lot == nullptr || depth > 8) return {};
  if (auto c = StrAttr(lot->attributes(), "category")) return std::string(*c);
  if (KindOf(lot) != LotKind::kCollected || lot->inputs() == nullptr) return {};
  for (const fb::Input* in : *lot->inputs()) {
    if (in == nullptr || !IsIngredientEdge(in->kind())) continue;
    std::string c = CategoryOf(ctx, ctx.Lot(in->lot()), depth + 1);
    if (!c.empty()) return c;
  }
  return {};
}

// Whether a lot must travel with a commitment certificate: primary and
// collected lots of a covered category (MARA Order 2025 No. 4). Inputs and
// processed food (under its SC licence) are not covered.
bool NeedsCommitment(const CheckContext& ctx, const fbp::LotInfo* lot) {
  LotKind k = KindOf(lot);
  if (k != LotKind::kPrimary && k != LotKind::kCollected) return false;
  std::string category = CategoryOf(ctx, lot);
  return !category.empty() &&
         InList(ParamString(ctx, kCommitmentCategoriesKey, kCommitmentCategoriesDefault), category);
}

// ---- certificates at a time --------------------------------------------------------

// The status of a certificate at `t`: the latest change effective at or
// before t wins (the host's rule, CertInfo::StatusAt).
fb::CertStatus StatusAt(const fbp::CertificateInfo& c, int64_t t) {
  fb::CertStatus status = fb::CertStatus::VALID;
  int64_t best = INT64_MIN;
  if (c.history() != nullptr) {
    for (const fbp::CertStatusInfo* h : *c.history()) {
      if (h != nullptr && h->effective() <= t && h->effective() >= best) {
        best = h->effective();
        status = h->status() == fb::CertStatus::REINSTATED ? fb::CertStatus::VALID : h->status();
      }
    }
  }
  return status;
}

// The time a status change took effect (the latest one effective at t).
int64_t StatusSince(const fbp::CertificateInfo& c, int64_t t) {
  int64_t best = 0;
  if (c.history() != nullptr) {
    for (const fbp::CertStatusInfo* h : *c.history()) {
      if (h != nullptr && h->effective() <= t && h->effective() >= best) best = h->effective();
    }
  }
  return best;
}

// Why certificate `c` is not valid at `t` (empty: valid). `max_months`
// caps its validity from valid_from (0: no cap); `code` receives the reason
// code suffix: expired, not_yet_valid, suspended, revoked.
std::string InvalidAt(const fbp::CertificateInfo& c, int64_t t, int64_t max_months,
                      std::string* code) {
  const std::string id(Sv(c.cert_id()));
  int64_t end = c.valid_to();
  if (max_months > 0) {
    const int64_t cap = AddMonths(c.valid_from(), max_months);
    if (end == 0 || end > cap) end = cap;
  }
  if (t < c.valid_from()) {
    *code = "not_yet_valid";
    return "certificate " + id + " is valid only from " + Date(c.valid_from());
  }
  if (end != 0 && t >= end) {
    *code = "expired";
    std::string why = "certificate " + id + " expired on " + Date(end);
    if (end != c.valid_to()) why += " (" + std::to_string(max_months) + " months after issue)";
    return why;
  }
  switch (StatusAt(c, t)) {
    case fb::CertStatus::SUSPENDED:
      *code = "suspended";
      return "certificate " + id + " was suspended on " + Date(StatusSince(c, t));
    case fb::CertStatus::REVOKED:
    case fb::CertStatus::CANCELLED:
      *code = "revoked";
      return "certificate " + id + " was revoked on " + Date(StatusSince(c, t));
    default:
      return {};
  }
}

// The certificates of `kind` a lot relies on: those it cites (CertRef) and
// those issued for it since (subject_lot). Answers stay valid during the call.
std::vector<const fbp::CertificateInfo*> CertsOfKind(
    const CheckContext& ctx, const flatbuffers::Vector<flatbuffers::Offset<fb::CertRef>>* cited,
    const fb::LotRef* lot, std::string_view kind) {
  std::vector<const fbp::CertificateInfo*> out;
  auto add = [&](const fbp::CertificateInfo* c) {
    if (c == nullptr || Sv(c->kind()) != kind) return;
    for (const auto* x : out) {
      if (Sv(x->cert_id()) == Sv(c->cert_id())) return;
    }
    out.push_back(c);
  };
  if (cited != nullptr) {
    for (const fb::CertRef* r : *cited) {
      if (r != nullptr) add(ctx.Certificate(Sv(r->cert_id())));
    }
  }
  if (lot != nullptr) {
    if (const fbp::CertificateList* list = ctx.CertificatesOfLot(lot);
        list != nullptr && list->certificates() != nullptr) {
      for (const fbp::CertificateInfo* c : *list->certificates()) add(c);
    }
  }
  return out;
}

// ---- the plugin ---------------------------------------------------------------------

class Agriculture final : public plugin::Plugin {
 public:
  static constexpr plugin::Info kInfo{
      .name = "agriculture",
      .version = "1.0.0",
      .rule_set = "agriculture/2026.1",
      .min_host_version = "0.1.0",
      .sectors = {"agriculture"},
      .records = {fb::Body::LotRegistration, fb::Body::UnitEvent, fb::Body::Certificate,
                  fb::Body::Shipment, fb::Body::Receipt, fb::Body::RecallOrder},
      .check_certification = true,
      .plan_recall = true};

  void Describe(plugin::Description& d) const override {
    d.doc =
        "Edible agricultural and aquatic products: harvest lots from plots and ponds, "
        "agricultural inputs applied to them, collectors' mixed lots with re-issued commitment "
        "certificates, processed lots under an SC licence, organic and green-food claims, and "
        "the food recall levels.";
    d.Attribute("input_kind")
        .Allowed({"seed", "seedling", "pesticide", "fertiliser", "vet_drug", "fishery_drug",
                  "feed", "feed_additive"})
        .Doc("what an agricultural-input lot is; inputs applied to plots and ponds need it");
    d.Attribute("registration_no")
        .Doc("the input's registration or approval number (pesticide PD..., 兽药字..., feed "
             "licence); required with input_kind");
    d.Attribute("phi_days", fb::AttrType::INT)
        .Unit("d")
        .Range(0, 3650)
        .Doc("pre-harvest interval (安全间隔期) on the pesticide's label; required for pesticides");
    d.Attribute("withdrawal_days", fb::AttrType::INT)
        .Unit("d")
        .Range(0, 3650)
        .Doc("withdrawal period (休药期) of a veterinary / fishery drug or medicated feed; "
             "required for drugs");
    d.Attribute("category")
        .Allowed({"vegetable", "fungi", "fruit", "tea", "livestock", "poultry", "egg", "aquatic",
                  "grain", "oilseed", "other"})
        .Doc("product category of a harvest lot (decides whether a commitment certificate is "
             "mandatory); required for harvest lots");
    d.Attribute("species").Doc("species / variety, e.g. Eriocheir sinensis");
    d.Attribute("organic_code")
        .Doc("17-digit organic code (有机码): 3-digit certification body, 2-digit year, 12 "
             "digits; required with an organic claim");
    d.Attribute("basis")
        .For("certificate")
        .Allowed({"control", "self_test", "commissioned_test"})
        .Doc("commitment certificate: what the commitment rests on; required");
    d.Attribute("source_lots")
        .For("certificate")
        .Doc("commitment certificate of a mixed or split lot: every source lot, comma-separated "
             "scheme:product/lot");
    d.Attribute("cb_code")
        .For("certificate")
        .Doc("organic certificate: the certification body's 3-digit CNCA code; required");

    d.Rule("R-AG-1", "a harvest lot names its plots or ponds, harvest date and category",
           "sector-rules 1(b); production records [S12], FSMA 204 [S29]");
    d.Rule("R-AG-2",
           "inputs applied to a plot or pond are registered agricultural input lots "
           "(kind, registration number; PHI / withdrawal period for pesticides and drugs)",
           "[S12, S38]");
    d.Rule("R-AG-3", "no harvest before the pre-harvest interval / withdrawal period is over",
           "[S12] (check: design)");
    d.Rule("R-AG-4",
           "a collector or packer that mixes or splits lots issues a new commitment certificate "
           "listing every source lot; covered lots ship and are received only with one",
           "MARA Order 2025 No. 4 [S13]");
    d.Rule("R-AG-5", "a processed lot has ingredient lots and a valid SC licence on its production date",
           "[S16]");
    d.Rule("R-AG-6",
           "organic / green-food claims need a certificate valid at the event, an organic code of "
           "the certificate's body and certified inputs",
           "GB/T 19630, CNCA organic code [S15], green food [S14]");
    d.Rule("R-AG-7", "food recall levels 1/2/3 (or voluntary) with 24/48/72 h and 10/20/30 "
                     "working-day deadlines", "食品召回管理办法 [S4]");

    d.Param(kFeedWithdrawalDays.key, fb::AttrType::INT, kFeedWithdrawalDays.value,
            kFeedWithdrawalDays.description);
    d.Param(kOrganicValidityMonths.key, fb::AttrType::INT, kOrganicValidityMonths.value,
            kOrganicValidityMonths.description);
    d.Param(kOrganicMinShare.key, fb::AttrType::INT, kOrganicMinShare.value,
            kOrganicMinShare.description);
    d.Param(kGreenFoodValidityMonths.key, fb::AttrType::INT, kGreenFoodValidityMonths.value,
            kGreenFoodValidityMonths.description);
    d.Param(kCommitmentCategoriesKey, kCommitmentCategoriesDefault,
            "product categories that need a commitment certificate (comma-separated) [S13]");
  }

  void CheckRecord(const CheckContext& ctx, Verdict& v) const override {
    switch (ctx.body_type()) {
      case fb::Body::LotRegistration:
        CheckLot(ctx, *ctx.body<fb::LotRegistration>(), v);
        break;
      case fb::Body::UnitEvent:
        CheckUnitEvent(ctx, *ctx.body<fb::UnitEvent>(), v);
        break;
      case fb::Body::Certificate:
        CheckCertificate(ctx, *ctx.body<fb::Certificate>(), v);
        break;
      case fb::Body::RecallOrder:
        CheckRecallOrder(*ctx.body<fb::RecallOrder>(), v);
        break;
      default:
        break;  // shipments and receipts: certificates only (CheckCertification)
    }
  }

  void CheckCertification(const CheckContext& ctx, Verdict& v) const override {
    switch (ctx.body_type()) {
      case fb::Body::LotRegistration: {
        const auto& lot = *ctx.body<fb::LotRegistration>();
        if (KindOf(lot.inputs(), lot.units(), lot.attributes()) == LotKind::kProcessed) {
          CheckScLicence(ctx, lot, v);
        }
        CheckClaims(ctx, lot, v);
        break;
      }
      case fb::Body::Shipment:
        CheckCommitmentOnTransfer(ctx, ctx.body<fb::Shipment>()->items(), /*receiving=*/false, v);
        break;
      case fb::Body::Receipt:
        CheckCommitmentOnTransfer(ctx, ctx.body<fb::Receipt>()->items(), /*receiving=*/true, v);
        break;
      default:
        break;
    }
  }

  void PlanRecall(const plugin::RecallContext& ctx, plugin::RecallPlan& plan) const override;

 private:
  // ---- lots ------------------------------------------------------------------------

  void CheckLot(const CheckContext& ctx, const fb::LotRegistration& lot, Verdict& v) const {
    const plugin::AttrList* attrs = lot.attributes();
    switch (KindOf(lot.inputs(), lot.units(), attrs)) {
      case LotKind::kInput:
        CheckInputLot(attrs, v);
        break;
      case LotKind::kPrimary:
        CheckHarvest(ctx, lot, v);
        break;
      case LotKind::kCollected:
        CheckCollected(ctx, lot, v);
        break;
      case LotKind::kProcessed:
        break;  // R-AG-5 is a licence check (CheckCertification)
      case LotKind::kUnknown:
        v.Reject("R-AG-1", "harvest_unit_missing", "units",
                 "an agriculture lot is a harvest from the producer's plots or ponds (units), a "
                 "lot made from other lots (inputs), or an agricultural input (input_kind)");
        break;
    }
  }

  // R-AG-2 on the input lot itself: its kind, registration and label period.
  static void CheckInputLot(const plugin::AttrList* attrs, Verdict& v) {
    std::string kind(StrAttr(attrs, "input_kind").value_or(""));
    if (!StrAttr(attrs, "registration_no")) {
      v.Reject("R-AG-2", "input_registration_missing", "attributes.registration_no",
               "an agricultural input lot (" + kind +
                   ") needs its registration or approval number (registration_no)");
    }
    if (kind == "pesticide" && !plugin::AttrScaled(plugin::FindAttr(attrs, "phi_days"), 0)) {
      v.Reject("R-AG-2", "input_phi_missing", "attributes.phi_days",
               "a pesticide lot needs the pre-harvest interval from its label (phi_days)");
    }
    if ((kind == "vet_drug" || kind == "fishery_drug") &&
        !plugin::AttrScaled(plugin::FindAttr(attrs, "withdrawal_days"), 0)) {
      v.Reject("R-AG-2", "input_phi_missing", "attributes.withdrawal_days",
               "a " + kind + " lot needs the withdrawal period from its label (withdrawal_days)");
    }
  }

  // R-AG-1 and R-AG-3 for a harvest from the producer's units.
  void CheckHarvest(const CheckContext& ctx, const fb::LotRegistration& lot, Verdict& v) const {
    if (!StrAttr(lot.attributes(), "category")) {
      v.Reject("R-AG-1", "category_missing", "attributes.category",
               "a harvest lot needs its product category (category: aquatic, vegetable, ...)");
    }
    const int64_t produced = Micros(lot.production_time());
    const std::string producer(ctx.signer());
    for (uint32_t i = 0; i < lot.units()->size(); ++i) {
      const fb::UnitUse* use = lot.units()->Get(i);
      if (use == nullptr) continue;
      const std::string field = "units[" + std::to_string(i) + "]";
      const std::string unit_id(Sv(use->unit()));
      const int64_t harvest = Micros(use->start()) != 0 ? Micros(use->start()) : produced;
      const fbp::UnitInfo* unit = ctx.Unit(producer, unit_id, 1, harvest);
      if (unit == nullptr) {
        v.Reject("R-AG-1", "harvest_unit_unknown", field,
                 producer + " has no plot or pond " + unit_id);
        continue;
      }
      if (unit->kind() != fb::UnitKind::PLOT && unit->kind() != fb::UnitKind::POND) {
        v.Reject("R-AG-1", "harvest_unit_not_plot_or_pond", field,
                 unit_id + " is not a plot or pond: a harvest comes from plots or ponds");
        continue;
      }
      CheckWithdrawal(ctx, *unit, harvest, field, v);
    }
  }

  // R-AG-3: every input applied to the unit since it was last emptied must
  // be past its pre-harvest interval / withdrawal period at harvest.
  void CheckWithdrawal(const CheckContext& ctx, const fbp::UnitInfo& unit, int64_t harvest,
                       const std::string& field, Verdict& v) const {
    if (unit.events() == nullptr) return;
    const std::string_view what = unit.kind() == fb::UnitKind::POND ? "pond" : "plot";
    int64_t emptied = INT64_MIN;
    for (const fbp::UnitEventInfo* e : *unit.events()) {
      if (e != nullptr && e->kind() == fb::UnitEventKind::EMPTIED && e->start() <= harvest) {
        emptied = std::max(emptied, e->start());
      }
    }
    for (const fbp::UnitEventInfo* e : *unit.events()) {
      if (e == nullptr || e->kind() != fb::UnitEventKind::INPUT_APPLIED) continue;
      if (e->start() > harvest || e->start() < emptied) continue;
      const fbp::LotInfo* input = ctx.Lot(e->input());
      if (input == nullptr) continue;
      const plugin::AttrList* attrs = input->attributes();
      std::string kind(StrAttr(attrs, "input_kind").value_or(""));
      int64_t days = 0;
      if (auto phi = plugin::AttrScaled(plugin::FindAttr(attrs, "phi_days"), 0)) {
        days = std::max(days, *phi);
      }
      if (auto wd = plugin::AttrScaled(plugin::FindAttr(attrs, "withdrawal_days"), 0)) {
        days = std::max(days, *wd);
      }
      bool by_param = false;
      if (kind == "feed" || kind == "feed_additive") {
        bool from_set = false;
        int64_t floor = ParamInt(ctx, kFeedWithdrawalDays, &from_set);
        if (floor > days) {
          days = floor;
          by_param = from_set;
        }
      }
      if (days <= 0) continue;
      const int64_t last_use = std::max(e->start(), e->end());
      const int64_t clear = last_use + days * kDay;
      if (harvest >= clear) continue;
      const bool pesticide = kind == "pesticide";
      const std::string period = pesticide ? "pre-harvest interval" : "withdrawal period";
      const std::string label = kind.empty() ? "input" : kind;
      std::string message = "harvest from " + std::string(what) + " " +
                            std::string(Sv(unit.unit_id())) + " on " + Date(harvest) +
                            " is inside the " + std::to_string(days) + "-day " + period + " of " +
                            label + " " + LotName(e->input()) + " applied on " +
                            Date(last_use) + ": harvest from " + Date(clear);
      if (by_param) {
        message += " (" + std::string(kFeedWithdrawalDays.key) + " of rule parameters " +
                   std::string(ctx.param_set()) + ")";
      }
      v.Reject("R-AG-3", pesticide ? "harvest_inside_phi" : "harvest_inside_withdrawal", field,
               message);
    }
  }

  // R-AG-4 at mixing / splitting: the new lot cites a new commitment
  // certificate, not a source lot's.
  void CheckCollected(const CheckContext& ctx, const fb::LotRegistration& lot, Verdict& v) const {
    const fbp::LotInfo* self = ctx.Lot(lot.lot());
    if (self == nullptr || !NeedsCommitment(ctx, self)) return;
    std::vector<std::string> source_certs;
    if (const fbp::InputList* inputs = ctx.Inputs(lot.lot());
        inputs != nullptr && inputs->inputs() != nullptr) {
      for (const fbp::InputLot* in : *inputs->inputs()) {
        if (in == nullptr || in->lot() == nullptr) continue;
        for (const auto* c : CertsOfKind(ctx, in->lot()->certificates(), in->lot()->lot(),
                                         kCommitment)) {
          source_certs.emplace_back(Sv(c->cert_id()));
        }
        if (in->lot()->certificates() != nullptr) {
          for (const fb::CertRef* r : *in->lot()->certificates()) {
            if (r != nullptr && Sv(r->standard()) == kCommitmentStandard) {
              source_certs.emplace_back(Sv(r->cert_id()));
            }
          }
        }
      }
    }
    std::vector<std::string> reused;
    bool fresh = false;
    if (lot.certificates() != nullptr) {
      for (const fb::CertRef* r : *lot.certificates()) {
        if (r == nullptr) continue;
        const std::string id(Sv(r->cert_id()));
        const fbp::CertificateInfo* known = ctx.Certificate(id);
        bool commitment = Sv(r->standard()) == kCommitmentStandard ||
                          (known != nullptr && Sv(known->kind()) == kCommitment);
        if (!commitment) continue;
        if (std::find(source_certs.begin(), source_certs.end(), id) != source_certs.end()) {
          reused.push_back(id);
        } else {
          fresh = true;
        }
      }
    }
    if (!reused.empty()) {
      v.Reject("R-AG-4", "commitment_cert_not_reissued", "certificates",
               "a mixed or split lot needs a new commitment certificate (承诺达标合格证); " +
                   Join(reused) + " belongs to a source lot");
    } else if (!fresh) {
      v.Reject("R-AG-4", "commitment_cert_missing", "certificates",
               "a mixed or split lot needs a new commitment certificate (承诺达标合格证) that "
               "lists every source lot: cite it (standard 承诺达标合格证)");
    }
  }

  // ---- unit events -------------------------------------------------------------------

  // R-AG-2: what goes onto a plot or into a pond is a registered agricultural input.
  void CheckUnitEvent(const CheckContext& ctx, const fb::UnitEvent& e, Verdict& v) const {
    if (e.kind() != fb::UnitEventKind::INPUT_APPLIED || e.input() == nullptr) return;
    const fbp::LotInfo* input = ctx.Lot(e.input());
    if (input == nullptr) return;  // the ledger refuses an unknown lot
    const plugin::AttrList* attrs = input->attributes();
    if (!StrAttr(attrs, "input_kind")) {
      v.Reject("R-AG-2", "input_kind_missing", "input",
               LotName(e.input()) + " is not an agricultural input lot (no input_kind): only "
               "seed, pesticide, fertiliser, drugs and feed are applied to plots and ponds");
      return;
    }
    Verdict lot_verdict;
    CheckInputLot(attrs, lot_verdict);
    for (const auto& r : lot_verdict.reasons()) {
      v.Reject(r.rule, r.code, "input", LotName(e.input()) + ": " + r.message);
    }
  }

  // ---- certificates -------------------------------------------------------------------

  void CheckCertificate(const CheckContext& ctx, const fb::Certificate& c, Verdict& v) const {
    std::string_view kind = Sv(c.kind());
    if (kind == kCommitment) {
      CheckCommitmentCertificate(ctx, c, v);
    } else if (kind == kOrganic) {
      const fbp::PartyInfo* issuer = ctx.Party(ctx.signer());
      bool certifier = false;
      if (issuer != nullptr && issuer->roles() != nullptr) {
        for (auto r : *issuer->roles()) certifier = certifier || r == fb::Role::CERTIFIER;
      }
      if (!certifier) {
        v.Reject("R-AG-6", "organic_cert_not_by_certifier", "kind",
                 "organic certificates are issued by a CNCA-approved certification body "
                 "(a certifier), not by " + std::string(ctx.signer()));
      }
      auto cb = StrAttr(c.attributes(), "cb_code");
      if (!cb || cb->size() != 3 || !codes::AllDigits(*cb)) {
        v.Reject("R-AG-6", "organic_cb_code_missing", "attributes.cb_code",
                 "an organic certificate names its certification body's 3-digit CNCA code "
                 "(cb_code)");
      }
    }
  }

  // R-AG-4: the commitment certificate of a lot says what it rests on and,
  // for a mixed or split lot, lists every source lot.
  void CheckCommitmentCertificate(const CheckContext& ctx, const fb::Certificate& c,
                                  Verdict& v) const {
    if (c.subject_lot() == nullptr) {
      v.Reject("R-AG-4", "commitment_cert_without_lot", "subject_lot",
               "a commitment certificate is issued batch by batch: name the lot (subject_lot)");
      return;
    }
    if (!StrAttr(c.attributes(), "basis")) {
      v.Reject("R-AG-4", "commitment_basis_missing", "attributes.basis",
               "a commitment certificate states its basis (control, self_test or "
               "commissioned_test)");
    }
    const fbp::LotInfo* lot = ctx.Lot(c.subject_lot());
    if (lot == nullptr) return;
    if (Sv(lot->producer()) != ctx.signer()) {
      v.Reject("R-AG-4", "commitment_issuer_not_producer", "subject_lot",
               "the commitment certificate of " + LotName(c.subject_lot()) + " is issued by its "
               "producer " + std::string(Sv(lot->producer())));
    }
    if (KindOf(lot) != LotKind::kCollected) return;
    const std::string listed(StrAttr(c.attributes(), "source_lots").value_or(""));
    std::vector<std::string> missing;
    const fbp::InputList* inputs = ctx.Inputs(c.subject_lot());
    if (inputs != nullptr && inputs->inputs() != nullptr) {
      for (const fbp::InputLot* in : *inputs->inputs()) {
        if (in == nullptr || in->lot() == nullptr || !IsIngredientEdge(in->kind())) continue;
        std::string name = LotName(in->lot()->lot());
        if (!InList(listed, name)) missing.push_back(name);
      }
    }
    if (!missing.empty()) {
      v.Reject("R-AG-4", "commitment_sources_incomplete", "attributes.source_lots",
               "the commitment certificate of mixed lot " + LotName(c.subject_lot()) +
                   " must list every source lot; missing: " + Join(missing));
    }
  }

  // R-AG-4 (and 1(e) scenario 5) when covered lots change hands: the
  // shipper or receiver relies on the lot's commitment certificate; the
  // producer's own shipment needs it inside its validity.
  void CheckCommitmentOnTransfer(
      const CheckContext& ctx,
      const flatbuffers::Vector<flatbuffers::Offset<fb::LotQuantity>>* items, bool receiving,
      Verdict& v) const {
    if (items == nullptr) return;
    const int64_t at = ctx.event_time() != 0 ? ctx.event_time() : ctx.record_time();
    for (uint32_t i = 0; i < items->size(); ++i) {
      const fb::LotQuantity* item = items->Get(i);
      if (item == nullptr || item->lot() == nullptr) continue;
      const fbp::LotInfo* lot = ctx.Lot(item->lot());
      if (lot == nullptr || Sv(lot->sector()) != kSector || !NeedsCommitment(ctx, lot)) continue;
      const std::string field = "items[" + std::to_string(i) + "]";
      const std::string name = LotName(item->lot());
      auto certs = CertsOfKind(ctx, nullptr, item->lot(), kCommitment);
      if (certs.empty()) {
        v.Reject("R-AG-4", "commitment_cert_missing", field,
                 receiving ? "receiving refused: " + name +
                                 " has no commitment certificate (承诺达标合格证); keep it in "
                                 "quarantine until the sender issues one"
                           : name + " has no commitment certificate (承诺达标合格证): its "
                                    "producer issues one for this lot before it leaves");
        continue;
      }
      const bool own = !receiving && Sv(lot->producer()) == ctx.signer();
      std::string last_problem, last_code;
      bool ok = false;
      for (const auto* c : certs) {
        std::string code;
        std::string why = InvalidAt(*c, at, 0, &code);
        // Downstream holders rely on the certificate that came with the
        // lot; only its suspension or revocation stops them.
        if (why.empty() || (!own && code != "suspended" && code != "revoked")) {
          ok = true;
          break;
        }
        last_problem = why;
        last_code = code;
      }
      if (!ok) {
        v.Reject("R-AG-4", "commitment_cert_" + last_code, field,
                 name + ": " + last_problem + "; it cannot " + (receiving ? "be received" : "ship") +
                     " on " + Date(at));
      }
    }
  }

  // R-AG-5: a processor holds a valid SC licence on the production date.
  void CheckScLicence(const CheckContext& ctx, const fb::LotRegistration& lot, Verdict& v) const {
    const int64_t produced = Micros(lot.production_time());
    const fbp::PartyInfo* party = ctx.Party(ctx.signer());
    std::string problem = "has no SC food production licence";
    std::string code = "sc_licence_missing";
    if (party != nullptr && party->licences() != nullptr) {
      for (const fb::Licence* l : *party->licences()) {
        if (l == nullptr) continue;
        std::string_view kind = Sv(l->kind());
        if (kind != "SC" && kind != "sc" && kind != "sc_licence") continue;
        std::string_view number = Sv(l->number());
        if (std::string bad = codes::ScLicenceError(number); !bad.empty()) {
          problem = "holds an invalid " + bad;
          code = "sc_licence_invalid";
          continue;
        }
        int64_t from = Micros(l->valid_from()), to = Micros(l->valid_to());
        if ((from != 0 && produced < from) || (to != 0 && produced >= to)) {
          problem = "holds SC licence " + std::string(number) + ", not valid on " +
                    Date(produced) + (to != 0 ? " (valid to " + Date(to) + ")" : "");
          code = "sc_licence_expired";
          continue;
        }
        return;  // a valid licence
      }
    }
    v.Reject("R-AG-5", code, "producer",
             "processed lot " + LotName(lot.lot()) + ": " + std::string(ctx.signer()) + " " +
                 problem);
  }

  // ---- claims (R-AG-6) ----------------------------------------------------------------

  struct Claim {
    const fbp::CertificateInfo* cert = nullptr;  // the certificate relied on
    std::string problem, code;                   // why it fails (empty: valid)
  };

  // The organic certificate a lot relies on and whether it holds at `t`.
  static Claim OrganicClaimOf(const CheckContext& ctx,
                              const flatbuffers::Vector<flatbuffers::Offset<fb::CertRef>>* cited,
                              const plugin::AttrList* attrs, std::string_view producer,
                              const fb::LotRef* lot, int64_t t) {
    Claim claim;
    auto certs = CertsOfKind(ctx, cited, nullptr, kOrganic);
    if (certs.empty()) {
      claim.code = "organic_cert_missing";
      claim.problem = "an organic claim needs the producer's organic certificate (cite it)";
      return claim;
    }
    const int64_t max_months = ParamInt(ctx, kOrganicValidityMonths);
    for (const auto* c : certs) {
      claim.cert = c;
      if (!Sv(c->subject_party()).empty() && Sv(c->subject_party()) != producer) {
        claim.code = "organic_cert_holder_mismatch";
        claim.problem = "organic certificate " + std::string(Sv(c->cert_id())) + " is held by " +
                        std::string(Sv(c->subject_party())) + ", not " + std::string(producer);
        continue;
      }
      if (lot != nullptr && !Sv(c->subject_product()).empty() &&
          (Sv(c->subject_product()) != Sv(lot->product()) ||
           c->subject_product_scheme() != lot->scheme())) {
        claim.code = "organic_cert_scope";
        claim.problem = "organic certificate " + std::string(Sv(c->cert_id())) +
                        " does not cover product " + std::string(Sv(lot->product()));
        continue;
      }
      std::string suffix;
      std::string why = InvalidAt(*c, t, max_months, &suffix);
      if (!why.empty()) {
        claim.code = "organic_cert_" + suffix;
        claim.problem = "organic claim on " + Date(t) + ": " + why;
        continue;
      }
      auto code = StrAttr(attrs, "organic_code");
      auto cb = StrAttr(c->attributes(), "cb_code").value_or("");
      if (!code) {
        claim.code = "organic_code_missing";
        claim.problem = "an organic lot carries its 17-digit organic code (organic_code)";
      } else if (std::string bad = codes::OrganicCodeError(*code); !bad.empty()) {
        claim.code = "organic_code_invalid";
        claim.problem = bad;
      } else if (std::string bad = codes::OrganicCodeError(*code, cb); !bad.empty()) {
        claim.code = "organic_code_cb_mismatch";
        claim.problem = bad + ", the body of certificate " + std::string(Sv(c->cert_id()));
      } else {
        claim.problem.clear();
        claim.code.clear();
        return claim;
      }
    }
    return claim;
  }

  static bool ClaimsOrganic(const CheckContext& ctx,
                            const flatbuffers::Vector<flatbuffers::Offset<fb::CertRef>>* cited,
                            const plugin::AttrList* attrs) {
    if (StrAttr(attrs, "organic_code")) return true;
    if (cited == nullptr) return false;
    for (const fb::CertRef* r : *cited) {
      if (r == nullptr) continue;
      if (Sv(r->standard()).find("19630") != std::string_view::npos) return true;
      const fbp::CertificateInfo* c = ctx.Certificate(Sv(r->cert_id()));
      if (c != nullptr && Sv(c->kind()) == kOrganic) return true;
    }
    return false;
  }

  void CheckClaims(const CheckContext& ctx, const fb::LotRegistration& lot, Verdict& v) const {
    const int64_t produced = Micros(lot.production_time());
    if (ClaimsOrganic(ctx, lot.certificates(), lot.attributes())) {
      Claim claim = OrganicClaimOf(ctx, lot.certificates(), lot.attributes(), ctx.signer(),
                                   lot.lot(), produced);
      if (!claim.code.empty()) {
        v.Reject("R-AG-6", claim.code,
                 claim.code.rfind("organic_code", 0) == 0 ? "attributes.organic_code"
                                                          : "certificates",
                 claim.problem);
      }
      CheckOrganicInputs(ctx, lot, v);
    }
    // Green food: the certificate must hold on the production date.
    for (const auto* c : CertsOfKind(ctx, lot.certificates(), nullptr, kGreenFood)) {
      std::string suffix;
      std::string why = InvalidAt(*c, produced, ParamInt(ctx, kGreenFoodValidityMonths), &suffix);
      if (why.empty() && !Sv(c->subject_party()).empty() && Sv(c->subject_party()) != ctx.signer()) {
        suffix = "holder_mismatch";
        why = "certificate " + std::string(Sv(c->cert_id())) + " is held by " +
              std::string(Sv(c->subject_party()));
      }
      if (!why.empty()) {
        v.Reject("R-AG-6", "green_food_cert_" + suffix, "certificates",
                 "green-food label on " + Date(produced) + ": " + why);
      }
    }
  }

  // An organic lot made from other lots: at least organic_min_input_share_pct
  // of its ingredient inputs (by quantity) are organic lots whose own claim
  // held when they were made.
  void CheckOrganicInputs(const CheckContext& ctx, const fb::LotRegistration& lot,
                          Verdict& v) const {
    const fbp::InputList* inputs = ctx.Inputs(lot.lot());
    if (inputs == nullptr || inputs->inputs() == nullptr || inputs->inputs()->size() == 0) return;
    int64_t total = 0, organic = 0;
    bool comparable = true;
    std::string unit;
    std::vector<std::string> not_organic;
    for (const fbp::InputLot* in : *inputs->inputs()) {
      if (in == nullptr || in->lot() == nullptr || !IsIngredientEdge(in->kind())) continue;
      const fbp::LotInfo* src = in->lot();
      bool ok = false;
      if (ClaimsOrganic(ctx, src->certificates(), src->attributes())) {
        Claim c = OrganicClaimOf(ctx, src->certificates(), src->attributes(), Sv(src->producer()),
                                 src->lot(), Micros(src->production_time()));
        ok = c.code.empty();
      }
      // Consumed quantities compare when the inputs state them in one unit.
      int64_t q = 0;
      if (const fb::Quantity* consumed = in->consumed(); consumed != nullptr) {
        q = Milli(consumed->value(), consumed->scale());
        if (unit.empty()) unit = std::string(Sv(consumed->unit()));
        comparable = comparable && Sv(consumed->unit()) == unit;
      }
      total += q;
      if (ok) {
        organic += q;
      } else {
        not_organic.push_back(LotName(src->lot()));
      }
    }
    if (not_organic.empty()) return;
    const int64_t min_pct = ParamInt(ctx, kOrganicMinShare);
    if (comparable && total > 0 && organic * 100 >= min_pct * total) return;
    std::string share = comparable && total > 0
                            ? std::to_string(organic * 100 / total) + " % of the inputs are"
                            : "not all inputs are";
    v.Reject("R-AG-6", "organic_inputs_not_certified", "inputs",
             "organic claim: only " + share + " organic-certified (at least " +
                 std::to_string(min_pct) + " % required); not organic: " + Join(not_organic));
  }

  // ---- recalls ------------------------------------------------------------------------

  static void CheckRecallOrder(const fb::RecallOrder& o, Verdict& v) {
    std::string_view level = Sv(o.level());
    if (level != "1" && level != "2" && level != "3" && level != "voluntary") {
      v.Reject("R-AG-7", "recall_level_unknown", "level",
               "food recall levels are 1 (serious harm), 2 (general harm), 3 (false labelling) "
               "or voluntary (label defect without harm), not '" + std::string(level) + "'");
    }
  }
};

// The food recall workflow (食品召回管理办法, sector-rules.md 1(d)) as data:
// the host applies it while it walks the lineage and runs the state machine.
void Agriculture::PlanRecall(const plugin::RecallContext& ctx, plugin::RecallPlan& plan) const {
  using fbp::DeadlineAnchor;
  using fbp::DeadlineKind;
  using fbp::NotifyTarget;
  const fbp::RecallRequest& req = ctx.request();
  std::string_view level = Sv(req.level());
  const int l = level == "1" ? 0 : level == "2" ? 1 : level == "3" ? 2 : -1;

  // Scope (section 0.3): merges taint the mixed lot, splits inherit, food
  // made from a lot and its labels and containers are in; inputs applied to
  // ponds and plots taint only harvests after the application, and a pond
  // stays tainted until it is emptied.
  plan.propagate = {fb::EdgeKind::COMPOSED_OF, fb::EdgeKind::MERGED_INTO,
                    fb::EdgeKind::SPLIT_FROM, fb::EdgeKind::LABELLED_WITH,
                    fb::EdgeKind::CONTAINED_IN};
  plan.through_units = true;
  plan.bulk_until_emptied = true;
  plan.serial_level = true;
  plan.max_depth = 0;
  plan.custody_depth = req.depth();
  plan.calendar.name = "CN";
  plan.calendar.utc_offset_minutes = 480;

  if (l < 0) {
    // Voluntary: a label defect without harm. Correct the labels of the
    // lots still held; no statutory deadlines.
    plan.deadlines = {{DeadlineKind::ACKNOWLEDGE, DeadlineAnchor::NOTIFIED, 72, 0, false}};
    plan.notify = {{NotifyTarget::HOLDERS, fbp::CustodyDepth::RETAIL, 72, 0}};
    plan.public_notice = req.public_notice();
    plan.closing.reconciled = false;
    plan.closing.disposal_evidence = false;
    plan.closing.regulator_review = false;
    plan.notes.push_back("voluntary: label correction, recall optional (no statutory deadlines)");
    return;
  }
  // Start (and notify sellers to stop sale, file the plan) within 24/48/72 h
  // of learning of the risk; complete within 10/20/30 working days of the
  // announcement.
  const uint32_t start_hours[] = {24, 48, 72};
  const uint32_t complete_working_days[] = {10, 20, 30};
  // Progress reports are not in the sourced text [M]: daily, every 2 and 3 days.
  const uint32_t report_hours[] = {24, 48, 72};
  const uint32_t h = start_hours[l];
  plan.deadlines = {
      {DeadlineKind::START, DeadlineAnchor::RISK_KNOWN, h, 0, false},
      {DeadlineKind::FILE_PLAN, DeadlineAnchor::RISK_KNOWN, h, 0, false},
      {DeadlineKind::NOTIFY, DeadlineAnchor::RISK_KNOWN, h, 0, false},
      {DeadlineKind::ACKNOWLEDGE, DeadlineAnchor::NOTIFIED, h, 0, false},
      {DeadlineKind::PROGRESS_REPORT, DeadlineAnchor::NOTIFIED, report_hours[l], 0, true},
      {DeadlineKind::COMPLETE, DeadlineAnchor::NOTIFIED, 0, complete_working_days[l], false},
  };
  // County-level-or-above SAMR gets the plan; sellers stop sale; consumers
  // learn from a public notice (every statutory level).
  plan.notify = {
      {NotifyTarget::REGULATOR, fbp::CustodyDepth::CONSUMER, h, 0},
      {NotifyTarget::PRODUCER, fbp::CustodyDepth::CONSUMER, h, 0},
      {NotifyTarget::HOLDERS, req.depth(), h, 0},
      {NotifyTarget::PUBLIC, fbp::CustodyDepth::CONSUMER, h, 0},
  };
  if (level == "3") {
    // False labelling (organic / green-food label misuse): the certifier.
    plan.notify.push_back({NotifyTarget::CERTIFIER, fbp::CustodyDepth::CONSUMER, h, 0});
  }
  plan.public_notice = true;
  // Closing: every consignee acknowledged, quantities reconciled, disposal
  // (destruction or harmless treatment) evidenced, summary filed, regulator
  // accepts.
  plan.closing.all_acknowledged = true;
  plan.closing.reconciled = true;
  plan.closing.min_accounted_ppm = 1'000'000;
  plan.closing.disposal_evidence = true;
  plan.closing.summary = true;
  plan.closing.in_situ_assessment = false;
  plan.closing.regulator_review = true;
  plan.notes.push_back("food recall level " + std::string(level) + ": start within " +
                       std::to_string(h) + " h of the risk, complete within " +
                       std::to_string(complete_working_days[l]) +
                       " working days of the announcement; extension only with the "
                       "regulator's consent [M]");
}

}  // namespace

QTRACE_PLUGIN(Agriculture);
