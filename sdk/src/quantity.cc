#include "qtrace/quantity.h"

#include <array>
#include <cstdlib>

namespace qtrace {
namespace {

struct UnitDef {
  std::string_view code;
  Dimension dimension;
  int pow10;  // the unit is 10^pow10 base units
};

constexpr std::array<UnitDef, 17> kUnits = {{
    {"KGM", Dimension::kMass, 0},     {"GRM", Dimension::kMass, -3},
    {"MGM", Dimension::kMass, -6},    {"TNE", Dimension::kMass, 3},
    {"LTR", Dimension::kVolume, 0},   {"MLT", Dimension::kVolume, -3},
    {"MTQ", Dimension::kVolume, 3},   {"H87", Dimension::kCount, 0},
    {"C62", Dimension::kCount, 0},    {"EA", Dimension::kCount, 0},
    {"MTR", Dimension::kLength, 0},   {"CMT", Dimension::kLength, -2},
    {"MMT", Dimension::kLength, -3},  {"KMT", Dimension::kLength, 3},
    {"MTK", Dimension::kArea, 0},     {"CMK", Dimension::kArea, -4},
    {"HAR", Dimension::kArea, 4},
}};

const UnitDef* FindUnit(std::string_view code) {
  for (const auto& u : kUnits) {
    if (u.code == code) return &u;
  }
  return nullptr;
}

bool ValidCode(std::string_view unit) {
  if (unit.size() < 2 || unit.size() > 3) return false;
  for (char c : unit) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

__int128 Pow10(int n) {
  __int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace

StatusOr<DimensionKey> DimensionOf(std::string_view unit) {
  if (!ValidCode(unit)) {
    return InvalidArgument("unit '" + std::string(unit) +
                               "' is not a UNECE Rec 20 code (e.g. KGM, TNE, H87)",
                           "bad_unit");
  }
  const UnitDef* def = FindUnit(unit);
  if (def != nullptr) return DimensionKey{def->dimension, {}};
  return DimensionKey{Dimension::kOther, std::string(unit)};
}

StatusOr<Amount> ToAmount(int64_t value, int scale, std::string_view unit) {
  QT_ASSIGN_OR_RETURN(DimensionKey dim, DimensionOf(unit));
  if (scale < -9 || scale > 18) {
    return InvalidArgument("quantity scale must be in [-9, 18], got " +
                               std::to_string(scale),
                           "bad_quantity");
  }
  const UnitDef* def = FindUnit(unit);
  int exp = 6 + (def ? def->pow10 : 0) - scale;  // micro_base = value * 10^exp
  __int128 v = value;
  if (exp >= 0) {
    v *= Pow10(exp);
  } else {
    __int128 div = Pow10(-exp);
    if (v % div != 0) {
      return InvalidArgument("quantity " + FormatQuantity(value, scale, unit) +
                                 " is finer than a millionth of the base unit",
                             "bad_quantity");
    }
    v /= div;
  }
  if (v > INT64_MAX || v < INT64_MIN) {
    return InvalidArgument("quantity " + FormatQuantity(value, scale, unit) +
                               " is too large",
                           "bad_quantity");
  }
  return Amount{std::move(dim), static_cast<int64_t>(v)};
}

namespace {
// Renders v x 10^-scale. With `trim`, trailing fractional zeros go
// ("1200.5"); without, the digits after the point are exactly `scale`, so the
// text parses back to the same (value, scale) ("1200.50").
std::string FormatScaled(__int128 v, int scale, bool trim) {
  bool neg = v < 0;
  if (neg) v = -v;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  if (scale > 0) {
    while (static_cast<int>(digits.size()) <= scale) digits.insert(digits.begin(), '0');
    digits.insert(digits.end() - scale, '.');
    if (trim) {
      while (digits.back() == '0') digits.pop_back();
      if (digits.back() == '.') digits.pop_back();
    }
  } else if (scale < 0) {
    digits.append(static_cast<size_t>(-scale), '0');
  }
  return neg ? "-" + digits : digits;
}
}  // namespace

std::string FormatAmount(int64_t micro_base, std::string_view unit) {
  const UnitDef* def = FindUnit(unit);
  return FormatScaled(micro_base, 6 + (def ? def->pow10 : 0), /*trim=*/true);
}

std::string FormatQuantity(int64_t value, int scale, std::string_view unit) {
  return FormatScaled(value, scale, /*trim=*/false) + " " + std::string(unit);
}

Status ParseDecimal(std::string_view text, int64_t* value, int* scale) {
  auto bad = [&] {
    return InvalidArgument("'" + std::string(text) + "' is not a decimal number",
                           "bad_quantity");
  };
  if (text.empty()) return bad();
  size_t i = 0;
  bool neg = false;
  if (text[0] == '-' || text[0] == '+') {
    neg = text[0] == '-';
    i = 1;
  }
  __int128 v = 0;
  int sc = 0;
  bool dot = false, any = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (dot) return bad();
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    any = true;
    v = v * 10 + (c - '0');
    if (dot) ++sc;
    // -9223372036854775808 is an int64 too.
    if (v > static_cast<__int128>(INT64_MAX) + (neg ? 1 : 0) || sc > 18) {
      return bad();
    }
  }
  if (!any) return bad();
  *value = static_cast<int64_t>(neg ? -v : v);
  *scale = sc;
  return Status::Ok();
}

}  // namespace qtrace
