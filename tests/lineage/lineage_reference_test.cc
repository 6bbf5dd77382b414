// LineageIndex against a naive reference: random graphs (with cycles, units,
// windows, emptied events and voids, several mutations per record, random
// publishes), every answer compared with a plain BFS over vectors of records.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "qtrace/host/lineage_index.h"

namespace qtrace::host {
namespace {

struct RefEdge {
  LotId in, out;
  uint8_t kind;
  uint64_t log;
};
struct RefApp {
  LotId lot;
  UnitId unit;
  int64_t time, effect_end;
  uint64_t log;
};
struct RefOut {
  LotId lot;
  UnitId unit;
  int64_t start, end;
  uint64_t log;
};
struct RefEmptied {
  UnitId unit;
  int64_t time;
  uint64_t log;
};
struct RefVoid {
  LotId lot;
  uint64_t log;
};

struct Reference {
  std::vector<uint64_t> lot_log, unit_log;
  std::vector<RefEdge> edges;
  std::vector<RefApp> apps;
  std::vector<RefOut> outs;
  std::vector<RefEmptied> emptied;
  std::vector<RefVoid> voids;

  bool Void(LotId lot, uint64_t x) const {
    for (const auto& v : voids) {
      if (v.lot == lot && v.log <= x) return true;
    }
    return false;
  }
  int64_t WindowEnd(const RefApp& a, uint64_t x) const {
    int64_t end = a.effect_end;
    for (const auto& e : emptied) {
      if (e.unit == a.unit && e.log <= x && e.time > a.time) {
        end = std::min(end, e.time);
      }
    }
    return end;
  }
  std::vector<LotId> Successors(LotId lot, bool forward, uint64_t x,
                                const TraceOptions& o) const {
    std::vector<LotId> s;
    for (const auto& e : edges) {
      if (e.log > x || !((o.edge_kinds >> e.kind) & 1)) continue;
      if (forward && e.in == lot) s.push_back(e.out);
      if (!forward && e.out == lot) s.push_back(e.in);
    }
    if (o.through_units) {
      for (const auto& a : apps) {
        if (a.log > x) continue;
        const int64_t wend = WindowEnd(a, x);
        for (const auto& out : outs) {
          if (out.log > x || out.unit != a.unit) continue;
          if (!(out.start < wend && out.end >= a.time)) continue;
          if (forward && a.lot == lot) s.push_back(out.lot);
          if (!forward && out.lot == lot) s.push_back(a.lot);
        }
      }
    }
    std::erase_if(s, [&](LotId l) { return Void(l, x); });
    return s;
  }
  // (lot, depth, terminal) sorted, and the truncated flag.
  std::pair<std::vector<std::tuple<LotId, uint32_t, bool>>, bool> Trace(
      const std::vector<LotId>& seeds, bool forward, uint64_t x,
      const TraceOptions& o) const {
    std::map<LotId, uint32_t> depth;
    std::deque<LotId> queue;
    for (LotId s : seeds) {
      if (s >= lot_log.size() || lot_log[s] > x || Void(s, x)) continue;
      if (depth.emplace(s, 0).second) queue.push_back(s);
    }
    bool truncated = false;
    std::vector<std::tuple<LotId, uint32_t, bool>> out;
    while (!queue.empty()) {
      const LotId lot = queue.front();
      queue.pop_front();
      const auto next = Successors(lot, forward, x, o);
      out.emplace_back(lot, depth[lot], next.empty());
      for (LotId n : next) {
        if (depth.count(n)) continue;
        if (depth[lot] >= o.max_depth) {
          truncated = true;
          continue;
        }
        depth[n] = depth[lot] + 1;
        queue.push_back(n);
      }
    }
    std::sort(out.begin(), out.end());
    return {out, truncated};
  }
};

std::vector<std::tuple<LotId, uint32_t, bool>> Sorted(const TraceResult& r) {
  std::vector<std::tuple<LotId, uint32_t, bool>> v;
  for (const TracedLot& t : r.lots) v.emplace_back(t.lot, t.depth, t.terminal);
  std::sort(v.begin(), v.end());
  return v;
}

TEST(LineageReferenceTest, RandomGraphsMatchANaiveTraceAsOfEveryPoint) {
  std::mt19937 rng(7);
  auto pick = [&](uint32_t n) {
    return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng);
  };
  for (int round = 0; round < 12; ++round) {
    LineageIndex index;
    Reference ref;
    uint64_t log = 0;
    uint64_t published = 0;
    bool any_published = false;
    for (int record = 0; record < 120; ++record) {
      log += 1 + pick(2);
      const int mutations = 1 + pick(3);
      for (int m = 0; m < mutations; ++m) {
        const uint32_t what = pick(100);
        const auto lots = static_cast<uint32_t>(ref.lot_log.size());
        const auto units = static_cast<uint32_t>(ref.unit_log.size());
        if (what < 30 || lots < 2) {
          ASSERT_TRUE(index.AddLot(log).ok());
          ref.lot_log.push_back(log);
        } else if (what < 35 || units == 0) {
          ASSERT_TRUE(index.AddUnit(log).ok());
          ref.unit_log.push_back(log);
        } else if (what < 70) {
          // Mostly old -> new, sometimes new -> old (rework cycles).
          LotId a = pick(lots), b = pick(lots);
          if (a == b) continue;
          if (pick(10) != 0 && a > b) std::swap(a, b);
          static constexpr fb::EdgeKind kKinds[] = {
              fb::EdgeKind::COMPOSED_OF, fb::EdgeKind::MERGED_INTO,
              fb::EdgeKind::SPLIT_FROM, fb::EdgeKind::CONTAINED_IN,
              fb::EdgeKind::LABELLED_WITH};
          const fb::EdgeKind kind = kKinds[pick(5)];
          ASSERT_TRUE(index.AddEdge(a, b, kind, 1, log).ok());
          ref.edges.push_back({a, b, static_cast<uint8_t>(kind), log});
        } else if (what < 80) {
          const RefApp a{pick(lots), pick(units), int64_t{pick(50)},
                         pick(3) == 0 ? int64_t{60} : kNoEffectEnd, log};
          ASSERT_TRUE(
              index.AddApplication(a.lot, a.unit, a.time, a.effect_end, 1, log)
                  .ok());
          ref.apps.push_back(a);
        } else if (what < 92) {
          const int64_t start = pick(60);
          const RefOut o{pick(lots), pick(units), start,
                         start + (pick(2) ? 0 : int64_t{pick(10)}), log};
          ASSERT_TRUE(
              index.AddUnitOutput(o.lot, o.unit, o.start, o.end, log).ok());
          ref.outs.push_back(o);
        } else if (what < 97) {
          const RefEmptied e{pick(units), int64_t{pick(60)}, log};
          ASSERT_TRUE(index.AddEmptied(e.unit, e.time, log).ok());
          ref.emptied.push_back(e);
        } else {
          const RefVoid v{pick(lots), log};
          ASSERT_TRUE(index.VoidLot(v.lot, log).ok());
          ref.voids.push_back(v);
        }
      }
      if (pick(4) == 0) {
        index.Publish();
        published = log;
        any_published = true;
      }
    }
    ASSERT_TRUE(any_published);
    // Unpublished tail: invisible to every query.
    const uint64_t visible = published;
    for (int q = 0; q < 40; ++q) {
      TraceOptions o;
      o.as_of = pick(3) == 0 ? kLatest : pick(static_cast<uint32_t>(log + 2));
      o.max_depth = pick(3) == 0 ? pick(4) : kUnlimitedDepth;
      if (pick(3) == 0) o.edge_kinds = pick(1u << 9);
      o.through_units = pick(4) != 0;
      std::vector<LotId> seeds;
      for (int s = 1 + pick(3); s > 0; --s) {
        seeds.push_back(pick(static_cast<uint32_t>(ref.lot_log.size() + 3)));
      }
      const uint64_t x = std::min(o.as_of, visible);
      for (bool forward : {true, false}) {
        const TraceResult r =
            forward ? index.Forward(seeds, o) : index.Backward(seeds, o);
        const auto [want, truncated] = ref.Trace(seeds, forward, x, o);
        ASSERT_EQ(Sorted(r), want)
            << "round " << round << " query " << q << " forward " << forward;
        ASSERT_EQ(r.truncated, truncated);
        ASSERT_EQ(r.as_of, x);
        ASSERT_EQ(r.lots.size() + r.ignored_seeds.size() >=
                      std::set<LotId>(seeds.begin(), seeds.end()).size(),
                  true);
      }
    }
    // A snapshot answers the same.
    std::string blob;
    index.Serialize(&blob);
    auto copy = LineageIndex::Deserialize(blob);
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    for (LotId lot = 0; lot < ref.lot_log.size(); lot += 3) {
      const std::vector<LotId> seeds{lot};
      TraceOptions o;
      o.as_of = pick(static_cast<uint32_t>(log + 1));
      EXPECT_EQ(Sorted(index.Forward(seeds, o)),
                Sorted((*copy)->Forward(seeds, o)));
      EXPECT_EQ(Sorted(index.Backward(seeds, o)),
                Sorted((*copy)->Backward(seeds, o)));
    }
  }
}

}  // namespace
}  // namespace qtrace::host
