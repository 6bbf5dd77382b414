// The representation behind LineageIndex (private to host/lineage).
//
// Layout:
//  - one column per entity attribute, in SegmentedArrays indexed by the dense
//    id (lot log indexes, edge records, edge kinds, edge log indexes, ...);
//  - adjacency as singly linked lists of small chunks in one chunk pool: per
//    lot an out-list (edges to outputs, applications of the lot to units) and
//    an in-list (edges from inputs, unit outputs that made the lot); per unit
//    one list (applications, unit outputs, emptied events). A list head is the
//    newest chunk; a chunk's slots fill in append order.
//  - each slot holds the neighbour (lot or unit) and a tagged entry id, so the
//    hot loop of a trace needs no edge-record load unless it filters by kind.
//
// Visibility: mutations are appended in non-decreasing log order, so within
// any list the entries' log indexes are non-decreasing; an entry is visible in
// a View iff its id is below the View's count for its tag, and the first
// invisible entry of a chunk ends that chunk (the older chunks after it are
// still scanned).
//
// Thread-safety: see lineage_index.h. Columns written once before
// publication are plain; what changes after publication (list heads, chunk
// slots and links) is atomic. Readers order themselves after the writer with
// acquire loads of `published_end` and the published counts (and of list
// heads, for chunks that are newer than the counts).
#ifndef QTRACE_HOST_LINEAGE_LINEAGE_INDEX_REP_H_
#define QTRACE_HOST_LINEAGE_LINEAGE_INDEX_REP_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "qtrace/host/lineage_index.h"
#include "segmented_array.h"

namespace qtrace::host {
namespace lineage_internal {

inline constexpr uint32_t kNone = 0xFFFFFFFF;

// Slots per adjacency chunk (a chunk is 4 + 8 * kChunkSlots bytes). Measured
// with bench_trace (1M lots, mean degree 3), index bytes per edge / warm
// forward closure of ~100k lots: 3 slots 55.3 B / 10.2 ms, 4 slots 57.4 B /
// 7.3 ms, 5 slots 60.2 B / 7.5 ms. Fewer slots mean more chunk hops (cache
// misses) per lot; more slots mean more empty slots.
inline constexpr int kChunkSlots = 4;

// Entry tags (top two bits of a slot's entry).
inline constexpr uint32_t kTagEdge = 0;         // lot lists
inline constexpr uint32_t kTagApplication = 1;  // lot out-list, unit list
inline constexpr uint32_t kTagUnitOutput = 2;   // lot in-list, unit list
inline constexpr uint32_t kTagEmptied = 3;      // unit list
inline constexpr int kTagShift = 30;
inline constexpr uint32_t kIdMask = (uint32_t{1} << kTagShift) - 1;
// Edge, application, unit output and emptied ids stay below this, so no
// entry equals kNone.
inline constexpr uint32_t kMaxEntryId = kIdMask;

inline constexpr uint32_t MakeEntry(uint32_t tag, uint32_t id) {
  return (tag << kTagShift) | id;
}

struct Slot {
  std::atomic<uint32_t> node{kNone};   // neighbour lot or unit
  std::atomic<uint32_t> entry{kNone};  // MakeEntry(tag, id); kNone = empty
};

struct Chunk {
  std::atomic<uint32_t> next{kNone};  // the next older chunk of the list
  Slot slots[kChunkSlots];
};

// A list head: the newest chunk of the list, kNone while the list is empty.
struct Head {
  std::atomic<uint32_t> chunk{kNone};
};

struct EdgeRec {
  LotId input;
  LotId output;
  int64_t quantity;
};

struct UnitRec {
  uint64_t log;
  Head head;
};

struct ApplicationRec {
  LotId input;
  UnitId unit;
  int64_t time;
  int64_t effect_end;
  int64_t quantity;
  uint64_t log;
};

struct UnitOutputRec {
  LotId lot;
  UnitId unit;
  int64_t start;
  int64_t end;
  uint64_t log;
};

struct EmptiedRec {
  UnitId unit;
  int64_t time;
  uint64_t log;
};

struct VoidRec {
  LotId lot;
  uint64_t log;
};

// Entity kinds with an id space and a log-index column.
enum Kind : int {
  kLots = 0,
  kUnits,
  kEdges,
  kApplications,
  kUnitOutputs,
  kEmptied,
  kVoids,
  kNumKinds
};

// What one query sees: the counts of every entity kind created by published
// records with a log index <= as_of.
struct View {
  bool published = false;
  uint64_t as_of = 0;
  uint32_t count[kNumKinds] = {};
  // Per entry tag: the id limit (edges, applications, outputs, emptied).
  uint32_t limit[4] = {};
};

// A unit's visible applications, outputs and emptied events, sorted, built
// once per query for each unit the query touches.
struct PreparedUnit {
  struct App {
    int64_t time;
    int64_t window_end;
    LotId input;
    ApplicationId id;
  };
  struct Out {
    int64_t start;
    int64_t end;
    LotId lot;
    UnitOutputId id;
  };
  std::vector<int64_t> emptied;  // times, ascending
  std::vector<App> apps;         // by time
  std::vector<Out> outputs;      // by start
  int64_t max_output_length = 0;

  // End (exclusive) of the taint window of an application at `time`.
  int64_t WindowEnd(int64_t time, int64_t effect_end) const {
    auto it = std::upper_bound(emptied.begin(), emptied.end(), time);
    return it == emptied.end() ? effect_end : std::min(effect_end, *it);
  }
};

}  // namespace lineage_internal

struct LineageIndex::Rep {
  template <typename T>
  using BigArray = lineage_internal::SegmentedArray<T, 14>;
  template <typename T>
  using SmallArray = lineage_internal::SegmentedArray<T, 10>;

  // ---- Columns (see the file comment) ----
  BigArray<uint64_t> lot_log;
  // Out- and in-list heads in separate columns: a trace reads only one.
  BigArray<lineage_internal::Head> lot_out;
  BigArray<lineage_internal::Head> lot_in;
  BigArray<lineage_internal::EdgeRec> edges;
  lineage_internal::SegmentedArray<uint8_t, 16> edge_kind;
  BigArray<uint64_t> edge_log;
  BigArray<lineage_internal::Chunk> chunks;
  SmallArray<lineage_internal::UnitRec> units;
  SmallArray<lineage_internal::ApplicationRec> applications;
  SmallArray<lineage_internal::UnitOutputRec> outputs;
  SmallArray<lineage_internal::EmptiedRec> emptied;
  SmallArray<lineage_internal::VoidRec> voids;

  // ---- Published state (written by Publish, read by everyone) ----
  // Last published log index + 1; 0 while nothing is published. Stored after
  // the counts, so a reader that loads it first and the counts second gets
  // counts at least as new as the log index.
  std::atomic<uint64_t> published_end{0};
  std::atomic<uint32_t> published_count[lineage_internal::kNumKinds] = {};

  // ---- Writer state ----
  uint32_t count[lineage_internal::kNumKinds] = {};
  uint32_t num_chunks = 0;
  uint64_t last_log = 0;
  bool appended_any = false;
  bool dirty = false;  // appended since the last Publish
  uint64_t writer_published_end = 0;

  // Writer helpers.
  Status CheckLog(uint64_t log_index) const;
  Status CheckEntryCapacity(lineage_internal::Kind kind) const;
  void NoteAppended(uint64_t log_index);
  void ListAppend(lineage_internal::Head& head, uint32_t node, uint32_t entry);
  // Appends without checks (callers validated); used by Add* and Deserialize.
  LotId AppendLot(uint64_t log);
  UnitId AppendUnit(uint64_t log);
  EdgeId AppendEdge(LotId input, LotId output, uint8_t kind, int64_t quantity,
                    uint64_t log);
  ApplicationId AppendApplication(const lineage_internal::ApplicationRec& a);
  UnitOutputId AppendUnitOutput(const lineage_internal::UnitOutputRec& o);
  uint32_t AppendEmptied(const lineage_internal::EmptiedRec& e);
  uint32_t AppendVoid(const lineage_internal::VoidRec& v);
  void DoPublish();

  // Reader helpers.
  lineage_internal::View MakeView(uint64_t as_of) const;
  lineage_internal::PreparedUnit PrepareUnit(
      UnitId unit, const lineage_internal::View& view) const;
  template <bool kForward>
  TraceResult Trace(std::span<const LotId> seeds,
                    const TraceOptions& options) const;
  size_t MemoryBytes() const;

  // Calls fn(tag, id, node) for every entry of the list at `head` visible in
  // `view`, newest chunk first.
  template <typename Fn>
  void ForEachEntry(const lineage_internal::Head& head,
                    const lineage_internal::View& view, Fn&& fn) const {
    using namespace lineage_internal;
    for (uint32_t c = head.chunk.load(std::memory_order_acquire); c != kNone;) {
      const Chunk& chunk = chunks[c];
      for (const Slot& slot : chunk.slots) {
        const uint32_t entry = slot.entry.load(std::memory_order_relaxed);
        if (entry == kNone) break;
        const uint32_t tag = entry >> kTagShift;
        const uint32_t id = entry & kIdMask;
        if (id >= view.limit[tag]) break;  // so is the rest of this chunk
        fn(tag, id, slot.node.load(std::memory_order_relaxed));
      }
      c = chunk.next.load(std::memory_order_relaxed);
    }
  }
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_LINEAGE_LINEAGE_INDEX_REP_H_
