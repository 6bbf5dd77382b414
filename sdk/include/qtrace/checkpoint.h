// Signed checkpoints of the log: a C2SP tlog-checkpoint
// (https://c2sp.org/tlog-checkpoint) in a C2SP signed note
// (https://c2sp.org/signed-note) signed with the host's Ed25519 key.
//
//   <origin>\n
//   <size, ASCII decimal, no leading zeroes>\n
//   <base64 root hash>\n
//   time <UTC, RFC 3339, always 6 fraction digits:
//   2026-11-28T04:03:58.123456Z>\n \n — <key name> <base64(4-byte key id ||
//   64-byte Ed25519 signature)>\n
//
// The signature covers the note text (the four body lines, final newline
// included). The key id is the first four bytes of
// SHA-256(key name || 0x0A || 0x01 || 32-byte public key). qtrace checkpoints
// always carry exactly one extension line, the time line; the parsers here
// reject any other body, so a checkpoint has exactly one accepted spelling.
// Signatures by other keys (witness cosignatures) are ignored when opening.
//
// Thread-safety: pure functions.
#ifndef QTRACE_CHECKPOINT_H_
#define QTRACE_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "qtrace/crypto.h"
#include "qtrace/status.h"

namespace qtrace {

struct Checkpoint {
  std::string origin;       // the log's identity, e.g. "qtrace.example/city"
  uint64_t size = 0;        // leaves in the tree
  Hash256 root{};           // RFC 6962 root at `size`
  int64_t time_micros = 0;  // when the host signed it, µs since the epoch (UTC)

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// OK when `name` can be a signed-note key name: non-empty, valid UTF-8, no
// control characters, no Unicode space and no '+'. InvalidArgument otherwise.
Status ValidateNoteKeyName(std::string_view name);
// OK when `origin` can be a checkpoint origin line: the same rules as a key
// name (C2SP only recommends them for origins; qtrace requires them so that an
// origin can always double as the key name).
Status ValidateCheckpointOrigin(std::string_view origin);

// The 4-byte signed-note key id of an Ed25519 key, as a big-endian uint32.
uint32_t NoteKeyId(std::string_view key_name, const VerifyingKey& key);

// The note text (the four body lines) of `checkpoint`.
std::string FormatCheckpointBody(const Checkpoint& checkpoint);
// "2026-11-28T04:03:58.123456Z" for years 0000-9999.
std::string FormatCheckpointTime(int64_t micros);

// The signed note for `checkpoint`, signed by `key` under `key_name`.
// InvalidArgument when the origin or the key name is not acceptable (see
// above) or the time is outside years 0000-9999.
StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                     const PrivateKey& key,
                                     std::string_view key_name);

// Verifies that `note` carries a valid signature by (`key_name`, `key`) and
// parses its body strictly. Unauthenticated (reason
// "bad_checkpoint_signature") when no signature line matches the key, or one
// that matches fails to verify; InvalidArgument (reason "bad_checkpoint")
// when the note or the body is malformed.
StatusOr<Checkpoint> OpenCheckpoint(std::string_view note,
                                    const VerifyingKey& key,
                                    std::string_view key_name);

// Parses `note` like OpenCheckpoint without checking any signature: for
// display only, never for a trust decision.
StatusOr<Checkpoint> ParseCheckpointUnverified(std::string_view note);

}  // namespace qtrace

#endif  // QTRACE_CHECKPOINT_H_
