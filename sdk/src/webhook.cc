#include "qtrace/webhook.h"

#include "qtrace/encoding.h"

namespace qtrace {

std::string SignWebhook(const PrivateKey& host_key, std::string_view body) {
  Signature sig = host_key.SignRecord(kWebhookPayloadType, body);
  return Base64Encode(AsBytes(sig));
}

bool VerifyWebhook(const VerifyingKey& host_key, std::string_view body,
                   std::string_view signature_b64) {
  auto sig = Base64Decode(signature_b64);
  return sig && host_key.VerifyRecord(kWebhookPayloadType, body, *sig);
}

}  // namespace qtrace
