#include "qtrace/storage/db.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "qtrace/storage/keys.h"

namespace qtrace::storage {
namespace {

constexpr std::string_view kCfNames[] = {
    "meta", "records", "record_ids", "merkle", "checkpoints", "snapshots", "serials",
};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

constexpr std::string_view kSchemaKey = "schema_version";

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return NotFound(msg);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Unavailable(msg + " (is another qtraced using this data dir?)",
                       "store_locked");
  }
  if (s.IsInvalidArgument()) return FailedPrecondition(msg, "store_invalid");
  if (s.IsCorruption()) return Internal(msg, "store_corrupt");
  return Internal(msg, "store_io");
}

rocksdb::Slice S(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }

class RocksIterator final : public Iterator {
 public:
  explicit RocksIterator(rocksdb::Iterator* it) : it_(it) {}
  void Seek(std::string_view key) override { it_->Seek(S(key)); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void SeekForPrev(std::string_view key) override { it_->SeekForPrev(S(key)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override {
    auto k = it_->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    auto v = it_->value();
    return {v.data(), v.size()};
  }
  Status status() const override { return FromRocks(it_->status(), "iterator"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

std::string_view CfName(Cf cf) { return kCfNames[static_cast<int>(cf)]; }

struct WriteBatch::Rep {
  rocksdb::WriteBatch batch;
  const std::vector<rocksdb::ColumnFamilyHandle*>* handles;
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return (*handles)[static_cast<int>(c)]; }
};

struct Db::Rep {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Options options;
  ~Rep() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles[static_cast<int>(c)]; }
};

WriteBatch::WriteBatch(const Db& db) : rep_(std::make_unique<Rep>()) {
  rep_->handles = &db.rep_->handles;
}
WriteBatch::~WriteBatch() = default;

void WriteBatch::Put(Cf cf, std::string_view key, std::string_view value) {
  rep_->batch.Put(rep_->cf(cf), S(key), S(value));
}
void WriteBatch::Delete(Cf cf, std::string_view key) {
  rep_->batch.Delete(rep_->cf(cf), S(key));
}
void WriteBatch::Clear() { rep_->batch.Clear(); }
size_t WriteBatch::Count() const { return rep_->batch.Count(); }
size_t WriteBatch::ByteSize() const { return rep_->batch.GetDataSize(); }

Db::Db(std::unique_ptr<Rep> rep, std::string path)
    : rep_(std::move(rep)), path_(std::move(path)) {}
Db::~Db() = default;

StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path,
                                       const DbOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  if (!exists && !options.create_if_missing) {
    return NotFound("no qtrace store at " + path + " (run `qtrace init` first)",
                    "store_missing");
  }
  if (!exists) {
    fs::create_directories(path, ec);
    if (ec) return Internal("cannot create " + path + ": " + ec.message());
  }

  auto rep = std::make_unique<Rep>();
  rocksdb::Options& o = rep->options;
  o.create_if_missing = options.create_if_missing;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;
  o.bytes_per_sync = 1 << 20;
  o.max_open_files = 512;
  o.keep_log_file_num = 3;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  rocksdb::BlockBasedTableOptions table;
  // Few shards: with the default 64, a shard is too small to keep a Merkle
  // SST's bloom filter cached, and every tile read re-reads it from disk.
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_mb << 20, /*num_shard_bits=*/1);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (std::string_view name : kCfNames) {
    rocksdb::ColumnFamilyOptions cfo;
    cfo.write_buffer_size = options.write_buffer_mb << 20;
    cfo.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    cfo.compression = rocksdb::kLZ4Compression;
    std::string n(name == "meta" ? rocksdb::kDefaultColumnFamilyName : std::string(name));
    cfs.emplace_back(n, cfo);
  }

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(o), path, cfs,
                                     &rep->handles, &raw);
  } else {
    // An existing store must be opened with every column family it has;
    // refuse stores that hold families this build does not know.
    std::vector<std::string> existing;
    if (exists && rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(o), path,
                                                  &existing).ok()) {
      for (const auto& e : existing) {
        bool known = e == rocksdb::kDefaultColumnFamilyName;
        for (std::string_view n : kCfNames) known = known || e == n;
        if (!known) {
          return FailedPrecondition("store at " + path +
                                        " has an unknown column family '" + e +
                                        "' (written by a newer qtrace?)",
                                    "store_version");
        }
      }
    }
    s = rocksdb::DB::Open(rocksdb::DBOptions(o), path, cfs, &rep->handles, &raw);
  }
  if (!s.ok()) return FromRocks(s, "open " + path);
  rep->db.reset(raw);

  std::unique_ptr<Db> db(new Db(std::move(rep), path));
  std::string version;
  Status vs = db->Get(Cf::kMeta, kSchemaKey, &version);
  if (vs.code() == StatusCode::kNotFound) {
    if (options.read_only) {
      return FailedPrecondition("store at " + path + " has no schema version",
                                "store_version");
    }
    WriteBatch b(*db);
    b.Put(Cf::kMeta, kSchemaKey, KeyBuilder().U32(kSchemaVersion).key());
    QT_RETURN_IF_ERROR(db->Write(b, true));
  } else if (!vs.ok()) {
    return vs;
  } else {
    KeyReader r(version);
    uint32_t v = 0;
    if (!r.U32(&v) || v != kSchemaVersion) {
      return FailedPrecondition("store at " + path + " has schema version " +
                                    std::to_string(v) + ", this build reads " +
                                    std::to_string(kSchemaVersion),
                                "store_version");
    }
  }
  return db;
}

Status Db::Get(Cf cf, std::string_view key, std::string* value) const {
  rocksdb::Status s = rep_->db->Get(rocksdb::ReadOptions(), rep_->cf(cf), S(key), value);
  if (s.IsNotFound()) return NotFound("key not found in " + std::string(CfName(cf)));
  return FromRocks(s, "get");
}

Status Db::Write(WriteBatch& batch, bool sync) {
  if (batch.rep_->handles != &rep_->handles) {
    return Internal("write batch built for another database");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(rep_->db->Write(wo, &batch.rep_->batch), "write");
}

std::unique_ptr<Iterator> Db::NewIterator(Cf cf) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  return std::make_unique<RocksIterator>(rep_->db->NewIterator(ro, rep_->cf(cf)));
}

Status Db::Flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return FromRocks(rep_->db->Flush(fo, rep_->handles), "flush");
}

uint64_t Db::ApproximateSize() const {
  uint64_t total = 0;
  for (auto* h : rep_->handles) {
    uint64_t v = 0;
    if (rep_->db->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) {
      total += v;
    }
    if (rep_->db->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) {
      total += v;
    }
  }
  return total;
}

Status Db::Backup(const std::string& backup_dir) {
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::BackupEngineOptions bo(backup_dir);
  QT_RETURN_IF_ERROR(FromRocks(
      rocksdb::BackupEngine::Open(rocksdb::Env::Default(), bo, &engine),
      "open backup engine at " + backup_dir));
  std::unique_ptr<rocksdb::BackupEngine> holder(engine);
  rocksdb::CreateBackupOptions cbo;
  cbo.flush_before_backup = true;
  return FromRocks(engine->CreateNewBackup(cbo, rep_->db.get()), "backup");
}

Status Db::RestoreLatestBackup(const std::string& backup_dir,
                               const std::string& db_path) {
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  rocksdb::BackupEngineOptions bo(backup_dir);
  QT_RETURN_IF_ERROR(FromRocks(
      rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(), bo, &engine),
      "open backup at " + backup_dir));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> holder(engine);
  return FromRocks(engine->RestoreDBFromLatestBackup(db_path, db_path), "restore");
}

Status Db::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* cp = nullptr;
  QT_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(rep_->db.get(), &cp),
                               "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> holder(cp);
  return FromRocks(cp->CreateCheckpoint(dir), "checkpoint to " + dir);
}

}  // namespace qtrace::storage
