// Time as records carry it: microseconds since the Unix epoch (UTC) plus the
// signer's UTC offset in minutes (EPCIS eventTime + eventTimeZoneOffset), and
// a Clock interface so the host and tests can control "now".
//
// Thread-safety: pure functions; SystemClock is thread-safe; ManualClock is
// thread-safe (atomic).
#ifndef QTRACE_TIME_H_
#define QTRACE_TIME_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "qtrace/status.h"

namespace qtrace {

struct Timestamp {
  int64_t micros = 0;          // since 1970-01-01T00:00:00Z
  int16_t offset_minutes = 0;  // the signer's UTC offset, for display
};

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// Parses RFC 3339: "2026-03-15T08:30:00+08:00", "2026-03-15T00:30:00.25Z".
// A date alone ("2026-03-15") means midnight UTC.
StatusOr<Timestamp> ParseTimestamp(std::string_view text);
// Formats in the timestamp's own offset: "2026-03-15T08:30:00+08:00"
// (fractional seconds only when non-zero).
std::string FormatTimestamp(const Timestamp& t);
std::string FormatMicrosUtc(int64_t micros);

// Days since 1970-01-01 for a civil date and back (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  static SystemClock* Default();
};

// A clock that only moves when told to; for tests and replays.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t micros = 0) : now_(micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Set(int64_t micros) { now_.store(micros); }
  void Advance(int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace qtrace

#endif  // QTRACE_TIME_H_
