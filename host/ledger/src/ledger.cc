#include "qtrace/host/ledger.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>

#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "qtrace/record_json.h"
#include "qtrace/storage/keys.h"
#include "qtrace/storage/merkle_tree.h"

namespace qtrace::host {
namespace {

using storage::Cf;
using storage::KeyBuilder;
using storage::KeyReader;
using storage::U64Key;

constexpr std::string_view kOriginKey = "origin";
constexpr std::string_view kFloorKey = "checkpoint_floor";
constexpr char kCoreVersion[] = "0.1.0";
constexpr char kCoreRuleSet[] = "core-1";
constexpr size_t kVerifyChunk = 32;

std::string_view PayloadBytes(const fb::LogEntry& e) {
  return {reinterpret_cast<const char*>(e.payload()->data()), e.payload()->size()};
}

}  // namespace

struct Ledger::Pending {
  IngestItem item;
  SignedEnvelope env;
  const fb::Record* record = nullptr;
  Status status;                // verification outcome
  bool signature_checked = false;
  IngestResult result;
};

struct Ledger::Batch {
  std::vector<Pending> items;
  std::atomic<size_t> remaining{0};
  Callback done;
};

// ---- creation -------------------------------------------------------------------

Status Ledger::Initialize(const std::string& data_dir, const InitOptions& options) {
  namespace fs = std::filesystem;
  DataDirLayout layout(data_dir);
  std::error_code ec;
  if (fs::exists(fs::path(layout.db()) / "CURRENT", ec)) {
    return AlreadyExists("a qtrace store already exists at " + data_dir, "store_exists");
  }
  QT_RETURN_IF_ERROR(ValidateId("host party", options.host_party));
  QT_RETURN_IF_ERROR(ValidateId("admin party", options.admin_party));
  QT_RETURN_IF_ERROR(ValidateCheckpointOrigin(options.origin));
  fs::create_directories(layout.keys(), ec);
  if (ec) return Internal("cannot create " + layout.keys() + ": " + ec.message());
  ::chmod(layout.keys().c_str(), 0700);

  QT_ASSIGN_OR_RETURN(PrivateKey host, PrivateKey::Generate());
  QT_ASSIGN_OR_RETURN(PrivateKey admin, PrivateKey::Generate());
  QT_RETURN_IF_ERROR(host.SavePem(layout.host_key()));
  QT_RETURN_IF_ERROR(SavePublicKeyPem(host.public_key(), layout.host_public_key()));
  QT_RETURN_IF_ERROR(admin.SavePem(layout.admin_key()));
  QT_RETURN_IF_ERROR(SavePublicKeyPem(admin.public_key(), layout.admin_public_key()));

  {
    storage::DbOptions dbo;
    dbo.create_if_missing = true;
    QT_ASSIGN_OR_RETURN(auto db, storage::Db::Open(layout.db(), dbo));
    storage::WriteBatch b(*db);
    b.Put(Cf::kMeta, kOriginKey, options.origin);
    QT_RETURN_IF_ERROR(db->Write(b, true));
  }

  auto raw = [](const VerifyingKey& k) {
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(k.raw().data()), 32));
  };
  std::string json = R"({"type":"genesis","party":")" + options.host_party +
                     R"(","event_time":")" +
                     FormatMicrosUtc(SystemClock::Default()->NowMicros()) +
                     R"(","origin":")" + options.origin + R"(","host_party":")" +
                     options.host_party + R"(","host_key":")" + raw(host.public_key()) +
                     R"(","admin_party":")" + options.admin_party + R"(","admin_name":")" +
                     options.admin_name + R"(","admin_keys":[")" + raw(admin.public_key()) +
                     R"("]})";
  QT_ASSIGN_OR_RETURN(std::string payload, RecordFromJson(json));
  SignedEnvelope env = SignPayload(host, kRecordPayloadType, std::move(payload));

  LedgerOptions lo;
  lo.data_dir = data_dir;
  lo.verify_threads = 1;
  QT_ASSIGN_OR_RETURN(auto ledger, Open(lo));
  std::vector<IngestItem> items;
  items.push_back(IngestItem::FromEnvelope(std::move(env)));
  auto results = ledger->SubmitAndWait(std::move(items));
  return results[0].status.WithPrefix("genesis");
}

// ---- opening ----------------------------------------------------------------------

Ledger::Ledger(LedgerOptions options)
    : options_(std::move(options)), layout_(options_.data_dir) {}

StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const LedgerOptions& options) {
  std::unique_ptr<Ledger> ledger(new Ledger(options));
  QT_RETURN_IF_ERROR(ledger->Load());
  int n = std::max(1, options.verify_threads);
  for (int i = 0; i < n; ++i) {
    ledger->verify_threads_.emplace_back([l = ledger.get()] { l->VerifyWorker(); });
  }
  ledger->sequencer_ = std::thread([l = ledger.get()] { l->SequencerLoop(); });
  return ledger;
}

StatusOr<std::string> Ledger::LoadEntry(uint64_t index) const {
  for (const auto& [i, bytes] : group_entries_) {
    if (i == index) return *bytes;
  }
  std::string value;
  Status s = db_->Get(Cf::kRecords, U64Key(index), &value);
  if (s.code() == StatusCode::kNotFound) {
    return NotFound("no record at log index " + std::to_string(index), "unknown_index");
  }
  QT_RETURN_IF_ERROR(s);
  return value;
}

Status Ledger::Load() {
  QT_ASSIGN_OR_RETURN(db_, storage::Db::Open(layout_.db(), options_.db));
  Status os = db_->Get(Cf::kMeta, kOriginKey, &origin_);
  if (!os.ok()) return FailedPrecondition("store has no origin: not initialized", "store_invalid");
  std::string floor;
  if (db_->Get(Cf::kMeta, kFloorKey, &floor).ok()) {
    KeyReader r(floor);
    r.U64(&checkpoint_floor_);
  }
  auto key = PrivateKey::LoadPem(layout_.host_key());
  if (!key.ok()) return key.status().WithPrefix("host key");
  host_key_ = std::move(*key);
  QT_ASSIGN_OR_RETURN(tree_, storage::MerkleTree::Load(db_.get()));

  auto open_start = std::chrono::steady_clock::now();
  // Start from the newest snapshot when there is one, then replay the tail.
  uint64_t expected = LoadSnapshot(tree_->size());
  if (expected == 0) {
    lineage_ = std::make_unique<LineageIndex>();
    state_ = std::make_unique<LedgerState>(
        lineage_.get(), [this](uint64_t index) { return LoadEntry(index); }, options_.limits);
  } else {
    QT_ASSIGN_OR_RETURN(std::string last, LoadEntry(expected - 1));
    QT_ASSIGN_OR_RETURN(const fb::LogEntry* e, VerifyLogEntry(last, false));
    last_record_time_ = e->record_time();
  }
  const uint64_t replay_from = expected;

  // Replay the log into the state and the lineage index.
  auto it = db_->NewIterator(Cf::kRecords);
  for (it->Seek(U64Key(expected)); it->Valid(); it->Next()) {
    KeyReader kr(it->key());
    uint64_t index = 0;
    if (!kr.U64(&index) || index != expected) {
      return Internal("log has a gap or a bad key at index " + std::to_string(expected),
                      "store_corrupt");
    }
    std::string bytes(it->value());
    auto entry = VerifyLogEntry(bytes);
    if (!entry.ok()) return entry.status().WithPrefix("log index " + std::to_string(index));
    const fb::LogEntry& e = **entry;
    if (e.index() != index) {
      return Internal("entry at key " + std::to_string(index) + " says index " +
                          std::to_string(e.index()),
                      "store_corrupt");
    }
    const fb::Record* rec = *RecordOfEntry(e);
    Hash256 record_id = RecordIdOf(e.payload_type()->string_view(), PayloadBytes(e));
    KeyId key_id;
    std::memcpy(key_id.data(), e.key_id()->data(), 32);
    RecordContext ctx;
    ctx.index = index;
    ctx.record_time = e.record_time();
    ctx.record_id = record_id;
    ctx.replay = true;
    Status s;
    if (index == 0) {
      const fb::Genesis* g = rec->body_as_Genesis();
      if (g == nullptr || g->host_key() == nullptr) {
        return Internal("log index 0 is not a genesis record", "store_corrupt");
      }
      KeyInfo gk;
      auto vk = VerifyingKey::FromRaw(std::string_view(
          reinterpret_cast<const char*>(g->host_key()->data()), g->host_key()->size()));
      if (!vk.ok()) return vk.status().WithPrefix("genesis");
      gk.key = *vk;
      ctx.key = &gk;
      s = state_->ApplyGenesis(*rec, ctx);
    } else {
      const KeyInfo* k = state_->FindKey(key_id);
      RecallPlan plan;
      if (LedgerState::IsScopeBarrier(rec->body_type())) lineage_->Publish();
      if (rec->body_type() == fb::Body::RecallOrder && e.decisions()) {
        // The plan the recall was accepted with, not today's.
        for (const auto* d : *e.decisions()) {
          if (d->engine() && d->engine()->string_view() == "recall-plan" && d->notes() &&
              d->notes()->size() > 0) {
            auto p = RecallPlanFromJson(d->notes()->Get(0)->string_view());
            if (p.ok()) {
              plan = std::move(*p);
              ctx.recall_plan = &plan;
            }
          }
        }
      }
      if (k == nullptr) {
        s = Internal("signing key unknown");
      } else {
        ctx.key = k;
        StateEffects fx;  // host records it asks for are already in the log
        s = state_->Apply(*rec, ctx, &fx);
      }
    }
    if (!s.ok()) {
      return Internal("replay diverged at log index " + std::to_string(index) + ": " +
                          s.ToString(),
                      "replay_diverged");
    }
    state_->AddRecordId(record_id, index);
    last_record_time_ = std::max(last_record_time_, e.record_time());
    ++expected;
  }
  QT_RETURN_IF_ERROR(it->status());
  if (tree_->size() != expected) {
    return Internal("the Merkle tree has " + std::to_string(tree_->size()) +
                        " leaves but the log has " + std::to_string(expected) + " records",
                    "store_corrupt");
  }
  log_size_ = expected;
  lineage_->Publish();
  {
    std::lock_guard sl(stats_mu_);
    stats_.replayed_at_open = expected - replay_from;
    stats_.open_ms = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - open_start)
                         .count();
  }

  // The latest checkpoint must cover the whole log.
  auto cit = db_->NewIterator(Cf::kCheckpoints);
  cit->SeekToLast();
  if (cit->Valid()) {
    auto cp = OpenCheckpoint(cit->value(), host_key_.public_key(), origin_);
    if (!cp.ok()) return cp.status().WithPrefix("latest checkpoint");
    if (cp->size != expected || cp->root != tree_->Root()) {
      return Internal("latest checkpoint (size " + std::to_string(cp->size) +
                          ") does not match the log (size " + std::to_string(expected) + ")",
                      "store_corrupt");
    }
    auto note = std::make_shared<SignedCheckpointNote>();
    note->size = cp->size;
    note->root = cp->root;
    note->time_micros = cp->time_micros;
    note->note = std::string(cit->value());
    checkpoint_ = std::move(note);
  } else if (expected != 0) {
    return Internal("log has records but no checkpoint", "store_corrupt");
  }
  return Status::Ok();
}

Ledger::~Ledger() {
  Drain();
  {
    std::lock_guard lock(q_mu_);
    stopping_ = true;
  }
  verify_cv_.notify_all();
  seq_cv_.notify_all();
  for (auto& t : verify_threads_) t.join();
  if (sequencer_.joinable()) sequencer_.join();
  // A clean close leaves a snapshot of everything, so the next start-up
  // replays nothing. Not fatal: the log is the source of truth.
  if (db_ && state_ && !failed_ && log_size_ > snapshot_size_) (void)WriteSnapshot();
  if (db_) (void)db_->Flush();
}

// ---- submission -----------------------------------------------------------------------

void Ledger::Submit(std::vector<IngestItem> items, Callback done) {
  auto batch = std::make_shared<Batch>();
  batch->done = std::move(done);
  batch->items.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) batch->items[i].item = std::move(items[i]);
  size_t n = batch->items.size();
  Status refuse;
  {
    std::lock_guard lock(q_mu_);
    if (stopping_) {
      refuse = Unavailable("the ledger is shutting down", "shutting_down");
    } else if (failed_) {
      refuse = Unavailable("the store failed a commit and accepts no writes: " +
                               failure_.message(),
                           "store_failed");
    } else if (pending_records_ + n > options_.max_pending_records && pending_records_ > 0) {
      refuse = ResourceExhausted("too many records waiting (" +
                                     std::to_string(pending_records_) + "); retry later",
                                 "overloaded");
    } else {
      pending_records_ += n;
      if (n == 0) {
        seq_q_.push_back(batch);
      } else {
        batch->remaining = n;
        for (size_t i = 0; i < n; i += kVerifyChunk) verify_q_.emplace_back(batch, i);
      }
    }
  }
  if (!refuse.ok()) {
    std::vector<IngestResult> results(n);
    for (auto& r : results) r.status = refuse;
    batch->done(std::move(results));
    return;
  }
  if (n == 0) {
    seq_cv_.notify_one();
  } else {
    verify_cv_.notify_all();
  }
}

std::vector<IngestResult> Ledger::SubmitAndWait(std::vector<IngestItem> items) {
  std::promise<std::vector<IngestResult>> p;
  auto f = p.get_future();
  Submit(std::move(items), [&p](std::vector<IngestResult> r) { p.set_value(std::move(r)); });
  return f.get();
}

void Ledger::Drain() {
  std::unique_lock lock(q_mu_);
  drained_cv_.wait(lock, [&] { return pending_records_ == 0; });
}

// ---- verification pool -------------------------------------------------------------------

void Ledger::VerifyItem(Pending& p) const {
  if (p.item.envelope) {
    p.env = std::move(*p.item.envelope);
    p.item.envelope.reset();
  } else {
    auto env = DecodeEnvelope(p.item.bytes);
    if (!env.ok()) {
      p.status = env.status();
      return;
    }
    p.env = std::move(*env);
    p.item.bytes.clear();
    p.item.bytes.shrink_to_fit();
  }
  if (p.env.payload_type != kRecordPayloadType) {
    p.status = InvalidArgument("unsupported payload type '" + p.env.payload_type +
                                   "' (expected " + std::string(kRecordPayloadType) + ")",
                               "unsupported_type");
    return;
  }
  if (p.env.payload.size() > kMaxEnvelopeBytes) {
    p.status = PayloadTooLarge("record payload too large", "too_large");
    return;
  }
  auto rec = VerifyRecordPayload(p.env.payload);
  if (!rec.ok()) {
    p.status = rec.status();
    return;
  }
  p.record = *rec;
  p.result.type = p.record->body_type();
  std::string pae = DssePae(p.env.payload_type, p.env.payload);
  p.result.record_id = Sha256(pae);

  // Key lookup: copy what we need under the key lock; unknown keys are left
  // to the sequencer (an earlier record of the same batch may register it).
  std::optional<KeyInfo> key;
  {
    std::shared_lock lock(state_->keys_mutex());
    const KeyInfo* k = state_->FindKey(p.env.key_id);
    if (k != nullptr) key = *k;
  }
  if (!key) return;
  if (key->revoked) {
    p.status = Unauthenticated("key " + HexEncode(AsBytes(p.env.key_id)).substr(0, 16) +
                                   "... of " + key->party_id + " is revoked",
                               "key_revoked");
    return;
  }
  if (p.record->body_type() != fb::Body::Genesis) {
    Status role = LedgerState::CheckRole(*key, p.record->body_type());
    if (!role.ok()) {
      p.status = role;
      return;
    }
  }
  if (!key->key.Verify(pae, AsBytes(p.env.signature))) {
    p.status = Unauthenticated("signature does not verify with key of " + key->party_id,
                               "bad_signature");
    return;
  }
  p.signature_checked = true;
}

void Ledger::VerifyWorker() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    size_t start = 0;
    {
      std::unique_lock lock(q_mu_);
      verify_cv_.wait(lock, [&] { return stopping_ || !verify_q_.empty(); });
      if (verify_q_.empty()) return;  // stopping and nothing left
      std::tie(batch, start) = verify_q_.front();
      verify_q_.pop_front();
    }
    size_t end = std::min(start + kVerifyChunk, batch->items.size());
    for (size_t i = start; i < end; ++i) VerifyItem(batch->items[i]);
    if (batch->remaining.fetch_sub(end - start) == end - start) {
      {
        std::lock_guard lock(q_mu_);
        seq_q_.push_back(std::move(batch));
      }
      seq_cv_.notify_one();
    }
  }
}

// ---- sequencer ------------------------------------------------------------------------------

void Ledger::SequencerLoop() {
  for (;;) {
    std::vector<std::shared_ptr<Batch>> group;
    {
      std::unique_lock lock(q_mu_);
      seq_cv_.wait(lock, [&] {
        return !seq_q_.empty() || (stopping_ && verify_q_.empty() && pending_records_ == 0);
      });
      if (seq_q_.empty()) return;
      size_t records = 0;
      while (!seq_q_.empty() && (group.empty() || records < options_.max_group_records)) {
        records += seq_q_.front()->items.size();
        group.push_back(std::move(seq_q_.front()));
        seq_q_.pop_front();
      }
    }
    SequenceGroup(group);
    size_t n = 0;
    for (auto& b : group) {
      n += b->items.size();
      std::vector<IngestResult> results;
      results.reserve(b->items.size());
      for (auto& p : b->items) results.push_back(std::move(p.result));
      b->done(std::move(results));
    }
    {
      std::lock_guard lock(q_mu_);
      pending_records_ -= n;
    }
    drained_cv_.notify_all();
    seq_cv_.notify_all();
  }
}

void Ledger::CountRejection(const Status& s) {
  std::lock_guard lock(stats_mu_);
  ++stats_.rejected;
  std::string reason(s.reason());
  for (auto& [r, n] : rejections_) {
    if (r == reason) {
      ++n;
      return;
    }
  }
  rejections_.emplace_back(std::move(reason), 1);
}

void Ledger::SequenceGroup(std::vector<std::shared_ptr<Batch>>& group) {
  std::unique_lock lock(state_mu_);
  const uint64_t start_size = log_size_.load();
  uint64_t next = start_size;       // index the next accepted record gets
  uint64_t committed = start_size;  // records before this are durable
  storage::WriteBatch wb(*db_);
  group_entries_.clear();
  std::vector<Pending*> uncommitted;  // accepted, waiting for the commit
  std::vector<Pending*> duplicates;
  uint64_t accepted_total = 0, commits = 0;

  Status gate;
  if (failed_) {
    gate = Unavailable("the store failed a commit and accepts no writes: " + failure_.message(),
                       "store_failed");
  } else if (start_size < checkpoint_floor_) {
    gate = Unavailable("this store is behind a checkpoint it already issued (size " +
                           std::to_string(checkpoint_floor_) + " > " +
                           std::to_string(start_size) +
                           "); restore the missing entries before accepting records",
                       "store_behind_checkpoint");
  }

  // Writes everything accepted since the last commit in one synced batch
  // with a signed checkpoint, then publishes it. False after a failure
  // (fail-stop: the records in the failed batch are reported unavailable).
  auto commit = [&]() -> bool {
    if (next == committed) return true;
    tree_->FinishBatch(&wb);
    auto note = std::make_shared<SignedCheckpointNote>();
    note->size = next;
    note->root = tree_->Root();
    note->time_micros = last_record_time_;
    Checkpoint c{origin_, note->size, note->root, note->time_micros};
    auto signed_note = SignCheckpoint(c, host_key_, origin_);
    Status ws = signed_note.status();
    if (ws.ok()) {
      note->note = std::move(*signed_note);
      wb.Put(Cf::kCheckpoints, U64Key(next), note->note);
      ws = db_->Write(wb, /*sync=*/true);
    }
    if (!ws.ok()) {
      failed_ = true;
      failure_ = ws;
      Status err = Unavailable("commit failed, nothing was stored: " + ws.message(), "store_failed");
      for (Pending* p : uncommitted) {
        p->result.status = err;
        p->result.entry.reset();
      }
      gate = err;
      return false;
    }
    log_size_ = next;
    lineage_->Publish();
    {
      std::lock_guard cl(checkpoint_mu_);
      checkpoint_ = note;
    }
    for (Pending* p : uncommitted) p->result.checkpoint = note;
    accepted_total += next - committed;
    ++commits;
    uncommitted.clear();
    group_entries_.clear();
    wb.Clear();
    committed = next;
    return true;
  };

  // Logs one record that passed every check: entry, Merkle leaf, rows.
  auto append = [&](SignedEnvelope env, const RecordContext& ctx,
                    std::vector<DecisionData> decisions, const StateEffects& fx,
                    IngestResult* r) {
    last_record_time_ = ctx.record_time;
    LogEntryData e;
    e.index = next;
    e.record_time = ctx.record_time;
    e.envelope = std::move(env);
    e.decisions.push_back(DecisionData{"core", kCoreVersion, kCoreRuleSet, "", "accept", {}});
    for (auto& d : decisions) e.decisions.push_back(std::move(d));
    auto entry = std::make_shared<const std::string>(EncodeLogEntry(e));
    Hash256 leaf = LeafHash(*entry);
    tree_->Append(leaf, &wb);
    wb.Put(Cf::kRecords, U64Key(next), *entry);
    wb.Put(Cf::kRecordIds, AsBytes(ctx.record_id), U64Key(next));
    for (const auto& [k, v] : fx.serial_puts) wb.Put(Cf::kSerials, k, v);
    state_->AddRecordId(ctx.record_id, next);
    group_entries_.emplace_back(next, entry);
    if (r != nullptr) {
      r->leaf_hash = leaf;
      r->index = next;
      r->record_time = ctx.record_time;
      r->entry = std::move(entry);
    }
    ++next;
  };

  // Signs and logs the records the host must write after a record (recall
  // notices). They pass the same checks as any record.
  auto append_host_records = [&](std::vector<std::string> payloads) {
    const KeyInfo* host = state_->FindKey(host_key_.id());
    for (auto& payload : payloads) {
      SignedEnvelope env = SignPayload(host_key_, kRecordPayloadType, std::move(payload));
      auto rec = VerifyRecordPayload(env.payload);
      RecordContext ctx;
      ctx.index = next;
      ctx.record_time = std::max(last_record_time_, options_.clock->NowMicros());
      ctx.record_id = RecordIdOf(env.payload_type, env.payload);
      ctx.key = host;
      StateEffects fx;
      Status s = rec.ok() ? state_->Apply(**rec, ctx, &fx) : rec.status();
      if (!s.ok()) {
        // A host record the host cannot apply is a bug; stop writing.
        failed_ = true;
        failure_ = s;
        gate = Unavailable("the ledger stopped after an internal error: " + s.message(),
                           "store_failed");
        return;
      }
      append(std::move(env), ctx, {}, fx, nullptr);
    }
  };

  for (auto& batch : group) {
    for (Pending& p : batch->items) {
      IngestResult& r = p.result;
      if (!gate.ok()) {
        r.status = gate;
        continue;
      }
      if (!p.status.ok()) {
        r.status = p.status;
        CountRejection(r.status);
        continue;
      }
      // Idempotency: the same signed record returns its original index.
      bool dup = false;
      for (uint64_t index : state_->RecordIndexCandidates(r.record_id)) {
        auto bytes = LoadEntry(index);
        if (!bytes.ok()) continue;
        auto entry = VerifyLogEntry(*bytes, false);
        if (!entry.ok()) continue;
        if (RecordIdOf((*entry)->payload_type()->string_view(), PayloadBytes(**entry)) ==
            r.record_id) {
          r.duplicate = true;
          r.index = index;
          r.record_time = (*entry)->record_time();
          r.leaf_hash = LeafHash(*bytes);
          r.entry = std::make_shared<const std::string>(std::move(*bytes));
          dup = true;
          break;
        }
      }
      if (dup) {
        duplicates.push_back(&p);
        continue;
      }
      // A record that computes a recall scope sees everything before it
      // committed and published in the lineage index.
      if (LedgerState::IsScopeBarrier(p.record->body_type()) && !commit()) {
        r.status = gate;
        continue;
      }

      RecordContext ctx;
      ctx.index = next;
      ctx.record_time = std::max(last_record_time_, options_.clock->NowMicros());
      ctx.record_id = r.record_id;
      Status s;
      StateEffects fx;
      std::vector<DecisionData> decisions;
      RecallPlan plan;
      const bool genesis = p.record->body_type() == fb::Body::Genesis;
      KeyInfo genesis_key;
      if (genesis) {
        const fb::Genesis* g = p.record->body_as_Genesis();
        auto vk = g->host_key() ? VerifyingKey::FromRaw(std::string_view(
                                      reinterpret_cast<const char*>(g->host_key()->data()),
                                      g->host_key()->size()))
                                : StatusOr<VerifyingKey>(InvalidArgument("no host key"));
        if (next != 0) {
          s = PermissionDenied("a genesis record is written only when a store is created",
                               "genesis_exists");
        } else if (!vk.ok()) {
          s = vk.status();
        } else if (!(vk->id() == p.env.key_id) ||
                   !vk->VerifyRecord(p.env.payload_type, p.env.payload,
                                     AsBytes(p.env.signature))) {
          s = Unauthenticated("genesis must be signed by the host key it names",
                              "bad_signature");
        } else {
          genesis_key.key = *vk;
          ctx.key = &genesis_key;
          s = state_->ApplyGenesis(*p.record, ctx);
        }
      } else {
        const KeyInfo* key = state_->FindKey(p.env.key_id);
        if (key == nullptr) {
          s = Unauthenticated("unknown signing key " +
                                  HexEncode(AsBytes(p.env.key_id)).substr(0, 16) + "...",
                              "unknown_key");
        } else if (key->revoked) {
          s = Unauthenticated("key of " + key->party_id + " is revoked", "key_revoked");
        } else if (!p.signature_checked) {
          s = LedgerState::CheckRole(*key, p.record->body_type());
          if (s.ok() && !key->key.VerifyRecord(p.env.payload_type, p.env.payload,
                                               AsBytes(p.env.signature))) {
            s = Unauthenticated("signature does not verify with key of " + key->party_id,
                                "bad_signature");
          }
        }
        if (s.ok()) {
          ctx.key = key;
          ctx.payload = p.env.payload;
          if (options_.policy != nullptr) {
            s = options_.policy->Check(*p.record, ctx, *state_, &decisions);
            // A plugin's internal failure refuses this record only.
            if (s.code() == StatusCode::kInternal) {
              s = Status(StatusCode::kFailedPrecondition, s.message(), "plugin_failed",
                         s.details());
            }
          }
          if (s.ok() && p.record->body_type() == fb::Body::RecallOrder) {
            // The plan comes from the sector's plugin or the built-in table;
            // it is logged with the record so replay uses the same one.
            const fb::RecallOrder* o = p.record->body_as_RecallOrder();
            StatusOr<RecallPlan> planned =
                options_.policy ? options_.policy->PlanRecall(*o, *state_)
                                : StatusOr<RecallPlan>(NotFound("no policy"));
            if (planned.status().code() == StatusCode::kNotFound) {
              planned = DefaultRecallPlan(o->sector() ? o->sector()->string_view() : "",
                                          o->level() ? o->level()->string_view() : "");
            }
            if (!planned.ok()) {
              s = planned.status();
            } else {
              plan = std::move(*planned);
              ctx.recall_plan = &plan;
              decisions.push_back(DecisionData{"recall-plan", plan.source, plan.rule_set, "",
                                               "plan", {RecallPlanToJson(plan)}});
            }
          }
          if (s.ok()) s = state_->Apply(*p.record, ctx, &fx);
        }
      }
      if (s.code() == StatusCode::kInternal) {
        // The state may be half-applied: stop writing (fail-stop).
        failed_ = true;
        failure_ = s;
        gate = Unavailable("the ledger stopped after an internal error: " + s.message(),
                           "store_failed");
        r.status = s;
        continue;
      }
      if (!s.ok()) {
        r.status = s;
        CountRejection(s);
        continue;
      }
      std::vector<std::string> host_records = std::move(fx.host_records);
      append(std::move(p.env), ctx, std::move(decisions), fx, &r);
      p.record = nullptr;  // its bytes moved into the log entry
      uncommitted.push_back(&p);
      if (!host_records.empty()) append_host_records(std::move(host_records));
    }
  }

  commit();
  std::shared_ptr<const SignedCheckpointNote> latest = LatestCheckpoint();
  for (Pending* p : duplicates) p->result.checkpoint = latest;
  group_entries_.clear();
  if (options_.snapshot_interval > 0 &&
      log_size_ - snapshot_size_ >= options_.snapshot_interval) {
    Status ss = WriteSnapshot();  // still under the exclusive lock
    (void)ss;                     // a failed snapshot only costs replay time
  }
  std::lock_guard sl(stats_mu_);
  stats_.accepted += accepted_total;
  stats_.duplicates += duplicates.size();
  stats_.groups += commits;
}

StatusOr<size_t> Ledger::CheckRecallDeadlines() {
  int64_t now = options_.clock->NowMicros();
  std::vector<std::string> payloads =
      WithState([&](const LedgerState& s) { return s.OverduePayloads(now); });
  if (payloads.empty()) return size_t{0};
  std::vector<IngestItem> items;
  for (auto& p : payloads) {
    items.push_back(IngestItem::FromEnvelope(SignPayload(host_key_, kRecordPayloadType, std::move(p))));
  }
  size_t marked = 0;
  for (const auto& r : SubmitAndWait(std::move(items))) {
    if (r.status.ok() && !r.duplicate) ++marked;
    else if (!r.status.ok() && r.status.code() != StatusCode::kAlreadyExists) return r.status;
  }
  return marked;
}

// ---- the log ---------------------------------------------------------------------------------

uint64_t Ledger::LogSize() const { return log_size_.load(); }

std::shared_ptr<const SignedCheckpointNote> Ledger::LatestCheckpoint() const {
  std::lock_guard lock(checkpoint_mu_);
  return checkpoint_;
}

StatusOr<std::string> Ledger::CheckpointAtSize(uint64_t size) const {
  std::string note;
  Status s = db_->Get(Cf::kCheckpoints, U64Key(size), &note);
  if (s.code() == StatusCode::kNotFound) {
    return NotFound("no checkpoint was issued at size " + std::to_string(size),
                    "unknown_checkpoint");
  }
  QT_RETURN_IF_ERROR(s);
  return note;
}

StatusOr<std::vector<Hash256>> Ledger::InclusionProof(uint64_t index, uint64_t size) const {
  if (size > LogSize() || index >= size) {
    return InvalidArgument("need index < size <= " + std::to_string(LogSize()), "bad_range");
  }
  return tree_->InclusionProof(index, size);
}

StatusOr<std::vector<Hash256>> Ledger::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  if (size2 > LogSize() || size1 > size2) {
    return InvalidArgument("need from <= to <= " + std::to_string(LogSize()), "bad_range");
  }
  return tree_->ConsistencyProof(size1, size2);
}

StatusOr<std::string> Ledger::EntryAt(uint64_t index) const {
  if (index >= LogSize()) {
    return NotFound("no record at log index " + std::to_string(index), "unknown_index");
  }
  std::string value;
  QT_RETURN_IF_ERROR(db_->Get(Cf::kRecords, U64Key(index), &value));
  return value;
}

StatusOr<uint64_t> Ledger::FindRecord(const Hash256& record_id) const {
  std::string value;
  Status s = db_->Get(Cf::kRecordIds, AsBytes(record_id), &value);
  if (s.code() == StatusCode::kNotFound) {
    return NotFound("no record with id " + HexEncode(AsBytes(record_id)), "unknown_record");
  }
  QT_RETURN_IF_ERROR(s);
  KeyReader r(value);
  uint64_t index = 0;
  if (!r.U64(&index)) return Internal("bad record id row", "store_corrupt");
  if (index >= LogSize()) return NotFound("record not yet committed", "unknown_record");
  return index;
}

StatusOr<std::string> Ledger::Receipt(uint64_t index) const {
  auto cp = LatestCheckpoint();
  if (cp == nullptr || index >= cp->size) {
    return NotFound("no checkpoint covers log index " + std::to_string(index), "unknown_index");
  }
  QT_ASSIGN_OR_RETURN(std::string entry, EntryAt(index));
  QT_ASSIGN_OR_RETURN(std::vector<Hash256> proof, InclusionProof(index, cp->size));
  qtrace::Receipt receipt;
  receipt.extra = std::move(entry);
  receipt.index = index;
  receipt.proof = std::move(proof);
  receipt.checkpoint_note = cp->note;
  return FormatReceipt(receipt);
}

// ---- snapshots -----------------------------------------------------------------------------
//
// Cf::kSnapshots holds, per snapshot of log size S:
//   U64(S) 'H'        -> U64(state bytes) U64(lineage bytes) U32(chunks) SHA-256(blob)
//   U64(S) 'C' U32(i) -> chunk i of blob = state bytes || lineage bytes
// Only the newest is kept.

namespace {
constexpr size_t kSnapshotChunk = 4u << 20;
}

Status Ledger::WriteSnapshot() {
  auto t0 = std::chrono::steady_clock::now();
  const uint64_t size = log_size_.load();
  std::string blob;
  state_->Serialize(&blob);
  const uint64_t state_bytes = blob.size();
  std::string lineage;
  lineage_->Serialize(&lineage);
  blob += lineage;
  storage::WriteBatch wb(*db_);
  // Drop older snapshots.
  auto it = db_->NewIterator(Cf::kSnapshots);
  for (it->SeekToFirst(); it->Valid(); it->Next()) wb.Delete(Cf::kSnapshots, it->key());
  uint32_t chunks = 0;
  for (size_t off = 0; off < blob.size(); off += kSnapshotChunk, ++chunks) {
    wb.Put(Cf::kSnapshots, KeyBuilder().U64(size).U8('C').U32(chunks).Build(),
           std::string_view(blob).substr(off, kSnapshotChunk));
  }
  Hash256 digest = Sha256(blob);
  wb.Put(Cf::kSnapshots, KeyBuilder().U64(size).U8('H').Build(),
         KeyBuilder().U64(state_bytes).U64(lineage.size()).U32(chunks).Raw(AsBytes(digest)).Build());
  QT_RETURN_IF_ERROR(db_->Write(wb, /*sync=*/false));
  snapshot_size_ = size;
  std::lock_guard sl(stats_mu_);
  ++stats_.snapshots;
  stats_.snapshot_bytes = blob.size();
  stats_.snapshot_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return Status::Ok();
}

uint64_t Ledger::LoadSnapshot(uint64_t log_records) {
  auto it = db_->NewIterator(Cf::kSnapshots);
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    KeyReader kr(it->key());
    uint64_t size;
    uint8_t tag;
    if (!kr.U64(&size) || !kr.U8(&tag) || tag != 'H' || size > log_records || size == 0) continue;
    KeyReader hr(it->value());
    uint64_t state_bytes, lineage_bytes;
    uint32_t chunks;
    if (!hr.U64(&state_bytes) || !hr.U64(&lineage_bytes) || !hr.U32(&chunks) ||
        hr.Rest().size() != 32) {
      continue;
    }
    std::string blob;
    blob.reserve(state_bytes + lineage_bytes);
    bool complete = true;
    for (uint32_t c = 0; c < chunks && complete; ++c) {
      std::string chunk;
      complete = db_->Get(Cf::kSnapshots, KeyBuilder().U64(size).U8('C').U32(c).Build(), &chunk).ok();
      blob += chunk;
    }
    if (!complete || blob.size() != state_bytes + lineage_bytes ||
        AsBytes(Sha256(blob)) != hr.Rest()) {
      continue;  // damaged: fall back to an older one or a full replay
    }
    auto lineage = LineageIndex::Deserialize(std::string_view(blob).substr(state_bytes));
    if (!lineage.ok()) continue;
    LineageStats ls = (*lineage)->Stats();
    if (ls.published && ls.published_log_index >= size) continue;
    auto state = LedgerState::Deserialize(
        std::string_view(blob).substr(0, state_bytes), lineage->get(),
        [this](uint64_t index) { return LoadEntry(index); }, options_.limits);
    if (!state.ok()) continue;
    lineage_ = std::move(*lineage);
    state_ = std::move(*state);
    snapshot_size_ = size;
    return size;
  }
  return 0;
}

Ledger::Stats Ledger::GetStats() const {
  std::lock_guard lock(stats_mu_);
  Stats s = stats_;
  s.log_size = LogSize();
  s.store_bytes = db_->ApproximateSize();
  return s;
}

std::vector<std::pair<std::string, uint64_t>> Ledger::RejectionsByReason() const {
  std::lock_guard lock(stats_mu_);
  return rejections_;
}

}  // namespace qtrace::host
