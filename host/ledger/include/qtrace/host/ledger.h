// Ledger: the core of qtraced without the network — a data dir's store, the
// ingest pipeline, the derived state, the lineage index and the Merkle log.
//
// Write path (ARCHITECTURE.md section 4):
//   Submit(envelopes)
//     -> verify pool (N threads): flatbuffers Verifier on the envelope and
//        the record, key lookup and role check, Ed25519 verification
//     -> one sequencer thread, in log order, against the state including the
//        earlier records of the same group: idempotency, references,
//        balances, lot-key conflicts, times; index assignment; log entry,
//        Merkle leaf
//     -> group commit: one WriteBatch (entries, record ids, serials, Merkle
//        tiles, the signed checkpoint) written with the WAL synced
//     -> only then are the results delivered.
// A batch is processed in order and is not atomic: each item has a status.
// Resubmitting an accepted record returns its original index (duplicate).
//
// If a commit fails the ledger stops accepting writes (fail-stop) and every
// later submission gets Unavailable; restart to recover from the store.
//
// Thread-safety: every public method may be called from any thread. Reads
// (WithState, lineage queries, proofs) run concurrently with ingest; they
// see only committed records.
#ifndef QTRACE_HOST_LEDGER_H_
#define QTRACE_HOST_LEDGER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/checkpoint.h"
#include "qtrace/crypto.h"
#include "qtrace/host/lineage_index.h"
#include "qtrace/host/record_policy.h"
#include "qtrace/host/state.h"
#include "qtrace/record.h"
#include "qtrace/status.h"
#include "qtrace/storage/db.h"
#include "qtrace/time.h"

namespace qtrace::storage {
class MerkleTree;
}

namespace qtrace::host {

// Where a data dir keeps things.
struct DataDirLayout {
  explicit DataDirLayout(std::string root) : root(std::move(root)) {}
  std::string root;
  std::string db() const { return root + "/db"; }
  std::string keys() const { return root + "/keys"; }
  std::string host_key() const { return root + "/keys/host.key"; }
  std::string host_public_key() const { return root + "/keys/host.pub"; }
  std::string admin_key() const { return root + "/keys/admin.key"; }
  std::string admin_public_key() const { return root + "/keys/admin.pub"; }
  std::string config() const { return root + "/config.json"; }
};

struct InitOptions {
  // The log's origin line; also the checkpoint key name.
  std::string origin = "qtrace.local/log";
  std::string host_party = "qtrace-host";
  std::string admin_party = "platform-admin";
  std::string admin_name = "platform operator";
};

struct LedgerOptions {
  std::string data_dir;
  // Signature verification threads. Default: 2.
  int verify_threads = 2;
  // Most records sequenced into one group commit. Default: 4096.
  size_t max_group_records = 4096;
  // Submissions beyond this many records waiting are refused with
  // ResourceExhausted (429). Default: 100000.
  size_t max_pending_records = 100'000;
  // Host clock for record_time; tests inject a ManualClock. Not owned.
  const Clock* clock = SystemClock::Default();
  StateLimits limits;
  storage::DbOptions db;
  // The derived state and lineage index are snapshotted every this many
  // records (and at a clean close), so start-up replays only the tail.
  // 0 = only at close. Default: 200000.
  uint64_t snapshot_interval = 200'000;
  // Extra rules (the sector plugin registry); null means core rules only.
  // Not owned; must outlive the ledger.
  RecordPolicy* policy = nullptr;
};

struct SignedCheckpointNote {
  uint64_t size = 0;
  Hash256 root{};
  int64_t time_micros = 0;
  std::string note;  // the C2SP signed note text
};

struct IngestResult {
  Status status;            // OK when accepted (or accepted earlier)
  bool duplicate = false;   // the same signed record was accepted before
  uint64_t index = 0;       // log index (valid when status is OK)
  int64_t record_time = 0;
  Hash256 record_id{};
  Hash256 leaf_hash{};
  fb::Body type = fb::Body::NONE;
  // The exact LogEntry bytes (the leaf), for receipts. Set when accepted.
  std::shared_ptr<const std::string> entry;
  // The checkpoint of the group commit that made this record durable (the
  // latest one for duplicates); its size is > index.
  std::shared_ptr<const SignedCheckpointNote> checkpoint;
};

// An envelope to ingest: either flatbuffer bytes or an already decoded
// envelope (e.g. from the JSON API).
struct IngestItem {
  std::string bytes;
  std::optional<SignedEnvelope> envelope;
  static IngestItem FromBytes(std::string b) { return IngestItem{std::move(b), std::nullopt}; }
  static IngestItem FromEnvelope(SignedEnvelope e) { return IngestItem{{}, std::move(e)}; }
};

class Ledger {
 public:
  // Creates a data dir: host and admin keys (private keys 0600), the store,
  // and the genesis record naming the admin key. Fails with AlreadyExists if
  // the directory already holds a store.
  static Status Initialize(const std::string& data_dir, const InitOptions& options);

  // Opens an initialized data dir: loads the Merkle tree, rebuilds the state
  // and lineage index from the log, checks they agree, starts the threads.
  static StatusOr<std::unique_ptr<Ledger>> Open(const LedgerOptions& options);

  // Stops accepting, finishes what is queued, flushes and closes the store.
  ~Ledger();

  using Callback = std::function<void(std::vector<IngestResult>)>;
  // Queues `items` for ingest; `done` is called once, from an internal
  // thread, with one result per item in order, after the accepted ones are
  // durable. Never blocks on I/O. Refuses everything with ResourceExhausted
  // when too much is pending, Unavailable after a failed commit or while
  // shutting down.
  void Submit(std::vector<IngestItem> items, Callback done);
  std::vector<IngestResult> SubmitAndWait(std::vector<IngestItem> items);

  // Writes a host-signed RecallOverdue record for every recall deadline
  // passed at the ledger clock's now and not yet marked; returns how many.
  // The daemon calls it periodically; tests call it after moving a
  // ManualClock.
  StatusOr<size_t> CheckRecallDeadlines();

  // Stops accepting new submissions and waits for queued ones to finish.
  void Drain();

  // --- the log ---
  uint64_t LogSize() const;
  std::shared_ptr<const SignedCheckpointNote> LatestCheckpoint() const;
  StatusOr<std::string> CheckpointAtSize(uint64_t size) const;
  StatusOr<std::vector<Hash256>> InclusionProof(uint64_t index, uint64_t size) const;
  StatusOr<std::vector<Hash256>> ConsistencyProof(uint64_t size1, uint64_t size2) const;
  // The stored LogEntry bytes at `index` (NotFound past the end).
  StatusOr<std::string> EntryAt(uint64_t index) const;
  // The log index of an accepted record id (NotFound otherwise).
  StatusOr<uint64_t> FindRecord(const Hash256& record_id) const;
  // A receipt for an accepted record in C2SP tlog-proof text form.
  StatusOr<std::string> Receipt(uint64_t index) const;

  const std::string& origin() const { return origin_; }
  const VerifyingKey& host_key() const { return host_key_.public_key(); }

  // Runs `f(state)` under the read lock (sees committed records only).
  template <typename F>
  auto WithState(F&& f) const {
    std::shared_lock lock(state_mu_);
    return f(static_cast<const LedgerState&>(*state_));
  }
  const LineageIndex& lineage() const { return *lineage_; }

  // Counters for metrics.
  struct Stats {
    uint64_t accepted = 0, duplicates = 0, rejected = 0, groups = 0;
    uint64_t store_bytes = 0, log_size = 0;
    uint64_t snapshots = 0, snapshot_bytes = 0, replayed_at_open = 0;
    double snapshot_ms = 0, open_ms = 0;
  };
  Stats GetStats() const;
  // Rejections counted by reason.
  std::vector<std::pair<std::string, uint64_t>> RejectionsByReason() const;

  storage::Db& db() { return *db_; }

 private:
  struct Batch;
  struct Pending;
  Ledger(LedgerOptions options);

  Status Load();
  // Persists state + lineage as of the committed log (caller holds the
  // exclusive state lock or is the only thread left).
  Status WriteSnapshot();
  // Loads the newest snapshot; replay starts at the returned size (0 if none).
  uint64_t LoadSnapshot(uint64_t log_records);
  void VerifyWorker();
  void SequencerLoop();
  void VerifyItem(Pending& p) const;
  void SequenceGroup(std::vector<std::shared_ptr<Batch>>& group);
  StatusOr<std::string> LoadEntry(uint64_t index) const;
  void CountRejection(const Status& s);

  LedgerOptions options_;
  DataDirLayout layout_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<storage::MerkleTree> tree_;
  std::unique_ptr<LineageIndex> lineage_;
  std::unique_ptr<LedgerState> state_;
  PrivateKey host_key_;
  std::string origin_;
  uint64_t checkpoint_floor_ = 0;  // a restored store signs nothing below this
  uint64_t snapshot_size_ = 0;      // log size covered by the newest snapshot

  mutable std::shared_mutex state_mu_;  // writers: sequencer, per group
  std::atomic<uint64_t> log_size_{0};
  int64_t last_record_time_ = 0;
  mutable std::mutex checkpoint_mu_;
  std::shared_ptr<const SignedCheckpointNote> checkpoint_;
  // Entries of the group being sequenced, by index (duplicates within a group
  // and corrections read them before they are committed).
  std::vector<std::pair<uint64_t, std::shared_ptr<const std::string>>> group_entries_;

  // Verification queue (work items) and sequencer queue (verified batches).
  std::mutex q_mu_;
  std::condition_variable verify_cv_, seq_cv_, drained_cv_;
  std::deque<std::pair<std::shared_ptr<Batch>, size_t>> verify_q_;
  std::deque<std::shared_ptr<Batch>> seq_q_;
  size_t pending_records_ = 0;
  bool stopping_ = false;
  std::atomic<bool> failed_{false};
  Status failure_;
  std::vector<std::thread> verify_threads_;
  std::thread sequencer_;

  mutable std::mutex stats_mu_;
  Stats stats_;
  std::vector<std::pair<std::string, uint64_t>> rejections_;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_LEDGER_H_
