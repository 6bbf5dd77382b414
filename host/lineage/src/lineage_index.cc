// LineageIndex: writer, publication and traces. Persistence is in
// lineage_index_codec.cc.
#include "qtrace/host/lineage_index.h"

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "lineage_index_rep.h"

namespace qtrace::host {

using namespace lineage_internal;  // NOLINT: this file is the implementation

namespace {

// A visited / void set over dense lot ids: one bit per lot, zeroed per query.
class Bitmap {
 public:
  explicit Bitmap(size_t bits) : words_((bits + 63) / 64, 0) {}
  bool Test(uint32_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(uint32_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }

 private:
  std::vector<uint64_t> words_;
};

// Number of leading entries (ids 0..n-1, log indexes non-decreasing) whose
// log index is <= x.
template <typename LogOf>
uint32_t CountAt(uint32_t n, uint64_t x, LogOf log_of) {
  if (n == 0 || log_of(n - 1) <= x) return n;
  uint32_t lo = 0;
  uint32_t hi = n - 1;  // log_of(hi) > x
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (log_of(mid) <= x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

bool IsLotEdgeKind(fb::EdgeKind kind) {
  const auto v = static_cast<uint8_t>(kind);
  return v <= static_cast<uint8_t>(fb::EdgeKind::MAX) &&
         kind != fb::EdgeKind::APPLIED_TO && kind != fb::EdgeKind::PROCESSED_ON;
}

std::string Id(uint64_t v) { return std::to_string(v); }

// a - b, clamped to the int64 range (times may be extreme sentinels).
int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::min()
               : std::numeric_limits<int64_t>::max();
}

}  // namespace

// ---- Writer ---------------------------------------------------------------

Status LineageIndex::Rep::CheckLog(uint64_t log_index) const {
  if (log_index == kLatest) {
    return InvalidArgument("log index 2^64-1 is reserved", "lineage_log_index");
  }
  if (appended_any && log_index < last_log) {
    return FailedPrecondition("log index " + Id(log_index) +
                                  " is below the previous one " + Id(last_log),
                              "lineage_log_order");
  }
  if (writer_published_end > 0 && log_index < writer_published_end) {
    return FailedPrecondition("log index " + Id(log_index) +
                                  " is not after the published " +
                                  Id(writer_published_end - 1),
                              "lineage_log_order");
  }
  return Status::Ok();
}

Status LineageIndex::Rep::CheckEntryCapacity(Kind kind) const {
  // Two new chunks at most per mutation; entry ids must fit the tag layout.
  const bool full = count[kind] >= kMaxEntryId ||
                    uint64_t{num_chunks} + 2 >=
                        std::min<uint64_t>(BigArray<Chunk>::kMaxSize, kNone);
  if (full) return ResourceExhausted("lineage index is full", "lineage_full");
  return Status::Ok();
}

void LineageIndex::Rep::NoteAppended(uint64_t log_index) {
  last_log = log_index;
  appended_any = true;
  dirty = true;
}

void LineageIndex::Rep::ListAppend(Head& head, uint32_t node, uint32_t entry) {
  const uint32_t first = head.chunk.load(std::memory_order_relaxed);
  if (first != kNone) {
    Chunk& chunk = chunks[first];
    for (Slot& slot : chunk.slots) {
      if (slot.entry.load(std::memory_order_relaxed) == kNone) {
        slot.node.store(node, std::memory_order_relaxed);
        slot.entry.store(entry, std::memory_order_release);
        return;
      }
    }
  }
  const uint32_t c = num_chunks++;
  chunks.EnsureSize(num_chunks);
  Chunk& chunk = chunks[c];
  chunk.next.store(first, std::memory_order_relaxed);
  chunk.slots[0].node.store(node, std::memory_order_relaxed);
  chunk.slots[0].entry.store(entry, std::memory_order_relaxed);
  // Publishes the chunk's contents to readers that load the head.
  head.chunk.store(c, std::memory_order_release);
}

LotId LineageIndex::Rep::AppendLot(uint64_t log) {
  const LotId id = count[kLots]++;
  lot_log.EnsureSize(count[kLots]);
  lot_out.EnsureSize(count[kLots]);
  lot_in.EnsureSize(count[kLots]);
  lot_log[id] = log;
  return id;
}

UnitId LineageIndex::Rep::AppendUnit(uint64_t log) {
  const UnitId id = count[kUnits]++;
  units.EnsureSize(count[kUnits]);
  units[id].log = log;
  return id;
}

EdgeId LineageIndex::Rep::AppendEdge(LotId input, LotId output, uint8_t kind,
                                     int64_t quantity, uint64_t log) {
  const EdgeId id = count[kEdges]++;
  edges.EnsureSize(count[kEdges]);
  edge_kind.EnsureSize(count[kEdges]);
  edge_log.EnsureSize(count[kEdges]);
  edges[id] = EdgeRec{input, output, quantity};
  edge_kind[id] = kind;
  edge_log[id] = log;
  ListAppend(lot_out[input], output, MakeEntry(kTagEdge, id));
  ListAppend(lot_in[output], input, MakeEntry(kTagEdge, id));
  return id;
}

ApplicationId LineageIndex::Rep::AppendApplication(const ApplicationRec& a) {
  const ApplicationId id = count[kApplications]++;
  applications.EnsureSize(count[kApplications]);
  applications[id] = a;
  ListAppend(lot_out[a.input], a.unit, MakeEntry(kTagApplication, id));
  ListAppend(units[a.unit].head, a.input, MakeEntry(kTagApplication, id));
  return id;
}

UnitOutputId LineageIndex::Rep::AppendUnitOutput(const UnitOutputRec& o) {
  const UnitOutputId id = count[kUnitOutputs]++;
  outputs.EnsureSize(count[kUnitOutputs]);
  outputs[id] = o;
  ListAppend(lot_in[o.lot], o.unit, MakeEntry(kTagUnitOutput, id));
  ListAppend(units[o.unit].head, o.lot, MakeEntry(kTagUnitOutput, id));
  return id;
}

uint32_t LineageIndex::Rep::AppendEmptied(const EmptiedRec& e) {
  const uint32_t id = count[kEmptied]++;
  emptied.EnsureSize(count[kEmptied]);
  emptied[id] = e;
  ListAppend(units[e.unit].head, e.unit, MakeEntry(kTagEmptied, id));
  return id;
}

uint32_t LineageIndex::Rep::AppendVoid(const VoidRec& v) {
  const uint32_t id = count[kVoids]++;
  voids.EnsureSize(count[kVoids]);
  voids[id] = v;
  return id;
}

void LineageIndex::Rep::DoPublish() {
  for (int k = 0; k < kNumKinds; ++k) {
    published_count[k].store(count[k], std::memory_order_release);
  }
  writer_published_end = last_log + 1;
  published_end.store(writer_published_end, std::memory_order_release);
  dirty = false;
}

LineageIndex::LineageIndex() : rep_(std::make_unique<Rep>()) {}
LineageIndex::~LineageIndex() = default;

StatusOr<LotId> LineageIndex::AddLot(uint64_t log_index) {
  QT_RETURN_IF_ERROR(rep_->CheckLog(log_index));
  if (rep_->count[kLots] >= kNone - 1) {
    return ResourceExhausted("lineage index is full (lots)", "lineage_full");
  }
  const LotId id = rep_->AppendLot(log_index);
  rep_->NoteAppended(log_index);
  return id;
}

StatusOr<UnitId> LineageIndex::AddUnit(uint64_t log_index) {
  QT_RETURN_IF_ERROR(rep_->CheckLog(log_index));
  if (rep_->count[kUnits] >= Rep::SmallArray<UnitRec>::kMaxSize) {
    return ResourceExhausted("lineage index is full (units)", "lineage_full");
  }
  const UnitId id = rep_->AppendUnit(log_index);
  rep_->NoteAppended(log_index);
  return id;
}

StatusOr<EdgeId> LineageIndex::AddEdge(LotId input, LotId output,
                                       fb::EdgeKind kind, int64_t quantity,
                                       uint64_t log_index) {
  Rep& r = *rep_;
  QT_RETURN_IF_ERROR(r.CheckLog(log_index));
  if (input >= r.count[kLots] || output >= r.count[kLots]) {
    return NotFound(
        "edge " + Id(input) + " -> " + Id(output) + " names an unknown lot",
        "lineage_unknown_lot");
  }
  if (input == output) {
    return InvalidArgument("edge from lot " + Id(input) + " to itself",
                           "lineage_self_edge");
  }
  if (!IsLotEdgeKind(kind)) {
    return InvalidArgument(
        "edge kind " + Id(static_cast<uint8_t>(kind)) +
            " is not a lot->lot kind (use AddApplication / AddUnitOutput)",
        "lineage_edge_kind");
  }
  QT_RETURN_IF_ERROR(r.CheckEntryCapacity(kEdges));
  const EdgeId id = r.AppendEdge(input, output, static_cast<uint8_t>(kind),
                                 quantity, log_index);
  r.NoteAppended(log_index);
  return id;
}

StatusOr<ApplicationId> LineageIndex::AddApplication(LotId input, UnitId unit,
                                                     int64_t time,
                                                     int64_t effect_end,
                                                     int64_t quantity,
                                                     uint64_t log_index) {
  Rep& r = *rep_;
  QT_RETURN_IF_ERROR(r.CheckLog(log_index));
  if (input >= r.count[kLots]) {
    return NotFound("application of unknown lot " + Id(input),
                    "lineage_unknown_lot");
  }
  if (unit >= r.count[kUnits]) {
    return NotFound("application to unknown unit " + Id(unit),
                    "lineage_unknown_unit");
  }
  if (effect_end <= time) {
    return InvalidArgument("application effect ends before it starts",
                           "lineage_window");
  }
  QT_RETURN_IF_ERROR(r.CheckEntryCapacity(kApplications));
  const ApplicationId id = r.AppendApplication(
      ApplicationRec{input, unit, time, effect_end, quantity, log_index});
  r.NoteAppended(log_index);
  return id;
}

StatusOr<UnitOutputId> LineageIndex::AddUnitOutput(LotId lot, UnitId unit,
                                                   int64_t start, int64_t end,
                                                   uint64_t log_index) {
  Rep& r = *rep_;
  QT_RETURN_IF_ERROR(r.CheckLog(log_index));
  if (lot >= r.count[kLots]) {
    return NotFound("output of unknown lot " + Id(lot), "lineage_unknown_lot");
  }
  if (unit >= r.count[kUnits]) {
    return NotFound("output of unknown unit " + Id(unit),
                    "lineage_unknown_unit");
  }
  if (end < start) {
    return InvalidArgument("unit output ends before it starts",
                           "lineage_window");
  }
  QT_RETURN_IF_ERROR(r.CheckEntryCapacity(kUnitOutputs));
  const UnitOutputId id =
      r.AppendUnitOutput(UnitOutputRec{lot, unit, start, end, log_index});
  r.NoteAppended(log_index);
  return id;
}

Status LineageIndex::AddEmptied(UnitId unit, int64_t time, uint64_t log_index) {
  Rep& r = *rep_;
  QT_RETURN_IF_ERROR(r.CheckLog(log_index));
  if (unit >= r.count[kUnits]) {
    return NotFound("emptied event of unknown unit " + Id(unit),
                    "lineage_unknown_unit");
  }
  QT_RETURN_IF_ERROR(r.CheckEntryCapacity(kEmptied));
  r.AppendEmptied(EmptiedRec{unit, time, log_index});
  r.NoteAppended(log_index);
  return Status::Ok();
}

Status LineageIndex::VoidLot(LotId lot, uint64_t log_index) {
  Rep& r = *rep_;
  QT_RETURN_IF_ERROR(r.CheckLog(log_index));
  if (lot >= r.count[kLots]) {
    return NotFound("void of unknown lot " + Id(lot), "lineage_unknown_lot");
  }
  if (r.count[kVoids] >= Rep::SmallArray<VoidRec>::kMaxSize) {
    return ResourceExhausted("lineage index is full (voids)", "lineage_full");
  }
  r.AppendVoid(VoidRec{lot, log_index});
  r.NoteAppended(log_index);
  return Status::Ok();
}

void LineageIndex::Publish() {
  if (rep_->dirty) rep_->DoPublish();
}

// ---- Readers --------------------------------------------------------------

View LineageIndex::Rep::MakeView(uint64_t as_of) const {
  View v;
  const uint64_t end = published_end.load(std::memory_order_acquire);
  if (end == 0) return v;
  v.published = true;
  v.as_of = std::min(as_of, end - 1);
  uint32_t n[kNumKinds];
  for (int k = 0; k < kNumKinds; ++k) {
    n[k] = published_count[k].load(std::memory_order_acquire);
  }
  const uint64_t x = v.as_of;
  v.count[kLots] = CountAt(n[kLots], x, [&](uint32_t i) { return lot_log[i]; });
  v.count[kUnits] =
      CountAt(n[kUnits], x, [&](uint32_t i) { return units[i].log; });
  v.count[kEdges] =
      CountAt(n[kEdges], x, [&](uint32_t i) { return edge_log[i]; });
  v.count[kApplications] = CountAt(
      n[kApplications], x, [&](uint32_t i) { return applications[i].log; });
  v.count[kUnitOutputs] =
      CountAt(n[kUnitOutputs], x, [&](uint32_t i) { return outputs[i].log; });
  v.count[kEmptied] =
      CountAt(n[kEmptied], x, [&](uint32_t i) { return emptied[i].log; });
  v.count[kVoids] =
      CountAt(n[kVoids], x, [&](uint32_t i) { return voids[i].log; });
  v.limit[kTagEdge] = v.count[kEdges];
  v.limit[kTagApplication] = v.count[kApplications];
  v.limit[kTagUnitOutput] = v.count[kUnitOutputs];
  v.limit[kTagEmptied] = v.count[kEmptied];
  return v;
}

PreparedUnit LineageIndex::Rep::PrepareUnit(UnitId unit,
                                            const View& view) const {
  PreparedUnit p;
  std::vector<ApplicationId> app_ids;
  ForEachEntry(units[unit].head, view,
               [&](uint32_t tag, uint32_t id, uint32_t /*node*/) {
                 switch (tag) {
                   case kTagApplication:
                     app_ids.push_back(id);
                     break;
                   case kTagUnitOutput: {
                     const UnitOutputRec& o = outputs[id];
                     p.outputs.push_back({o.start, o.end, o.lot, id});
                     p.max_output_length = std::max(
                         p.max_output_length, SaturatingSub(o.end, o.start));
                     break;
                   }
                   case kTagEmptied:
                     p.emptied.push_back(emptied[id].time);
                     break;
                 }
               });
  std::sort(p.emptied.begin(), p.emptied.end());
  std::sort(p.outputs.begin(), p.outputs.end(),
            [](const auto& a, const auto& b) { return a.start < b.start; });
  p.apps.reserve(app_ids.size());
  for (ApplicationId id : app_ids) {
    const ApplicationRec& a = applications[id];
    p.apps.push_back({a.time, p.WindowEnd(a.time, a.effect_end), a.input, id});
  }
  std::sort(p.apps.begin(), p.apps.end(),
            [](const auto& a, const auto& b) { return a.time < b.time; });
  return p;
}

template <bool kForward>
TraceResult LineageIndex::Rep::Trace(std::span<const LotId> seeds,
                                     const TraceOptions& options) const {
  const View v = MakeView(options.as_of);
  TraceResult r;
  r.published = v.published;
  r.as_of = v.as_of;
  const uint32_t num_lots = v.count[kLots];

  // Void lots as of the view: usually none, so usually no bitmap at all.
  const bool any_void = v.count[kVoids] > 0;
  Bitmap voided(any_void ? num_lots : 0);
  for (uint32_t i = 0; i < v.count[kVoids]; ++i) voided.Set(voids[i].lot);

  Bitmap visited(num_lots);
  for (LotId seed : seeds) {
    if (seed >= num_lots || (any_void && voided.Test(seed))) {
      r.ignored_seeds.push_back(seed);
      continue;
    }
    if (visited.Test(seed)) continue;
    visited.Set(seed);
    r.lots.push_back(TracedLot{.lot = seed});
  }

  const bool filter_kinds =
      (options.edge_kinds & kAllEdgeKinds) != kAllEdgeKinds;
  std::unordered_map<UnitId, PreparedUnit> prepared;
  auto unit = [&](UnitId u) -> const PreparedUnit& {
    auto [it, inserted] = prepared.try_emplace(u);
    if (inserted) it->second = PrepareUnit(u, v);
    return it->second;
  };

  // Breadth-first: r.lots is the queue, so depths come out non-decreasing.
  // The walk is bound by memory latency (a list head and a chunk per lot, in
  // a graph far larger than the caches), so it prefetches the list heads of
  // the lots kHeadAhead places ahead in the queue and the first chunks of
  // those kChunkAhead places ahead, which overlaps those cache misses.
  constexpr size_t kHeadAhead = 16;
  constexpr size_t kChunkAhead = 8;
  const auto& lists = kForward ? lot_out : lot_in;
  for (size_t head = 0; head < r.lots.size(); ++head) {
    if (head + kHeadAhead < r.lots.size()) {
      __builtin_prefetch(&lists[r.lots[head + kHeadAhead].lot]);
    }
    if (head + kChunkAhead < r.lots.size()) {
      const uint32_t c = lists[r.lots[head + kChunkAhead].lot].chunk.load(
          std::memory_order_acquire);
      if (c != kNone) __builtin_prefetch(&chunks[c]);
    }
    const LotId lot = r.lots[head].lot;
    const uint32_t depth = r.lots[head].depth;
    const bool expand = depth < options.max_depth;
    bool any_successor = false;
    auto reach = [&](LotId next, TraceVia via, uint32_t link,
                     UnitOutputId out) {
      if (any_void && voided.Test(next)) return;
      any_successor = true;
      if (visited.Test(next)) return;
      if (!expand) {
        r.truncated = true;
        return;
      }
      visited.Set(next);
      r.lots.push_back(TracedLot{next, lot, depth + 1, link, out, via, false});
    };
    ForEachEntry(lists[lot], v, [&](uint32_t tag, uint32_t id, uint32_t node) {
      if (tag == kTagEdge) {
        if (filter_kinds && !((options.edge_kinds >> edge_kind[id]) & 1)) {
          return;
        }
        reach(node, TraceVia::kEdge, id, kNoId);
        return;
      }
      if (!options.through_units) return;
      if constexpr (kForward) {
        // This lot was applied to a unit: every output of the unit whose
        // interval overlaps the taint window [time, window_end).
        if (tag != kTagApplication) return;
        const ApplicationRec& a = applications[id];
        const PreparedUnit& u = unit(a.unit);
        const int64_t window_end = u.WindowEnd(a.time, a.effect_end);
        // Outputs starting before the application may still overlap it.
        const int64_t from = SaturatingSub(a.time, u.max_output_length);
        auto it = std::lower_bound(
            u.outputs.begin(), u.outputs.end(), from,
            [](const PreparedUnit::Out& o, int64_t t) { return o.start < t; });
        for (; it != u.outputs.end() && it->start < window_end; ++it) {
          if (it->end >= a.time) reach(it->lot, TraceVia::kUnit, id, it->id);
        }
      } else {
        // This lot was made on a unit during [start, end]: every application
        // whose window overlaps that interval.
        if (tag != kTagUnitOutput) return;
        const UnitOutputRec& o = outputs[id];
        const PreparedUnit& u = unit(o.unit);
        for (const PreparedUnit::App& a : u.apps) {
          if (a.time > o.end) break;
          if (o.start < a.window_end) reach(a.input, TraceVia::kUnit, a.id, id);
        }
      }
    });
    r.lots[head].terminal = !any_successor;
  }
  return r;
}

TraceResult LineageIndex::Forward(std::span<const LotId> seeds,
                                  const TraceOptions& options) const {
  return rep_->Trace<true>(seeds, options);
}

TraceResult LineageIndex::Backward(std::span<const LotId> seeds,
                                   const TraceOptions& options) const {
  return rep_->Trace<false>(seeds, options);
}

std::vector<LotId> LineageIndex::LotsMadeOn(UnitId unit, int64_t t1, int64_t t2,
                                            uint64_t as_of) const {
  const View v = rep_->MakeView(as_of);
  std::vector<LotId> lots;
  if (unit >= v.count[kUnits]) return lots;
  const PreparedUnit u = rep_->PrepareUnit(unit, v);
  for (const PreparedUnit::Out& o : u.outputs) {
    if (o.start > t2) break;
    if (o.end >= t1) lots.push_back(o.lot);
  }
  std::sort(lots.begin(), lots.end());
  lots.erase(std::unique(lots.begin(), lots.end()), lots.end());
  if (v.count[kVoids] > 0) {
    std::vector<LotId> voided;
    for (uint32_t i = 0; i < v.count[kVoids]; ++i) {
      voided.push_back(rep_->voids[i].lot);
    }
    std::sort(voided.begin(), voided.end());
    std::erase_if(lots, [&](LotId lot) {
      return std::binary_search(voided.begin(), voided.end(), lot);
    });
  }
  return lots;
}

std::optional<EdgeInfo> LineageIndex::GetEdge(EdgeId edge,
                                              uint64_t as_of) const {
  const View v = rep_->MakeView(as_of);
  if (edge >= v.count[kEdges]) return std::nullopt;
  const EdgeRec& e = rep_->edges[edge];
  return EdgeInfo{e.input, e.output,
                  static_cast<fb::EdgeKind>(rep_->edge_kind[edge]), e.quantity,
                  rep_->edge_log[edge]};
}

std::optional<ApplicationInfo> LineageIndex::GetApplication(
    ApplicationId application, uint64_t as_of) const {
  const View v = rep_->MakeView(as_of);
  if (application >= v.count[kApplications]) return std::nullopt;
  const ApplicationRec& a = rep_->applications[application];
  const PreparedUnit u = rep_->PrepareUnit(a.unit, v);
  return ApplicationInfo{a.input,
                         a.unit,
                         a.time,
                         a.effect_end,
                         u.WindowEnd(a.time, a.effect_end),
                         a.quantity,
                         a.log};
}

std::optional<UnitOutputInfo> LineageIndex::GetUnitOutput(
    UnitOutputId output, uint64_t as_of) const {
  const View v = rep_->MakeView(as_of);
  if (output >= v.count[kUnitOutputs]) return std::nullopt;
  const UnitOutputRec& o = rep_->outputs[output];
  return UnitOutputInfo{o.lot, o.unit, o.start, o.end, o.log};
}

bool LineageIndex::IsVoid(LotId lot, uint64_t as_of) const {
  const View v = rep_->MakeView(as_of);
  if (lot >= v.count[kLots]) return false;
  for (uint32_t i = 0; i < v.count[kVoids]; ++i) {
    if (rep_->voids[i].lot == lot) return true;
  }
  return false;
}

size_t LineageIndex::Rep::MemoryBytes() const {
  return sizeof(LineageIndex) + sizeof(Rep) + lot_log.MemoryBytes() +
         lot_out.MemoryBytes() + lot_in.MemoryBytes() + edges.MemoryBytes() +
         edge_kind.MemoryBytes() + edge_log.MemoryBytes() +
         chunks.MemoryBytes() + units.MemoryBytes() +
         applications.MemoryBytes() + outputs.MemoryBytes() +
         emptied.MemoryBytes() + voids.MemoryBytes();
}

size_t LineageIndex::MemoryBytes() const { return rep_->MemoryBytes(); }

LineageStats LineageIndex::Stats() const {
  const View v = rep_->MakeView(kLatest);
  LineageStats s;
  s.lots = v.count[kLots];
  s.units = v.count[kUnits];
  s.edges = v.count[kEdges];
  s.applications = v.count[kApplications];
  s.unit_outputs = v.count[kUnitOutputs];
  s.emptied_events = v.count[kEmptied];
  s.voids = v.count[kVoids];
  s.published = v.published;
  s.published_log_index = v.as_of;
  s.memory_bytes = MemoryBytes();
  return s;
}

}  // namespace qtrace::host
