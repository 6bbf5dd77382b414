// LineageIndex persistence: Serialize / Deserialize.
//
// Blob layout, version 1, all integers little-endian, fixed width:
//
//   header (52 bytes)
//     magic "QTLINIDX" | u32 version | u32 flags (bit 0: published)
//     u64 published log index | u32 count x 7 (lots, units, edges,
//     applications, unit outputs, emptied events, voids)
//   columns, one record per id in id order
//     lots          u64 log                                         (8)
//     units         u64 log                                         (8)
//     edges         u32 input, u32 output, u8 kind, i64 qty, u64 log (25)
//     applications  u32 input, u32 unit, i64 time, i64 effect_end,
//                   i64 qty, u64 log                                 (40)
//     unit outputs  u32 lot, u32 unit, i64 start, i64 end, u64 log   (32)
//     emptied       u32 unit, i64 time, u64 log                      (20)
//     voids         u32 lot, u64 log                                 (12)
//
// Only entities are stored; the adjacency lists are rebuilt on load by
// replaying the list-forming entities in log order (so every list keeps its
// entries in non-decreasing log order, which the readers rely on). The blob
// has no checksum of its own: the store that keeps it checksums its blocks.
#include <cstring>
#include <string>

#include "lineage_index_rep.h"
#include "qtrace/host/lineage_index.h"

namespace qtrace::host {

using namespace lineage_internal;  // NOLINT: this file is the implementation

namespace {

constexpr char kMagic[8] = {'Q', 'T', 'L', 'I', 'N', 'I', 'D', 'X'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFlagPublished = 1;
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8 + 4 * kNumKinds;
constexpr size_t kRecordSize[kNumKinds] = {8, 8, 25, 40, 32, 20, 12};

void PutU8(std::string* out, uint8_t v) {
  out->push_back(static_cast<char>(v));
}
void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}
void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v));
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
int64_t GetI64(const char* p) { return static_cast<int64_t>(GetU64(p)); }

Status Corrupt(const std::string& what) {
  return InvalidArgument("lineage snapshot: " + what, "lineage_snapshot");
}

}  // namespace

void LineageIndex::Serialize(std::string* out) const {
  const Rep& r = *rep_;
  const View v = r.MakeView(kLatest);
  size_t size = kHeaderSize;
  for (int k = 0; k < kNumKinds; ++k) size += kRecordSize[k] * v.count[k];
  out->clear();
  out->reserve(size);
  out->append(kMagic, sizeof(kMagic));
  PutU32(out, kVersion);
  PutU32(out, v.published ? kFlagPublished : 0);
  PutU64(out, v.as_of);
  for (int k = 0; k < kNumKinds; ++k) PutU32(out, v.count[k]);

  for (uint32_t i = 0; i < v.count[kLots]; ++i) PutU64(out, r.lot_log[i]);
  for (uint32_t i = 0; i < v.count[kUnits]; ++i) PutU64(out, r.units[i].log);
  for (uint32_t i = 0; i < v.count[kEdges]; ++i) {
    const EdgeRec& e = r.edges[i];
    PutU32(out, e.input);
    PutU32(out, e.output);
    PutU8(out, r.edge_kind[i]);
    PutI64(out, e.quantity);
    PutU64(out, r.edge_log[i]);
  }
  for (uint32_t i = 0; i < v.count[kApplications]; ++i) {
    const ApplicationRec& a = r.applications[i];
    PutU32(out, a.input);
    PutU32(out, a.unit);
    PutI64(out, a.time);
    PutI64(out, a.effect_end);
    PutI64(out, a.quantity);
    PutU64(out, a.log);
  }
  for (uint32_t i = 0; i < v.count[kUnitOutputs]; ++i) {
    const UnitOutputRec& o = r.outputs[i];
    PutU32(out, o.lot);
    PutU32(out, o.unit);
    PutI64(out, o.start);
    PutI64(out, o.end);
    PutU64(out, o.log);
  }
  for (uint32_t i = 0; i < v.count[kEmptied]; ++i) {
    const EmptiedRec& e = r.emptied[i];
    PutU32(out, e.unit);
    PutI64(out, e.time);
    PutU64(out, e.log);
  }
  for (uint32_t i = 0; i < v.count[kVoids]; ++i) {
    PutU32(out, r.voids[i].lot);
    PutU64(out, r.voids[i].log);
  }
}

StatusOr<std::unique_ptr<LineageIndex>> LineageIndex::Deserialize(
    std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return Corrupt("truncated header");
  const char* p = bytes.data();
  if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0) return Corrupt("bad magic");
  const uint32_t version = GetU32(p + 8);
  if (version != kVersion) {
    return Corrupt("unsupported version " + std::to_string(version));
  }
  const uint32_t flags = GetU32(p + 12);
  if ((flags & ~kFlagPublished) != 0) return Corrupt("unknown flags");
  const bool published = (flags & kFlagPublished) != 0;
  const uint64_t log_end = GetU64(p + 16);  // the published log index
  uint32_t n[kNumKinds];
  uint64_t size = kHeaderSize;
  size_t offset[kNumKinds];
  for (int k = 0; k < kNumKinds; ++k) {
    n[k] = GetU32(p + 24 + 4 * k);
    offset[k] = size;
    size += uint64_t{kRecordSize[k]} * n[k];
  }
  if (bytes.size() < size) return Corrupt("truncated");
  if (bytes.size() > size) return Corrupt("trailing bytes");
  if (!published) {
    for (int k = 0; k < kNumKinds; ++k) {
      if (n[k] != 0) return Corrupt("unpublished snapshot with contents");
    }
  }
  if (published && log_end == kLatest) return Corrupt("bad log index");
  if (n[kLots] >= kNone - 1 || n[kUnits] > Rep::SmallArray<UnitRec>::kMaxSize ||
      n[kVoids] > Rep::SmallArray<VoidRec>::kMaxSize ||
      n[kEdges] >= kMaxEntryId || n[kApplications] >= kMaxEntryId ||
      n[kUnitOutputs] >= kMaxEntryId || n[kEmptied] >= kMaxEntryId) {
    return Corrupt("counts out of range");
  }

  auto index = std::unique_ptr<LineageIndex>(new LineageIndex());
  Rep& r = *index->rep_;
  auto record = [&](Kind k, uint32_t i) {
    return p + offset[k] + size_t{kRecordSize[k]} * i;
  };
  auto log_of = [&](Kind k, uint32_t i) {
    return GetU64(record(k, i) + kRecordSize[k] - 8);
  };
  // Every column's log indexes must be non-decreasing and <= the published.
  for (int k = 0; k < kNumKinds; ++k) {
    uint64_t prev = 0;
    for (uint32_t i = 0; i < n[k]; ++i) {
      const uint64_t log = log_of(static_cast<Kind>(k), i);
      if (log < prev || log > log_end) return Corrupt("log index out of order");
      prev = log;
    }
  }

  for (uint32_t i = 0; i < n[kLots]; ++i) r.AppendLot(log_of(kLots, i));
  for (uint32_t i = 0; i < n[kUnits]; ++i) r.AppendUnit(log_of(kUnits, i));
  // An entity must not be older than what it names, or an as-of view could
  // show an edge without its lots.
  auto lot_ok = [&](uint32_t lot, uint64_t log) {
    return lot < n[kLots] && r.lot_log[lot] <= log;
  };
  auto unit_ok = [&](uint32_t unit, uint64_t log) {
    return unit < n[kUnits] && r.units[unit].log <= log;
  };

  // Replay the list-forming entities merged by log index.
  uint32_t next[kNumKinds] = {};
  const Kind kMerged[] = {kEdges, kApplications, kUnitOutputs, kEmptied};
  while (true) {
    Kind pick = kNumKinds;
    uint64_t best = 0;
    for (Kind k : kMerged) {
      if (next[k] == n[k]) continue;
      const uint64_t log = log_of(k, next[k]);
      if (pick == kNumKinds || log < best) {
        pick = k;
        best = log;
      }
    }
    if (pick == kNumKinds) break;
    const char* q = record(pick, next[pick]++);
    switch (pick) {
      case kEdges: {
        const LotId input = GetU32(q);
        const LotId output = GetU32(q + 4);
        const auto kind = static_cast<uint8_t>(q[8]);
        if (!lot_ok(input, best) || !lot_ok(output, best) || input == output) {
          return Corrupt("edge names a bad lot");
        }
        if (kind > static_cast<uint8_t>(fb::EdgeKind::MAX) ||
            kind == static_cast<uint8_t>(fb::EdgeKind::APPLIED_TO) ||
            kind == static_cast<uint8_t>(fb::EdgeKind::PROCESSED_ON)) {
          return Corrupt("bad edge kind");
        }
        r.AppendEdge(input, output, kind, GetI64(q + 9), best);
        break;
      }
      case kApplications: {
        const ApplicationRec a{GetU32(q),      GetU32(q + 4),  GetI64(q + 8),
                               GetI64(q + 16), GetI64(q + 24), best};
        if (!lot_ok(a.input, best) || !unit_ok(a.unit, best)) {
          return Corrupt("application names a bad lot or unit");
        }
        if (a.effect_end <= a.time) return Corrupt("bad application window");
        r.AppendApplication(a);
        break;
      }
      case kUnitOutputs: {
        const UnitOutputRec o{GetU32(q), GetU32(q + 4), GetI64(q + 8),
                              GetI64(q + 16), best};
        if (!lot_ok(o.lot, best) || !unit_ok(o.unit, best)) {
          return Corrupt("unit output names a bad lot or unit");
        }
        if (o.end < o.start) return Corrupt("bad unit output interval");
        r.AppendUnitOutput(o);
        break;
      }
      case kEmptied: {
        const EmptiedRec e{GetU32(q), GetI64(q + 4), best};
        if (!unit_ok(e.unit, best)) return Corrupt("emptied names a bad unit");
        r.AppendEmptied(e);
        break;
      }
      default:
        break;
    }
  }
  for (uint32_t i = 0; i < n[kVoids]; ++i) {
    const VoidRec v{GetU32(record(kVoids, i)), log_of(kVoids, i)};
    if (!lot_ok(v.lot, v.log)) return Corrupt("void names a bad lot");
    r.AppendVoid(v);
  }

  if (published) {
    r.NoteAppended(log_end);
    r.DoPublish();
  }
  return index;
}

}  // namespace qtrace::host
