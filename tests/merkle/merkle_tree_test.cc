// storage::MerkleTree over a real RocksDB in a temp dir: roots and proofs
// equal the reference ones around tile boundaries, Load restores the tree,
// restarts keep it consistent with every earlier root, and readers work
// while the writer appends.
#include "qtrace/storage/merkle_tree.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "merkle/memory_source.h"
#include "qtrace/merkle.h"
#include "qtrace/storage/db.h"
#include "qtrace/storage/keys.h"
#include "testing/temp_dir.h"

namespace qtrace::storage {
namespace {

using qtrace::testing::MemorySource;
using qtrace::testing::Prefix;
using qtrace::testing::TempDir;
using qtrace::testing::TestLeaves;

class MerkleTreeTest : public ::testing::Test {
 protected:
  // (Re)opens the store `name` in the test's temp dir and loads its tree.
  void Open(uint32_t tile_height = 8, size_t cache_tiles = 1024,
            const std::string& name = "db") {
    tree_.reset();
    db_.reset();
    DbOptions options;
    options.create_if_missing = true;
    StatusOr<std::unique_ptr<Db>> db = Db::Open(dir_.Sub(name), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    MerkleTreeOptions tree_options;
    tree_options.tile_height = tile_height;
    tree_options.cache_tiles = cache_tiles;
    StatusOr<std::unique_ptr<MerkleTree>> tree =
        MerkleTree::Load(db_.get(), tree_options);
    ASSERT_TRUE(tree.ok()) << tree.status().ToString();
    tree_ = std::move(*tree);
  }

  void Close() {
    tree_.reset();
    db_.reset();
  }

  // Appends leaves [tree size, end) of `leaves`, `per_batch` per WriteBatch,
  // as the ingest pipeline does.
  void AppendUpTo(const std::vector<Hash256>& leaves, uint64_t end,
                  uint64_t per_batch = 1000) {
    while (tree_->size() < end) {
      WriteBatch batch(*db_);
      const uint64_t stop = std::min(end, tree_->size() + per_batch);
      while (tree_->size() < stop) tree_->Append(leaves[tree_->size()], &batch);
      tree_->FinishBatch(&batch);
      ASSERT_TRUE(db_->Write(batch, /*sync=*/false).ok());
    }
  }

  // Checks the root and every listed proof at `size` against the reference.
  void ExpectMatchesReference(const std::vector<Hash256>& leaves, uint64_t size,
                              const std::vector<uint64_t>& indexes) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::vector<Hash256> prefix = Prefix(leaves, size);
    const Hash256 root = RootOf(prefix);
    StatusOr<Hash256> got = tree_->RootAt(size);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, root);
    MemorySource memory(prefix);
    for (uint64_t index : indexes) {
      if (index >= size) continue;
      SCOPED_TRACE("index " + std::to_string(index));
      StatusOr<std::vector<Hash256>> proof = tree_->InclusionProof(index, size);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, *InclusionProof(memory, index, size));
      EXPECT_TRUE(
          VerifyInclusion(leaves[index], index, size, *proof, root).ok());
    }
  }

  TempDir dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<MerkleTree> tree_;
};

TEST_F(MerkleTreeTest, NewStoreHoldsTheEmptyTree) {
  Open();
  EXPECT_EQ(tree_->size(), 0u);
  EXPECT_EQ(tree_->Root(), EmptyRoot());
  EXPECT_EQ(*tree_->RootAt(0), EmptyRoot());
  EXPECT_FALSE(tree_->RootAt(1).ok());
  EXPECT_FALSE(tree_->InclusionProof(0, 0).ok());
}

TEST_F(MerkleTreeTest, ProofsMatchTheReferenceAroundTileBoundaries) {
  Open();
  const uint64_t n = 65536 + 300;
  const std::vector<Hash256> leaves = TestLeaves(n);
  AppendUpTo(leaves, n);
  ASSERT_EQ(tree_->size(), n);
  EXPECT_EQ(tree_->Root(), RootOf(leaves));

  const std::vector<uint64_t> sizes = {
      1,   2,     255,   256,   257,         511,         512,
      513, 65535, 65536, 65537, 65536 + 256, 65536 + 257, n};
  for (uint64_t size : sizes) {
    ExpectMatchesReference(
        leaves, size,
        {0, 1, 254, 255, 256, 257, size / 2, 65535, 65536, size - 2, size - 1});
  }
  // Small trees: every proof equals the RFC recursion itself.
  for (uint64_t size : {1, 2, 3, 255, 256, 257}) {
    const std::vector<Hash256> prefix = Prefix(leaves, size);
    for (uint64_t index = 0; index<size; index += size> 10 ? 17 : 1) {
      EXPECT_EQ(*tree_->InclusionProof(index, size),
                InclusionProofOf(prefix, index));
    }
  }
  // Consistency between every pair of the sizes above.
  std::vector<Hash256> roots;
  for (uint64_t size : sizes) roots.push_back(RootOf(Prefix(leaves, size)));
  for (size_t i = 0; i < sizes.size(); ++i) {
    for (size_t j = i; j < sizes.size(); ++j) {
      StatusOr<std::vector<Hash256>> proof =
          tree_->ConsistencyProof(sizes[i], sizes[j]);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(
          VerifyConsistency(sizes[i], sizes[j], roots[i], roots[j], *proof)
              .ok())
          << sizes[i] << " -> " << sizes[j];
    }
  }
  EXPECT_EQ(*tree_->ConsistencyProof(257, 65537),
            ConsistencyProofOf(Prefix(leaves, 65537), 257));
}

// Small tile heights put many tile levels over few leaves; every root and
// every perfect node at every size must match an in-memory tree.
TEST_F(MerkleTreeTest, EveryNodeMatchesAtSmallTileHeights) {
  for (uint32_t height : {1u, 2u, 3u}) {
    SCOPED_TRACE("tile height " + std::to_string(height));
    Open(height, /*cache_tiles=*/4, "db" + std::to_string(height));
    const std::vector<Hash256> leaves = TestLeaves(150);
    for (uint64_t size = 1; size <= leaves.size(); ++size) {
      AppendUpTo(leaves, size, /*per_batch=*/7);
      ASSERT_EQ(tree_->Root(), RootOf(Prefix(leaves, size))) << size;
    }
    MemorySource memory(leaves);
    for (uint32_t h = 0; h < 8; ++h) {
      for (uint64_t i = 0; (i + 1) << h <= leaves.size(); ++i) {
        ASSERT_EQ(*tree_->PerfectNode(h, i), *memory.PerfectNode(h, i))
            << h << "/" << i;
      }
    }
    for (uint64_t size :
         {1, 2, 3, 4, 5, 8, 9, 63, 64, 65, 127, 128, 129, 150}) {
      ExpectMatchesReference(leaves, size, {0, 1, 2, size / 3, size - 1});
    }
    Close();
  }
}

TEST_F(MerkleTreeTest, LoadAfterCloseRestoresTheSameTree) {
  Open();
  const uint64_t n = 70000;
  const std::vector<Hash256> leaves = TestLeaves(n);
  AppendUpTo(leaves, n);
  const Hash256 root = tree_->Root();
  const std::vector<Hash256> proof = *tree_->InclusionProof(12345, n);
  Close();
  Open();
  EXPECT_EQ(tree_->size(), n);
  EXPECT_EQ(tree_->Root(), root);
  EXPECT_EQ(root, RootOf(leaves));
  EXPECT_EQ(*tree_->InclusionProof(12345, n), proof);
  ExpectMatchesReference(leaves, n, {0, 65535, 65536, n - 1});
}

// The restart scenario: the process stops between batches at
// awkward sizes and resumes; every root published before (one per batch,
// like checkpoints) stays the root at its size and is consistent with the
// final tree.
TEST_F(MerkleTreeTest, RestartsKeepTheTreeConsistentWithEveryEarlierRoot) {
  const std::vector<Hash256> leaves = TestLeaves(66000);
  const std::vector<uint64_t> stops = {1,     255,   256,   257,  1000,
                                       65535, 65536, 65537, 66000};
  std::vector<std::pair<uint64_t, Hash256>> published;
  Open();
  for (uint64_t stop : stops) {
    while (tree_->size() < stop) {
      AppendUpTo(leaves, std::min<uint64_t>(stop, tree_->size() + 4099), 4099);
      published.emplace_back(tree_->size(), tree_->Root());
    }
    Close();  // restart
    Open();
    ASSERT_EQ(tree_->size(), stop);
    ASSERT_EQ(tree_->Root(), published.back().second);
  }
  const uint64_t final_size = tree_->size();
  const Hash256 final_root = tree_->Root();
  ASSERT_EQ(final_root, RootOf(leaves));
  for (const auto& [size, root] : published) {
    EXPECT_EQ(*tree_->RootAt(size), root) << size;
    StatusOr<std::vector<Hash256>> proof =
        tree_->ConsistencyProof(size, final_size);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(
        VerifyConsistency(size, final_size, root, final_root, *proof).ok())
        << size;
  }
}

// A tile completed in a batch that is not written yet must be readable,
// however small the cache.
TEST_F(MerkleTreeTest, TilesOfUnwrittenBatchesAreReadable) {
  Open(/*tile_height=*/8, /*cache_tiles=*/0);
  const std::vector<Hash256> leaves = TestLeaves(2000);
  WriteBatch first(*db_);
  for (uint64_t i = 0; i < 600; ++i) tree_->Append(leaves[i], &first);
  ExpectMatchesReference(leaves, 600, {0, 255, 256, 511, 599});
  tree_->FinishBatch(&first);
  ExpectMatchesReference(leaves, 600, {0, 300});
  ASSERT_TRUE(db_->Write(first, false).ok());

  WriteBatch second(*db_);
  for (uint64_t i = 600; i < 1100; ++i) tree_->Append(leaves[i], &second);
  ExpectMatchesReference(leaves, 1100, {0, 256, 700, 1023, 1099});
  tree_->FinishBatch(&second);
  ASSERT_TRUE(db_->Write(second, false).ok());
  WriteBatch third(*db_);
  tree_->FinishBatch(
      &third);  // the first two batches' tiles now come from the Db
  ASSERT_TRUE(db_->Write(third, false).ok());
  ExpectMatchesReference(leaves, 1100, {0, 256, 700, 1023, 1099});
}

TEST_F(MerkleTreeTest, ReadersRunWhileTheWriterAppends) {
  Open(/*tile_height=*/8, /*cache_tiles=*/8);
  const uint64_t n = 30000;
  const std::vector<Hash256> leaves = TestLeaves(n);
  std::atomic<bool> done{false};
  std::atomic<int> checked{0};
  auto reader = [&](unsigned seed) {
    std::mt19937_64 rng(seed);
    while (!done.load()) {
      const uint64_t size = tree_->size();
      if (size == 0) continue;
      const uint64_t index = rng() % size, older = rng() % (size + 1);
      StatusOr<Hash256> root = tree_->RootAt(size);
      StatusOr<std::vector<Hash256>> proof = tree_->InclusionProof(index, size);
      ASSERT_TRUE(root.ok() && proof.ok());
      ASSERT_TRUE(
          VerifyInclusion(leaves[index], index, size, *proof, *root).ok());
      StatusOr<Hash256> older_root = tree_->RootAt(older);
      StatusOr<std::vector<Hash256>> cons =
          tree_->ConsistencyProof(older, size);
      ASSERT_TRUE(older_root.ok() && cons.ok());
      ASSERT_TRUE(
          VerifyConsistency(older, size, *older_root, *root, *cons).ok());
      checked.fetch_add(1);
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  AppendUpTo(leaves, n, /*per_batch=*/97);
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_GT(checked.load(), 0);
  EXPECT_EQ(tree_->Root(), RootOf(leaves));
}

TEST_F(MerkleTreeTest, RejectsNodesAndSizesBeyondTheTree) {
  Open();
  AppendUpTo(TestLeaves(10), 10);
  EXPECT_TRUE(tree_->PerfectNode(3, 0).ok());
  EXPECT_FALSE(tree_->PerfectNode(3, 1).ok());
  EXPECT_FALSE(tree_->PerfectNode(64, 0).ok());
  EXPECT_FALSE(tree_->PerfectNode(UINT32_MAX, 0).ok());
  EXPECT_FALSE(tree_->InclusionProof(3, 11).ok());
  EXPECT_FALSE(tree_->ConsistencyProof(3, 11).ok());
  EXPECT_FALSE(tree_->LeafHashAt(10).ok());
  EXPECT_EQ(*tree_->LeafHashAt(9), qtrace::testing::TestLeaf(9));
}

TEST_F(MerkleTreeTest, LoadRefusesAnotherTileHeight) {
  Open(8);
  AppendUpTo(TestLeaves(10), 10);
  tree_.reset();
  MerkleTreeOptions options;
  options.tile_height = 4;
  EXPECT_EQ(MerkleTree::Load(db_.get(), options).status().code(),
            StatusCode::kFailedPrecondition);
  options.tile_height = 9;
  EXPECT_EQ(MerkleTree::Load(db_.get(), options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(MerkleTreeTest, LoadDetectsAChangedOrMissingRowEntry) {
  Open();
  AppendUpTo(TestLeaves(300), 300);
  tree_.reset();
  const std::string leaf_key = KeyBuilder().U8('r').U8(0).U64(299).Build();
  {
    WriteBatch b(*db_);
    b.Put(Cf::kMerkle, leaf_key, AsBytes(Sha256("forged")));
    ASSERT_TRUE(db_->Write(b, false).ok());
  }
  Status s = MerkleTree::Load(db_.get()).status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.reason(), "store_corrupt");
  {
    WriteBatch b(*db_);
    b.Delete(Cf::kMerkle, leaf_key);
    ASSERT_TRUE(db_->Write(b, false).ok());
  }
  EXPECT_EQ(MerkleTree::Load(db_.get()).status().reason(), "store_corrupt");
}

}  // namespace
}  // namespace qtrace::storage
