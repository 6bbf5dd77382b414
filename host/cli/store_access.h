// How the offline commands (export, audit, backup, restore) reach a data
// dir's store: refuse one that a running qtraced holds, open it read-only or
// normally, read the log's meta rows and checkpoints, parse lot arguments.
//
// Thread-safety: single-threaded, like main().
#ifndef QTRACE_HOST_CLI_STORE_ACCESS_H_
#define QTRACE_HOST_CLI_STORE_ACCESS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli.h"
#include "qtrace/checkpoint.h"
#include "qtrace/crypto.h"
#include "qtrace/status.h"
#include "qtrace/storage/db.h"

namespace qtrace::cli {

// Meta keys the ledger keeps in Cf::kMeta.
inline constexpr std::string_view kMetaOrigin = "origin";
inline constexpr std::string_view kMetaCheckpointFloor = "checkpoint_floor";
// The signed note of the checkpoint that set the floor (restore writes it
// next to the floor so the ledger can check the root when it catches up).
inline constexpr std::string_view kMetaCheckpointFloorNote = "checkpoint_floor_note";

// True when another process holds the RocksDB LOCK of the store at `db_dir`
// (a running qtraced). Reads only: an fcntl F_GETLK probe of db_dir/LOCK.
bool StoreLockedByOtherProcess(const std::string& db_dir);

// A usage error (exit 2) when the store at `db_dir` is in use, saying what
// to do instead (`advice`, e.g. "export from a backup/checkpoint copy").
std::optional<CommandResult> RefuseIfInUse(const std::string& db_dir, std::string_view advice);

// True when `db_dir` holds a RocksDB store (a CURRENT file).
bool StoreExists(const std::string& db_dir);

// Opens the store; a usage error (exit 2) with `advice` when it is locked,
// or with the open error otherwise.
std::optional<CommandResult> OpenStore(const std::string& db_dir, bool read_only,
                                       std::string_view advice,
                                       std::unique_ptr<storage::Db>* out);

// The log's origin (Cf::kMeta "origin"); NotFound when absent.
StatusOr<std::string> ReadOrigin(const storage::Db& db);
// Cf::kMeta "checkpoint_floor" (0 when absent).
uint64_t ReadCheckpointFloor(const storage::Db& db);

// The newest checkpoint row: its key (tree size) and note. NotFound when the
// store has none.
struct StoredCheckpoint {
  uint64_t size = 0;
  std::string note;
};
StatusOr<StoredCheckpoint> NewestCheckpoint(const storage::Db& db);

// Opens a checkpoint note with the host key under `key_name` (default: the
// note's own origin).
StatusOr<Checkpoint> OpenNote(std::string_view note, const VerifyingKey& host_key,
                              const std::optional<std::string>& key_name = std::nullopt);

// Loads a public key PEM file; a usage error naming `flag` otherwise.
std::optional<CommandResult> LoadPublicKeyArg(std::string_view flag, const std::string& path,
                                              VerifyingKey* out);

// Parses a lot argument: "scheme:product/lot" (gtin:, national:, local:) or
// the shorthand "product/lot" where product is a 14-digit GTIN. Returns the
// canonical "scheme:product/lot" text.
StatusOr<std::string> CanonicalLotRef(std::string_view text);

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_STORE_ACCESS_H_
