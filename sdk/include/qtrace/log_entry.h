// LogEntry: one leaf of the tamper-evident log (schemas/log_entry.fbs) — the
// host's record_time, the signed record and the decisions taken on it. The
// leaf hash is computed over the exact bytes EncodeLogEntry produces, which
// are what the store keeps.
//
// Thread-safety: pure functions.
#ifndef QTRACE_LOG_ENTRY_H_
#define QTRACE_LOG_ENTRY_H_

#include <string>
#include <string_view>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/fb/log_entry_generated.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/record.h"
#include "qtrace/status.h"

namespace qtrace {

struct DecisionData {
  std::string engine, version, rule_set, param_set;
  std::string verdict = "accept";
  std::vector<std::string> notes;
};

struct LogEntryData {
  uint64_t index = 0;
  int64_t record_time = 0;
  SignedEnvelope envelope;
  std::vector<DecisionData> decisions;
};

// Deterministic: equal inputs give equal bytes. The payload is 8-byte aligned
// inside the buffer so the Record can be read in place.
std::string EncodeLogEntry(const LogEntryData& entry);
// Verifies the LogEntry flatbuffer (and, when `verify_record`, the Record
// payload inside it). `bytes` must be 8-byte aligned and outlive the result.
StatusOr<const fb::LogEntry*> VerifyLogEntry(std::string_view bytes,
                                             bool verify_record = true);
// The Record inside a verified entry (payload_type must be qtrace.v1.Record).
StatusOr<const fb::Record*> RecordOfEntry(const fb::LogEntry& entry);
// The entry's envelope fields, copied.
SignedEnvelope EnvelopeOfEntry(const fb::LogEntry& entry);

}  // namespace qtrace

#endif  // QTRACE_LOG_ENTRY_H_
