// Signed HTTP requests. Every non-public request to qtraced carries:
//
//   X-Qtrace-Key-Id:    hex SHA-256 of the caller's Ed25519 public key
//   X-Qtrace-Timestamp: Unix seconds when the request was signed
//   X-Qtrace-Signature: base64 Ed25519 signature of RequestSigningString()
//
// The signed string binds method, target (path and query, exactly as sent),
// timestamp and the SHA-256 of the body, so a request cannot be altered or
// moved to another URL. The server refuses timestamps outside +/-5 minutes
// and signatures it has already seen (replay).
//
// Thread-safety: pure functions.
#ifndef QTRACE_REQUEST_AUTH_H_
#define QTRACE_REQUEST_AUTH_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qtrace/crypto.h"

namespace qtrace {

inline constexpr std::string_view kKeyIdHeader = "X-Qtrace-Key-Id";
inline constexpr std::string_view kTimestampHeader = "X-Qtrace-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Qtrace-Signature";
inline constexpr int64_t kRequestSkewSeconds = 300;

// "qtrace-request-v1\n<METHOD>\n<target>\n<timestamp>\n<hex sha256(body)>"
std::string RequestSigningString(std::string_view method, std::string_view target,
                                 int64_t unix_seconds, std::string_view body);

// The three headers for a request signed by `key` at `unix_seconds`.
std::vector<std::pair<std::string, std::string>> SignRequest(
    const PrivateKey& key, std::string_view method, std::string_view target,
    std::string_view body, int64_t unix_seconds);

}  // namespace qtrace

#endif  // QTRACE_REQUEST_AUTH_H_
