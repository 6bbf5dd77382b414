// Read models over the ledger: a lot with its balances and holders, and
// forward/backward traces joined with custody — the shapes the HTTP API,
// the CLI and the tests show. Rendering to JSON and to a sortable CSV sheet
// (one row per lot and holder, FSMA-204 style) lives here too, so every
// surface prints the same thing.
//
// Thread-safety: functions take the ledger's read lock themselves.
#ifndef QTRACE_HOST_VIEWS_H_
#define QTRACE_HOST_VIEWS_H_

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "qtrace/host/ledger.h"
#include "qtrace/host/state.h"
#include "qtrace/status.h"

namespace qtrace::host {

struct HolderView {
  std::string party;
  int64_t held = 0, produced = 0, received = 0, in_transit = 0, shipped = 0, used = 0,
          consumed = 0, destroyed = 0, recovered = 0, adjusted = 0;
};

struct LotView {
  LotId id = kNoId;
  std::string ref;  // scheme:product/lot
  std::string product_name, sector, producer, unit, site, status;
  int64_t quantity = 0;  // micro-base units of `unit`'s dimension
  Timestamp production;
  int64_t expiry = 0;
  bool voided = false;
  uint64_t index = 0;  // log index of the registration
  std::vector<HolderView> holders;
};

struct TraceStep {
  LotView lot;
  uint32_t depth = 0;
  std::string parent;  // ref of the lot it was reached from ("" for the seed)
  std::string via;     // "seed", an edge kind, or "unit <id> (applied <time>)"
  bool terminal = false;
};

struct TraceView {
  std::string direction;  // "forward" | "backward"
  std::string seed;
  std::vector<TraceStep> lots;
  bool truncated = false;
  uint64_t as_of = 0;
};

LotView MakeLotView(const LedgerState& state, LotId lot);
// NotFound when no such lot.
StatusOr<LotView> GetLotView(const Ledger& ledger, std::string_view lot_ref);
StatusOr<TraceView> Trace(const Ledger& ledger, std::string_view lot_ref, bool forward,
                          const TraceOptions& options = {});

// A recall's status: workflow state, plan, scope summary, per-party progress
// and effectiveness (distributed = recovered + destroyed + consumed/used +
// corrected + unaccounted, per holder and in total). `only_party` limits the
// per-party parts to one party (what a notified party may see).
StatusOr<boost::json::object> RecallStatusJson(const Ledger& ledger, std::string_view recall_id,
                                               std::optional<PartyIdx> only_party = {});
// Recall candidates as of `now` (LedgerState::RecallCandidates): each
// certificate no longer in force with the lots that still cite it, who
// made them, when, and who holds them.
StatusOr<boost::json::object> RecallCandidatesJson(const Ledger& ledger, int64_t now);
// The scope as a sortable sheet: one row per lot and holder with quantities.
StatusOr<std::string> RecallScopeCsv(const Ledger& ledger, std::string_view recall_id);
// Recomputes the recall's initial scope as of the index it was computed at
// and compares digests.
StatusOr<boost::json::object> RecomputeRecallScope(const Ledger& ledger, std::string_view recall_id);
// Root-cause trace-back: the upstream lots the given (failed) lots share,
// ranked by how many of them each explains.
StatusOr<boost::json::object> TraceBack(const Ledger& ledger,
                                        const std::vector<std::string>& lot_refs);

boost::json::object ToJson(const LotView& lot);
boost::json::object ToJson(const TraceView& trace);
// One row per (lot, holder); lots without holders get one row.
std::string ToCsv(const TraceView& trace);

}  // namespace qtrace::host

#endif  // QTRACE_HOST_VIEWS_H_
