// `qtrace audit DATA_DIR [--host-key PEM]`: recomputes a stopped store (or a
// backup / checkpoint copy) against what the host signed. docs/audit.md
// describes every check and message.
//
// One pass over the log, in order:
//   - every entry decodes and says its own index; its leaf hash is compared
//     with the stored Merkle row 0 entry;
//   - the tree of the stored entries is rebuilt (every node): its root at
//     EVERY stored checkpoint size must equal the root that checkpoint signs
//     (signatures checked with the host public key), and every stored row
//     entry and full tile must equal the rebuilt nodes; the tree of the
//     stored leaf hashes (row 0) is rebuilt too, so a difference is blamed
//     on the entry (its stored leaf hash matches the signed root) or on the
//     Merkle store (the entries match the signed root);
//   - the records are replayed into a fresh LedgerState + LineageIndex
//     (host/replay.h) with every record signature verified against the key
//     registered at that point in the log.
// Then the derived rows: serials (equal to the rows replay produces), record
// ids, the Merkle frontier, and the newest state snapshot (equal to the
// replayed state and lineage at its size).
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "cli.h"
#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/lineage_index.h"
#include "qtrace/host/replay.h"
#include "qtrace/host/state.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/record.h"
#include "qtrace/storage/keys.h"
#include "qtrace/storage/merkle_tree.h"
#include "store_access.h"

namespace qtrace::cli {
namespace {

using storage::Cf;
using storage::KeyBuilder;
using storage::KeyReader;
using storage::U64Key;

constexpr uint64_t kNoIndex = UINT64_MAX;
constexpr size_t kMaxListed = 20;  // problems listed per kind

std::string RowKey(uint32_t level, uint64_t index) {
  return KeyBuilder().U8('r').U8(static_cast<uint8_t>(level)).U64(index).Build();
}
std::string TileKey(uint32_t level, uint64_t tile) {
  return KeyBuilder().U8('t').U8(static_cast<uint8_t>(level)).U64(tile).Build();
}

// The RFC 6962 tree of a leaf sequence, built left to right: the perfect
// subtrees of the right frontier give the root at every size, and every
// node is reported once, when it completes.
class TreeBuilder {
 public:
  using NodeFn = std::function<void(uint32_t height, uint64_t index, const Hash256& hash)>;
  explicit TreeBuilder(NodeFn on_node = {}) : on_node_(std::move(on_node)) {}

  void Append(const Hash256& leaf) {
    uint64_t idx = size_;
    uint32_t h = 0;
    Hash256 cur = leaf;
    if (on_node_) on_node_(0, idx, cur);
    while (!stack_.empty() && stack_.back().first == h) {
      cur = NodeHash(stack_.back().second, cur);
      stack_.pop_back();
      ++h;
      idx >>= 1;
      if (on_node_) on_node_(h, idx, cur);
    }
    stack_.emplace_back(h, cur);
    ++size_;
  }
  Hash256 Root() const {
    if (stack_.empty()) return EmptyRoot();
    Hash256 r = stack_.back().second;
    for (size_t i = stack_.size() - 1; i-- > 0;) r = NodeHash(stack_[i].second, r);
    return r;
  }
  uint64_t size() const { return size_; }

 private:
  NodeFn on_node_;
  std::vector<std::pair<uint32_t, Hash256>> stack_;
  uint64_t size_ = 0;
};

enum class Kind { kLog, kMerkle, kDerived };

struct Finding {
  Kind kind;
  uint64_t index;  // the log index it concerns, kNoIndex if none
  std::string text;
};

struct CheckpointRow {
  uint64_t size = 0;
  bool verified = false;
  Hash256 root{};
  std::optional<bool> entries_match;  // tree of the stored entries
  std::optional<bool> rows_match;     // tree of the stored leaf hashes
};

// A leaf whose stored hash (row 0 or a level-0 tile) differs from the hash
// of its stored entry.
struct LeafMismatch {
  uint64_t index;
  std::string where;  // "merkle row 0" / "merkle tile 0/<t>"
  bool missing = false;
};

class Auditor {
 public:
  Auditor(storage::Db* db, std::string origin, VerifyingKey host_key)
      : db_(db), origin_(std::move(origin)), host_key_(std::move(host_key)) {}

  CommandResult Run(const std::string& dir);

 private:
  void Add(Kind kind, uint64_t index, std::string text) {
    findings_.push_back({kind, index, std::move(text)});
  }
  Status LoadCheckpoints();
  void ReadFrontier();
  void OnNode(uint32_t h, uint64_t k, const Hash256& hash);
  void CompareTile(uint32_t level, uint64_t tile, const std::vector<Hash256>& nodes);
  void AtSize(uint64_t size);
  void CheckSnapshotAt(uint64_t size);
  Status Pass();
  void Attribute();
  void CheckDerived();
  // The smallest verified checkpoint covering leaves [0, end); null if none.
  const CheckpointRow* Covering(uint64_t end) const {
    auto it = checkpoints_.lower_bound(end);
    while (it != checkpoints_.end() && !it->second.verified) ++it;
    return it == checkpoints_.end() ? nullptr : &it->second;
  }

  storage::Db* db_;
  std::string origin_;
  VerifyingKey host_key_;
  std::vector<Finding> findings_;
  std::map<uint64_t, CheckpointRow> checkpoints_;
  uint64_t log_size_ = 0;

  // Merkle layout.
  uint32_t tile_height_ = 8;
  bool have_frontier_ = false;
  uint64_t frontier_size_ = 0;
  Hash256 frontier_root_{};
  std::vector<std::vector<Hash256>> tile_buffers_;
  uint64_t tiles_checked_ = 0, rows_checked_ = 0;
  std::vector<LeafMismatch> leaf_mismatches_;
  std::set<uint64_t> entry_damage_;  // log indexes whose stored entry is not what was signed
  struct NodeMismatch {
    uint64_t leaf_end;  // the node covers leaves below this
    std::string text;
  };
  std::vector<NodeMismatch> node_mismatches_;
  TreeBuilder entries_tree_{[this](uint32_t h, uint64_t k, const Hash256& x) { OnNode(h, k, x); }};
  TreeBuilder rows_tree_;

  // Replay.
  std::unique_ptr<host::LineageIndex> lineage_;
  std::unique_ptr<host::LedgerState> state_;
  std::unique_ptr<host::LogReplayer> replayer_;
  bool replay_ok_ = true;
  std::optional<Finding> replay_finding_;  // added after the Merkle findings
  std::string replay_stop_;
  std::map<std::string, std::string> serial_rows_;
  std::vector<std::optional<Hash256>> record_ids_;
  uint64_t snapshot_size_ = 0;  // newest snapshot (0 = none)
  std::string snapshot_blob_;
  uint64_t snapshot_state_bytes_ = 0;
  std::string snapshot_result_;
  uint64_t serial_count_ = 0, record_id_rows_ = 0;
};

Status Auditor::LoadCheckpoints() {
  auto it = db_->NewIterator(Cf::kCheckpoints);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    KeyReader kr(it->key());
    uint64_t size = 0;
    if (!kr.U64(&size) || !kr.Rest().empty()) {
      Add(Kind::kLog, kNoIndex, "checkpoints: a row has a malformed key (" +
                                    HexEncode(it->key()) + ")");
      continue;
    }
    CheckpointRow row;
    row.size = size;
    auto cp = OpenCheckpoint(it->value(), host_key_, origin_);
    if (!cp.ok()) {
      Add(Kind::kLog, kNoIndex,
          "checkpoint size " + std::to_string(size) + ": " + cp.status().message());
    } else if (cp->size != size || cp->origin != origin_) {
      Add(Kind::kLog, kNoIndex,
          "checkpoint row " + std::to_string(size) + " holds a checkpoint of size " +
              std::to_string(cp->size) + " of log " + cp->origin);
    } else {
      row.verified = true;
      row.root = cp->root;
    }
    checkpoints_[size] = row;
  }
  return it->status();
}

void Auditor::ReadFrontier() {
  std::string f;
  if (!db_->Get(Cf::kMerkle, KeyBuilder().U8('f').Build(), &f).ok()) return;
  if (f.size() != 1 + 1 + 8 + 32 || f[0] != 1 || f[1] < 1 || f[1] > 8) {
    Add(Kind::kMerkle, kNoIndex, "merkle frontier row is malformed");
    return;
  }
  have_frontier_ = true;
  tile_height_ = static_cast<uint8_t>(f[1]);
  KeyReader r(std::string_view(f).substr(2));
  r.U64(&frontier_size_);
  ToHash256(r.Rest(), &frontier_root_);
}

void Auditor::OnNode(uint32_t h, uint64_t k, const Hash256& hash) {
  const uint32_t H = tile_height_;
  const uint64_t W = uint64_t{1} << H;
  const uint64_t leaf_end = (k + 1) << h;
  if (h % H == 0 && h > 0) {
    const uint32_t level = h / H;
    std::string stored;
    ++rows_checked_;
    Hash256 sh;
    if (!db_->Get(Cf::kMerkle, RowKey(level, k), &stored).ok()) {
      node_mismatches_.push_back({leaf_end, "merkle row " + std::to_string(level) + " entry " +
                                                std::to_string(k) + " is missing"});
    } else if (!ToHash256(stored, &sh) || sh != hash) {
      node_mismatches_.push_back(
          {leaf_end, "merkle row " + std::to_string(level) + " entry " + std::to_string(k) +
                         " (over log indexes [" + std::to_string(k << h) + ", " +
                         std::to_string(leaf_end) + ")) differs from the tree of the stored entries"});
    }
  }
  // Place the node in the tile(s) it belongs to: tile level h / H at
  // relative height h % H, and, as its top, tile level h / H - 1.
  auto place = [&](uint32_t level, uint32_t r) {
    if (tile_buffers_.size() <= level) tile_buffers_.resize(level + 1);
    auto& buf = tile_buffers_[level];
    if (buf.empty()) buf.resize(2 * W - 1);
    const uint64_t tile = k >> (H - r);
    const uint64_t pos = 2 * W - ((2 * W) >> r) + (k - (tile << (H - r)));
    buf[pos] = hash;
    if (r == H) CompareTile(level, tile, buf);
  };
  place(h / H, h % H);
  if (h % H == 0 && h > 0) place(h / H - 1, H);
}

void Auditor::CompareTile(uint32_t level, uint64_t tile, const std::vector<Hash256>& nodes) {
  const uint32_t H = tile_height_;
  const uint64_t W = uint64_t{1} << H;
  const uint64_t leaf_end = (tile + 1) << ((level + 1) * H);
  ++tiles_checked_;
  std::string stored;
  const std::string name = "merkle tile " + std::to_string(level) + "/" + std::to_string(tile);
  if (!db_->Get(Cf::kMerkle, TileKey(level, tile), &stored).ok()) {
    node_mismatches_.push_back({leaf_end, name + " is missing"});
    return;
  }
  if (stored.size() != nodes.size() * 32) {
    node_mismatches_.push_back({leaf_end, name + " has " + std::to_string(stored.size()) +
                                              " bytes, expected " + std::to_string(nodes.size() * 32)});
    return;
  }
  bool reported = false;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (std::memcmp(stored.data() + 32 * i, nodes[i].data(), 32) == 0) continue;
    if (level == 0 && i < W) leaf_mismatches_.push_back({tile * W + i, name});
    if (!reported) {
      uint32_t r = 0;
      while (i >= 2 * W - ((2 * W) >> (r + 1))) ++r;
      const uint64_t j = i - (2 * W - ((2 * W) >> r));
      node_mismatches_.push_back(
          {leaf_end, name + ": node at height " + std::to_string(level * H + r) + ", index " +
                         std::to_string((tile << (H - r)) + j) +
                         " differs from the tree of the stored entries"});
      reported = true;
    }
  }
}

void Auditor::AtSize(uint64_t size) {
  auto it = checkpoints_.find(size);
  if (it == checkpoints_.end() || !it->second.verified) return;
  it->second.entries_match = entries_tree_.Root() == it->second.root;
  it->second.rows_match = rows_tree_.Root() == it->second.root;
}

void Auditor::CheckSnapshotAt(uint64_t size) {
  // TODO(snapshots): read through a ledger accessor once state_codec.cc
  // exposes one; this mirrors Ledger::WriteSnapshot's layout:
  //   U64(S) 'H' -> U64(state bytes) U64(lineage bytes) U32(chunks) SHA-256(blob)
  //   U64(S) 'C' U32(i) -> chunk i of blob = state bytes || lineage bytes
  lineage_->Publish();
  std::string state, lineage;
  state_->Serialize(&state);
  lineage_->Serialize(&lineage);
  if (snapshot_blob_.size() != state.size() + lineage.size() ||
      std::string_view(snapshot_blob_).substr(0, snapshot_state_bytes_) != state) {
    Add(Kind::kDerived, kNoIndex,
        "snapshot at size " + std::to_string(size) +
            ": its state part differs from the state replayed from the log");
    snapshot_result_ = "differs";
    return;
  }
  if (std::string_view(snapshot_blob_).substr(snapshot_state_bytes_) != lineage) {
    Add(Kind::kDerived, kNoIndex,
        "snapshot at size " + std::to_string(size) +
            ": its lineage part differs from the lineage replayed from the log");
    snapshot_result_ = "differs";
    return;
  }
  snapshot_result_ = "equal to the replayed state and lineage";
}

Status Auditor::Pass() {
  // The newest snapshot, read up front (it is compared when replay reaches
  // its size).
  {
    auto it = db_->NewIterator(Cf::kSnapshots);
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      KeyReader kr(it->key());
      uint64_t size = 0;
      uint8_t tag = 0;
      if (!kr.U64(&size) || !kr.U8(&tag) || tag != 'H' || !kr.Rest().empty()) continue;
      KeyReader hr(it->value());
      uint64_t state_bytes = 0, lineage_bytes = 0;
      uint32_t chunks = 0;
      if (!hr.U64(&state_bytes) || !hr.U64(&lineage_bytes) || !hr.U32(&chunks) ||
          hr.Rest().size() != 32) {
        Add(Kind::kDerived, kNoIndex, "snapshot at size " + std::to_string(size) + ": malformed header");
        break;
      }
      std::string blob;
      bool complete = true;
      for (uint32_t c = 0; c < chunks && complete; ++c) {
        std::string chunk;
        complete = db_->Get(Cf::kSnapshots, KeyBuilder().U64(size).U8('C').U32(c).Build(), &chunk).ok();
        blob += chunk;
      }
      if (!complete || blob.size() != state_bytes + lineage_bytes ||
          AsBytes(Sha256(blob)) != hr.Rest()) {
        Add(Kind::kDerived, kNoIndex,
            "snapshot at size " + std::to_string(size) + ": chunks missing or digest mismatch");
        break;
      }
      snapshot_size_ = size;
      snapshot_state_bytes_ = state_bytes;
      snapshot_blob_ = std::move(blob);
      break;
    }
  }

  lineage_ = std::make_unique<host::LineageIndex>();
  state_ = std::make_unique<host::LedgerState>(
      lineage_.get(),
      [db = db_](uint64_t index) -> StatusOr<std::string> {
        std::string v;
        QT_RETURN_IF_ERROR(db->Get(Cf::kRecords, U64Key(index), &v));
        return v;
      },
      host::StateLimits{});
  host::ReplayOptions ro;
  ro.verify_signatures = true;
  replayer_ = std::make_unique<host::LogReplayer>(state_.get(), 0, ro);

  auto it = db_->NewIterator(Cf::kRecords);
  uint64_t expect = 0;
  host::ReplayedEntry replayed;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expect) {
    KeyReader kr(it->key());
    uint64_t index = 0;
    if (!kr.U64(&index) || !kr.Rest().empty()) {
      Add(Kind::kLog, expect, "records: a row has a malformed key (" + HexEncode(it->key()) + ")");
      break;
    }
    if (index != expect) {
      Add(Kind::kLog, expect,
          "log index " + std::to_string(expect) + ": missing (the next stored entry is log index " +
              std::to_string(index) + ")");
      break;
    }
    const std::string bytes(it->value());
    const Hash256 leaf = LeafHash(bytes);
    // The stored leaf hash (row 0).
    std::string stored;
    Hash256 row_leaf = leaf;
    if (!db_->Get(Cf::kMerkle, RowKey(0, index), &stored).ok()) {
      leaf_mismatches_.push_back({index, "merkle row 0", true});
    } else if (!ToHash256(stored, &row_leaf) || row_leaf != leaf) {
      if (stored.size() != 32) row_leaf = leaf;
      leaf_mismatches_.push_back({index, "merkle row 0"});
    }
    entries_tree_.Append(leaf);
    rows_tree_.Append(row_leaf);
    AtSize(index + 1);

    auto e = VerifyLogEntry(bytes);
    if (e.ok() && (*e)->payload() != nullptr && (*e)->payload_type() != nullptr) {
      record_ids_.push_back(RecordIdOf(
          (*e)->payload_type()->string_view(),
          std::string_view(reinterpret_cast<const char*>((*e)->payload()->data()),
                           (*e)->payload()->size())));
    } else {
      record_ids_.push_back(std::nullopt);
    }
    if (replay_ok_) {
      Status s = replayer_->Apply(index, bytes, &replayed);
      if (!s.ok()) {
        replay_ok_ = false;
        std::string msg = s.message();
        const std::string at = "log index " + std::to_string(index) + ": ";
        const std::string diverged = "replay diverged at " + at;
        if (msg.rfind(at, 0) == 0) {
          msg = msg.substr(at.size());
        } else if (msg.rfind(diverged, 0) == 0) {
          msg = "the record does not replay: " + msg.substr(diverged.size());
        }
        replay_finding_ = Finding{Kind::kLog, index, at + msg};
        replay_stop_ = "replay stopped at log index " + std::to_string(index);
      } else {
        for (auto& [k, v] : replayed.effects.serial_puts) serial_rows_[k] = std::move(v);
        if (snapshot_size_ != 0 && index + 1 == snapshot_size_) CheckSnapshotAt(snapshot_size_);
      }
    }
  }
  log_size_ = expect;
  return it->status();
}

void Auditor::Attribute() {
  // Leaves whose stored hash differs from the hash of the stored entry: the
  // signed root says which of the two is authentic.
  std::set<uint64_t>& entry_damage = entry_damage_;
  size_t listed = 0;
  std::sort(leaf_mismatches_.begin(), leaf_mismatches_.end(),
            [](const LeafMismatch& a, const LeafMismatch& b) { return a.index < b.index; });
  for (const LeafMismatch& m : leaf_mismatches_) {
    const CheckpointRow* cp = Covering(m.index + 1);
    const std::string at = "log index " + std::to_string(m.index);
    if (m.missing) {
      Add(Kind::kMerkle, m.index, at + ": " + m.where + " has no leaf hash for it");
      continue;
    }
    if (cp == nullptr) {
      if (entry_damage.insert(m.index).second && listed++ < kMaxListed) {
        Add(Kind::kLog, m.index, at + ": the stored entry does not match its leaf hash in " +
                                     m.where + ", and no signed checkpoint covers it");
      }
    } else if (m.where == "merkle row 0" && cp->rows_match.value_or(false)) {
      if (entry_damage.insert(m.index).second) {
        Add(Kind::kLog, m.index, at + ": stored entry does not match the leaf signed in checkpoint size " +
                                     std::to_string(cp->size));
      }
    } else if (cp->entries_match.value_or(false)) {
      Add(Kind::kMerkle, m.index,
          at + ": " + m.where + " holds a wrong leaf hash (the stored entry matches checkpoint size " +
              std::to_string(cp->size) + "; the Merkle store is damaged, not the log)");
    } else if (entry_damage.insert(m.index).second) {
      Add(Kind::kLog, m.index, at + ": stored entry does not match its leaf hash in " + m.where +
                                   ", and the entries do not match checkpoint size " +
                                   std::to_string(cp->size));
    }
  }
  // A signed root the stored entries do not reproduce, with no leaf that
  // says which entry: the stored leaf hashes were rewritten to match.
  uint64_t prev = 0;
  for (const auto& [size, row] : checkpoints_) {
    if (!row.verified || !row.entries_match.has_value()) continue;
    if (!*row.entries_match) {
      bool explained = false;
      for (uint64_t i : entry_damage) explained = explained || (i >= prev && i < size);
      if (!explained) {
        Add(Kind::kLog, prev,
            "log indexes [" + std::to_string(prev) + ", " + std::to_string(size) +
                "): the stored entries do not reproduce the root signed in checkpoint size " +
                std::to_string(size) + " (their stored leaf hashes were changed to match them)");
      }
      break;  // later roots include the same damage
    }
    prev = size;
  }
  // Inner Merkle nodes: damage of the Merkle store when the entries match.
  listed = 0;
  for (const auto& m : node_mismatches_) {
    const CheckpointRow* cp = Covering(m.leaf_end);
    if (cp != nullptr && !cp->entries_match.value_or(true)) continue;  // explained by the log
    if (listed++ < kMaxListed) Add(Kind::kMerkle, kNoIndex, m.text);
  }
  // Checkpoints beyond the log, and log entries no checkpoint signs.
  uint64_t newest = 0;
  for (const auto& [size, row] : checkpoints_) {
    if (!row.verified) continue;
    newest = std::max(newest, size);
    if (size > log_size_) {
      Add(Kind::kLog, log_size_,
          "checkpoint size " + std::to_string(size) + " was issued but the log holds only " +
              std::to_string(log_size_) + " entries: log indexes [" + std::to_string(log_size_) +
              ", " + std::to_string(size) + ") are missing");
    }
  }
  if (newest < log_size_) {
    Add(Kind::kLog, newest,
        "log indexes [" + std::to_string(newest) + ", " + std::to_string(log_size_) +
            ") are covered by no signed checkpoint (the newest is size " + std::to_string(newest) +
            "): a checkpoint was deleted, or entries were appended behind the host's back");
  }
}

void Auditor::CheckDerived() {
  // Merkle frontier.
  if (!have_frontier_) {
    if (log_size_ > 0) Add(Kind::kMerkle, kNoIndex, "merkle frontier row is missing");
  } else if (frontier_size_ != log_size_ ||
             frontier_root_ != [&] {
               // The authentic root: the signed one at the log's size if any.
               auto it = checkpoints_.find(log_size_);
               if (it != checkpoints_.end() && it->second.verified) return it->second.root;
               return entries_tree_.Root();
             }()) {
    Add(Kind::kMerkle, kNoIndex,
        "merkle frontier says size " + std::to_string(frontier_size_) +
            (frontier_size_ == log_size_ ? " with another root than the stored entries give"
                                         : " but the log has " + std::to_string(log_size_)));
  }
  {
    auto tree = storage::MerkleTree::Load(db_);
    if (!tree.ok()) {
      Add(Kind::kMerkle, kNoIndex,
          "the Merkle tree does not load (qtraced would refuse to start): " +
              tree.status().message());
    }
  }
  // Record ids.
  {
    std::vector<bool> seen(log_size_, false);
    size_t listed = 0;
    auto it = db_->NewIterator(Cf::kRecordIds);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++record_id_rows_;
      KeyReader vr(it->value());
      uint64_t index = 0;
      Hash256 id;
      if (it->key().size() != 32 || !vr.U64(&index) || !ToHash256(it->key(), &id)) {
        if (listed++ < kMaxListed) Add(Kind::kDerived, kNoIndex, "record_ids: a malformed row");
        continue;
      }
      if (index < log_size_ && entry_damage_.count(index) != 0) continue;  // reported above
      if (index >= log_size_ || !record_ids_[index] || *record_ids_[index] != id) {
        if (listed++ < kMaxListed) {
          Add(Kind::kDerived, index < log_size_ ? index : kNoIndex,
              "record_ids: the row for record " + HexEncode(it->key()).substr(0, 16) +
                  "... points to log index " + std::to_string(index) + ", which holds another record");
        }
        continue;
      }
      seen[index] = true;
    }
    for (uint64_t i = 0; i < log_size_; ++i) {
      if (!seen[i] && record_ids_[i] && entry_damage_.count(i) == 0 && listed++ < kMaxListed) {
        Add(Kind::kDerived, i, "record_ids: no row for the record at log index " + std::to_string(i));
      }
    }
  }
  // Serials: only meaningful when replay reached the end.
  if (replay_ok_) {
    size_t listed = 0;
    std::set<std::string> seen;
    auto it = db_->NewIterator(Cf::kSerials);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++serial_count_;
      std::string key(it->key());
      auto want = serial_rows_.find(key);
      if (want == serial_rows_.end()) {
        if (listed++ < kMaxListed) Add(Kind::kDerived, kNoIndex, "serials: row '" + key + "' is not produced by any record");
      } else if (want->second != it->value()) {
        if (listed++ < kMaxListed) Add(Kind::kDerived, kNoIndex, "serials: row '" + key + "' differs from what replay produces");
      }
      seen.insert(std::move(key));
    }
    for (const auto& [k, v] : serial_rows_) {
      if (seen.count(k) == 0 && listed++ < kMaxListed) {
        Add(Kind::kDerived, kNoIndex, "serials: row '" + k + "' is missing");
      }
    }
    if (snapshot_size_ > log_size_) {
      Add(Kind::kDerived, kNoIndex,
          "snapshot at size " + std::to_string(snapshot_size_) + " is beyond the log (" +
              std::to_string(log_size_) + " entries)");
    }
  }
}

CommandResult Auditor::Run(const std::string& dir) {
  Status s = LoadCheckpoints();
  if (!s.ok()) return UsageError("reading checkpoints: " + s.message());
  ReadFrontier();
  s = Pass();
  if (!s.ok()) return UsageError("reading the log: " + s.message());
  Attribute();
  if (replay_finding_) findings_.push_back(*replay_finding_);
  CheckDerived();

  uint64_t first = kNoIndex;
  size_t problems = findings_.size();
  for (const Finding& f : findings_) {
    if (f.kind == Kind::kLog && f.index != kNoIndex) first = std::min(first, f.index);
  }
  std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.index < b.index;
  });
  size_t verified = 0, entries_match = 0, rows_match = 0, compared = 0;
  uint64_t first_cp = 0, last_cp = 0;
  for (const auto& [size, row] : checkpoints_) {
    if (first_cp == 0) first_cp = size;
    last_cp = size;
    verified += row.verified;
    if (row.entries_match.has_value()) {
      ++compared;
      entries_match += *row.entries_match;
      rows_match += row.rows_match.value_or(false);
    }
  }
  std::string out = problems == 0 ? "clean\n" : "damaged\n";
  out += "store: " + dir + " (log " + origin_ + ")\n";
  out += "log: " + std::to_string(log_size_) + " entries; " + std::to_string(checkpoints_.size()) +
         " checkpoints";
  if (!checkpoints_.empty()) {
    out += " (sizes " + std::to_string(first_cp) + ".." + std::to_string(last_cp) + ")";
  }
  out += "; Merkle tile height " + std::to_string(tile_height_) + "\n";
  if (first != kNoIndex) out += "first damaged log index: " + std::to_string(first) + "\n";
  if (problems != 0) {
    out += "problems (" + std::to_string(problems) + "):\n";
    for (const Finding& f : findings_) out += "  " + f.text + "\n";
  }
  std::set<uint64_t> bad_leaves;
  for (const auto& m : leaf_mismatches_) bad_leaves.insert(m.index);
  const uint64_t leaf_ok = log_size_ - std::min<uint64_t>(log_size_, bad_leaves.size());
  out += "checked:\n";
  out += "  leaf hashes: " + std::to_string(leaf_ok) + "/" + std::to_string(log_size_) +
         " stored entries match their stored leaf hash; " + std::to_string(rows_checked_) +
         " upper row entries and " + std::to_string(tiles_checked_) +
         " full tiles compared with the rebuilt tree\n";
  out += "  checkpoints: " + std::to_string(verified) + "/" + std::to_string(checkpoints_.size()) +
         " signatures valid; the stored entries reproduce " + std::to_string(entries_match) + "/" +
         std::to_string(compared) + " signed roots (the stored leaf hashes " +
         std::to_string(rows_match) + "/" + std::to_string(compared) + ")\n";
  out += "  replay: " +
         (replay_ok_ ? std::to_string(log_size_) +
                           " records applied to a fresh state, every record signature valid "
                           "with the key registered at that point"
                     : replay_stop_) +
         "\n";
  out += "  derived rows: record ids " + std::to_string(record_id_rows_) + " rows; serials " +
         (replay_ok_ ? std::to_string(serial_count_) + " rows compared with replay"
                     : std::string("not compared (replay stopped)")) +
         "; snapshot " +
         (snapshot_size_ == 0 ? std::string("none")
                              : "at size " + std::to_string(snapshot_size_) + ": " +
                                    (snapshot_result_.empty() ? "not compared" : snapshot_result_)) +
         "\n";
  const uint64_t floor = ReadCheckpointFloor(*db_);
  if (floor > log_size_) {
    out += "note: checkpoint floor " + std::to_string(floor) +
           " (restored from a backup behind an issued checkpoint): qtraced refuses new records "
           "until the log holds " + std::to_string(floor) + " entries\n";
  }
  return {problems == 0 ? kExitOk : kExitInvalid, std::move(out), {}};
}

struct AuditArgs {
  std::string data_dir, host_key;
};

CommandResult AuditCommand(const AuditArgs& a) {
  host::DataDirLayout layout(a.data_dir);
  VerifyingKey host_key;
  const std::string key_path = a.host_key.empty() ? layout.host_public_key() : a.host_key;
  if (auto e = LoadPublicKeyArg("host key", key_path, &host_key)) return *e;
  std::unique_ptr<storage::Db> db;
  if (auto e = OpenStore(layout.db(), /*read_only=*/true,
                         "audit a backup or checkpoint copy of the data dir", &db)) {
    return *e;
  }
  auto origin = ReadOrigin(*db);
  if (!origin.ok()) return Invalid("the store has no origin row: not a qtrace log");
  Auditor auditor(db.get(), *origin, host_key);
  return auditor.Run(layout.db());
}

}  // namespace

void AddAuditCommands(CLI::App& app) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "Recompute a stopped store against its signed checkpoints and report any byte changed "
      "on disk");
  cmd->add_option("data_dir", args->data_dir, "qtraced data dir (daemon stopped) or a copy")
      ->required();
  cmd->add_option("--host-key", args->host_key,
                  "host public key (PEM; default DATA_DIR/keys/host.pub)");
  SetHandler(cmd, [args] { return AuditCommand(*args); });
}

}  // namespace qtrace::cli
