// HttpClient: a small HTTP/1.1 client for qtraced — one keep-alive
// connection (plain or TLS), reconnected transparently when the server
// closed it, with a timeout per request. The SDK's Client, the daemon's
// webhooks and the tests build on it.
//
// Thread-safety: not thread-safe; use one HttpClient per thread.
#ifndef QTRACE_HTTP_CLIENT_H_
#define QTRACE_HTTP_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qtrace/status.h"

namespace qtrace {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Header(std::string_view name) const;  // "" when absent
};

struct HttpClientOptions {
  // Per request: connect + write + read. Default: 30 s.
  std::chrono::milliseconds timeout{30'000};
  // HTTPS: TLS 1.2 or later, the server's certificate verified against the
  // system's trust store (or `ca_file`, PEM) and the host name (SNI sent).
  bool tls = false;
  std::string ca_file;
};

class HttpClient {
 public:
  // `host` is a name or address, `port` a number.
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the response. Unavailable when the server
  // cannot be reached or the connection broke (the request may or may not
  // have been processed: retry only idempotent requests).
  StatusOr<HttpResponse> Request(std::string_view method, std::string_view target,
                                 std::string_view body = {},
                                 std::string_view content_type = {},
                                 const std::vector<std::pair<std::string, std::string>>&
                                     headers = {});
  // Drops the connection (the next request reconnects).
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtrace

#endif  // QTRACE_HTTP_CLIENT_H_
