// Server: qtraced's HTTP/1.1 listener on Boost.Beast. I/O threads only read
// and write; every request is handed to a worker pool that runs Api::Handle,
// and the reply is posted back to the connection. Keep-alive, bounded header
// and body sizes, read and idle timeouts.
//
// Stop(): stop accepting, let requests in flight finish (their responses go
// out with "Connection: close"), then close idle connections.
//
// Thread-safety: Start/Stop/Wait from one controlling thread.
#ifndef QTRACE_HOST_SERVER_H_
#define QTRACE_HOST_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "qtrace/host/api.h"
#include "qtrace/status.h"

namespace qtrace::host {

struct ServerOptions {
  // Listen address and port; port 0 picks a free one (see port()).
  std::string address = "127.0.0.1";
  uint16_t port = 8420;
  // Threads doing socket I/O. Default: 2.
  int io_threads = 2;
  // Threads running handlers. Default: 2.
  int worker_threads = 2;
  // Largest body / header block accepted. Defaults: 16 MiB / 16 KiB.
  size_t max_body_bytes = 16u << 20;
  size_t max_header_bytes = 16u << 10;
  // A request must arrive within this time once started. Default: 30 s.
  std::chrono::seconds read_timeout{30};
  // An idle keep-alive connection is closed after this. Default: 60 s.
  std::chrono::seconds idle_timeout{60};
  // Requests being handled at once before new ones get 503. Default: 4096.
  size_t max_inflight = 4096;
};

class Server {
 public:
  // Binds and starts the I/O and worker threads. OWNERSHIP: `api` must
  // outlive the server.
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options, Api* api);
  ~Server();

  uint16_t port() const;
  // Runs `task` on a worker thread (for Api's post_work).
  void PostWork(std::function<void()> task);
  // Graceful stop; waits up to `grace` for requests in flight.
  void Stop(std::chrono::seconds grace = std::chrono::seconds(30));

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_SERVER_H_
