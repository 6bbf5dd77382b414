// The one key encoder. Keys are built from big-endian integers and
// length-prefixed strings so that byte order equals logical order and prefix
// scans work (e.g. every checkpoint, in size order).
//
// Thread-safety: values.
#ifndef QTRACE_STORAGE_KEYS_H_
#define QTRACE_STORAGE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace qtrace::storage {

class KeyBuilder {
 public:
  KeyBuilder& U8(uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  KeyBuilder& U32(uint32_t v) {
    for (int i = 3; i >= 0; --i) s_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  KeyBuilder& U64(uint64_t v) {
    for (int i = 7; i >= 0; --i) s_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  // A string with a 2-byte big-endian length prefix (strings up to 64 KiB).
  KeyBuilder& Str(std::string_view v) {
    U8(static_cast<uint8_t>(v.size() >> 8));
    U8(static_cast<uint8_t>(v.size()));
    s_.append(v);
    return *this;
  }
  // Raw bytes with no prefix: only as the last component of a key.
  KeyBuilder& Raw(std::string_view v) {
    s_.append(v);
    return *this;
  }
  const std::string& key() const { return s_; }
  // Moves the key out; the builder is empty afterwards.
  std::string Build() { return std::move(s_); }

 private:
  std::string s_;
};

// Reads components back in the order they were written. Each getter returns
// false (and leaves the reader exhausted) when the key is too short.
class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : k_(key) {}
  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Str(std::string_view* v);
  std::string_view Rest() const { return k_; }

 private:
  std::string_view k_;
};

inline bool KeyReader::U8(uint8_t* v) {
  if (k_.empty()) return false;
  *v = static_cast<uint8_t>(k_[0]);
  k_.remove_prefix(1);
  return true;
}
inline bool KeyReader::U32(uint32_t* v) {
  if (k_.size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r = (r << 8) | static_cast<uint8_t>(k_[i]);
  *v = r;
  k_.remove_prefix(4);
  return true;
}
inline bool KeyReader::U64(uint64_t* v) {
  if (k_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<uint8_t>(k_[i]);
  *v = r;
  k_.remove_prefix(8);
  return true;
}
inline bool KeyReader::Str(std::string_view* v) {
  uint8_t hi, lo;
  if (!U8(&hi) || !U8(&lo)) return false;
  size_t n = (size_t{hi} << 8) | lo;
  if (k_.size() < n) return false;
  *v = k_.substr(0, n);
  k_.remove_prefix(n);
  return true;
}

inline std::string U64Key(uint64_t v) { return KeyBuilder().U64(v).key(); }

}  // namespace qtrace::storage

#endif  // QTRACE_STORAGE_KEYS_H_
