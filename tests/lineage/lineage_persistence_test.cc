// LineageIndex snapshots: Serialize / Deserialize.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lineage_test_graph.h"
#include "qtrace/host/lineage_index.h"

namespace qtrace::host {
namespace {

using fb::EdgeKind;
using testing::Day;
using testing::TestGraph;

// A small graph with every entity kind, published up to log `g->log`.
void BuildEveryKind(TestGraph* g) {
  const UnitId pond = g->Unit();
  const UnitId line = g->Unit();
  const LotId feed = g->Lot();
  const LotId salt = g->Lot();
  g->Apply(feed, pond, Day(1));
  const LotId fish = g->Harvest(pond, Day(5));
  g->Emptied(pond, Day(6));
  const LotId late_fish = g->Harvest(pond, Day(7));
  const LotId fillet = g->MadeOn(line, Day(8), Day(9));
  g->Edge(fish, fillet, EdgeKind::COMPOSED_OF);
  g->Edge(salt, fillet, EdgeKind::COMPOSED_OF);
  const LotId pack = g->LotFrom({fillet, late_fish}, EdgeKind::MERGED_INTO);
  g->LotFrom({pack}, EdgeKind::SPLIT_FROM);
  g->Apply(salt, line, Day(8), Day(10));
  g->Void(late_fish);
  g->index.Publish();
}

std::vector<std::pair<LotId, uint32_t>> Sorted(const TraceResult& r) {
  std::vector<std::pair<LotId, uint32_t>> v;
  for (const TracedLot& t : r.lots) v.emplace_back(t.lot, t.depth);
  std::sort(v.begin(), v.end());
  return v;
}

TEST(LineagePersistenceTest, RoundTripAnswersEveryQueryTheSame) {
  TestGraph g;
  BuildEveryKind(&g);
  std::string blob;
  g.index.Serialize(&blob);
  auto restored = LineageIndex::Deserialize(blob);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  const LineageIndex& copy = **restored;

  const LineageStats a = g.index.Stats();
  const LineageStats b = copy.Stats();
  EXPECT_EQ(a.lots, b.lots);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.edges, b.edges);
  EXPECT_EQ(a.applications, b.applications);
  EXPECT_EQ(a.unit_outputs, b.unit_outputs);
  EXPECT_EQ(a.emptied_events, b.emptied_events);
  EXPECT_EQ(a.voids, b.voids);
  EXPECT_TRUE(b.published);
  EXPECT_EQ(a.published_log_index, b.published_log_index);

  for (uint64_t as_of = 0; as_of <= g.log; ++as_of) {
    TraceOptions o;
    o.as_of = as_of;
    for (LotId lot = 0; lot < a.lots; ++lot) {
      const std::vector<LotId> seeds{lot};
      EXPECT_EQ(Sorted(g.index.Forward(seeds, o)),
                Sorted(copy.Forward(seeds, o)))
          << "forward from " << lot << " as of " << as_of;
      EXPECT_EQ(Sorted(g.index.Backward(seeds, o)),
                Sorted(copy.Backward(seeds, o)))
          << "backward from " << lot << " as of " << as_of;
    }
  }
  // The snapshot of the copy is the same bytes.
  std::string again;
  copy.Serialize(&again);
  EXPECT_EQ(again, blob);
}

TEST(LineagePersistenceTest, RestoredIndexAcceptsTheTailAfterTheSnapshot) {
  TestGraph g;
  BuildEveryKind(&g);
  std::string blob;
  g.index.Serialize(&blob);
  auto restored = LineageIndex::Deserialize(blob);
  ASSERT_TRUE(restored.ok());
  LineageIndex& copy = **restored;
  // The snapshot's log index is published: the tail must come after it.
  EXPECT_FALSE(copy.AddLot(g.log).ok());
  const LotId next = *copy.AddLot(g.log + 1);
  ASSERT_TRUE(copy.AddEdge(0, next, EdgeKind::COMPOSED_OF, 1, g.log + 1).ok());
  copy.Publish();
  const std::vector<LotId> seeds{0};
  const TraceResult r = copy.Forward(seeds);
  EXPECT_TRUE(std::any_of(r.lots.begin(), r.lots.end(),
                          [&](const TracedLot& t) { return t.lot == next; }));
}

TEST(LineagePersistenceTest, SnapshotCoversOnlyPublishedState) {
  TestGraph g;
  BuildEveryKind(&g);
  const uint64_t published = g.log;
  g.Lot();  // appended, not published
  std::string blob;
  g.index.Serialize(&blob);
  auto restored = LineageIndex::Deserialize(blob);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->Stats().lots, g.index.Stats().lots);
  EXPECT_EQ((*restored)->Stats().published_log_index, published);
}

TEST(LineagePersistenceTest, EmptyIndexRoundTrips) {
  LineageIndex index;
  std::string blob;
  index.Serialize(&blob);
  auto restored = LineageIndex::Deserialize(blob);
  ASSERT_TRUE(restored.ok());
  EXPECT_FALSE((*restored)->Stats().published);
  EXPECT_TRUE((*restored)->AddLot(0).ok());
}

TEST(LineagePersistenceTest, EveryTruncationFailsCleanly) {
  TestGraph g;
  BuildEveryKind(&g);
  std::string blob;
  g.index.Serialize(&blob);
  for (size_t n = 0; n < blob.size(); ++n) {
    // A copy of exactly n bytes, so a read past the end would be caught by
    // the sanitizers.
    const std::string prefix = blob.substr(0, n);
    auto r = LineageIndex::Deserialize(prefix);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(LineageIndex::Deserialize(blob + "x").ok());
}

TEST(LineagePersistenceTest, WrongMagicVersionOrContentsAreRejected) {
  TestGraph g;
  BuildEveryKind(&g);
  std::string blob;
  g.index.Serialize(&blob);
  ASSERT_TRUE(LineageIndex::Deserialize(blob).ok());

  std::string bad = blob;
  bad[0] = 'X';
  EXPECT_FALSE(LineageIndex::Deserialize(bad).ok());
  bad = blob;
  bad[8] = 2;  // version
  EXPECT_NE(LineageIndex::Deserialize(bad).status().message().find("version"),
            std::string::npos);

  // The first edge record starts after the header and the lot and unit
  // columns; point its input at a lot that does not exist.
  const LineageStats s = g.index.Stats();
  const size_t first_edge = 52 + 8 * s.lots + 8 * s.units;
  bad = blob;
  bad[first_edge + 3] = 0x7f;
  EXPECT_FALSE(LineageIndex::Deserialize(bad).ok());
  // A lot-to-unit kind is not an edge kind.
  bad = blob;
  bad[first_edge + 8] = static_cast<char>(EdgeKind::APPLIED_TO);
  EXPECT_FALSE(LineageIndex::Deserialize(bad).ok());
  // Lot log indexes out of order.
  bad = blob;
  bad[52 + 7] = 0x7f;  // lot 0's log index, most significant byte
  EXPECT_FALSE(LineageIndex::Deserialize(bad).ok());
}

}  // namespace
}  // namespace qtrace::host
