// bench_http: a real qtraced on loopback under N concurrent clients.
//
// Phase 1 (peak): N clients submit pre-signed flatbuffer batches as fast as
// the daemon answers; records/s is the durable acceptance rate.
// Phase 2 (latency): open-loop single-record submits at half the peak rate
// (sent on schedule whether or not earlier ones have answered); p99 latency.
// The raw Ed25519 verify rate is measured in the same run on the same number
// of threads as the daemon's verifiers, after the daemon has stopped.
//
//   bench_http [--records=200000] [--clients=8] [--batch=256]
//              [--latency-seconds=10] [--verify-threads=2]
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/http_client.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "testing/daemon_process.h"

namespace {

using namespace qtrace;
using SteadyClock = std::chrono::steady_clock;

struct Flags {
  size_t records = 200'000;
  int clients = 8;
  size_t batch = 256;
  double latency_seconds = 10;
  int verify_threads = 2;
  size_t startup_records = 0;  // also time start-up with this many records stored
};

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* n) -> const char* {
      return a.compare(0, std::strlen(n), n) == 0 ? a.c_str() + std::strlen(n) : nullptr;
    };
    if (auto v = val("--records=")) f.records = std::stoull(v);
    else if (auto v = val("--clients=")) f.clients = std::stoi(v);
    else if (auto v = val("--batch=")) f.batch = std::stoull(v);
    else if (auto v = val("--latency-seconds=")) f.latency_seconds = std::stod(v);
    else if (auto v = val("--verify-threads=")) f.verify_threads = std::stoi(v);
    else if (auto v = val("--startup-records=")) f.startup_records = std::stoull(v);
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

double Secs(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

long RssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Startup {
  double ms_to_first_answer = 0;
  long idle_rss_kib = 0;
};

// Starts qtraced on `data`, times fork -> first answered /healthz, then
// reads its RSS after a second of idling.
Startup MeasureStartup(const std::string& data) {
  Startup out;
  auto t0 = SteadyClock::now();
  testing::DaemonProcess d(QTRACED_PATH, data);
  if (!d.Start().ok()) return out;
  HttpClient c("127.0.0.1", d.port());
  for (;;) {
    auto r = c.Request("GET", "/healthz");
    if (r.ok() && r->status == 200) break;
  }
  out.ms_to_first_answer = Secs(SteadyClock::now() - t0) * 1000;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  out.idle_rss_kib = RssKiB(d.pid());
  d.Stop(SIGTERM);
  return out;
}

constexpr int kParties = 32;
std::string PartyId(int p) { return "ent-" + std::to_string(p); }

SignedEnvelope Lot(const std::vector<PrivateKey>& keys, size_t i, const std::string& prefix) {
  int p = static_cast<int>(i % kParties);
  std::string json = R"({"type":"lot","party":")" + PartyId(p) +
                     R"(","event_time":"2026-06-01T08:00:00Z","lot":"local:p)" +
                     std::to_string(p) + "/" + prefix + std::to_string(i) +
                     R"(","quantity":"100 KGM","production_time":"2026-06-01T08:00:00Z",
                        "attributes":{"species":"Eriocheir sinensis"}})";
  return SignPayload(keys[p], kRecordPayloadType, Must(RecordFromJson(json), "record"));
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = Parse(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  char tmpl[] = "/tmp/qtrace-bench-http-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string data = dir + "/data";
  if (!host::Ledger::Initialize(data, {}).ok()) return 1;
  PrivateKey admin = Must(PrivateKey::LoadPem(host::DataDirLayout(data).admin_key()), "admin");
  Startup empty = MeasureStartup(data);

  testing::DaemonProcess daemon(QTRACED_PATH, data,
                                {"--verify-threads", std::to_string(f.verify_threads),
                                 "--max-pending-records", "1000000"});
  if (Status s = daemon.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  HttpClient setup("127.0.0.1", daemon.port());

  std::vector<PrivateKey> keys;
  std::vector<SignedEnvelope> batch;
  for (int p = 0; p < kParties; ++p) {
    keys.push_back(Must(PrivateKey::Generate(), "keygen"));
    std::string pub = Base64Encode(std::string_view(
        reinterpret_cast<const char*>(keys.back().public_key().raw().data()), 32));
    batch.push_back(SignPayload(
        admin, kRecordPayloadType,
        Must(RecordFromJson(R"({"type":"party","party":"platform-admin","event_time":"2026-06-01T00:00:00Z",
            "party_id":")" + PartyId(p) + R"(","roles":["enterprise"],"keys":[")" + pub + R"("]})"),
             "party")));
  }
  Must(setup.Request("POST", "/v1/records:batch", EncodeEnvelopeBatch(batch), "application/x-flatbuffers"), "parties");
  batch.clear();
  for (int p = 0; p < kParties; ++p) {
    batch.push_back(SignPayload(
        keys[p], kRecordPayloadType,
        Must(RecordFromJson(R"({"type":"product","party":")" + PartyId(p) +
                            R"(","event_time":"2026-06-01T00:00:00Z","scheme":"local","product_id":"p)" +
                            std::to_string(p) + R"(","sector":"agriculture"})"),
             "product")));
  }
  Must(setup.Request("POST", "/v1/records:batch", EncodeEnvelopeBatch(batch), "application/x-flatbuffers"), "products");

  // Pre-sign both phases.
  size_t n_batches = (f.records + f.batch - 1) / f.batch;
  std::vector<std::string> bodies(n_batches);
  {
    auto t0 = SteadyClock::now();
    std::vector<std::thread> ts;
    unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < n; ++t) {
      ts.emplace_back([&, t] {
        for (size_t b = t; b < n_batches; b += n) {
          std::vector<SignedEnvelope> envs;
          for (size_t i = b * f.batch; i < std::min(f.records, (b + 1) * f.batch); ++i) {
            envs.push_back(Lot(keys, i, "B"));
          }
          bodies[b] = EncodeEnvelopeBatch(envs);
        }
      });
    }
    for (auto& t : ts) t.join();
    std::fprintf(stderr, "pre-signed %zu records in %.1f s\n", f.records,
                 Secs(SteadyClock::now() - t0));
  }

  // Phase 1: peak throughput, closed loop per client, N clients.
  std::atomic<size_t> next{0}, accepted{0}, failed{0};
  auto p0 = SteadyClock::now();
  {
    std::vector<std::thread> ts;
    for (int c = 0; c < f.clients; ++c) {
      ts.emplace_back([&] {
        HttpClient http("127.0.0.1", daemon.port());
        for (size_t b; (b = next.fetch_add(1)) < n_batches;) {
          auto r = http.Request("POST", "/v1/records:batch", bodies[b], "application/x-flatbuffers");
          if (r.ok() && r->status == 200) {
            auto pos = r->body.find("\"accepted\":");
            accepted += std::stoull(r->body.substr(pos + 11));
          } else {
            ++failed;
          }
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  double peak_s = Secs(SteadyClock::now() - p0);
  double rate = accepted.load() / peak_s;

  // Phase 2: open-loop singles at half the peak rate (signed before timing).
  double target = rate / 2;
  size_t total = static_cast<size_t>(target * f.latency_seconds);
  std::vector<std::string> singles(total);
  {
    std::vector<std::thread> ts;
    unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < n; ++t) {
      ts.emplace_back([&, t] {
        for (size_t i = t; i < total; i += n) singles[i] = EncodeEnvelope(Lot(keys, i, "S"));
      });
    }
    for (auto& t : ts) t.join();
  }
  std::vector<double> lat(total, -1);
  std::atomic<size_t> sent{0};
  auto l0 = SteadyClock::now();
  {
    // Each sender owns its connection and a slice of the schedule: record i
    // is due at l0 + i/target. A sender that falls behind sends immediately
    // (latency counts from the due time, so queueing shows up).
    int senders = std::max(f.clients * 4, 32);
    std::vector<std::thread> ts;
    for (int s = 0; s < senders; ++s) {
      ts.emplace_back([&, s] {
        HttpClient http("127.0.0.1", daemon.port());
        for (size_t i = s; i < total; i += senders) {
          auto due = l0 + std::chrono::duration_cast<SteadyClock::duration>(
                              std::chrono::duration<double>(i / target));
          std::this_thread::sleep_until(due);
          auto r = http.Request("POST", "/v1/records", singles[i], "application/x-flatbuffers");
          if (r.ok() && (r->status == 201 || r->status == 200)) {
            lat[i] = Secs(SteadyClock::now() - due) * 1000;
          }
          ++sent;
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  std::vector<double> ok;
  for (double v : lat) {
    if (v >= 0) ok.push_back(v);
  }
  std::sort(ok.begin(), ok.end());
  auto pct = [&](double p) { return ok.empty() ? 0.0 : ok[std::min(ok.size() - 1, size_t(p * ok.size()))]; };
  double achieved = ok.size() / Secs(SteadyClock::now() - l0);

  daemon.Stop(SIGTERM);

  // Raw verify rate, same thread count, same machine, same run.
  std::vector<SignedEnvelope> sample;
  for (size_t i = 0; i < 2048; ++i) sample.push_back(Lot(keys, i, "V"));
  std::vector<std::string> paes;
  for (const auto& e : sample) paes.push_back(DssePae(e.payload_type, e.payload));
  std::atomic<uint64_t> verified{0};
  std::atomic<bool> stop{false};
  auto v0 = SteadyClock::now();
  {
    std::vector<std::thread> ts;
    for (int t = 0; t < f.verify_threads; ++t) {
      ts.emplace_back([&, t] {
        uint64_t n = 0;
        for (size_t i = t; !stop.load(std::memory_order_relaxed); i = (i + 1) % paes.size()) {
          const PrivateKey& k = keys[i % kParties];
          if (!k.public_key().Verify(paes[i], AsBytes(sample[i].signature))) std::abort();
          ++n;
        }
        verified += n;
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    stop = true;
    for (auto& t : ts) t.join();
  }
  double verify = verified.load() / Secs(SteadyClock::now() - v0);

  // Optional: start-up with a large store (built in-process, closed cleanly).
  Startup big;
  if (f.startup_records > 0) {
    std::string big_data = dir + "/big";
    if (!host::Ledger::Initialize(big_data, {}).ok()) return 1;
    PrivateKey big_admin = Must(PrivateKey::LoadPem(host::DataDirLayout(big_data).admin_key()), "admin");
    host::LedgerOptions lo;
    lo.data_dir = big_data;
    auto ledger = Must(host::Ledger::Open(lo), "open big");
    std::vector<host::IngestItem> setup;
    for (int p = 0; p < kParties; ++p) {
      std::string pub = Base64Encode(std::string_view(
          reinterpret_cast<const char*>(keys[p].public_key().raw().data()), 32));
      setup.push_back(host::IngestItem::FromEnvelope(SignPayload(big_admin, kRecordPayloadType,
          Must(RecordFromJson(R"({"type":"party","party":"platform-admin","event_time":"2026-06-01T00:00:00Z",
            "party_id":")" + PartyId(p) + R"(","roles":["enterprise"],"keys":[")" + pub + R"("]})"), "party"))));
    }
    ledger->SubmitAndWait(std::move(setup));
    setup.clear();
    for (int p = 0; p < kParties; ++p) {
      setup.push_back(host::IngestItem::FromEnvelope(SignPayload(keys[p], kRecordPayloadType,
          Must(RecordFromJson(R"({"type":"product","party":")" + PartyId(p) +
                              R"(","event_time":"2026-06-01T00:00:00Z","scheme":"local","product_id":"p)" +
                              std::to_string(p) + R"(","sector":"agriculture"})"), "product"))));
    }
    ledger->SubmitAndWait(std::move(setup));
    auto b0 = SteadyClock::now();
    const size_t chunk = 4096;
    for (size_t i = 0; i < f.startup_records; i += chunk) {
      std::vector<std::string> envs(std::min(chunk, f.startup_records - i));
      std::vector<std::thread> ts;
      for (unsigned t = 0; t < 2; ++t) {
        ts.emplace_back([&, t] {
          for (size_t j = t; j < envs.size(); j += 2) envs[j] = EncodeEnvelope(Lot(keys, i + j, "M"));
        });
      }
      for (auto& t : ts) t.join();
      std::vector<host::IngestItem> items;
      for (auto& e : envs) items.push_back(host::IngestItem::FromBytes(std::move(e)));
      ledger->SubmitAndWait(std::move(items));
    }
    std::fprintf(stderr, "built a %zu-record store in %.0f s\n", f.startup_records,
                 Secs(SteadyClock::now() - b0));
    ledger.reset();
    big = MeasureStartup(big_data);
  }
  std::filesystem::remove_all(dir);

  std::printf("qtrace HTTP benchmark (real qtraced on loopback, flatbuffer envelopes)\n");
  std::printf("  %-40s %d clients x batches of %zu\n", "peak phase", f.clients, f.batch);
  std::printf("  %-40s %zu in %.2f s (%zu failed requests)\n", "records accepted", accepted.load(),
              peak_s, failed.load());
  std::printf("  %-40s %.0f\n", "records/s (durable, peak)", rate);
  std::printf("  %-40s %.0f\n", "raw Ed25519 verify/s (same threads)", verify);
  std::printf("  %-40s %.3f\n", "ratio", rate / verify);
  std::printf("  %-40s %.0f/s target, %.0f/s achieved, %zu requests\n",
              "single submits, open loop", target, achieved, ok.size());
  std::printf("  %-40s p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", "latency ms", pct(0.5), pct(0.9),
              pct(0.99), ok.empty() ? 0.0 : ok.back());
  std::printf("  %-40s %.0f ms to first answer, idle RSS %.1f MiB\n", "start-up, empty store",
              empty.ms_to_first_answer, empty.idle_rss_kib / 1024.0);
  if (f.startup_records > 0) {
    std::printf("  %-40s %.0f ms to first answer, idle RSS %.1f MiB\n",
                ("start-up, " + std::to_string(f.startup_records) + " records").c_str(),
                big.ms_to_first_answer, big.idle_rss_kib / 1024.0);
  }
  std::printf("{\"suite\":\"http\",\"records_per_s\":%.0f,\"verify_limit_per_s\":%.0f,\"ratio\":%.3f,\"p99_ms\":%.2f}\n",
              rate, verify, rate / verify, pct(0.99));
  return 0;
}
