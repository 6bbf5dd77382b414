// Db: qtrace's RocksDB database, one column family per concern.
//
//   meta         schema version, log origin, issued-checkpoint floor
//   records      log index (u64) -> LogEntry flatbuffer (the log's leaves)
//   record_ids   record id (32 bytes) -> log index (u64)
//   merkle       leaf hashes, full tiles with inner nodes, the right frontier
//   checkpoints  tree size (u64) -> signed checkpoint note (every one issued)
//   snapshots    derived in-memory state, persisted every N records
//   serials      serial number -> current lot / container / holder
//
// Every accepted group is written as one WriteBatch with the WAL synced
// (Write(batch, /*sync=*/true)), so a crash never leaves records, indexes and
// the Merkle tree out of step. This is the only component that includes
// RocksDB headers.
//
// Thread-safety: Db is safe for concurrent use; a WriteBatch is not.
#ifndef QTRACE_STORAGE_DB_H_
#define QTRACE_STORAGE_DB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/status.h"

namespace qtrace::storage {

enum class Cf : int {
  kMeta = 0,
  kRecords,
  kRecordIds,
  kMerkle,
  kCheckpoints,
  kSnapshots,
  kSerials,
  kCount,
};
std::string_view CfName(Cf cf);

// The on-disk layout version this build writes; Open refuses other versions.
inline constexpr uint32_t kSchemaVersion = 1;

struct DbOptions {
  // Create the database when the directory holds none. Default: false.
  bool create_if_missing = false;
  // Block cache shared by all column families, in MiB. Default: 32.
  size_t block_cache_mb = 32;
  // Memtable size per column family, in MiB. Default: 32.
  size_t write_buffer_mb = 32;
  // Open read-only (for audit of a stopped store). Default: false.
  bool read_only = false;
};

class Db;

// Operations to apply atomically. Bound to the Db it will be written to.
class WriteBatch {
 public:
  explicit WriteBatch(const Db& db);
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Cf cf, std::string_view key, std::string_view value);
  void Delete(Cf cf, std::string_view key);
  void Clear();
  size_t Count() const;
  size_t ByteSize() const;

 private:
  friend class Db;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void Seek(std::string_view key) = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void SeekForPrev(std::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
};

class Db {
 public:
  // Opens (or creates) the database at `path` with every column family.
  // Stores nullptr in the result and returns a non-OK Status on error:
  // NotFound when it does not exist and create_if_missing is false;
  // FailedPrecondition when its schema version differs from kSchemaVersion;
  // Unavailable when another process holds it open.
  static StatusOr<std::unique_ptr<Db>> Open(const std::string& path,
                                           const DbOptions& options);
  ~Db();

  // OK and fills *value; NotFound when the key is absent.
  Status Get(Cf cf, std::string_view key, std::string* value) const;
  // Commits `batch` atomically. With sync, returns only after the WAL is on
  // disk; nothing in the batch is visible to readers before it is written.
  Status Write(WriteBatch& batch, bool sync);
  std::unique_ptr<Iterator> NewIterator(Cf cf) const;

  // Flushes memtables (used before backups and at clean shutdown).
  Status Flush();
  // Approximate bytes on disk, all column families.
  uint64_t ApproximateSize() const;
  const std::string& path() const { return path_; }

  // Creates a consistent backup of the live database under `backup_dir`
  // (RocksDB BackupEngine; incremental across calls).
  Status Backup(const std::string& backup_dir);
  // Restores the latest backup in `backup_dir` into `db_path` (which must
  // not be open). Lists what exists at `backup_dir` in the error otherwise.
  static Status RestoreLatestBackup(const std::string& backup_dir,
                                    const std::string& db_path);
  // Creates an openable copy of the live database at `dir` (hard links).
  Status Checkpoint(const std::string& dir);

 private:
  friend class WriteBatch;
  struct Rep;
  explicit Db(std::unique_ptr<Rep> rep, std::string path);
  std::unique_ptr<Rep> rep_;
  std::string path_;
};

}  // namespace qtrace::storage

#endif  // QTRACE_STORAGE_DB_H_
