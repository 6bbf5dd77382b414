// Replay: re-applies stored log entries, in log order, to a LedgerState (and
// the LineageIndex it feeds) exactly as the sequencer applied them — genesis
// with the host key it names, every other record with the key the state has
// registered for it at that point. One loop for every caller: Ledger start-up
// (after the newest snapshot) and `qtrace audit` (from an empty state, with
// every signature re-verified).
//
//   LogReplayer replayer(state, /*next_index=*/from);
//   Status s = ReplayLog(db, &replayer);          // the whole tail of the log
//   // or, entry by entry: replayer.Apply(index, entry_bytes, &replayed)
//
// Every failure is Internal and names the log index:
//   reason "store_corrupt"   a gap or bad key in the records column family,
//                            an entry that does not decode, an entry whose
//                            index field is not its key, no genesis at 0;
//   reason "bad_signature"   (verify_signatures) the signature does not
//                            verify with the registered key, the key is
//                            unknown or was revoked before the record;
//   reason "replay_diverged" the state refused a logged record.
// A refused record leaves the state unchanged (LedgerState::Apply is
// all-or-nothing); the replayer does not advance past it.
//
// Thread-safety: a LogReplayer is used by one thread; it mutates the state
// and the lineage index without locks (callers hold whatever the ledger
// needs). ReplayLog only reads `db`.
#ifndef QTRACE_HOST_REPLAY_H_
#define QTRACE_HOST_REPLAY_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "qtrace/crypto.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/host/state.h"
#include "qtrace/status.h"
#include "qtrace/storage/db.h"

namespace qtrace::host {

struct ReplayOptions {
  // Re-verify every record's Ed25519 signature with the key registered at
  // that point in the log (genesis: the host key it names), and that the key
  // was not revoked by an earlier record. Ledger start-up trusts its own
  // store and leaves this off; audit turns it on. Default: false.
  bool verify_signatures = false;
};

// What one replayed entry was.
struct ReplayedEntry {
  uint64_t index = 0;
  int64_t record_time = 0;
  Hash256 record_id{};
  fb::Body type = fb::Body::NONE;
  // The serial rows the record wrote (the same rows the sequencer put into
  // Cf::kSerials in the record's group commit).
  StateEffects effects;
};

class LogReplayer {
 public:
  // `state` must hold exactly the log entries [0, next_index): an empty
  // state for 0, or one loaded from a snapshot of that size. Not owned.
  LogReplayer(LedgerState* state, uint64_t next_index, ReplayOptions options = {});

  // Applies the LogEntry `bytes` stored at log index `index`, which must be
  // next_index(). `bytes` must be 8-byte aligned (a std::string's buffer is)
  // and stay alive during the call. On success next_index() grows by one and
  // *out (when non-null) says what was applied.
  Status Apply(uint64_t index, std::string_view bytes, ReplayedEntry* out = nullptr);

  uint64_t next_index() const { return next_index_; }
  // The largest record_time replayed so far (0 when none).
  int64_t last_record_time() const { return last_record_time_; }

 private:
  LedgerState* state_;
  uint64_t next_index_;
  ReplayOptions options_;
  int64_t last_record_time_ = 0;
};

// Called after each applied entry with what was applied and the entry bytes;
// a non-OK return stops the replay and is returned by ReplayLog.
using ReplayObserver = std::function<Status(const ReplayedEntry&, std::string_view bytes)>;

// Replays Cf::kRecords of `db` from replayer->next_index() to the end of the
// column family. The LineageIndex is NOT published: the caller publishes
// once it has checked the result.
Status ReplayLog(const storage::Db& db, LogReplayer* replayer,
                 const ReplayObserver& on_entry = {});

}  // namespace qtrace::host

#endif  // QTRACE_HOST_REPLAY_H_
