#include "qtrace/host/metrics.h"

#include <cstdio>

namespace qtrace::host {
namespace {

// printf-style append of any length (the help text of one block is longer
// than a fixed buffer).
template <typename... Args>
void Appendf(std::string& out, const char* fmt, Args... args) {
  int n = std::snprintf(nullptr, 0, fmt, args...);
  if (n <= 0) return;
  size_t old = out.size();
  out.resize(old + static_cast<size_t>(n) + 1);
  std::snprintf(out.data() + old, static_cast<size_t>(n) + 1, fmt, args...);
  out.resize(old + static_cast<size_t>(n));
}

}  // namespace

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render(const Ledger& ledger) const {
  std::string out;
  {
    std::lock_guard lock(mu_);
    out += "# HELP qtrace_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE qtrace_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      Appendf(out,
            "qtrace_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                    key.first.c_str(), key.second, static_cast<unsigned long long>(n));
    }
    out += "# HELP qtrace_http_request_duration_seconds Request latency by route.\n";
    out += "# TYPE qtrace_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        Appendf(out,
            "qtrace_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                      route.c_str(), kBuckets[i], static_cast<unsigned long long>(h.buckets[i]));
      }
      Appendf(out,
            "qtrace_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                    "qtrace_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                    "qtrace_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    route.c_str(), static_cast<unsigned long long>(h.count), route.c_str(), h.sum,
                    route.c_str(), static_cast<unsigned long long>(h.count));
    }
  }
  Ledger::Stats s = ledger.GetStats();
  Appendf(out,
            "# HELP qtrace_records_accepted_total Records accepted into the log.\n"
                "# TYPE qtrace_records_accepted_total counter\n"
                "qtrace_records_accepted_total %llu\n"
                "# HELP qtrace_records_duplicate_total Resubmissions of accepted records.\n"
                "# TYPE qtrace_records_duplicate_total counter\n"
                "qtrace_records_duplicate_total %llu\n",
                static_cast<unsigned long long>(s.accepted),
                static_cast<unsigned long long>(s.duplicates));
  out += "# HELP qtrace_records_rejected_total Records refused, by reason.\n";
  out += "# TYPE qtrace_records_rejected_total counter\n";
  for (const auto& [reason, n] : ledger.RejectionsByReason()) {
    Appendf(out, "qtrace_records_rejected_total{reason=\"%s\"} %llu\n",
                  reason.c_str(), static_cast<unsigned long long>(n));
  }
  Appendf(out,
            "# HELP qtrace_log_size Records in the tamper-evident log.\n"
                "# TYPE qtrace_log_size gauge\n"
                "qtrace_log_size %llu\n"
                "# HELP qtrace_store_bytes Approximate bytes of the RocksDB store.\n"
                "# TYPE qtrace_store_bytes gauge\n"
                "qtrace_store_bytes %llu\n"
                "# HELP qtrace_group_commits_total Group commits written.\n"
                "# TYPE qtrace_group_commits_total counter\n"
                "qtrace_group_commits_total %llu\n",
                static_cast<unsigned long long>(s.log_size),
                static_cast<unsigned long long>(s.store_bytes),
                static_cast<unsigned long long>(s.groups));
  return out;
}

}  // namespace qtrace::host
