#include "qtrace/request_auth.h"

#include "qtrace/encoding.h"

namespace qtrace {

std::string RequestSigningString(std::string_view method, std::string_view target,
                                 int64_t unix_seconds, std::string_view body) {
  std::string s = "qtrace-request-v1\n";
  s += method;
  s += '\n';
  s += target;
  s += '\n';
  s += std::to_string(unix_seconds);
  s += '\n';
  s += HexEncode(AsBytes(Sha256(body)));
  return s;
}

std::vector<std::pair<std::string, std::string>> SignRequest(
    const PrivateKey& key, std::string_view method, std::string_view target,
    std::string_view body, int64_t unix_seconds) {
  Signature sig = key.Sign(RequestSigningString(method, target, unix_seconds, body));
  return {{std::string(kKeyIdHeader), HexEncode(AsBytes(key.id()))},
          {std::string(kTimestampHeader), std::to_string(unix_seconds)},
          {std::string(kSignatureHeader), Base64Encode(AsBytes(sig))}};
}

}  // namespace qtrace
