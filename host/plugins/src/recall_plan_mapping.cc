#include "recall_plan_mapping.h"

#include <algorithm>

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
  // Deadlines, the calendar and who is notified are data the host keeps
  // and enforces; the enum values are the same on both sides.
  if (p.deadlines() != nullptr) {
    for (const fbp::Deadline* d : *p.deadlines()) {
      if (d->kind() > fbp::DeadlineKind::MAX || d->anchor() > fbp::DeadlineAnchor::MAX) continue;
      plan.deadlines.push_back({static_cast<DeadlineKind>(d->kind()),
                                static_cast<DeadlineAnchor>(d->anchor()),
                                static_cast<int64_t>(d->hours()),
                                static_cast<int64_t>(d->hours() != 0 ? 0 : d->working_days()),
                                d->repeat()});
    }
  }
  if (const fbp::Calendar* c = p.calendar()) {
    if (c->name() != nullptr) plan.calendar.name = c->name()->str();
    plan.calendar.utc_offset_minutes = c->utc_offset_minutes();
    if (c->weekend() != nullptr && c->weekend()->size() > 0) {
      plan.calendar.weekend_mask = 0;
      for (uint8_t day : *c->weekend()) {
        if (day >= 1 && day <= 7) plan.calendar.weekend_mask |= static_cast<uint8_t>(1u << day);
      }
    }
    if (c->holidays() != nullptr) {
      plan.calendar.holidays.assign(c->holidays()->begin(), c->holidays()->end());
    }
    if (c->extra_working_days() != nullptr) {
      plan.calendar.extra_working_days.assign(c->extra_working_days()->begin(),
                                              c->extra_working_days()->end());
    }
    std::sort(plan.calendar.holidays.begin(), plan.calendar.holidays.end());
    std::sort(plan.calendar.extra_working_days.begin(), plan.calendar.extra_working_days.end());
  }
  if (p.notify() != nullptr) {
    for (const fbp::NotifyRule* n : *p.notify()) {
      if (n->target() > fbp::NotifyTarget::MAX) continue;
      plan.notify.push_back({static_cast<NotifyTarget>(n->target()),
                             static_cast<fb::RecallDepth>(
                                 std::min<uint8_t>(static_cast<uint8_t>(n->depth()), 2)),
                             static_cast<int64_t>(n->within_hours()),
                             static_cast<int64_t>(n->within_working_days())});
    }
  }
  if (p.notes() != nullptr) {
    for (const auto* note : *p.notes()) plan.notes.push_back(note->str());
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
