#include "qtrace/storage/merkle_tree.h"

#include <cstring>

#include "qtrace/encoding.h"
#include "qtrace/storage/keys.h"

namespace qtrace::storage {
namespace {

static_assert(sizeof(Hash256) == 32 && alignof(Hash256) == 1,
              "tiles are stored as packed arrays of Hash256");

constexpr uint8_t kRowTag = 'r';
constexpr uint8_t kTileTag = 't';
constexpr uint8_t kFrontierTag = 'f';
constexpr uint8_t kFrontierVersion = 1;
constexpr size_t kFrontierBytes = 1 + 1 + 8 + 32;

std::string RowKey(uint32_t level, uint64_t index) {
  return KeyBuilder()
      .U8(kRowTag)
      .U8(static_cast<uint8_t>(level))
      .U64(index)
      .Build();
}
std::string TileKey(uint32_t level, uint64_t tile_index) {
  return KeyBuilder()
      .U8(kTileTag)
      .U8(static_cast<uint8_t>(level))
      .U64(tile_index)
      .Build();
}
std::string FrontierKey() { return KeyBuilder().U8(kFrontierTag).Build(); }

// The in-memory identity of a tile: level in the top byte.
uint64_t TileCacheKey(uint32_t level, uint64_t tile_index) {
  return (uint64_t{level} << 56) | tile_index;
}

// x >> s, defined as 0 for s >= 64.
uint64_t Shr(uint64_t x, uint32_t s) { return s >= 64 ? 0 : x >> s; }

Status Corrupt(std::string message) {
  return Internal("merkle store corrupt: " + std::move(message),
                  "store_corrupt");
}

Hash256 HashAt(const std::string& tile, size_t offset) {
  Hash256 h;
  std::memcpy(h.data(), tile.data() + offset * h.size(), h.size());
  return h;
}

}  // namespace

MerkleTree::MerkleTree(Db* db, const MerkleTreeOptions& options)
    : db_(db),
      tile_height_(options.tile_height),
      tile_width_(1u << options.tile_height),
      cache_capacity_(options.cache_tiles) {}

MerkleTree::~MerkleTree() = default;

StatusOr<std::unique_ptr<MerkleTree>> MerkleTree::Load(
    Db* db, const MerkleTreeOptions& options) {
  if (options.tile_height < 1 || options.tile_height > 8) {
    return InvalidArgument("merkle tile height must be 1..8, got " +
                           std::to_string(options.tile_height));
  }
  std::unique_ptr<MerkleTree> tree(new MerkleTree(db, options));
  std::string frontier;
  Status s = db->Get(Cf::kMerkle, FrontierKey(), &frontier);
  if (s.code() == StatusCode::kNotFound) {
    std::unique_ptr<Iterator> it = db->NewIterator(Cf::kMerkle);
    it->SeekToFirst();
    if (it->Valid()) return Corrupt("nodes are stored but no frontier");
    QT_RETURN_IF_ERROR(it->status());
    return tree;
  }
  QT_RETURN_IF_ERROR(s);

  if (frontier.size() != kFrontierBytes ||
      static_cast<uint8_t>(frontier[0]) != kFrontierVersion) {
    return Corrupt("frontier record has an unknown format");
  }
  const auto height = static_cast<uint8_t>(frontier[1]);
  if (height != options.tile_height) {
    return FailedPrecondition("the merkle tree in " + db->path() +
                                  " uses tile height " +
                                  std::to_string(height) + ", not " +
                                  std::to_string(options.tile_height),
                              "store_version");
  }
  const uint64_t size = GetBigEndian64(frontier.data() + 2);
  Hash256 stored_root;
  ToHash256(std::string_view(frontier).substr(10), &stored_root);

  // Rebuild the partial tile of every level from its row entries.
  std::lock_guard<std::mutex> lock(tree->mu_);
  const uint64_t mask = ~uint64_t{tree->tile_width_ - 1};
  std::unique_ptr<Iterator> it = db->NewIterator(Cf::kMerkle);
  for (uint32_t level = 0;; ++level) {
    const uint64_t count = Shr(size, tree->tile_height_ * level);
    if (count == 0) break;
    tree->levels_.resize(level + 1);
    tree->levels_[level].nodes.resize(2 * size_t{tree->tile_width_} - 1);
    const uint64_t start = count & mask;
    if (start == count) continue;
    it->Seek(RowKey(level, start));
    for (uint64_t i = start; i < count; ++i, it->Next()) {
      Hash256 h;
      if (!it->Valid() || it->key() != RowKey(level, i) ||
          !ToHash256(it->value(), &h)) {
        QT_RETURN_IF_ERROR(it->status());
        return Corrupt("row " + std::to_string(level) + " entry " +
                       std::to_string(i) + " is missing");
      }
      tree->AddToRow(level, i, h, nullptr);
    }
  }
  QT_RETURN_IF_ERROR(it->status());
  tree->size_ = size;
  if (tree->ComputeRootLocked() != stored_root) {
    return Corrupt("the stored nodes do not hash to the root in the frontier");
  }
  tree->root_ = stored_root;
  return tree;
}

void MerkleTree::Append(const Hash256& leaf_hash, WriteBatch* batch) {
  std::lock_guard<std::mutex> lock(mu_);
  AddToRow(0, size_, leaf_hash, batch);
  ++size_;
  root_.reset();
}

void MerkleTree::AddToRow(uint32_t level, uint64_t row_index,
                          const Hash256& hash, WriteBatch* batch) {
  if (level >= levels_.size()) {
    levels_.resize(level + 1);
    levels_[level].nodes.resize(2 * size_t{tile_width_} - 1);
  }
  std::vector<Hash256>& nodes = levels_[level].nodes;
  if (batch != nullptr) {
    batch->Put(Cf::kMerkle, RowKey(level, row_index), AsBytes(hash));
  }
  const uint64_t pos = row_index & (tile_width_ - 1);
  nodes[pos] = hash;
  // Each right child completes its parent.
  uint64_t i = pos;
  for (uint32_t h = 0; (i & 1) && h < tile_height_; ++h, i >>= 1) {
    nodes[RowOffset(h + 1) + (i >> 1)] =
        NodeHash(nodes[RowOffset(h) + i - 1], nodes[RowOffset(h) + i]);
  }
  if (pos != tile_width_ - 1) return;

  // The tile is full: store it, keep it readable until it is committed, and
  // push its top up as the next row's entry. (Load never fills a tile.)
  const uint64_t tile_index = row_index >> tile_height_;
  const Hash256 top = nodes[RowOffset(tile_height_)];
  auto tile = std::make_shared<const std::string>(
      reinterpret_cast<const char*>(nodes.data()),
      nodes.size() * sizeof(Hash256));
  if (batch != nullptr) {
    batch->Put(Cf::kMerkle, TileKey(level, tile_index), *tile);
  }
  const uint64_t key = TileCacheKey(level, tile_index);
  pending_[key] = tile;
  CacheInsertLocked(key, std::move(tile));
  AddToRow(level + 1, tile_index, top, batch);  // may reallocate levels_
}

void MerkleTree::FinishBatch(WriteBatch* batch) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!root_) root_ = ComputeRootLocked();
  std::string value;
  value.reserve(kFrontierBytes);
  value.push_back(static_cast<char>(kFrontierVersion));
  value.push_back(static_cast<char>(tile_height_));
  PutBigEndian64(&value, size_);
  value.append(AsBytes(*root_));
  batch->Put(Cf::kMerkle, FrontierKey(), value);
  // The previous batch was written before this FinishBatch (see the
  // contract), so its tiles are in the Db now.
  unconfirmed_ = std::move(pending_);
  pending_.clear();
}

uint64_t MerkleTree::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

Hash256 MerkleTree::Root() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!root_) root_ = ComputeRootLocked();
  return *root_;
}

Hash256 MerkleTree::ComputeRootLocked() const {
  // The root folds the perfect subtrees given by the binary digits of size_,
  // right to left; every one of them lies in a partial tile.
  if (size_ == 0) return EmptyRoot();
  Hash256 acc{};
  bool have = false;
  for (uint32_t b = 0; b < 64; ++b) {
    if (!((size_ >> b) & 1)) continue;
    const uint32_t level = b / tile_height_, h = b % tile_height_;
    const uint64_t local = ((size_ >> b) - 1) & ((tile_width_ >> h) - 1);
    const Hash256& node = levels_[level].nodes[RowOffset(h) + local];
    acc = have ? NodeHash(node, acc) : node;
    have = true;
  }
  return acc;
}

Status MerkleTree::CheckSize(uint64_t size) const {
  const uint64_t current = this->size();
  if (size > current) {
    return InvalidArgument("tree size " + std::to_string(size) +
                               " is beyond the log's size " +
                               std::to_string(current),
                           "size_out_of_range");
  }
  return Status::Ok();
}

StatusOr<Hash256> MerkleTree::RootAt(uint64_t size) const {
  QT_RETURN_IF_ERROR(CheckSize(size));
  return ::qtrace::RootAt(*this, size);
}

StatusOr<std::vector<Hash256>> MerkleTree::InclusionProof(uint64_t index,
                                                          uint64_t size) const {
  QT_RETURN_IF_ERROR(CheckSize(size));
  return ::qtrace::InclusionProof(*this, index, size);
}

StatusOr<std::vector<Hash256>> MerkleTree::ConsistencyProof(
    uint64_t size1, uint64_t size2) const {
  QT_RETURN_IF_ERROR(CheckSize(size2));
  return ::qtrace::ConsistencyProof(*this, size1, size2);
}

StatusOr<Hash256> MerkleTree::LeafHashAt(uint64_t index) const {
  return PerfectNode(0, index);
}

StatusOr<Hash256> MerkleTree::PerfectNode(uint32_t height,
                                          uint64_t index) const {
  const uint32_t level = height / tile_height_, h = height % tile_height_;
  const uint64_t tile_index = index >> (tile_height_ - h);
  const size_t offset = RowOffset(h) + (index & ((tile_width_ >> h) - 1));
  const uint64_t key = TileCacheKey(level, tile_index);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (height >= 64 || index >= (size_ >> height)) {
      return InvalidArgument("node (height " + std::to_string(height) +
                                 ", index " + std::to_string(index) +
                                 ") is not complete in a tree of size " +
                                 std::to_string(size_),
                             "size_out_of_range");
    }
    if (tile_index == Shr(size_, tile_height_ * (level + 1))) {
      return levels_[level].nodes[offset];
    }
    if (TilePtr tile = FindTileLocked(key)) return HashAt(*tile, offset);
  }
  QT_ASSIGN_OR_RETURN(TilePtr tile, ReadTile(level, tile_index));
  {
    std::lock_guard<std::mutex> lock(mu_);
    CacheInsertLocked(key, tile);
  }
  return HashAt(*tile, offset);
}

MerkleTree::TilePtr MerkleTree::FindTileLocked(uint64_t tile_key) const {
  if (auto it = pending_.find(tile_key); it != pending_.end())
    return it->second;
  if (auto it = unconfirmed_.find(tile_key); it != unconfirmed_.end()) {
    return it->second;
  }
  auto it = lru_index_.find(tile_key);
  if (it == lru_index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void MerkleTree::CacheInsertLocked(uint64_t tile_key, TilePtr tile) const {
  if (cache_capacity_ == 0) return;
  if (auto it = lru_index_.find(tile_key); it != lru_index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(tile_key, std::move(tile));
  lru_index_[tile_key] = lru_.begin();
  if (lru_.size() > cache_capacity_) {
    lru_index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

StatusOr<MerkleTree::TilePtr> MerkleTree::ReadTile(uint32_t level,
                                                   uint64_t tile_index) const {
  auto value = std::make_shared<std::string>();
  Status s = db_->Get(Cf::kMerkle, TileKey(level, tile_index), value.get());
  const std::string where = "tile " + std::to_string(tile_index) +
                            " of level " + std::to_string(level);
  if (s.code() == StatusCode::kNotFound) return Corrupt(where + " is missing");
  QT_RETURN_IF_ERROR(s);
  if (value->size() != (2 * size_t{tile_width_} - 1) * sizeof(Hash256)) {
    return Corrupt(where + " has " + std::to_string(value->size()) + " bytes");
  }
  return TilePtr(std::move(value));
}

}  // namespace qtrace::storage
