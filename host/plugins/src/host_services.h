// The host side of the plugin ABI: the host-service table (qt_host_api)
// answering plugins' lookups from a LedgerState, the host-owned sinks
// plugins write results into, and the bounded cache of lots' registering
// records the lookups read attributes from.
//
// Thread-safety: a CallState belongs to one plugin call (one thread).
// LotRecordCache is internally synchronised.
#ifndef QTRACE_HOST_PLUGINS_HOST_SERVICES_H_
#define QTRACE_HOST_PLUGINS_HOST_SERVICES_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/host/state.h"
#include "qtrace/plugin/abi.h"

namespace qtrace::host::plugin_internal {

// A host-owned sink: the plugin appends, the host keeps a copy. The buffer
// is heap-allocated from the start, so flatbuffers in it are 8-byte aligned.
struct HostSink : qt_sink {
  explicit HostSink(size_t limit);
  std::string bytes;
  size_t limit;
  bool refused = false;  // a write was refused (too large)
};

// Recent lot registrations by log index (LRU), falling back to the log.
class LotRecordCache {
 public:
  explicit LotRecordCache(size_t capacity) : capacity_(capacity) {}

  // Keeps a copy of the Record payload registered at `index` (replacing
  // whatever was kept for that index: a refused record's index is reused).
  void Put(uint64_t index, std::string_view payload);

  struct Entry {
    std::shared_ptr<const std::string> bytes;  // keeps `record` alive
    const fb::Record* record = nullptr;
  };
  // The record at `index` from the cache, else through `loader` (LogEntry
  // bytes; cached afterwards). record == nullptr when unavailable.
  Entry Get(uint64_t index, const EntryLoader* loader);

 private:
  struct Slot {
    Entry entry;
    std::list<uint64_t>::iterator lru;
  };
  void Insert(uint64_t index, Entry entry);

  size_t capacity_;
  std::mutex mu_;
  std::list<uint64_t> lru_;  // front = most recent
  std::unordered_map<uint64_t, Slot> slots_;
};

// Everything one plugin call's lookups need; passed to the plugin as the
// opaque qt_lookup*. Answers live in `answers` until the call returns.
struct CallState {
  const LedgerState* state = nullptr;
  const fb::Record* record = nullptr;  // under check; null for recall plans
  const RecordContext* ctx = nullptr;  // null for recall plans
  LotRecordCache* cache = nullptr;
  const EntryLoader* loader = nullptr;
  std::vector<flatbuffers::DetachedBuffer> answers;
};

inline qt_lookup* AsLookup(CallState* c) { return reinterpret_cast<qt_lookup*>(c); }
inline CallState* FromLookup(qt_lookup* l) { return reinterpret_cast<CallState*>(l); }

// Fills every service of `api` except struct_size, versions, host_data and
// log (the registry sets those per plugin).
void FillLookupServices(qt_host_api* api);

}  // namespace qtrace::host::plugin_internal

#endif  // QTRACE_HOST_PLUGINS_HOST_SERVICES_H_
