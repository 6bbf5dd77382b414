// LedgerState: the derived state of the log, in memory — parties and their
// keys, products, production units, lots with per-party balances and
// custody history, shipments, serial numbers and record ids. It is a pure
// function of the log: applying the same records in the same order always
// gives the same state (replay, audit and start-up rely on this).
//
// Apply() checks one record against the state (including every earlier
// record of the same group) and, only when every check passes, mutates the
// state. A rejected record leaves the state exactly as it was.
//
// Thread-safety: not synchronised. The Ledger serialises writers and guards
// readers with its own lock; keys have their own lock because signature
// verification threads look them up while the sequencer works.
#ifndef QTRACE_HOST_STATE_H_
#define QTRACE_HOST_STATE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/host/lineage_index.h"
#include "qtrace/host/recall.h"
#include "qtrace/quantity.h"
#include "qtrace/status.h"

namespace qtrace::host {

using PartyIdx = uint32_t;
using ProductIdx = uint32_t;
using UnitIdx = uint32_t;
inline constexpr uint32_t kNoIdx = UINT32_MAX;

// Bit i set <=> the party has role fb::Role(i).
using RoleMask = uint32_t;
inline constexpr RoleMask RoleBit(fb::Role r) { return 1u << static_cast<int>(r); }

struct Licence {
  std::string kind, number, scope;
  int64_t valid_from = 0, valid_to = 0;
};

struct KeyInfo {
  VerifyingKey key;
  PartyIdx party = kNoIdx;
  // Copies of the party's id and roles (fixed at registration), so signature
  // verification threads can check roles without touching party tables.
  std::string party_id;
  RoleMask roles = 0;
  uint64_t added_index = 0;
  bool revoked = false;
  uint64_t revoked_index = 0;
  int64_t compromised_since = INT64_MAX;  // micros; records signed after are suspect
};

struct PartyInfo {
  std::string id, name, gln, admin_area, webhook;
  RoleMask roles = 0;
  std::vector<std::string> sectors;
  std::vector<Licence> licences;
  std::vector<KeyId> keys;
  uint64_t index = 0;  // log index of the registration
};

struct ProductInfo {
  fb::IdScheme scheme = fb::IdScheme::GTIN;
  std::string id, sector, name, default_unit;
  PartyIdx owner = kNoIdx;
  uint64_t index = 0;
};

struct UnitEventInfo {
  fb::UnitEventKind kind;
  int64_t start = 0, end = 0;
  LotId input = kNoIdx;
  int64_t quantity = 0;
  uint64_t index = 0;
};

struct UnitInfo {
  std::string id, site, sector;
  fb::UnitKind kind = fb::UnitKind::OTHER;
  PartyIdx owner = kNoIdx;
  uint64_t index = 0;
  std::vector<UnitEventInfo> events;
};

// Quantities a party has had of one lot, in micro-base units.
struct Holding {
  PartyIdx party = kNoIdx;
  int64_t held = 0;         // on hand now
  int64_t produced = 0;     // registered by this party
  int64_t received = 0;     // receipted from shipments
  int64_t in_transit = 0;   // shipped to this party, not yet receipted
  int64_t shipped = 0;      // sent to others
  int64_t used = 0;         // consumed as an input of other lots / units
  int64_t consumed = 0;     // consumed, sold or dispensed (left the chain)
  int64_t destroyed = 0;
  int64_t recovered = 0;    // taken back from consumers (recall returns)
  int64_t adjusted = 0;     // net stock corrections
};

// One change of custody, kept so holders can be computed as of a log index.
struct CustodyEvent {
  enum Kind : uint8_t {
    kProduced, kShipped, kReceived, kUsed, kConsumed, kDestroyed, kRecovered,
    kAdjusted, kVoided, kShipmentVoided
  };
  PartyIdx party;
  Kind kind;
  PartyIdx counterparty;  // the other side of a shipment, kNoIdx otherwise
  int64_t quantity;
  uint64_t index;
};

struct LotInfo {
  ProductIdx product = kNoIdx;
  PartyIdx producer = kNoIdx;
  std::string code;
  std::string unit;  // the lot's unit code; balances are micro-base of its dimension
  DimensionKey dim;
  int64_t quantity = 0;  // produced, micro-base
  int64_t production_time = 0;
  int16_t production_offset = 0;
  int64_t expiry_time = 0;
  std::string site;
  fb::LotStatus status = fb::LotStatus::RELEASED;
  bool voided = false;
  uint64_t index = 0;  // registering record
  std::vector<Holding> holdings;
  std::vector<CustodyEvent> custody;

  const Holding* HoldingOf(PartyIdx p) const;
  Holding& MutableHolding(PartyIdx p);
};

struct ShipmentInfo {
  PartyIdx from = kNoIdx, to = kNoIdx;
  int64_t time = 0;
  uint64_t index = 0;
  struct Item {
    LotId lot;
    int64_t quantity;
    int64_t received;
  };
  std::vector<Item> items;
  std::vector<std::string> serials;
  bool receipted = false;
  bool voided = false;
};

// One stay of a child serial or container inside a container: packed and
// unpacked (event times; unpacked = INT64_MAX while inside) and the log
// indices of both records (unpacked_index 0 = still inside). Kept so that
// "what was in case C then" has an answer after C was opened.
struct PackSpan {
  std::string child;
  int64_t packed = 0, unpacked = INT64_MAX;
  uint64_t packed_index = 0, unpacked_index = 0;
};

struct SerialInfo {
  enum State : uint8_t { kActive, kInTransit, kConsumed, kDestroyed };
  LotId lot = kNoIdx;
  PartyIdx holder = kNoIdx;
  State state = kActive;
  std::string parent;  // container it is packed in, empty if none
  uint64_t index = 0;  // last record that changed it
};

// A typed attribute kept in memory (certificate attributes, parameters).
struct AttrValue {
  std::string key;
  fb::AttrType type = fb::AttrType::STRING;
  std::string str;
  int64_t num = 0;
  int8_t scale = 0;
  bool flag = false;
};

struct CertStatusEvent {
  fb::CertStatus status = fb::CertStatus::VALID;
  int64_t effective = 0;  // min(stated effective time, record time)
  uint64_t index = 0;
};

struct CertInfo {
  std::string id, kind, standard, scope;
  PartyIdx issuer = kNoIdx;
  PartyIdx subject_party = kNoIdx;
  ProductIdx subject_product = kNoIdx;
  LotId subject_lot = kNoIdx;
  UnitIdx subject_unit = kNoIdx;
  int64_t valid_from = 0, valid_to = 0;  // valid_to 0 = open-ended
  uint64_t index = 0;
  std::vector<AttrValue> attributes;
  std::vector<CertStatusEvent> history;  // in log order

  // The status in force at `t` (VALID when no change is effective yet;
  // REINSTATED reads as VALID). Ignores the validity period.
  fb::CertStatus StatusAt(int64_t t) const;
  // Inside [valid_from, valid_to) and not suspended/revoked/cancelled at t.
  bool ValidAt(int64_t t) const;
  const AttrValue* Attr(std::string_view key) const;
};

struct InspectionInfo {
  std::string id, kind, report_no;
  PartyIdx issuer = kNoIdx;
  LotId lot = kNoIdx;
  bool pass = true;
  int64_t time = 0;  // the record's event time
  uint64_t index = 0;
  std::vector<std::string> failed_items;
};

struct ParamSet {
  std::string sector, set_id;
  uint64_t index = 0;
  std::vector<AttrValue> params;
  const AttrValue* Param(std::string_view key) const;
};

// What one record needs besides its bytes.
struct RecordContext {
  uint64_t index = 0;          // log index it will get
  int64_t record_time = 0;     // host time stamp (micros)
  Hash256 record_id{};
  const KeyInfo* key = nullptr;  // the verified signing key
  bool replay = false;         // re-applying a logged record (no time skew check)
  // The plan for a RecallOrder (from the sector plugin or the built-in
  // table); stored in the record's decisions so replay uses the same one.
  const RecallPlan* recall_plan = nullptr;
  // The exact signed Record payload bytes (8-byte aligned), valid while the
  // record is being checked; set for RecordPolicy::Check (plugins get them).
  std::string_view payload;
};

// Serial-number rows to write in the same batch (key = serial, value = row).
struct StateEffects {
  std::vector<std::pair<std::string, std::string>> serial_puts;
  LotId new_lot = kNoIdx;
  // Records the host must write right after this one (recall notices),
  // as unsigned Record payloads stated by the host party.
  std::vector<std::string> host_records;
};

struct StateLimits {
  // How far an event time may be ahead of the host clock. Default: 5 minutes.
  int64_t max_future_skew_micros = 5 * 60 * 1'000'000LL;
  // Largest adjustment relative to the holding, in parts per million.
  // Default: 2 % (sector plugins may tighten it through rule parameters).
  int64_t adjustment_tolerance_ppm = 20'000;
};

// Loads the LogEntry bytes stored at a log index (corrections read the record
// they correct; that is rare, so it is not cached).
using EntryLoader = std::function<StatusOr<std::string>(uint64_t index)>;

class LedgerState {
 public:
  LedgerState(LineageIndex* lineage, EntryLoader load_entry,
              StateLimits limits = {});

  // Checks `record` (already signature-verified, signed by ctx.key) against
  // the state; on success applies it and fills *effects. On failure returns
  // the reason and changes nothing.
  Status Apply(const fb::Record& record, const RecordContext& ctx,
               StateEffects* effects);

  // Genesis is applied before any key exists: it registers the host and the
  // first admin. Only valid on an empty state.
  Status ApplyGenesis(const fb::Record& record, const RecordContext& ctx);

  // Permission check that needs only the signer's roles and the body type;
  // run before the signature is verified so a wrong role fails cheaply.
  static Status CheckRole(const KeyInfo& key, fb::Body type);

  // --- lookups (callers hold the Ledger's read lock) ---
  const KeyInfo* FindKey(const KeyId& id) const;
  std::shared_mutex& keys_mutex() const { return keys_mu_; }
  std::optional<PartyIdx> FindParty(std::string_view id) const;
  std::optional<ProductIdx> FindProduct(fb::IdScheme scheme,
                                        std::string_view id) const;
  std::optional<LotId> FindLot(fb::IdScheme scheme, std::string_view product,
                               std::string_view lot) const;
  std::optional<UnitIdx> FindUnit(PartyIdx owner, std::string_view id) const;
  const SerialInfo* FindSerial(std::string_view serial) const;
  const ShipmentInfo* FindShipment(PartyIdx from, std::string_view id) const;
  // Log indexes whose record id starts with the same 8 bytes as `id`
  // (usually none or one); the caller confirms against the stored entry.
  std::vector<uint64_t> RecordIndexCandidates(const Hash256& id) const;
  // The index of the error declaration that declared record `index`
  // erroneous, if any.
  std::optional<uint64_t> DeclaredErroneousBy(uint64_t index) const;

  const PartyInfo& party(PartyIdx i) const { return parties_[i]; }
  const ProductInfo& product(ProductIdx i) const { return products_[i]; }
  const LotInfo& lot(LotId i) const { return lots_[i]; }
  const UnitInfo& unit(UnitIdx i) const { return units_[i]; }
  size_t party_count() const { return parties_.size(); }
  size_t product_count() const { return products_.size(); }
  size_t lot_count() const { return lots_.size(); }
  size_t unit_count() const { return units_.size(); }
  // Lots of a product in registration order (for find-by-product queries).
  const std::vector<LotId>& LotsOfProduct(ProductIdx p) const;
  // Lots a party produced or held.
  const std::vector<LotId>& LotsOfParty(PartyIdx p) const;
  // Parties `p` shipped to or received from (one step down and one up),
  // sorted.
  const std::vector<PartyIdx>& Counterparties(PartyIdx p) const { return counterparties_[p]; }

  // Snapshot encoding of everything not derivable (see state_codec.cc).
  void Serialize(std::string* out) const;
  // Rebuilds a state from Serialize() bytes; InvalidArgument on damage.
  static StatusOr<std::unique_ptr<LedgerState>> Deserialize(std::string_view bytes,
                                                            LineageIndex* lineage,
                                                            EntryLoader load_entry,
                                                            StateLimits limits);

  // Certificates, inspections and rule parameters.
  const CertInfo* FindCertificate(std::string_view cert_id) const;
  const CertInfo& certificate(uint32_t i) const { return certs_[i]; }
  size_t certificate_count() const { return certs_.size(); }
  // Certificates whose subject is the lot / party / product, in log order.
  std::vector<uint32_t> CertificatesOfLot(LotId lot) const;
  std::vector<uint32_t> CertificatesOfParty(PartyIdx party) const;
  std::vector<uint32_t> CertificatesOfProduct(ProductIdx product) const;
  const std::vector<InspectionInfo>& inspections() const { return inspections_; }
  std::vector<uint32_t> InspectionsOfLot(LotId lot) const;
  // The newest parameter set of a sector (null when none was issued).
  const ParamSet* CurrentParams(std::string_view sector) const;
  const std::vector<ParamSet>& param_sets() const { return param_sets_; }

  // Recalls.
  const RecallInfo* FindRecall(std::string_view id) const;
  const std::vector<RecallInfo>& recalls() const { return recalls_; }
  // The open recalls whose scope holds `lot` (lot-level scope).
  std::vector<uint32_t> OpenRecallsOfLot(LotId lot) const;
  // Computes a recall scope from `seed` with `plan`'s rules, as of log index
  // `as_of` (lineage and custody both as of then). The lineage index must
  // have everything up to `as_of` published.
  StatusOr<RecallScope> ComputeRecallScope(const fb::RecallSeed& seed, const RecallPlan& plan,
                                           uint64_t as_of) const;
  // Per (party, lot) quantities of `lot` from its custody events <= as_of.
  std::vector<ScopeHolding> HoldingsAsOf(LotId lot, uint64_t as_of) const;
  void AppendHoldingsAsOf(LotId lot, uint64_t as_of, std::vector<ScopeHolding>& out) const;
  // RecallOverdue payloads (stated by the host) for every deadline passed
  // at `now` and not yet marked: acknowledgements, the responsible party's
  // progress reports, and the recall's milestones (start, notify, file_plan,
  // completion, summary, review) missed or met late.
  std::vector<std::string> OverduePayloads(int64_t now) const;
  // The recall's milestone deadlines its plan sets, as of `now`.
  std::vector<RecallDeadlineStatus> RecallDeadlines(const RecallInfo& rc, int64_t now) const;
  // Certificates not in force at `now` with lots that still cite them (see
  // RecallCandidate). Reads the registrations of the certificates' subject
  // lots made after the end of validity.
  StatusOr<std::vector<RecallCandidate>> RecallCandidates(int64_t now) const;
  // Types of records that compute a recall scope: the sequencer commits and
  // publishes everything before them.
  static bool IsScopeBarrier(fb::Body type) {
    return type == fb::Body::RecallOrder || type == fb::Body::RecallWiden;
  }

  // Records the id of an accepted record (also for genesis).
  void AddRecordId(const Hash256& id, uint64_t index);
  const StateLimits& limits() const { return limits_; }

  std::string LotRefString(LotId lot) const;

 private:
  struct LotKeyHash {
    size_t operator()(const std::string& s) const { return std::hash<std::string>()(s); }
  };

  Status CheckTime(const fb::Record& r, const RecordContext& ctx) const;
  StatusOr<LotId> ResolveLot(const fb::LotRef* ref, std::string_view field) const;
  StatusOr<int64_t> LotAmount(LotId lot, const fb::Quantity* q,
                              std::string_view field) const;
  bool HasRole(PartyIdx p, fb::Role role) const;
  bool IsAuthority(PartyIdx p) const;  // admin or regulator

  Status ApplyParty(const fb::Record& r, const RecordContext& ctx);
  Status ApplyKeyRotation(const fb::Record& r, const RecordContext& ctx);
  Status ApplyKeyRevocation(const fb::Record& r, const RecordContext& ctx);
  Status ApplyProduct(const fb::Record& r, const RecordContext& ctx);
  Status ApplyUnit(const fb::Record& r, const RecordContext& ctx);
  Status ApplyUnitEvent(const fb::Record& r, const RecordContext& ctx);
  Status ApplyLot(const fb::Record& r, const RecordContext& ctx, StateEffects* fx);
  Status ApplyAggregation(const fb::Record& r, const RecordContext& ctx,
                          StateEffects* fx);
  Status ApplyShipment(const fb::Record& r, const RecordContext& ctx,
                       StateEffects* fx);
  Status ApplyReceipt(const fb::Record& r, const RecordContext& ctx,
                      StateEffects* fx);
  Status ApplyDisposition(const fb::Record& r, const RecordContext& ctx,
                          StateEffects* fx);
  Status ApplyAdjustment(const fb::Record& r, const RecordContext& ctx);
  Status ApplyLotStatus(const fb::Record& r, const RecordContext& ctx);
  Status ApplyErrorDeclaration(const fb::Record& r, const RecordContext& ctx);
  Status ApplyCertificate(const fb::Record& r, const RecordContext& ctx);
  Status ApplyCertificateStatus(const fb::Record& r, const RecordContext& ctx);
  Status ApplyInspection(const fb::Record& r, const RecordContext& ctx);
  Status ApplyRuleParameters(const fb::Record& r, const RecordContext& ctx);
  Status ApplyRecallOrder(const fb::Record& r, const RecordContext& ctx, StateEffects* fx);
  Status ApplyRecallNotice(const fb::Record& r, const RecordContext& ctx);
  Status ApplyRecallAck(const fb::Record& r, const RecordContext& ctx);
  Status ApplyRecallProgress(const fb::Record& r, const RecordContext& ctx);
  Status ApplyRecallTransition(const fb::Record& r, const RecordContext& ctx);
  Status ApplyRecallWiden(const fb::Record& r, const RecordContext& ctx, StateEffects* fx);
  Status ApplyRecallOverdue(const fb::Record& r, const RecordContext& ctx);
  // Live protection: the refusal when `lot` is under an open recall and the
  // movement is not a return to the responsible party (kNoIdx: no receiver).
  std::optional<std::string> RecallBlocks(LotId lot, PartyIdx receiver) const;
  std::optional<std::string> SerialRecallBlocks(std::string_view serial, PartyIdx receiver) const;
  // A new lot made on a unit inside a tainted window joins that recall.
  struct UnitUseWindow {
    UnitIdx unit;
    int64_t start, end;
  };
  void ExpandRecallsForNewLot(LotId lot, const std::vector<UnitUseWindow>& uses,
                              const RecordContext& ctx, StateEffects* fx);
  // Whether `lot`'s registering record carries the window's attributes and
  // cites its certificate (product-window seeds narrowed by them).
  StatusOr<bool> LotMatchesWindow(const LotInfo& lot, const fb::ProductWindow& w) const;
  // The record at log index `index`; `*bytes` keeps it alive.
  StatusOr<const fb::Record*> RecordAt(uint64_t index, std::string* bytes) const;
  // Adds `scope`'s lots and serials to recall `r`, and queues a notice round
  // for every party with something new to act on.
  void MergeScopeAndNotify(uint32_t r, RecallScope scope, const RecordContext& ctx,
                           StateEffects* fx);
  // `holdings`: the party's own (lot, party) holdings to act on; none for
  // a notice `for_information` (regulators, certifiers).
  std::string NoticePayload(const RecallInfo& recall, PartyIdx party, uint32_t round,
                            const std::vector<ScopeHolding>& holdings,
                            const std::vector<std::string>& serials, bool for_information,
                            const RecordContext& ctx) const;
  // The parties a plan tells of a recall for information in its first
  // round: the sector's regulators, the certifiers of the implicated lots
  // and products, the responsible party when it holds nothing.
  std::vector<PartyIdx> InformationalParties(const RecallInfo& rc,
                                             const std::map<PartyIdx, std::vector<ScopeHolding>>& acting) const;
  // Moves the running effectiveness totals by the report `rep` of `party`
  // on `lot` replacing `old`, and the completion time with them.
  static void AccountReport(RecallInfo& rc, PartyIdx party, LotId lot,
                            const PartyRecallProgress::LotReport& old,
                            const PartyRecallProgress::LotReport& rep);
  static void UpdateCompletion(RecallInfo& rc, int64_t at);
  // Recomputes rc's running totals from its holdings and reports (snapshots).
  static void RecomputeRecallTotals(RecallInfo& rc);
  // The regulator whose review of the summary is due: the one that ordered,
  // else the first regulator told of it; kNoIdx when there is none.
  PartyIdx Reviewer(const RecallInfo& rc) const;

  // Parses and adds the keys of a registration (validated by the caller).
  Status ParseKeys(const flatbuffers::Vector<flatbuffers::Offset<fb::PublicKey>>* keys,
                   std::vector<VerifyingKey>* out) const;
  void AddKeyLocked(const VerifyingKey& key, PartyIdx party, uint64_t index);
  void PutSerial(const std::string& serial, const SerialInfo& info,
                 StateEffects* fx);

  LineageIndex* lineage_;
  StateLimits limits_;

  mutable std::shared_mutex keys_mu_;
  std::unordered_map<std::string, KeyInfo> keys_;  // raw key id bytes -> key

  std::vector<PartyInfo> parties_;
  std::unordered_map<std::string, PartyIdx> party_by_id_;
  std::vector<ProductInfo> products_;
  std::unordered_map<std::string, ProductIdx> product_by_key_;
  std::vector<std::vector<LotId>> lots_by_product_;
  std::vector<std::vector<LotId>> lots_by_party_;
  std::vector<std::vector<PartyIdx>> counterparties_;
  std::vector<UnitInfo> units_;
  std::unordered_map<std::string, UnitIdx> unit_by_key_;
  std::vector<LotInfo> lots_;
  std::unordered_map<std::string, LotId, LotKeyHash> lot_by_key_;
  std::unordered_map<std::string, ShipmentInfo> shipments_;
  std::unordered_map<std::string, SerialInfo> serials_;
  // By container: every child ever packed in it; those with no unpacking
  // are inside now.
  std::unordered_map<std::string, std::vector<PackSpan>> pack_history_;
  std::vector<CertInfo> certs_;
  std::unordered_map<std::string, uint32_t> cert_by_id_;
  std::unordered_multimap<uint32_t, uint32_t> certs_by_lot_, certs_by_party_, certs_by_product_;
  std::vector<InspectionInfo> inspections_;
  std::unordered_multimap<uint32_t, uint32_t> inspections_by_lot_;
  std::vector<ParamSet> param_sets_;
  std::vector<RecallInfo> recalls_;
  std::unordered_map<std::string, uint32_t> recall_by_id_;
  std::unordered_multimap<LotId, uint32_t> lot_recalls_;             // open recalls by lot
  std::unordered_map<std::string, uint32_t> serial_recalls_;         // open recalls by serial
  std::unordered_multimap<LotId, std::pair<UnitIdx, uint32_t>> applications_by_lot_;
  std::unordered_map<std::string, uint32_t> current_params_;  // sector -> newest set
  // First 8 bytes of a record id -> log index (collisions kept side by side).
  std::unordered_multimap<uint64_t, uint64_t> record_ids_;
  // Log indexes of records declared erroneous.
  std::unordered_map<uint64_t, uint64_t> erroneous_;  // index -> declaring index
  EntryLoader load_entry_;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_STATE_H_
