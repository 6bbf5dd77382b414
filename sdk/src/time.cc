#include "qtrace/time.h"

#include <chrono>
#include <cstdio>

namespace qtrace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // H. Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

unsigned DaysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

StatusOr<Timestamp> ParseTimestamp(std::string_view s) {
  auto bad = [&](const char* why) {
    return InvalidArgument("bad time '" + std::string(s) + "': " + why +
                               " (expected RFC 3339, e.g. 2026-03-15T08:30:00+08:00)",
                           "bad_time");
  };
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' ||
      !Digits(s, 5, 2, &mo) || s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return bad("date must be YYYY-MM-DD");
  }
  if (mo < 1 || mo > 12 || d < 1 ||
      static_cast<unsigned>(d) > DaysInMonth(y, static_cast<unsigned>(mo))) {
    return bad("no such date");
  }
  Timestamp t;
  int64_t frac_micros = 0;
  int offset = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) ||
        s.size() < 19 || s[13] != ':' || !Digits(s, 14, 2, &mi) ||
        s[16] != ':' || !Digits(s, 17, 2, &se)) {
      return bad("time must be THH:MM:SS");
    }
    if (h > 23 || mi > 59 || se > 60) return bad("no such time of day");
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int64_t scale = 100000;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (scale > 0) frac_micros += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return bad("empty fraction of a second");
    }
    if (pos >= s.size()) return bad("missing offset (Z or +HH:MM)");
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() ||
          s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om) || oh > 23 ||
          om > 59) {
        return bad("offset must be +HH:MM");
      }
      offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return bad("missing offset (Z or +HH:MM)");
    }
    if (pos != s.size()) return bad("trailing characters");
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset * 60;
  t.micros = secs * kMicrosPerSecond + frac_micros;
  t.offset_minutes = static_cast<int16_t>(offset);
  return t;
}

std::string FormatTimestamp(const Timestamp& t) {
  int64_t local = t.micros + int64_t{t.offset_minutes} * kMicrosPerMinute;
  int64_t days = local >= 0 ? local / kMicrosPerDay
                            : -((-local + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rem = local - days * kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t secs = rem / kMicrosPerSecond;
  int64_t frac = rem % kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d,
                        static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  if (t.offset_minutes == 0) {
    out += 'Z';
  } else {
    int off = t.offset_minutes;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, off / 60, off % 60);
    out += buf;
  }
  return out;
}

std::string FormatMicrosUtc(int64_t micros) {
  return FormatTimestamp(Timestamp{micros, 0});
}

int64_t SystemClock::NowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock* SystemClock::Default() {
  static SystemClock* const clock = new SystemClock;
  return clock;
}

}  // namespace qtrace
