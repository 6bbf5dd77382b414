#include "qtrace/merkle.h"

#include <algorithm>
#include <bit>
#include <string>

namespace qtrace {
namespace {

// The largest power of two strictly smaller than n (n >= 2): RFC 6962's k.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

Status BadInclusion(std::string message) {
  return InvalidArgument("inclusion proof invalid: " + std::move(message),
                         "bad_inclusion_proof");
}

Status BadConsistency(std::string message) {
  return InvalidArgument("consistency proof invalid: " + std::move(message),
                         "bad_consistency_proof");
}

std::string Plural(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "es");
}

// The hash of leaves [begin, end) of `source`, where `begin` is a multiple of
// the smallest power of two >= end - begin (true of every subtree the RFC's
// recursions visit). A perfect range is one read; any other is split by the
// binary digits of its length into perfect pieces, folded right to left.
StatusOr<Hash256> RangeHash(const NodeSource& source, uint64_t begin,
                            uint64_t end) {
  const uint64_t n = end - begin;
  if (std::has_single_bit(n)) {
    const auto height = static_cast<uint32_t>(std::countr_zero(n));
    return source.PerfectNode(height, begin >> height);
  }
  Hash256 pieces[64];
  int count = 0;
  uint64_t pos = begin;
  for (int b = 63; b >= 0; --b) {
    if ((n >> b) & 1) {
      QT_ASSIGN_OR_RETURN(
          pieces[count],
          source.PerfectNode(static_cast<uint32_t>(b), pos >> b));
      ++count;
      pos += uint64_t{1} << b;
    }
  }
  Hash256 h = pieces[count - 1];
  for (int i = count - 2; i >= 0; --i) h = NodeHash(pieces[i], h);
  return h;
}

// --- Reference recursion over a vector -------------------------------------

Hash256 Mth(const Hash256* leaves, uint64_t n) {
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaves[0];
  const uint64_t k = SplitPoint(n);
  return NodeHash(Mth(leaves, k), Mth(leaves + k, n - k));
}

void Path(const Hash256* leaves, uint64_t n, uint64_t m,
          std::vector<Hash256>* out) {
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(leaves, k, m, out);
    out->push_back(Mth(leaves + k, n - k));
  } else {
    Path(leaves + k, n - k, m - k, out);
    out->push_back(Mth(leaves, k));
  }
}

void SubProof(const Hash256* leaves, uint64_t n, uint64_t m, bool b,
              std::vector<Hash256>* out) {
  if (m == n) {
    if (!b) out->push_back(Mth(leaves, n));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(leaves, k, m, b, out);
    out->push_back(Mth(leaves + k, n - k));
  } else {
    SubProof(leaves + k, n - k, m - k, false, out);
    out->push_back(Mth(leaves, k));
  }
}

}  // namespace

Hash256 LeafHash(std::string_view leaf_bytes) {
  static constexpr char kLeafPrefix = 0x00;
  return Sha256Parts({std::string_view(&kLeafPrefix, 1), leaf_bytes});
}

Hash256 NodeHash(const Hash256& left, const Hash256& right) {
  static constexpr char kNodePrefix = 0x01;
  return Sha256Parts(
      {std::string_view(&kNodePrefix, 1), AsBytes(left), AsBytes(right)});
}

const Hash256& EmptyRoot() {
  static const Hash256 kEmpty = Sha256("");
  return kEmpty;
}

size_t InclusionProofLength(uint64_t index, uint64_t size) {
  if (index >= size) return 0;
  // Below level `inner` the paths to `index` and to the last leaf differ, so
  // every level contributes a sibling; above it, only the levels where the
  // path turns right (a left sibling exists) do.
  const int inner = std::bit_width(index ^ (size - 1));
  return static_cast<size_t>(inner + std::popcount(index >> inner));
}

size_t ConsistencyProofLength(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 >= size2) return 0;
  // Replays the index arithmetic of RFC 9162 2.1.4.2, which does not depend
  // on the hashes: a valid proof has exactly as many elements as the loop
  // consumes before sn reaches 0.
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  size_t count = std::has_single_bit(size1) ? 0 : 1;
  while (sn != 0) {
    ++count;
    if ((fn & 1) || fn == sn) {
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    }
    fn >>= 1;
    sn >>= 1;
  }
  return count;
}

Status VerifyInclusion(const Hash256& leaf_hash, uint64_t index, uint64_t size,
                       const std::vector<Hash256>& proof, const Hash256& root) {
  if (index >= size) {
    return BadInclusion("index " + std::to_string(index) +
                        " is not in a tree of size " + std::to_string(size));
  }
  const size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return BadInclusion("it has " + Plural(proof.size(), "hash") +
                        ", a proof for index " + std::to_string(index) +
                        " in a tree of size " + std::to_string(size) + " has " +
                        std::to_string(want));
  }
  // RFC 9162 2.1.3.2.
  uint64_t fn = index, sn = size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return BadInclusion("too many hashes");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadInclusion("too few hashes");
  if (r != root) {
    return BadInclusion("the leaf hash and the proof do not lead to the root");
  }
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash256& root1,
                         const Hash256& root2,
                         const std::vector<Hash256>& proof) {
  if (size1 > size2) {
    return BadConsistency("size1 " + std::to_string(size1) +
                          " is larger than size2 " + std::to_string(size2));
  }
  if (size1 == 0) {
    if (!proof.empty()) {
      return BadConsistency(
          "a proof from the empty tree must be empty, it has " +
          Plural(proof.size(), "hash"));
    }
    if (root1 != EmptyRoot()) {
      return BadConsistency("root1 is not the root of the empty tree");
    }
    return Status::Ok();
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return BadConsistency(
          "a proof between equal sizes must be empty, it has " +
          Plural(proof.size(), "hash"));
    }
    if (root1 != root2) {
      return BadConsistency("equal sizes but different roots");
    }
    return Status::Ok();
  }
  const size_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) {
    return BadConsistency("it has " + Plural(proof.size(), "hash") +
                          ", a proof from size " + std::to_string(size1) +
                          " to size " + std::to_string(size2) + " has " +
                          std::to_string(want));
  }
  // RFC 9162 2.1.4.2. When size1 is a power of two the proof starts with the
  // sibling of root1, so root1 takes the place of the first element.
  size_t next = 0;
  Hash256 seed;
  if (std::has_single_bit(size1)) {
    seed = root1;
  } else {
    seed = proof[next++];
  }
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = seed, sr = seed;
  for (; next < proof.size(); ++next) {
    const Hash256& c = proof[next];
    if (sn == 0) return BadConsistency("too many hashes");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadConsistency("too few hashes");
  if (fr != root1) return BadConsistency("the proof does not lead to root1");
  if (sr != root2) return BadConsistency("the proof does not lead to root2");
  return Status::Ok();
}

StatusOr<std::vector<Hash256>> InclusionProof(const NodeSource& source,
                                              uint64_t index, uint64_t size) {
  if (index >= size) {
    return InvalidArgument("index " + std::to_string(index) +
                               " is not in a tree of size " +
                               std::to_string(size),
                           "index_out_of_range");
  }
  // PATH(m, D[n]) unrolled: walk down from the root, collecting the sibling
  // subtree at each split; the list is built root-first, then reversed.
  std::vector<Hash256> proof;
  proof.reserve(InclusionProofLength(index, size));
  uint64_t begin = 0, end = size, m = index;
  while (end - begin > 1) {
    const uint64_t k = SplitPoint(end - begin);
    if (m < k) {
      QT_ASSIGN_OR_RETURN(Hash256 h, RangeHash(source, begin + k, end));
      proof.push_back(h);
      end = begin + k;
    } else {
      QT_ASSIGN_OR_RETURN(Hash256 h, RangeHash(source, begin, begin + k));
      proof.push_back(h);
      begin += k;
      m -= k;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

StatusOr<std::vector<Hash256>> ConsistencyProof(const NodeSource& source,
                                                uint64_t size1,
                                                uint64_t size2) {
  if (size1 > size2) {
    return InvalidArgument("size1 " + std::to_string(size1) +
                               " is larger than size2 " + std::to_string(size2),
                           "size_out_of_range");
  }
  std::vector<Hash256> proof;
  if (size1 == 0 || size1 == size2) return proof;
  proof.reserve(ConsistencyProofLength(size1, size2));
  // SUBPROOF(m, D[n], b) unrolled, as InclusionProof above.
  uint64_t begin = 0, end = size2, m = size1;
  bool whole = true;  // b: the subtree is still the one root1 covers exactly
  while (true) {
    const uint64_t n = end - begin;
    if (m == n) {
      if (!whole) {
        QT_ASSIGN_OR_RETURN(Hash256 h, RangeHash(source, begin, end));
        proof.push_back(h);
      }
      break;
    }
    const uint64_t k = SplitPoint(n);
    if (m <= k) {
      QT_ASSIGN_OR_RETURN(Hash256 h, RangeHash(source, begin + k, end));
      proof.push_back(h);
      end = begin + k;
    } else {
      QT_ASSIGN_OR_RETURN(Hash256 h, RangeHash(source, begin, begin + k));
      proof.push_back(h);
      begin += k;
      m -= k;
      whole = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

StatusOr<Hash256> RootAt(const NodeSource& source, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return RangeHash(source, 0, size);
}

Hash256 RootOf(const std::vector<Hash256>& leaves) {
  return Mth(leaves.data(), leaves.size());
}

std::vector<Hash256> InclusionProofOf(const std::vector<Hash256>& leaves,
                                      uint64_t index) {
  std::vector<Hash256> out;
  if (index < leaves.size()) Path(leaves.data(), leaves.size(), index, &out);
  return out;
}

std::vector<Hash256> ConsistencyProofOf(const std::vector<Hash256>& leaves,
                                        uint64_t size1) {
  std::vector<Hash256> out;
  if (size1 == 0 || size1 >= leaves.size()) return out;
  SubProof(leaves.data(), leaves.size(), size1, true, &out);
  return out;
}

}  // namespace qtrace
