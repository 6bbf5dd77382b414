// Client: the C++ SDK's way to talk to qtraced (ARCHITECTURE.md section 9).
//
//   auto key = PrivateKey::LoadPem("farm.key");
//   auto client = Client::Create("http://127.0.0.1:8420", *key);
//   StatusOr<RecordReceipt> r = (*client)->RegisterLot(
//       {.lot = "local:crab-feed/F-2406", .quantity = "2 TNE",
//        .production_time = "2026-04-20T08:00:00+08:00"});
//
// Writing: every typed call builds the record from its spec
// (record_builder.h -> the one readable JSON mapping, record_json.h),
// signs it with the client's key for the client's party, POSTs the
// flatbuffer envelope and returns the receipt: log index, record id, leaf
// hash, the exact log entry, the signed checkpoint and the inclusion proof.
// SubmitJson / Submit / SubmitBatch do the same for any record type, so
// record types without a typed call (recalls) work today.
//
// Errors: a refusal comes back as the Status the server stated — same
// code, reason, message and details (StatusCodeForHttp is the inverse of
// HttpStatusFor). A server that cannot be reached gives Unavailable with
// reason "unreachable" or "connection_failed".
//
// Retries: resubmitting a signed record is idempotent (the server answers
// 200 with the original index), and reads change nothing, so every call is
// retried on a connection failure, 503 and 429, up to max_attempts, with
// exponential backoff and jitter, waiting at least the server's Retry-After.
// A signed read is re-signed for every attempt with a later timestamp, so a
// retry is never refused as a replay. (The request signature has no nonce:
// two identical signed requests at the same second would be identical, so
// a client starts each request's timestamp at a random point up to 60 s in
// the past, well inside the server's 5-minute window, and retries a refused
// replay with a later one.)
//
// Verification: with `verifier` set and `verify_receipts` on, every receipt
// is checked offline before it is returned — the checkpoint signature and
// origin, leaf hash = LeafHash(entry), the inclusion proof, and that the
// entry holds exactly the envelope this client sent. A receipt that fails
// is returned as an error (reason "bad_receipt" or the verifier's own), never
// as a success.
//
// Thread-safety: a Client may be shared by many threads; every method is
// thread-safe. Connections are pooled: a call takes an idle keep-alive
// connection (or opens one), uses it alone and puts it back, so N threads
// use at most N connections and idle ones (up to max_idle_connections) are
// reused.
#ifndef QTRACE_CLIENT_H_
#define QTRACE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/checkpoint.h"
#include "qtrace/crypto.h"
#include "qtrace/http_client.h"
#include "qtrace/receipt.h"
#include "qtrace/record.h"
#include "qtrace/record_builder.h"
#include "qtrace/status.h"
#include "qtrace/time.h"

namespace qtrace {

// The inverse of HttpStatusFor: 400 -> kInvalidArgument, 409 ->
// kAlreadyExists, 422 -> kFailedPrecondition, ...; other 4xx ->
// kInvalidArgument, other 5xx -> kInternal, 2xx -> kOk.
StatusCode StatusCodeForHttp(int http_status);

struct ClientOptions {
  // The party records are stated for. Empty: looked up once, on the first
  // write, from the key (the party that registered it; GET /v1/parties).
  std::string party{};
  // Per HTTP attempt: connect + write + read. Default: 30 s.
  std::chrono::milliseconds timeout{30'000};
  // HTTPS (qtraced behind a TLS-terminating proxy): set by an https://
  // server URL. The server's certificate is verified against the system's
  // trust store, or the PEM CAs in `ca_file`, and must name the host.
  bool tls = false;
  std::string ca_file{};
  // Attempts per call for retryable failures (connection failure, 503,
  // 429); 1 disables retries. Default: 5.
  int max_attempts = 5;
  // Backoff before attempt n+1: initial_backoff * 2^(n-1), capped at
  // max_backoff, +-25% jitter; never less than the server's Retry-After
  // (itself capped at 60 s). Defaults: 100 ms, 5 s.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  // Idle keep-alive connections kept for reuse. Default: 4.
  size_t max_idle_connections = 4;
  // SubmitBatch sends at most this many envelopes per request. Default:
  // 1000 (the server takes up to 10000).
  size_t max_batch_records = 1000;
  // Checks every receipt offline with `verifier` (see above). Default: off.
  bool verify_receipts = false;
  // The log this client trusts: the host's public key, origin and key name.
  // Needed for verify_receipts, GetCheckpoint's verification and
  // VerifyConsistency.
  std::optional<LogVerifier> verifier{};
  // Event times left empty default to this clock; it also stamps signed
  // requests. Not owned. Default: the system clock.
  const Clock* clock = SystemClock::Default();
};

// What the server returned for an accepted record.
struct RecordReceipt {
  int http_status = 0;  // 201: accepted now; 200: accepted before (duplicate)
  bool duplicate = false;
  uint64_t index = 0;                      // the record's position in the log
  Hash256 record_id{};                     // RecordIdOf(payload_type, payload)
  Hash256 leaf_hash{};                     // LeafHash(entry)
  std::string type{};                      // "lot", "shipment", ...
  std::string record_time{};               // host time of acceptance, RFC 3339 UTC
  std::string entry{};                     // the exact LogEntry bytes (the Merkle leaf)
  std::string checkpoint{};                // the signed checkpoint note
  uint64_t tree_size = 0;                  // the checkpoint's size
  std::vector<Hash256> inclusion_proof{};  // of `index` in the checkpoint's tree
  bool verified = false;                   // checked offline by this client (verify_receipts)

  // The receipt as C2SP tlog-proof text (receipt.h), which `qtrace verify`
  // and VerifyReceipt check with nothing but the host's public key.
  std::string ToProofText() const;
  std::string RecordIdHex() const;
};

// One item of a batch: an OK status with its receipt, or the refusal. With
// verify_receipts, an accepted item whose receipt does not verify has that
// failure as its status and the (unverified) receipt.
struct BatchItemResult {
  Status status{};
  std::optional<RecordReceipt> receipt{};
};

// ---- read models (GET answers, parsed; `json` keeps the body as sent) --------------

struct HolderBalance {
  std::string party{};
  // Quantities as "400 KGM"; "" when zero (held is always set).
  std::string held, produced, received, in_transit, shipped, used, consumed, destroyed, recovered,
      adjusted;
};

struct LotState {
  std::string lot{};  // "scheme:product/lot"
  std::string product{}, sector{}, producer{}, quantity{}, production_time{}, expiry_time{}, site{};
  std::string status{};  // released, quarantined, on_hold, recalled, destroyed, void
  uint64_t log_index = 0;
  std::vector<HolderBalance> holders{};
  std::string json{};
};

struct LotQuery {
  std::string product{};     // "gtin:069..." / "local:crab-feed"; empty = any
  std::string site{};        // exact site; empty = any
  std::string from{}, to{};  // production time range (RFC 3339); empty = open
  uint32_t limit = 100;      // per page, 1-1000
  std::string cursor{};      // from LotPage::next_cursor
};

struct LotPage {
  std::vector<LotState> lots{};
  std::string next_cursor{};  // empty on the last page
};

enum class TraceDirection { kForward, kBackward };

struct TraceQuery {
  std::optional<uint32_t> depth{};  // default: unlimited
  std::optional<uint64_t> as_of{};  // log index to read the graph at; default: latest
};

struct TraceStep {
  LotState lot{};
  uint32_t depth = 0;
  std::string from{};  // the lot it was reached from ("" for the seed)
  std::string via{};   // "seed", an edge kind, or "unit P3 (applied ...)"
  bool terminal = false;
};

struct TraceResult {
  std::string direction{}, seed{};
  uint64_t as_of = 0;
  bool truncated = false;
  uint64_t hidden_lots = 0;  // lots the caller may not see
  std::vector<TraceStep> steps{};
  std::string json{};
};

struct RecordView {
  uint64_t index = 0;
  std::string record_id{}, record_time{}, payload_type{}, key_id{}, signature{}, leaf_hash{};
  std::string type{};         // the record's type ("lot", ...)
  std::string party{};        // the stating party
  std::string record_json{};  // the record, readable (record_json.h)
  std::optional<uint64_t> declared_erroneous_at{};
  std::string json{};
};

struct PartyKeyView {
  std::string key_id{};  // hex
  bool revoked = false;
};

struct PartyView {
  std::string party_id{}, name{}, gln{}, admin_area{};
  std::vector<std::string> roles{}, sectors{};
  std::vector<LicenceSpec> licences{};
  std::vector<PartyKeyView> keys{};
  uint64_t log_index = 0;
  std::string json{};
};

struct PartyPage {
  std::vector<PartyView> parties{};
  std::string next_cursor{};
};

struct CheckpointView {
  std::string note{};       // the signed note, verbatim
  Checkpoint checkpoint{};  // parsed (verified when `verified`)
  bool verified = false;    // signature and origin checked with the verifier
};

struct InclusionProofView {
  uint64_t index = 0, size = 0;
  Hash256 leaf_hash{};
  std::vector<Hash256> proof{};
};

struct ConsistencyProofView {
  uint64_t from = 0, to = 0;
  std::vector<Hash256> proof{};
};

// ---- recalls --------------------------------------------------------------------------

// One notified (or to-be-notified) party's workflow state.
struct RecallPartyView {
  std::string party{};
  bool notified = false;
  bool for_information = false;        // a regulator / certifier told of it
  std::string notified_at{}, ack_due{};
  bool acknowledged = false;
  std::string acknowledged_at{};
  bool on_time = false;                // acknowledged by ack_due
  std::vector<std::string> overdue{};  // acknowledgement, progress_report, completion
  std::string last_report_at{};
  std::vector<std::string> evidence{};
};

// Effectiveness per holder and lot: distributed = recovered + destroyed +
// consumed + corrected + unaccounted (quantities as "12 KGM").
struct RecallHolderView {
  std::string party{}, lot{};
  std::string distributed, recovered, destroyed, consumed, corrected, unaccounted;
};

// A milestone of the recall as a whole (start, notify, file_plan,
// completion, summary, review): who owes it, when, whether it was missed.
struct RecallDeadlineView {
  std::string what{}, party{}, due{}, met_at{};
  bool missed = false;
};

struct RecallView {
  std::string recall_id{}, sector{}, level{}, hazard{}, reason{}, state{}, depth{};
  std::string responsible{}, ordered_by{}, decided_at{}, risk_known_at{};
  uint64_t log_index = 0;
  uint64_t scope_as_of = 0;     // the log index the scope was computed at
  std::string scope_digest{};   // hex SHA-256 of the canonical scope
  std::vector<std::string> scope_lots{}, scope_serials{};
  std::vector<RecallPartyView> parties{};  // a notified party sees only itself
  std::vector<RecallDeadlineView> deadlines{};
  std::vector<RecallHolderView> holders{};
  uint64_t notified_parties = 0, acknowledged = 0, acknowledged_on_time = 0;
  double accounted_share = 0, acknowledged_share = 0, on_time_share = 0;
  std::string json{};
};

struct RecallOverdueItem {
  std::string party{}, what{}, due{};
};

struct RecallSummary {
  std::string recall_id{}, sector{}, level{}, state{}, responsible{}, decided_at{};
  uint64_t lots = 0, parties = 0;
  std::vector<RecallOverdueItem> overdue{};  // ListOverdueRecalls only
};

// A certificate no longer in force that lots made afterwards still cite
// (GET /v1/recalls/candidates, regulators).
struct RecallCandidateView {
  std::string certificate{}, kind{}, issuer{}, status{}, since{};
  struct Lot {
    std::string lot{}, producer{}, produced{};
    std::vector<std::string> holders{};
  };
  std::vector<Lot> lots{};
};

struct RecallNoticeLotView {
  std::string lot{}, held{}, received{};
};

// A notice in the caller's inbox.
struct RecallNoticeView {
  std::string recall_id{}, hazard{}, level{}, sector{}, responsible{}, state{};
  std::string ack_due{}, complete_due{};
  bool acknowledged = false;
  uint64_t notice_log_index = 0;
  std::vector<RecallNoticeLotView> lots{};
};

struct NoticePage {
  std::vector<RecallNoticeView> notices{};
  std::string next_cursor{};
};

// An upstream lot shared by failed lots, ranked by how many it explains.
struct TraceBackCandidate {
  std::string lot{}, producer{};
  uint64_t explains = 0;
  double share = 0;
  uint64_t nearest_depth = 0;
  std::vector<std::string> failed_lots{};
};

struct TraceBackResult {
  uint64_t failed_lots = 0;
  std::vector<TraceBackCandidate> candidates{};
  std::string json{};
};

class Client {
 public:
  // `server` is "http://host:port", "host:port" or "host" (port 8420).
  // `key` signs records and reads; without one only the public endpoints
  // (log, health) work. InvalidArgument for a malformed server address, or
  // verify_receipts without a verifier. Connects lazily.
  static StatusOr<std::unique_ptr<Client>> Create(std::string_view server,
                                                  std::optional<PrivateKey> key,
                                                  ClientOptions options = {});
  static StatusOr<std::unique_ptr<Client>> Create(std::string host, uint16_t port,
                                                  std::optional<PrivateKey> key,
                                                  ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& host() const;
  uint16_t port() const;
  const ClientOptions& options() const { return options_; }

  // The party records are stated for: options.party, or the party whose
  // registered keys include this client's key (looked up once).
  // FailedPrecondition without a key; the server's Unauthenticated
  // ("unknown_key") when no party registered it.
  StatusOr<std::string> Party();

  // ---- writing: one call per record type ----------------------------------------
  StatusOr<RecordReceipt> RegisterParty(const PartySpec& spec);
  StatusOr<RecordReceipt> RotateKey(const KeyRotationSpec& spec);
  StatusOr<RecordReceipt> RevokeKey(const KeyRevocationSpec& spec);
  StatusOr<RecordReceipt> RegisterProduct(const ProductSpec& spec);
  StatusOr<RecordReceipt> RegisterUnit(const UnitSpec& spec);
  StatusOr<RecordReceipt> ApplyInput(const ApplyInputSpec& spec);
  StatusOr<RecordReceipt> MarkEmptied(const EmptiedSpec& spec);
  StatusOr<RecordReceipt> RecordProcessRun(const ProcessRunSpec& spec);
  StatusOr<RecordReceipt> RecordStorage(const StoredSpec& spec);
  StatusOr<RecordReceipt> RegisterLot(const LotSpec& spec);
  StatusOr<RecordReceipt> Ship(const ShipmentSpec& spec);
  StatusOr<RecordReceipt> Receive(const ReceiveSpec& spec);
  // consumed / sold / dispensed / destroyed / recovered (spec.kind).
  StatusOr<RecordReceipt> Dispose(const DispositionSpec& spec);
  // Pack and Unpack set spec.action themselves.
  StatusOr<RecordReceipt> Pack(AggregationSpec spec);
  StatusOr<RecordReceipt> Unpack(AggregationSpec spec);
  StatusOr<RecordReceipt> Adjust(const AdjustmentSpec& spec);
  StatusOr<RecordReceipt> SetLotStatus(const LotStatusSpec& spec);
  StatusOr<RecordReceipt> Correct(const CorrectionSpec& spec);
  StatusOr<RecordReceipt> IssueCertificate(const CertificateSpec& spec);
  StatusOr<RecordReceipt> ChangeCertificateStatus(const CertificateStatusSpec& spec);
  StatusOr<RecordReceipt> PostInspection(const InspectionSpec& spec);
  StatusOr<RecordReceipt> PublishRuleParameters(const RuleParametersSpec& spec);
  // Recalls: ordering is for regulators, or an enterprise for its own lots;
  // widening and closing for regulators (403 otherwise).
  StatusOr<RecordReceipt> OrderRecall(const RecallOrderSpec& spec);
  StatusOr<RecordReceipt> AcknowledgeRecall(const RecallAckSpec& spec);
  StatusOr<RecordReceipt> ReportRecallProgress(const RecallProgressSpec& spec);
  StatusOr<RecordReceipt> TransitionRecall(const RecallTransitionSpec& spec);
  StatusOr<RecordReceipt> WidenRecall(const RecallWidenSpec& spec);

  // ---- writing: any record ----------------------------------------------------------
  // Builds and signs a readable JSON record (party and event_time filled in
  // when absent) without sending it.
  StatusOr<SignedEnvelope> Sign(std::string_view record_json);
  // Sign + Submit.
  StatusOr<RecordReceipt> SubmitJson(std::string_view record_json);
  // Submits an envelope signed by anyone (the server checks the signature).
  StatusOr<RecordReceipt> Submit(const SignedEnvelope& envelope);
  // Submits many envelopes, max_batch_records per request, in order. Not
  // atomic: one result per envelope, in order. The call itself fails only
  // when a request as a whole is refused after the retries (overload,
  // unreachable); results of earlier requests are then lost to the caller
  // but kept by the server, and resubmitting is safe.
  StatusOr<std::vector<BatchItemResult>> SubmitBatch(const std::vector<SignedEnvelope>& envelopes);

  // ---- reading (signed by the client's key) ---------------------------------------------
  StatusOr<LotState> GetLot(std::string_view lot_ref);
  // A recall's status, scope, per-party progress and effectiveness.
  StatusOr<RecallView> GetRecall(std::string_view recall_id);
  // Recalls visible to the caller: open ones, or all with include_closed.
  StatusOr<std::vector<RecallSummary>> ListRecalls(bool include_closed = false);
  // Open recalls with a missed deadline, and what is overdue for whom.
  StatusOr<std::vector<RecallSummary>> ListOverdueRecalls();
  // Regulators: certificates suspended, revoked, cancelled or expired that
  // lots made afterwards still cite, and are in no recall yet.
  StatusOr<std::vector<RecallCandidateView>> RecallCandidates();
  // The scope as CSV: one row per lot and holder with quantities.
  StatusOr<std::string> RecallScopeCsv(std::string_view recall_id);
  // Recomputes the scope as of the log index it was computed at; the answer
  // says whether the digest matches the stored one.
  StatusOr<std::string> RecomputeRecallScope(std::string_view recall_id);
  // The caller's inbox of recall notices, newest first.
  StatusOr<NoticePage> Notices(std::string_view cursor = {}, uint32_t limit = 100);
  // Upstream lots shared by `failed_lots` (regulators).
  StatusOr<TraceBackResult> TraceBack(const std::vector<std::string>& failed_lots);
  StatusOr<LotPage> FindLots(const LotQuery& query);
  // Follows next_cursor to the end; `each` is called per lot, in order, and
  // may stop the walk by returning false.
  Status ForEachLot(LotQuery query, const std::function<bool(const LotState&)>& each);
  StatusOr<TraceResult> Trace(std::string_view lot_ref, TraceDirection direction,
                              const TraceQuery& query = {});
  // The same trace as a CSV sheet, one row per (lot, holder).
  StatusOr<std::string> TraceCsv(std::string_view lot_ref, TraceDirection direction,
                                 const TraceQuery& query = {});
  StatusOr<RecordView> GetRecord(std::string_view record_id_hex);
  // The C2SP tlog-proof receipt text of an accepted record; verified (and
  // checked to hold that record) when verify_receipts is on.
  StatusOr<std::string> GetReceipt(std::string_view record_id_hex);
  StatusOr<PartyView> GetParty(std::string_view party_id);
  StatusOr<PartyPage> ListParties(std::string_view cursor = {}, uint32_t limit = 100);

  // ---- the log (public) ------------------------------------------------------------------
  // The latest signed checkpoint; opened with the verifier when there is one
  // (a bad signature or another log's origin is an error), else parsed only.
  StatusOr<CheckpointView> GetCheckpoint();
  // size 0: the current log size.
  StatusOr<InclusionProofView> GetInclusionProof(uint64_t index, uint64_t size = 0);
  StatusOr<ConsistencyProofView> GetConsistencyProof(uint64_t from, uint64_t to = 0);
  // Fetches the consistency proof between two checkpoints this client
  // verified and checks it (FailedPrecondition without a verifier).
  Status VerifyConsistency(const Checkpoint& older, const Checkpoint& newer);
  // GET /healthz: the log size.
  StatusOr<uint64_t> LogSize();

  // ---- low level ---------------------------------------------------------------------------
  // One request with the retries above; `sign` adds the request signature.
  // Non-2xx answers are returned as a Status (the server's error).
  StatusOr<HttpResponse> Call(std::string_view method, std::string_view target,
                              std::string_view body = {}, std::string_view content_type = {},
                              bool sign = false);

 private:
  struct Impl;
  Client(std::unique_ptr<Impl> impl, std::optional<PrivateKey> key, ClientOptions options);

  template <typename Spec>
  StatusOr<RecordReceipt> SubmitSpec(const Spec& spec);
  StatusOr<RecordReceipt> ParseAndCheckReceipt(const HttpResponse& response,
                                               const SignedEnvelope& sent);

  std::unique_ptr<Impl> impl_;
  std::optional<PrivateKey> key_;
  ClientOptions options_;
};

// Percent-encodes one URL path segment or query value (RFC 3986 unreserved
// characters and ':' stay as they are).
std::string UrlEncode(std::string_view text);
// "/v1/lots/{product}/{lot}" for "scheme:product/lot"; a GTIN product is
// written as its 14 digits. InvalidArgument for a malformed reference.
StatusOr<std::string> LotPath(std::string_view lot_ref);

}  // namespace qtrace

#endif  // QTRACE_CLIENT_H_
