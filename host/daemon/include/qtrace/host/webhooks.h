// WebhookDispatcher: pushes recall notices to the parties that registered a
// webhook URL (PartyRegistration.webhook), signed by the host key
// (qtrace/webhook.h), retried with exponential backoff.
//
// It tails the log rather than hooking the write path: a notice is pushed
// only after it is durable, a slow receiver never slows ingest, and after a
// restart the dispatcher resumes from a cursor file (the lowest log index
// not yet delivered or given up), so delivery is at least once.
// http:// and https:// URLs: deliveries are always signed; over https the
// receiver's certificate is verified (system trust store, or `ca_file`).
//
// Thread-safety: Start/Stop from one thread; Stats from any.
#ifndef QTRACE_HOST_WEBHOOKS_H_
#define QTRACE_HOST_WEBHOOKS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "qtrace/crypto.h"
#include "qtrace/host/ledger.h"

namespace qtrace::host {

struct WebhookOptions {
  std::string cursor_file;  // where the resume point is kept; empty = memory only
  int max_attempts = 12;    // then the delivery is given up (logged)
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{300'000};
  std::chrono::milliseconds timeout{5000};  // per attempt
  std::chrono::milliseconds poll{100};      // how often the log is tailed
  std::string ca_file;  // PEM CAs trusted for https:// webhooks; empty = the system's
};

class WebhookDispatcher {
 public:
  // `ledger` must outlive the dispatcher.
  WebhookDispatcher(const Ledger* ledger, PrivateKey host_key, WebhookOptions options);
  ~WebhookDispatcher();  // Stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void Start();
  void Stop();

  struct Stats {
    uint64_t delivered = 0, failed_attempts = 0, abandoned = 0, pending = 0;
  };
  Stats GetStats() const;

 private:
  struct Delivery;
  void Run();

  const Ledger* ledger_;
  PrivateKey key_;
  WebhookOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<uint64_t> delivered_{0}, failed_{0}, abandoned_{0}, pending_{0};
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_WEBHOOKS_H_
