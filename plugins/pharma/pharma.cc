// pharma: the pharma & biomedicine sector plugin (sector-rules.md section 4).
//
// Lots of the sector have a category (lot attribute `category`): a finished
// drug (the default for products keyed on a 药品本位码, scheme national), an
// API, an excipient, packaging, or a bulk (待包装) batch. The checks, by
// record:
//
//   product      R-PH-A2  a national product id is a valid 药品本位码
//   lot          R-PH-A1  a finished lot carries a well-formed 批准文号
//                R-PH-A2  (the product's 药品本位码, as above)
//                R-PH-A3  a finished lot has an expiry date; a lot has a category
//                R-PH-5   a finished lot commissions one 20-digit trace code
//                         per pack, all of one drug identifier (reuse of a code
//                         is refused by the host core: serial_reused)
//                R-PH-1   a chemical drug (国药准字H) names an API input lot
//                         (directly or through its bulk batch),
//                         within its expiry / retest date on the day of use,
//                         from a supplier licensed (drug_mfg) on that day
//                R-PH-3   at most one bulk batch per packaging batch
//                R-PH-C1  the approval number is on file (a drug_approval
//                         certificate) valid at production time, when it is
//                R-PH-C2  the maker holds a drug_mfg licence valid at
//                         production time (finished, API and bulk lots)
//   shipment     R-PH-6   QP release before the maker ships; 批签发 for
//                         vaccines / blood products before shipping
//                R-PH-C3  a non-maker shipper holds drug_dist at ship time
//                         (returns up the chain excepted)
//                R-PH-7   no shipping or dispensing of an expired lot
//                R-PH-5   trace codes moved are well formed
//   receipt      R-PH-6   the receiving gate checks 批签发
//   disposition  R-PH-5   dispensing / selling a finished drug scans one
//                         trace code per pack (a second scan of a code is
//                         refused by the host core: serial_reused)
//   certificate  R-PH-C1  a drug_approval certificate is numbered as a
//                         批准文号 and issued by a regulator
//                R-PH-6   批签发 comes from a lab or regulator, QP release
//                         from the lot's maker
//   recall       R-PH-R   levels 1/2/3 only; PlanRecall gives the
//                         药品召回管理办法 (2022) timers and scope rules
//
// Licences and certificates are evaluated at the time of the event they
// cover (production, shipping), never at record time (section 0.3.7). The
// unverified ([M]) numbers of the rules file — validity years, recall days,
// bulk batches — and the [M]/[D] gates that can be switched off are rule
// parameters with the documented defaults.
//
// Thread-safety: the checks are const and keep no state (reentrant).
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <stdexcept>
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

constexpr int64_t kMicrosPerHour = 3'600'000'000LL;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// ---- rule parameters ([M] items, with the rules file's defaults) -------------------------

struct IntParam {
  const char* key;
  int64_t value;
  const char* doc;
};
constexpr IntParam kIntParams[] = {
    {"approval_validity_years", 5,
     "validity of a drug registration (批准文号) when its certificate states no end [M]"},
    {"require_approval_certificate", 0,
     "1: a finished lot's approval number must be on file as a drug_approval certificate"},
    {"require_trace_codes", 1, "1: finished lots and their dispensing carry drug trace codes"},
    {"require_api_input", 1, "1: a chemical-drug (H) batch must name at least one API lot [M]"},
    {"api_supplier_licence_at_use", 1,
     "1: an API's maker must hold its licence on the day the API is used (supplier "
     "qualification) [D]"},
    {"max_bulk_batches", 1, "bulk batches one packaging batch may draw from [M]"},
    {"require_qp_release", 1, "1: the maker ships a finished lot only after QP release [M]"},
    {"recall_days_level_1", 1, "level 1: notice + filing within, and progress every, N days [M]"},
    {"recall_days_level_2", 3, "level 2: notice + filing within, and progress every, N days [M]"},
    {"recall_days_level_3", 7, "level 3: notice + filing within, and progress every, N days [M]"},
    {"recall_complete_days", 30, "days from the notice to complete returns [M]"},
    {"recall_summary_working_days", 10, "working days after completion for the summary [M]"},
    {"recall_review_days", 10, "days for the provincial MPA's review of the summary [S2]"},
    {"recall_illegitimate_notify_hours", 24,
     "serial-level (counterfeit / illegitimate) recalls: notify within N hours (DSCSA) [S31]"},
};
constexpr const char* kMfgLicenceKind = "drug_mfg";
constexpr const char* kDistLicenceKind = "drug_dist";

int64_t Param(const fbp::ParamSet* set, std::string_view key) {
  int64_t value = 0;
  for (const auto& p : kIntParams) {
    if (key == p.key) value = p.value;
  }
  if (set != nullptr) {
    if (auto v = plugin::AttrScaled(plugin::FindAttr(set->params(), key), 0)) value = *v;
  }
  return value;
}
std::string ParamString(const fbp::ParamSet* set, std::string_view key, std::string_view dflt) {
  if (set != nullptr) {
    if (auto v = plugin::AttrString(plugin::FindAttr(set->params(), key)); v && !v->empty()) {
      return std::string(*v);
    }
  }
  return std::string(dflt);
}

// ---- small helpers -------------------------------------------------------------------------

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }
int64_t Micros(const fb::Timestamp* t) { return t ? t->micros() : 0; }

// "2026-09-30" (UTC+08:00, the calendar the rules count in).
std::string Day(int64_t micros) {
  int64_t local = micros + 8 * kMicrosPerHour;
  int64_t days = local / kMicrosPerDay - (local % kMicrosPerDay < 0 ? 1 : 0);
  // Civil from days (H. Hinnant).
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::string LotName(const fb::LotRef* ref) {
  if (ref == nullptr) return "?";
  return Str(ref->product()) + "/" + Str(ref->lot());
}

// The event time a shipment, receipt or disposition speaks of.
int64_t EventTime(const CheckContext& ctx) {
  return ctx.event_time() != 0 ? ctx.event_time() : ctx.record_time();
}

// ---- lot categories --------------------------------------------------------------------------

enum class Category { kFinished, kApi, kExcipient, kPackaging, kBulk, kUnknown };
constexpr std::string_view kCategoryNames[] = {"finished", "api", "excipient", "packaging",
                                               "bulk"};

Category ParseCategory(std::string_view s) {
  for (size_t i = 0; i < std::size(kCategoryNames); ++i) {
    if (s == kCategoryNames[i]) return static_cast<Category>(i);
  }
  return Category::kUnknown;
}

// A lot's category: its `category` attribute, else finished for products
// keyed on a drug standard code; nullopt when neither says.
std::optional<Category> CategoryOf(fb::IdScheme scheme, const plugin::AttrList* attrs) {
  if (auto c = plugin::AttrString(plugin::FindAttr(attrs, "category"))) return ParseCategory(*c);
  if (scheme == fb::IdScheme::NATIONAL) return Category::kFinished;
  return std::nullopt;
}
bool NeedsMfgLicence(Category c) {
  return c == Category::kFinished || c == Category::kApi || c == Category::kBulk;
}

// ---- licences and certificates at a time ---------------------------------------------------

bool LicenceCovers(const fb::Licence* l, std::string_view kind, int64_t at) {
  if (l == nullptr || plugin::View(l->kind()) != kind) return false;
  int64_t from = Micros(l->valid_from()), to = Micros(l->valid_to());
  return (from == 0 || from <= at) && (to == 0 || at < to);
}

// The party's licence of `kind` valid at `at`, or nullptr. `why` says what
// was found instead (for the message).
const fb::Licence* ValidLicence(const fbp::PartyInfo* party, std::string_view kind, int64_t at,
                                std::string* why) {
  if (party == nullptr) {
    *why = "is not a registered party";
    return nullptr;
  }
  const fb::Licence* expired = nullptr;
  if (party->licences() != nullptr) {
    for (const fb::Licence* l : *party->licences()) {
      if (LicenceCovers(l, kind, at)) return l;
      if (l != nullptr && plugin::View(l->kind()) == kind) expired = l;
    }
  }
  if (expired == nullptr) {
    *why = "holds no " + std::string(kind) + " licence";
  } else {
    int64_t from = Micros(expired->valid_from()), to = Micros(expired->valid_to());
    *why = "holds " + std::string(kind) + " licence " + Str(expired->number()) + " valid " +
           (from ? Day(from) : std::string("?")) + " to " + (to ? Day(to) : std::string("open")) +
           ", not on " + Day(at);
  }
  return nullptr;
}

// The certificate's status at `at` from its history (VALID when none).
fb::CertStatus StatusAt(const fbp::CertificateInfo* c, int64_t at) {
  fb::CertStatus s = fb::CertStatus::VALID;
  if (c->history() != nullptr) {
    for (const fbp::CertStatusInfo* h : *c->history()) {
      if (h->effective() <= at) s = h->status();
    }
  }
  return s;
}
bool Usable(fb::CertStatus s) {
  return s == fb::CertStatus::VALID || s == fb::CertStatus::REINSTATED;
}
// Valid at `at`: inside [valid_from, valid_to) and not suspended, revoked or
// cancelled by then. `default_years` bounds an open-ended certificate.
// The end of a certificate's validity; an open-ended one with a statutory
// term (`default_years`, e.g. a drug registration) ends that long after
// its start (0: never).
int64_t ValidTo(const fbp::CertificateInfo* c, int64_t default_years) {
  if (c->valid_to() != 0 || default_years <= 0 || c->valid_from() <= 0) return c->valid_to();
  return c->valid_from() + (default_years * 365 + default_years / 4) * kMicrosPerDay;
}
bool CertValidAt(const fbp::CertificateInfo* c, int64_t at, int64_t default_years = 0) {
  int64_t to = ValidTo(c, default_years);
  return c->valid_from() <= at && (to == 0 || at < to) && Usable(StatusAt(c, at));
}

// A lot certificate of `kind` valid at `at` (lot release, QP release).
const fbp::CertificateInfo* LotCertificate(const CheckContext& ctx, const fb::LotRef* lot,
                                           std::string_view kind, int64_t at) {
  const fbp::CertificateList* list = ctx.CertificatesOfLot(lot);
  if (list == nullptr || list->certificates() == nullptr) return nullptr;
  for (const fbp::CertificateInfo* c : *list->certificates()) {
    if (plugin::View(c->kind()) == kind && CertValidAt(c, at)) return c;
  }
  return nullptr;
}

bool HasRole(const fbp::PartyInfo* p, std::initializer_list<fb::Role> roles) {
  if (p == nullptr || p->roles() == nullptr) return false;
  for (auto r : *p->roles()) {
    if (std::find(roles.begin(), roles.end(), r) != roles.end()) return true;
  }
  return false;
}
bool IsRegulator(const fbp::PartyInfo* p) {
  return HasRole(p, {fb::Role::REGULATOR, fb::Role::ADMIN});
}

// The approval number a drug_approval certificate grants: its
// approval_number attribute (a re-registration is a new certificate for the
// same number), else its id.
std::string_view ApprovalOf(const flatbuffers::String* cert_id, const plugin::AttrList* attrs) {
  if (auto a = plugin::AttrString(plugin::FindAttr(attrs, "approval_number")); a && !a->empty()) {
    return *a;
  }
  return plugin::View(cert_id);
}

// Biologics that need a 批签发证明 per batch (SAMR Order 33).
bool NeedsLotRelease(const plugin::AttrList* attrs) {
  auto t = plugin::AttrString(plugin::FindAttr(attrs, "biologic_type"));
  return t && (*t == "vaccine" || *t == "blood_product" || *t == "blood_screening_ivd");
}

class Pharma final : public plugin::Plugin {
 public:
  static constexpr plugin::Info kInfo{
      .name = "pharma",
      .version = "1.0.0",
      .rule_set = "pharma/2026.1",
      .min_host_version = "0.1.0",
      .sectors = {"pharma"},
      .records = {fb::Body::ProductRegistration, fb::Body::LotRegistration, fb::Body::Shipment,
                  fb::Body::Receipt, fb::Body::Disposition, fb::Body::Certificate,
                  fb::Body::RecallOrder},
      .plan_recall = true};

  void Describe(plugin::Description& d) const override {
    d.Attribute("category")
        .Allowed({"finished", "api", "excipient", "packaging", "bulk"})
        .Doc("what the lot is; default finished for a product keyed on a 药品本位码");
    d.Attribute("approval_number")
        .Doc("药品批准文号 of a finished lot, e.g. 国药准字H20203456 (required for finished lots)");
    d.Attribute("generic_name").Doc("通用名");
    d.Attribute("dosage_form").Doc("剂型");
    d.Attribute("strength").Doc("制剂规格");
    d.Attribute("pack_spec").Doc("包装规格");
    d.Attribute("drug_identifier").Doc("7-digit drug identifier code the lot's trace codes begin with");
    d.Attribute("mfg_licence_no").Doc("药品生产许可证 number the lot was made under");
    d.Attribute("qp_name").Doc("qualified person (质量受权人) who released the lot");
    d.Attribute("qp_released_at", fb::AttrType::TIME)
        .Doc("QP release time; or a qp_release certificate of the lot");
    d.Attribute("retest_date", fb::AttrType::TIME).Doc("API retest date (use before it)");
    d.Attribute("cde_registration").Doc("API: CDE 原辅包 registration number (Y...)");
    d.Attribute("biologic_type")
        .Allowed({"vaccine", "blood_product", "blood_screening_ivd", "other"})
        .Doc("biologics needing a 批签发证明 (lot_release certificate) per batch");
    d.Attribute("gmp", fb::AttrType::BOOL)
        .Doc("legacy GMP certificate flag: informational only (abolished 2019-12-01)");

    d.Rule("R-PH-A1", "a finished drug lot carries a well-formed approval number (批准文号)",
           "NMPA numbering [S10]");
    d.Rule("R-PH-A2", "a product keyed on a national code has a valid 药品本位码", "[S8]");
    d.Rule("R-PH-A3", "a lot states its category; a finished lot its expiry date", "[S9]");
    d.Rule("R-PH-1", "a chemical-drug batch names a usable API lot from a licensed maker",
           "sector-rules 4(b) [M/D]");
    d.Rule("R-PH-3", "a packaging batch draws from one bulk batch", "sector-rules 4(b) [M]");
    d.Rule("R-PH-5", "one pack, one 20-digit trace code, never reused; dispensing scans it",
           "NMPA/T 1002-2019 [S7]");
    d.Rule("R-PH-6", "no shipping before QP release; biologics need 批签发 to move",
           "SAMR Order 33 [S11]; QP [M]");
    d.Rule("R-PH-7", "an expired lot is neither shipped nor dispensed", "Drug Administration Law [D]");
    d.Rule("R-PH-C1", "the approval number is valid (not expired, suspended or cancelled) at production",
           "药品注册证书 5 years [M]");
    d.Rule("R-PH-C2", "the maker holds a drug_mfg licence valid at production", "药品生产许可证 [M]");
    d.Rule("R-PH-C3", "a distributor holds a drug_dist licence valid at shipping", "药品经营许可证 [M]");
    d.Rule("R-PH-R", "recalls are level 1, 2 or 3 (一级/二级/三级)", "药品召回管理办法 2022 [S1]");
    for (const auto& p : kIntParams) d.Param(p.key, fb::AttrType::INT, p.value, p.doc);
    d.Param("mfg_licence_kind", kMfgLicenceKind, "party licence kind of a drug manufacturer");
    d.Param("dist_licence_kind", kDistLicenceKind, "party licence kind of a drug distributor");
    d.doc =
        "Pharma and biomedicine: approval numbers, drug standard codes and 20-digit trace codes; "
        "API lineage; manufacturing and distribution licences, QP release and 批签发 evaluated at "
        "the time of the event; recalls per 药品召回管理办法 (2022).";
  }

  void CheckRecord(const CheckContext& ctx, Verdict& v) const override {
    switch (ctx.body_type()) {
      case fb::Body::ProductRegistration: CheckProduct(ctx, v); break;
      case fb::Body::LotRegistration: CheckLot(ctx, v); break;
      case fb::Body::Shipment: CheckShipment(ctx, v); break;
      case fb::Body::Receipt: CheckReceipt(ctx, v); break;
      case fb::Body::Disposition: CheckDisposition(ctx, v); break;
      case fb::Body::Certificate: CheckCertificate(ctx, v); break;
      case fb::Body::RecallOrder: CheckRecallOrder(ctx, v); break;
      default: break;
    }
  }

  void PlanRecall(const plugin::RecallContext& ctx, plugin::RecallPlan& plan) const override;

 private:
  static void CheckProductId(fb::IdScheme scheme, std::string_view product, std::string_view field,
                             Verdict& v) {
    if (scheme != fb::IdScheme::NATIONAL) return;
    if (auto e = codes::DrugStandardCodeError(product); !e.empty()) {
      v.Reject("R-PH-A2", "drug_standard_code_invalid", field, e);
    }
  }

  static void CheckProduct(const CheckContext& ctx, Verdict& v) {
    const auto* p = ctx.body<fb::ProductRegistration>();
    CheckProductId(p->scheme(), plugin::View(p->product_id()), "product_id", v);
  }

  static void CheckLot(const CheckContext& ctx, Verdict& v) {
    const auto* lot = ctx.body<fb::LotRegistration>();
    const fb::LotRef* ref = lot->lot();
    if (ref == nullptr) return;
    const auto* attrs = lot->attributes();
    const fbp::ParamSet* params = ctx.Params();
    const int64_t produced = Micros(lot->production_time());
    CheckProductId(ref->scheme(), plugin::View(ref->product()), "lot.product", v);

    auto category = CategoryOf(ref->scheme(), attrs);
    if (!category) {
      v.Reject("R-PH-A3", "category_missing", "attributes.category",
               "a pharma lot states its category (finished, api, excipient, packaging or bulk)");
      return;
    }
    if (*category == Category::kUnknown) {
      v.Reject("R-PH-A3", "category_invalid", "attributes.category",
               "category must be finished, api, excipient, packaging or bulk");
      return;
    }
    if (plugin::FindAttr(attrs, "gmp") != nullptr) {
      v.Note("GMP certificates were abolished on 2019-12-01: the gmp attribute is informational");
    }

    // R-PH-C2: the maker's licence at production time.
    if (NeedsMfgLicence(*category)) {
      std::string kind = ParamString(params, "mfg_licence_kind", kMfgLicenceKind);
      std::string why;
      const fb::Licence* l = ValidLicence(ctx.Party(ctx.signer()), kind, produced, &why);
      if (l == nullptr) {
        v.Reject("R-PH-C2", "mfg_licence_invalid", "header.party",
                 std::string(ctx.signer()) + " " + why + " (production " + Day(produced) + ")");
      } else if (auto no = plugin::AttrString(plugin::FindAttr(attrs, "mfg_licence_no"));
                 no && *no != plugin::View(l->number())) {
        v.Reject("R-PH-C2", "mfg_licence_mismatch", "attributes.mfg_licence_no",
                 "lot names licence " + std::string(*no) + " but " + std::string(ctx.signer()) +
                     "'s valid " + kind + " licence is " + Str(l->number()));
      }
    }

    CheckLotInputs(ctx, *category, produced, v);
    if (*category != Category::kFinished) return;

    // R-PH-A1 / R-PH-C1: the approval number.
    auto approval = plugin::AttrString(plugin::FindAttr(attrs, "approval_number"));
    if (!approval || approval->empty()) {
      v.Reject("R-PH-A1", "approval_number_missing", "attributes.approval_number",
               "a finished drug lot needs its approval number (批准文号), e.g. 国药准字H20203456");
    } else if (auto e = codes::ApprovalNumberError(*approval); !e.empty()) {
      v.Reject("R-PH-A1", "approval_number_invalid", "attributes.approval_number", e);
    } else {
      CheckApprovalCertificate(ctx, *approval, ref, produced, v);
      if ((*approval)[std::string_view("国药准字").size()] == 'H' &&
          Param(params, "require_api_input") != 0 && !HasApiInput(ctx, ref)) {
        v.Reject("R-PH-1", "api_input_missing", "inputs",
                 "chemical drug " + std::string(*approval) +
                     ": the batch must name the API lot(s) it was made from (inputs, category api)");
      }
    }

    // R-PH-A3: expiry.
    if (Micros(lot->expiry_time()) == 0) {
      v.Reject("R-PH-A3", "expiry_missing", "expiry_time",
               "a finished drug lot needs its expiry date (有效期至)");
    }

    // R-PH-5: one pack, one trace code.
    if (Param(params, "require_trace_codes") != 0) CheckTraceCodes(lot, attrs, v);
  }

  // The approval number's drug_approval certificates (the first
  // registration and any re-registration) must include one valid at
  // production time and covering this product.
  static void CheckApprovalCertificate(const CheckContext& ctx, std::string_view approval,
                                       const fb::LotRef* ref, int64_t produced, Verdict& v) {
    const fbp::ParamSet* params = ctx.Params();
    std::vector<const fbp::CertificateInfo*> found;
    auto consider = [&](const fbp::CertificateInfo* c) {
      if (c == nullptr || plugin::View(c->kind()) != "drug_approval" ||
          ApprovalOf(c->cert_id(), c->attributes()) != approval) {
        return;
      }
      for (const auto* f : found) {
        if (plugin::View(f->cert_id()) == plugin::View(c->cert_id())) return;
      }
      found.push_back(c);
    };
    consider(ctx.Certificate(approval));
    if (const auto* list = ctx.CertificatesOfProduct(ref->scheme(), plugin::View(ref->product()));
        list != nullptr && list->certificates() != nullptr) {
      for (const fbp::CertificateInfo* c : *list->certificates()) consider(c);
    }
    if (found.empty()) {
      if (Param(params, "require_approval_certificate") != 0) {
        v.Reject("R-PH-C1", "approval_not_on_file", "attributes.approval_number",
                 "approval number " + std::string(approval) +
                     " is not on file as a drug_approval certificate");
      }
      return;
    }
    std::vector<const fbp::CertificateInfo*> mine;
    for (const auto* c : found) {
      if (c->subject_product() == nullptr || c->subject_product()->size() == 0 ||
          (c->subject_product_scheme() == ref->scheme() &&
           plugin::View(c->subject_product()) == plugin::View(ref->product()))) {
        mine.push_back(c);
      }
    }
    if (mine.empty()) {
      v.Reject("R-PH-C1", "approval_product_mismatch", "attributes.approval_number",
               "approval number " + std::string(approval) + " covers product " +
                   Str(found.front()->subject_product()) + ", not " + Str(ref->product()));
      return;
    }
    int64_t years = Param(params, "approval_validity_years");
    // None valid: explain with the newest registration that had started by
    // production time, else with the earliest one.
    const fbp::CertificateInfo* started = nullptr;
    const fbp::CertificateInfo* earliest = nullptr;
    for (const auto* c : mine) {
      if (CertValidAt(c, produced, years)) return;
      if (c->valid_from() <= produced && (!started || c->valid_from() > started->valid_from())) {
        started = c;
      }
      if (!earliest || c->valid_from() < earliest->valid_from()) earliest = c;
    }
    const fbp::CertificateInfo* best = started ? started : earliest;
    if (produced < best->valid_from()) {
      v.Reject("R-PH-C1", "approval_not_yet_valid", "attributes.approval_number",
               "approval number " + std::string(approval) + " is valid from " +
                   Day(best->valid_from()) + ", after production on " + Day(produced));
      return;
    }
    fb::CertStatus s = StatusAt(best, produced);
    if (Usable(s)) {
      v.Reject("R-PH-C1", "approval_expired", "attributes.approval_number",
               "approval number " + std::string(approval) + " expired on " +
                   Day(ValidTo(best, years)) + " (no re-registration on file); lot " +
                   LotName(ref) + " was produced on " + Day(produced));
    } else {
      std::string why = fb::EnumNameCertStatus(s);
      std::transform(why.begin(), why.end(), why.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      v.Reject("R-PH-C1", "approval_" + why, "attributes.approval_number",
               "approval number " + std::string(approval) + " was " + why + " on " +
                   Day(produced) + ", when lot " + LotName(ref) + " was produced");
    }
  }

  // An API among the lot's inputs, or among the inputs of its bulk batch
  // (a packaging batch holds the API through the bulk it was filled from).
  static bool HasApiInput(const CheckContext& ctx, const fb::LotRef* ref, bool through_bulk = true) {
    const fbp::InputList* inputs = ctx.Inputs(ref);
    if (inputs == nullptr || inputs->inputs() == nullptr) return false;
    for (const fbp::InputLot* in : *inputs->inputs()) {
      const fbp::LotInfo* l = in->lot();
      if (l == nullptr || l->lot() == nullptr) continue;
      auto c = CategoryOf(l->lot()->scheme(), l->attributes());
      if (c == Category::kApi) return true;
      if (c == Category::kBulk && through_bulk && HasApiInput(ctx, l->lot(), false)) return true;
    }
    return false;
  }

  // R-PH-1 (API lots usable on the day of use, from a licensed maker) and
  // R-PH-3 (one bulk batch).
  static void CheckLotInputs(const CheckContext& ctx, Category category, int64_t produced,
                             Verdict& v) {
    const auto* lot = ctx.body<fb::LotRegistration>();
    const fbp::InputList* inputs = ctx.Inputs(lot->lot());
    if (inputs == nullptr || inputs->inputs() == nullptr) return;
    const fbp::ParamSet* params = ctx.Params();
    std::string kind = ParamString(params, "mfg_licence_kind", kMfgLicenceKind);
    std::vector<std::string> bulk;
    for (size_t i = 0; i < inputs->inputs()->size(); ++i) {
      const fbp::LotInfo* in = inputs->inputs()->Get(i)->lot();
      if (in == nullptr || in->lot() == nullptr) continue;
      std::string field = "inputs[" + std::to_string(i) + "]";
      std::string name = LotName(in->lot());
      auto c = CategoryOf(in->lot()->scheme(), in->attributes());
      if (c == Category::kBulk) bulk.push_back(name);
      if (c != Category::kApi) continue;
      if (in->expiry_time() != 0 && in->expiry_time() <= produced) {
        v.Reject("R-PH-1", "api_expired", field,
                 "API lot " + name + " expired on " + Day(in->expiry_time()) +
                     ", before its use on " + Day(produced));
      }
      const fb::Attr* retest = plugin::FindAttr(in->attributes(), "retest_date");
      if (retest != nullptr && retest->type() == fb::AttrType::TIME && retest->num() <= produced) {
        v.Reject("R-PH-1", "api_retest_due", field,
                 "API lot " + name + " was due for retest on " + Day(retest->num()) +
                     ", before its use on " + Day(produced));
      }
      if (Param(params, "api_supplier_licence_at_use") != 0) {
        std::string why;
        std::string supplier = Str(in->producer());
        if (ValidLicence(ctx.Party(supplier), kind, produced, &why) == nullptr) {
          v.Reject("R-PH-1", "api_supplier_unlicensed", field,
                   "API lot " + name + " comes from " + supplier + ", which " + why +
                       " (use on " + Day(produced) + ")");
        }
      }
    }
    int64_t max_bulk = Param(params, "max_bulk_batches");
    if (category == Category::kFinished && static_cast<int64_t>(bulk.size()) > max_bulk) {
      std::string list;
      for (const auto& b : bulk) list += (list.empty() ? "" : ", ") + b;
      v.Reject("R-PH-3", "bulk_batches_mixed", "inputs",
               "a packaging batch draws from " + std::to_string(bulk.size()) +
                   " bulk batches (" + list + "); at most " + std::to_string(max_bulk));
    }
  }

  static void CheckTraceCodes(const fb::LotRegistration* lot, const plugin::AttrList* attrs,
                              Verdict& v) {
    const auto* serials = lot->serials();
    if (serials == nullptr || serials->size() == 0) {
      v.Reject("R-PH-5", "trace_codes_missing", "serials",
               "a finished drug lot commissions one 20-digit drug trace code per pack (serials)");
      return;
    }
    auto identifier = plugin::AttrString(plugin::FindAttr(attrs, "drug_identifier"));
    std::string first_id;
    for (size_t i = 0; i < serials->size(); ++i) {
      std::string_view code = serials->Get(i)->string_view();
      std::string field = "serials[" + std::to_string(i) + "]";
      if (auto e = codes::DrugTraceCodeError(code); !e.empty()) {
        v.Reject("R-PH-5", "trace_code_malformed", field, e);
        return;  // one line is enough; the rest are likely the same mistake
      }
      std::string_view id = codes::DrugTraceCodeIdentifier(code);
      if (identifier && id != *identifier) {
        v.Reject("R-PH-5", "trace_code_identifier_mismatch", field,
                 "trace code " + std::string(code) + " has drug identifier " + std::string(id) +
                     ", the lot's is " + std::string(*identifier));
        return;
      }
      if (first_id.empty()) {
        first_id = std::string(id);
      } else if (id != first_id) {
        v.Reject("R-PH-5", "trace_code_identifier_mismatch", field,
                 "trace code " + std::string(code) + " has drug identifier " + std::string(id) +
                     " but the lot's first code has " + first_id + " (one product, one pack level)");
        return;
      }
    }
    const fb::Quantity* q = lot->quantity();
    if (q != nullptr && plugin::View(q->unit()) == "EA" && q->scale() == 0 &&
        q->value() != static_cast<int64_t>(serials->size())) {
      v.Reject("R-PH-5", "trace_code_count_mismatch", "serials",
               std::to_string(serials->size()) + " trace codes for " + std::to_string(q->value()) +
                   " packs (one pack, one code)");
    }
  }

  // Trace codes named by moved items are well formed.
  template <typename Items>
  static void CheckItemCodes(const Items* items, std::string_view base, Verdict& v) {
    if (items == nullptr) return;
    for (size_t i = 0; i < items->size(); ++i) {
      const auto* serials = items->Get(i)->serials();
      if (serials == nullptr) continue;
      for (size_t k = 0; k < serials->size(); ++k) {
        if (auto e = codes::DrugTraceCodeError(serials->Get(k)->string_view()); !e.empty()) {
          v.Reject("R-PH-5", "trace_code_malformed",
                   std::string(base) + "[" + std::to_string(i) + "].serials[" +
                       std::to_string(k) + "]",
                   e);
          return;
        }
      }
    }
  }

  // Only this sector's lots: a shipment may mix sectors, each checked by its own plugin.
  static const fbp::LotInfo* PharmaLot(const CheckContext& ctx, const fb::LotRef* ref) {
    const fbp::LotInfo* l = ctx.Lot(ref);
    return l != nullptr && plugin::View(l->sector()) == ctx.sector() ? l : nullptr;
  }

  static void CheckExpiry(const fbp::LotInfo* l, int64_t at, std::string_view field,
                          std::string_view what, Verdict& v) {
    if (l->expiry_time() != 0 && l->expiry_time() <= at) {
      v.Reject("R-PH-7", "lot_expired", field,
               "lot " + LotName(l->lot()) + " expired on " + Day(l->expiry_time()) + " and may not be " +
                   std::string(what) + " on " + Day(at));
    }
  }

  static void CheckLotRelease(const CheckContext& ctx, const fbp::LotInfo* l, int64_t at,
                              std::string_view field, std::string_view what, Verdict& v) {
    if (!NeedsLotRelease(l->attributes())) return;
    if (LotCertificate(ctx, l->lot(), "lot_release", at) == nullptr) {
      v.Reject("R-PH-6", "lot_release_missing", field,
               "biologic lot " + LotName(l->lot()) + " has no valid 批签发证明 (lot_release "
               "certificate) and may not be " + std::string(what));
    }
  }

  static void CheckShipment(const CheckContext& ctx, Verdict& v) {
    const auto* s = ctx.body<fb::Shipment>();
    const int64_t at = EventTime(ctx);
    const fbp::ParamSet* params = ctx.Params();
    CheckItemCodes(s->items(), "items", v);
    if (s->items() == nullptr) return;
    bool dist_checked = false;
    for (size_t i = 0; i < s->items()->size(); ++i) {
      const fb::LotQuantity* item = s->items()->Get(i);
      const fbp::LotInfo* l = PharmaLot(ctx, item->lot());
      if (l == nullptr) continue;  // unknown lots are the core's to refuse
      std::string field = "items[" + std::to_string(i) + "]";
      CheckExpiry(l, at, field, "shipped", v);
      CheckLotRelease(ctx, l, at, field, "shipped", v);
      bool maker = plugin::View(l->producer()) == ctx.signer();
      auto category = CategoryOf(l->lot()->scheme(), l->attributes());
      if (maker && category == Category::kFinished && Param(params, "require_qp_release") != 0 &&
          !QpReleased(ctx, l, at)) {
        v.Reject("R-PH-6", "qp_release_missing", field,
                 "lot " + LotName(l->lot()) + " has no QP release (质量受权人放行) before " +
                     Day(at) + ": state qp_released_at on the lot or a qp_release certificate");
      }
      // R-PH-C3: a finished drug moved on by someone other than its maker;
      // sending it back up the chain (a return, a recall) is no sale.
      if (!maker && category == Category::kFinished && !dist_checked &&
          !IsReturn(ctx, l, plugin::View(s->to()))) {
        dist_checked = true;
        std::string kind = ParamString(params, "dist_licence_kind", kDistLicenceKind);
        std::string why;
        if (ValidLicence(ctx.Party(ctx.signer()), kind, at, &why) == nullptr) {
          v.Reject("R-PH-C3", "dist_licence_invalid", "header.party",
                   std::string(ctx.signer()) + " " + why + " (shipping " + Day(at) + ")");
        }
      }
    }
  }

  // Goods going back to their maker or to a party that shipped this lot
  // before (its supplier), or a lot under recall.
  static bool IsReturn(const CheckContext& ctx, const fbp::LotInfo* l, std::string_view to) {
    if (l->status() == fb::LotStatus::RECALLED || plugin::View(l->producer()) == to) return true;
    const fbp::Balances* b = ctx.Balances(l->lot());
    if (b == nullptr || b->holdings() == nullptr) return false;
    for (const fbp::Holding* h : *b->holdings()) {
      if (plugin::View(h->party()) == to) return h->shipped_micro() > 0;
    }
    return false;
  }

  static bool QpReleased(const CheckContext& ctx, const fbp::LotInfo* l, int64_t at) {
    const fb::Attr* a = plugin::FindAttr(l->attributes(), "qp_released_at");
    if (a != nullptr && a->type() == fb::AttrType::TIME && a->num() <= at) return true;
    return LotCertificate(ctx, l->lot(), "qp_release", at) != nullptr;
  }

  static void CheckReceipt(const CheckContext& ctx, Verdict& v) {
    const auto* r = ctx.body<fb::Receipt>();
    CheckItemCodes(r->items(), "items", v);
    if (r->items() == nullptr) return;
    const int64_t at = EventTime(ctx);
    for (size_t i = 0; i < r->items()->size(); ++i) {
      const fbp::LotInfo* l = PharmaLot(ctx, r->items()->Get(i)->lot());
      if (l == nullptr) continue;
      CheckLotRelease(ctx, l, at, "items[" + std::to_string(i) + "]", "received", v);
    }
  }

  static void CheckDisposition(const CheckContext& ctx, Verdict& v) {
    const auto* d = ctx.body<fb::Disposition>();
    CheckItemCodes(d->items(), "items", v);
    const bool to_patient =
        d->kind() == fb::DispositionKind::DISPENSED || d->kind() == fb::DispositionKind::SOLD;
    if (d->items() == nullptr || !to_patient) return;
    const int64_t at = EventTime(ctx);
    const bool codes_required = Param(ctx.Params(), "require_trace_codes") != 0;
    const char* what = d->kind() == fb::DispositionKind::DISPENSED ? "dispensed" : "sold";
    for (size_t i = 0; i < d->items()->size(); ++i) {
      const fb::LotQuantity* item = d->items()->Get(i);
      const fbp::LotInfo* l = PharmaLot(ctx, item->lot());
      if (l == nullptr) continue;
      std::string field = "items[" + std::to_string(i) + "]";
      CheckExpiry(l, at, field, what, v);
      if (!codes_required || CategoryOf(l->lot()->scheme(), l->attributes()) != Category::kFinished) {
        continue;
      }
      size_t scanned = item->serials() ? item->serials()->size() : 0;
      const fb::Quantity* q = item->quantity();
      bool whole_packs = q != nullptr && plugin::View(q->unit()) == "EA" && q->scale() == 0;
      if (scanned == 0) {
        v.Reject("R-PH-5", "trace_code_not_scanned", field,
                 std::string(what) + " packs of " + LotName(l->lot()) +
                     " must name their drug trace codes (serials)");
      } else if (whole_packs && q->value() != static_cast<int64_t>(scanned)) {
        v.Reject("R-PH-5", "trace_code_count_mismatch", field,
                 std::to_string(scanned) + " trace codes scanned for " +
                     std::to_string(q->value()) + " packs " + what);
      }
    }
  }

  static void CheckCertificate(const CheckContext& ctx, Verdict& v) {
    const auto* c = ctx.body<fb::Certificate>();
    std::string_view kind = plugin::View(c->kind());
    if (kind == "drug_approval") {
      bool by_attr = plugin::FindAttr(c->attributes(), "approval_number") != nullptr;
      if (auto e = codes::ApprovalNumberError(ApprovalOf(c->cert_id(), c->attributes()));
          !e.empty()) {
        v.Reject("R-PH-C1", "approval_number_invalid",
                 by_attr ? "attributes.approval_number" : "cert_id", e);
      }
      if (!IsRegulator(ctx.Party(ctx.signer()))) {
        v.Reject("R-PH-C1", "approval_issuer_not_regulator", "header.party",
                 "a drug approval (药品注册证书) is issued by the NMPA, not by " +
                     std::string(ctx.signer()));
      }
    } else if (kind == "lot_release") {
      // The release gate of R-PH-6 means nothing if a maker can issue its own.
      if (!HasRole(ctx.Party(ctx.signer()),
                   {fb::Role::REGULATOR, fb::Role::ADMIN, fb::Role::LAB})) {
        v.Reject("R-PH-6", "lot_release_issuer_invalid", "header.party",
                 "a 批签发证明 is issued by an NMPA-designated lot-release institution (a lab or "
                 "regulator), not by " + std::string(ctx.signer()));
      }
    } else if (kind == "qp_release") {
      // QP release is the maker's own quality decision on its own lot.
      const fbp::LotInfo* lot = ctx.Lot(c->subject_lot());
      if (lot == nullptr || plugin::View(lot->producer()) != ctx.signer()) {
        v.Reject("R-PH-6", "qp_release_not_by_maker", "subject_lot",
                 "a QP release (质量受权人放行) is stated by the lot's maker" +
                     (lot ? " " + Str(lot->producer()) : std::string()) + ", not by " +
                     std::string(ctx.signer()));
      }
    }
  }

  static void CheckRecallOrder(const CheckContext& ctx, Verdict& v) {
    std::string_view level = plugin::View(ctx.body<fb::RecallOrder>()->level());
    if (level != "1" && level != "2" && level != "3") {
      v.Reject("R-PH-R", "recall_level_invalid", "level",
               "a drug recall is level 1, 2 or 3 (一级/二级/三级), not '" + std::string(level) + "'");
    }
  }
};

// The recall workflow of 药品召回管理办法 (NMPA 2022 No. 92) as data for the
// host's engine (sector-rules.md 4(d), 0.3):
//   - scope: everything the implicated lot went into (API -> tablets via
//     composed_of, bulk -> packaging batches via split_from, packaging and
//     labels), through cold rooms inside their windows; a serial seed
//     (counterfeit, excursion) stays at those packs and their parents;
//   - level 1/2/3: notice to producers, distributors and users and the
//     filing with the provincial MPA within 1/3/7 days of the decision,
//     progress reports daily / every 3 / every 7 days; public notice for
//     levels 1 and 2 (or when the order asks);
//   - a serial-level recall of illegitimate product notifies within 24 h;
//   - closing: every consignee acknowledged, quantities reconciled,
//     destruction evidenced, the summary filed (10 working days after
//     completion, [M]) and reviewed by the MPA.
void Pharma::PlanRecall(const plugin::RecallContext& ctx, plugin::RecallPlan& plan) const {
  const fbp::RecallRequest& req = ctx.request();
  const fbp::ParamSet* params = ctx.Params();
  std::string_view level = plugin::View(req.level());
  int64_t days = level == "1"   ? Param(params, "recall_days_level_1")
                 : level == "2" ? Param(params, "recall_days_level_2")
                 : level == "3" ? Param(params, "recall_days_level_3")
                                : -1;
  if (days < 0) {
    // CheckRecord refuses such orders; a plan is only asked for accepted ones.
    throw std::invalid_argument("drug recall level must be 1, 2 or 3, not '" +
                                std::string(level) + "'");
  }
  const uint32_t hours = static_cast<uint32_t>(days * 24);
  const bool serial_seed = req.seed_serials() > 0 && req.seed_lots() == 0 &&
                           req.seed_input_lots() == 0 && req.seed_product_windows() == 0 &&
                           req.seed_unit_windows() == 0;
  const uint32_t notify_hours =
      serial_seed ? std::min<uint32_t>(
                        hours, static_cast<uint32_t>(Param(params, "recall_illegitimate_notify_hours")))
                  : hours;

  plan.propagate = {fb::EdgeKind::COMPOSED_OF,   fb::EdgeKind::MERGED_INTO,
                    fb::EdgeKind::SPLIT_FROM,    fb::EdgeKind::LABELLED_WITH,
                    fb::EdgeKind::CONTAINED_IN,  fb::EdgeKind::RECONDITIONED_FROM,
                    fb::EdgeKind::PACKAGED_WITH};
  plan.through_units = true;
  plan.bulk_until_emptied = true;
  plan.serial_level = true;
  plan.max_depth = 0;
  plan.custody_depth = req.depth();
  plan.calendar = plugin::RecallPlan::Calendar{};  // CN, UTC+08:00, Sat + Sun off

  using K = fbp::DeadlineKind;
  using A = fbp::DeadlineAnchor;
  plan.deadlines = {
      {K::NOTIFY, A::ORDERED, notify_hours, 0, false},
      {K::FILE_PLAN, A::ORDERED, hours, 0, false},
      {K::ACKNOWLEDGE, A::NOTIFIED, notify_hours, 0, false},
      {K::PROGRESS_REPORT, A::NOTIFIED, hours, 0, true},
      {K::COMPLETE, A::NOTIFIED, static_cast<uint32_t>(Param(params, "recall_complete_days") * 24),
       0, false},
      {K::SUMMARY, A::COMPLETED, 0,
       static_cast<uint32_t>(Param(params, "recall_summary_working_days")), false},
      {K::REVIEW, A::COMPLETED, static_cast<uint32_t>(Param(params, "recall_review_days") * 24), 0,
       false},
  };
  using T = fbp::NotifyTarget;
  plan.notify = {
      {T::CONSIGNEES, req.depth(), notify_hours, 0},  // distributors, pharmacies, hospitals
      {T::HOLDERS, req.depth(), notify_hours, 0},
      {T::PRODUCER, fbp::CustodyDepth::CONSUMER, notify_hours, 0},  // makers of the lots
      {T::RESPONSIBLE, fbp::CustodyDepth::CONSUMER, notify_hours, 0},  // the MAH
      {T::REGULATOR, fbp::CustodyDepth::CONSUMER, hours, 0},  // filing with the provincial MPA
  };
  plan.public_notice = req.public_notice() || level == "1" || level == "2";
  if (plan.public_notice) plan.notify.push_back({T::PUBLIC, fbp::CustodyDepth::CONSUMER, hours, 0});

  plan.closing.all_acknowledged = true;
  plan.closing.reconciled = true;
  plan.closing.min_accounted_ppm = 1'000'000;
  plan.closing.disposal_evidence = true;  // destruction under supervision
  plan.closing.summary = true;
  plan.closing.in_situ_assessment = false;
  plan.closing.regulator_review = true;  // UNDER_REVIEW may send it back (EXPANDED)
  plan.closing.effectiveness_level = level == "1" ? "A" : level == "2" ? "B" : "C";  // [M]

  plan.notes = {
      "药品召回管理办法 (NMPA 2022 No. 92): level " + std::string(level) + ", notice and filing within " +
          std::to_string(days) + " day(s), progress every " + std::to_string(days) + " day(s)",
      "the MAH (持有人) runs the recall; scope follows composed_of from API to finished lots"};
  if (serial_seed) {
    plan.notes.push_back("serial-level recall (suspect / illegitimate packs): scope stays at the "
                         "codes and their parents; notify within " +
                         std::to_string(notify_hours) + " h");
  }
}

}  // namespace

QTRACE_PLUGIN(Pharma);
