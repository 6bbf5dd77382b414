#include "qtrace/host/server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace qtrace::host {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  ServerOptions options;
  Api* api = nullptr;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<asio::thread_pool> workers;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> inflight{0};
  std::mutex mu;
  std::condition_variable idle_cv;
  uint16_t port = 0;

  class Session;
  std::mutex sessions_mu;
  std::set<std::shared_ptr<Session>> sessions;

  void Accept();
  void RequestDone() {
    if (inflight.fetch_sub(1) == 1) {
      std::lock_guard lock(mu);
      idle_cv.notify_all();
    }
  }
};

class Server::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  void Close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
    });
  }

  bool busy() const { return busy_.load(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(first_ ? server_->options.read_timeout : server_->options.idle_timeout);
    first_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      return Finish();
    }
    if (ec) {
      Status s = ec == http::error::body_limit
                     ? PayloadTooLarge("request body exceeds " +
                                           std::to_string(server_->options.max_body_bytes) +
                                           " bytes",
                                       "too_large")
                 : ec == http::error::header_limit
                     ? PayloadTooLarge("request headers exceed " +
                                           std::to_string(server_->options.max_header_bytes) +
                                           " bytes",
                                       "too_large")
                     : InvalidArgument("malformed HTTP request: " + ec.message(), "bad_http");
      keep_alive_ = false;
      return Write(ErrorResponse(s), 11);
    }
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive() && !server_->stopping.load();
    unsigned version = req.version();
    if (server_->inflight.load() >= server_->options.max_inflight) {
      return Write(ErrorResponse(Unavailable("server busy", "overloaded")), version);
    }
    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    server_->inflight.fetch_add(1);
    busy_ = true;
    auto self = shared_from_this();
    asio::post(*server_->workers, [self, r = std::move(r), version]() mutable {
      self->server_->api->Handle(std::move(r), [self, version](Response resp) {
        asio::post(self->stream_.get_executor(), [self, version, resp = std::move(resp)]() mutable {
          self->Write(std::move(resp), version, /*counted=*/true);
        });
      });
    });
  }

  void Write(Response resp, unsigned version, bool counted = false) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<unsigned>(resp.status));
    res->version(version);
    res->set(http::field::server, "qtraced");
    res->set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res->set(k, v);
    res->body() = std::move(resp.body);
    if (server_->stopping.load()) keep_alive_ = false;
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(server_->options.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, counted](beast::error_code ec, size_t) {
                        if (counted) {
                          self->busy_ = false;
                          self->server_->RequestDone();
                        }
                        if (ec || !self->keep_alive_) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return self->Finish();
                        }
                        self->Read();
                      });
  }

  void Finish() {
    beast::error_code ec;
    stream_.socket().close(ec);
    std::lock_guard lock(server_->sessions_mu);
    server_->sessions.erase(shared_from_this());
  }

  beast::tcp_stream stream_;
  Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool first_ = true;
  std::atomic<bool> busy_{false};
};

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping.load() && ec != asio::error::operation_aborted) Accept();
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(std::move(socket), this);
    {
      std::lock_guard lock(sessions_mu);
      sessions.insert(session);
    }
    session->Start();
    Accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Api* api) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->api = api;
  beast::error_code ec;
  auto addr = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgument("bad listen address '" + options.address + "'", "bad_config");
  tcp::endpoint ep(addr, options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + options.address + ":" + std::to_string(options.port) +
                           ": " + ec.message(),
                       "listen_failed");
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->workers = std::make_unique<asio::thread_pool>(std::max(1, options.worker_threads));
  impl->Accept();
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl->io_threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }

void Server::PostWork(std::function<void()> task) { asio::post(*impl_->workers, std::move(task)); }

void Server::Stop(std::chrono::seconds grace) {
  if (impl_->stopping.exchange(true)) {
    // Already stopped (or stopping); join below is idempotent.
  } else {
    asio::post(impl_->ioc, [impl = impl_.get()] {
      beast::error_code ec;
      impl->acceptor.close(ec);
    });
    {
      std::unique_lock lock(impl_->mu);
      impl_->idle_cv.wait_for(lock, grace, [&] { return impl_->inflight.load() == 0; });
    }
    // Close idle keep-alive connections; busy ones close after their reply.
    std::vector<std::shared_ptr<Impl::Session>> sessions;
    {
      std::lock_guard lock(impl_->sessions_mu);
      sessions.assign(impl_->sessions.begin(), impl_->sessions.end());
    }
    for (auto& s : sessions) s->Close();
    impl_->work.reset();
  }
  for (auto& t : impl_->io_threads) {
    if (t.joinable()) t.join();
  }
  impl_->io_threads.clear();
  if (impl_->workers) {
    impl_->workers->join();
  }
}

}  // namespace qtrace::host
