// Receipts: offline-verifiable proof that a log entry is in the log, in the
// C2SP tlog-proof text format (https://c2sp.org/tlog-proof):
//
//   c2sp.org/tlog-proof@v1\n
//   extra <base64 of the exact LogEntry bytes>\n
//   index <N>\n
//   <base64 inclusion-proof hash>\n      (zero or more, leaf sibling first)
//   \n
//   <the signed checkpoint note, verbatim (see checkpoint.h)>
//
// The "extra" line is unauthenticated by itself: it is trusted only because
// LeafHash(extra) is proven included under a checkpoint the host signed.
// VerifyReceipt checks exactly that, with nothing but the host's public key;
// the signature on the record inside the entry is the caller's next step
// (the verified entry bytes are returned for it).
//
// Thread-safety: pure functions.
#ifndef QTRACE_RECEIPT_H_
#define QTRACE_RECEIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/checkpoint.h"
#include "qtrace/crypto.h"
#include "qtrace/status.h"

namespace qtrace {

inline constexpr std::string_view kReceiptHeader = "c2sp.org/tlog-proof@v1";

struct Receipt {
  std::optional<std::string> extra;  // qtrace: the LogEntry bytes
  uint64_t index = 0;
  std::vector<Hash256> proof;   // inclusion proof in the checkpoint's tree
  std::string checkpoint_note;  // signed note, verbatim

  friend bool operator==(const Receipt&, const Receipt&) = default;
};

// The tlog-proof text of `receipt`. The checkpoint note is copied verbatim.
std::string FormatReceipt(const Receipt& receipt);

// Parses tlog-proof text strictly: the header line, an optional non-empty
// extra line, the index (decimal, no leading zeroes), at most
// kMaxProofHashes base64 32-byte hashes, an empty line and a non-empty
// checkpoint note (whose syntax is left to OpenCheckpoint).
// InvalidArgument (reason "bad_receipt") otherwise.
StatusOr<Receipt> ParseReceipt(std::string_view text);

// What a receipt proves once verified.
struct VerifiedReceipt {
  Checkpoint checkpoint;  // signed by the host key
  uint64_t index = 0;     // the entry's position in the log
  std::string entry;      // the exact LogEntry bytes (from "extra")
  Hash256 leaf_hash{};    // LeafHash(entry)
};

// Verifies receipt text offline: the checkpoint is signed by (`key_name`,
// `host_key`), the receipt carries the entry bytes, and LeafHash(entry) is
// the leaf at `index` of the checkpoint's tree. Returns the first failure:
// InvalidArgument for malformed text or a failing proof, Unauthenticated
// for a bad checkpoint signature.
StatusOr<VerifiedReceipt> VerifyReceipt(std::string_view text,
                                        const VerifyingKey& host_key,
                                        std::string_view key_name);

// What an SDK client needs to check, offline, what one qtrace log hands out:
// the host's public key, the log's origin and the key name its checkpoints
// are signed under (by default the origin, as C2SP recommends). Checkpoints
// and receipts of any other log are rejected (InvalidArgument, reason
// "wrong_log"), even when the same key signed them.
//
// Thread-safety: immutable after construction; share freely.
class LogVerifier {
 public:
  LogVerifier(VerifyingKey host_key, std::string origin,
              std::string key_name = {});

  const std::string& origin() const { return origin_; }
  const std::string& key_name() const { return key_name_; }

  // OpenCheckpoint (checkpoint.h) plus the origin check.
  StatusOr<Checkpoint> OpenCheckpoint(std::string_view note) const;
  // VerifyReceipt (above) plus the origin check.
  StatusOr<VerifiedReceipt> VerifyReceipt(std::string_view text) const;
  // OK when `proof` shows that `newer` extends `older`, two checkpoints of
  // this log opened by this verifier (an older checkpoint with a larger size
  // is rejected).
  Status VerifyConsistency(const Checkpoint& older, const Checkpoint& newer,
                           const std::vector<Hash256>& proof) const;

 private:
  Status CheckOrigin(const Checkpoint& checkpoint) const;

  VerifyingKey host_key_;
  std::string origin_;
  std::string key_name_;
};

}  // namespace qtrace

#endif  // QTRACE_RECEIPT_H_
