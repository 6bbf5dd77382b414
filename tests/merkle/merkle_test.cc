// Merkle hashing, proof generation and strict proof verification
// (qtrace/merkle.h) against the definitions of RFC 6962 / RFC 9162.
#include "qtrace/merkle.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "merkle/memory_source.h"
#include "qtrace/encoding.h"

namespace qtrace {
namespace {

using testing::MemorySource;
using testing::Prefix;
using testing::TestLeaves;

std::string Hex(const Hash256& h) { return HexEncode(AsBytes(h)); }

// The leaf data of RFC 6962's reference test vectors
// (certificate-transparency).
const char* const kLeafData[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

// Hand-written SHA-256 compositions, spelled out from RFC 6962 2.1 without
// LeafHash/NodeHash, so the known answers do not depend on the code tested.
Hash256 HandLeaf(int i) {
  return Sha256(std::string(1, '\x00') + *HexDecode(kLeafData[i]));
}
Hash256 HandNode(const Hash256& l, const Hash256& r) {
  return Sha256(std::string(1, '\x01') + std::string(AsBytes(l)) +
                std::string(AsBytes(r)));
}

std::vector<Hash256> KnownLeaves(int n) {
  std::vector<Hash256> out;
  for (int i = 0; i < n; ++i) out.push_back(LeafHash(*HexDecode(kLeafData[i])));
  return out;
}

// --- Known answers -----------------------------------------------------------

TEST(MerkleHashTest, EmptyRootIsSha256OfTheEmptyString) {
  EXPECT_EQ(Hex(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(RootOf({}), EmptyRoot());
}

TEST(MerkleHashTest, LeafAndNodeHashesUseTheRfcPrefixes) {
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(LeafHash(*HexDecode(kLeafData[i])), HandLeaf(i)) << i;
  }
  EXPECT_EQ(NodeHash(HandLeaf(0), HandLeaf(1)),
            HandNode(HandLeaf(0), HandLeaf(1)));
  EXPECT_NE(NodeHash(HandLeaf(0), HandLeaf(1)),
            NodeHash(HandLeaf(1), HandLeaf(0)));
}

TEST(MerkleKnownAnswerTest, RootsOfTreesWithZeroToEightLeaves) {
  const Hash256 l0 = HandLeaf(0), l1 = HandLeaf(1), l2 = HandLeaf(2),
                l3 = HandLeaf(3), l4 = HandLeaf(4), l5 = HandLeaf(5),
                l6 = HandLeaf(6), l7 = HandLeaf(7);
  const Hash256 n01 = HandNode(l0, l1), n23 = HandNode(l2, l3),
                n45 = HandNode(l4, l5), n67 = HandNode(l6, l7);
  const Hash256 n0123 = HandNode(n01, n23);
  struct Case {
    int size;
    Hash256 by_hand;
    const char* hex;  // RFC 6962 reference vectors
  };
  const Case cases[] = {
      {0, Sha256(""),
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {1, l0,
       "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
      {2, n01,
       "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"},
      {3, HandNode(n01, l2),
       "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"},
      {4, n0123,
       "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
      {5, HandNode(n0123, l4),
       "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"},
      {6, HandNode(n0123, n45),
       "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"},
      {7, HandNode(n0123, HandNode(n45, l6)),
       "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"},
      {8, HandNode(n0123, HandNode(n45, n67)),
       "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"},
  };
  const std::vector<Hash256> leaves = KnownLeaves(8);
  MemorySource source(leaves);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.size);
    EXPECT_EQ(Hex(c.by_hand), c.hex);
    EXPECT_EQ(RootOf(Prefix(leaves, c.size)), c.by_hand);
    StatusOr<Hash256> root = RootAt(source, c.size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, c.by_hand);
  }
}

TEST(MerkleKnownAnswerTest, ProofsInTheEightLeafTree) {
  const Hash256 l0 = HandLeaf(0), l1 = HandLeaf(1), l2 = HandLeaf(2),
                l3 = HandLeaf(3), l4 = HandLeaf(4), l5 = HandLeaf(5),
                l6 = HandLeaf(6), l7 = HandLeaf(7);
  const Hash256 n01 = HandNode(l0, l1), n23 = HandNode(l2, l3),
                n45 = HandNode(l4, l5), n67 = HandNode(l6, l7);
  const Hash256 n0123 = HandNode(n01, n23), n4567 = HandNode(n45, n67);
  const std::vector<Hash256> leaves = KnownLeaves(8);
  MemorySource source(leaves);

  struct Inclusion {
    uint64_t index, size;
    std::vector<Hash256> proof;
  };
  const Inclusion inclusions[] = {
      {0, 1, {}},      {0, 8, {l1, n23, n4567}}, {5, 8, {l4, n67, n0123}},
      {2, 3, {n01}},   {3, 5, {l2, n01, l4}},    {6, 7, {n45, n0123}},
      {4, 5, {n0123}},
  };
  for (const Inclusion& c : inclusions) {
    SCOPED_TRACE(std::to_string(c.index) + "/" + std::to_string(c.size));
    EXPECT_EQ(InclusionProofOf(Prefix(leaves, c.size), c.index), c.proof);
    StatusOr<std::vector<Hash256>> p = InclusionProof(source, c.index, c.size);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, c.proof);
  }

  struct Consistency {
    uint64_t size1, size2;
    std::vector<Hash256> proof;
  };
  const Consistency consistencies[] = {
      {1, 1, {}},
      {1, 8, {l1, n23, n4567}},
      {6, 8, {n45, n67, n0123}},
      {2, 5, {n23, l4}},
      {3, 7, {l2, l3, n01, HandNode(n45, l6)}},
      {4, 8, {n4567}},
  };
  for (const Consistency& c : consistencies) {
    SCOPED_TRACE(std::to_string(c.size1) + "->" + std::to_string(c.size2));
    EXPECT_EQ(ConsistencyProofOf(Prefix(leaves, c.size2), c.size1), c.proof);
    StatusOr<std::vector<Hash256>> p =
        ConsistencyProof(source, c.size1, c.size2);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, c.proof);
  }
}

// --- Exhaustive checks up to 64 leaves ---------------------------------------

constexpr uint64_t kMaxLeaves = 64;
// Up to this many leaves every bit of every hash is flipped for every index
// (or size pair); above it, one bit per byte (a different bit in each byte),
// which keeps the suite at a few seconds of CPU.
constexpr uint64_t kEveryBitLeaves = 32;

Hash256 FlipBit(Hash256 h, int bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// The bits of a hash to flip, see kEveryBitLeaves.
std::vector<int> BitsToFlip(uint64_t size) {
  std::vector<int> bits;
  for (int bit = 0; bit < 256; ++bit) {
    if (size <= kEveryBitLeaves || bit % 8 == (bit / 8) % 8)
      bits.push_back(bit);
  }
  return bits;
}

// The left/right pattern RFC 9162 2.1.3.2 applies to the proof hashes for
// (index, size); nullopt when no proof can be valid. Two (index, size) pairs
// with the same pattern accept exactly the same (leaf, proof, root) triples,
// because an RFC 6962 root does not commit to the tree size; the size is
// bound by the signed checkpoint instead (see checkpoint_test).
std::optional<std::vector<bool>> InclusionShape(uint64_t index, uint64_t size) {
  if (index >= size) return std::nullopt;
  std::vector<bool> shape;
  uint64_t fn = index, sn = size - 1;
  while (sn != 0) {
    const bool left = (fn & 1) || fn == sn;
    shape.push_back(left);
    if (left) {
      while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
    }
    fn >>= 1, sn >>= 1;
  }
  return shape;
}

// Likewise for RFC 9162 2.1.4.2 (plus qtrace's rules for 0 and equal sizes).
std::optional<std::vector<int>> ConsistencyShape(uint64_t size1,
                                                 uint64_t size2) {
  if (size1 > size2) return std::nullopt;
  if (size1 == 0) return std::vector<int>{-1};
  if (size1 == size2) return std::vector<int>{-2};
  std::vector<int> shape = {(size1 & (size1 - 1)) == 0 ? 10 : 11};
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) fn >>= 1, sn >>= 1;
  while (sn != 0) {
    const bool left = (fn & 1) || fn == sn;
    shape.push_back(left);
    if (left) {
      while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
    }
    fn >>= 1, sn >>= 1;
  }
  return shape;
}

class InclusionTest : public ::testing::TestWithParam<uint64_t> {};

// Every index of every tree with 1..64 leaves: the generated proof equals the
// RFC recursion, has the predicted length and verifies; each single-bit
// change (see kEveryBitLeaves) of a proof hash, the root, the leaf hash or
// the index is rejected,
// and a single-bit change of the size is rejected unless it leaves the
// proof's shape unchanged.
TEST_P(InclusionTest, EveryIndexVerifiesAndEveryBitFlipIsRejected) {
  const uint64_t size = GetParam();
  const std::vector<Hash256> leaves = TestLeaves(size);
  const Hash256 root = RootOf(leaves);
  MemorySource source(leaves);
  const std::vector<int> bits = BitsToFlip(size);
  size_t accepted_size_flips = 0;
  for (uint64_t index = 0; index < size; ++index) {
    SCOPED_TRACE("index " + std::to_string(index) + " size " +
                 std::to_string(size));
    const Hash256& leaf = leaves[index];
    StatusOr<std::vector<Hash256>> generated =
        InclusionProof(source, index, size);
    ASSERT_TRUE(generated.ok()) << generated.status().ToString();
    const std::vector<Hash256> proof = InclusionProofOf(leaves, index);
    ASSERT_EQ(*generated, proof);
    ASSERT_EQ(proof.size(), InclusionProofLength(index, size));
    ASSERT_TRUE(VerifyInclusion(leaf, index, size, proof, root).ok());

    for (size_t e = 0; e < proof.size(); ++e) {
      for (int bit : bits) {
        std::vector<Hash256> bad = proof;
        bad[e] = FlipBit(bad[e], bit);
        ASSERT_FALSE(VerifyInclusion(leaf, index, size, bad, root).ok())
            << "proof hash " << e << " bit " << bit;
      }
    }
    for (int bit : bits) {
      ASSERT_FALSE(
          VerifyInclusion(leaf, index, size, proof, FlipBit(root, bit)).ok());
      ASSERT_FALSE(
          VerifyInclusion(FlipBit(leaf, bit), index, size, proof, root).ok());
    }
    const auto shape = InclusionShape(index, size);
    for (int bit = 0; bit < 64; ++bit) {
      const uint64_t flipped = uint64_t{1} << bit;
      ASSERT_FALSE(
          VerifyInclusion(leaf, index ^ flipped, size, proof, root).ok())
          << "index bit " << bit;
      const uint64_t other = size ^ flipped;
      const bool ok = VerifyInclusion(leaf, index, other, proof, root).ok();
      ASSERT_EQ(ok, InclusionShape(index, other) == shape)
          << "size bit " << bit;
      accepted_size_flips += ok;
    }
    // Truncated and extended proofs.
    if (!proof.empty()) {
      std::vector<Hash256> shorter(proof.begin(), proof.end() - 1);
      ASSERT_FALSE(VerifyInclusion(leaf, index, size, shorter, root).ok());
    }
    std::vector<Hash256> longer = proof;
    longer.push_back(root);
    ASSERT_FALSE(VerifyInclusion(leaf, index, size, longer, root).ok());
  }
  RecordProperty("shape_preserving_size_flips",
                 static_cast<int>(accepted_size_flips));
}

INSTANTIATE_TEST_SUITE_P(Sizes1To64, InclusionTest,
                         ::testing::Range<uint64_t>(1, kMaxLeaves + 1));

class ConsistencyTest : public ::testing::TestWithParam<uint64_t> {};

// Every size1 in 0..size2 for size2 in 0..64: the generated proof equals the
// RFC recursion and verifies; each single-bit change (see kEveryBitLeaves)
// of a proof hash or a root is rejected (but root2 from size1 = 0, which
// nothing constrains), and of a size unless the proof's shape is unchanged.
TEST_P(ConsistencyTest, EveryPairVerifiesAndEveryBitFlipIsRejected) {
  const uint64_t size2 = GetParam();
  const std::vector<Hash256> leaves = TestLeaves(size2);
  const Hash256 root2 = RootOf(leaves);
  MemorySource source(leaves);
  const std::vector<int> bits = BitsToFlip(size2);
  for (uint64_t size1 = 0; size1 <= size2; ++size1) {
    SCOPED_TRACE(std::to_string(size1) + " -> " + std::to_string(size2));
    const Hash256 root1 = RootOf(Prefix(leaves, size1));
    StatusOr<std::vector<Hash256>> generated =
        ConsistencyProof(source, size1, size2);
    ASSERT_TRUE(generated.ok()) << generated.status().ToString();
    const std::vector<Hash256> proof = ConsistencyProofOf(leaves, size1);
    ASSERT_EQ(*generated, proof);
    ASSERT_EQ(proof.size(), ConsistencyProofLength(size1, size2));
    ASSERT_TRUE(VerifyConsistency(size1, size2, root1, root2, proof).ok());

    for (size_t e = 0; e < proof.size(); ++e) {
      for (int bit : bits) {
        std::vector<Hash256> bad = proof;
        bad[e] = FlipBit(bad[e], bit);
        ASSERT_FALSE(VerifyConsistency(size1, size2, root1, root2, bad).ok())
            << "proof hash " << e << " bit " << bit;
      }
    }
    for (int bit : bits) {
      ASSERT_FALSE(
          VerifyConsistency(size1, size2, FlipBit(root1, bit), root2, proof)
              .ok());
      // The empty tree is a prefix of every tree, whatever its root.
      ASSERT_EQ(
          VerifyConsistency(size1, size2, root1, FlipBit(root2, bit), proof)
              .ok(),
          size1 == 0);
    }
    const auto shape = ConsistencyShape(size1, size2);
    for (int bit = 0; bit < 64; ++bit) {
      const uint64_t flipped = uint64_t{1} << bit;
      const bool ok1 =
          VerifyConsistency(size1 ^ flipped, size2, root1, root2, proof).ok();
      ASSERT_EQ(ok1, ConsistencyShape(size1 ^ flipped, size2) == shape)
          << "size1 bit " << bit;
      const bool ok2 =
          VerifyConsistency(size1, size2 ^ flipped, root1, root2, proof).ok();
      ASSERT_EQ(ok2, ConsistencyShape(size1, size2 ^ flipped) == shape)
          << "size2 bit " << bit;
    }
    if (!proof.empty()) {
      std::vector<Hash256> shorter(proof.begin(), proof.end() - 1);
      ASSERT_FALSE(VerifyConsistency(size1, size2, root1, root2, shorter).ok());
    }
    std::vector<Hash256> longer = proof;
    longer.push_back(root2);
    ASSERT_FALSE(VerifyConsistency(size1, size2, root1, root2, longer).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes0To64, ConsistencyTest,
                         ::testing::Range<uint64_t>(0, kMaxLeaves + 1));

// --- Edge cases --------------------------------------------------------------

TEST(VerifyInclusionTest, RejectsIndexNotBelowSize) {
  const std::vector<Hash256> leaves = TestLeaves(4);
  const Hash256 root = RootOf(leaves);
  EXPECT_FALSE(VerifyInclusion(leaves[0], 0, 0, {}, EmptyRoot()).ok());
  EXPECT_FALSE(
      VerifyInclusion(leaves[3], 4, 4, InclusionProofOf(leaves, 3), root).ok());
  EXPECT_FALSE(
      VerifyInclusion(leaves[0], UINT64_MAX, UINT64_MAX, {}, root).ok());
}

TEST(VerifyInclusionTest, SingleLeafTreeNeedsAnEmptyProof) {
  const Hash256 leaf = testing::TestLeaf(0);
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 1, {}, leaf).ok());
  EXPECT_FALSE(VerifyInclusion(leaf, 0, 1, {leaf}, leaf).ok());
  EXPECT_FALSE(VerifyInclusion(leaf, 0, 1, {}, EmptyRoot()).ok());
}

TEST(VerifyInclusionTest, MessageSaysWhatIsWrong) {
  const std::vector<Hash256> leaves = TestLeaves(8);
  Status s = VerifyInclusion(leaves[0], 0, 8, {leaves[1]}, RootOf(leaves));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "bad_inclusion_proof");
  EXPECT_NE(s.message().find("has 3"), std::string::npos) << s.message();
}

TEST(VerifyConsistencyTest, EqualSizesNeedAnEmptyProofAndEqualRoots) {
  const std::vector<Hash256> leaves = TestLeaves(5);
  const Hash256 root = RootOf(leaves);
  EXPECT_TRUE(VerifyConsistency(5, 5, root, root, {}).ok());
  EXPECT_FALSE(VerifyConsistency(5, 5, root, root, {root}).ok());
  EXPECT_FALSE(
      VerifyConsistency(5, 5, root, RootOf(Prefix(leaves, 4)), {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 0, root, root, {}).ok());
}

TEST(VerifyConsistencyTest, FromTheEmptyTreeNeedsAnEmptyProofAndTheEmptyRoot) {
  const std::vector<Hash256> leaves = TestLeaves(5);
  const Hash256 root = RootOf(leaves);
  EXPECT_TRUE(VerifyConsistency(0, 5, EmptyRoot(), root, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, EmptyRoot(), root, {root}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, root, root, {}).ok());
}

TEST(VerifyConsistencyTest, RejectsShrinkingTrees) {
  const std::vector<Hash256> leaves = TestLeaves(5);
  Status s =
      VerifyConsistency(5, 4, RootOf(leaves), RootOf(Prefix(leaves, 4)), {});
  EXPECT_EQ(s.reason(), "bad_consistency_proof");
}

TEST(ProofGenerationTest, RejectsOutOfRangeArguments) {
  MemorySource source(TestLeaves(4));
  EXPECT_FALSE(InclusionProof(source, 4, 4).ok());
  EXPECT_FALSE(InclusionProof(source, 0, 0).ok());
  EXPECT_FALSE(ConsistencyProof(source, 5, 4).ok());
  // The source's own error when it lacks a node.
  EXPECT_FALSE(InclusionProof(source, 0, 5).ok());
}

// Counts reads; every node is a fixed hash of its coordinates (the proofs are
// not meant to verify, only to show what is read).
class CountingSource final : public NodeSource {
 public:
  StatusOr<Hash256> PerfectNode(uint32_t height,
                                uint64_t index) const override {
    ++reads;
    return Sha256(std::to_string(height) + "/" + std::to_string(index));
  }
  mutable size_t reads = 0;
};

TEST(ProofGenerationTest, ReadsLogarithmicallyManyNodes) {
  const uint64_t size = 10'000'000;
  for (uint64_t index : {uint64_t{0}, uint64_t{4'999'999}, size - 1}) {
    CountingSource source;
    StatusOr<std::vector<Hash256>> p = InclusionProof(source, index, size);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->size(), InclusionProofLength(index, size));
    // One read per proof hash, plus the pieces of at most one partial subtree.
    EXPECT_LE(source.reads, p->size() + 64);
  }
  CountingSource source;
  ASSERT_TRUE(ConsistencyProof(source, 1'234'567, size).ok());
  EXPECT_LE(source.reads, 2 * 64u);
}

}  // namespace
}  // namespace qtrace
