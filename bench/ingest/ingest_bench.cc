// bench_ingest: the in-process ingest pipeline, durable (WAL synced per group
// commit), against the raw Ed25519 verification rate measured on the same
// number of threads in the same run.
//
// Records are lot registrations and shipments, pre-signed before the timed
// phase. A warm-up phase runs first so the timed phase includes memtable
// flushes and compaction.
//
//   bench_ingest [--records=500000] [--warmup=50000] [--threads=2]
//                [--batch=512] [--inflight=8] [--dir=PATH] [--plugin-dir=DIR]
//
// With --plugin-dir the ledger runs every sector plugin of DIR (through the
// plugin registry, as qtraced does; scripts/bench.sh ingest passes the
// build's plugins/modules). Party p and its product belong to sector
// p % (number of sectors), so the workload is spread evenly over all loaded
// sectors. Lots carry what their sector's rules require: a hand-written set
// for the four sectors shipped in plugins/ (feed lots, pharma API lots,
// diamond segments from a sinter furnace run, cement lots with the maker's
// XK licence), and for
// any other sector the attributes its Description marks as required. Cement
// is not shipped (a shipment needs its 28-day strength report, a record the
// workload does not make). The JSON line then gains "plugin_us": the average
// time per plugin-checked record spent in plugin calls, including the host's
// Verifier of what they return (the registry's counters over the timed
// phase).
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
#include "qtrace/fb/plugin_generated.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/plugin_registry.h"
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
  std::string plugin_dir;
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
    else if (auto v = val("--plugin-dir=")) f.plugin_dir = v;
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

// The lot attributes of the workload: the usual two, plus a value for every
// attribute a plugin's Description requires of lots (JSON object members).
std::string LotAttributes(const std::string* description) {
  std::string out = R"("species":"Eriocheir sinensis","grade":"A")";
  if (description == nullptr) return out;
  namespace fbp = qtrace::fb::plugin;
  const auto* d = flatbuffers::GetRoot<fbp::Description>(description->data());
  if (d->attributes() == nullptr) return out;
  for (const fbp::AttrSpec* a : *d->attributes()) {
    if (!a->required() || (a->record() && a->record()->str() != "lot")) continue;
    std::string key = a->key()->str();
    if (key == "species" || key == "grade") continue;
    int64_t lo = a->has_min() ? a->min() : (a->has_max() ? a->max() : 0);
    int64_t hi = a->has_max() ? a->max() : lo;
    int64_t mid = lo + (hi - lo) / 2;
    std::string value;
    switch (a->type()) {
      case fb::AttrType::INT:
        value = std::to_string(mid);
        break;
      case fb::AttrType::DECIMAL: {
        std::string digits = std::to_string(mid < 0 ? -mid : mid);
        int scale = a->scale();
        if (scale > 0) {
          while (static_cast<int>(digits.size()) <= scale) digits.insert(0, "0");
          digits.insert(digits.size() - scale, ".");
        }
        value = R"({"decimal":")" + std::string(mid < 0 ? "-" : "") + digits + R"("})";
        break;
      }
      case fb::AttrType::BOOL:
        value = "true";
        break;
      case fb::AttrType::TIME:
        value = R"({"time":"2026-06-01T08:00:00Z"})";
        break;
      default:
        value = "\"" + (a->allowed() && a->allowed()->size() > 0 ? a->allowed()->Get(0)->str()
                                                                  : "bench-" + key) +
                "\"";
        break;
    }
    out += ",\"" + key + "\":" + value;
  }
  return out;
}

// What the lots and parties of one sector carry so that its rules pass.
struct SectorWorkload {
  std::string sector;
  std::string licences;    // party JSON "licences" array members
  std::string attributes;  // lot JSON "attributes" object members
  std::string unit_kind;   // each party registers unit U1 of this kind ("": none)
  bool unit_run = false;   // ... and records one process run on it
  bool ships = true;
};

// Every lot of a sector with a unit names its use of U1 (a sinter furnace
// run; a time, for units such as ponds, without one).
constexpr const char* kUnitRunStart = "2026-06-01T02:00:00Z";
constexpr const char* kUnitRunEnd = "2026-06-01T06:00:00Z";

SectorWorkload WorkloadFor(const std::string& sector, const std::string* description) {
  SectorWorkload w{sector};
  if (sector == "agriculture") {
    // Feed lots from a registered feed mill (a harvest would need its
    // commitment certificate, another record, before it could be shipped).
    w.licences = R"({"kind":"feed","number":"E-FEED-2024-0311"})";
    w.attributes = R"("input_kind":"feed","registration_no":"E-FEED-2024-0311",)"
                   R"("crude_protein_pct":{"decimal":"42.0"})";
  } else if (sector == "pharma") {
    w.licences = R"({"kind":"drug_mfg","number":"HB20240017"})";
    w.attributes =
        R"("category":"api","mfg_licence_no":"HB20240017","cde_registration":"Y20240000317")";
  } else if (sector == "diamond_tools") {
    w.attributes = R"("product_type":"segment","bond":"M")";
    w.unit_kind = "furnace";
    w.unit_run = true;
  } else if (sector == "building_materials") {
    w.licences = R"({"kind":"XK","number":"XK08-001-00931"})";
    w.attributes = R"("material":"cement","product_standard":"GB 175-2023","cement_type":"P·O",)"
                   R"("strength_grade":"42.5","xk_licence_no":"(鄂)XK08-001-00931")";
    w.ships = false;
  } else {
    w.attributes = LotAttributes(description);
  }
  return w;
}

std::string UnitUse(const SectorWorkload& w) {
  if (w.unit_kind.empty()) return "";
  if (w.unit_run) {
    return std::string(R"("units":[{"unit":"U1","start":")") + kUnitRunStart +
           R"(","end":")" + kUnitRunEnd + R"("}],)";
  }
  return std::string(R"("units":[{"unit":"U1","time":")") + kUnitRunEnd + R"("}],)";
}

// Signs record i of the synthetic workload: 3 of 4 are lot registrations by
// party i % kParties; every 4th ships part of a lot registered much earlier
// (beyond the submission window, so it is always sequenced before).
SignedEnvelope MakeRecord(size_t i, const std::vector<PrivateKey>& keys, size_t back,
                          const std::vector<SectorWorkload>& sectors) {
  int p = static_cast<int>(i % kParties);
  auto of = [&](int party) -> const SectorWorkload& { return sectors[party % sectors.size()]; };
  std::string json;
  size_t lot_i = i > back + 8 ? (i - back) / 4 * 4 : 0;  // a lot registration well before
  int owner = static_cast<int>(lot_i % kParties);
  // Shipments go to a party of the same sector (kParties is a multiple of
  // the number of sectors whenever it divides 64).
  int to = (owner + static_cast<int>(sectors.size())) % kParties;
  if (i % 4 == 3 && i > back + 8 && of(owner).ships) {
    p = owner;
    json = R"({"type":"shipment","party":")" + PartyId(owner) +
           R"(","event_time":"2026-06-01T09:00:00Z","shipment_id":"S)" + std::to_string(i) +
           R"(","to":")" + PartyId(to) +
           R"(","items":[{"lot":"local:p)" + std::to_string(owner) + "/L" +
           std::to_string(lot_i) + R"(","quantity":"1.5 KGM"}]})";
  } else {
    json = R"({"type":"lot","party":")" + PartyId(p) +
           R"(","event_time":"2026-06-01T08:00:00Z","lot":"local:p)" + std::to_string(p) +
           "/L" + std::to_string(i) +
           R"(","quantity":"100 KGM","production_time":"2026-06-01T08:00:00Z",
              "site":"420703",)" + UnitUse(of(p)) + R"("attributes":{)" + of(p).attributes + "}}";
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
  // Sector plugins, as qtraced --plugin-dir loads them.
  std::unique_ptr<host::PluginRegistry> plugins;
  std::vector<SectorWorkload> sectors;
  if (!f.plugin_dir.empty()) {
    host::PluginRegistryOptions po;
    po.plugin_dir = f.plugin_dir;
    plugins = Must(host::PluginRegistry::Open(po), "plugins");
    auto list = plugins->List();
    if (list.empty()) {
      std::fprintf(stderr, "no plugin in %s\n", f.plugin_dir.c_str());
      return 2;
    }
    for (const auto& info : list) {
      std::string description = Must(plugins->Description(info.name), "describe");
      for (const auto& sector : info.sectors) {
        sectors.push_back(WorkloadFor(sector, &description));
        std::fprintf(stderr, "plugin %s %s (rule set %s), sector %s\n", info.name.c_str(),
                     info.version.c_str(), info.rule_set.c_str(), sector.c_str());
      }
    }
    lo.policy = plugins.get();
  }
  if (sectors.empty()) sectors.push_back(WorkloadFor("agriculture", nullptr));
  // Shipments stay inside a sector: party p ships to p + |sectors|.
  if (kParties % sectors.size() != 0) {
    std::fprintf(stderr, "%zu sectors do not divide %d parties\n", sectors.size(), kParties);
    return 2;
  }
  auto ledger = Must(host::Ledger::Open(lo), "open");
  if (plugins) {
    plugins->SetEntryLoader([l = ledger.get()](uint64_t i) { return l->EntryAt(i); });
  }

  // Parties and their products.
  std::vector<PrivateKey> keys;
  std::vector<host::IngestItem> setup;
  for (int p = 0; p < kParties; ++p) {
    keys.push_back(Must(PrivateKey::Generate(), "keygen"));
    std::string pub = Base64Encode(std::string_view(
        reinterpret_cast<const char*>(keys.back().public_key().raw().data()), 32));
    std::string json = R"({"type":"party","party":"platform-admin","event_time":"2026-06-01T00:00:00Z",
        "party_id":")" + PartyId(p) + R"(","roles":["enterprise"],"sectors":[")" +
        sectors[p % sectors.size()].sector + R"("],"licences":[)" +
        sectors[p % sectors.size()].licences + R"(],"keys":[")" + pub + R"("]})";
    setup.push_back(host::IngestItem::FromEnvelope(
        SignPayload(admin, kRecordPayloadType, Must(RecordFromJson(json), "party"))));
  }
  for (auto& r : ledger->SubmitAndWait(std::move(setup))) Must(r.status, "party");
  setup.clear();
  for (int p = 0; p < kParties; ++p) {
    std::string json = R"({"type":"product","party":")" + PartyId(p) +
                       R"(","event_time":"2026-06-01T00:00:00Z","scheme":"local","product_id":"p)" +
                       std::to_string(p) + R"(","sector":")" + sectors[p % sectors.size()].sector + R"("})";
    setup.push_back(host::IngestItem::FromEnvelope(
        SignPayload(keys[p], kRecordPayloadType, Must(RecordFromJson(json), "product"))));
  }
  for (auto& r : ledger->SubmitAndWait(std::move(setup))) Must(r.status, "product");
  setup.clear();
  for (int p = 0; p < kParties; ++p) {
    const SectorWorkload& w = sectors[p % sectors.size()];
    if (w.unit_kind.empty()) continue;
    std::string json = R"({"type":"unit","party":")" + PartyId(p) +
                       R"(","event_time":"2026-06-01T00:00:00Z","unit_id":"U1","kind":")" +
                       w.unit_kind + R"(","site":"420703","sector":")" + w.sector + R"("})";
    setup.push_back(host::IngestItem::FromEnvelope(
        SignPayload(keys[p], kRecordPayloadType, Must(RecordFromJson(json), "unit"))));
    if (!w.unit_run) continue;
    json = R"({"type":"unit_event","party":")" + PartyId(p) + R"(","event_time":")" +
           kUnitRunEnd + R"(","unit":"U1","kind":"process_run","run_id":"R1","start":")" +
           kUnitRunStart + R"(","end":")" + kUnitRunEnd + R"("})";
    setup.push_back(host::IngestItem::FromEnvelope(
        SignPayload(keys[p], kRecordPayloadType, Must(RecordFromJson(json), "unit run"))));
  }
  for (auto& r : ledger->SubmitAndWait(std::move(setup))) Must(r.status, "unit");

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
        for (size_t i = t; i < total; i += n) envelopes[i] = EncodeEnvelope(MakeRecord(i, keys, back, sectors));
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
  auto p0 = plugins ? plugins->GetStats() : host::PluginRegistry::Stats{};
  auto t0 = SteadyClock::now();
  run(f.warmup, total);
  double secs = Seconds(SteadyClock::now() - t0);
  auto s1 = ledger->GetStats();
  auto p1 = plugins ? plugins->GetStats() : host::PluginRegistry::Stats{};
  double rate = f.records / secs;

  // The raw verification limit, same thread count, same process, same run.
  std::vector<SignedEnvelope> sample;
  for (size_t i = 0; i < 2048; ++i) sample.push_back(MakeRecord(i * 4, keys, back, sectors));
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
  double plugin_us = 0;
  if (plugins) {
    uint64_t checked = p1.records - p0.records;
    plugin_us = checked ? (p1.nanos - p0.nanos) / 1000.0 / checked : 0;
    std::printf("  %-34s %llu of %zu (%llu calls, %llu rejected, %llu failed)\n",
                "records checked by plugins", static_cast<unsigned long long>(checked), f.records,
                static_cast<unsigned long long>(p1.calls - p0.calls),
                static_cast<unsigned long long>(p1.rejected - p0.rejected),
                static_cast<unsigned long long>(p1.failed - p0.failed));
    std::printf("  %-34s %.2f us\n", "plugin time per checked record", plugin_us);
    std::printf("  %-34s %.2f us\n", "plugin time per record",
                (p1.nanos - p0.nanos) / 1000.0 / f.records);
    std::printf("{\"suite\":\"ingest\",\"records_per_s\":%.0f,\"verify_limit_per_s\":%.0f,"
                "\"ratio\":%.3f,\"plugin_us\":%.2f}\n",
                rate, verify, ratio, plugin_us);
  } else {
    std::printf("{\"suite\":\"ingest\",\"records_per_s\":%.0f,\"verify_limit_per_s\":%.0f,\"ratio\":%.3f}\n",
                rate, verify, ratio);
  }
  ledger.reset();
  plugins.reset();  // after the ledger that calls it
  if (temp) std::filesystem::remove_all(dir);
  return rejected.load() == 0 ? 0 : 1;
}
