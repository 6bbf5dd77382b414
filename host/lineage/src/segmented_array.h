// SegmentedArray<T>: an array that grows by whole fixed-size segments and never
// moves an element, so a reader may hold a reference into it while the writer
// keeps appending. Segments are reached through a two-level directory whose
// top level lives inside the object; directory blocks and segments are
// allocated on demand and freed only by the destructor.
//
// Thread-safety: one writer calls EnsureSize(); any number of readers call
// operator[] concurrently, but only for indexes the writer made addressable
// *and* handed over through some release/acquire pair (the index's published
// counts or a list head). Elements are value-initialised when their segment is
// allocated; an element that the writer changes after publication must be a
// std::atomic (the array does not synchronise element contents).
#ifndef QTRACE_HOST_LINEAGE_SEGMENTED_ARRAY_H_
#define QTRACE_HOST_LINEAGE_SEGMENTED_ARRAY_H_

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>

namespace qtrace::host::lineage_internal {

template <typename T, int kSegmentShift>
class SegmentedArray {
 public:
  static constexpr uint64_t kSegmentSize = uint64_t{1} << kSegmentShift;
  static constexpr int kBlockShift =
      12;  // segment pointers per directory block
  static constexpr uint64_t kBlockSize = uint64_t{1} << kBlockShift;
  static constexpr uint64_t kTopSize = 64;
  // Elements addressable at most: 2^32 for 16K-element segments.
  static constexpr uint64_t kMaxSize = kTopSize
                                       << (kSegmentShift + kBlockShift);

  SegmentedArray() = default;
  SegmentedArray(const SegmentedArray&) = delete;
  SegmentedArray& operator=(const SegmentedArray&) = delete;
  ~SegmentedArray() {
    for (uint64_t s = 0; s < segments_; ++s) {
      delete[] top_[s >> kBlockShift]
          .load(std::memory_order_relaxed)[s & (kBlockSize - 1)]
          .load(std::memory_order_relaxed);
    }
    for (auto& block : top_) delete[] block.load(std::memory_order_relaxed);
  }

  // Writer only. Makes elements [0, n) addressable; n <= kMaxSize.
  void EnsureSize(uint64_t n) {
    assert(n <= kMaxSize);
    while (segments_ * kSegmentSize < n) {
      const uint64_t block = segments_ >> kBlockShift;
      std::atomic<T*>* dir = top_[block].load(std::memory_order_relaxed);
      if (dir == nullptr) {
        dir = new std::atomic<T*>[kBlockSize]();
        bytes_.fetch_add(kBlockSize * sizeof(std::atomic<T*>),
                         std::memory_order_relaxed);
        top_[block].store(dir, std::memory_order_release);
      }
      T* segment = new T[kSegmentSize]();
      bytes_.fetch_add(kSegmentSize * sizeof(T), std::memory_order_relaxed);
      dir[segments_ & (kBlockSize - 1)].store(segment,
                                              std::memory_order_release);
      ++segments_;
    }
  }

  // Element i; see the class comment for when a reader may call this.
  T& operator[](uint64_t i) const {
    const uint64_t s = i >> kSegmentShift;
    std::atomic<T*>* dir =
        top_[s >> kBlockShift].load(std::memory_order_acquire);
    T* segment = dir[s & (kBlockSize - 1)].load(std::memory_order_acquire);
    return segment[i & (kSegmentSize - 1)];
  }

  // Bytes allocated for segments and directory blocks (not the object).
  size_t MemoryBytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::atomic<T*>*> top_[kTopSize] = {};
  uint64_t segments_ = 0;  // writer only
  std::atomic<size_t> bytes_{0};
};

}  // namespace qtrace::host::lineage_internal

#endif  // QTRACE_HOST_LINEAGE_SEGMENTED_ARRAY_H_
