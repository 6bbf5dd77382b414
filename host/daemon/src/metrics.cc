#include "qtrace/host/metrics.h"

#include <cstdio>

namespace qtrace::host {

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
  char buf[256];
  {
    std::lock_guard lock(mu_);
    out += "# HELP qtrace_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE qtrace_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      std::snprintf(buf, sizeof buf,
                    "qtrace_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                    key.first.c_str(), key.second, static_cast<unsigned long long>(n));
      out += buf;
    }
    out += "# HELP qtrace_http_request_duration_seconds Request latency by route.\n";
    out += "# TYPE qtrace_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        std::snprintf(buf, sizeof buf,
                      "qtrace_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                      route.c_str(), kBuckets[i], static_cast<unsigned long long>(h.buckets[i]));
        out += buf;
      }
      std::snprintf(buf, sizeof buf,
                    "qtrace_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                    "qtrace_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                    "qtrace_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    route.c_str(), static_cast<unsigned long long>(h.count), route.c_str(), h.sum,
                    route.c_str(), static_cast<unsigned long long>(h.count));
      out += buf;
    }
  }
  Ledger::Stats s = ledger.GetStats();
  std::snprintf(buf, sizeof buf,
                "# HELP qtrace_records_accepted_total Records accepted into the log.\n"
                "# TYPE qtrace_records_accepted_total counter\n"
                "qtrace_records_accepted_total %llu\n"
                "# HELP qtrace_records_duplicate_total Resubmissions of accepted records.\n"
                "# TYPE qtrace_records_duplicate_total counter\n"
                "qtrace_records_duplicate_total %llu\n",
                static_cast<unsigned long long>(s.accepted),
                static_cast<unsigned long long>(s.duplicates));
  out += buf;
  out += "# HELP qtrace_records_rejected_total Records refused, by reason.\n";
  out += "# TYPE qtrace_records_rejected_total counter\n";
  for (const auto& [reason, n] : ledger.RejectionsByReason()) {
    std::snprintf(buf, sizeof buf, "qtrace_records_rejected_total{reason=\"%s\"} %llu\n",
                  reason.c_str(), static_cast<unsigned long long>(n));
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
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
  out += buf;
  return out;
}

}  // namespace qtrace::host
