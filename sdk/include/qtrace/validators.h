// Validators for the identifiers records carry. Each returns OK or an
// InvalidArgument Status whose message says what is wrong, so a rejection can
// be shown to the person who typed the code.
//
// Thread-safety: pure functions.
#ifndef QTRACE_VALIDATORS_H_
#define QTRACE_VALIDATORS_H_

#include <string>
#include <string_view>

#include "qtrace/status.h"

namespace qtrace {

// GS1 mod-10 check digit over `digits` (the payload without the check digit):
// weights 3,1,3,... from the right. `digits` must be all ASCII digits.
int Gs1CheckDigit(std::string_view digits);
// GTIN-14: exactly 14 digits with a valid GS1 check digit.
Status ValidateGtin14(std::string_view gtin);

// GB 32100 unified social credit code: 18 characters from
// 0-9 A-H J-N P-R T U W-Y, positions 3-8 digits (admin area), last character
// the mod-31 check character.
char UsccCheckCharacter(std::string_view first17);  // '\0' on a bad character
Status ValidateUscc(std::string_view code);

}  // namespace qtrace

#endif  // QTRACE_VALIDATORS_H_
