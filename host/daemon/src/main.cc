// qtraced: the qtrace host daemon.
//
//   qtraced [--config FILE] [--data-dir DIR] [--listen ADDR:PORT] ...
//
// Settings come from a JSON config file (by default DATA_DIR/config.json when
// it exists), then command-line flags override them. SIGINT/SIGTERM stop
// accepting, finish requests in flight, flush, close the store and exit 0.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <mutex>
#include <atomic>
#include <condition_variable>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "qtrace/host/api.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/metrics.h"
#include "qtrace/host/plugin_registry.h"
#include "qtrace/host/server.h"
#include "qtrace/host/webhooks.h"

namespace {

using namespace qtrace;
using namespace qtrace::host;

struct Config {
  std::string data_dir = "./var/qtrace";
  std::string listen = "127.0.0.1:8420";
  std::string port_file;
  std::string plugin_dir;
  std::string plugin_allowlist;  // optional: sha256 allow-list for plugin_dir
  int io_threads = 2;
  int worker_threads = 2;
  int verify_threads = 2;
  size_t max_body_bytes = 16u << 20;
  size_t max_pending_records = 100'000;
  int read_timeout_s = 30;
  int idle_timeout_s = 60;
  std::string log_level = "info";
  bool init = false;
  std::string origin = "qtrace.local/log";
  int recall_monitor_s = 60;  // how often recall deadlines are checked
  // Tests and recall drills only: a file holding a number of seconds the
  // host clock runs ahead of the system clock, re-read every 100 ms.
  std::string clock_offset_file;
};

// The host clock of a drill: the system clock plus an offset an operator
// (or a test) moves by rewriting a file, so deadlines can be crossed
// without waiting days. Record times, checkpoint times and the request
// signing window all follow it, so the story stays consistent.
class OffsetFileClock final : public Clock {
 public:
  explicit OffsetFileClock(std::string path) : path_(std::move(path)) { Reload(); }
  int64_t NowMicros() const override {
    return SystemClock::Default()->NowMicros() + offset_us_.load(std::memory_order_relaxed);
  }
  // Keeps the last good offset when the file is missing or unreadable.
  void Reload() {
    std::ifstream in(path_);
    double seconds = 0;
    if (in >> seconds) {
      int64_t us = static_cast<int64_t>(seconds * 1e6);
      if (offset_us_.exchange(us) != us) {
        spdlog::warn("host clock offset is now {:.0f} s ({})", seconds, path_);
      }
    }
  }

 private:
  std::string path_;
  std::atomic<int64_t> offset_us_{0};
};

// Reads a JSON config; unknown keys are an error so typos do not pass silently.
Status LoadConfig(const std::string& path, Config* c) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read config " + path, "bad_config");
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = boost::json::parse(ss.str(), ec);
  if (ec || !v.is_object()) return InvalidArgument(path + ": not a JSON object", "bad_config");
  for (const auto& kv : v.as_object()) {
    std::string k(kv.key());
    const auto& x = kv.value();
    auto str = [&](std::string* out) -> Status {
      if (!x.is_string()) return InvalidArgument(path + ": " + k + " must be a string", "bad_config");
      *out = std::string(x.as_string());
      return Status::Ok();
    };
    auto num = [&](auto* out) -> Status {
      if (!x.is_int64() || x.as_int64() < 0) {
        return InvalidArgument(path + ": " + k + " must be a non-negative integer", "bad_config");
      }
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(x.as_int64());
      return Status::Ok();
    };
    Status s;
    if (k == "data_dir") s = str(&c->data_dir);
    else if (k == "listen") s = str(&c->listen);
    else if (k == "plugin_dir") s = str(&c->plugin_dir);
    else if (k == "plugin_allowlist") s = str(&c->plugin_allowlist);
    else if (k == "log_level") s = str(&c->log_level);
    else if (k == "origin") s = str(&c->origin);
    else if (k == "io_threads") s = num(&c->io_threads);
    else if (k == "worker_threads") s = num(&c->worker_threads);
    else if (k == "verify_threads") s = num(&c->verify_threads);
    else if (k == "max_body_bytes") s = num(&c->max_body_bytes);
    else if (k == "max_pending_records") s = num(&c->max_pending_records);
    else if (k == "read_timeout_s") s = num(&c->read_timeout_s);
    else if (k == "idle_timeout_s") s = num(&c->idle_timeout_s);
    else if (k == "recall_monitor_s") s = num(&c->recall_monitor_s);
    else if (k == "clock_offset_file") s = str(&c->clock_offset_file);
    else s = InvalidArgument(path + ": unknown setting '" + k + "'", "bad_config");
    QT_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status SplitListen(const std::string& listen, std::string* host, uint16_t* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--listen is ADDR:PORT", "bad_config");
  *host = listen.substr(0, colon);
  std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(p) > 65535) {
    return InvalidArgument("bad port in --listen " + listen, "bad_config");
  }
  *port = static_cast<uint16_t>(std::stoul(p));
  if (!host->empty() && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return Status::Ok();
}

int Fail(const Status& s) {
  spdlog::critical("{}", s.ToString());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("qtraced");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App app("qtraced: the qtrace host daemon (signed product-lineage records, "
               "tamper-evident log, HTTP API)");
  Config cfg;
  std::string config_path;
  app.add_option("--config", config_path, "JSON config file (default: DATA_DIR/config.json if present)");
  // Flags override the config file: parse into optionals first.
  std::optional<std::string> data_dir, listen, plugin_dir, plugin_allowlist, log_level;
  std::optional<int> io_threads, worker_threads, verify_threads;
  std::optional<size_t> max_body, max_pending;
  app.add_option("--data-dir", data_dir, "data directory (default ./var/qtrace)");
  app.add_option("--listen", listen, "address:port to listen on; port 0 picks one (default 127.0.0.1:8420)");
  app.add_option("--port-file", cfg.port_file, "write the bound port to this file once listening");
  app.add_option("--plugin-dir", plugin_dir, "directory of sector plugins");
  app.add_option("--plugin-allowlist", plugin_allowlist,
                 "file of '<sha256> <file name>' lines; only listed plugins load");
  app.add_option("--io-threads", io_threads, "socket I/O threads (default 2)");
  app.add_option("--worker-threads", worker_threads, "request handler threads (default 2)");
  app.add_option("--verify-threads", verify_threads, "signature verification threads (default 2)");
  app.add_option("--max-body-bytes", max_body, "largest request body (default 16 MiB)");
  app.add_option("--max-pending-records", max_pending, "records waiting before 429 (default 100000)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default info)");
  app.add_flag("--init", cfg.init, "create the data dir (keys, store, genesis) if it does not exist");
  app.add_option("--origin", cfg.origin, "log origin for --init (default qtrace.local/log)");
  std::optional<int> recall_monitor_s;
  std::optional<std::string> clock_offset_file;
  app.add_option("--recall-monitor-s", recall_monitor_s,
                 "seconds between recall deadline checks (default 60)");
  app.add_option("--clock-offset-file", clock_offset_file,
                 "tests and recall drills only: file with the seconds the host clock runs ahead");
  std::string webhook_ca;
  app.add_option("--webhook-ca", webhook_ca,
                 "PEM file of CAs trusted for https:// webhooks (default: the system's)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::string dir = data_dir.value_or(cfg.data_dir);
  if (config_path.empty() && std::filesystem::exists(DataDirLayout(dir).config())) {
    config_path = DataDirLayout(dir).config();
  }
  if (!config_path.empty()) {
    Status s = LoadConfig(config_path, &cfg);
    if (!s.ok()) return Fail(s);
  }
  if (data_dir) cfg.data_dir = *data_dir;
  if (listen) cfg.listen = *listen;
  if (plugin_dir) cfg.plugin_dir = *plugin_dir;
  if (plugin_allowlist) cfg.plugin_allowlist = *plugin_allowlist;
  if (log_level) cfg.log_level = *log_level;
  if (io_threads) cfg.io_threads = *io_threads;
  if (worker_threads) cfg.worker_threads = *worker_threads;
  if (verify_threads) cfg.verify_threads = *verify_threads;
  if (max_body) cfg.max_body_bytes = *max_body;
  if (max_pending) cfg.max_pending_records = *max_pending;
  if (recall_monitor_s) cfg.recall_monitor_s = *recall_monitor_s;
  if (clock_offset_file) cfg.clock_offset_file = *clock_offset_file;
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));

  ServerOptions so;
  Status ls = SplitListen(cfg.listen, &so.address, &so.port);
  if (!ls.ok()) return Fail(ls);
  so.io_threads = cfg.io_threads;
  so.worker_threads = cfg.worker_threads;
  so.max_body_bytes = cfg.max_body_bytes;
  so.read_timeout = std::chrono::seconds(cfg.read_timeout_s);
  so.idle_timeout = std::chrono::seconds(cfg.idle_timeout_s);

  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto t0 = std::chrono::steady_clock::now();
  if (cfg.init && !std::filesystem::exists(DataDirLayout(cfg.data_dir).db())) {
    InitOptions init;
    init.origin = cfg.origin;
    Status s = Ledger::Initialize(cfg.data_dir, init);
    if (!s.ok()) return Fail(s);
    spdlog::info("initialized data dir {}", cfg.data_dir);
  }
  // Sector plugins: every one must pass the loader's checks, or we do not
  // start (the error names the file and the field).
  std::unique_ptr<PluginRegistry> plugins;
  if (!cfg.plugin_dir.empty()) {
    PluginRegistryOptions po;
    po.plugin_dir = cfg.plugin_dir;
    po.allowlist_file = cfg.plugin_allowlist;
    auto loaded = PluginRegistry::Open(po);
    if (!loaded.ok()) return Fail(loaded.status());
    plugins = std::move(*loaded);
    if (plugins->size() == 0) {
      spdlog::warn("no plugin in {}: every record of a sector will be refused", cfg.plugin_dir);
    }
    spdlog::info("{} plugin(s) loaded from {}", plugins->size(), cfg.plugin_dir);
  } else if (!cfg.plugin_allowlist.empty()) {
    return Fail(InvalidArgument("plugin_allowlist is set but plugin_dir is not", "bad_config"));
  }
  std::unique_ptr<OffsetFileClock> drill_clock;
  const Clock* clock = SystemClock::Default();
  if (!cfg.clock_offset_file.empty()) {
    drill_clock = std::make_unique<OffsetFileClock>(cfg.clock_offset_file);
    clock = drill_clock.get();
    spdlog::warn("the host clock follows {} (tests and drills only)", cfg.clock_offset_file);
  }
  LedgerOptions lo;
  lo.data_dir = cfg.data_dir;
  lo.clock = clock;
  lo.policy = plugins.get();
  lo.verify_threads = cfg.verify_threads;
  lo.max_pending_records = cfg.max_pending_records;
  auto ledger = Ledger::Open(lo);
  if (!ledger.ok()) return Fail(ledger.status().WithPrefix("open " + cfg.data_dir));
  if (plugins) {
    plugins->SetEntryLoader([l = ledger->get()](uint64_t index) { return l->EntryAt(index); });
  }

  // Recall notices pushed to the parties' webhooks (host-signed, retried).
  auto host_key = PrivateKey::LoadPem(DataDirLayout(cfg.data_dir).host_key());
  if (!host_key.ok()) return Fail(host_key.status().WithPrefix("webhooks: host key"));
  WebhookOptions wo;
  wo.cursor_file = cfg.data_dir + "/webhooks.cursor";
  wo.ca_file = webhook_ca;
  WebhookDispatcher webhooks(ledger->get(), std::move(*host_key), wo);
  webhooks.Start();

  Metrics metrics;
  ApiOptions ao;
  ao.max_body_bytes = cfg.max_body_bytes;
  ao.plugins = plugins.get();
  ao.clock = clock;
  std::unique_ptr<Server> server;
  Server* server_ptr = nullptr;
  ao.post_work = [&server_ptr](std::function<void()> f) { server_ptr->PostWork(std::move(f)); };
  Api api(ledger->get(), &metrics, ao);
  auto started = Server::Start(so, &api);
  if (!started.ok()) return Fail(started.status());
  server = std::move(*started);
  server_ptr = server.get();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("qtraced listening on {}:{} data_dir={} log_size={} origin={} ready_in={:.0f}ms",
               so.address, server->port(), cfg.data_dir, (*ledger)->LogSize(), (*ledger)->origin(), ms);
  if (!cfg.port_file.empty()) {
    std::string tmp = cfg.port_file + ".tmp";
    {
      std::ofstream pf(tmp);
      pf << server->port() << "\n";
    }
    std::filesystem::rename(tmp, cfg.port_file);
  }
  std::printf("listening on %s:%u\n", so.address.c_str(), server->port());
  std::fflush(stdout);

  // Recall deadline monitor: marks overdue acknowledgements, progress
  // reports and completions with host-signed records.
  std::mutex monitor_mu;
  std::condition_variable monitor_cv;
  bool monitor_stop = false;
  std::thread monitor([&] {
    std::unique_lock lock(monitor_mu);
    auto next_check = std::chrono::steady_clock::now();
    // Wakes every 100 ms only when a drill clock must be re-read.
    auto tick = drill_clock ? std::chrono::milliseconds(100)
                            : std::chrono::milliseconds(1000 * std::max(1, cfg.recall_monitor_s));
    while (!monitor_cv.wait_for(lock, tick, [&] { return monitor_stop; })) {
      if (drill_clock) drill_clock->Reload();
      if (std::chrono::steady_clock::now() < next_check) continue;
      next_check = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1, cfg.recall_monitor_s));
      lock.unlock();
      auto marked = (*ledger)->CheckRecallDeadlines();
      if (!marked.ok()) {
        spdlog::warn("recall deadline check: {}", marked.status().ToString());
      } else if (*marked > 0) {
        spdlog::info("recall deadlines: marked {} overdue item(s)", *marked);
      }
      lock.lock();
    }
  });

  int sig = 0;
  sigwait(&stop_signals, &sig);
  {
    std::lock_guard lock(monitor_mu);
    monitor_stop = true;
  }
  monitor_cv.notify_all();
  monitor.join();
  webhooks.Stop();
  spdlog::info("signal {}: stopping (finishing requests in flight)", sig);
  server->Stop();
  server.reset();
  ledger->reset();  // drains the pipeline, flushes and closes the store
  spdlog::info("stopped cleanly");
  return 0;
}
