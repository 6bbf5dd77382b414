// bench_trace: builds a synthetic lineage graph in a LineageIndex and times a
// warm forward closure that reaches about --target lots (design target:
// ~100k of 1M lots in <= 20 ms; index memory <= 64 bytes per edge).
//
// The graph is generated in time order, the way a ledger fills: lot i is
// registered by record i and consumes inputs from older lots only, so every
// edge goes from older to newer. 10% of lots are origins (harvests: no
// inputs); the others have 1 + Poisson(d - 1) inputs, d chosen so the mean
// in-degree (= mean out-degree) over all lots is --degree. An input is mostly
// recent (80% within the last 2,000 lots: processing and packing), sometimes
// stock (15% within the last 100,000) and sometimes anything older (5%:
// long-lived ingredients, packaging). Edge kinds are a mix of composition,
// merge, split and packaging.
//
// Because inputs are older lots, a forward closure from lot s covers a share
// of the lots after s; the seed is found by a binary search over s for the
// closure size nearest to --target (printed). The last line of the output is
// one JSON object for scripts.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "qtrace/host/lineage_index.h"

namespace {

using qtrace::host::LineageIndex;
using qtrace::host::LotId;
using qtrace::host::TraceOptions;
using qtrace::host::TraceResult;
using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// CPU time of the calling thread: unlike wall time, not inflated when other
// processes share the cores.
double ThreadCpuMillis() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Graph {
  std::unique_ptr<LineageIndex> index = std::make_unique<LineageIndex>();
  uint64_t edges = 0;
};

Graph Build(uint32_t lots, double degree, uint64_t seed) {
  using qtrace::fb::EdgeKind;
  Graph g;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double origin_share = 0.1;
  const double non_origin_mean = degree / (1.0 - origin_share);
  std::poisson_distribution<int> extra(std::max(0.0, non_origin_mean - 1.0));
  std::vector<LotId> inputs;
  for (uint32_t i = 0; i < lots; ++i) {
    const uint64_t log = i;
    const LotId lot = *g.index->AddLot(log);
    if (i > 0 && unit(rng) >= origin_share) {
      const int k = 1 + extra(rng);
      inputs.clear();
      for (int j = 0; j < k; ++j) {
        const double r = unit(rng);
        const uint32_t window = r < 0.80 ? 2000 : r < 0.95 ? 100000 : i;
        const uint32_t w = std::min(window, i);
        const LotId in = i - 1 - static_cast<uint32_t>(unit(rng) * w) % w;
        if (std::find(inputs.begin(), inputs.end(), in) != inputs.end()) {
          continue;
        }
        inputs.push_back(in);
      }
      for (LotId in : inputs) {
        EdgeKind kind = EdgeKind::COMPOSED_OF;
        if (inputs.size() == 1) {
          kind = unit(rng) < 0.5 ? EdgeKind::SPLIT_FROM : EdgeKind::COMPOSED_OF;
        } else {
          const double r = unit(rng);
          kind = r < 0.6   ? EdgeKind::COMPOSED_OF
                 : r < 0.9 ? EdgeKind::MERGED_INTO
                           : EdgeKind::PACKAGED_WITH;
        }
        const auto quantity = static_cast<int64_t>(unit(rng) * 1e9);
        (void)*g.index->AddEdge(in, lot, kind, quantity, log);
        ++g.edges;
      }
    }
    if (i % 64 == 63) g.index->Publish();  // a group commit every 64 records
  }
  g.index->Publish();
  return g;
}

size_t ClosureSize(const LineageIndex& index, LotId seed) {
  const LotId seeds[] = {seed};
  return index.Forward(seeds).lots.size() - 1;  // without the seed
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Forward closure on a synthetic lineage graph"};
  uint32_t lots = 1000000;
  double degree = 3;
  uint32_t target = 100000;
  int runs = 11;
  uint64_t rng_seed = 20261128;
  app.add_option("--lots", lots, "lots in the graph")
      ->check(CLI::Range(2u, 1u << 30));
  app.add_option("--degree", degree, "mean out-degree")
      ->check(CLI::Range(0.5, 32.0));
  app.add_option("--target", target, "closure size to aim the seed at");
  app.add_option("--runs", runs, "warm runs (median reported)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--seed", rng_seed, "generator seed");
  CLI11_PARSE(app, argc, argv);
  target = std::min(target, lots - 1);

  // 1. Build.
  auto start = Clock::now();
  Graph g = Build(lots, degree, rng_seed);
  const double build_ms = MillisSince(start);
  const LineageIndex& index = *g.index;
  const size_t memory = index.MemoryBytes();
  const double bytes_per_edge =
      g.edges ? static_cast<double>(memory) / static_cast<double>(g.edges) : 0;

  // 2. Seed. A closure is a branching process: from most lots it takes off
  // and covers most of the lots after them, from a few (leaves, lots whose
  // outputs all died out) it stays tiny. Probe(s) is the closure of the first
  // lot at or after s whose closure takes off (> 1% of the target); a binary
  // search over s then finds the size nearest to the target.
  std::printf(
      "seed search (probe = first lot at or after s whose closure "
      "takes off; aiming at %u lots):\n",
      target);
  const size_t takes_off = std::max<size_t>(1, target / 100);
  auto probe = [&](LotId s, LotId* chosen) {
    size_t size = 0;
    for (LotId l = s; l < lots; ++l) {
      size = ClosureSize(index, l);
      *chosen = l;
      if (size > takes_off) break;
    }
    return size;
  };
  const auto gap = [&](size_t s) {
    return s > target ? s - target : target - s;
  };
  LotId best = lots - 1;
  size_t best_size = ClosureSize(index, best);
  LotId lo = 0, hi = lots - 1;
  while (lo < hi) {
    const LotId mid = lo + (hi - lo) / 2;
    LotId chosen = mid;
    const size_t size = probe(mid, &chosen);
    std::printf("  s %9u -> lot %9u -> %9zu lots\n", mid, chosen, size);
    if (gap(size) < gap(best_size)) {
      best = chosen;
      best_size = size;
    }
    if (size >= target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  std::printf("seed: lot %u (closure %zu lots, nearest to %u)\n\n", best,
              best_size, target);

  // 3. Warm forward closure: one untimed run, then the median of `runs`.
  const LotId seeds[] = {best};
  TraceResult forward = index.Forward(seeds);
  std::vector<double> times;
  std::vector<double> cpu_times;
  for (int i = 0; i < runs; ++i) {
    const double cpu_start = ThreadCpuMillis();
    start = Clock::now();
    forward = index.Forward(seeds);
    times.push_back(MillisSince(start));
    cpu_times.push_back(ThreadCpuMillis() - cpu_start);
  }
  const double closure_ms = Median(times);
  const double closure_min = *std::min_element(times.begin(), times.end());
  const double closure_max = *std::max_element(times.begin(), times.end());
  const size_t reached = forward.lots.size() - 1;
  uint32_t max_depth = 0;
  size_t terminal = 0;
  for (const auto& t : forward.lots) {
    max_depth = std::max(max_depth, t.depth);
    terminal += t.terminal;
  }

  // 4. The same closure as of an older log index, and a backward trace.
  TraceOptions as_of;
  as_of.as_of = best + (lots - best) / 2;
  std::vector<double> as_of_times;
  size_t as_of_reached = 0;
  for (int i = 0; i < runs; ++i) {
    start = Clock::now();
    as_of_reached = index.Forward(seeds, as_of).lots.size() - 1;
    as_of_times.push_back(MillisSince(start));
  }
  const LotId last[] = {lots - 1};
  std::vector<double> backward_times;
  size_t backward_reached = 0;
  for (int i = 0; i < runs; ++i) {
    start = Clock::now();
    backward_reached = index.Backward(last).lots.size() - 1;
    backward_times.push_back(MillisSince(start));
  }

  // 5. Persistence.
  std::string blob;
  start = Clock::now();
  index.Serialize(&blob);
  const double serialize_ms = MillisSince(start);
  start = Clock::now();
  auto restored = LineageIndex::Deserialize(blob);
  const double deserialize_ms = MillisSince(start);
  if (!restored.ok()) {
    std::fprintf(stderr, "deserialize failed: %s\n",
                 restored.status().ToString().c_str());
    return 1;
  }
  const size_t restored_reached = (*restored)->Forward(seeds).lots.size() - 1;

  std::printf("%-44s %14s\n", "measure", "value");
  std::printf("%-44s %14u\n", "lots", lots);
  std::printf("%-44s %14" PRIu64 "\n", "edges", g.edges);
  std::printf("%-44s %14.2f\n", "mean out-degree",
              static_cast<double>(g.edges) / lots);
  std::printf("%-44s %14.0f\n", "build ms (AddLot/AddEdge/Publish)", build_ms);
  std::printf("%-44s %14.1f\n", "index MiB", memory / 1048576.0);
  std::printf("%-44s %14.1f\n", "index bytes per edge", bytes_per_edge);
  std::printf("%-44s %14zu\n", "forward closure: lots reached", reached);
  std::printf("%-44s %14zu\n", "forward closure: terminal lots", terminal);
  std::printf("%-44s %14u\n", "forward closure: max depth", max_depth);
  std::printf("%-44s %14.2f\n", "forward closure ms, median (warm)",
              closure_ms);
  std::printf("%-44s %7.2f/%6.2f\n", "forward closure ms, min/max", closure_min,
              closure_max);
  std::printf("%-44s %14.2f\n", "forward closure thread CPU ms, median",
              Median(cpu_times));
  std::printf("%-44s %14zu\n", "forward as of mid log: lots reached",
              as_of_reached);
  std::printf("%-44s %14.2f\n", "forward as of mid log ms, median",
              Median(as_of_times));
  std::printf("%-44s %14zu\n", "backward from newest lot: lots reached",
              backward_reached);
  std::printf("%-44s %14.2f\n", "backward ms, median", Median(backward_times));
  std::printf("%-44s %14.1f\n", "snapshot MiB", blob.size() / 1048576.0);
  std::printf("%-44s %14.0f\n", "serialize ms", serialize_ms);
  std::printf("%-44s %14.0f\n", "deserialize ms", deserialize_ms);
  std::printf("%-44s %14.1f\n", "restored index bytes per edge",
              g.edges ? static_cast<double>((*restored)->MemoryBytes()) /
                            static_cast<double>(g.edges)
                      : 0.0);
  std::printf("%-44s %14s\n", "restored closure identical",
              restored_reached == reached ? "yes" : "NO");
  std::printf(
      "{\"suite\":\"trace\",\"lots\":%u,\"reached\":%zu,\"closure_ms\":%.3f,"
      "\"bytes_per_edge\":%.1f}\n",
      lots, reached, closure_ms, bytes_per_edge);
  return restored_reached == reached ? 0 : 1;
}
