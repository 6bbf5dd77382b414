#include "recall_plan_mapping.h"

namespace qtrace::host::plugin_internal {

namespace fbp = ::qtrace::fb::plugin;

std::string RecallRequestOf(const fb::RecallOrder& o) {
  flatbuffers::FlatBufferBuilder b(512);
  auto str = [&](const flatbuffers::String* s) { return b.CreateString(s); };
  auto id = str(o.recall_id());
  auto sector = str(o.sector());
  auto level = str(o.level());
  auto hazard = str(o.hazard());
  auto reason = str(o.reason());
  const fb::RecallSeed* seed = o.seed();
  auto count = [](const auto* v) { return v ? static_cast<uint32_t>(v->size()) : 0u; };
  fbp::RecallRequestBuilder rb(b);
  rb.add_recall_id(id);
  rb.add_sector(sector);
  rb.add_level(level);
  rb.add_hazard(hazard);
  rb.add_reason(reason);
  rb.add_depth(static_cast<fbp::CustodyDepth>(static_cast<uint8_t>(o.depth())));
  rb.add_public_notice(o.public_notice());
  rb.add_risk_known_at(o.risk_known_at() ? o.risk_known_at()->micros() : 0);
  if (seed != nullptr) {
    rb.add_seed_lots(count(seed->lots()));
    rb.add_seed_serials(count(seed->serials()));
    rb.add_seed_input_lots(count(seed->input_lots()));
    rb.add_seed_product_windows(count(seed->product_windows()));
    rb.add_seed_unit_windows(count(seed->unit_windows()));
  }
  b.Finish(rb.Finish());
  std::string out(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  return out;
}

namespace {
int64_t Hours(const fbp::Deadline* d) {
  return d->hours() != 0 ? static_cast<int64_t>(d->hours())
                         : static_cast<int64_t>(d->working_days()) * 24;
}
}  // namespace

RecallPlan ToHostRecallPlan(const fbp::RecallPlan& p, std::string_view plugin,
                            std::string_view rule_set) {
  RecallPlan plan;
  plan.source = std::string(plugin);
  plan.rule_set = std::string(rule_set);
  if (p.propagate() != nullptr) {
    plan.edge_kinds = 0;
    for (auto k : *p.propagate()) {
      if (static_cast<uint8_t>(k) <= static_cast<uint8_t>(fb::EdgeKind::MAX)) {
        plan.edge_kinds |= EdgeKindBit(k);
      }
    }
  }
  plan.through_units = p.through_units();
  plan.max_depth = p.max_depth() == 0 ? kUnlimitedDepth : p.max_depth();
  plan.serial_level = p.serial_level();
  if (p.deadlines() != nullptr) {
    for (const fbp::Deadline* d : *p.deadlines()) {
      switch (d->kind()) {
        case fbp::DeadlineKind::ACKNOWLEDGE:
          plan.ack_due_hours = Hours(d);
          break;
        case fbp::DeadlineKind::PROGRESS_REPORT:
          plan.report_every_hours = Hours(d);
          break;
        case fbp::DeadlineKind::COMPLETE:
          plan.complete_due_hours = d->hours();
          plan.complete_due_working_days = d->hours() != 0 ? 0 : d->working_days();
          break;
        default:
          break;
      }
    }
  }
  if (const fbp::ClosingCriteria* c = p.closing()) {
    plan.require_all_acknowledged = c->all_acknowledged();
    plan.require_reconciled = c->reconciled();
    plan.min_accounted_share = c->min_accounted_ppm() / 1e6;
    plan.require_disposal_evidence = c->disposal_evidence();
    plan.require_summary = c->summary();
    plan.require_in_situ_assessment = c->in_situ_assessment();
  }
  plan.public_notice = p.public_notice();
  return plan;
}

}  // namespace qtrace::host::plugin_internal
