// Recalls: the declarative plan a sector gives a recall (what propagates,
// deadlines, who is notified, what closes it), the scope the host computes
// from the lineage index, and the workflow state kept per recall and party.
//
// Sector plugins never walk the graph: they return a RecallPlan and the host
// applies it while it traverses (ARCHITECTURE.md section 7). Without a plugin
// the host's built-in plan for the sector applies (DefaultRecallPlan), with
// the levels and deadlines of sector-rules.md sections 0.5 and (d).
#ifndef QTRACE_HOST_RECALL_H_
#define QTRACE_HOST_RECALL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/host/lineage_index.h"
#include "qtrace/status.h"

namespace qtrace::host {

using PartyIdx = uint32_t;
using UnitIdx = uint32_t;

struct RecallPlan {
  std::string source = "host-default";  // plugin name, or the built-in table
  std::string rule_set;
  // Scope rules.
  uint32_t edge_kinds = kAllEdgeKinds;  // lot->lot kinds that propagate
  bool through_units = true;            // applications inside their windows
  uint32_t max_depth = kUnlimitedDepth;
  bool serial_level = true;             // a serial seed stays at serial level
  // Workflow timers (0 = none).
  int64_t ack_due_hours = 24;           // notice -> acknowledgement
  int64_t report_every_hours = 24;      // progress report interval
  int64_t complete_due_hours = 0;       // plain hours from the notice...
  int64_t complete_due_working_days = 0;  // ...or working days (Mon-Fri)
  // Closing criteria.
  bool require_all_acknowledged = true;
  bool require_reconciled = true;       // nothing unaccounted
  double min_accounted_share = 1.0;     // e.g. 0.95 for diamond tools
  bool require_disposal_evidence = true;
  bool require_summary = true;          // COMPLETED_BY_FIRM before CLOSED
  bool require_in_situ_assessment = false;
  bool public_notice = false;
};

// The built-in plan for a sector and level (levels: "1"/"2"/"3",
// "A"/"B"/"C", "serious"/"moderate"/"low"). InvalidArgument for an unknown
// level.
StatusOr<RecallPlan> DefaultRecallPlan(std::string_view sector, std::string_view level);

// The plan as JSON (kept in the recall record's decisions) and back.
std::string RecallPlanToJson(const RecallPlan& plan);
StatusOr<RecallPlan> RecallPlanFromJson(std::string_view json);

// Adds `n` working days (Mon-Fri, UTC+08:00 calendar days) to `micros`.
int64_t AddWorkingDays(int64_t micros, int64_t n);

struct ScopeHolding {
  PartyIdx party = UINT32_MAX;
  LotId lot = kNoId;
  int64_t received = 0;   // produced + received by the party, as of the scope
  int64_t held = 0;       // on hand (incl. in transit to it)
  int64_t shipped = 0;    // passed on to other parties
  int64_t used = 0;       // used as an input of other lots or on units
  int64_t consumed = 0;   // consumed, sold or dispensed (left the chain)
  int64_t destroyed = 0;
};

struct TaintedWindow {
  UnitIdx unit = UINT32_MAX;
  int64_t start = 0;
  int64_t end = INT64_MAX;  // until emptied / effect end
};

struct RecallScope {
  uint64_t as_of = 0;                 // log index the scope was computed at
  std::vector<LotId> lots;            // sorted, unique (seeds included)
  std::vector<std::string> serials;   // serial-level scope (sorted)
  std::vector<ScopeHolding> holdings; // per (lot, party), sorted
  std::vector<TaintedWindow> windows; // units tainted by in-scope inputs
  Hash256 digest{};                   // SHA-256 of the canonical scope
};

struct PartyRecallProgress {
  bool notified = false;
  uint32_t round = 0;
  uint64_t notice_index = 0;
  int64_t notified_at = 0;
  int64_t ack_due = 0;
  int64_t complete_due = 0;
  bool acked = false;
  int64_t acked_at = 0;
  int64_t last_report_at = 0;   // 0 = none yet
  bool ack_overdue = false;
  int64_t report_overdue_due = 0;  // due time of the last overdue report marked
  bool complete_overdue = false;
  std::vector<std::string> evidence;
  struct LotReport {
    int64_t recovered = 0, destroyed = 0, consumed = 0, corrected = 0;
  };
  std::map<LotId, LotReport> reports;  // cumulative, latest report per lot
};

struct RecallTransitionEvent {
  fb::RecallState to;
  PartyIdx by;
  int64_t at;
  uint64_t index;
  std::string reason;
};

struct RecallInfo {
  std::string id, sector, level, hazard, reason;
  PartyIdx responsible = UINT32_MAX;
  PartyIdx ordered_by = UINT32_MAX;
  bool regulator_ordered = false;
  fb::RecallDepth depth = fb::RecallDepth::CONSUMER;
  fb::RecallState state = fb::RecallState::DECIDED;
  int64_t risk_known_at = 0;
  int64_t decided_at = 0;
  uint64_t index = 0;
  uint32_t rounds = 0;  // notice rounds so far
  RecallPlan plan;
  RecallScope scope;
  std::map<PartyIdx, PartyRecallProgress> parties;
  std::vector<RecallTransitionEvent> transitions;
  bool in_situ_done = false;
  bool summary_filed = false;
  bool open() const {
    return state != fb::RecallState::CLOSED && state != fb::RecallState::NO_RECALL;
  }
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_RECALL_H_
