// Signed envelopes and record ids.
//
// An Envelope carries (payload_type, payload, key_id, signature); see
// schemas/envelope.fbs. This header builds and decodes them, computes record
// ids, and verifies untrusted Record payload bytes with the flatbuffers
// Verifier (which also descends into nothing else: every nested buffer is
// verified here explicitly).
//
// Thread-safety: pure functions.
#ifndef QTRACE_RECORD_H_
#define QTRACE_RECORD_H_

#include <string>
#include <string_view>

#include "qtrace/crypto.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/status.h"

namespace qtrace {

inline constexpr std::string_view kRecordPayloadType = "qtrace.v1.Record";
// Upper bound on one envelope; larger bodies are refused (413).
inline constexpr size_t kMaxEnvelopeBytes = 1 << 20;

struct SignedEnvelope {
  std::string payload_type;
  std::string payload;  // exact signed bytes
  KeyId key_id{};
  Signature signature{};
};

// The record id: SHA-256 of the DSSE PAE of (payload_type, payload).
Hash256 RecordIdOf(std::string_view payload_type, std::string_view payload);

// Signs `payload` with `key`.
SignedEnvelope SignPayload(const PrivateKey& key, std::string_view payload_type,
                           std::string payload);

// Serialises an envelope as a qtrace.fb.Envelope flatbuffer. Deterministic:
// the same envelope always gives the same bytes.
std::string EncodeEnvelope(const SignedEnvelope& envelope);
// Verifies and decodes an Envelope flatbuffer (InvalidArgument on bad bytes,
// PayloadTooLarge above kMaxEnvelopeBytes).
StatusOr<SignedEnvelope> DecodeEnvelope(std::string_view bytes);
// Decodes an EnvelopeBatch flatbuffer into its envelopes' bytes.
StatusOr<std::vector<std::string>> DecodeEnvelopeBatch(std::string_view bytes);
std::string EncodeEnvelopeBatch(const std::vector<SignedEnvelope>& envelopes);

// Runs the flatbuffers Verifier over a Record payload and returns the root.
// `payload` must stay alive and unchanged while the result is used. Copies
// are not made: a misaligned buffer is refused (builders here align it).
StatusOr<const fb::Record*> VerifyRecordPayload(std::string_view payload);

// Short, stable names for the Body union ("lot", "shipment", ...); used in
// JSON, metrics and messages. BodyTypeFromName returns NONE when unknown.
std::string_view BodyTypeName(fb::Body type);
fb::Body BodyTypeFromName(std::string_view name);

}  // namespace qtrace

#endif  // QTRACE_RECORD_H_
