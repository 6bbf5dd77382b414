#include "qtrace/log_entry.h"

#include <cstring>

namespace qtrace {
namespace {
std::string_view VecBytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}
}  // namespace

std::string EncodeLogEntry(const LogEntryData& e) {
  flatbuffers::FlatBufferBuilder b(e.envelope.payload.size() + 512);
  b.ForceVectorAlignment(e.envelope.payload.size(), 1, 8);
  auto payload = b.CreateVector(
      reinterpret_cast<const uint8_t*>(e.envelope.payload.data()),
      e.envelope.payload.size());
  auto type = b.CreateString(e.envelope.payload_type);
  auto key = b.CreateVector(e.envelope.key_id.data(), e.envelope.key_id.size());
  auto sig = b.CreateVector(e.envelope.signature.data(), e.envelope.signature.size());
  std::vector<flatbuffers::Offset<fb::Decision>> decisions;
  for (const auto& d : e.decisions) {
    std::vector<flatbuffers::Offset<flatbuffers::String>> notes;
    for (const auto& n : d.notes) notes.push_back(b.CreateString(n));
    decisions.push_back(fb::CreateDecisionDirect(
        b, d.engine.c_str(), d.version.c_str(), d.rule_set.c_str(),
        d.param_set.c_str(), d.verdict.c_str(), notes.empty() ? nullptr : &notes));
  }
  auto dv = b.CreateVector(decisions);
  b.Finish(fb::CreateLogEntry(b, e.index, e.record_time, type, payload, key, sig, dv));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

StatusOr<const fb::LogEntry*> VerifyLogEntry(std::string_view bytes,
                                             bool verify_record) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) {
    return InvalidArgument("log entry is not 8-byte aligned", "bad_entry");
  }
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!fb::VerifyLogEntryBuffer(v)) {
    return InvalidArgument("bytes are not a valid LogEntry flatbuffer", "bad_entry");
  }
  const fb::LogEntry* e = fb::GetLogEntry(bytes.data());
  if (e->payload_type() == nullptr || e->payload() == nullptr ||
      e->key_id() == nullptr || e->key_id()->size() != 32 ||
      e->signature() == nullptr || e->signature()->size() != 64) {
    return InvalidArgument("log entry lacks its envelope fields", "bad_entry");
  }
  if (verify_record) QT_RETURN_IF_ERROR(RecordOfEntry(*e).status());
  return e;
}

StatusOr<const fb::Record*> RecordOfEntry(const fb::LogEntry& e) {
  if (e.payload_type()->string_view() != kRecordPayloadType) {
    return InvalidArgument("log entry holds payload type " +
                               e.payload_type()->str() + ", not a record",
                           "bad_entry");
  }
  return VerifyRecordPayload(VecBytes(e.payload()));
}

SignedEnvelope EnvelopeOfEntry(const fb::LogEntry& e) {
  SignedEnvelope env;
  env.payload_type = e.payload_type()->str();
  env.payload.assign(VecBytes(e.payload()));
  std::memcpy(env.key_id.data(), e.key_id()->data(), 32);
  std::memcpy(env.signature.data(), e.signature()->data(), 64);
  return env;
}

}  // namespace qtrace
