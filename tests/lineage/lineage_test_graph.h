// Test helper: a LineageIndex plus a log-index counter, so tests read as a
// list of records ("this record registered a lot with these inputs").
#ifndef QTRACE_TESTS_LINEAGE_LINEAGE_TEST_GRAPH_H_
#define QTRACE_TESTS_LINEAGE_LINEAGE_TEST_GRAPH_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <vector>

#include "qtrace/host/lineage_index.h"
#include "qtrace/time.h"

namespace qtrace::host::testing {

inline int64_t Day(int64_t d) { return d * kMicrosPerDay; }

class TestGraph {
 public:
  // Every call below is one record with the next log index (1, 2, ...).
  LotId Lot() { return *index.AddLot(++log); }
  // A lot made from `inputs` by edges of `kind`, in one record.
  LotId LotFrom(std::initializer_list<LotId> inputs,
                fb::EdgeKind kind = fb::EdgeKind::COMPOSED_OF) {
    const LotId lot = *index.AddLot(++log);
    for (LotId in : inputs) {
      EXPECT_TRUE(index.AddEdge(in, lot, kind, 1000, log).ok());
    }
    return lot;
  }
  EdgeId Edge(LotId in, LotId out,
              fb::EdgeKind kind = fb::EdgeKind::COMPOSED_OF) {
    return *index.AddEdge(in, out, kind, 1000, ++log);
  }
  UnitId Unit() { return *index.AddUnit(++log); }
  ApplicationId Apply(LotId input, UnitId unit, int64_t time,
                      int64_t effect_end = kNoEffectEnd) {
    return *index.AddApplication(input, unit, time, effect_end, 500, ++log);
  }
  // A lot harvested from `unit` at the instant `time` (one record).
  LotId Harvest(UnitId unit, int64_t time) {
    const LotId lot = *index.AddLot(++log);
    EXPECT_TRUE(index.AddUnitOutput(lot, unit, time, time, log).ok());
    return lot;
  }
  // A lot made on `unit` during [start, end] (one record).
  LotId MadeOn(UnitId unit, int64_t start, int64_t end) {
    const LotId lot = *index.AddLot(++log);
    EXPECT_TRUE(index.AddUnitOutput(lot, unit, start, end, log).ok());
    return lot;
  }
  void Emptied(UnitId unit, int64_t time) {
    ASSERT_TRUE(index.AddEmptied(unit, time, ++log).ok());
  }
  void Void(LotId lot) { ASSERT_TRUE(index.VoidLot(lot, ++log).ok()); }

  TraceResult Forward(std::initializer_list<LotId> seeds,
                      TraceOptions options = {}) {
    index.Publish();
    std::vector<LotId> s(seeds);
    return index.Forward(s, options);
  }
  TraceResult Backward(std::initializer_list<LotId> seeds,
                       TraceOptions options = {}) {
    index.Publish();
    std::vector<LotId> s(seeds);
    return index.Backward(s, options);
  }

  LineageIndex index;
  uint64_t log = 0;
};

// Every lot of a result, seeds included.
inline std::set<LotId> AllLots(const TraceResult& r) {
  std::set<LotId> s;
  for (const TracedLot& t : r.lots) s.insert(t.lot);
  return s;
}

// The lots reached from the seeds (seeds excluded).
inline std::set<LotId> Reached(const TraceResult& r) {
  std::set<LotId> s;
  for (const TracedLot& t : r.lots) {
    if (t.via != TraceVia::kSeed) s.insert(t.lot);
  }
  return s;
}

inline std::set<LotId> Terminal(const TraceResult& r) {
  std::set<LotId> s;
  for (const TracedLot& t : r.lots) {
    if (t.terminal) s.insert(t.lot);
  }
  return s;
}

inline const TracedLot* Find(const TraceResult& r, LotId lot) {
  for (const TracedLot& t : r.lots) {
    if (t.lot == lot) return &t;
  }
  return nullptr;
}

}  // namespace qtrace::host::testing

#endif  // QTRACE_TESTS_LINEAGE_LINEAGE_TEST_GRAPH_H_
