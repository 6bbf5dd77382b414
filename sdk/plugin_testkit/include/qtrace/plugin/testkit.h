// The plugin test kit: run a plugin's checks on hand-made records and state,
// in a unit test, without a daemon or a store.
//
//   auto plugin = qtrace::plugin_testkit::PluginUnderTest::Load(LEAF_SPRINGS_SO);
//   ASSERT_TRUE(plugin.ok()) << plugin.status().ToString();
//   auto& p = **plugin;
//   p.state().Apply("platform-admin", R"({"type":"party","party_id":"spring-co",
//                                          "roles":["enterprise"]})");
//   p.state().Apply("spring-co", R"({"type":"product","scheme":"local",
//                                     "product_id":"spring","sector":"leaf_springs"})");
//   auto r = p.Check("spring-co", R"({"type":"lot","lot":"local:spring/L1",
//                                     "quantity":"10 H87", ...})");
//   EXPECT_FALSE(r.accepted);
//   EXPECT_TRUE(r.RejectedFor("load_test_report_missing")) << r.ToString();
//
// Records are written in the JSON of qtrace/record_json.h (the same the CLI
// and the daemon's tests use); "party" and "event_time" are filled in when
// absent. The plugin is loaded the way qtraced loads it (dlopen of the built
// .so; the descriptor checked for ABI version and required functions) or
// taken from a descriptor linked into the test. Host services answer from a
// FakeState: a plain record of facts built by Apply()ing records, with none
// of the core ledger's rules (so a test can set up any situation).
// Everything the plugin returns is run through the flatbuffers Verifier, as
// the host does.
//
// Thread-safety: none; one PluginUnderTest per test.
#ifndef QTRACE_PLUGIN_TESTKIT_H_
#define QTRACE_PLUGIN_TESTKIT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/plugin/abi.h"
#include "qtrace/status.h"

namespace qtrace::plugin_testkit {

// Hand-made ledger state for the host-service lookups.
class FakeState {
 public:
  FakeState();
  ~FakeState();
  FakeState(const FakeState&) = delete;
  FakeState& operator=(const FakeState&) = delete;

  // Records the facts a record states, as if `party` had signed it and the
  // ledger had accepted it at the next log index: party, product, unit,
  // unit_event, lot, shipment, receipt, disposition, lot_status,
  // certificate, certificate_status, inspection, rule_parameters. Other
  // types are ignored. InvalidArgument when the JSON is not a record;
  // NotFound when it names something the fake does not know.
  Status Apply(const std::string& party, std::string_view record_json);

  // Event time used when a record's JSON has none.
  std::string default_time = "2026-06-01T08:00:00+08:00";

  struct Rep;
  Rep& rep() { return *rep_; }
  const Rep& rep() const { return *rep_; }

 private:
  std::unique_ptr<Rep> rep_;
};

struct CheckOptions {
  // The signing party. Default: the record's header.party.
  std::string signer;
  // The sector the call is for. Default: derived from the record and the
  // fake state as the host does, else the plugin's first sector.
  std::string sector;
  // The host's record_time (micros). Default: the record's event time.
  int64_t record_time = 0;
  // The log index the record would get. Default: the fake state's next.
  std::optional<uint64_t> log_index;
};

struct Reason {
  std::string rule, code, field, message;
};

// What one check call gave.
struct CheckOutcome {
  qt_status status = QT_OK;  // the call's status
  bool verified = false;     // the result verified as a plugin.fbs CheckResult
  bool accepted = false;
  std::vector<Reason> reasons;
  std::vector<std::string> notes;
  std::string error;  // the plugin's error text, or why the result did not verify

  // The call worked and its result verified (whatever the verdict).
  bool ok() const { return status == QT_OK && verified; }
  bool RejectedFor(std::string_view code) const;
  std::string ToString() const;
};

// The fields of a recall the plugin is asked to plan (plugin.fbs RecallRequest).
struct RecallRequestData {
  std::string recall_id = "R-TEST";
  std::string sector;  // default: the plugin's first sector
  std::string level;
  std::string hazard, reason;
  fb::plugin::CustodyDepth depth = fb::plugin::CustodyDepth::CONSUMER;
  bool public_notice = false;
  int64_t risk_known_at = 0, ordered_at = 0;
  bool regulator_ordered = true;
  uint32_t seed_lots = 1, seed_serials = 0, seed_input_lots = 0, seed_product_windows = 0,
           seed_unit_windows = 0;
};

class PluginUnderTest {
 public:
  // dlopens a built plugin (RTLD_NOW | RTLD_LOCAL), checks its descriptor
  // like qtraced (struct size, ABI, required functions), creates an
  // instance with `config` and verifies its Description. The library is
  // unloaded when the object dies.
  static StatusOr<std::unique_ptr<PluginUnderTest>> Load(const std::string& path,
                                                         std::string config = {});
  // The same for a plugin linked into the test binary: pass its entry
  // function (`qtrace_plugin_entry`).
  static StatusOr<std::unique_ptr<PluginUnderTest>> FromEntry(qt_plugin_entry_fn entry,
                                                              std::string config = {});
  ~PluginUnderTest();
  PluginUnderTest(const PluginUnderTest&) = delete;
  PluginUnderTest& operator=(const PluginUnderTest&) = delete;

  const qt_plugin_descriptor& descriptor() const { return *descriptor_; }
  FakeState& state() { return state_; }

  // Runs check_record on a record stated by `party` (JSON as in Apply).
  CheckOutcome Check(const std::string& party, std::string_view record_json,
                     const CheckOptions& options = {});
  // Runs check_certification (FailedPrecondition-like outcome with
  // status QT_ERR_UNSUPPORTED when the plugin has none).
  CheckOutcome CheckCertification(const std::string& party, std::string_view record_json,
                                  const CheckOptions& options = {});
  // Runs check_record on exact Record payload bytes.
  CheckOutcome CheckPayload(std::string payload, const CheckOptions& options = {});
  // Checks the record and, when accepted, applies it to the state (so a
  // test can build a chain record by record through the plugin).
  CheckOutcome CheckAndApply(const std::string& party, std::string_view record_json,
                             const CheckOptions& options = {});

  // The verified Description bytes (read with flatbuffers::GetRoot<
  // fb::plugin::Description>).
  const std::string& description() const { return description_; }
  const fb::plugin::Description& Description() const;

  // Runs plan_recall; the verified RecallPlan bytes, or the failure.
  StatusOr<std::string> PlanRecall(const RecallRequestData& request);

  // Lines the plugin logged ("info: text").
  const std::vector<std::string>& log() const;

 private:
  PluginUnderTest();
  Status Init(const qt_plugin_descriptor* d, std::string config);
  CheckOutcome Run(bool certification, std::string payload, const CheckOptions& options);
  StatusOr<std::string> Build(const std::string& party, std::string_view record_json) const;

  struct Host;
  std::unique_ptr<Host> host_;
  void* dl_ = nullptr;  // dlopen handle, when loaded from a file
  const qt_plugin_descriptor* descriptor_ = nullptr;  // OWNERSHIP: the plugin (static)
  void* instance_ = nullptr;                          // OWNERSHIP: the plugin; destroy()
  FakeState state_;
  std::string description_;
};

}  // namespace qtrace::plugin_testkit

#endif  // QTRACE_PLUGIN_TESTKIT_H_
