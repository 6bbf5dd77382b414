// Behaviour of LineageIndex traces on small hand-built graphs.
#include "qtrace/host/lineage_index.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "lineage_test_graph.h"

namespace qtrace::host {
namespace {

using fb::EdgeKind;
using testing::AllLots;
using testing::Day;
using testing::Find;
using testing::Reached;
using testing::Terminal;
using testing::TestGraph;
using Set = std::set<LotId>;

TEST(LineageIndexTest, ForwardReachesEveryDownstreamLot) {
  TestGraph g;
  const LotId a = g.Lot();
  const LotId b = g.Lot();
  const LotId ab = g.LotFrom({a, b});
  const LotId x = g.LotFrom({ab});
  const LotId y = g.LotFrom({ab});
  const LotId xy = g.LotFrom({x, y});
  const LotId unrelated = g.LotFrom({b});

  const TraceResult r = g.Forward({a});
  EXPECT_EQ(Reached(r), (Set{ab, x, y, xy}));
  EXPECT_FALSE(r.truncated);
  EXPECT_TRUE(r.ignored_seeds.empty());
  EXPECT_EQ(Find(r, xy)->depth, 3u);
  EXPECT_EQ(Find(r, unrelated), nullptr);
}

TEST(LineageIndexTest, SeedsComeFirstAtDepthZeroFlaggedAsSeeds) {
  TestGraph g;
  const LotId a = g.Lot();
  const LotId b = g.LotFrom({a});
  const LotId c = g.LotFrom({b});
  const TraceResult r = g.Forward({c, a, a});
  ASSERT_EQ(r.lots.size(), 3u);
  EXPECT_EQ(r.lots[0].lot, c);
  EXPECT_EQ(r.lots[1].lot, a);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(r.lots[i].via, TraceVia::kSeed);
    EXPECT_EQ(r.lots[i].depth, 0u);
    EXPECT_EQ(r.lots[i].parent, kNoId);
  }
  // c is a seed already, so it is not reached again through b.
  EXPECT_EQ(r.lots[2].lot, b);
  EXPECT_EQ(r.lots[2].depth, 1u);
}

TEST(LineageIndexTest, BackwardReachesEveryUpstreamLotToTheOrigin) {
  TestGraph g;
  const UnitId plot = g.Unit();
  const LotId seed_lot = g.Lot();
  const LotId fertiliser = g.Lot();
  g.Apply(seed_lot, plot, Day(1));
  g.Apply(fertiliser, plot, Day(2));
  const LotId harvest = g.Harvest(plot, Day(60));
  const LotId salt = g.Lot();
  const LotId pickled = g.LotFrom({harvest, salt});
  const LotId jar = g.LotFrom({pickled}, EdgeKind::SPLIT_FROM);
  const LotId downstream = g.LotFrom({jar});

  const TraceResult r = g.Backward({jar});
  EXPECT_EQ(Reached(r), (Set{pickled, harvest, salt, seed_lot, fertiliser}));
  EXPECT_EQ(Find(r, downstream), nullptr);
  EXPECT_EQ(Terminal(r), (Set{salt, seed_lot, fertiliser}));
  const TracedLot* s = Find(r, seed_lot);
  EXPECT_EQ(s->via, TraceVia::kUnit);
  EXPECT_EQ(s->parent, harvest);
  EXPECT_EQ(s->depth, 3u);
}

TEST(LineageIndexTest, MergedLotWithOneTaintedInputIsReached) {
  TestGraph g;
  const LotId tainted = g.Lot();
  const LotId clean = g.Lot();
  const LotId merged = g.LotFrom({tainted, clean}, EdgeKind::MERGED_INTO);
  const LotId retail = g.LotFrom({merged}, EdgeKind::SPLIT_FROM);

  EXPECT_EQ(Reached(g.Forward({tainted})), (Set{merged, retail}));
  // The clean input is upstream of the merge, not downstream of the taint.
  EXPECT_EQ(Find(g.Forward({tainted}), clean), nullptr);
  EXPECT_EQ(Reached(g.Backward({retail})), (Set{merged, tainted, clean}));
}

TEST(LineageIndexTest, SplitChildrenAreReached) {
  TestGraph g;
  const LotId parent = g.Lot();
  std::vector<LotId> children;
  for (int i = 0; i < 7; ++i) {
    children.push_back(g.LotFrom({parent}, EdgeKind::SPLIT_FROM));
  }
  const TraceResult r = g.Forward({parent});
  EXPECT_EQ(Reached(r), Set(children.begin(), children.end()));
  EXPECT_EQ(Terminal(r), Set(children.begin(), children.end()));
  for (LotId c : children) {
    EXPECT_EQ(Find(r, c)->depth, 1u);
    EXPECT_EQ(Find(r, c)->parent, parent);
  }
}

TEST(LineageIndexTest, PondApplicationTaintsHarvestsUntilEmptied) {
  TestGraph g;
  const UnitId pond = g.Unit();
  const LotId feed = g.Lot();
  const LotId before_feed = g.Harvest(pond, Day(9));
  g.Apply(feed, pond, Day(10));
  const LotId first = g.Harvest(pond, Day(20));
  const LotId second = g.Harvest(pond, Day(40));
  g.Emptied(pond, Day(50));
  const LotId after_emptied = g.Harvest(pond, Day(60));

  const TraceResult r = g.Forward({feed});
  EXPECT_EQ(Reached(r), (Set{first, second}));
  EXPECT_EQ(Find(r, before_feed), nullptr);
  EXPECT_EQ(Find(r, after_emptied), nullptr);
  const auto app = g.index.GetApplication(0);
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->window_end, Day(50));
}

TEST(LineageIndexTest,
     HarvestAtTheApplicationInstantIsReachedAtTheEmptyingIsNot) {
  TestGraph g;
  const UnitId pond = g.Unit();
  const LotId feed = g.Lot();
  g.Apply(feed, pond, Day(10));
  g.Emptied(pond, Day(20));
  const LotId at_start = g.Harvest(pond, Day(10));
  const LotId at_end = g.Harvest(pond, Day(20));
  EXPECT_EQ(Reached(g.Forward({feed})), (Set{at_start}));
  EXPECT_NE(at_end, at_start);
}

TEST(LineageIndexTest, HarvestBeforeApplicationIsNotReached) {
  TestGraph g;
  const UnitId plot = g.Unit();
  const LotId pesticide = g.Lot();
  const LotId early = g.Harvest(plot, Day(5));
  g.Apply(pesticide, plot, Day(10));
  const LotId late = g.Harvest(plot, Day(30));
  const TraceResult r = g.Forward({pesticide});
  EXPECT_EQ(Reached(r), (Set{late}));
  EXPECT_EQ(Find(r, early), nullptr);
  // And backward: the early harvest does not come from the pesticide.
  EXPECT_EQ(Reached(g.Backward({early})), Set{});
  EXPECT_EQ(Reached(g.Backward({late})), (Set{pesticide}));
}

TEST(LineageIndexTest, ApplicationEffectEndClosesTheWindow) {
  TestGraph g;
  const UnitId plot = g.Unit();
  const LotId pesticide = g.Lot();
  g.Apply(pesticide, plot, Day(10), /*effect_end=*/Day(31));
  const LotId inside = g.Harvest(plot, Day(30));
  const LotId after = g.Harvest(plot, Day(31));
  EXPECT_EQ(Reached(g.Forward({pesticide})), (Set{inside}));
  EXPECT_NE(inside, after);
  // An emptying after the effect end does not widen it.
  g.Emptied(plot, Day(90));
  EXPECT_EQ(Reached(g.Forward({pesticide})), (Set{inside}));
}

TEST(LineageIndexTest, ProcessRunsOverlappingTheWindowAreReached) {
  TestGraph g;
  const UnitId furnace = g.Unit();
  const LotId bad_leaves = g.Lot();
  // Runs: [0,5] before, [8,12] straddles the start, [14,16] inside,
  // [19,25] straddles the end, [20,30] after (window [10, 20)).
  const LotId before = g.MadeOn(furnace, Day(0), Day(5));
  const LotId straddles_start = g.MadeOn(furnace, Day(8), Day(12));
  const LotId inside = g.MadeOn(furnace, Day(14), Day(16));
  const LotId straddles_end = g.MadeOn(furnace, Day(19), Day(25));
  const LotId after = g.MadeOn(furnace, Day(20), Day(30));
  g.Apply(bad_leaves, furnace, Day(10), Day(20));
  const TraceResult r = g.Forward({bad_leaves});
  EXPECT_EQ(Reached(r), (Set{straddles_start, inside, straddles_end}));
  EXPECT_EQ(Find(r, before), nullptr);
  EXPECT_EQ(Find(r, after), nullptr);
  EXPECT_EQ(Reached(g.Backward({straddles_end})), (Set{bad_leaves}));
  EXPECT_EQ(Reached(g.Backward({after})), Set{});
}

TEST(LineageIndexTest, BackwardFromHarvestFindsOnlyApplicationsInItsWindow) {
  TestGraph g;
  const UnitId pond = g.Unit();
  const LotId old_feed = g.Lot();
  const LotId feed = g.Lot();
  const LotId later_feed = g.Lot();
  g.Apply(old_feed, pond, Day(1));
  g.Emptied(pond, Day(5));
  g.Apply(feed, pond, Day(10));
  const LotId fish = g.Harvest(pond, Day(20));
  g.Apply(later_feed, pond, Day(21));
  const TraceResult r = g.Backward({fish});
  EXPECT_EQ(Reached(r), (Set{feed}));
  EXPECT_EQ(Find(r, feed)->via, TraceVia::kUnit);
  EXPECT_EQ(Find(r, feed)->unit_output, 0u);
}

TEST(LineageIndexTest, LotsMadeOnFindsLotsOverlappingAnEquipmentWindow) {
  TestGraph g;
  const UnitId cold_room = g.Unit();
  const UnitId other_room = g.Unit();
  const LotId a = g.MadeOn(cold_room, Day(1), Day(3));
  const LotId b = g.MadeOn(cold_room, Day(4), Day(6));
  const LotId c = g.Harvest(cold_room, Day(7));
  g.MadeOn(other_room, Day(4), Day(6));
  const LotId d = g.MadeOn(cold_room, Day(2), Day(9));
  g.Void(d);
  g.index.Publish();
  EXPECT_EQ(g.index.LotsMadeOn(cold_room, Day(3), Day(4)), (std::vector{a, b}));
  EXPECT_EQ(g.index.LotsMadeOn(cold_room, Day(7), Day(7)), (std::vector{c}));
  EXPECT_TRUE(g.index.LotsMadeOn(cold_room, Day(10), Day(11)).empty());
  EXPECT_TRUE(g.index.LotsMadeOn(99, Day(0), Day(99)).empty());
  // Before the void, d is in the window too.
  EXPECT_EQ(g.index.LotsMadeOn(cold_room, Day(8), Day(8), g.log - 1),
            (std::vector{d}));
}

TEST(LineageIndexTest, AsOfIgnoresLaterLotsAndEdges) {
  TestGraph g;
  const LotId a = g.Lot();
  const LotId b = g.LotFrom({a});
  const uint64_t before = g.log;
  const LotId c = g.LotFrom({b});
  g.Edge(a, c);
  const LotId d = g.LotFrom({c});

  TraceOptions old;
  old.as_of = before;
  const TraceResult r = g.Forward({a}, old);
  EXPECT_EQ(Reached(r), (Set{b}));
  EXPECT_EQ(r.as_of, before);
  EXPECT_TRUE(Find(r, b)->terminal);  // c did not exist yet
  // A seed that did not exist yet is ignored, not an error.
  const TraceResult later_seed = g.Forward({d}, old);
  EXPECT_TRUE(later_seed.lots.empty());
  EXPECT_EQ(later_seed.ignored_seeds, (std::vector{d}));
  EXPECT_FALSE(g.index.GetEdge(1, before).has_value());
  EXPECT_TRUE(g.index.GetEdge(1).has_value());

  const TraceResult now = g.Forward({a});
  EXPECT_EQ(Reached(now), (Set{b, c, d}));
  EXPECT_EQ(Find(now, c)->depth, 1u);  // through the later a -> c edge
}

TEST(LineageIndexTest, AsOfIgnoresLaterEmptiedEvent) {
  TestGraph g;
  const UnitId pond = g.Unit();
  const LotId feed = g.Lot();
  g.Apply(feed, pond, Day(10));
  const LotId fish = g.Harvest(pond, Day(30));
  const uint64_t before_emptying_recorded = g.log;
  // A back-dated record: the pond had been emptied on day 20.
  g.Emptied(pond, Day(20));

  TraceOptions old;
  old.as_of = before_emptying_recorded;
  EXPECT_EQ(Reached(g.Forward({feed}, old)), (Set{fish}));
  EXPECT_EQ(Reached(g.Forward({feed})), Set{});
  EXPECT_EQ(g.index.GetApplication(0, before_emptying_recorded)->window_end,
            kNoEffectEnd);
  EXPECT_EQ(g.index.GetApplication(0)->window_end, Day(20));
}

TEST(LineageIndexTest, AsOfIgnoresLaterApplicationsAndVoids) {
  TestGraph g;
  const UnitId plot = g.Unit();
  const LotId pesticide = g.Lot();
  const LotId crop = g.Harvest(plot, Day(30));
  const LotId packed = g.LotFrom({crop});
  const uint64_t t0 = g.log;
  g.Apply(pesticide, plot, Day(10));  // recorded late, back-dated
  const uint64_t t1 = g.log;
  g.Void(packed);

  TraceOptions at;
  at.as_of = t0;
  EXPECT_EQ(Reached(g.Forward({pesticide}, at)), Set{});
  at.as_of = t1;
  EXPECT_EQ(Reached(g.Forward({pesticide}, at)), (Set{crop, packed}));
  EXPECT_EQ(Reached(g.Forward({pesticide})), (Set{crop}));
  EXPECT_FALSE(g.index.IsVoid(packed, t1));
  EXPECT_TRUE(g.index.IsVoid(packed));
}

TEST(LineageIndexTest, UnpublishedRecordsAreInvisible) {
  LineageIndex index;
  const LotId a = *index.AddLot(1);
  std::vector<LotId> seeds{a};
  TraceResult r = index.Forward(seeds);
  EXPECT_FALSE(r.published);
  EXPECT_TRUE(r.lots.empty());
  EXPECT_EQ(index.Stats().lots, 0u);
  index.Publish();
  const LotId b = *index.AddLot(2);
  ASSERT_TRUE(index.AddEdge(a, b, EdgeKind::COMPOSED_OF, 1, 2).ok());
  r = index.Forward(seeds);
  EXPECT_TRUE(r.published);
  EXPECT_EQ(r.as_of, 1u);
  EXPECT_EQ(Reached(r), Set{});
  EXPECT_FALSE(index.GetEdge(0).has_value());
  index.Publish();
  EXPECT_EQ(Reached(index.Forward(seeds)), (Set{b}));
  EXPECT_EQ(index.Stats().edges, 1u);
}

TEST(LineageIndexTest, DepthLimitStopsTheTraceAndSetsTruncated) {
  TestGraph g;
  LotId chain[6];
  chain[0] = g.Lot();
  for (int i = 1; i < 6; ++i) chain[i] = g.LotFrom({chain[i - 1]});
  TraceOptions o;
  o.max_depth = 2;
  const TraceResult r = g.Forward({chain[0]}, o);
  EXPECT_EQ(Reached(r), (Set{chain[1], chain[2]}));
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(Find(r, chain[2])->terminal);

  o.max_depth = 0;
  const TraceResult seeds_only = g.Forward({chain[0]}, o);
  EXPECT_EQ(AllLots(seeds_only), (Set{chain[0]}));
  EXPECT_TRUE(seeds_only.truncated);
}

TEST(LineageIndexTest, DepthLimitThatCutsNothingIsNotTruncated) {
  TestGraph g;
  const LotId a = g.Lot();
  const LotId b = g.LotFrom({a});
  const LotId c = g.LotFrom({b});
  g.Edge(a, c);  // c is at depth 1 and 2: the depth-2 path cuts nothing
  TraceOptions o;
  o.max_depth = 1;
  const TraceResult r = g.Forward({a}, o);
  EXPECT_EQ(Reached(r), (Set{b, c}));
  EXPECT_FALSE(r.truncated);
  o.max_depth = 2;
  EXPECT_FALSE(g.Forward({a}, o).truncated);
}

TEST(LineageIndexTest, CyclesTerminate) {
  TestGraph g;
  // Rework loop: a -> b -> c -> a (c is reworked back into a), c -> d.
  const LotId a = g.Lot();
  const LotId b = g.LotFrom({a});
  const LotId c = g.LotFrom({b});
  g.Edge(c, a, EdgeKind::RECONDITIONED_FROM);
  const LotId d = g.LotFrom({c});
  const TraceResult f = g.Forward({b});
  EXPECT_EQ(Reached(f), (Set{c, a, d}));
  EXPECT_EQ(f.lots.size(), 4u);
  EXPECT_EQ(Terminal(f), (Set{d}));
  const TraceResult back = g.Backward({d});
  EXPECT_EQ(Reached(back), (Set{a, b, c}));
  EXPECT_EQ(Terminal(back), Set{});  // everything upstream is on the cycle
}

TEST(LineageIndexTest, VoidLotIsNeitherReturnedNorTraversed) {
  TestGraph g;
  const LotId a = g.Lot();
  const LotId wrong = g.LotFrom({a});
  const LotId after_wrong = g.LotFrom({wrong});
  const LotId right = g.LotFrom({a});
  g.Void(wrong);
  const TraceResult r = g.Forward({a});
  EXPECT_EQ(Reached(r), (Set{right}));
  EXPECT_EQ(Find(r, after_wrong), nullptr);
  EXPECT_EQ(Reached(g.Backward({after_wrong})), Set{});
  EXPECT_TRUE(g.Backward({after_wrong}).lots[0].terminal);
}

TEST(LineageIndexTest, VoidSeedIsIgnored) {
  TestGraph g;
  const LotId a = g.Lot();
  const LotId b = g.LotFrom({a});
  g.Void(a);
  const TraceResult r = g.Forward({a, 12345});
  EXPECT_TRUE(r.lots.empty());
  EXPECT_EQ(r.ignored_seeds, (std::vector<LotId>{a, 12345}));
  EXPECT_NE(b, a);
}

TEST(LineageIndexTest, EdgeKindMaskStopsPropagation) {
  TestGraph g;
  const LotId api = g.Lot();
  const LotId tablet = g.LotFrom({api}, EdgeKind::COMPOSED_OF);
  const LotId box = g.LotFrom({tablet}, EdgeKind::CONTAINED_IN);
  const LotId label = g.Lot();
  g.Edge(label, tablet, EdgeKind::LABELLED_WITH);
  TraceOptions o;
  o.edge_kinds = EdgeKindBit(EdgeKind::COMPOSED_OF);
  EXPECT_EQ(Reached(g.Forward({api}, o)), (Set{tablet}));
  EXPECT_TRUE(Find(g.Forward({api}, o), tablet)->terminal);
  EXPECT_EQ(Reached(g.Forward({label}, o)), Set{});
  EXPECT_EQ(Reached(g.Forward({api})), (Set{tablet, box}));
  EXPECT_EQ(Reached(g.Backward({box})), (Set{tablet, api, label}));
}

TEST(LineageIndexTest, ThroughUnitsFalseStopsAtUnits) {
  TestGraph g;
  const UnitId plot = g.Unit();
  const LotId pesticide = g.Lot();
  g.Apply(pesticide, plot, Day(1));
  const LotId crop = g.Harvest(plot, Day(20));
  TraceOptions o;
  o.through_units = false;
  EXPECT_EQ(Reached(g.Forward({pesticide}, o)), Set{});
  EXPECT_EQ(Reached(g.Backward({crop}, o)), Set{});
  EXPECT_EQ(Reached(g.Forward({pesticide})), (Set{crop}));
}

TEST(LineageIndexTest, ReachedLotsExplainTheirPath) {
  TestGraph g;
  const UnitId pond = g.Unit();
  const LotId feed = g.Lot();
  const ApplicationId app = g.Apply(feed, pond, Day(1));
  const LotId fish = g.Harvest(pond, Day(9));
  const LotId fillet = g.LotFrom({fish}, EdgeKind::SPLIT_FROM);
  const TraceResult r = g.Forward({feed});
  const TracedLot* t = Find(r, fillet);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->via, TraceVia::kEdge);
  EXPECT_EQ(t->parent, fish);
  const auto edge = g.index.GetEdge(t->link);
  ASSERT_TRUE(edge.has_value());
  EXPECT_EQ(edge->input, fish);
  EXPECT_EQ(edge->output, fillet);
  EXPECT_EQ(edge->kind, EdgeKind::SPLIT_FROM);
  EXPECT_EQ(edge->quantity, 1000);

  const TracedLot* u = Find(r, fish);
  EXPECT_EQ(u->via, TraceVia::kUnit);
  EXPECT_EQ(u->parent, feed);
  EXPECT_EQ(u->link, app);
  const auto out = g.index.GetUnitOutput(u->unit_output);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->lot, fish);
  EXPECT_EQ(out->unit, pond);
  EXPECT_EQ(g.index.GetApplication(app)->unit, pond);
}

TEST(LineageIndexTest, WriterRejectsLogIndexesOutOfOrder) {
  LineageIndex index;
  ASSERT_TRUE(index.AddLot(5).ok());
  EXPECT_EQ(index.AddLot(4).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(index.AddLot(5).ok());  // same record
  index.Publish();
  // After publishing 5, a mutation of record 5 would change a published view.
  EXPECT_EQ(index.AddLot(5).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(index.AddLot(6).ok());
  EXPECT_EQ(index.AddLot(kLatest).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(LineageIndexTest, WriterRejectsUnknownIdsAndBadArgumentsWithoutChange) {
  LineageIndex index;
  const LotId a = *index.AddLot(1);
  const LotId b = *index.AddLot(1);
  const UnitId u = *index.AddUnit(1);
  EXPECT_EQ(index.AddEdge(a, 7, EdgeKind::COMPOSED_OF, 1, 2).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(index.AddEdge(a, a, EdgeKind::COMPOSED_OF, 1, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(index.AddEdge(a, b, EdgeKind::APPLIED_TO, 1, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      index.AddEdge(a, b, static_cast<EdgeKind>(42), 1, 2).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(index.AddApplication(a, 3, 0, kNoEffectEnd, 1, 2).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(index.AddApplication(a, u, 10, 10, 1, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(index.AddUnitOutput(9, u, 0, 0, 2).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(index.AddUnitOutput(a, u, 5, 4, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(index.AddEmptied(4, 0, 2).code(), StatusCode::kNotFound);
  EXPECT_EQ(index.VoidLot(9, 2).code(), StatusCode::kNotFound);
  index.Publish();
  const LineageStats s = index.Stats();
  EXPECT_EQ(s.lots, 2u);
  EXPECT_EQ(s.units, 1u);
  EXPECT_EQ(
      s.edges + s.applications + s.unit_outputs + s.emptied_events + s.voids,
      0u);
  EXPECT_EQ(s.published_log_index, 1u);
  // The failed calls did not advance the log either.
  EXPECT_TRUE(index.AddEdge(a, b, EdgeKind::COMPOSED_OF, 1, 2).ok());
}

TEST(LineageIndexTest, StatsCountPublishedEntitiesAndMemory) {
  TestGraph g;
  EXPECT_FALSE(g.index.Stats().published);
  const size_t empty_bytes = g.index.MemoryBytes();
  const UnitId unit = g.Unit();
  const LotId a = g.Lot();
  g.LotFrom({a});
  g.Apply(a, unit, 0);
  g.Harvest(unit, 1);
  g.Emptied(unit, 2);
  g.Void(a);
  g.index.Publish();
  const LineageStats s = g.index.Stats();
  EXPECT_TRUE(s.published);
  EXPECT_EQ(s.published_log_index, g.log);
  EXPECT_EQ(s.lots, 3u);
  EXPECT_EQ(s.units, 1u);
  EXPECT_EQ(s.edges, 1u);
  EXPECT_EQ(s.applications, 1u);
  EXPECT_EQ(s.unit_outputs, 1u);
  EXPECT_EQ(s.emptied_events, 1u);
  EXPECT_EQ(s.voids, 1u);
  EXPECT_GT(s.memory_bytes, empty_bytes);
  EXPECT_EQ(s.memory_bytes, g.index.MemoryBytes());
}

}  // namespace
}  // namespace qtrace::host
