// Sector scenarios as lineage only (sector-rules.md 1(e)): the recall scope's
// lot closure, before any holder is joined to it.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "lineage_test_graph.h"
#include "qtrace/host/lineage_index.h"

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

// Scenario 1(e)1: pesticide lot PX-2405 applied on plots A1, B2, C1 and C3;
// harvests after the application went into 9 packed TLCs, which became 40
// retail lots through repacks and merges. Negative controls: farm D used
// another lot of the same pesticide; plot A1 was also harvested before the
// application; farm E is untainted but one retail lot merges B2 with it.
TEST(LineageScenarioTest, PesticideLotReachesExactlyTheFortyRetailLots) {
  TestGraph g;
  const UnitId a1 = g.Unit(), b2 = g.Unit(), c1 = g.Unit(), c3 = g.Unit();
  const UnitId d1 = g.Unit(), e1 = g.Unit();
  const LotId px2405 = g.Lot();
  const LotId px2406 = g.Lot();  // same pesticide, another lot (farm D)

  const LotId a1_early = g.Harvest(a1, Day(5));  // before the application
  g.Apply(px2405, a1, Day(10));
  g.Apply(px2405, c1, Day(11));
  g.Apply(px2405, b2, Day(12));
  g.Apply(px2405, c3, Day(13));
  g.Apply(px2406, d1, Day(10));

  const LotId h_a1 = g.Harvest(a1, Day(30));
  const LotId h_b2 = g.Harvest(b2, Day(31));
  const LotId h_c1a = g.Harvest(c1, Day(32));
  const LotId h_c1b = g.Harvest(c1, Day(35));
  const LotId h_c3 = g.Harvest(c3, Day(34));
  const LotId h_d1 = g.Harvest(d1, Day(30));
  const LotId h_e1 = g.Harvest(e1, Day(31));

  // 9 tainted packed TLCs (initial packing), and 4 untainted ones.
  const auto split = EdgeKind::SPLIT_FROM;
  const std::vector<LotId> packed = {
      g.LotFrom({h_a1}, split),
      g.LotFrom({h_a1}, split),
      g.LotFrom({h_b2}, split),
      g.LotFrom({h_b2}, split),
      g.LotFrom({h_c1a}, split),
      g.LotFrom({h_c1b}, split),
      g.LotFrom({h_c1b}, split),
      g.LotFrom({h_c3}, split),
      g.LotFrom({h_c3, h_e1}, EdgeKind::MERGED_INTO)};
  const LotId u_a1_early = g.LotFrom({a1_early}, split);
  const LotId u_d1 = g.LotFrom({h_d1}, split);
  const LotId u_e1a = g.LotFrom({h_e1}, split);
  const LotId u_e1b = g.LotFrom({h_e1}, split);

  // 40 tainted retail lots: 4 repacks of each packed TLC, and 4 merges.
  std::set<LotId> tainted_retail;
  for (LotId p : packed) {
    for (int i = 0; i < 4; ++i) tainted_retail.insert(g.LotFrom({p}, split));
  }
  const LotId b2_with_farm_e =
      g.LotFrom({packed[2], u_e1a}, EdgeKind::MERGED_INTO);
  tainted_retail.insert(b2_with_farm_e);
  tainted_retail.insert(
      g.LotFrom({packed[4], packed[5]}, EdgeKind::MERGED_INTO));
  tainted_retail.insert(
      g.LotFrom({u_a1_early, packed[7]}, EdgeKind::MERGED_INTO));
  tainted_retail.insert(g.LotFrom({packed[8], u_e1b}, EdgeKind::MERGED_INTO));
  ASSERT_EQ(tainted_retail.size(), 40u);

  // 10 untainted retail lots.
  std::set<LotId> clean_retail;
  for (LotId p :
       {u_a1_early, u_a1_early, u_d1, u_d1, u_d1, u_e1a, u_e1a, u_e1b, u_e1b}) {
    clean_retail.insert(g.LotFrom({p}, split));
  }
  clean_retail.insert(g.LotFrom({u_d1, u_e1a}, EdgeKind::MERGED_INTO));
  ASSERT_EQ(clean_retail.size(), 10u);

  const TraceResult scope = g.Forward({px2405});

  // Terminal lots are exactly the 40 retail lots.
  EXPECT_EQ(Terminal(scope), tainted_retail);
  // All and only: the seed, 5 tainted harvests, 9 packed TLCs, 40 retail.
  Set expected = {px2405, h_a1, h_b2, h_c1a, h_c1b, h_c3};
  expected.insert(packed.begin(), packed.end());
  expected.insert(tainted_retail.begin(), tainted_retail.end());
  EXPECT_EQ(AllLots(scope), expected);
  EXPECT_EQ(scope.lots.size(), 1u + 5 + 9 + 40);
  EXPECT_FALSE(scope.truncated);

  // Negative controls.
  EXPECT_EQ(Find(scope, px2406), nullptr);
  EXPECT_EQ(Find(scope, h_d1), nullptr);      // farm D: other pesticide lot
  EXPECT_EQ(Find(scope, a1_early), nullptr);  // harvested before applying
  EXPECT_EQ(Find(scope, u_a1_early), nullptr);
  EXPECT_EQ(Find(scope, h_e1), nullptr);  // farm E itself is untainted
  for (LotId lot : clean_retail) EXPECT_EQ(Find(scope, lot), nullptr);
  // The retail lot merged from B2 and untainted farm E is in scope.
  const TracedLot* merged = Find(scope, b2_with_farm_e);
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(merged->parent, packed[2]);
  EXPECT_EQ(merged->depth, 3u);  // pesticide -> harvest -> TLC -> retail
  for (LotId lot : tainted_retail) EXPECT_EQ(Find(scope, lot)->depth, 3u);

  // Farm D's pesticide lot reaches none of the 40.
  const TraceResult d_scope = g.Forward({px2406});
  for (LotId lot : tainted_retail) EXPECT_EQ(Find(d_scope, lot), nullptr);
  EXPECT_EQ(Reached(d_scope).count(h_d1), 1u);

  // Backward from the mixed retail lot: both farms, and PX-2405 through B2.
  const TraceResult origin = g.Backward({b2_with_farm_e});
  EXPECT_EQ(Reached(origin), (Set{packed[2], u_e1a, h_b2, h_e1, px2405}));
  EXPECT_EQ(Find(origin, px2405)->via, TraceVia::kUnit);
  EXPECT_EQ(Find(origin, px2406), nullptr);
}

// Scenario 1(e)2: malachite green found in pond P3. A collector merged P3
// fish with ponds P1 and P5 into 2 mixed lots; one mixed lot was processed
// into 6 SC lots. Both mixed lots and all 6 SC lots are in scope; the unmixed
// P1 and P5 lots are not. The seed is the pond's window: every lot harvested
// from P3 since the drug could have been applied.
TEST(LineageScenarioTest, PondResidueReachesBothMixedLotsAndAllSixScLots) {
  TestGraph g;
  const UnitId p1 = g.Unit(), p3 = g.Unit(), p5 = g.Unit();
  const LotId p3_out = g.Harvest(p3, Day(170));  // pond-out 06-20
  const LotId p1_out = g.Harvest(p1, Day(170));
  const LotId p5_out = g.Harvest(p5, Day(171));
  const LotId p1_unmixed = g.Harvest(p1, Day(172));
  const LotId p5_unmixed = g.Harvest(p5, Day(172));
  const auto merge = EdgeKind::MERGED_INTO;
  const LotId mixed1 = g.LotFrom({p3_out, p1_out}, merge);
  const LotId mixed2 = g.LotFrom({p3_out, p5_out}, merge);
  std::set<LotId> sc;
  for (int i = 0; i < 6; ++i) sc.insert(g.LotFrom({mixed1}));

  g.index.Publish();
  const std::vector<LotId> seeds = g.index.LotsMadeOn(p3, Day(100), Day(200));
  ASSERT_EQ(seeds, (std::vector{p3_out}));
  const TraceResult scope = g.index.Forward(seeds);
  Set expected = {mixed1, mixed2};
  expected.insert(sc.begin(), sc.end());
  EXPECT_EQ(Reached(scope), expected);
  EXPECT_EQ(Find(scope, p1_unmixed), nullptr);
  EXPECT_EQ(Find(scope, p5_unmixed), nullptr);
  EXPECT_EQ(Find(scope, p1_out), nullptr);
}

}  // namespace
}  // namespace qtrace::host
