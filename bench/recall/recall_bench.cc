// bench_recall: the recall engine at city scale.
//
// Scope phase: a synthetic lineage of N lots (out-degree ~3, inputs mostly
// from recent lots) held by up to P parties, built in memory through the
// real LedgerState + LineageIndex (records applied as the sequencer would,
// without signatures). The scope of a recall reaching ~100k lots, with its
// holders and quantities, is computed warm several times; the median counts.
//
// Notice phase: a real Ledger on RocksDB; one lot shipped to K parties; a
// recall order seeded at it. The time from submitting the order to its
// durable acknowledgement includes signing and writing one host notice per
// affected party.
//
//   bench_recall [--lots=1000000] [--parties=20000] [--notice-parties=10000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/lineage_index.h"
#include "qtrace/host/state.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"

namespace {

using namespace qtrace;
using namespace qtrace::host;
using SteadyClock = std::chrono::steady_clock;

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

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

std::string Finish(flatbuffers::FlatBufferBuilder& b, const char* party, int64_t t,
                   fb::Body type, flatbuffers::Offset<void> body) {
  fb::Timestamp ts(t, 0);
  auto header = fb::CreateHeaderDirect(b, party, &ts);
  b.Finish(fb::CreateRecord(b, header, type, body));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

struct Flags {
  size_t lots = 1'000'000;
  size_t parties = 20'000;
  size_t notice_parties = 10'000;
};

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* n) -> const char* {
      return a.compare(0, std::strlen(n), n) == 0 ? a.c_str() + std::strlen(n) : nullptr;
    };
    if (auto v = val("--lots=")) f.lots = std::stoull(v);
    else if (auto v = val("--parties=")) f.parties = std::stoull(v);
    else if (auto v = val("--notice-parties=")) f.notice_parties = std::stoull(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  const int64_t t0 = 1'780'000'000'000'000;  // 2026-05-28

  // ---- scope phase: in-memory state --------------------------------------------------
  LineageIndex lineage;
  LedgerState state(&lineage, [](uint64_t) -> StatusOr<std::string> {
    return NotFound("no store in this bench");
  });
  PrivateKey host = Must(PrivateKey::Generate(), "keygen");
  PrivateKey admin = Must(PrivateKey::Generate(), "keygen");
  uint64_t index = 0;
  auto ctx_for = [&](const KeyInfo* key) {
    RecordContext ctx;
    ctx.index = index;
    ctx.record_time = t0 + static_cast<int64_t>(index);
    ctx.key = key;
    return ctx;
  };
  {
    std::string json = R"({"type":"genesis","party":"host","event_time":"2026-05-01T00:00:00Z",
        "origin":"bench/log","host_party":"host","host_key":")" +
                       Base64Encode(std::string_view(reinterpret_cast<const char*>(host.public_key().raw().data()), 32)) +
                       R"(","admin_party":"admin","admin_keys":[")" +
                       Base64Encode(std::string_view(reinterpret_cast<const char*>(admin.public_key().raw().data()), 32)) +
                       R"("]})";
    std::string payload = Must(RecordFromJson(json), "genesis");
    KeyInfo gk;
    gk.key = host.public_key();
    RecordContext ctx = ctx_for(&gk);
    Must(state.ApplyGenesis(**VerifyRecordPayload(payload), ctx), "genesis");
    ++index;
  }
  auto apply = [&](const KeyInfo* key, const std::string& payload) {
    StateEffects fx;
    RecordContext ctx = ctx_for(key);
    Status s = state.Apply(**VerifyRecordPayload(payload), ctx, &fx);
    if (!s.ok()) {
      std::fprintf(stderr, "apply at %llu: %s\n", static_cast<unsigned long long>(index),
                   s.ToString().c_str());
      std::exit(1);
    }
    ++index;
  };
  auto build_start = SteadyClock::now();
  const KeyInfo* admin_key = state.FindKey(admin.id());
  // One key shared by every party keeps the build fast; parties are distinct.
  std::vector<PrivateKey> party_keys;
  for (size_t p = 0; p < f.parties; ++p) {
    party_keys.push_back(Must(PrivateKey::Generate(), "keygen"));
    flatbuffers::FlatBufferBuilder b(256);
    std::vector<flatbuffers::Offset<fb::PublicKey>> keys{fb::CreatePublicKey(
        b, b.CreateString("ed25519"), b.CreateVector(party_keys.back().public_key().raw().data(), 32))};
    std::vector<fb::Role> roles{fb::Role::ENTERPRISE};
    auto body = fb::CreatePartyRegistration(
        b, b.CreateString("p" + std::to_string(p)), 0,
        b.CreateVector(reinterpret_cast<const fb::Role*>(roles.data()), 1), 0, 0, b.CreateVector(keys));
    apply(admin_key, Finish(b, "admin", t0, fb::Body::PartyRegistration, body.Union()));
  }
  // The processor (p0) makes every lot; lots go out to the other parties.
  const KeyInfo* maker = state.FindKey(party_keys[0].id());
  {
    flatbuffers::FlatBufferBuilder b(256);
    auto body = fb::CreateProductRegistrationDirect(b, fb::IdScheme::LOCAL, "food", nullptr, "agriculture");
    apply(maker, Finish(b, "p0", t0, fb::Body::ProductRegistration, body.Union()));
  }
  std::mt19937_64 rng(42);
  auto pick_input = [&](size_t i) -> size_t {
    uint64_t r = rng() % 100;
    size_t back = r < 80 ? 2000 : r < 95 ? 100'000 : i;
    back = std::min(back, i);
    return i - 1 - rng() % back;
  };
  for (size_t i = 0; i < f.lots; ++i) {
    flatbuffers::FlatBufferBuilder b(512);
    std::vector<flatbuffers::Offset<fb::Input>> inputs;
    if (i > 0 && rng() % 10 != 0) {
      std::vector<size_t> chosen;
      for (int k = 0; k < 3; ++k) {
        size_t in = pick_input(i);
        if (std::find(chosen.begin(), chosen.end(), in) == chosen.end()) chosen.push_back(in);
      }
      for (size_t in : chosen) {
        inputs.push_back(fb::CreateInput(
            b, fb::CreateLotRefDirect(b, fb::IdScheme::LOCAL, "food", ("L" + std::to_string(in)).c_str()),
            fb::CreateQuantityDirect(b, 1, 3, "KGM"), fb::EdgeKind::COMPOSED_OF));
      }
    }
    fb::Timestamp pt(t0, 0);
    auto body = fb::CreateLotRegistration(
        b, fb::CreateLotRefDirect(b, fb::IdScheme::LOCAL, "food", ("L" + std::to_string(i)).c_str()),
        fb::CreateQuantityDirect(b, 1000, 0, "KGM"), &pt, nullptr, 0,
        inputs.empty() ? 0 : b.CreateVector(inputs));
    apply(maker, Finish(b, "p0", t0, fb::Body::LotRegistration, body.Union()));
    // One shipment of part of the lot to a party.
    if (f.parties > 1) {
      flatbuffers::FlatBufferBuilder sb(256);
      std::vector<flatbuffers::Offset<fb::LotQuantity>> items{fb::CreateLotQuantity(
          sb, fb::CreateLotRefDirect(sb, fb::IdScheme::LOCAL, "food", ("L" + std::to_string(i)).c_str()),
          fb::CreateQuantityDirect(sb, 10, 0, "KGM"))};
      auto ship = fb::CreateShipment(sb, sb.CreateString("S" + std::to_string(i)),
                                     sb.CreateString("p" + std::to_string(1 + rng() % (f.parties - 1))),
                                     sb.CreateVector(items));
      apply(maker, Finish(sb, "p0", t0 + 1, fb::Body::Shipment, ship.Union()));
    }
  }
  lineage.Publish();
  double build_ms = Ms(SteadyClock::now() - build_start);

  // Choose a seed whose closure reaches ~100k lots.
  auto closure = [&](LotId l) {
    LotId seeds[] = {l};
    return lineage.Forward(seeds).lots.size();
  };
  // Closures do not shrink monotonically with the position (a lot's
  // descendants can die out early), so sample: coarse over the whole log,
  // then fine around the best, keeping the lot whose closure is nearest.
  size_t target = std::min<size_t>(100'000, f.lots / 10);
  LotId seed = 0;
  size_t reach = 0;
  auto consider = [&](LotId l) {
    size_t n = closure(l);
    auto dist = [&](size_t x) { return x > target ? x - target : target - x; };
    if (reach == 0 || dist(n) < dist(reach)) {
      seed = l;
      reach = n;
    }
  };
  for (int k = 1; k <= 100; ++k) consider(static_cast<LotId>(f.lots * k / 101));
  std::uniform_int_distribution<int64_t> jitter(-static_cast<int64_t>(f.lots / 50),
                                                static_cast<int64_t>(f.lots / 50));
  LotId center = seed;
  for (int k = 0; k < 100; ++k) {
    int64_t l = std::clamp<int64_t>(center + jitter(rng), 0, static_cast<int64_t>(f.lots) - 1);
    consider(static_cast<LotId>(l));
  }
  flatbuffers::FlatBufferBuilder sb;
  std::vector<flatbuffers::Offset<fb::LotRef>> seeds{
      fb::CreateLotRefDirect(sb, fb::IdScheme::LOCAL, "food", ("L" + std::to_string(seed)).c_str())};
  sb.Finish(fb::CreateRecallSeed(sb, sb.CreateVector(seeds)));
  const fb::RecallSeed* rs = flatbuffers::GetRoot<fb::RecallSeed>(sb.GetBufferPointer());
  RecallPlan plan = Must(DefaultRecallPlan("agriculture", "1"), "plan");
  std::vector<double> times;
  RecallScope scope;
  for (int run = 0; run < 7; ++run) {
    auto s0 = SteadyClock::now();
    scope = Must(state.ComputeRecallScope(*rs, plan, index - 1), "scope");
    times.push_back(Ms(SteadyClock::now() - s0));
  }
  std::sort(times.begin(), times.end());
  double scope_ms = times[times.size() / 2];
  std::vector<PartyIdx> holders;
  for (const auto& h : scope.holdings) holders.push_back(h.party);
  std::sort(holders.begin(), holders.end());
  holders.erase(std::unique(holders.begin(), holders.end()), holders.end());

  // ---- notice phase: a real ledger -----------------------------------------------------
  char tmpl[] = "/tmp/qtrace-bench-recall-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string data = dir + "/data";
  Must(Ledger::Initialize(data, {}), "init");
  PrivateKey ladmin = Must(PrivateKey::LoadPem(DataDirLayout(data).admin_key()), "admin key");
  LedgerOptions lo_opts;
  lo_opts.data_dir = data;
  auto ledger = Must(Ledger::Open(lo_opts), "open");
  PrivateKey mk = Must(PrivateKey::Generate(), "keygen");
  auto sign = [&](const PrivateKey& k, const std::string& json) {
    return IngestItem::FromEnvelope(SignPayload(k, kRecordPayloadType, Must(RecordFromJson(json), "json")));
  };
  auto submit = [&](std::vector<IngestItem> items, const char* what) {
    for (auto& r : ledger->SubmitAndWait(std::move(items))) Must(r.status, what);
  };
  auto pub = [](const PrivateKey& k) {
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(k.public_key().raw().data()), 32));
  };
  {
    std::vector<IngestItem> items;
    items.push_back(sign(ladmin, R"({"type":"party","party":"platform-admin","event_time":"2026-05-01T00:00:00Z",
        "party_id":"maker","roles":["enterprise"],"keys":[")" + pub(mk) + R"("]})"));
    items.push_back(sign(ladmin, R"({"type":"party","party":"platform-admin","event_time":"2026-05-01T00:00:00Z",
        "party_id":"amr","roles":["regulator"],"keys":[")" + pub(ladmin.id() == mk.id() ? mk : party_keys[0]) + R"("]})"));
    std::string shared = pub(party_keys[1]);
    (void)shared;
    for (size_t p = 0; p < f.notice_parties; ++p) {
      items.push_back(sign(ladmin, R"({"type":"party","party":"platform-admin","event_time":"2026-05-01T00:00:00Z",
          "party_id":"shop)" + std::to_string(p) + R"(","roles":["enterprise"],"keys":[")" +
                                       pub(party_keys[(p + 2) % party_keys.size()]) + R"("]})"));
      if (items.size() >= 2000) submit(std::move(items), "parties"), items.clear();
    }
    submit(std::move(items), "parties");
  }
  {
    std::vector<IngestItem> items;
    items.push_back(sign(mk, R"({"type":"product","party":"maker","event_time":"2026-05-01T00:00:00Z","scheme":"local","product_id":"x","sector":"agriculture"})"));
    items.push_back(sign(mk, R"({"type":"lot","party":"maker","event_time":"2026-05-01T00:00:00Z","lot":"local:x/BIG",
        "quantity":")" + std::to_string(f.notice_parties * 10 + 10) + R"( KGM","production_time":"2026-05-01T00:00:00Z"})"));
    submit(std::move(items), "lot");
    for (size_t p = 0; p < f.notice_parties; ++p) {
      items.push_back(sign(mk, R"({"type":"shipment","party":"maker","event_time":"2026-05-02T00:00:00Z",
          "shipment_id":"D)" + std::to_string(p) + R"(","to":"shop)" + std::to_string(p) +
                                   R"(","items":[{"lot":"local:x/BIG","quantity":"10 KGM"}]})"));
      if (items.size() >= 2000) submit(std::move(items), "shipments"), items.clear();
    }
    submit(std::move(items), "shipments");
  }
  uint64_t before = ledger->LogSize();
  auto n0 = SteadyClock::now();
  std::vector<IngestItem> order;
  order.push_back(sign(party_keys[0], R"({"type":"recall","party":"amr","event_time":"2026-05-03T00:00:00Z",
      "recall_id":"RC-BENCH","sector":"agriculture","level":"1","hazard":"bench","responsible":"maker",
      "seed":{"lots":["local:x/BIG"]}})"));
  submit(std::move(order), "recall");
  double notices_ms = Ms(SteadyClock::now() - n0);
  uint64_t notices = ledger->LogSize() - before - 1;
  ledger.reset();
  std::filesystem::remove_all(dir);

  std::printf("qtrace recall benchmark\n");
  std::printf("  %-44s %zu lots, %zu parties, %llu records, built in %.1f s\n", "synthetic ledger",
              f.lots, f.parties, static_cast<unsigned long long>(index), build_ms / 1000);
  std::printf("  %-44s lot L%u reaches %zu lots\n", "seed", seed, reach);
  std::printf("  %-44s %zu lots, %zu holdings, %zu holders\n", "scope", scope.lots.size(),
              scope.holdings.size(), holders.size());
  std::printf("  %-44s median %.1f ms (min %.1f, max %.1f, 7 warm runs)\n", "scope with holders+quantities",
              scope_ms, times.front(), times.back());
  std::printf("  %-44s %llu notices in %.0f ms (one synced group)\n", "recall order -> durable notices",
              static_cast<unsigned long long>(notices), notices_ms);
  std::printf("{\"suite\":\"recall\",\"lots\":%zu,\"scope_lots\":%zu,\"scope_ms\":%.1f,\"parties\":%zu,\"notices_ms\":%.0f}\n",
              f.lots, scope.lots.size(), scope_ms, f.parties, notices_ms);
  return 0;
}
