// One writer appends and publishes while reader threads trace, snapshot and
// read stats without locks. The graph is built so that the right answer is
// known for any prefix: lot i is registered by record i with edges from lot
// i-1 and lot i/2, so from lot 0 everything visible is reachable, and every
// seventh lot is also harvested from a pond that lot 0 feeds. A reader that
// saw a torn or unpublished state would get a count other than as_of + 1.
//
// Also built with -fsanitize=thread as lineage_index_tsan_test (see
// CMakeLists.txt).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/host/lineage_index.h"

namespace qtrace::host {
namespace {

constexpr uint32_t kLots = 40000;  // crosses segment boundaries of every column

void WriteAll(LineageIndex* index) {
  std::mt19937 rng(1);
  ASSERT_TRUE(index->AddUnit(0).ok());
  ASSERT_TRUE(index->AddLot(0).ok());
  ASSERT_TRUE(index->AddApplication(0, 0, 0, kNoEffectEnd, 1, 0).ok());
  uint32_t until_publish = 1;
  for (uint32_t i = 1; i < kLots; ++i) {
    const uint64_t log = i;
    ASSERT_EQ(*index->AddLot(log), i);
    ASSERT_TRUE(
        index->AddEdge(i - 1, i, fb::EdgeKind::COMPOSED_OF, 1, log).ok());
    if (i / 2 != i - 1) {
      ASSERT_TRUE(
          index->AddEdge(i / 2, i, fb::EdgeKind::MERGED_INTO, 1, log).ok());
    }
    if (i % 7 == 3) {
      ASSERT_TRUE(index->AddUnitOutput(i, 0, i, i, log).ok());
    }
    if (--until_publish == 0) {
      index->Publish();
      until_publish = 1 + rng() % 64;
      std::this_thread::yield();  // let readers interleave with appends
    }
  }
  index->Publish();
}

void Write(LineageIndex* index, std::atomic<bool>* done) {
  WriteAll(index);
  done->store(true);  // also after a failed assertion, so readers stop
}

// Checks one trace against the known answer for its as_of.
void CheckPrefix(const TraceResult& r, const char* what) {
  ASSERT_TRUE(r.published) << what;
  const uint64_t want = r.as_of + 1;
  ASSERT_EQ(r.lots.size(), want) << what << " as of " << r.as_of;
  std::vector<bool> seen(want, false);
  for (const TracedLot& t : r.lots) {
    ASSERT_LT(t.lot, want) << what;
    ASSERT_FALSE(seen[t.lot]) << what;
    seen[t.lot] = true;
  }
  ASSERT_FALSE(r.truncated);
}

void Read(const LineageIndex* index, const std::atomic<bool>* done, int id,
          std::atomic<int>* checks) {
  std::mt19937 rng(100 + id);
  const std::vector<LotId> origin{0};
  int n = 0;
  while (!done->load() || n < 5) {
    if (!index->Stats().published) continue;
    const TraceResult f = index->Forward(origin);
    CheckPrefix(f, "forward");
    if (::testing::Test::HasFatalFailure()) return;

    TraceOptions old;
    old.as_of = rng() % (f.as_of + 1);
    CheckPrefix(index->Forward(origin, old), "forward as of");
    if (::testing::Test::HasFatalFailure()) return;

    // Backward from the newest lot this reader knows of reaches lot 0.
    const std::vector<LotId> newest{static_cast<LotId>(f.as_of)};
    TraceOptions at;
    at.as_of = f.as_of;
    CheckPrefix(index->Backward(newest, at), "backward");
    if (::testing::Test::HasFatalFailure()) return;

    if (id == 0 && n % 8 == 0) {
      std::string blob;
      index->Serialize(&blob);
      auto copy = LineageIndex::Deserialize(blob);
      ASSERT_TRUE(copy.ok()) << copy.status().ToString();
      CheckPrefix((*copy)->Forward(origin), "snapshot");
      if (::testing::Test::HasFatalFailure()) return;
    }
    const LineageStats s = index->Stats();
    ASSERT_GE(s.lots, f.as_of + 1);
    ++n;
  }
  checks->fetch_add(n);
}

TEST(LineageConcurrencyTest, ReadersSeeConsistentPrefixesWhileWriterAppends) {
  LineageIndex index;
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back(Read, &index, &done, i, &checks);
  }
  std::thread writer(Write, &index, &done);
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_GT(checks.load(), 0);
  const std::vector<LotId> origin{0};
  const TraceResult all = index.Forward(origin);
  EXPECT_EQ(all.lots.size(), kLots);
}

}  // namespace
}  // namespace qtrace::host
