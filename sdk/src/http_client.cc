#include "qtrace/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <optional>

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
  // HTTPS: the context (trust store) and the TLS layer over a fresh TCP
  // stream per connection.
  std::optional<asio::ssl::context> tls_ctx;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool connected = false;

  Status SetUpTls() {
    tls_ctx.emplace(asio::ssl::context::tls_client);
    beast::error_code ec;
    tls_ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1);
    if (options.ca_file.empty()) {
      tls_ctx->set_default_verify_paths(ec);
    } else {
      tls_ctx->load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      return InvalidArgument("TLS trust store " +
                                 (options.ca_file.empty() ? std::string("(system)") : options.ca_file) +
                                 ": " + ec.message(),
                             "bad_tls_config");
    }
    tls_ctx->set_verify_mode(asio::ssl::verify_peer);
    return Status::Ok();
  }

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : stream; }

  Status Connect() {
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Unavailable("cannot resolve " + host + ": " + ec.message(), "unreachable");
    if (options.tls) {
      if (!tls_ctx) QT_RETURN_IF_ERROR(SetUpTls());
      tls.emplace(ioc, *tls_ctx);
    }
    tcp().expires_after(options.timeout);
    tcp().connect(results, ec);
    if (ec) {
      tls.reset();
      return Unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                             ec.message(),
                         "unreachable");
    }
    tcp().socket().set_option(tcp::no_delay(true), ec);
    if (tls) {
      // SNI, and the certificate must name the host.
      if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str())) {
        Disconnect();
        return Unavailable("TLS: cannot set the server name " + host, "tls_failed");
      }
      tls->set_verify_callback(asio::ssl::host_name_verification(host));
      tls->handshake(asio::ssl::stream_base::client, ec);
      if (ec) {
        Disconnect();
        return Unavailable("TLS handshake with " + host + ":" + std::to_string(port) +
                               " failed: " + ec.message(),
                           "tls_failed");
      }
    }
    buffer.clear();
    connected = true;
    return Status::Ok();
  }

  void Disconnect() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
    tls.reset();
    connected = false;
  }

  // One exchange on the connected stream.
  template <typename Stream>
  void Exchange(Stream& s, const http::request<http::string_body>& req,
                http::response_parser<http::string_body>& parser, beast::error_code& ec) {
    http::write(s, req, ec);
    if (!ec) http::read(s, buffer, parser, ec);
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
    impl_->tcp().expires_after(impl_->options.timeout);
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (impl_->tls) {
      impl_->Exchange(*impl_->tls, req, parser, ec);
    } else {
      impl_->Exchange(impl_->stream, req, parser, ec);
    }
    if (ec) {
      impl_->Disconnect();
      if (reused && attempt == 0 &&
          (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::eof ||
           ec == asio::ssl::error::stream_truncated)) {
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
