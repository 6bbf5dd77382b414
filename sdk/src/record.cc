#include "qtrace/record.h"

#include <cstring>

#include "qtrace/fb/envelope_generated.h"

namespace qtrace {
namespace {

constexpr struct {
  fb::Body type;
  std::string_view name;
} kBodyNames[] = {
    {fb::Body::Genesis, "genesis"},
    {fb::Body::PartyRegistration, "party"},
    {fb::Body::KeyRotation, "key_rotation"},
    {fb::Body::KeyRevocation, "key_revocation"},
    {fb::Body::ProductRegistration, "product"},
    {fb::Body::UnitRegistration, "unit"},
    {fb::Body::UnitEvent, "unit_event"},
    {fb::Body::LotRegistration, "lot"},
    {fb::Body::Aggregation, "aggregation"},
    {fb::Body::Shipment, "shipment"},
    {fb::Body::Receipt, "receipt"},
    {fb::Body::Disposition, "disposition"},
    {fb::Body::Adjustment, "adjustment"},
    {fb::Body::LotStatusChange, "lot_status"},
    {fb::Body::ErrorDeclaration, "error_declaration"},
    {fb::Body::Certificate, "certificate"},
    {fb::Body::CertificateStatusChange, "certificate_status"},
    {fb::Body::Inspection, "inspection"},
    {fb::Body::RuleParameters, "rule_parameters"},
    {fb::Body::RecallOrder, "recall"},
    {fb::Body::RecallNotice, "recall_notice"},
    {fb::Body::RecallAck, "recall_ack"},
    {fb::Body::RecallProgress, "recall_progress"},
    {fb::Body::RecallTransition, "recall_transition"},
    {fb::Body::RecallWiden, "recall_widen"},
    {fb::Body::RecallOverdue, "recall_overdue"},
};

std::string_view VecBytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}

flatbuffers::Offset<fb::Envelope> BuildEnvelope(flatbuffers::FlatBufferBuilder& b,
                                                const SignedEnvelope& e) {
  // Payload first with 8-byte alignment, so a Record inside is readable in
  // place (its Timestamp structs hold 64-bit fields).
  b.ForceVectorAlignment(e.payload.size(), 1, 8);
  auto payload = b.CreateVector(
      reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size());
  auto type = b.CreateString(e.payload_type);
  auto key = b.CreateVector(e.key_id.data(), e.key_id.size());
  auto sig = b.CreateVector(e.signature.data(), e.signature.size());
  return fb::CreateEnvelope(b, type, payload, key, sig);
}

StatusOr<SignedEnvelope> FromFb(const fb::Envelope* env) {
  if (env->payload_type() == nullptr || env->payload_type()->size() == 0) {
    return InvalidArgument("envelope has no payload_type", "bad_envelope");
  }
  if (env->payload() == nullptr || env->payload()->size() == 0) {
    return InvalidArgument("envelope has no payload", "bad_envelope");
  }
  SignedEnvelope out;
  out.payload_type = env->payload_type()->str();
  out.payload.assign(VecBytes(env->payload()));
  if (!ToHash256(VecBytes(env->key_id()), &out.key_id)) {
    return InvalidArgument("envelope key_id must have 32 bytes", "bad_envelope");
  }
  auto sig = VecBytes(env->signature());
  if (sig.size() != out.signature.size()) {
    return InvalidArgument("envelope signature must have 64 bytes",
                           "bad_envelope");
  }
  std::memcpy(out.signature.data(), sig.data(), sig.size());
  return out;
}

}  // namespace

Hash256 RecordIdOf(std::string_view payload_type, std::string_view payload) {
  return Sha256(DssePae(payload_type, payload));
}

SignedEnvelope SignPayload(const PrivateKey& key, std::string_view payload_type,
                           std::string payload) {
  SignedEnvelope e;
  e.payload_type = std::string(payload_type);
  e.signature = key.SignRecord(payload_type, payload);
  e.payload = std::move(payload);
  e.key_id = key.id();
  return e;
}

std::string EncodeEnvelope(const SignedEnvelope& e) {
  flatbuffers::FlatBufferBuilder b(e.payload.size() + 256);
  b.Finish(BuildEnvelope(b, e));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()),
                     b.GetSize());
}

StatusOr<SignedEnvelope> DecodeEnvelope(std::string_view bytes) {
  if (bytes.size() > kMaxEnvelopeBytes) {
    return PayloadTooLarge("envelope of " + std::to_string(bytes.size()) +
                               " bytes exceeds the limit of " +
                               std::to_string(kMaxEnvelopeBytes),
                           "too_large");
  }
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()),
                          bytes.size());
  if (!fb::VerifyEnvelopeBuffer(v)) {
    return InvalidArgument("body is not a valid qtrace Envelope flatbuffer",
                           "bad_flatbuffer");
  }
  return FromFb(fb::GetEnvelope(bytes.data()));
}

StatusOr<std::vector<std::string>> DecodeEnvelopeBatch(std::string_view bytes) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()),
                          bytes.size());
  if (!v.VerifyBuffer<fb::EnvelopeBatch>(nullptr)) {
    return InvalidArgument("body is not a valid qtrace EnvelopeBatch flatbuffer",
                           "bad_flatbuffer");
  }
  auto* batch = flatbuffers::GetRoot<fb::EnvelopeBatch>(bytes.data());
  std::vector<std::string> out;
  if (batch->envelopes() == nullptr) return out;
  out.reserve(batch->envelopes()->size());
  for (const fb::Envelope* env : *batch->envelopes()) {
    QT_ASSIGN_OR_RETURN(SignedEnvelope e, FromFb(env));
    out.push_back(EncodeEnvelope(e));
  }
  return out;
}

std::string EncodeEnvelopeBatch(const std::vector<SignedEnvelope>& envelopes) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Envelope>> offs;
  offs.reserve(envelopes.size());
  for (const auto& e : envelopes) offs.push_back(BuildEnvelope(b, e));
  b.Finish(fb::CreateEnvelopeBatch(b, b.CreateVector(offs)));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()),
                     b.GetSize());
}

StatusOr<const fb::Record*> VerifyRecordPayload(std::string_view payload) {
  if (reinterpret_cast<uintptr_t>(payload.data()) % 8 != 0) {
    return InvalidArgument("record payload is not 8-byte aligned",
                           "bad_flatbuffer");
  }
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(payload.data()),
                          payload.size());
  if (!fb::VerifyRecordBuffer(v)) {
    return InvalidArgument("payload is not a valid qtrace Record flatbuffer",
                           "bad_flatbuffer");
  }
  const fb::Record* r = fb::GetRecord(payload.data());
  if (r->header() == nullptr || r->header()->party() == nullptr) {
    return InvalidArgument("record has no header.party", "bad_record");
  }
  if (r->body_type() == fb::Body::NONE || r->body() == nullptr) {
    return InvalidArgument("record has no body", "bad_record");
  }
  return r;
}

std::string_view BodyTypeName(fb::Body type) {
  for (const auto& e : kBodyNames) {
    if (e.type == type) return e.name;
  }
  return "unknown";
}

fb::Body BodyTypeFromName(std::string_view name) {
  for (const auto& e : kBodyNames) {
    if (e.name == name) return e.type;
  }
  return fb::Body::NONE;
}

}  // namespace qtrace
