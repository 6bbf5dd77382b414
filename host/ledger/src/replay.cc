#include "qtrace/host/replay.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/record.h"
#include "qtrace/storage/keys.h"

namespace qtrace::host {
namespace {

std::string At(uint64_t index) { return "log index " + std::to_string(index); }

std::string_view Bytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}

}  // namespace

LogReplayer::LogReplayer(LedgerState* state, uint64_t next_index, ReplayOptions options)
    : state_(state), next_index_(next_index), options_(options) {}

Status LogReplayer::Apply(uint64_t index, std::string_view bytes, ReplayedEntry* out) {
  if (index != next_index_) {
    return Internal("log has a gap or a bad key at index " + std::to_string(next_index_),
                    "store_corrupt");
  }
  auto entry = VerifyLogEntry(bytes);
  if (!entry.ok()) {
    return Internal(At(index) + ": " + entry.status().message(), "store_corrupt");
  }
  const fb::LogEntry& e = **entry;
  if (e.index() != index) {
    return Internal("entry at key " + std::to_string(index) + " says index " +
                        std::to_string(e.index()),
                    "store_corrupt");
  }
  auto rec_or = RecordOfEntry(e);
  if (!rec_or.ok()) {
    return Internal(At(index) + ": " + rec_or.status().message(), "store_corrupt");
  }
  const fb::Record* rec = *rec_or;
  const std::string_view payload_type =
      e.payload_type() ? e.payload_type()->string_view() : std::string_view();
  const std::string_view payload = Bytes(e.payload());
  const std::string_view signature = Bytes(e.signature());
  const std::string_view key_bytes = Bytes(e.key_id());
  KeyId key_id{};
  if (key_bytes.size() != key_id.size()) {
    return Internal(At(index) + ": key id is not 32 bytes", "store_corrupt");
  }
  std::memcpy(key_id.data(), key_bytes.data(), key_id.size());

  RecordContext ctx;
  ctx.index = index;
  ctx.record_time = e.record_time();
  ctx.record_id = RecordIdOf(payload_type, payload);
  ctx.replay = true;
  StateEffects fx;
  Status s;
  if (index == 0) {
    const fb::Genesis* g = rec->body_as_Genesis();
    if (g == nullptr || g->host_key() == nullptr) {
      return Internal("log index 0 is not a genesis record", "store_corrupt");
    }
    KeyInfo gk;
    auto vk = VerifyingKey::FromRaw(Bytes(g->host_key()));
    if (!vk.ok()) return Internal("genesis: " + vk.status().message(), "store_corrupt");
    gk.key = *vk;
    if (options_.verify_signatures &&
        (!(vk->id() == key_id) || !vk->VerifyRecord(payload_type, payload, signature))) {
      return Internal(At(index) + ": the genesis record is not signed by the host key it names",
                      "bad_signature");
    }
    ctx.key = &gk;
    s = state_->ApplyGenesis(*rec, ctx);
  } else {
    const KeyInfo* k = state_->FindKey(key_id);
    if (k == nullptr) {
      s = Internal("signing key unknown");
      if (options_.verify_signatures) {
        return Internal(At(index) + ": signed by key " +
                            HexEncode(AsBytes(key_id)).substr(0, 16) +
                            "..., which no earlier record registered",
                        "bad_signature");
      }
    } else {
      if (options_.verify_signatures) {
        if (k->revoked && k->revoked_index < index) {
          return Internal(At(index) + ": signed by a key of " + k->party_id +
                              " revoked at log index " + std::to_string(k->revoked_index),
                          "bad_signature");
        }
        if (!k->key.VerifyRecord(payload_type, payload, signature)) {
          return Internal(At(index) + ": record signature does not verify with the key of " +
                              k->party_id + " registered at log index " +
                              std::to_string(k->added_index),
                          "bad_signature");
        }
      }
      ctx.key = k;
      s = state_->Apply(*rec, ctx, &fx);
    }
  }
  if (!s.ok()) {
    return Internal("replay diverged at log index " + std::to_string(index) + ": " +
                        s.ToString(),
                    "replay_diverged");
  }
  state_->AddRecordId(ctx.record_id, index);
  last_record_time_ = std::max(last_record_time_, e.record_time());
  ++next_index_;
  if (out != nullptr) {
    out->index = index;
    out->record_time = e.record_time();
    out->record_id = ctx.record_id;
    out->type = rec->body_type();
    out->effects = std::move(fx);
  }
  return Status::Ok();
}

Status ReplayLog(const storage::Db& db, LogReplayer* replayer, const ReplayObserver& on_entry) {
  auto it = db.NewIterator(storage::Cf::kRecords);
  ReplayedEntry replayed;
  for (it->Seek(storage::U64Key(replayer->next_index())); it->Valid(); it->Next()) {
    storage::KeyReader kr(it->key());
    uint64_t index = 0;
    if (!kr.U64(&index) || !kr.Rest().empty() || index != replayer->next_index()) {
      return Internal("log has a gap or a bad key at index " +
                          std::to_string(replayer->next_index()),
                      "store_corrupt");
    }
    std::string bytes(it->value());  // a heap buffer: aligned for flatbuffers
    QT_RETURN_IF_ERROR(replayer->Apply(index, bytes, on_entry ? &replayed : nullptr));
    if (on_entry) QT_RETURN_IF_ERROR(on_entry(replayed, bytes));
  }
  return it->status();
}

}  // namespace qtrace::host
