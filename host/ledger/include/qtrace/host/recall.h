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

// The workflow deadlines a plan can set (the values mirror
// qtrace.fb.plugin.DeadlineKind / DeadlineAnchor).
enum class DeadlineKind : uint8_t {
  kStart = 0,           // the responsible party starts the recall
  kNotify = 1,          // notices out to the affected parties
  kAcknowledge = 2,     // each notified party acknowledges
  kFilePlan = 3,        // recall plan / evaluation report filed with the regulator
  kProgressReport = 4,  // periodic (repeat) report by the responsible party
  kComplete = 5,        // returns, destruction, corrections done
  kSummary = 6,         // summary report (COMPLETED_BY_FIRM) after completion
  kReview = 7,          // the regulator reviews the summary
};
enum class DeadlineAnchor : uint8_t { kRiskKnown = 0, kOrdered = 1, kNotified = 2, kCompleted = 3 };

// "start", "file_plan", ...
std::string_view DeadlineKindName(DeadlineKind k);
std::string_view DeadlineAnchorName(DeadlineAnchor a);

struct PlanDeadline {
  DeadlineKind kind = DeadlineKind::kAcknowledge;
  DeadlineAnchor anchor = DeadlineAnchor::kNotified;
  int64_t hours = 0;         // calendar hours after the anchor...
  int64_t working_days = 0;  // ...or working days by the plan's calendar
  bool repeat = false;       // every that long (progress reports)
};

// A working-day calendar: days are counted in a fixed UTC offset; weekend
// days, holidays and make-up working days are local days since 1970-01-01.
struct WorkCalendar {
  std::string name = "CN";
  int32_t utc_offset_minutes = 480;
  uint8_t weekend_mask = (1u << 6) | (1u << 7);  // bit d = ISO weekday d is off
  std::vector<int32_t> holidays;                 // sorted
  std::vector<int32_t> extra_working_days;       // sorted; weekend days worked

  bool IsWorkingDay(int64_t local_day) const;
  // `n` working days after `micros`, at the same time of day: the n-th
  // working day counted from the day after.
  int64_t AddWorkingDays(int64_t micros, int64_t n) const;
};

// Who a recall notifies (the values mirror qtrace.fb.plugin.NotifyTarget).
enum class NotifyTarget : uint8_t {
  kHolders = 0,      // parties holding an implicated lot (or that sold it on to consumers)
  kConsignees = 1,   // parties that received (or made) one
  kProducer = 2,     // makers of the implicated lots
  kResponsible = 3,  // the party running the recall
  kRegulator = 4,    // the sector's regulators (for information)
  kCertifier = 5,    // issuers of certificates on the implicated lots (for information)
  kOem = 6,          // makers that built an implicated lot into one of theirs
  kPublic = 7,       // a public notice
};
std::string_view NotifyTargetName(NotifyTarget t);

struct NotifyRule {
  NotifyTarget target = NotifyTarget::kHolders;
  fb::RecallDepth depth = fb::RecallDepth::CONSUMER;  // how far down custody
  int64_t hours = 0, working_days = 0;               // within, from the order
};

struct RecallPlan {
  std::string source = "host-default";  // plugin name, or the built-in table
  std::string rule_set;
  // Scope rules.
  uint32_t edge_kinds = kAllEdgeKinds;  // lot->lot kinds that propagate
  bool through_units = true;            // applications inside their windows
  uint32_t max_depth = kUnlimitedDepth;
  bool serial_level = true;             // a serial seed stays at serial level
  // Workflow: deadlines by the calendar, who is notified (empty = holders
  // and consignees, as deep as the order says).
  std::vector<PlanDeadline> deadlines;
  WorkCalendar calendar;
  std::vector<NotifyRule> notify;
  // Closing criteria.
  bool require_all_acknowledged = true;
  bool require_reconciled = true;       // nothing unaccounted
  double min_accounted_share = 1.0;     // e.g. 0.95 for diamond tools
  bool require_disposal_evidence = true;
  bool require_summary = true;          // COMPLETED_BY_FIRM before CLOSED
  bool require_in_situ_assessment = false;
  bool public_notice = false;
  std::vector<std::string> notes;

  const PlanDeadline* deadline(DeadlineKind k) const;
  // When deadline `k` falls for an anchor event at `anchor_micros`; 0 when
  // the plan has no such deadline or the anchor has not happened (0).
  int64_t DueAfter(DeadlineKind k, int64_t anchor_micros) const;
  // `d` after `from`, by the calendar for working days.
  int64_t DueAfter(const PlanDeadline& d, int64_t from) const;
  bool Notifies(NotifyTarget t) const;
  // The share of the distributed quantity that counts as complete.
  double CompletionShare() const;
};

// The built-in plan for a sector and level (levels: "1"/"2"/"3",
// "A"/"B"/"C", "serious"/"moderate"/"low"). InvalidArgument for an unknown
// level.
StatusOr<RecallPlan> DefaultRecallPlan(std::string_view sector, std::string_view level);

// The plan as JSON (kept in the recall record's decisions and shown by
// GET /v1/recalls/{id}) and back. Reading also accepts the flat timer
// fields older stores wrote (ack_due_hours, report_every_hours, ...).
std::string RecallPlanToJson(const RecallPlan& plan);
StatusOr<RecallPlan> RecallPlanFromJson(std::string_view json);

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
  bool informational = false;  // told for information (regulator, certifier): no ack due
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
  // When the workflow's milestones happened (0 = not yet): the responsible
  // party's first act (the order itself when it ordered), its recall plan
  // filed, everything distributed accounted for (or COMPLETED_BY_FIRM),
  // the summary, the regulator's review.
  int64_t started_at = 0;
  int64_t plan_filed_at = 0;
  int64_t completed_at = 0;
  int64_t summary_at = 0;
  int64_t reviewed_at = 0;
  // Running effectiveness totals (micro-base units): exposure of every
  // holding and how much of it the reports account for.
  int64_t distributed_total = 0;
  int64_t accounted_total = 0;
  // Recall-level deadlines the host marked missed (start, notify,
  // file_plan, completion, summary, review), in log order.
  struct Missed {
    std::string what;
    PartyIdx party = UINT32_MAX;
    int64_t due = 0;
  };
  std::vector<Missed> missed;
  bool HasMissed(std::string_view what) const {
    for (const auto& m : missed) {
      if (m.what == what) return true;
    }
    return false;
  }
  bool open() const {
    return state != fb::RecallState::CLOSED && state != fb::RecallState::NO_RECALL;
  }
};

// One milestone deadline of a recall: who owes it, when it falls (0 = its
// anchor has not happened yet), when it was met (0 = not yet), and whether
// it was missed (marked by the monitor, passed unmet, or met late).
struct RecallDeadlineStatus {
  std::string what;  // start | notify | file_plan | completion | summary | review
  PartyIdx party = UINT32_MAX;
  int64_t due = 0;
  int64_t met_at = 0;
  bool missed = false;
};

// A recall a regulator may want to order: a certificate no longer in force
// (suspended, revoked, cancelled, or expired) and the lots that cite it
// (a certificate reference or an attribute naming it) although they were
// made after it stopped being in force, and are in no recall yet — what a
// certifier's late suspension leaves on the shelves (false labelling).
struct RecallCandidate {
  uint32_t cert = 0;
  std::string status;  // suspended | revoked | cancelled | expired
  int64_t since = 0;   // when it stopped being in force
  std::vector<LotId> lots;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_RECALL_H_
