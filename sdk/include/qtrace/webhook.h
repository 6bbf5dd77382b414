// Recall notice webhooks: what qtraced POSTs to a party's registered URL and
// how the receiver checks it came from the host.
//
// Each delivery is a JSON body (see docs/recall.md) with these headers:
//   X-Qtrace-Signature  base64 Ed25519 signature by the host key over
//                       DssePae(kWebhookPayloadType, body)
//   X-Qtrace-Key-Id     hex key id of the host key
//   X-Qtrace-Delivery   "<log index>-<attempt>"
// The body names the notice's log index; a receiver that gets the same
// index twice (retries are at-least-once) keeps the first.
//
// Thread-safety: pure functions.
#ifndef QTRACE_WEBHOOK_H_
#define QTRACE_WEBHOOK_H_

#include <string>
#include <string_view>

#include "qtrace/crypto.h"

namespace qtrace {

inline constexpr std::string_view kWebhookPayloadType = "qtrace.v1.Webhook";

// The X-Qtrace-Signature value for `body`.
std::string SignWebhook(const PrivateKey& host_key, std::string_view body);

// True iff `signature_b64` is the host's signature over `body`.
bool VerifyWebhook(const VerifyingKey& host_key, std::string_view body,
                   std::string_view signature_b64);

}  // namespace qtrace

#endif  // QTRACE_WEBHOOK_H_
