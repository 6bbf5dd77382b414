// `qtrace backup --data-dir DIR --to BACKUP_DIR` and
// `qtrace restore --from BACKUP_DIR --data-dir DIR [--floor-from FILE]
//                [--host-key PEM]`.
//
// The host never signs a checkpoint that is not consistent with one it
// already issued. A backup is older than the store it replaces, so a restore
// records a checkpoint floor (Cf::kMeta "checkpoint_floor", U64 big-endian):
// the size of the newest checkpoint known to have been issued — the newest
// one of the store being replaced (read before it is replaced) and/or the
// one given with --floor-from (a checkpoint note, a receipt or a bundle; its
// signature is checked with the host key). The ledger refuses records
// (Unavailable, reason store_behind_checkpoint) while the log is shorter
// than the floor. When the backup already holds that many entries, its root
// at that size must equal the issued checkpoint's, or the restore is refused.
// Catching up by re-importing the missing entries is not implemented.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>

#include "bundle.h"
#include "cli.h"
#include "qtrace/checkpoint.h"
#include "qtrace/host/ledger.h"
#include "qtrace/receipt.h"
#include "qtrace/storage/keys.h"
#include "qtrace/storage/merkle_tree.h"
#include "store_access.h"

namespace qtrace::cli {
namespace {

namespace fs = std::filesystem;
using storage::Cf;

struct BackupArgs {
  std::string data_dir, to;
};

struct RestoreArgs {
  std::string from, data_dir, floor_from, host_key;
};

CommandResult BackupCommand(const BackupArgs& a) {
  host::DataDirLayout layout(a.data_dir);
  std::unique_ptr<storage::Db> db;
  if (auto e = OpenStore(layout.db(), /*read_only=*/false,
                         "copy the data dir while it is stopped (a RocksDB backup needs the store "
                         "open in this process)",
                         &db)) {
    return *e;
  }
  auto cp = NewestCheckpoint(*db);
  const uint64_t size = cp.ok() ? cp->size : 0;
  Status s = db->Backup(a.to);
  if (!s.ok()) return UsageError("backup to " + a.to + ": " + s.message());
  std::string out = "backed up " + layout.db() + " to " + a.to + "\n";
  out += "log size: " + std::to_string(size) + " (newest checkpoint)\n";
  out += "note: the keys in " + layout.keys() +
         " are not in the backup; keep a copy of them apart\n";
  return Success(std::move(out));
}

std::string UtcStamp() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The checkpoint note inside a note, receipt or bundle file.
StatusOr<std::string> NoteOf(std::string text) {
  if (text.rfind(kReceiptHeader, 0) == 0) {
    QT_ASSIGN_OR_RETURN(Receipt r, ParseReceipt(text));
    return r.checkpoint_note;
  }
  if (text.rfind(kBundleHeader, 0) == 0) {
    QT_ASSIGN_OR_RETURN(Bundle b, ParseBundle(text));
    return b.checkpoint_note;
  }
  return text;
}

// The newest checkpoint known to have been issued, and where it came from.
struct Floor {
  uint64_t size = 0;
  std::string note;    // empty when only the size is known (an older floor row)
  std::string source;
  std::optional<Checkpoint> checkpoint;
  void Raise(uint64_t s, std::string n, std::optional<Checkpoint> c, std::string src) {
    if (s <= size) return;
    size = s;
    note = std::move(n);
    checkpoint = std::move(c);
    source = std::move(src);
  }
};

CommandResult RestoreCommand(const RestoreArgs& a) {
  host::DataDirLayout layout(a.data_dir);
  const std::string db_dir = layout.db();
  if (auto e = RefuseIfInUse(db_dir, "restore once it is stopped")) return *e;

  std::optional<VerifyingKey> host_key;
  {
    std::string path = a.host_key;
    std::error_code ec;
    if (path.empty() && fs::exists(layout.host_public_key(), ec)) path = layout.host_public_key();
    if (!path.empty()) {
      VerifyingKey k;
      if (auto e = LoadPublicKeyArg("host key", path, &k)) return *e;
      host_key = k;
    }
  }

  Floor floor;
  std::string origin;
  const bool have_current = StoreExists(db_dir);
  if (have_current) {
    std::unique_ptr<storage::Db> current;
    if (auto e = OpenStore(db_dir, /*read_only=*/true, "restore once it is stopped", &current)) {
      if (a.floor_from.empty()) {
        return UsageError("cannot read the store being replaced (" + e->err.substr(7, e->err.size() - 8) +
                          "); its newest checkpoint sets the checkpoint floor: give the newest "
                          "checkpoint you know of with --floor-from (a note, receipt or bundle)");
      }
    } else {
      auto o = ReadOrigin(*current);
      if (o.ok()) origin = *o;
      auto cp = NewestCheckpoint(*current);
      if (cp.ok()) {
        if (!host_key) {
          return UsageError("no host key to check the newest checkpoint of the store being "
                            "replaced: give --host-key (or keep " + layout.host_public_key() + ")");
        }
        auto opened = OpenNote(cp->note, *host_key);
        if (!opened.ok() || opened->size != cp->size) {
          return Invalid("the newest checkpoint of the store being replaced (size " +
                         std::to_string(cp->size) + ") does not verify with the host key: " +
                         (opened.ok() ? std::string("size mismatch") : opened.status().message()) +
                         "; give a checkpoint you trust with --floor-from, or move " + db_dir +
                         " away first");
        }
        floor.Raise(cp->size, cp->note, *opened, "the newest checkpoint of the store being replaced");
      }
      const uint64_t old_floor = ReadCheckpointFloor(*current);
      if (old_floor > floor.size) {
        std::string note;
        std::optional<Checkpoint> c;
        if (current->Get(Cf::kMeta, kMetaCheckpointFloorNote, &note).ok() && host_key) {
          auto opened = OpenNote(note, *host_key);
          if (opened.ok() && opened->size == old_floor) c = *opened;
        }
        floor.Raise(old_floor, c ? note : std::string(), c, "the checkpoint floor of the store being replaced");
      }
    }
  }
  if (!a.floor_from.empty()) {
    std::string text;
    if (auto e = ReadFileArg("--floor-from", a.floor_from, &text)) return *e;
    auto note = NoteOf(std::move(text));
    if (!note.ok()) return UsageError("--floor-from " + a.floor_from + ": " + note.status().message());
    if (!host_key) {
      return UsageError("no host key to check --floor-from: give --host-key (or keep " +
                        layout.host_public_key() + ")");
    }
    auto opened = OpenNote(*note, *host_key);
    if (!opened.ok()) {
      return Invalid("--floor-from " + a.floor_from + ": " + opened.status().message());
    }
    if (!origin.empty() && opened->origin != origin) {
      return Invalid("--floor-from " + a.floor_from + " is a checkpoint of log " + opened->origin +
                     ", not of " + origin);
    }
    floor.Raise(opened->size, *note, *opened, "--floor-from " + a.floor_from);
  }

  // Restore into a staging dir next to the store, check it, then swap.
  std::error_code ec;
  fs::create_directories(a.data_dir, ec);
  const std::string staging = db_dir + ".restoring";
  fs::remove_all(staging, ec);
  auto cleanup = [&] { fs::remove_all(staging, ec); };
  Status s = storage::Db::RestoreLatestBackup(a.from, staging);
  if (!s.ok()) {
    cleanup();
    return UsageError("restore from " + a.from + ": " + s.message());
  }
  uint64_t restored_size = 0;
  {
    storage::DbOptions dbo;
    dbo.block_cache_mb = 16;
    auto db = storage::Db::Open(staging, dbo);
    if (!db.ok()) {
      cleanup();
      return UsageError("the restored store does not open: " + db.status().message());
    }
    auto restored_origin = ReadOrigin(**db);
    if (!restored_origin.ok()) {
      cleanup();
      return Invalid("the backup at " + a.from + " is not a qtrace store (no origin row)");
    }
    const std::string& want = !origin.empty() ? origin
                              : floor.checkpoint ? floor.checkpoint->origin
                                                 : *restored_origin;
    if (*restored_origin != want) {
      cleanup();
      return Invalid("the backup is of log " + *restored_origin + ", not of " + want);
    }
    auto tree = storage::MerkleTree::Load(db->get());
    if (!tree.ok()) {
      cleanup();
      return Invalid("the restored store's Merkle tree does not load: " + tree.status().message());
    }
    restored_size = (*tree)->size();
    // The backup must not contradict what the host already signed.
    if (floor.checkpoint && floor.size <= restored_size) {
      auto root = (*tree)->RootAt(floor.size);
      if (!root.ok() || *root != floor.checkpoint->root) {
        cleanup();
        return Invalid("the backup's log at size " + std::to_string(floor.size) +
                       " differs from checkpoint size " + std::to_string(floor.size) +
                       " issued by this host (" + floor.source +
                       "): it is not an earlier state of this log; refusing to restore it");
      }
    }
    const uint64_t backup_floor = ReadCheckpointFloor(**db);
    if (floor.size > restored_size && floor.size > backup_floor) {
      storage::WriteBatch wb(**db);
      wb.Put(Cf::kMeta, kMetaCheckpointFloor, storage::U64Key(floor.size));
      if (!floor.note.empty()) wb.Put(Cf::kMeta, kMetaCheckpointFloorNote, floor.note);
      s = (*db)->Write(wb, /*sync=*/true);
      if (!s.ok()) {
        cleanup();
        return UsageError("writing the checkpoint floor: " + s.message());
      }
    }
    floor.Raise(backup_floor, "", std::nullopt, "the backup's own checkpoint floor");
  }
  std::string moved;
  if (fs::exists(db_dir, ec)) {
    moved = db_dir + ".replaced-" + UtcStamp();
    fs::rename(db_dir, moved, ec);
    if (ec) {
      cleanup();
      return UsageError("cannot move the current store aside to " + moved + ": " + ec.message());
    }
  }
  fs::rename(staging, db_dir, ec);
  if (ec) return UsageError("cannot move the restored store into " + db_dir + ": " + ec.message());

  std::string out = "restored " + a.from + " into " + db_dir + "\n";
  out += "log size: " + std::to_string(restored_size) + "\n";
  if (floor.size > restored_size) {
    out += "checkpoint floor: " + std::to_string(floor.size) + " (" + floor.source + ")\n";
    out += "the store is behind a checkpoint the host already issued: qtraced refuses new "
           "records (reason store_behind_checkpoint) until the log holds " +
           std::to_string(floor.size) +
           " entries; re-importing the missing entries is not supported yet\n";
  } else if (floor.size > 0) {
    out += "checkpoint floor: " + std::to_string(floor.size) + " (" + floor.source +
           "): the backup already holds it and matches its root; the store accepts records\n";
  } else {
    out += "no newer checkpoint is known (no store was replaced and no --floor-from): the store "
           "accepts records\n";
  }
  if (!moved.empty()) {
    out += "previous store moved to " + moved + " (delete it once the restore is confirmed)\n";
  }
  if (!fs::exists(layout.host_key(), ec)) {
    out += "note: " + layout.host_key() +
           " is missing: put the host keys back before starting qtraced\n";
  }
  return Success(std::move(out));
}

}  // namespace

void AddBackupCommands(CLI::App& app) {
  auto b = std::make_shared<BackupArgs>();
  CLI::App* backup = app.add_subcommand(
      "backup", "Back up a stopped data dir's store (RocksDB BackupEngine, incremental)");
  backup->add_option("--data-dir", b->data_dir, "qtraced data dir (daemon stopped)")->required();
  backup->add_option("--to", b->to, "backup directory")->required();
  SetHandler(backup, [b] { return BackupCommand(*b); });

  auto r = std::make_shared<RestoreArgs>();
  CLI::App* restore = app.add_subcommand(
      "restore",
      "Restore the latest backup into a data dir, keeping the floor of checkpoints already "
      "issued");
  restore->add_option("--from", r->from, "backup directory")->required();
  restore->add_option("--data-dir", r->data_dir, "qtraced data dir (daemon stopped)")->required();
  restore->add_option("--floor-from", r->floor_from,
                      "newest checkpoint known to be issued: a signed note, receipt or bundle");
  restore->add_option("--host-key", r->host_key,
                      "host public key (PEM; default DATA_DIR/keys/host.pub)");
  SetHandler(restore, [r] { return RestoreCommand(*r); });
}

}  // namespace qtrace::cli
