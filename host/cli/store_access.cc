#include "store_access.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "qtrace/record_json.h"
#include "qtrace/storage/keys.h"
#include "qtrace/validators.h"

namespace qtrace::cli {

bool StoreLockedByOtherProcess(const std::string& db_dir) {
  const std::string lock = db_dir + "/LOCK";
  const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  bool locked = false;
  if (::fcntl(fd, F_GETLK, &fl) == 0) locked = fl.l_type != F_UNLCK;
  ::close(fd);
  return locked;
}

std::optional<CommandResult> RefuseIfInUse(const std::string& db_dir, std::string_view advice) {
  if (!StoreLockedByOtherProcess(db_dir)) return std::nullopt;
  return UsageError("the store " + db_dir +
                    " is open in another process (a running qtraced?): stop qtraced or " +
                    std::string(advice));
}

bool StoreExists(const std::string& db_dir) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(db_dir) / "CURRENT", ec);
}

std::optional<CommandResult> OpenStore(const std::string& db_dir, bool read_only,
                                       std::string_view advice,
                                       std::unique_ptr<storage::Db>* out) {
  if (auto e = RefuseIfInUse(db_dir, advice)) return e;
  if (!StoreExists(db_dir)) return UsageError("no qtrace store at " + db_dir);
  storage::DbOptions options;
  options.read_only = read_only;
  options.block_cache_mb = 16;
  auto db = storage::Db::Open(db_dir, options);
  if (!db.ok()) {
    if (db.status().reason() == "store_locked") {
      return UsageError("the store " + db_dir +
                        " is open in another process (a running qtraced?): stop qtraced or " +
                        std::string(advice));
    }
    return UsageError("cannot open the store " + db_dir + ": " + db.status().message());
  }
  *out = std::move(*db);
  return std::nullopt;
}

StatusOr<std::string> ReadOrigin(const storage::Db& db) {
  std::string origin;
  Status s = db.Get(storage::Cf::kMeta, kMetaOrigin, &origin);
  if (!s.ok()) return s;
  return origin;
}

uint64_t ReadCheckpointFloor(const storage::Db& db) {
  std::string v;
  uint64_t floor = 0;
  if (db.Get(storage::Cf::kMeta, kMetaCheckpointFloor, &v).ok()) {
    storage::KeyReader r(v);
    if (!r.U64(&floor)) floor = 0;
  }
  return floor;
}

StatusOr<StoredCheckpoint> NewestCheckpoint(const storage::Db& db) {
  auto it = db.NewIterator(storage::Cf::kCheckpoints);
  it->SeekToLast();
  if (!it->Valid()) {
    QT_RETURN_IF_ERROR(it->status());
    return NotFound("the store holds no checkpoint", "no_checkpoint");
  }
  StoredCheckpoint cp;
  storage::KeyReader r(it->key());
  if (!r.U64(&cp.size) || !r.Rest().empty()) {
    return Internal("bad checkpoint key", "store_corrupt");
  }
  cp.note = std::string(it->value());
  return cp;
}

StatusOr<Checkpoint> OpenNote(std::string_view note, const VerifyingKey& host_key,
                              const std::optional<std::string>& key_name) {
  std::string name;
  if (key_name) {
    name = *key_name;
  } else {
    QT_ASSIGN_OR_RETURN(Checkpoint unverified, ParseCheckpointUnverified(note));
    name = unverified.origin;
  }
  return OpenCheckpoint(note, host_key, name);
}

std::optional<CommandResult> LoadPublicKeyArg(std::string_view flag, const std::string& path,
                                              VerifyingKey* out) {
  std::string pem;
  if (auto e = ReadFileArg(flag, path, &pem)) return e;
  auto key = VerifyingKey::FromPem(pem);
  if (!key.ok()) return UsageError(std::string(flag) + " " + path + ": " + key.status().message());
  *out = *key;
  return std::nullopt;
}

StatusOr<std::string> CanonicalLotRef(std::string_view text) {
  const size_t slash = text.find('/');
  const size_t colon = text.find(':');
  std::string full;
  if (slash != std::string_view::npos && (colon == std::string_view::npos || colon > slash)) {
    // Shorthand: GTIN-14/lot.
    std::string_view product = text.substr(0, slash);
    bool digits = product.size() == 14;
    for (char c : product) digits = digits && c >= '0' && c <= '9';
    if (!digits) {
      return InvalidArgument("lot '" + std::string(text) +
                                 "': without a scheme the product must be a 14-digit GTIN; "
                                 "otherwise write scheme:product/lot (gtin:, national:, local:)",
                             "bad_lot_ref");
    }
    full = "gtin:" + std::string(text);
  } else {
    full = std::string(text);
  }
  QT_ASSIGN_OR_RETURN(LotKeyParts parts, ParseLotRef(full));
  if (parts.scheme == fb::IdScheme::GTIN) {
    Status s = ValidateGtin14(parts.product);
    if (!s.ok()) return s.WithPrefix("lot '" + std::string(text) + "'");
  }
  return FormatLotRef(parts.scheme, parts.product, parts.lot);
}

}  // namespace qtrace::cli
