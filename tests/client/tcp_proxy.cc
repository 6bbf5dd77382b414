#include "tcp_proxy.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace qtrace::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Session;

}  // namespace

struct TcpProxy::State {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::atomic<uint16_t> upstream{0};
  std::atomic<bool> drop_next_response{false};
  std::atomic<int> forwarded{0};
  std::mutex mu;
  int respond_count = 0;
  int respond_status = 503;
  int retry_after = 1;
  std::set<std::shared_ptr<Session>> sessions;  // touched on the I/O thread only
};

namespace {

std::string CannedResponse(int status, int retry_after) {
  std::string reason = status == 429 ? "Too Many Requests" : "Service Unavailable";
  std::string code = status == 429 ? "resource_exhausted" : "unavailable";
  std::string body = R"({"code":")" + code +
                     R"(","reason":"proxy_says_wait","message":"the proxy )"
                     R"(answered this request","details":[]})";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nRetry-After: " + std::to_string(retry_after) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

struct Session : std::enable_shared_from_this<Session> {
  Session(TcpProxy::State* st, tcp::socket s)
      : state(st), client(std::move(s)), upstream(st->ioc) {}

  void Start() { ReadClient(); }

  void Close() {
    boost::system::error_code ec;
    client.close(ec);
    upstream.close(ec);
    state->sessions.erase(shared_from_this());
  }

  void ReadClient() {
    auto self = shared_from_this();
    client.async_read_some(asio::buffer(cbuf), [self](boost::system::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->OnClientData(n);
    });
  }

  void OnClientData(size_t n) {
    boost::system::error_code ec;
    {
      std::unique_lock lock(state->mu);
      if (state->respond_count > 0) {
        --state->respond_count;
        std::string r = CannedResponse(state->respond_status, state->retry_after);
        lock.unlock();
        asio::write(client, asio::buffer(r), ec);
        return Close();
      }
    }
    if (!connected) {
      upstream.connect(tcp::endpoint(asio::ip::address_v4::loopback(), state->upstream.load()), ec);
      if (ec) return Close();
      connected = true;
      ReadUpstream();
    }
    asio::write(upstream, asio::buffer(cbuf.data(), n), ec);
    if (ec) return Close();
    ++state->forwarded;
    ReadClient();
  }

  void ReadUpstream() {
    auto self = shared_from_this();
    upstream.async_read_some(asio::buffer(ubuf), [self](boost::system::error_code ec, size_t n) {
      if (ec) return self->Close();
      if (self->state->drop_next_response.exchange(false)) return self->Close();
      asio::write(self->client, asio::buffer(self->ubuf.data(), n), ec);
      if (ec) return self->Close();
      self->ReadUpstream();
    });
  }

  TcpProxy::State* state;
  tcp::socket client, upstream;
  bool connected = false;
  std::array<char, 65536> cbuf, ubuf;
};

void Accept(TcpProxy::State* st) {
  st->acceptor.async_accept([st](boost::system::error_code ec, tcp::socket s) {
    if (ec) return;
    auto session = std::make_shared<Session>(st, std::move(s));
    st->sessions.insert(session);
    session->Start();
    Accept(st);
  });
}

}  // namespace

TcpProxy::TcpProxy(uint16_t upstream_port) : state_(std::make_shared<State>()) {
  state_->upstream = upstream_port;
  tcp::endpoint ep(asio::ip::address_v4::loopback(), 0);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen();
  Accept(state_.get());
  state_->thread = std::thread([st = state_.get()] { st->ioc.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(state_->ioc, [st = state_.get()] {
    boost::system::error_code ec;
    st->acceptor.close(ec);
    auto sessions = st->sessions;
    for (auto& s : sessions) s->Close();
  });
  // With the acceptor and every socket closed the I/O thread runs out of
  // work and returns.
  state_->thread.join();
  state_->sessions.clear();
}

uint16_t TcpProxy::port() const { return state_->acceptor.local_endpoint().port(); }

void TcpProxy::SetUpstream(uint16_t port) { state_->upstream = port; }

void TcpProxy::DropAll() {
  std::promise<void> done;
  asio::post(state_->ioc, [st = state_.get(), &done] {
    auto sessions = st->sessions;
    for (auto& s : sessions) s->Close();
    done.set_value();
  });
  done.get_future().wait();
}

void TcpProxy::DropNextResponse() { state_->drop_next_response = true; }

void TcpProxy::RespondNext(int count, int status, int retry_after_s) {
  std::lock_guard lock(state_->mu);
  state_->respond_count = count;
  state_->respond_status = status;
  state_->retry_after = retry_after_s;
}

int TcpProxy::forwarded() const { return state_->forwarded.load(); }

}  // namespace qtrace::testing
