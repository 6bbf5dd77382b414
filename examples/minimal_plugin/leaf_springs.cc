// leaf_springs: a minimal qtrace sector plugin, built outside the qtrace tree
// against the installed SDK only (find_package(qtrace)).
//
// Sector "leaf_springs" (sector-rules.md 2(a), leaf spring): a lot of
// assembled springs is registered only with its static load test:
//   R-LS-1  attribute load_test_report (the test report number) is present
//   R-LS-2  static_load_arc_height (measured, mm) and design_arc_height (mm)
//           are present, and the measured arc height is within tolerance of
//           the design: +/-6 mm, +/-8 mm for heavy vehicles (QC/T 29035);
//           a regulator's rule parameter arc_height_tolerance_mm overrides
//           the +/-6 mm.
#include <cstdlib>
#include <string>

#include "qtrace/plugin/plugin.h"

namespace {

using namespace qtrace;
using plugin::CheckContext;
using plugin::Verdict;

// Millimetres with three decimals (micrometres) from an INT or DECIMAL attribute.
std::optional<int64_t> Micrometres(const fb::Attr* a) { return plugin::AttrScaled(a, 3); }

std::string Mm(int64_t um) {
  std::string s = std::to_string(std::llabs(um) / 1000);
  int64_t frac = std::llabs(um) % 1000;
  if (frac != 0) {
    std::string f = std::to_string(frac + 1000).substr(1);
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return (um < 0 ? "-" : "") + s;
}

class LeafSprings final : public plugin::Plugin {
 public:
  static constexpr plugin::Info kInfo{
      .name = "leaf_springs",
      .version = "1.0.0",
      .rule_set = "leaf-springs/2026.1",
      .min_host_version = "0.1.0",
      .sectors = {"leaf_springs"},
      .records = {fb::Body::LotRegistration}};

  void Describe(plugin::Description& d) const override {
    d.Attribute("load_test_report").Required().Doc("number of the static load test report");
    d.Attribute("static_load_arc_height", fb::AttrType::DECIMAL)
        .Required()
        .Unit("mm")
        .Range(10, 400)
        .Doc("arc height measured under the static test load");
    d.Attribute("design_arc_height", fb::AttrType::DECIMAL)
        .Required()
        .Unit("mm")
        .Range(10, 400)
        .Doc("arc height of the design under the test load");
    d.Attribute("vehicle_class").Allowed({"light", "heavy"}).Doc("heavy vehicles get +/-8 mm");
    d.Rule("R-LS-1", "a spring lot carries its load-test report", "QC/T 29035");
    d.Rule("R-LS-2", "static-load arc height within tolerance of the design", "QC/T 29035");
    d.Param("arc_height_tolerance_mm", fb::AttrType::DECIMAL, 6, "tolerance for light vehicles");
    d.doc = "Leaf-spring assemblies: a lot is registered only with a passing static load test.";
  }

  void CheckRecord(const CheckContext& ctx, Verdict& v) const override {
    const auto* lot = ctx.body<fb::LotRegistration>();
    if (lot == nullptr) return;
    const auto* attrs = lot->attributes();

    auto report = plugin::AttrString(plugin::FindAttr(attrs, "load_test_report"));
    if (!report || report->empty()) {
      v.Reject("R-LS-1", "load_test_report_missing", "attributes.load_test_report",
               "a leaf-spring lot needs its static load test report (load_test_report)");
    }

    auto measured = Micrometres(plugin::FindAttr(attrs, "static_load_arc_height"));
    auto design = Micrometres(plugin::FindAttr(attrs, "design_arc_height"));
    if (!measured) {
      v.Reject("R-LS-2", "arc_height_missing", "attributes.static_load_arc_height",
               "static_load_arc_height (mm) is required");
    }
    if (!design) {
      v.Reject("R-LS-2", "design_arc_height_missing", "attributes.design_arc_height",
               "design_arc_height (mm) is required");
    }
    if (!measured || !design) return;

    int64_t tolerance = 6'000;  // micrometres
    if (const auto* params = ctx.Params(); params != nullptr) {
      if (auto t = Micrometres(plugin::FindAttr(params->params(), "arc_height_tolerance_mm"))) {
        tolerance = *t;
      }
    }
    if (plugin::AttrString(plugin::FindAttr(attrs, "vehicle_class")) == "heavy") {
      tolerance = std::max<int64_t>(tolerance, 8'000);
    }
    int64_t deviation = *measured - *design;
    if (std::llabs(deviation) > tolerance) {
      v.Reject("R-LS-2", "arc_height_out_of_tolerance", "attributes.static_load_arc_height",
               "arc height " + Mm(*measured) + " mm deviates " + Mm(deviation) +
                   " mm from the design " + Mm(*design) + " mm (tolerance +/-" + Mm(tolerance) +
                   " mm)");
    }
  }
};

}  // namespace

QTRACE_PLUGIN(LeafSprings);
