// MerkleTree: the log's RFC 6962 tree, persisted in the `merkle` column
// family in the same WriteBatch as the records it covers, and a NodeSource
// from which proofs and roots at any size up to size() are produced.
//
// Layout. The tree is cut into tiles of height H (MerkleTreeOptions;
// 8 in production, so 256 nodes wide). Tile level L holds the nodes of
// heights [L*H, (L+1)*H]; its bottom row ("row L") is the nodes of height
// L*H, so row 0 is the leaf hashes and row L+1 entry t is the top of tile t of
// level L. Keys (KeyBuilder, big-endian):
//
//   'r' U8(L) U64(i)  -> 32 bytes: entry i of row L. Row 0 entries are written
//                        by Append; a row L+1 entry when tile t of level L
//                        completes. They give the partial tiles of the right
//                        frontier on Load with one short scan per level.
//   't' U8(L) U64(t)  -> (2^(H+1) - 1) * 32 bytes (511 hashes, ~16 KiB, at
//                        H = 8): a FULL tile with every inner node, rows
//                        bottom-up, each row left to right.
//   'f'               -> the frontier: U8(version = 1) U8(H) U64(size)
//                        root(32). Load rebuilds the partial tiles from the
//                        rows, recomputes the root and refuses a mismatch.
//
// A node lives in exactly one tile: (height h, index i) is in tile level
// h / H. Full tiles are read from an LRU cache or the Db; the partial tile of
// every level is kept in memory. A proof at 10M leaves (H = 8) touches one
// level-0 tile (one Db read when cold), one level-1 tile (cached) and the
// in-memory frontier.
//
// Thread-safety: one writer thread calls Append and FinishBatch; any number
// of threads may concurrently call the const methods (size, Root, RootAt,
// proofs, PerfectNode) for any size up to size(). Internally synchronized.
#ifndef QTRACE_STORAGE_MERKLE_TREE_H_
#define QTRACE_STORAGE_MERKLE_TREE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/merkle.h"
#include "qtrace/status.h"
#include "qtrace/storage/db.h"

namespace qtrace::storage {

struct MerkleTreeOptions {
  // Tile height H, 1..8: 2^H row entries per tile. Written to the frontier
  // when the first leaf is appended; Load refuses a store written with
  // another height. Heights below 8 are for tests (many tile levels with
  // few leaves). Default: 8.
  uint32_t tile_height = 8;
  // Full tiles kept in memory, least recently used evicted (16 KiB each at
  // height 8). Tiles not yet written to the Db are held apart and never
  // evicted. Default: 1024 (16 MiB).
  size_t cache_tiles = 1024;
};

class MerkleTree final : public NodeSource {
 public:
  // Loads the tree stored in `db` (an empty tree when there is none).
  // FailedPrecondition when it was written with another tile height;
  // Internal (reason "store_corrupt") when the frontier, the rows or the
  // recomputed root disagree. OWNERSHIP: `db` is borrowed and must outlive
  // the tree.
  static StatusOr<std::unique_ptr<MerkleTree>> Load(
      Db* db, const MerkleTreeOptions& options = {});

  MerkleTree(const MerkleTree&) = delete;
  MerkleTree& operator=(const MerkleTree&) = delete;
  ~MerkleTree() override;

  // --- Writer (one thread) -------------------------------------------------

  // Appends a leaf: puts its hash and every tile it completes into `batch`,
  // and makes it visible to readers at once (size() grows by one).
  void Append(const Hash256& leaf_hash, WriteBatch* batch);

  // Puts the frontier into `batch`. Contract: every batch that received
  // Appends gets one FinishBatch (after its last Append) before it is
  // written, and is written before the next FinishBatch; tiles completed by
  // a batch are held in memory until then, so readers see them before the
  // write commits. After a failed Db::Write the caller must stop using the
  // tree (nothing is rolled back).
  void FinishBatch(WriteBatch* batch);

  // --- Readers (any thread) --------------------------------------------------

  uint64_t size() const;
  // The root at size() (EmptyRoot() when empty).
  Hash256 Root() const;
  // The root at `size` <= size(); InvalidArgument beyond it.
  StatusOr<Hash256> RootAt(uint64_t size) const;
  // Proofs in a tree of `size` <= size() leaves; InvalidArgument beyond it
  // or for an index >= size (see merkle.h for the shapes).
  StatusOr<std::vector<Hash256>> InclusionProof(uint64_t index,
                                                uint64_t size) const;
  StatusOr<std::vector<Hash256>> ConsistencyProof(uint64_t size1,
                                                  uint64_t size2) const;
  // The leaf hash at `index` < size().
  StatusOr<Hash256> LeafHashAt(uint64_t index) const;

  // NodeSource: InvalidArgument unless the subtree is complete at size();
  // Internal when the store lacks a tile it should hold.
  StatusOr<Hash256> PerfectNode(uint32_t height, uint64_t index) const override;

 private:
  using TilePtr = std::shared_ptr<const std::string>;
  // The partial (rightmost, not yet full) tile of one level, laid out like a
  // stored tile; only nodes over complete row entries are meaningful.
  struct PartialTile {
    std::vector<Hash256> nodes;
  };

  MerkleTree(Db* db, const MerkleTreeOptions& options);

  // Places entry `row_index` of row `level` in that level's partial tile,
  // computes the inner nodes it completes and, when the tile fills up,
  // emits it (into `batch` when non-null, as Load replays without one).
  void AddToRow(uint32_t level, uint64_t row_index, const Hash256& hash,
                WriteBatch* batch);
  Hash256 ComputeRootLocked() const;
  // The full tile `tile_key` if it is in memory (pending, unconfirmed or
  // cached), else null.
  TilePtr FindTileLocked(uint64_t tile_key) const;
  void CacheInsertLocked(uint64_t tile_key, TilePtr tile) const;
  StatusOr<TilePtr> ReadTile(uint32_t level, uint64_t tile_index) const;
  Status CheckSize(uint64_t size) const;
  // Offset, in hashes, of the nodes of height h (0..H) within a tile.
  size_t RowOffset(uint32_t h) const {
    return 2 * size_t{tile_width_} - ((2 * size_t{tile_width_}) >> h);
  }

  Db* const db_;
  const uint32_t tile_height_;
  const uint32_t tile_width_;  // 2^tile_height_
  const size_t cache_capacity_;

  mutable std::mutex mu_;
  uint64_t size_ = 0;                    // guarded by mu_
  std::vector<PartialTile> levels_;      // guarded by mu_
  mutable std::optional<Hash256> root_;  // guarded by mu_; cache of Root()
  // Tiles completed since the last FinishBatch, and those of the batch last
  // finished (possibly not yet written). Guarded by mu_.
  std::unordered_map<uint64_t, TilePtr> pending_;
  std::unordered_map<uint64_t, TilePtr> unconfirmed_;
  // LRU of full tiles, most recent first. Guarded by mu_.
  mutable std::list<std::pair<uint64_t, TilePtr>> lru_;
  mutable std::unordered_map<uint64_t,
                             std::list<std::pair<uint64_t, TilePtr>>::iterator>
      lru_index_;
};

}  // namespace qtrace::storage

#endif  // QTRACE_STORAGE_MERKLE_TREE_H_
