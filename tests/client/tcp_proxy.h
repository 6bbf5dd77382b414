// TcpProxy: a loopback TCP forwarder between a client under test and a real
// qtraced, which a test can make misbehave the way networks and restarts
// do — drop every open connection, lose the response to the next request
// (after the server processed it), or answer the next request itself (a
// 429 or 503 with Retry-After). The upstream port can change, so the daemon
// can be restarted on a new port behind a fixed proxy port; while no
// upstream answers, connections are accepted and closed at once.
//
// Thread-safety: every method may be called from any thread; the proxy runs
// its own I/O thread.
#ifndef QTRACE_TESTS_CLIENT_TCP_PROXY_H_
#define QTRACE_TESTS_CLIENT_TCP_PROXY_H_

#include <cstdint>
#include <memory>
#include <string>

namespace qtrace::testing {

class TcpProxy {
 public:
  explicit TcpProxy(uint16_t upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const;
  void SetUpstream(uint16_t port);
  // Closes every open connection (both sides).
  void DropAll();
  // The next response from upstream is not forwarded: the client's
  // connection is closed instead (the server did process the request).
  void DropNextResponse();
  // The next `count` requests are answered with `status` (and Retry-After:
  // `retry_after_s`) by the proxy itself and never reach the server.
  void RespondNext(int count, int status, int retry_after_s);
  // Requests forwarded upstream so far (first chunks of each request).
  int forwarded() const;

  struct State;  // internal: shared with the I/O thread's sessions

 private:
  std::shared_ptr<State> state_;
};

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_CLIENT_TCP_PROXY_H_
