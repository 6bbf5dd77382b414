// Api: qtraced's HTTP API (ARCHITECTURE.md section 9) as a handler from
// Request to Response. It never touches a socket; the server calls Handle()
// on a worker thread and sends whatever Reply receives.
//
//   POST /v1/records            one envelope -> receipt (201, or 200 when the
//                               same record was accepted before)
//   POST /v1/records:batch      envelopes -> a status and receipt per item
//   GET  /v1/records/{id}       a record, rendered, with its log position
//   GET  /v1/records/{id}/receipt   the C2SP tlog-proof receipt text
//   GET  /v1/lots/{product}/{lot}            state, balances, holders
//   GET  /v1/lots/{product}/{lot}/trace      ?direction=&depth=&as_of=&format=csv
//   GET  /v1/lots?product=&site=&from=&to=&limit=&cursor=
//   GET  /v1/parties, /v1/parties/{id}
//   GET  /v1/plugins            the loaded sector plugins (public)
//   GET  /v1/log/checkpoint, /v1/log/proof/inclusion, /v1/log/proof/consistency
//   GET  /healthz, /metrics
// {product} is a GTIN-14, or scheme:id ("local:crab-feed", "national:869...").
//
// Records are self-authenticating, so POSTing them needs no request
// signature; every other non-public request is signed (request_auth.h).
// Regulators and admins read everything; other parties read their own
// records and lots and those of their direct counterparties (one step up,
// one step down); the public reads only the log endpoints and /healthz.
//
// Thread-safety: Handle() may run on many threads at once.
#ifndef QTRACE_HOST_API_H_
#define QTRACE_HOST_API_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "qtrace/host/http_types.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/metrics.h"
#include "qtrace/time.h"

namespace qtrace::host {

class PluginRegistry;

struct ApiOptions {
  // Largest request body accepted (413 above). Default: 16 MiB.
  size_t max_body_bytes = 16u << 20;
  // Largest batch, in records. Default: 10000.
  size_t max_batch_records = 10'000;
  // Clock for request timestamps (+/-5 minutes). Not owned.
  const Clock* clock = SystemClock::Default();
  // Runs a task on a worker thread (ingest results are turned into receipts
  // there, not on the ledger's sequencer thread). Default: run inline.
  std::function<void(std::function<void()>)> post_work;
  std::string version = "0.1.0";
  // The loaded sector plugins, listed by GET /v1/plugins; null when none are
  // configured. Not owned.
  const PluginRegistry* plugins = nullptr;
};

// Who is asking: the public, or a registered party (verified signature).
struct Caller {
  bool authenticated = false;
  PartyIdx party = kNoIdx;
  std::string party_id;
  RoleMask roles = 0;
  bool IsAuthority() const;
};

class Api {
 public:
  Api(Ledger* ledger, Metrics* metrics, ApiOptions options);
  ~Api();

  // Handles one request; calls `reply` exactly once, possibly later and from
  // another thread (ingest waits for the group commit).
  void Handle(Request request, Reply reply);

 private:
  class ReplayCache;
  struct Route;

  StatusOr<Caller> Authenticate(const Request& req) const;
  void Ingest(Request req, bool batch, Reply reply);

  Ledger* ledger_;
  Metrics* metrics_;
  ApiOptions options_;
  std::unique_ptr<ReplayCache> replay_;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_API_H_
