// PluginRegistry: the loaded sector plugins, as the ledger's RecordPolicy.
//
// Open() loads every `*.so` in the plugin directory (in name order) with
// PluginLibrary, refuses a second plugin with a name or sector already
// taken, creates one instance per plugin (create) and verifies its
// Description (describe). Any failure fails Open() with an error naming the
// file and the field, so qtraced does not start with a plugin it cannot
// trust.
//
// Check() (called by the sequencer for every record but genesis) routes the
// record to the plugins of its sectors:
//   ProductRegistration       its sector
//   LotRegistration           its product's sector
//   UnitRegistration          its sector, if set
//   UnitEvent                 the unit's sector, else the applied lot's
//   Shipment, Receipt, Disposition, Adjustment, LotStatusChange,
//   Aggregation, Inspection   the sectors of the lots involved
//   Certificate, CertificateStatusChange  the subject lot's or product's sector
//   RuleParameters, RecallOrder           their sector
//   Party, key and error records, other recall records: no sector, no call.
// A record of a sector no plugin owns is refused (422, reason
// no_plugin_for_sector). A plugin is called (check_record, then
// check_certification when it has that capability) only for the body types
// its descriptor lists. Lots or products that do not resolve are skipped:
// the core rules refuse such records with the precise reason.
//
// Every buffer a plugin returns is copied out of a host-owned sink and run
// through the flatbuffers Verifier. A plugin that reports a failure, throws
// (caught by plugin.h), overflows the sink or returns bytes that do not
// verify makes that record fail with an Internal status (the ledger refuses
// it with reason plugin_failed); the host state is untouched because plugins
// run before the core rules apply the record. A rejection is
// FailedPrecondition with every reason in details. Each accepted call adds a
// decision {plugin, version, rule_set, parameter set, notes}.
//
// Lookups the plugins make are answered from the LedgerState the sequencer
// passes in. Lot attributes, certificate refs, inputs and units are not
// kept in LedgerState: they come from the lot's registering record, which
// the registry keeps in a bounded LRU cache (every lot registration it sees
// is cached by log index) and otherwise reads through the EntryLoader.
//
// Thread-safety: Open() and Add() before the registry is shared; then
// Check() and PlanRecall() may be called from any thread (the ledger calls
// them from its sequencer), List() and GetStats() from any thread.
#ifndef QTRACE_HOST_PLUGIN_REGISTRY_H_
#define QTRACE_HOST_PLUGIN_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/host/plugin_library.h"
#include "qtrace/host/record_policy.h"
#include "qtrace/host/state.h"
#include "qtrace/status.h"

namespace qtrace::host {

namespace plugin_internal {
class LotRecordCache;
}

struct PluginRegistryOptions {
  // Directory of plugin files (*.so). Required for Open().
  std::string plugin_dir;
  // Optional SHA-256 allow-list file (see PluginAllowlist). Default: none.
  std::string allowlist_file;
  // Versions and unloading, passed to PluginLibrary::Load.
  PluginLoadOptions load;
  // Configuration handed to every plugin's create() (JSON text). Default: "".
  std::string plugin_config;
  // Lots' registering records kept in memory for lookups. Must exceed the
  // ledger's max_group_records (records of the group being sequenced are
  // not readable from the store yet). Default: 16384.
  size_t lot_cache_records = 16384;
  // Largest buffer a plugin may write into one sink. Default: 1 MiB.
  size_t max_result_bytes = 1u << 20;
};

// What GET /v1/plugins shows about one plugin.
struct PluginSummary {
  std::string name, version, rule_set, min_host_version, abi;
  std::vector<std::string> capabilities;  // check_record, check_certification, ...
  std::vector<std::string> sectors, payload_types, record_types;
  std::string file, sha256;
  size_t attributes = 0, rules = 0;  // from its Description
  uint64_t calls = 0, rejected = 0, failed = 0;
};

class PluginRegistry final : public RecordPolicy {
 public:
  // Loads every plugin in options.plugin_dir (see the file comment).
  static StatusOr<std::unique_ptr<PluginRegistry>> Open(const PluginRegistryOptions& options);
  // A registry with no plugins yet (every sector record is refused until a
  // plugin for it is added).
  static std::unique_ptr<PluginRegistry> CreateEmpty(const PluginRegistryOptions& options);
  ~PluginRegistry() override;

  // Loads one plugin file (same checks as Open, including uniqueness).
  Status Add(const std::string& path);

  // Lets lookups read lots registered before this process started (or
  // evicted from the cache): `loader` returns the LogEntry bytes at a log
  // index. Call before records are submitted. Without it such lots answer
  // with record_available = false.
  void SetEntryLoader(EntryLoader loader);

  // RecordPolicy.
  Status Check(const fb::Record& record, const RecordContext& ctx, const LedgerState& state,
               std::vector<DecisionData>* decisions) override;
  // The plan of the order's sector plugin, mapped to the host's RecallPlan;
  // NotFound when no plugin of the sector plans recalls (the host then uses
  // its built-in table); Internal when the plugin fails or returns garbage.
  StatusOr<RecallPlan> PlanRecall(const fb::RecallOrder& order,
                                  const LedgerState& state) override;

  // The verified plugin.fbs RecallPlan bytes for a RecallRequest flatbuffer
  // (8-byte aligned) of `sector`. NotFound as above.
  StatusOr<std::string> PlanRecallBytes(std::string_view sector, std::string_view request,
                                        const LedgerState& state);
  // The verified plugin.fbs Description bytes of a plugin (NotFound).
  StatusOr<std::string> Description(std::string_view plugin) const;

  std::vector<PluginSummary> List() const;
  size_t size() const { return plugins_.size(); }
  // The plugin owning `sector`, or nullptr.
  const PluginLibrary* FindBySector(std::string_view sector) const;

  // Counters since start (relaxed; for metrics and the ingest benchmark).
  struct Stats {
    uint64_t records = 0;  // records that reached at least one plugin call
    uint64_t calls = 0;    // plugin calls (check_record + check_certification)
    uint64_t rejected = 0, failed = 0;
    uint64_t nanos = 0;    // time in plugin calls incl. verifying their results
  };
  Stats GetStats() const;

 private:
  struct Loaded;
  struct CheckOutcome;
  explicit PluginRegistry(const PluginRegistryOptions& options);

  // Runs one check function of `p` for `sector`; adds its reasons or notes
  // to `out`; returns a non-OK status only when the plugin failed.
  Status CallCheck(Loaded& p, bool certification, std::string_view sector,
                   const std::string& param_set, const fb::Record& record,
                   const RecordContext& ctx, const LedgerState& state, CheckOutcome* out);

  PluginRegistryOptions options_;
  std::unique_ptr<PluginAllowlist> allowlist_;
  std::vector<std::unique_ptr<Loaded>> plugins_;
  std::unique_ptr<plugin_internal::LotRecordCache> cache_;
  EntryLoader loader_;
  std::atomic<uint64_t> records_{0}, nanos_{0};
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_PLUGIN_REGISTRY_H_
