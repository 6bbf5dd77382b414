// bench_log: builds an N-leaf Merkle log (default 10M) directly through
// storage::MerkleTree over a fresh RocksDB store, batching like ingest does,
// then measures
//   append_us   per leaf: MerkleTree::Append + FinishBatch, excluding the Db
//               write (and, in the table, including it);
//   proof_us    one inclusion proof at the full size, random index, warm
//               (after a warm-up pass over other random indexes); median;
//   verify_us   VerifyInclusion of those proofs; median.
// Medians, because on a shared machine the means carry scheduler stalls of
// milliseconds; the table shows mean, p50 and p99.
// The build writes with sync off (a bench of the tree, not of fsync); pass
// --sync to sync every batch as the daemon does. Prints a table and, as its
// last line, one JSON object:
//   {"suite":"log","leaves":N,"append_us":..,"proof_us":..,"verify_us":..}
#include <stdlib.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "qtrace/merkle.h"
#include "qtrace/storage/db.h"
#include "qtrace/storage/merkle_tree.h"

namespace qtrace {
namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// CPU time of this thread: on a shared machine it shows what the tree itself
// costs when wall time includes waiting for a core.
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 +
         static_cast<double>(ts.tv_nsec) / 1e3;
}

// A stand-in leaf hash for entry i: any 32 bytes will do for the tree, and
// these are cheap to regenerate for verification.
Hash256 BenchLeaf(uint64_t i) {
  Hash256 h;
  uint64_t x = i * 0x9E3779B97F4A7C15ull + 0x1234567;
  for (int w = 0; w < 4; ++w) {
    x += 0x9E3779B97F4A7C15ull;  // splitmix64
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (int b = 0; b < 8; ++b)
      h[w * 8 + b] = static_cast<uint8_t>(z >> (8 * b));
  }
  return h;
}

struct Stats {
  double mean = 0, p50 = 0, p99 = 0;
};

Stats Summarize(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  std::sort(v.begin(), v.end());
  s.p50 = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  return s;
}

[[noreturn]] void Die(const Status& s, const char* what) {
  std::fprintf(stderr, "bench_log: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

int Main(int argc, char** argv) {
  uint64_t leaves = 10'000'000;
  uint64_t per_batch = 1000;
  uint64_t proofs = 20'000;
  bool sync = false;
  bool keep = false;
  std::string dir;
  CLI::App app{"Merkle log append / inclusion proof / verify benchmark"};
  app.add_option("--leaves", leaves, "leaves in the tree")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", per_batch, "leaves per WriteBatch")
      ->check(CLI::PositiveNumber);
  app.add_option("--proofs", proofs, "timed proofs")
      ->check(CLI::PositiveNumber);
  app.add_flag("--sync", sync, "sync the WAL on every batch (default: off)");
  app.add_option("--dir", dir, "store directory (default: a new temp dir)");
  app.add_flag("--keep", keep, "keep the store afterwards");
  CLI11_PARSE(app, argc, argv);

  if (dir.empty()) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/qtrace-bench-log-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  const std::string db_path = dir + "/db";

  storage::DbOptions db_options;
  db_options.create_if_missing = true;
  auto db_or = storage::Db::Open(db_path, db_options);
  if (!db_or.ok()) Die(db_or.status(), "open");
  std::unique_ptr<storage::Db> db = std::move(*db_or);
  auto tree_or = storage::MerkleTree::Load(db.get());
  if (!tree_or.ok()) Die(tree_or.status(), "load");
  std::unique_ptr<storage::MerkleTree> tree = std::move(*tree_or);
  if (tree->size() != 0) {
    std::fprintf(stderr, "bench_log: %s already holds a tree\n",
                 db_path.c_str());
    return 1;
  }

  // --- Build -----------------------------------------------------------------
  std::fprintf(stderr, "building %llu leaves in %s (%llu per batch, sync %s)\n",
               static_cast<unsigned long long>(leaves), db_path.c_str(),
               static_cast<unsigned long long>(per_batch), sync ? "on" : "off");
  std::vector<Hash256> batch_leaves(per_batch);
  Clock::duration append_time{}, write_time{};
  double append_cpu_us = 0;
  const auto build_start = Clock::now();
  uint64_t next_report = 1'000'000;
  for (uint64_t i = 0; i < leaves;) {
    const uint64_t n = std::min(per_batch, leaves - i);
    for (uint64_t k = 0; k < n; ++k) batch_leaves[k] = BenchLeaf(i + k);
    storage::WriteBatch batch(*db);
    const double c0 = ThreadCpuMicros();
    const auto t0 = Clock::now();
    for (uint64_t k = 0; k < n; ++k) tree->Append(batch_leaves[k], &batch);
    tree->FinishBatch(&batch);
    const auto t1 = Clock::now();
    append_cpu_us += ThreadCpuMicros() - c0;
    Status s = db->Write(batch, sync);
    const auto t2 = Clock::now();
    if (!s.ok()) Die(s, "write");
    append_time += t1 - t0;
    write_time += t2 - t1;
    i += n;
    if (i >= next_report) {
      std::fprintf(
          stderr, "  %llu leaves, %.1f s\n", static_cast<unsigned long long>(i),
          std::chrono::duration<double>(Clock::now() - build_start).count());
      next_report += 1'000'000;
    }
  }
  const double build_s =
      std::chrono::duration<double>(Clock::now() - build_start).count();
  const double append_us = Micros(append_time) / static_cast<double>(leaves);
  const double append_write_us =
      Micros(append_time + write_time) / static_cast<double>(leaves);
  const Hash256 root = tree->Root();

  // --- Reload: the proofs come from the tree as a restarted host sees it. ----
  if (Status s = db->Flush(); !s.ok()) Die(s, "flush");
  tree.reset();
  const auto load_start = Clock::now();
  tree_or = storage::MerkleTree::Load(db.get());
  if (!tree_or.ok()) Die(tree_or.status(), "reload");
  tree = std::move(*tree_or);
  const double load_ms = Micros(Clock::now() - load_start) / 1000;
  if (tree->size() != leaves || tree->Root() != root) {
    std::fprintf(stderr, "bench_log: reloaded tree differs\n");
    return 1;
  }

  // --- Proofs ----------------------------------------------------------------
  std::mt19937_64 rng(42);
  for (uint64_t k = 0; k < std::min<uint64_t>(proofs, 5000); ++k) {  // warm-up
    if (!tree->InclusionProof(rng() % leaves, leaves).ok()) return 1;
  }
  std::vector<uint64_t> indexes(proofs);
  for (uint64_t& x : indexes) x = rng() % leaves;
  std::vector<std::vector<Hash256>> made(proofs);
  std::vector<double> proof_times, verify_times, consistency_times;
  proof_times.reserve(proofs);
  const double proof_cpu_start = ThreadCpuMicros();
  for (uint64_t k = 0; k < proofs; ++k) {
    const auto t0 = Clock::now();
    StatusOr<std::vector<Hash256>> p = tree->InclusionProof(indexes[k], leaves);
    const auto t1 = Clock::now();
    if (!p.ok()) Die(p.status(), "proof");
    made[k] = std::move(*p);
    proof_times.push_back(Micros(t1 - t0));
  }
  const double proof_cpu_us =
      (ThreadCpuMicros() - proof_cpu_start) / static_cast<double>(proofs);
  verify_times.reserve(proofs);
  const double verify_cpu_start = ThreadCpuMicros();
  for (uint64_t k = 0; k < proofs; ++k) {
    const Hash256 leaf = BenchLeaf(indexes[k]);
    const auto t0 = Clock::now();
    Status s = VerifyInclusion(leaf, indexes[k], leaves, made[k], root);
    const auto t1 = Clock::now();
    if (!s.ok()) Die(s, "verify");
    verify_times.push_back(Micros(t1 - t0));
  }
  const double verify_cpu_us =
      (ThreadCpuMicros() - verify_cpu_start) / static_cast<double>(proofs);
  const uint64_t consistency_runs = std::min<uint64_t>(proofs, 2000);
  for (uint64_t k = 0; k < consistency_runs; ++k) {
    const uint64_t older = 1 + rng() % leaves;
    const auto t0 = Clock::now();
    StatusOr<std::vector<Hash256>> p = tree->ConsistencyProof(older, leaves);
    const auto t1 = Clock::now();
    if (!p.ok()) Die(p.status(), "consistency proof");
    consistency_times.push_back(Micros(t1 - t0));
  }
  const Stats proof = Summarize(proof_times);
  const Stats verify = Summarize(verify_times);
  const Stats consistency = Summarize(consistency_times);
  const double db_mib = static_cast<double>(db->ApproximateSize()) / (1 << 20);

  tree.reset();
  db.reset();
  if (!keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::printf(
      "qtrace log bench: %llu leaves, %llu per WriteBatch, sync %s, tile "
      "height 8\n",
      static_cast<unsigned long long>(leaves),
      static_cast<unsigned long long>(per_batch), sync ? "on" : "off");
  std::printf("  %-52s %10.1f s (%.0f leaves/s)\n", "build, wall", build_s,
              static_cast<double>(leaves) / build_s);
  std::printf("  %-52s %10.3f us\n",
              "append per leaf (Append+FinishBatch, no Db write)", append_us);
  std::printf("  %-52s %10.3f us\n", "  same, thread CPU time",
              append_cpu_us / static_cast<double>(leaves));
  std::printf("  %-52s %10.3f us\n", "append per leaf including Db::Write",
              append_write_us);
  std::printf("  %-52s %10.1f ms\n", "MerkleTree::Load after reopen", load_ms);
  std::printf("  %-52s %10.1f MiB\n", "store size (all column families)",
              db_mib);
  std::printf("  %-52s %10s %10s %10s\n", "", "mean", "p50", "p99");
  std::printf("  %-52s %10.2f %10.2f %10.2f us\n",
              "inclusion proof at full size (warm)", proof.mean, proof.p50,
              proof.p99);
  std::printf("  %-52s %10.2f %10.2f %10.2f us\n", "verify inclusion",
              verify.mean, verify.p50, verify.p99);
  std::printf("  %-52s %10.2f us\n", "  proof, thread CPU time (mean)",
              proof_cpu_us);
  std::printf("  %-52s %10.2f us\n", "  verify, thread CPU time (mean)",
              verify_cpu_us);
  std::printf("  %-52s %10.2f %10.2f %10.2f us\n",
              "consistency proof to full size", consistency.mean,
              consistency.p50, consistency.p99);
  std::printf(
      "  targets: append <= 2 us, proof <= 50 us, verify <= 20 us"
      " (JSON: append mean, proof and verify p50)\n");
  std::printf(
      "{\"suite\":\"log\",\"leaves\":%llu,\"append_us\":%.3f,\"proof_us\":%.2f,"
      "\"verify_us\":%.2f}\n",
      static_cast<unsigned long long>(leaves), append_us, proof.p50,
      verify.p50);
  return 0;
}

}  // namespace
}  // namespace qtrace

int main(int argc, char** argv) { return qtrace::Main(argc, argv); }
