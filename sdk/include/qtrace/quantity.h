// Quantities: an int64 value with a decimal scale (value x 10^-scale) and a
// UNECE Recommendation 20 unit code. Conversion happens only within one
// dimension (mass, volume, count, length, area); units outside the table are
// their own dimension and only match themselves. Internally balances are kept
// as int64 micro-base-units (1 KGM = 1'000'000), so arithmetic is exact.
//
// Thread-safety: pure functions.
#ifndef QTRACE_QUANTITY_H_
#define QTRACE_QUANTITY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "qtrace/status.h"

namespace qtrace {

enum class Dimension : uint8_t { kMass, kVolume, kCount, kLength, kArea, kOther };

// The dimension a quantity lives in; `other_unit` names the unit code for
// kOther so that two kOther dimensions compare equal only for the same code.
struct DimensionKey {
  Dimension dimension = Dimension::kOther;
  std::string other_unit;
  friend bool operator==(const DimensionKey&, const DimensionKey&) = default;
};

struct Amount {
  DimensionKey dim;
  int64_t micro_base = 0;  // in millionths of the dimension's base unit
};

// Returns the dimension of a UNECE code (InvalidArgument when the code is not
// 2-3 upper-case letters/digits).
StatusOr<DimensionKey> DimensionOf(std::string_view unit);

// Converts (value, scale, unit) to micro-base units. Fails with
// InvalidArgument when the scale is outside [-9, 18], when the value is finer
// than a micro-base unit, or on overflow.
StatusOr<Amount> ToAmount(int64_t value, int scale, std::string_view unit);

// Renders `micro_base` in `unit` as a decimal string ("1200.5").
std::string FormatAmount(int64_t micro_base, std::string_view unit);

// A readable "1200.5 KGM" from a stated quantity. Keeps the stated scale
// (value 120050, scale 2 gives "1200.50 KGM"), so ParseDecimal reads back the
// same value and scale; a negative scale is written out as zeros ("12000").
std::string FormatQuantity(int64_t value, int scale, std::string_view unit);

// Parses "1200.50" into value 120050, scale 2.
Status ParseDecimal(std::string_view text, int64_t* value, int* scale);

}  // namespace qtrace

#endif  // QTRACE_QUANTITY_H_
