// https:// webhooks through a real qtraced: the daemon verifies the
// receiver's certificate (here a self-signed one made for the test and
// handed to the daemon with --webhook-ca) and its host name, and delivers
// the host-signed notice over TLS; without that CA it delivers nothing.
// A webhook that is not an http(s) URL is refused at registration.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "qtrace/client.h"
#include "qtrace/http_client.h"
#include "qtrace/host/ledger.h"
#include "qtrace/webhook.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using testing::DaemonProcess;
using testing::TempDir;

using testing::Must;

// A P-256 key and a self-signed certificate for localhost / 127.0.0.1,
// written as PEM files.
void MakeCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* x = X509_new();
  ASSERT_NE(x, nullptr);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(x, key, EVP_sha256()), 0);
  FILE* f = std::fopen(cert_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

// An HTTPS server on 127.0.0.1: each request goes to `handler`; a
// connection is served until the client closes it. Either a webhook
// receiver (records what it got, answers 200) or a TLS-terminating proxy in
// front of qtraced.
class TlsServer {
 public:
  using Request = http::request<http::string_body>;
  using Response = http::response<http::string_body>;
  using Handler = std::function<Response(const Request&)>;

  TlsServer(const std::string& cert, const std::string& key, Handler handler)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::move(handler)) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, asio::ssl::context::pem);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsServer() {
    // A blocking accept() is woken by a connection, not by close().
    stop_ = true;
    asio::io_context ioc;
    tcp::socket wake(ioc);
    beast::error_code ec;
    wake.connect({asio::ip::make_address("127.0.0.1"), port()}, ec);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int handshakes_failed() const { return failed_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) break;
      // A thread per connection: clients keep connections alive.
      connections_.emplace_back([this, s = std::move(socket)]() mutable { Connection(std::move(s)); });
    }
    for (auto& t : connections_) t.join();
  }
  void Connection(tcp::socket socket) {
    beast::error_code ec;
    beast::ssl_stream<tcp::socket> stream(std::move(socket), ctx_);
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      ++failed_;
      return;
    }
    beast::flat_buffer buffer;
    for (;;) {
      Request req;
      http::read(stream, buffer, req, ec);
      if (ec) break;
      Response res;
      {
        std::lock_guard l(handler_mu_);
        res = handler_(req);
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    stream.shutdown(ec);
  }

  asio::io_context ioc_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failed_{0};
  std::mutex handler_mu_;
  std::vector<std::thread> connections_;
  std::thread thread_;
};

// A webhook receiver: keeps every delivery, answers 200.
class TlsSink {
 public:
  struct Hit {
    std::string target, body, signature;
  };
  TlsSink(const std::string& cert, const std::string& key)
      : server_(cert, key, [this](const TlsServer::Request& req) {
          std::lock_guard l(mu_);
          hits_.push_back({std::string(req.target()), req.body(),
                           std::string(req["X-Qtrace-Signature"])});
          TlsServer::Response res{http::status::ok, 11};
          res.body() = "ok";
          return res;
        }) {}
  uint16_t port() const { return server_.port(); }
  int handshakes_failed() const { return server_.handshakes_failed(); }
  std::vector<Hit> hits() {
    std::lock_guard l(mu_);
    return hits_;
  }

 private:
  std::mutex mu_;
  std::vector<Hit> hits_;
  TlsServer server_;  // last: its thread uses the members above
};

class WebhookTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.Sub("sink.crt");
    ASSERT_NO_FATAL_FAILURE(MakeCertificate(cert_, dir_.Sub("sink.key")));
    sink_ = std::make_unique<TlsSink>(cert_, dir_.Sub("sink.key"));
  }

  // A fresh data dir and a qtraced on it; its host and admin keys.
  void StartDaemon(std::vector<std::string> args = {}) {
    std::string data = dir_.Sub("data");
    ASSERT_TRUE(host::Ledger::Initialize(data, {}).ok());
    host::DataDirLayout layout(data);
    host_key_ = Must(VerifyingKey::LoadPem(layout.host_public_key()));
    admin_ = Must(PrivateKey::LoadPem(layout.admin_key()));
    daemon_ = std::make_unique<DaemonProcess>(QTRACED_PATH, data, std::move(args));
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // A daemon (trusting `ca` for webhooks, if given), a lot shipped to a
  // shop whose webhook is `webhook`, and a recall of that lot.
  void RunRecall(const std::string& ca, const std::string& webhook) {
    std::vector<std::string> args;
    if (!ca.empty()) args = {"--webhook-ca", ca};
    ASSERT_NO_FATAL_FAILURE(StartDaemon(args));
    const PrivateKey& admin = *admin_;
    auto client = [&](const PrivateKey& key, const std::string& party) {
      ClientOptions o;
      o.party = party;
      return Must(Client::Create("127.0.0.1", daemon_->port(), key, std::move(o)));
    };
    auto root = client(admin, "platform-admin");
    std::map<std::string, PrivateKey> keys;
    for (auto [id, role] : {std::pair{"farm", "enterprise"}, std::pair{"shop", "enterprise"},
                            std::pair{"amr", "regulator"}}) {
      PrivateKey key = Must(PrivateKey::Generate());
      PartySpec spec{.party_id = id, .name = id, .roles = {role}, .keys = {key.public_key().raw()}};
      if (std::string(id) == "shop") spec.webhook = webhook;
      ASSERT_TRUE(root->RegisterParty(spec).ok());
      keys.emplace(id, std::move(key));
    }
    auto farm = client(keys.at("farm"), "farm");
    auto shop = client(keys.at("shop"), "shop");
    auto amr = client(keys.at("amr"), "amr");
    ASSERT_TRUE(farm->RegisterProduct({.product = "local:crab", .sector = "agriculture"}).ok());
    ASSERT_TRUE(farm->RegisterLot({.lot = "local:crab/C-1",
                                   .quantity = "100 KGM",
                                   .production_time = "2026-09-20T06:00:00+08:00"})
                    .ok());
    ASSERT_TRUE(farm->Ship({.shipment_id = "DN-1",
                            .to = "shop",
                            .items = {{.lot = "local:crab/C-1", .quantity = "40 KGM"}},
                            .event_time = "2026-09-21T08:00:00+08:00"})
                    .ok());
    ASSERT_TRUE(shop->Receive({.from = "farm",
                               .shipment_id = "DN-1",
                               .items = {{.lot = "local:crab/C-1", .quantity = "40 KGM"}},
                               .event_time = "2026-09-21T15:00:00+08:00"})
                    .ok());
    RecallOrderSpec order{.recall_id = "RC-TLS", .sector = "agriculture", .level = "1",
                          .responsible = "farm"};
    order.seed.lots = {"local:crab/C-1"};
    auto r = amr->OrderRecall(order);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  TempDir dir_;
  std::string cert_;
  std::unique_ptr<TlsSink> sink_;
  std::unique_ptr<DaemonProcess> daemon_;
  VerifyingKey host_key_;
  std::optional<PrivateKey> admin_;
};

TEST_F(WebhookTlsTest, NoticesAreDeliveredOverVerifiedTls) {
  std::string url = "https://localhost:" + std::to_string(sink_->port()) + "/hooks/recall";
  ASSERT_NO_FATAL_FAILURE(RunRecall(cert_, url));
  std::vector<TlsSink::Hit> hits;
  for (int i = 0; i < 100 && hits.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    hits = sink_->hits();
  }
  ASSERT_EQ(hits.size(), 1u) << daemon_->Log();
  EXPECT_EQ(hits[0].target, "/hooks/recall");
  EXPECT_TRUE(VerifyWebhook(host_key_, hits[0].body, hits[0].signature));
  json::object body = json::parse(hits[0].body).as_object();
  EXPECT_EQ(body.at("recall_id").as_string(), "RC-TLS");
  EXPECT_EQ(body.at("party").as_string(), "shop");
  EXPECT_EQ(sink_->handshakes_failed(), 0);
}

TEST_F(WebhookTlsTest, AnUntrustedCertificateGetsNothing) {
  // The daemon trusts only the system's CAs: the self-signed receiver is
  // refused in the handshake and never sees a notice.
  std::string url = "https://localhost:" + std::to_string(sink_->port()) + "/hooks/recall";
  ASSERT_NO_FATAL_FAILURE(RunRecall("", url));
  for (int i = 0; i < 50 && sink_->handshakes_failed() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(sink_->handshakes_failed(), 1) << daemon_->Log();
  EXPECT_TRUE(sink_->hits().empty());
  EXPECT_NE(daemon_->Log().find("TLS handshake with localhost"), std::string::npos)
      << daemon_->Log();
}

TEST_F(WebhookTlsTest, AWebhookThatIsNotAnHttpUrlIsRefusedAtRegistration) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  ClientOptions o;
  o.party = "platform-admin";
  auto root = Must(Client::Create("127.0.0.1", daemon_->port(), *admin_, std::move(o)));
  for (const char* bad : {"ftp://example.com/hook", "https://", "http:///path", "hooks.example"}) {
    PrivateKey key = Must(PrivateKey::Generate());
    PartySpec spec{.party_id = "shop", .name = "shop", .roles = {"enterprise"},
                   .keys = {key.public_key().raw()}};
    spec.webhook = bad;
    auto r = root->RegisterParty(spec);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "bad_webhook") << bad << ": " << r.status().ToString();
  }
}

// The SDK (and so the CLI) reaches a qtraced behind a TLS-terminating proxy
// with an https:// server URL, verifying the proxy's certificate.
TEST_F(WebhookTlsTest, TheSdkTalksToQtracedBehindATlsProxy) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  HttpClient upstream("127.0.0.1", daemon_->port());
  TlsServer proxy(cert_, dir_.Sub("sink.key"), [&](const TlsServer::Request& req) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& f : req) {
      if (f.name() != http::field::host && f.name() != http::field::content_length &&
          f.name() != http::field::content_type && f.name() != http::field::connection) {
        headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      }
    }
    auto r = upstream.Request(std::string(req.method_string()), std::string(req.target()),
                              req.body(), std::string(req[http::field::content_type]), headers);
    TlsServer::Response res{r.ok() ? static_cast<http::status>(r->status)
                                   : http::status::bad_gateway, 11};
    if (r.ok()) {
      res.set(http::field::content_type, r->content_type);
      res.body() = r->body;
    }
    return res;
  });
  std::string url = "https://localhost:" + std::to_string(proxy.port());
  ClientOptions o;
  o.party = "platform-admin";
  o.ca_file = cert_;
  auto client = Must(Client::Create(url, *admin_, o));
  auto cp = client->GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_GE(cp->checkpoint.size, 1u);
  // A signed write through the proxy.
  PrivateKey key = Must(PrivateKey::Generate());
  auto reg = client->RegisterParty(
      {.party_id = "farm", .name = "farm", .roles = {"enterprise"}, .keys = {key.public_key().raw()}});
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  // Without the proxy's CA the certificate is refused.
  ClientOptions untrusting;
  untrusting.max_attempts = 1;
  auto refused = Must(Client::Create(url, std::nullopt, untrusting))->GetCheckpoint();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "tls_failed") << refused.status().ToString();
}

}  // namespace
}  // namespace qtrace
