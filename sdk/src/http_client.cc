#include "qtrace/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace qtrace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  HttpClientOptions options;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;

  Status Connect() {
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Unavailable("cannot resolve " + host + ": " + ec.message(), "unreachable");
    stream.expires_after(options.timeout);
    stream.connect(results, ec);
    if (ec) {
      return Unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                             ec.message(),
                         "unreachable");
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
    buffer.clear();
    connected = true;
    return Status::Ok();
  }

  void Disconnect() {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    connected = false;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, HttpClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->options = options;
}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (impl_->connected) impl_->Disconnect();
}

StatusOr<HttpResponse> HttpClient::Request(
    std::string_view method, std::string_view target, std::string_view body,
    std::string_view content_type,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(http::field::host, impl_->host);
  req.set(http::field::user_agent, "qtrace-sdk/0.1");
  if (!content_type.empty()) {
    req.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
  }
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body().assign(body.data(), body.size());
  req.prepare_payload();
  req.keep_alive(true);

  // A kept-alive connection may have been closed by the server while idle:
  // if writing or reading fails on a reused connection before any response
  // byte arrives, reconnect once and resend.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = impl_->connected;
    if (!impl_->connected) QT_RETURN_IF_ERROR(impl_->Connect());
    beast::error_code ec;
    impl_->stream.expires_after(impl_->options.timeout);
    http::write(impl_->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (!ec) http::read(impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->Disconnect();
      if (reused && attempt == 0 &&
          (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::eof)) {
        continue;
      }
      return Unavailable("request " + std::string(method) + " " + std::string(target) +
                             " failed: " + ec.message(),
                         "connection_failed");
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    for (const auto& f : res) {
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) impl_->Disconnect();
    return out;
  }
  return Unavailable("request failed", "connection_failed");
}

}  // namespace qtrace
