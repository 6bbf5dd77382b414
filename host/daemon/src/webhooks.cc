#include "qtrace/host/webhooks.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "qtrace/encoding.h"
#include "qtrace/http_client.h"
#include "qtrace/log_entry.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/time.h"
#include "qtrace/webhook.h"

namespace qtrace::host {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct WebhookDispatcher::Delivery {
  uint64_t index = 0;
  std::string party, url, recall_id;
  std::string record_json;  // the notice, readable
  std::string record_id;    // hex
  int attempts = 0;
  Clock::time_point next_at{};
};

namespace {

uint64_t ReadCursor(const std::string& path) {
  if (path.empty()) return 0;
  std::ifstream in(path);
  uint64_t v = 0;
  return in >> v ? v : 0;
}

void WriteCursor(const std::string& path, uint64_t v) {
  if (path.empty()) return;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << v << "\n";
    if (!out) return;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

// POSTs once; OK on any 2xx.
Status Post(const std::string& url, const std::string& body, const std::string& signature,
            const std::string& key_id, const std::string& delivery_id,
            const WebhookOptions& options) {
  auto parsed = boost::urls::parse_uri(url);
  const bool https = parsed && parsed->scheme() == "https";
  if (!parsed || !(https || parsed->scheme() == "http") || parsed->host().empty()) {
    return InvalidArgument("webhook '" + url + "' is not an http:// or https:// URL",
                           "bad_webhook");
  }
  uint16_t port = parsed->has_port() ? parsed->port_number() : (https ? 443 : 80);
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  HttpClientOptions o;
  o.timeout = options.timeout;
  o.tls = https;
  o.ca_file = options.ca_file;
  HttpClient client(std::string(parsed->host()), port, o);
  auto r = client.Request("POST", target, body, "application/json",
                          {{"X-Qtrace-Signature", signature},
                           {"X-Qtrace-Key-Id", key_id},
                           {"X-Qtrace-Delivery", delivery_id}});
  if (!r.ok()) return r.status();
  if (r->status < 200 || r->status > 299) {
    return Unavailable("webhook answered HTTP " + std::to_string(r->status), "webhook_refused");
  }
  return Status::Ok();
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(const Ledger* ledger, PrivateKey host_key,
                                     WebhookOptions options)
    : ledger_(ledger), key_(std::move(host_key)), options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() { thread_ = std::thread([this] { Run(); }); }

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WebhookDispatcher::Stats WebhookDispatcher::GetStats() const {
  return Stats{delivered_.load(), failed_.load(), abandoned_.load(), pending_.load()};
}

void WebhookDispatcher::Run() {
  uint64_t scanned = ReadCursor(options_.cursor_file);
  uint64_t saved_cursor = scanned;
  // Pending deliveries by log index (one notice goes to one party).
  std::map<uint64_t, Delivery> pending;
  std::string key_id = HexEncode(AsBytes(key_.id()));

  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    // 1. New notices in the log. The recall state knows where each party's
    // notice is, so only those entries are read: tailing every record would
    // compete with ingest for the CPU. (A party's newer notice round replaces
    // an older one not yet scanned: the newer one carries the party's whole
    // share of the scope.)
    uint64_t size = ledger_->LogSize();
    std::vector<uint64_t> todo = ledger_->WithState([&](const LedgerState& s) {
      std::vector<uint64_t> out;
      for (const RecallInfo& rc : s.recalls()) {
        for (const auto& [party, p] : rc.parties) {
          if (p.notified && p.notice_index >= scanned && p.notice_index < size) {
            out.push_back(p.notice_index);
          }
        }
      }
      std::sort(out.begin(), out.end());
      return out;
    });
    uint64_t next = size;
    for (uint64_t at : todo) {
      auto bytes = ledger_->EntryAt(at);
      if (!bytes.ok()) {  // not readable yet: try again next round
        next = at;
        break;
      }
      auto entry = VerifyLogEntry(*bytes);
      if (!entry.ok()) continue;
      auto record = RecordOfEntry(**entry);
      if (!record.ok()) continue;
      const fb::RecallNotice* notice = (*record)->body_as_RecallNotice();
      if (notice == nullptr || notice->party() == nullptr) continue;
      std::string party = notice->party()->str();
      std::string url = ledger_->WithState([&](const LedgerState& s) {
        auto p = s.FindParty(party);
        return p ? s.party(*p).webhook : std::string();
      });
      if (url.empty()) continue;
      Delivery d;
      d.index = at;
      d.party = party;
      d.url = url;
      d.recall_id = notice->recall_id() ? notice->recall_id()->str() : "";
      d.record_json = RecordToJson(**record);
      const fb::LogEntry* e = *entry;
      if (e->payload() != nullptr && e->payload_type() != nullptr) {
        std::string_view payload(reinterpret_cast<const char*>(e->payload()->data()),
                                 e->payload()->size());
        d.record_id = HexEncode(AsBytes(RecordIdOf(e->payload_type()->string_view(), payload)));
      }
      d.next_at = Clock::now();
      pending.emplace(at, std::move(d));
    }
    scanned = next;

    // 2. Deliver what is due.
    auto now = Clock::now();
    for (auto it = pending.begin(); it != pending.end();) {
      Delivery& d = it->second;
      if (d.next_at > now) {
        ++it;
        continue;
      }
      bool stopping = false;
      {
        std::lock_guard l(mu_);
        stopping = stop_;
      }
      if (stopping) break;
      ++d.attempts;
      json::object body{{"type", "recall_notice"},
                        {"recall_id", d.recall_id},
                        {"party", d.party},
                        {"log_index", d.index},
                        {"record_id", d.record_id},
                        {"attempt", d.attempts},
                        {"sent_at", FormatMicrosUtc(SystemClock::Default()->NowMicros())},
                        {"record", json::parse(d.record_json)}};
      std::string text = json::serialize(body);
      Status s = Post(d.url, text, SignWebhook(key_, text), key_id,
                      std::to_string(d.index) + "-" + std::to_string(d.attempts), options_);
      if (s.ok()) {
        ++delivered_;
        spdlog::info("webhook: recall {} notice #{} delivered to {} ({} attempt(s))", d.recall_id,
                     d.index, d.party, d.attempts);
        it = pending.erase(it);
        continue;
      }
      ++failed_;
      if (d.attempts >= options_.max_attempts || s.code() == StatusCode::kInvalidArgument) {
        ++abandoned_;
        spdlog::error("webhook: giving up on recall {} notice #{} to {} at {} after {} attempt(s): {}",
                      d.recall_id, d.index, d.party, d.url, d.attempts, s.ToString());
        it = pending.erase(it);
        continue;
      }
      auto backoff = options_.first_backoff * (1LL << std::min(d.attempts - 1, 20));
      d.next_at = Clock::now() + std::min<std::chrono::milliseconds>(
                                     std::chrono::duration_cast<std::chrono::milliseconds>(backoff),
                                     options_.max_backoff);
      spdlog::warn("webhook: recall {} notice #{} to {} failed (attempt {}): {}; retrying",
                   d.recall_id, d.index, d.party, d.attempts, s.message());
      ++it;
    }
    pending_ = pending.size();

    // 3. Remember where to resume: nothing below the cursor is owed.
    uint64_t cursor = pending.empty() ? scanned : std::min(scanned, pending.begin()->first);
    if (cursor != saved_cursor) {
      WriteCursor(options_.cursor_file, cursor);
      saved_cursor = cursor;
    }
    lock.lock();
    cv_.wait_for(lock, options_.poll, [&] { return stop_; });
  }
}

}  // namespace qtrace::host
