// Test helpers for the Merkle log: an in-memory NodeSource holding every
// perfect subtree of a leaf vector, built bottom-up (independently of the
// RFC recursion in merkle.cc), and deterministic test leaves.
#ifndef QTRACE_TESTS_MERKLE_MEMORY_SOURCE_H_
#define QTRACE_TESTS_MERKLE_MEMORY_SOURCE_H_

#include <string>
#include <vector>

#include "qtrace/merkle.h"

namespace qtrace::testing {

class MemorySource final : public NodeSource {
 public:
  explicit MemorySource(const std::vector<Hash256>& leaves) {
    levels_.push_back(leaves);
    while (levels_.back().size() >= 2) {
      const std::vector<Hash256>& below = levels_.back();
      std::vector<Hash256> up;
      for (size_t i = 0; i + 1 < below.size(); i += 2) {
        up.push_back(NodeHash(below[i], below[i + 1]));
      }
      levels_.push_back(std::move(up));
    }
  }

  StatusOr<Hash256> PerfectNode(uint32_t height,
                                uint64_t index) const override {
    ++reads_;
    if (height >= levels_.size() || index >= levels_[height].size()) {
      return InvalidArgument("no such node");
    }
    return levels_[height][index];
  }

  size_t reads() const { return reads_; }

 private:
  std::vector<std::vector<Hash256>> levels_;
  mutable size_t reads_ = 0;
};

// The leaf hash of test entry `i`.
inline Hash256 TestLeaf(uint64_t i) {
  return LeafHash("qtrace test entry " + std::to_string(i));
}

inline std::vector<Hash256> TestLeaves(uint64_t n) {
  std::vector<Hash256> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) out.push_back(TestLeaf(i));
  return out;
}

inline std::vector<Hash256> Prefix(const std::vector<Hash256>& v, uint64_t n) {
  return std::vector<Hash256>(v.begin(), v.begin() + static_cast<ptrdiff_t>(n));
}

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_MERKLE_MEMORY_SOURCE_H_
