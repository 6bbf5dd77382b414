// LineageIndex: the in-memory lineage graph behind forward and backward trace
// and recall scopes (ARCHITECTURE.md section 6, sector-rules.md 0.2/0.3).
//
// Nodes are lots (dense LotId 0, 1, 2, ... in the order AddLot is called) and
// production units (dense UnitId, a separate id space: plots, ponds, silos,
// furnaces, lines, cold rooms). Lots are joined by lot->lot edges (input ->
// output) of a kind from fb::EdgeKind; lots are joined to units by
// applications (an input lot applied to a unit at a time, tainting what the
// unit yields until the unit is emptied or the effect ends) and unit outputs
// (a lot harvested from / made on a unit during [start, end]). Every mutation
// carries the log index of the record that caused it, so every query can ask
// for the graph "as of" a log index and get the same answer forever: that is
// what makes a recall scope reproducible from the checkpoint it names.
//
// Storage is append-only: per-entity columns and per-lot / per-unit chunked
// adjacency lists live in fixed-size segments that never move, so readers
// walk them without locks while the writer appends. Ids are assigned in log
// order, so "created as of X" is "id < count at X", found by a binary search
// over a monotonic log-index column once per query, not per edge.
//
// Holders and custody are not here: the caller joins them to trace results.
//
// Thread-safety: ONE writer thread at a time calls the mutating methods
// (Add*, VoidLot, Publish). Any number of threads may call the const methods
// at any time, concurrently with the writer and without locks; they see only
// what the writer has Publish()ed. Destruction must not race with anything.
#ifndef QTRACE_HOST_LINEAGE_INDEX_H_
#define QTRACE_HOST_LINEAGE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/fb/record_generated.h"
#include "qtrace/status.h"

namespace qtrace::host {

using LotId = uint32_t;
using UnitId = uint32_t;
using EdgeId = uint32_t;
using ApplicationId = uint32_t;
using UnitOutputId = uint32_t;

// "No such id" in results (e.g. the parent of a seed).
inline constexpr uint32_t kNoId = std::numeric_limits<uint32_t>::max();
// As-of value meaning "everything published". Not a valid log index.
inline constexpr uint64_t kLatest = std::numeric_limits<uint64_t>::max();
// Effect end of an application whose effect lasts until the unit is emptied.
inline constexpr int64_t kNoEffectEnd = std::numeric_limits<int64_t>::max();
inline constexpr uint32_t kUnlimitedDepth =
    std::numeric_limits<uint32_t>::max();

// Bit of `kind` in TraceOptions::edge_kinds.
constexpr uint32_t EdgeKindBit(fb::EdgeKind kind) {
  return uint32_t{1} << static_cast<uint8_t>(kind);
}
// Every lot->lot kind (APPLIED_TO / PROCESSED_ON bits are ignored by traces:
// unit paths are governed by TraceOptions::through_units).
inline constexpr uint32_t kAllEdgeKinds =
    (uint32_t{1} << (static_cast<uint8_t>(fb::EdgeKind::MAX) + 1)) - 1;

struct TraceOptions {
  // Only records with a log index <= as_of that have been published count.
  // Default: everything published.
  uint64_t as_of = kLatest;
  // Lots further than this many hops from a seed are not reached; 0 returns
  // the seeds only. A hop through a unit (application -> unit output) is one
  // hop. Default: unlimited.
  uint32_t max_depth = kUnlimitedDepth;
  // Lot->lot edge kinds that propagate, as EdgeKindBit()s. Default: all.
  uint32_t edge_kinds = kAllEdgeKinds;
  // Whether traces pass through production units (applications and unit
  // outputs, inside their time windows). Default: true.
  bool through_units = true;
};

// How a traced lot was first reached.
enum class TraceVia : uint8_t {
  kSeed,  // one of the seeds (depth 0)
  kEdge,  // a lot->lot edge: `link` is its EdgeId
  kUnit,  // through a unit: `link` is the ApplicationId, `unit_output` the
          // UnitOutputId of the output lot (the unit is the application's)
};

// One lot of a trace result. Following `parent` (and `link`) back to a seed
// explains why the lot is in scope.
struct TracedLot {
  LotId lot = kNoId;
  LotId parent = kNoId;   // the lot it was reached from; kNoId for a seed
  uint32_t depth = 0;     // hops from the nearest seed (BFS)
  uint32_t link = kNoId;  // EdgeId (kEdge) or ApplicationId (kUnit)
  UnitOutputId unit_output = kNoId;  // kUnit only
  TraceVia via = TraceVia::kSeed;
  // True when the lot has no visible, non-void successor in the trace's
  // direction over the propagating edges (and unit paths): a terminal lot of a
  // forward trace (e.g. a retail lot), an origin of a backward trace.
  // Successors already in the result count, so a lot on a cycle is never
  // terminal.
  bool terminal = false;
};

struct TraceResult {
  // Seeds first (depth 0, via kSeed, in the order given, duplicates removed),
  // then every reached lot once, in non-decreasing depth. The order among
  // lots of the same depth is unspecified.
  std::vector<TracedLot> lots;
  // Seeds not in `lots`: unknown as of the query, or void.
  std::vector<LotId> ignored_seeds;
  // True when max_depth stopped the trace: some lot at max_depth has a
  // successor that is not in `lots`.
  bool truncated = false;
  // The log index the trace was computed at: min(options.as_of, the last
  // published log index). Meaningless when `published` is false.
  uint64_t as_of = 0;
  // False when nothing had been published yet (the result is then empty).
  bool published = false;
};

struct EdgeInfo {
  LotId input = kNoId;
  LotId output = kNoId;
  fb::EdgeKind kind = fb::EdgeKind::COMPOSED_OF;
  int64_t quantity = 0;  // micro-units
  uint64_t log_index = 0;
};

struct ApplicationInfo {
  LotId input = kNoId;
  UnitId unit = kNoId;
  int64_t time = 0;                   // microseconds since the epoch
  int64_t effect_end = kNoEffectEnd;  // as given to AddApplication
  // End (exclusive) of the taint window as of the query: min(effect_end,
  // time of the first emptied event of the unit after `time`).
  int64_t window_end = kNoEffectEnd;
  int64_t quantity = 0;
  uint64_t log_index = 0;
};

struct UnitOutputInfo {
  LotId lot = kNoId;
  UnitId unit = kNoId;
  int64_t start = 0;  // closed interval; start == end for a harvest
  int64_t end = 0;
  uint64_t log_index = 0;
};

struct LineageStats {
  // Published counts.
  uint64_t lots = 0;
  uint64_t units = 0;
  uint64_t edges = 0;
  uint64_t applications = 0;
  uint64_t unit_outputs = 0;
  uint64_t emptied_events = 0;
  uint64_t voids = 0;
  bool published = false;
  uint64_t published_log_index = 0;  // valid when `published`
  size_t memory_bytes = 0;           // MemoryBytes()
};

class LineageIndex {
 public:
  // An empty index; nothing published.
  LineageIndex();
  ~LineageIndex();
  LineageIndex(const LineageIndex&) = delete;
  LineageIndex& operator=(const LineageIndex&) = delete;

  // ---- Writer (one thread) ----------------------------------------------
  //
  // Every mutation names the log index of the record that causes it. Log
  // indexes must be non-decreasing across calls, all mutations of a record
  // must be appended before the Publish() that covers it, and after a
  // Publish() log indexes must be greater than the published one (so a
  // reader's "as of X" never sees half a record). A violated rule returns
  // FailedPrecondition; an unknown id returns NotFound; a bad argument
  // InvalidArgument; a full id space ResourceExhausted. A failed call changes
  // nothing.

  // Appends a lot; returns its id (the previous lot count).
  StatusOr<LotId> AddLot(uint64_t log_index);
  // Appends a production unit; returns its id (the previous unit count).
  StatusOr<UnitId> AddUnit(uint64_t log_index);
  // Appends an edge input -> output. `kind` may not be APPLIED_TO or
  // PROCESSED_ON (use AddApplication / AddUnitOutput); input != output.
  StatusOr<EdgeId> AddEdge(LotId input, LotId output, fb::EdgeKind kind,
                           int64_t quantity, uint64_t log_index);
  // Records that `input` was applied to (fed into, put in) `unit` at `time`.
  // The taint window is [time, min(effect_end, first emptied event of the
  // unit after time)); effect_end must be > time or kNoEffectEnd.
  StatusOr<ApplicationId> AddApplication(LotId input, UnitId unit, int64_t time,
                                         int64_t effect_end, int64_t quantity,
                                         uint64_t log_index);
  // Records that `lot` was harvested from / made on `unit` during the closed
  // interval [start, end] (start == end for a harvest). A lot may be made on
  // several units.
  StatusOr<UnitOutputId> AddUnitOutput(LotId lot, UnitId unit, int64_t start,
                                       int64_t end, uint64_t log_index);
  // Records that `unit` was emptied / cleaned at `time`: every application
  // before `time` stops tainting at `time`. Events may arrive in any time
  // order (a back-dated record applies from the log index it arrives at).
  Status AddEmptied(UnitId unit, int64_t time, uint64_t log_index);
  // Declares `lot` erroneous: from `log_index` on, traces neither return it
  // nor pass through it (a void seed is ignored).
  Status VoidLot(LotId lot, uint64_t log_index);

  // Makes everything appended so far visible to readers (call after the
  // group commit that made it durable). Cheap; a no-op when nothing is new.
  void Publish();

  // ---- Readers (any thread, lock-free) -----------------------------------

  // Downstream closure of `seeds` (where did it go). Never fails: seeds that
  // are unknown as of the query or void are listed in ignored_seeds.
  TraceResult Forward(std::span<const LotId> seeds,
                      const TraceOptions& options = {}) const;
  // Upstream closure of `seeds` (where did it come from), through input edges
  // and, for a lot made on a unit, the applications whose windows overlap
  // its interval, to the origins.
  TraceResult Backward(std::span<const LotId> seeds,
                       const TraceOptions& options = {}) const;

  // Seeds for an equipment or environment window: every non-void lot made on
  // `unit` with an interval overlapping the closed [t1, t2], as of `as_of`;
  // sorted, unique. Empty for an unknown unit.
  std::vector<LotId> LotsMadeOn(UnitId unit, int64_t t1, int64_t t2,
                                uint64_t as_of = kLatest) const;

  // The entity with that id, or nullopt when it is not visible as of `as_of`.
  std::optional<EdgeInfo> GetEdge(EdgeId edge, uint64_t as_of = kLatest) const;
  std::optional<ApplicationInfo> GetApplication(ApplicationId application,
                                                uint64_t as_of = kLatest) const;
  std::optional<UnitOutputInfo> GetUnitOutput(UnitOutputId output,
                                              uint64_t as_of = kLatest) const;
  // True when `lot` is visible and void as of `as_of`.
  bool IsVoid(LotId lot, uint64_t as_of = kLatest) const;

  LineageStats Stats() const;
  // Every byte the index holds: segments, directories, the object itself
  // (allocated capacity, not only the used part).
  size_t MemoryBytes() const;

  // ---- Persistence --------------------------------------------------------

  // Replaces *out with a versioned snapshot of the published state (safe
  // concurrently with the writer). Stats().published_log_index says which
  // log index it covers: replay the records after it.
  void Serialize(std::string* out) const;
  // Rebuilds an index from Serialize() bytes, with the snapshot published.
  // InvalidArgument on a wrong magic or version, a truncated or oversized
  // blob, or inconsistent contents (ids out of range, log indexes out of
  // order); never reads past `bytes`.
  static StatusOr<std::unique_ptr<LineageIndex>> Deserialize(
      std::string_view bytes);

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_LINEAGE_INDEX_H_
