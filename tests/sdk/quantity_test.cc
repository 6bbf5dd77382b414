// Quantities: units, conversion within one dimension, precision, overflow and
// decimal text.
#include "qtrace/quantity.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace qtrace {
namespace {

TEST(QuantityTest, ConvertsWithinOneDimension) {
  struct Case {
    int64_t value;
    int scale;
    std::string_view unit;
    Dimension dim;
    int64_t micro_base;
  };
  const Case kCases[] = {
      // mass, base KGM
      {1, 0, "KGM", Dimension::kMass, 1'000'000},
      {12005, 1, "KGM", Dimension::kMass, 1'200'500'000},
      {1500, 0, "GRM", Dimension::kMass, 1'500'000},
      {15, 1, "GRM", Dimension::kMass, 1'500},
      {1, 0, "TNE", Dimension::kMass, 1'000'000'000},
      {25, 1, "TNE", Dimension::kMass, 2'500'000'000},
      {1, 0, "MGM", Dimension::kMass, 1},
      {-3, 0, "KGM", Dimension::kMass, -3'000'000},
      {0, 0, "TNE", Dimension::kMass, 0},
      {12, -3, "KGM", Dimension::kMass, 12'000'000'000},  // 12 x 10^3 KGM
      // volume, base LTR
      {1, 0, "LTR", Dimension::kVolume, 1'000'000},
      {250, 0, "MLT", Dimension::kVolume, 250'000},
      {1, 0, "MTQ", Dimension::kVolume, 1'000'000'000},
      // count: H87 (piece), C62 (one) and EA (each) are the same unit
      {24, 0, "H87", Dimension::kCount, 24'000'000},
      {24, 0, "C62", Dimension::kCount, 24'000'000},
      {24, 0, "EA", Dimension::kCount, 24'000'000},
      // length and area
      {150, 0, "CMT", Dimension::kLength, 1'500'000},
      {2, 0, "KMT", Dimension::kLength, 2'000'000'000},
      {3, 0, "MMT", Dimension::kLength, 3'000},
      {1, 0, "HAR", Dimension::kArea, 10'000'000'000},
      {5, 0, "CMK", Dimension::kArea, 500},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::to_string(c.value) + "e-" + std::to_string(c.scale) + " " +
                 std::string(c.unit));
    auto a = ToAmount(c.value, c.scale, c.unit);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->dim.dimension, c.dim);
    EXPECT_TRUE(a->dim.other_unit.empty());
    EXPECT_EQ(a->micro_base, c.micro_base);
  }
}

TEST(QuantityTest, SameAmountInDifferentUnitsIsEqual) {
  auto kg = ToAmount(1500, 0, "KGM");
  auto g = ToAmount(1500000, 0, "GRM");
  auto t = ToAmount(15, 1, "TNE");
  ASSERT_TRUE(kg.ok() && g.ok() && t.ok());
  EXPECT_EQ(kg->micro_base, g->micro_base);
  EXPECT_EQ(kg->micro_base, t->micro_base);
  EXPECT_EQ(kg->dim, t->dim);
  auto l = ToAmount(2, 0, "LTR");
  auto ml = ToAmount(2000, 0, "MLT");
  EXPECT_EQ(l->micro_base, ml->micro_base);
  EXPECT_EQ(l->dim, ml->dim);
  EXPECT_NE(kg->dim, l->dim) << "mass is not volume";
  EXPECT_EQ(ToAmount(1, 0, "H87")->dim, ToAmount(1, 0, "EA")->dim);
  EXPECT_NE(ToAmount(1, 0, "H87")->dim, kg->dim);
}

TEST(QuantityTest, OtherUnitsOnlyEqualThemselves) {
  auto box = DimensionOf("BX");   // box
  auto box2 = DimensionOf("BX");
  auto set = DimensionOf("SET");
  auto kgm = DimensionOf("KGM");
  ASSERT_TRUE(box.ok() && box2.ok() && set.ok() && kgm.ok());
  EXPECT_EQ(box->dimension, Dimension::kOther);
  EXPECT_EQ(box->other_unit, "BX");
  EXPECT_EQ(*box, *box2);
  EXPECT_NE(*box, *set);
  EXPECT_NE(*box, *kgm);
  auto a = ToAmount(3, 0, "BX");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->micro_base, 3'000'000);  // an other unit is its own base unit
  EXPECT_EQ(a->dim, *box);
  EXPECT_NE(a->dim, ToAmount(3, 0, "H87")->dim);
}

TEST(QuantityTest, RejectsMalformedUnitCodes) {
  for (std::string_view unit : {"", "K", "kgm", "KGMS", "KG M", "Kg", "K-G", "千克"}) {
    auto d = DimensionOf(unit);
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << unit;
    EXPECT_EQ(d.status().reason(), "bad_unit");
    EXPECT_FALSE(ToAmount(1, 0, unit).ok()) << unit;
  }
  EXPECT_TRUE(DimensionOf("2N").ok()) << "digits are allowed in Rec 20 codes";
}

TEST(QuantityTest, RejectsPrecisionFinerThanAMillionth) {
  struct Case {
    int64_t value;
    int scale;
    std::string_view unit;
  };
  const Case kBad[] = {
      {1, 7, "KGM"},   // 0.1 mg
      {1, 1, "MGM"},   // 0.1 mg
      {1, 4, "GRM"},   // 0.1 mg
      {1, 7, "H87"},   // a ten-millionth of a piece
      {15, 7, "LTR"},
  };
  for (const Case& c : kBad) {
    auto a = ToAmount(c.value, c.scale, c.unit);
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << c.unit;
    EXPECT_EQ(a.status().reason(), "bad_quantity");
    EXPECT_NE(a.status().message().find("finer"), std::string::npos);
  }
  // Trailing zeros make a fine scale acceptable.
  auto ok = ToAmount(10, 7, "KGM");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->micro_base, 1);
  EXPECT_TRUE(ToAmount(1, 6, "KGM").ok());
  EXPECT_TRUE(ToAmount(1, 3, "GRM").ok());
}

TEST(QuantityTest, RejectsScalesOutOfRange) {
  for (int scale : {-10, 19, 127, -128}) {
    auto a = ToAmount(1, scale, "KGM");
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << scale;
    EXPECT_NE(a.status().message().find("scale"), std::string::npos);
  }
  EXPECT_TRUE(ToAmount(1, -9, "MGM").ok());
  EXPECT_TRUE(ToAmount(1'000'000'000'000, 18, "KGM").ok());
}

TEST(QuantityTest, RejectsOverflow) {
  // 9223372036854 KGM is the largest whole number of kilograms that fits.
  EXPECT_TRUE(ToAmount(9'223'372'036'854, 0, "KGM").ok());
  const struct {
    int64_t value;
    int scale;
    std::string_view unit;
  } kBad[] = {
      {9'223'372'036'855, 0, "KGM"},
      {-9'223'372'036'855, 0, "KGM"},
      {9'223'372'037, 0, "TNE"},
      {INT64_MAX, 0, "MGM"},  // fits, see below
      {INT64_MAX, 0, "H87"},
      {INT64_MIN, 0, "KGM"},
      {10, -9, "TNE"},        // 10^10 t = 10^19 micro-kg
  };
  for (const auto& c : kBad) {
    auto a = ToAmount(c.value, c.scale, c.unit);
    if (c.unit == "MGM") {
      ASSERT_TRUE(a.ok());  // 1 MGM is exactly one micro-base unit
      EXPECT_EQ(a->micro_base, INT64_MAX);
      continue;
    }
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << c.value << " " << c.unit;
    EXPECT_NE(a.status().message().find("too large"), std::string::npos)
        << a.status().message();
  }
}

TEST(QuantityTest, FormatAmountRendersInTheUnit) {
  struct Case {
    int64_t micro_base;
    std::string_view unit;
    std::string_view text;
  };
  const Case kCases[] = {
      {1'200'500'000, "KGM", "1200.5"},
      {1'200'500'000, "GRM", "1200500"},
      {1'200'500'000, "TNE", "1.2005"},
      {1, "TNE", "0.000000001"},
      {1, "KGM", "0.000001"},
      {1, "MGM", "1"},
      {0, "KGM", "0"},
      {-2'500'000, "KGM", "-2.5"},
      {-1, "KGM", "-0.000001"},
      {24'000'000, "H87", "24"},
      {3'000'000, "BX", "3"},
      {250'000, "MLT", "250"},
      {250'000, "LTR", "0.25"},
      {500, "CMK", "5"},
      {INT64_MAX, "MGM", "9223372036854775807"},
      {INT64_MIN, "MGM", "-9223372036854775808"},
      {INT64_MIN, "KGM", "-9223372036854.775808"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(FormatAmount(c.micro_base, c.unit), c.text) << c.micro_base << " " << c.unit;
  }
}

TEST(QuantityTest, FormatQuantityKeepsTheStatedScale) {
  EXPECT_EQ(FormatQuantity(12005, 1, "KGM"), "1200.5 KGM");
  EXPECT_EQ(FormatQuantity(120050, 2, "KGM"), "1200.50 KGM");
  EXPECT_EQ(FormatQuantity(5, 3, "TNE"), "0.005 TNE");
  EXPECT_EQ(FormatQuantity(0, 2, "KGM"), "0.00 KGM");
  EXPECT_EQ(FormatQuantity(-5, 1, "KGM"), "-0.5 KGM");
  EXPECT_EQ(FormatQuantity(12, -3, "KGM"), "12000 KGM");
  EXPECT_EQ(FormatQuantity(7, 0, "H87"), "7 H87");
  // The text parses back to the same value and scale.
  for (auto [value, scale] : {std::pair<int64_t, int>{120050, 2}, {0, 2}, {-5, 1},
                              {1, 18}, {INT64_MAX, 0}, {INT64_MIN, 3}}) {
    std::string text = FormatQuantity(value, scale, "KGM");
    int64_t v;
    int s;
    ASSERT_TRUE(ParseDecimal(text.substr(0, text.find(' ')), &v, &s).ok()) << text;
    EXPECT_EQ(v, value) << text;
    EXPECT_EQ(s, scale) << text;
  }
}

TEST(QuantityTest, ParseDecimal) {
  struct Case {
    std::string_view text;
    int64_t value;
    int scale;
  };
  const Case kCases[] = {
      {"0", 0, 0},
      {"1200.50", 120050, 2},
      {"1200.5", 12005, 1},
      {"-3.25", -325, 2},
      {"+7", 7, 0},
      {"0.000001", 1, 6},
      {"007", 7, 0},
      {".5", 5, 1},
      {"5.", 5, 0},
      {"-0.0", 0, 1},
      {"9223372036854775807", INT64_MAX, 0},
      {"-9223372036854775808", INT64_MIN, 0},
      {"922337203.6854775807", INT64_MAX, 10},
      {"0.000000000000000001", 1, 18},
  };
  for (const Case& c : kCases) {
    int64_t v = -1;
    int s = -1;
    Status st = ParseDecimal(c.text, &v, &s);
    ASSERT_TRUE(st.ok()) << c.text << ": " << st.ToString();
    EXPECT_EQ(v, c.value) << c.text;
    EXPECT_EQ(s, c.scale) << c.text;
  }
}

TEST(QuantityTest, ParseDecimalRejects) {
  const std::string_view kBad[] = {
      "",
      "-",
      "+",
      ".",
      "-.",
      "1.2.3",
      "1,5",
      "1e3",
      "0x10",
      " 1",
      "1 ",
      "--1",
      "+-1",
      "abc",
      "NaN",
      "inf",
      "9223372036854775808",    // INT64_MAX + 1
      "-9223372036854775809",   // INT64_MIN - 1
      "99999999999999999999",
      "0.0000000000000000001",  // scale 19
      "1.0000000000000000000",
      "１２",                    // full-width digits
  };
  for (std::string_view text : kBad) {
    int64_t v = 99;
    int s = 99;
    Status st = ParseDecimal(text, &v, &s);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << "accepted '" << text << "'";
    EXPECT_EQ(st.reason(), "bad_quantity");
    EXPECT_EQ(v, 99) << "outputs untouched on failure";
    EXPECT_EQ(s, 99);
  }
}

}  // namespace
}  // namespace qtrace
