#include "qtrace/host/plugin_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "host_services.h"
#include "qtrace/fb/plugin_generated.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "recall_plan_mapping.h"

namespace qtrace::host {

using plugin_internal::AsLookup;
using plugin_internal::CallState;
using plugin_internal::HostSink;
namespace fbp = ::qtrace::fb::plugin;

namespace {

using SteadyClock = std::chrono::steady_clock;

// Most reasons quoted in a refusal, notes kept per decision, and characters
// of plugin text quoted anywhere.
constexpr size_t kMaxReasons = 32;
constexpr size_t kMaxNotes = 16;
constexpr size_t kMaxText = 300;

// Plugin text made safe for one-line messages and logs.
std::string Printable(std::string_view s, size_t max = kMaxText) {
  std::string out;
  for (char c : s.substr(0, max)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  if (s.size() > max) out += "...";
  return out;
}
std::string_view Sv(const flatbuffers::String* s) { return s ? s->string_view() : std::string_view(); }

bool IsReasonCode(std::string_view s) {
  if (s.empty() || s.size() > 48) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

template <typename T>
const T* VerifiedRoot(const std::string& bytes) {
  if (bytes.empty() || reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) return nullptr;
  flatbuffers::Verifier::Options opts;
  opts.max_depth = 32;
  opts.max_tables = 100'000;
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), opts);
  if (!v.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(bytes.data());
}

void HostLog(const qt_host_api* self, int32_t level, qt_str message) {
  if (self == nullptr) return;
  const auto* name = static_cast<const std::string*>(self->host_data);
  std::string text = Printable(message.data ? std::string_view(message.data, message.size)
                                            : std::string_view(),
                               4096);
  auto lvl = level <= QT_LOG_DEBUG  ? spdlog::level::debug
             : level == QT_LOG_INFO ? spdlog::level::info
             : level == QT_LOG_WARN ? spdlog::level::warn
                                    : spdlog::level::err;
  spdlog::log(lvl, "plugin {}: {}", name ? *name : std::string("?"), text);
}

// The sectors a record belongs to (a handful at most), deduplicated.
class SectorSet {
 public:
  void Add(std::string_view s) {
    if (s.empty()) return;
    for (auto x : items_) {
      if (x == s) return;
    }
    items_.push_back(s);
  }
  const std::vector<std::string_view>& items() const { return items_; }

 private:
  std::vector<std::string_view> items_;
};

void AddLotSector(const LedgerState& s, const fb::LotRef* ref, SectorSet* out) {
  if (ref == nullptr || ref->product() == nullptr) return;
  std::optional<ProductIdx> product;
  if (ref->lot() != nullptr) {
    if (auto lot = s.FindLot(ref->scheme(), Sv(ref->product()), Sv(ref->lot()))) {
      product = s.lot(*lot).product;
    }
  }
  if (!product) product = s.FindProduct(ref->scheme(), Sv(ref->product()));
  if (product) out->Add(s.product(*product).sector);
}

void AddLotIdSector(const LedgerState& s, LotId lot, SectorSet* out) {
  if (lot == kNoIdx || lot >= s.lot_count()) return;
  out->Add(s.product(s.lot(lot).product).sector);
}

template <typename V>
void AddItemSectors(const LedgerState& s, const V* items, SectorSet* out) {
  if (items == nullptr) return;
  for (const fb::LotQuantity* it : *items) {
    if (it == nullptr) continue;
    AddLotSector(s, it->lot(), out);
    if (it->serials() != nullptr) {
      for (const flatbuffers::String* serial : *it->serials()) {
        if (const SerialInfo* si = s.FindSerial(Sv(serial))) AddLotIdSector(s, si->lot, out);
      }
    }
  }
}

// See the routing table in plugin_registry.h.
void CollectSectors(const fb::Record& r, const RecordContext& ctx, const LedgerState& s,
                    SectorSet* out) {
  const PartyIdx signer = ctx.key ? ctx.key->party : kNoIdx;
  switch (r.body_type()) {
    case fb::Body::ProductRegistration:
      out->Add(Sv(r.body_as_ProductRegistration()->sector()));
      break;
    case fb::Body::LotRegistration:
      AddLotSector(s, r.body_as_LotRegistration()->lot(), out);
      break;
    case fb::Body::UnitRegistration:
      out->Add(Sv(r.body_as_UnitRegistration()->sector()));
      break;
    case fb::Body::UnitEvent: {
      const fb::UnitEvent* e = r.body_as_UnitEvent();
      std::optional<UnitIdx> unit;
      if (signer != kNoIdx && e->unit() != nullptr) unit = s.FindUnit(signer, Sv(e->unit()));
      if (unit && !s.unit(*unit).sector.empty()) {
        out->Add(s.unit(*unit).sector);
      } else {
        AddLotSector(s, e->input(), out);
      }
      break;
    }
    case fb::Body::Aggregation: {
      const fb::Aggregation* a = r.body_as_Aggregation();
      AddItemSectors(s, a->child_lots(), out);
      if (a->children() != nullptr) {
        for (const flatbuffers::String* c : *a->children()) {
          if (const SerialInfo* si = s.FindSerial(Sv(c))) AddLotIdSector(s, si->lot, out);
        }
      }
      break;
    }
    case fb::Body::Shipment:
      AddItemSectors(s, r.body_as_Shipment()->items(), out);
      break;
    case fb::Body::Receipt: {
      const fb::Receipt* rc = r.body_as_Receipt();
      AddItemSectors(s, rc->items(), out);
      if (out->items().empty() && rc->from() != nullptr && rc->shipment_id() != nullptr) {
        if (auto from = s.FindParty(Sv(rc->from()))) {
          if (const ShipmentInfo* sh = s.FindShipment(*from, Sv(rc->shipment_id()))) {
            for (const auto& item : sh->items) AddLotIdSector(s, item.lot, out);
          }
        }
      }
      break;
    }
    case fb::Body::Disposition:
      AddItemSectors(s, r.body_as_Disposition()->items(), out);
      break;
    case fb::Body::Adjustment:
      AddLotSector(s, r.body_as_Adjustment()->lot(), out);
      break;
    case fb::Body::LotStatusChange:
      AddLotSector(s, r.body_as_LotStatusChange()->lot(), out);
      break;
    case fb::Body::Inspection:
      AddLotSector(s, r.body_as_Inspection()->lot(), out);
      break;
    case fb::Body::Certificate: {
      const fb::Certificate* c = r.body_as_Certificate();
      if (c->subject_lot() != nullptr && c->subject_lot()->product() != nullptr) {
        AddLotSector(s, c->subject_lot(), out);
      } else if (c->subject_product() != nullptr && c->subject_product()->size() > 0) {
        if (auto p = s.FindProduct(c->subject_product_scheme(), Sv(c->subject_product()))) {
          out->Add(s.product(*p).sector);
        }
      }
      break;
    }
    case fb::Body::CertificateStatusChange: {
      const CertInfo* c = s.FindCertificate(Sv(r.body_as_CertificateStatusChange()->cert_id()));
      if (c == nullptr) break;
      if (c->subject_lot != kNoIdx) {
        AddLotIdSector(s, c->subject_lot, out);
      } else if (c->subject_product != kNoIdx && c->subject_product < s.product_count()) {
        out->Add(s.product(c->subject_product).sector);
      }
      break;
    }
    case fb::Body::RuleParameters:
      out->Add(Sv(r.body_as_RuleParameters()->sector()));
      break;
    case fb::Body::RecallOrder:
      out->Add(Sv(r.body_as_RecallOrder()->sector()));
      break;
    default:
      break;  // parties, keys, error declarations, recall workflow: no sector
  }
}

std::vector<std::string> CapabilityNames(uint64_t caps) {
  std::vector<std::string> out;
  if (caps & QT_CAP_CHECK_RECORD) out.push_back("check_record");
  if (caps & QT_CAP_CHECK_CERTIFICATION) out.push_back("check_certification");
  if (caps & QT_CAP_PLAN_RECALL) out.push_back("plan_recall");
  if (caps & QT_CAP_REENTRANT) out.push_back("reentrant");
  return out;
}

}  // namespace

// One loaded plugin and its instance. Heap-allocated and never moved: the
// plugin keeps a pointer to `api` for the instance's life.
struct PluginRegistry::Loaded {
  std::unique_ptr<PluginLibrary> lib;
  std::string name;   // for the log callback (api.host_data)
  qt_host_api api{};  // OWNERSHIP: this object; handed to the plugin
  void* instance = nullptr;  // OWNERSHIP: the plugin; released by destroy()
  std::string description;   // verified Description bytes
  size_t attributes = 0, rules = 0;
  decltype(qt_plugin_descriptor::check_record) check_record = nullptr;
  decltype(qt_plugin_descriptor::check_certification) check_certification = nullptr;
  decltype(qt_plugin_descriptor::plan_recall) plan_recall = nullptr;
  std::atomic<uint64_t> calls{0}, rejected{0}, failed{0}, nanos{0};

  ~Loaded() {
    if (instance != nullptr && lib) lib->descriptor().destroy(instance);
    // `lib` is destroyed after this body: the code outlives the instance.
  }
};

PluginRegistry::PluginRegistry(const PluginRegistryOptions& options)
    : options_(options),
      cache_(std::make_unique<plugin_internal::LotRecordCache>(options.lot_cache_records)) {}

PluginRegistry::~PluginRegistry() = default;

std::unique_ptr<PluginRegistry> PluginRegistry::CreateEmpty(const PluginRegistryOptions& options) {
  return std::unique_ptr<PluginRegistry>(new PluginRegistry(options));
}

StatusOr<std::unique_ptr<PluginRegistry>> PluginRegistry::Open(
    const PluginRegistryOptions& options) {
  auto registry = CreateEmpty(options);
  namespace fs = std::filesystem;
  std::error_code ec;
  if (options.plugin_dir.empty() || !fs::is_directory(options.plugin_dir, ec)) {
    return FailedPrecondition("plugin directory '" + options.plugin_dir + "' does not exist",
                              "plugin_refused");
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(options.plugin_dir, ec)) {
    if (e.path().extension() == ".so" && e.is_regular_file(ec)) files.push_back(e.path().string());
  }
  if (ec) {
    return FailedPrecondition("plugin directory '" + options.plugin_dir +
                                  "' cannot be listed: " + ec.message(),
                              "plugin_refused");
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) QT_RETURN_IF_ERROR(registry->Add(f));
  return registry;
}

Status PluginRegistry::Add(const std::string& path) {
  if (!options_.allowlist_file.empty() && !allowlist_) {
    QT_ASSIGN_OR_RETURN(PluginAllowlist list, PluginAllowlist::LoadFile(options_.allowlist_file));
    allowlist_ = std::make_unique<PluginAllowlist>(std::move(list));
  }
  PluginLoadOptions lo = options_.load;
  lo.allowlist = allowlist_.get();
  QT_ASSIGN_OR_RETURN(std::unique_ptr<PluginLibrary> lib, PluginLibrary::Load(path, lo));

  for (const auto& p : plugins_) {
    if (p->lib->name() == lib->name()) {
      return FailedPrecondition("plugin " + path + ": name: '" + lib->name() +
                                    "' is already loaded from " + p->lib->path(),
                                "plugin_refused");
    }
  }
  for (const auto& s : lib->sectors()) {
    if (const PluginLibrary* owner = FindBySector(s)) {
      return FailedPrecondition("plugin " + path + ": sectors: sector '" + s +
                                    "' is already owned by plugin " + owner->name() + " (" +
                                    owner->path() + ")",
                                "plugin_refused");
    }
  }

  auto p = std::make_unique<Loaded>();
  p->name = lib->name();
  p->api.struct_size = sizeof(qt_host_api);
  p->api.abi_major = QT_PLUGIN_ABI_MAJOR;
  p->api.abi_minor = QT_PLUGIN_ABI_MINOR;
  p->api.host_version = kHostVersion.data();
  p->api.host_data = &p->name;
  p->api.log = &HostLog;
  plugin_internal::FillLookupServices(&p->api);
  const qt_plugin_descriptor& d = lib->descriptor();
  p->check_record = d.check_record;
  p->check_certification = (d.capabilities & QT_CAP_CHECK_CERTIFICATION)
                               ? lib->Function(offsetof(qt_plugin_descriptor, check_certification),
                                               &qt_plugin_descriptor::check_certification)
                               : nullptr;
  p->plan_recall = (d.capabilities & QT_CAP_PLAN_RECALL)
                       ? lib->Function(offsetof(qt_plugin_descriptor, plan_recall),
                                       &qt_plugin_descriptor::plan_recall)
                       : nullptr;

  // The instance.
  HostSink err(64 * 1024);
  void* instance = nullptr;
  qt_bytes config{reinterpret_cast<const uint8_t*>(options_.plugin_config.data()),
                  options_.plugin_config.size()};
  qt_status rc = d.create(&p->api, config, &instance, &err);
  if (rc != QT_OK) {
    if (instance != nullptr) d.destroy(instance);
    return FailedPrecondition("plugin " + path + ": create: failed (status " + std::to_string(rc) +
                                  ")" + (err.bytes.empty() ? "" : ": " + Printable(err.bytes)),
                              "plugin_refused");
  }
  p->lib = std::move(lib);
  p->instance = instance;

  // Its description must verify (it documents the sector's attributes).
  HostSink desc(options_.max_result_bytes);
  rc = d.describe(p->instance, &desc);
  if (rc != QT_OK) {
    return FailedPrecondition("plugin " + path + ": describe: failed (status " +
                                  std::to_string(rc) + ")" +
                                  (desc.bytes.empty() ? "" : ": " + Printable(desc.bytes)),
                              "plugin_refused");
  }
  const fbp::Description* description = VerifiedRoot<fbp::Description>(desc.bytes);
  if (description == nullptr) {
    return FailedPrecondition("plugin " + path + ": describe: returned a malformed Description (" +
                                  std::to_string(desc.bytes.size()) +
                                  " bytes that do not verify)",
                              "plugin_refused");
  }
  p->attributes = description->attributes() ? description->attributes()->size() : 0;
  p->rules = description->rules() ? description->rules()->size() : 0;
  p->description = std::move(desc.bytes);
  std::string sector_list;
  for (const auto& s : p->lib->sectors()) sector_list += (sector_list.empty() ? "" : ",") + s;
  spdlog::info("loaded plugin {} {} (rule set {}, ABI {}, sectors {}) from {} sha256 {}",
               p->lib->name(), p->lib->version(), p->lib->rule_set(), p->lib->abi(), sector_list,
               path, p->lib->sha256());
  plugins_.push_back(std::move(p));
  return Status::Ok();
}

void PluginRegistry::SetEntryLoader(EntryLoader loader) { loader_ = std::move(loader); }

const PluginLibrary* PluginRegistry::FindBySector(std::string_view sector) const {
  for (const auto& p : plugins_) {
    for (const auto& s : p->lib->sectors()) {
      if (s == sector) return p->lib.get();
    }
  }
  return nullptr;
}

// ---- checks ---------------------------------------------------------------------------

// What the calls on one record found: refusal details, notes.
struct PluginRegistry::CheckOutcome {
  std::vector<std::string> details;
  std::string first_code, first_message;
  std::vector<std::string> notes;
};

Status PluginRegistry::Check(const fb::Record& record, const RecordContext& ctx,
                             const LedgerState& state, std::vector<DecisionData>* decisions) {
  const fb::Body type = record.body_type();
  // Every lot registration is kept: later lookups of the lot read its
  // attributes from here (a refused record's index is overwritten by the
  // next record that gets it).
  if (type == fb::Body::LotRegistration && !ctx.payload.empty()) cache_->Put(ctx.index, ctx.payload);

  SectorSet sectors;
  CollectSectors(record, ctx, state, &sectors);
  if (sectors.items().empty()) return Status::Ok();

  std::vector<Loaded*> owners;
  std::vector<std::string> missing;
  for (std::string_view s : sectors.items()) {
    Loaded* owner = nullptr;
    for (const auto& p : plugins_) {
      for (const auto& ps : p->lib->sectors()) {
        if (ps == s) owner = p.get();
      }
    }
    if (owner == nullptr) missing.push_back(std::string(s));
    owners.push_back(owner);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "'" : ", '") + Printable(m, 64) + "'";
    std::vector<std::string> details;
    for (const auto& m : missing) details.push_back("no plugin is loaded for sector '" + Printable(m, 64) + "'");
    return Status(StatusCode::kFailedPrecondition,
                  "no plugin is loaded for sector " + list + " (this host enforces sector rules)",
                  "no_plugin_for_sector", std::move(details));
  }
  if (ctx.payload.empty()) {
    return Internal("the ledger passed no record bytes to the plugin registry", "plugin_failed");
  }

  CheckOutcome out;
  bool called = false;
  std::vector<DecisionData> made;
  for (size_t i = 0; i < owners.size(); ++i) {
    Loaded& p = *owners[i];
    if (!p.lib->Handles(static_cast<uint8_t>(type))) continue;
    called = true;
    std::string_view sector = sectors.items()[i];
    const ParamSet* params = state.CurrentParams(sector);
    std::string param_set = params ? params->set_id : std::string();
    size_t reasons_before = out.details.size();
    size_t notes_before = out.notes.size();
    Status s = CallCheck(p, false, sector, param_set, record, ctx, state, &out);
    if (s.ok() && out.details.size() == reasons_before && p.check_certification != nullptr) {
      s = CallCheck(p, true, sector, param_set, record, ctx, state, &out);
    }
    if (!s.ok()) {
      records_.fetch_add(1, std::memory_order_relaxed);
      return s;
    }
    if (out.details.size() == reasons_before) {
      DecisionData d;
      d.engine = p.lib->name();
      d.version = p.lib->version();
      d.rule_set = p.lib->rule_set();
      d.param_set = param_set;
      d.verdict = "accept";
      for (size_t n = notes_before; n < out.notes.size() && d.notes.size() < kMaxNotes; ++n) {
        d.notes.push_back(std::move(out.notes[n]));
      }
      made.push_back(std::move(d));
    }
  }
  if (called) records_.fetch_add(1, std::memory_order_relaxed);
  if (!out.details.empty()) {
    std::string message = out.first_message;
    if (out.details.size() > 1) {
      message += " (and " + std::to_string(out.details.size() - 1) + " more)";
    }
    return Status(StatusCode::kFailedPrecondition, std::move(message),
                  out.first_code.empty() ? "plugin_rule" : out.first_code,
                  std::move(out.details));
  }
  for (auto& d : made) decisions->push_back(std::move(d));
  return Status::Ok();
}

Status PluginRegistry::CallCheck(Loaded& p, bool certification, std::string_view sector,
                                 const std::string& param_set, const fb::Record& record,
                                 const RecordContext& ctx, const LedgerState& state,
                                 CheckOutcome* out) {
  const char* fn_name = certification ? "check_certification" : "check_record";
  auto fn = certification ? p.check_certification : p.check_record;
  CallState call;
  call.state = &state;
  call.record = &record;
  call.ctx = &ctx;
  call.cache = cache_.get();
  call.loader = &loader_;
  std::string_view signer = ctx.key ? std::string_view(ctx.key->party_id)
                                    : (record.header() ? Sv(record.header()->party())
                                                       : std::string_view());
  qt_check_input in{};
  in.struct_size = sizeof(qt_check_input);
  in.payload_type = qt_str{kRecordPayloadType.data(), kRecordPayloadType.size()};
  in.record = qt_bytes{reinterpret_cast<const uint8_t*>(ctx.payload.data()), ctx.payload.size()};
  in.log_index = ctx.index;
  in.record_time = ctx.record_time;
  in.record_id = ctx.record_id.data();
  in.signer = qt_str{signer.data(), signer.size()};
  in.sector = qt_str{sector.data(), sector.size()};
  in.param_set = qt_str{param_set.data(), param_set.size()};
  in.lookup = AsLookup(&call);
  HostSink sink(options_.max_result_bytes);

  auto t0 = SteadyClock::now();
  qt_status rc = fn(p.instance, &in, &sink);
  const fbp::CheckResult* result = rc == QT_OK ? VerifiedRoot<fbp::CheckResult>(sink.bytes) : nullptr;
  bool valid = result != nullptr && (result->verdict() == fbp::Verdict::ACCEPT ||
                                     result->verdict() == fbp::Verdict::REJECT);
  auto nanos = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - t0).count());
  p.calls.fetch_add(1, std::memory_order_relaxed);
  p.nanos.fetch_add(nanos, std::memory_order_relaxed);
  nanos_.fetch_add(nanos, std::memory_order_relaxed);

  const std::string what = std::string(BodyTypeName(record.body_type())) + " record";
  if (rc != QT_OK) {
    p.failed.fetch_add(1, std::memory_order_relaxed);
    std::string why = sink.refused ? "its result exceeded " +
                                         std::to_string(options_.max_result_bytes) + " bytes"
                      : sink.bytes.empty() ? "no message"
                                           : Printable(sink.bytes);
    return Internal("plugin " + p.lib->name() + " " + p.lib->version() + " failed in " + fn_name +
                        " on this " + what + " (status " + std::to_string(rc) + "): " + why,
                    "plugin_failed");
  }
  if (!valid) {
    p.failed.fetch_add(1, std::memory_order_relaxed);
    return Internal("plugin " + p.lib->name() + " " + p.lib->version() + " returned a malformed " +
                        "CheckResult from " + fn_name + " on this " + what + " (" +
                        std::to_string(sink.bytes.size()) + " bytes that do not verify)",
                    "plugin_failed");
  }
  if (result->verdict() == fbp::Verdict::REJECT) {
    p.rejected.fetch_add(1, std::memory_order_relaxed);
    auto add = [&](std::string_view rule, std::string_view code, std::string_view field,
                   std::string_view message) {
      std::string line = p.lib->name();
      if (!rule.empty()) line += " " + Printable(rule, 64);
      if (!field.empty()) line += " " + Printable(field, 128);
      line += ": " + Printable(message);
      if (out->details.empty()) {
        out->first_message = p.lib->name() + ": " + Printable(message);
        out->first_code = IsReasonCode(code) ? std::string(code) : "plugin_rule";
      }
      if (out->details.size() < kMaxReasons) out->details.push_back(std::move(line));
    };
    if (result->reasons() == nullptr || result->reasons()->size() == 0) {
      add("", "plugin_rule", "", "rejected the " + what + " without giving a reason");
    } else {
      for (const fbp::Reason* r : *result->reasons()) {
        add(Sv(r->rule()), Sv(r->code()), Sv(r->field()), Sv(r->message()));
      }
    }
    return Status::Ok();
  }
  if (result->notes() != nullptr) {
    for (const flatbuffers::String* n : *result->notes()) {
      if (out->notes.size() >= kMaxNotes * 4) break;
      out->notes.push_back(Printable(Sv(n), 512));
    }
  }
  return Status::Ok();
}

// ---- recalls ----------------------------------------------------------------------------

StatusOr<std::string> PluginRegistry::PlanRecallBytes(std::string_view sector,
                                                      std::string_view request,
                                                      const LedgerState& state) {
  Loaded* owner = nullptr;
  for (const auto& p : plugins_) {
    for (const auto& s : p->lib->sectors()) {
      if (s == sector) owner = p.get();
    }
  }
  if (owner == nullptr || owner->plan_recall == nullptr) {
    return NotFound("no plugin plans recalls of sector '" + Printable(sector, 64) + "'",
                    "no_recall_planner");
  }
  const ParamSet* params = state.CurrentParams(sector);
  std::string param_set = params ? params->set_id : std::string();
  CallState call;
  call.state = &state;
  call.cache = cache_.get();
  call.loader = &loader_;
  qt_recall_input in{};
  in.struct_size = sizeof(qt_recall_input);
  in.request = qt_bytes{reinterpret_cast<const uint8_t*>(request.data()), request.size()};
  in.sector = qt_str{sector.data(), sector.size()};
  in.param_set = qt_str{param_set.data(), param_set.size()};
  in.lookup = AsLookup(&call);
  HostSink sink(options_.max_result_bytes);
  qt_status rc = owner->plan_recall(owner->instance, &in, &sink);
  if (rc != QT_OK) {
    owner->failed.fetch_add(1, std::memory_order_relaxed);
    return Internal("plugin " + owner->lib->name() + " failed in plan_recall (status " +
                        std::to_string(rc) + "): " + Printable(sink.bytes),
                    "plugin_failed");
  }
  if (VerifiedRoot<fbp::RecallPlan>(sink.bytes) == nullptr) {
    owner->failed.fetch_add(1, std::memory_order_relaxed);
    return Internal("plugin " + owner->lib->name() + " returned a malformed RecallPlan (" +
                        std::to_string(sink.bytes.size()) + " bytes that do not verify)",
                    "plugin_failed");
  }
  return std::move(sink.bytes);
}

StatusOr<RecallPlan> PluginRegistry::PlanRecall(const fb::RecallOrder& order,
                                                const LedgerState& state) {
  std::string_view sector = Sv(order.sector());
  const PluginLibrary* lib = FindBySector(sector);
  if (lib == nullptr || !(lib->capabilities() & QT_CAP_PLAN_RECALL)) {
    return NotFound("no plugin plans recalls of sector '" + Printable(sector, 64) + "'",
                    "no_recall_planner");
  }
  std::string request = plugin_internal::RecallRequestOf(order);
  QT_ASSIGN_OR_RETURN(std::string bytes, PlanRecallBytes(sector, request, state));
  return plugin_internal::ToHostRecallPlan(
      *flatbuffers::GetRoot<fbp::RecallPlan>(bytes.data()), lib->name(), lib->rule_set());
}

// ---- listing ------------------------------------------------------------------------------

StatusOr<std::string> PluginRegistry::Description(std::string_view plugin) const {
  for (const auto& p : plugins_) {
    if (p->lib->name() == plugin) return p->description;
  }
  return NotFound("no plugin " + Printable(plugin, 64), "unknown_plugin");
}

std::vector<PluginSummary> PluginRegistry::List() const {
  std::vector<PluginSummary> out;
  for (const auto& p : plugins_) {
    const PluginLibrary& l = *p->lib;
    PluginSummary s;
    s.name = l.name();
    s.version = l.version();
    s.rule_set = l.rule_set();
    s.min_host_version = l.min_host_version();
    s.abi = l.abi();
    s.capabilities = CapabilityNames(l.capabilities());
    s.sectors = l.sectors();
    s.payload_types = l.payload_types();
    for (uint8_t t : l.body_types()) {
      s.record_types.push_back(std::string(BodyTypeName(static_cast<fb::Body>(t))));
    }
    s.file = l.path();
    s.sha256 = l.sha256();
    s.attributes = p->attributes;
    s.rules = p->rules;
    s.calls = p->calls.load(std::memory_order_relaxed);
    s.rejected = p->rejected.load(std::memory_order_relaxed);
    s.failed = p->failed.load(std::memory_order_relaxed);
    out.push_back(std::move(s));
  }
  return out;
}

PluginRegistry::Stats PluginRegistry::GetStats() const {
  Stats s;
  s.records = records_.load(std::memory_order_relaxed);
  s.nanos = nanos_.load(std::memory_order_relaxed);
  for (const auto& p : plugins_) {
    s.calls += p->calls.load(std::memory_order_relaxed);
    s.rejected += p->rejected.load(std::memory_order_relaxed);
    s.failed += p->failed.load(std::memory_order_relaxed);
  }
  return s;
}

}  // namespace qtrace::host
