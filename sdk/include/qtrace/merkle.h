// The Merkle hash tree of the tamper-evident log, as RFC 6962 / RFC 9162
// section 2.1 defines it: SHA-256, leaf hash = H(0x00 || entry bytes),
// interior node = H(0x01 || left || right), and the root of the empty tree is
// H(""). This header has four parts:
//
//  * the hash functions;
//  * strict verifiers for inclusion and consistency proofs (RFC 9162
//    2.1.3.2 and 2.1.4.2), which need nothing but OpenSSL and are what the
//    SDK and the `qtrace` CLI use offline;
//  * proof and root generation over a NodeSource, an abstract store of
//    perfect subtrees (storage::MerkleTree is the persisted one);
//  * reference implementations over a vector of leaf hashes, written
//    straight from the RFC's recursive definitions (O(n) per call); they are
//    the yardstick the tests hold everything else against.
//
// A proof is a std::vector<Hash256> in RFC order: for inclusion, from the
// leaf's sibling up to the child of the root; for consistency, as
// SUBPROOF(m, D[n], true) lists it.
//
// Thread-safety: every function here is pure and may be called from many
// threads; a NodeSource's own contract says whether it may be read
// concurrently.
#ifndef QTRACE_MERKLE_H_
#define QTRACE_MERKLE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/status.h"

namespace qtrace {

// --- Hashes ----------------------------------------------------------------

// SHA-256(0x00 || leaf_bytes).
Hash256 LeafHash(std::string_view leaf_bytes);
// SHA-256(0x01 || left || right).
Hash256 NodeHash(const Hash256& left, const Hash256& right);
// The root of the empty tree, SHA-256("").
const Hash256& EmptyRoot();

// A proof never has more elements than this (a tree of 2^64 - 1 leaves).
inline constexpr size_t kMaxProofHashes = 64;

// --- Verification ------------------------------------------------------------

// OK iff `proof` proves that `leaf_hash` is the leaf at `index` in the tree of
// `size` leaves whose root is `root` (RFC 9162 2.1.3.2). Otherwise
// InvalidArgument (reason "bad_inclusion_proof") with a message that says
// what is wrong: index >= size, a proof of the wrong length for (index, size),
// or hashes that do not lead to `root`.
Status VerifyInclusion(const Hash256& leaf_hash, uint64_t index, uint64_t size,
                       const std::vector<Hash256>& proof, const Hash256& root);

// OK iff `proof` proves that the tree of `size1` leaves with root `root1` is a
// prefix of the tree of `size2` leaves with root `root2` (RFC 9162 2.1.4.2).
// Beyond the RFC's algorithm: size1 > size2 is rejected; size1 == size2 is
// valid only with an empty proof and root1 == root2; size1 == 0 is valid only
// with an empty proof and root1 == EmptyRoot(). Otherwise InvalidArgument
// (reason "bad_consistency_proof").
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash256& root1,
                         const Hash256& root2,
                         const std::vector<Hash256>& proof);

// The number of hashes in a valid inclusion proof for `index` in a tree of
// `size` leaves (0 when index >= size), and in a valid consistency proof from
// `size1` to `size2` (0 when size1 == 0 or size1 >= size2).
size_t InclusionProofLength(uint64_t index, uint64_t size);
size_t ConsistencyProofLength(uint64_t size1, uint64_t size2);

// --- Generation over stored perfect subtrees ---------------------------------

// Where proofs come from: the hashes of perfect subtrees of the log.
class NodeSource {
 public:
  virtual ~NodeSource() = default;

  // The hash of the perfect subtree of height `height` over leaves
  // [index << height, (index + 1) << height); height 0 is the leaf hash.
  // Returns a non-OK Status when the subtree is not complete in the source
  // or cannot be read.
  virtual StatusOr<Hash256> PerfectNode(uint32_t height,
                                        uint64_t index) const = 0;
};

// The inclusion proof for the leaf at `index` in the tree of the first `size`
// leaves of `source`. InvalidArgument when index >= size; the source's
// error when it cannot supply a node. Reads O(log size) nodes.
StatusOr<std::vector<Hash256>> InclusionProof(const NodeSource& source,
                                              uint64_t index, uint64_t size);

// The consistency proof from the tree of `size1` leaves to that of `size2`
// leaves. InvalidArgument when size1 > size2; empty when size1 == 0 or
// size1 == size2. Reads O(log size2) nodes.
StatusOr<std::vector<Hash256>> ConsistencyProof(const NodeSource& source,
                                                uint64_t size1, uint64_t size2);

// The root of the tree of the first `size` leaves (EmptyRoot() for 0).
// Reads popcount(size) nodes.
StatusOr<Hash256> RootAt(const NodeSource& source, uint64_t size);

// --- Reference implementations (RFC 6962 2.1, recursive, O(n)) ---------------

// MTH(D[n]) over the leaf hashes `leaves`.
Hash256 RootOf(const std::vector<Hash256>& leaves);
// PATH(index, D[n]); requires index < leaves.size().
std::vector<Hash256> InclusionProofOf(const std::vector<Hash256>& leaves,
                                      uint64_t index);
// PROOF(size1, D[n]) with n = leaves.size(); requires size1 <= n. Empty when
// size1 == 0 or size1 == n.
std::vector<Hash256> ConsistencyProofOf(const std::vector<Hash256>& leaves,
                                        uint64_t size1);

}  // namespace qtrace

#endif  // QTRACE_MERKLE_H_
