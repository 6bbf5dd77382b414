// RFC 3339 parsing/formatting, civil-date arithmetic and the clocks.
#include "qtrace/time.h"

#include <gtest/gtest.h>

#include <string>

namespace qtrace {
namespace {

constexpr int64_t kS = kMicrosPerSecond;

TEST(TimeTest, ParsesRfc3339) {
  struct Case {
    std::string_view text;
    int64_t micros;
    int16_t offset;
  };
  const Case kCases[] = {
      {"1970-01-01T00:00:00Z", 0, 0},
      {"1970-01-01", 0, 0},  // a date alone is midnight UTC
      {"2026-03-15T08:30:00+08:00", 1773534600 * kS, 480},
      {"2026-03-15T00:30:00Z", 1773534600 * kS, 0},
      {"2026-03-15T00:30:00.25Z", 1773534600 * kS + 250000, 0},
      {"2026-03-15T00:30:00.000001Z", 1773534600 * kS + 1, 0},
      {"2026-03-15T00:30:00.1234569Z", 1773534600 * kS + 123456, 0},  // truncated
      {"2026-03-15t00:30:00z", 1773534600 * kS, 0},  // lowercase t and z
      {"2026-03-15 00:30:00Z", 1773534600 * kS, 0},  // RFC 3339 allows a space
      {"2026-03-14T19:30:00-05:00", 1773534600 * kS, -300},
      {"2026-03-15T06:15:00+05:45", 1773534600 * kS, 345},  // Nepal
      {"2026-03-15T00:30:00+00:00", 1773534600 * kS, 0},
      {"2026-03-15T00:30:00-00:00", 1773534600 * kS, 0},
      // EPCIS 2.0 example times.
      {"2005-04-03T20:33:31.116000-06:00", 1112582011 * kS + 116000, -360},
      {"2013-06-08T14:58:56.591Z", 1370703536 * kS + 591000, 0},
      // Before the epoch.
      {"1969-12-31T23:59:59Z", -kS, 0},
      {"1969-12-31T23:59:59.5Z", -kS / 2, 0},
      {"1900-01-01T00:00:00Z", -2208988800 * kS, 0},
      {"9999-12-31T23:59:59Z", 253402300799 * kS, 0},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.text));
    auto t = ParseTimestamp(c.text);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->micros, c.micros);
    EXPECT_EQ(t->offset_minutes, c.offset);
  }
}

TEST(TimeTest, LeapYears) {
  struct Case {
    std::string_view date;
    bool valid;
  };
  const Case kCases[] = {
      {"2024-02-29", true},  {"2026-02-29", false}, {"2000-02-29", true},
      {"1900-02-29", false}, {"2100-02-29", false}, {"2400-02-29", true},
      {"1600-02-29", true},  {"2026-02-28", true},  {"2024-02-30", false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ParseTimestamp(c.date).ok(), c.valid) << c.date;
    EXPECT_EQ(ParseTimestamp(std::string(c.date) + "T12:00:00+08:00").ok(), c.valid)
        << c.date;
  }
  // 2024-02-29 is one day after 2024-02-28.
  EXPECT_EQ(ParseTimestamp("2024-03-01")->micros - ParseTimestamp("2024-02-28")->micros,
            2 * kMicrosPerDay);
  EXPECT_EQ(ParseTimestamp("2026-03-01")->micros - ParseTimestamp("2026-02-28")->micros,
            kMicrosPerDay);
}

TEST(TimeTest, RejectsInvalidText) {
  const std::string_view kBad[] = {
      "",
      "2026",
      "2026-3-15",
      "26-03-15",
      "2026/03/15",
      "2026-00-10",
      "2026-13-01",
      "2026-04-31",  // April has 30 days
      "2026-06-31",
      "2026-01-00",
      "2026-01-32",
      "2026-03-15T",
      "2026-03-15T08:30",
      "2026-03-15T08:30:00",  // no offset
      "2026-03-15T24:00:00Z",
      "2026-03-15T23:60:00Z",
      "2026-03-15T23:59:61Z",
      "2026-03-15T08:30:00+0800",
      "2026-03-15T08:30:00+08",
      "2026-03-15T08:30:00+8:00",
      "2026-03-15T08:30:00+24:00",
      "2026-03-15T08:30:00+08:60",
      "2026-03-15T08:30:00 +08:00",
      "2026-03-15T08:30:00.Z",
      "2026-03-15T08:30:00,5Z",
      "2026-03-15T08:30:00ZZ",
      "2026-03-15T08:30:00Z ",
      "2026-03-15T08:30:00+08:00x",
      "2026-03-15X08:30:00Z",
      "2026-03-15T8:30:00Z",
      "2026-03-15T08:3a:00Z",
      "+2026-03-15T08:30:00Z",
      " 2026-03-15",
      "2026-03-15 ",
      "2026-03-15T08:30:00UTC",
  };
  for (std::string_view text : kBad) {
    auto t = ParseTimestamp(text);
    EXPECT_FALSE(t.ok()) << "accepted '" << text << "'";
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(t.status().reason(), "bad_time");
      EXPECT_NE(t.status().message().find(std::string(text)), std::string::npos);
    }
  }
}

TEST(TimeTest, LeapSecondFoldsIntoTheNextSecond) {
  auto leap = ParseTimestamp("2016-12-31T23:59:60Z");
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->micros, ParseTimestamp("2017-01-01T00:00:00Z")->micros);
}

TEST(TimeTest, FormatsInTheStatedOffset) {
  struct Case {
    Timestamp t;
    std::string_view text;
  };
  const Case kCases[] = {
      {{0, 0}, "1970-01-01T00:00:00Z"},
      {{1773534600 * kS, 480}, "2026-03-15T08:30:00+08:00"},
      {{1773534600 * kS, -300}, "2026-03-14T19:30:00-05:00"},
      {{1773534600 * kS, 345}, "2026-03-15T06:15:00+05:45"},
      {{1773534600 * kS, -570}, "2026-03-14T15:00:00-09:30"},
      {{1773534600 * kS + 250000, 0}, "2026-03-15T00:30:00.25Z"},
      {{1773534600 * kS + 1, 0}, "2026-03-15T00:30:00.000001Z"},
      {{1773534600 * kS + 120000, 60}, "2026-03-15T01:30:00.12+01:00"},
      {{-kS / 2, 0}, "1969-12-31T23:59:59.5Z"},
      {{-1, 0}, "1969-12-31T23:59:59.999999Z"},
      {{0, -60}, "1969-12-31T23:00:00-01:00"},
      {{1709164800 * kS, 0}, "2024-02-29T00:00:00Z"},
      {{253402300799 * kS, 0}, "9999-12-31T23:59:59Z"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(FormatTimestamp(c.t), c.text);
  }
  EXPECT_EQ(FormatMicrosUtc(1773534600 * kS), "2026-03-15T00:30:00Z");
}

TEST(TimeTest, CanonicalTextRoundTrips) {
  const std::string_view kTexts[] = {
      "2026-03-15T08:30:00+08:00", "2026-03-15T00:30:00.25Z",
      "2024-02-29T23:59:59.999999-12:00", "2000-01-01T00:00:00+14:00",
      "1969-07-20T20:17:40Z", "2005-04-03T20:33:31.116-06:00",
      "2026-12-31T23:59:59+05:30", "1600-03-01T00:00:00Z",
  };
  for (std::string_view text : kTexts) {
    auto t = ParseTimestamp(text);
    ASSERT_TRUE(t.ok()) << text;
    EXPECT_EQ(FormatTimestamp(*t), text);
  }
  // Every minute offset from -23:59 to +23:59 survives format -> parse.
  for (int off = -(23 * 60 + 59); off <= 23 * 60 + 59; off += 7) {
    Timestamp t{1773534600 * kS + 123000, static_cast<int16_t>(off)};
    auto back = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(back.ok()) << FormatTimestamp(t);
    EXPECT_EQ(back->micros, t.micros);
    EXPECT_EQ(back->offset_minutes, t.offset_minutes);
  }
}

TEST(TimeTest, CivilDaysRoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1970, 1, 2), 1);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2026, 3, 15), 20527);
  for (int64_t days = -800000; days <= 800000; days += 997) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    ASSERT_GE(m, 1u);
    ASSERT_LE(m, 12u);
    ASSERT_GE(d, 1u);
    ASSERT_LE(d, 31u);
    EXPECT_EQ(DaysFromCivil(y, m, d), days);
  }
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(100);
  EXPECT_EQ(clock.NowMicros(), 100);
  clock.Advance(50);
  EXPECT_EQ(clock.NowMicros(), 150);
  clock.Set(-5);
  EXPECT_EQ(clock.NowMicros(), -5);
  const Clock& base = clock;
  EXPECT_EQ(base.NowMicros(), -5);
}

TEST(ClockTest, SystemClockIsAfter2025) {
  int64_t now = SystemClock::Default()->NowMicros();
  EXPECT_GT(now, ParseTimestamp("2025-01-01")->micros);
  EXPECT_EQ(SystemClock::Default(), SystemClock::Default());
}

}  // namespace
}  // namespace qtrace
