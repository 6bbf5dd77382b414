// RecordPolicy: rules a deployment adds on top of the core ledger rules —
// the sector plugins. The sequencer calls Check() for every record, in log
// order, against the state including the earlier records of the same group,
// before the core rules apply the record. A refusal leaves everything
// unchanged; the decisions of an accepted record are stored in its log entry
// (so an audit can say which rules, versions and parameter sets accepted it).
//
// Thread-safety: Check() runs only on the sequencer thread, with the state
// locked for writing; it must not block on I/O and may only read `state`.
#ifndef QTRACE_HOST_RECORD_POLICY_H_
#define QTRACE_HOST_RECORD_POLICY_H_

#include <vector>

#include "qtrace/fb/record_generated.h"
#include "qtrace/host/state.h"
#include "qtrace/log_entry.h"
#include "qtrace/status.h"

namespace qtrace::host {

class RecordPolicy {
 public:
  virtual ~RecordPolicy() = default;

  // Appends the decisions taken on `record` to `decisions` and returns OK,
  // or returns the refusal: FailedPrecondition (422) with every reason in
  // details, naming the rule and the plugin; Internal when a plugin failed
  // (crashed, returned garbage) — the record is refused, the host goes on.
  virtual Status Check(const fb::Record& record, const RecordContext& ctx,
                       const LedgerState& state, std::vector<DecisionData>* decisions) = 0;

  // The declarative plan for a recall of the order's sector and level (what
  // propagates, deadlines, notification depth, closing criteria). NotFound
  // lets the host use its built-in table (DefaultRecallPlan).
  virtual StatusOr<RecallPlan> PlanRecall(const fb::RecallOrder& order, const LedgerState& state) {
    return NotFound("no recall planner");
  }
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_RECORD_POLICY_H_
