// bench_ingest: the in-process ingest pipeline, durable (WAL synced per group
// commit), against the raw Ed25519 verification rate measured on the same
// number of threads in the same run.
//
// Records are lot registrations and shipments, pre-signed before the timed
// phase. A warm-up phase runs first so the timed phase includes memtable
// flushes and compaction.
//
//   bench_ingest [--records=500000] [--warmup=50000] [--threads=2]
//                [--batch=512] [--inflight=8] [--dir=PATH]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"

namespace {

using namespace qtrace;
using SteadyClock = std::chrono::steady_clock;

struct Flags {
  size_t records = 500'000;
  size_t warmup = 50'000;
  int threads = 2;
  size_t batch = 512;
  size_t inflight = 8;
  std::string dir;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* name) -> const char* {
      size_t n = std::strlen(name);
      return a.compare(0, n, name) == 0 ? a.c_str() + n : nullptr;
    };
    if (auto v = val("--records=")) f.records = std::stoull(v);
    else if (auto v = val("--warmup=")) f.warmup = std::stoull(v);
    else if (auto v = val("--threads=")) f.threads = std::stoi(v);
    else if (auto v = val("--batch=")) f.batch = std::stoull(v);
    else if (auto v = val("--inflight=")) f.inflight = std::stoull(v);
    else if (auto v = val("--dir=")) f.dir = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      std::exit(2);
    }
  }
  return f;
}

template <typename T>
T Must(StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, v.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(v).value();
}
void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr int kParties = 64;

std::string PartyId(int i) { return "ent-" + std::to_string(i); }

// Signs record i of the synthetic workload: 3 of 4 are lot registrations by
// party i % kParties; every 4th ships part of a lot registered much earlier
// (beyond the submission window, so it is always sequenced before).
SignedEnvelope MakeRecord(size_t i, const std::vector<PrivateKey>& keys, size_t back) {
  int p = static_cast<int>(i % kParties);
  std::string json;
  if (i % 4 == 3 && i > back + 8) {
    size_t lot_i = (i - back) / 4 * 4;  // a lot registration (i % 4 == 0) well before
    int owner = static_cast<int>(lot_i % kParties);
    p = owner;
    json = R"({"type":"shipment","party":")" + PartyId(owner) +
           R"(","event_time":"2026-06-01T09:00:00Z","shipment_id":"S)" + std::to_string(i) +
           R"(","to":")" + PartyId((owner + 1) % kParties) +
           R"(","items":[{"lot":"local:p)" + std::to_string(owner) + "/L" +
           std::to_string(lot_i) + R"(","quantity":"1.5 KGM"}]})";
  } else {
    json = R"({"type":"lot","party":")" + PartyId(p) +
           R"(","event_time":"2026-06-01T08:00:00Z","lot":"local:p)" + std::to_string(p) +
           "/L" + std::to_string(i) +
           R"(","quantity":"100 KGM","production_time":"2026-06-01T08:00:00Z",
              "site":"420703","attributes":{"species":"Eriocheir sinensis","grade":"A"}})";
  }
  std::string payload = Must(RecordFromJson(json), "record");
  return SignPayload(keys[p], kRecordPayloadType, std::move(payload));
}

// Verifies pre-made signatures on `threads` threads for ~`seconds`.
double MeasureVerifyRate(const std::vector<SignedEnvelope>& sample,
                         const std::vector<PrivateKey>& keys, int threads, double seconds) {
  std::vector<std::string> paes;
  std::vector<const VerifyingKey*> vks;
  for (const auto& e : sample) {
    paes.push_back(DssePae(e.payload_type, e.payload));
    for (const auto& k : keys) {
      if (k.id() == e.key_id) vks.push_back(&k.public_key());
    }
  }
  std::atomic<uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  auto start = SteadyClock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      uint64_t n = 0;
      for (size_t i = t; !stop.load(std::memory_order_relaxed); i = (i + 1) % paes.size()) {
        if (!vks[i]->Verify(paes[i], AsBytes(sample[i].signature))) std::abort();
        ++n;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  return total.load() / Seconds(SteadyClock::now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = ParseFlags(argc, argv);
  std::string dir = f.dir;
  bool temp = dir.empty();
  if (temp) {
    char tmpl[] = "/tmp/qtrace-bench-ingest-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  std::string data = dir + "/data";
  Must(host::Ledger::Initialize(data, {}), "init");
  host::DataDirLayout layout(data);
  PrivateKey admin = Must(PrivateKey::LoadPem(layout.admin_key()), "admin key");

  host::LedgerOptions lo;
  lo.data_dir = data;
  lo.verify_threads = f.threads;
  auto ledger = Must(host::Ledger::Open(lo), "open");

  // Parties and their products.
  std::vector<PrivateKey> keys;
  std::vector<host::IngestItem> setup;
  for (int p = 0; p < kParties; ++p) {
    keys.push_back(Must(PrivateKey::Generate(), "keygen"));
    std::string pub = Base64Encode(std::string_view(
        reinterpret_cast<const char*>(keys.back().public_key().raw().data()), 32));
    std::string json = R"({"type":"party","party":"platform-admin","event_time":"2026-06-01T00:00:00Z",
        "party_id":")" + PartyId(p) + R"(","roles":["enterprise"],"keys":[")" + pub + R"("]})";
    setup.push_back(host::IngestItem::FromEnvelope(
        SignPayload(admin, kRecordPayloadType, Must(RecordFromJson(json), "party"))));
  }
  for (auto& r : ledger->SubmitAndWait(std::move(setup))) Must(r.status, "party");
  setup.clear();
  for (int p = 0; p < kParties; ++p) {
    std::string json = R"({"type":"product","party":")" + PartyId(p) +
                       R"(","event_time":"2026-06-01T00:00:00Z","scheme":"local","product_id":"p)" +
                       std::to_string(p) + R"(","sector":"agriculture"})";
    setup.push_back(host::IngestItem::FromEnvelope(
        SignPayload(keys[p], kRecordPayloadType, Must(RecordFromJson(json), "product"))));
  }
  for (auto& r : ledger->SubmitAndWait(std::move(setup))) Must(r.status, "product");

  // Pre-sign everything (on all cores) before the timed phase.
  size_t total = f.warmup + f.records;
  size_t back = f.batch * (f.inflight + 4);
  std::vector<std::string> envelopes(total);
  {
    auto t0 = SteadyClock::now();
    std::vector<std::thread> ts;
    unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < n; ++t) {
      ts.emplace_back([&, t] {
        for (size_t i = t; i < total; i += n) envelopes[i] = EncodeEnvelope(MakeRecord(i, keys, back));
      });
    }
    for (auto& t : ts) t.join();
    std::fprintf(stderr, "pre-signed %zu records in %.1f s\n", total, Seconds(SteadyClock::now() - t0));
  }

  // Submits [from, to) in batches, keeping `inflight` batches queued.
  std::atomic<uint64_t> rejected{0};
  auto run = [&](size_t from, size_t to) {
    std::vector<std::future<void>> pending;
    std::atomic<size_t> done_batches{0};
    std::mutex mu;
    std::condition_variable cv;
    size_t sent = 0;
    for (size_t i = from; i < to; i += f.batch) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return sent - done_batches.load() < f.inflight; });
      }
      std::vector<host::IngestItem> items;
      for (size_t j = i; j < std::min(to, i + f.batch); ++j) {
        items.push_back(host::IngestItem::FromBytes(std::move(envelopes[j])));
      }
      ++sent;
      ledger->Submit(std::move(items), [&](std::vector<host::IngestResult> rs) {
        for (const auto& r : rs) {
          if (!r.status.ok()) {
            if (rejected.fetch_add(1) < 5) {
              std::fprintf(stderr, "rejected: %s\n", r.status.ToString().c_str());
            }
          }
        }
        {
          std::lock_guard lock(mu);
          done_batches.fetch_add(1);
        }
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done_batches.load() == sent; });
  };

  auto w0 = SteadyClock::now();
  run(0, f.warmup);
  double warm_s = Seconds(SteadyClock::now() - w0);
  auto s0 = ledger->GetStats();
  auto t0 = SteadyClock::now();
  run(f.warmup, total);
  double secs = Seconds(SteadyClock::now() - t0);
  auto s1 = ledger->GetStats();
  double rate = f.records / secs;

  // The raw verification limit, same thread count, same process, same run.
  std::vector<SignedEnvelope> sample;
  for (size_t i = 0; i < 2048; ++i) sample.push_back(MakeRecord(i * 4, keys, back));
  double verify = MeasureVerifyRate(sample, keys, f.threads, 3.0);
  double ratio = rate / verify;

  std::printf("qtrace ingest benchmark (in-process pipeline, WAL synced per group)\n");
  std::printf("  %-34s %zu (+%zu warm-up in %.1f s)\n", "records timed", f.records, f.warmup, warm_s);
  std::printf("  %-34s %d\n", "verify threads", f.threads);
  std::printf("  %-34s %zu x %zu in flight\n", "batch size", f.batch, f.inflight);
  std::printf("  %-34s %.2f s\n", "elapsed", secs);
  std::printf("  %-34s %.0f\n", "records/s (durable)", rate);
  std::printf("  %-34s %.0f\n", "raw Ed25519 verify/s (same threads)", verify);
  std::printf("  %-34s %.3f\n", "ratio", ratio);
  std::printf("  %-34s %llu\n", "group commits (timed phase)",
              static_cast<unsigned long long>(s1.groups - s0.groups));
  std::printf("  %-34s %llu\n", "rejected", static_cast<unsigned long long>(rejected.load()));
  std::printf("  %-34s %.1f MiB\n", "store size", s1.store_bytes / 1048576.0);
  std::printf("{\"suite\":\"ingest\",\"records_per_s\":%.0f,\"verify_limit_per_s\":%.0f,\"ratio\":%.3f}\n",
              rate, verify, ratio);
  ledger.reset();
  if (temp) std::filesystem::remove_all(dir);
  return rejected.load() == 0 ? 0 : 1;
}
