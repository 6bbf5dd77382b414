// Between the ledger's recall types (record.fbs RecallOrder, recall.h
// RecallPlan) and the plugin messages (plugin.fbs RecallRequest,
// RecallPlan). Kept apart so a change on either side touches one file.
//
// Thread-safety: pure functions.
#ifndef QTRACE_HOST_PLUGINS_RECALL_PLAN_MAPPING_H_
#define QTRACE_HOST_PLUGINS_RECALL_PLAN_MAPPING_H_

#include <string>
#include <string_view>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/host/recall.h"

namespace qtrace::host::plugin_internal {

// A RecallRequest flatbuffer (heap bytes, 8-byte aligned) for `order`.
std::string RecallRequestOf(const fb::RecallOrder& order);

// The host's plan from a verified plugin plan. Deadlines the host engine
// tracks (acknowledge, progress report, complete) map to its timers; the
// working-day calendar, notification targets and other deadlines are kept
// by the plugin message only (the engine counts Mon-Fri in UTC+08:00).
RecallPlan ToHostRecallPlan(const fb::plugin::RecallPlan& plan, std::string_view plugin,
                            std::string_view rule_set);

}  // namespace qtrace::host::plugin_internal

#endif  // QTRACE_HOST_PLUGINS_RECALL_PLAN_MAPPING_H_
