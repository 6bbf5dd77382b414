// Metrics: request counts by route and status, a latency histogram per
// route, and the ledger's counters, rendered in the Prometheus text format.
//
// Thread-safety: all methods may be called concurrently.
#ifndef QTRACE_HOST_METRICS_H_
#define QTRACE_HOST_METRICS_H_

#include <array>
#include <map>
#include <mutex>
#include <string>

#include "qtrace/host/ledger.h"

namespace qtrace::host {

class Metrics {
 public:
  // Records one finished request. `route` is the route pattern, not the
  // concrete path, so label cardinality stays bounded.
  void ObserveRequest(const std::string& route, int status, double seconds);
  // The Prometheus text exposition of everything, plus the ledger's stats.
  std::string Render(const Ledger& ledger) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_METRICS_H_
