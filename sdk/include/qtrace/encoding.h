// Text encodings of bytes: standard base64 (RFC 4648, with padding) and
// lowercase hex. Decoders are strict: they reject whitespace, missing padding,
// non-canonical trailing bits and any other character, so a value has exactly
// one accepted spelling. Byte strings are std::string, as in LevelDB.
//
// Thread-safety: pure functions.
#ifndef QTRACE_ENCODING_H_
#define QTRACE_ENCODING_H_

#include <optional>
#include <string>
#include <string_view>

namespace qtrace {

std::string Base64Encode(std::string_view bytes);
// Returns nullopt when `text` is not canonical standard base64.
std::optional<std::string> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);
// Accepts upper- and lowercase digits; nullopt on odd length or a non-digit.
std::optional<std::string> HexDecode(std::string_view text);

// Appends `v` to `out` as 8 big-endian bytes / reads it back.
void PutBigEndian64(std::string* out, uint64_t v);
uint64_t GetBigEndian64(const char* p);

}  // namespace qtrace

#endif  // QTRACE_ENCODING_H_
