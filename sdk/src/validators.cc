#include "qtrace/validators.h"

#include "qtrace/plugin/codes.h"

// The checks themselves live in qtrace/plugin/codes.h, shared with the
// sector plugins; this file turns their messages into Statuses.
namespace qtrace {

int Gs1CheckDigit(std::string_view digits) { return codes::Gs1CheckDigit(digits); }

Status ValidateGtin14(std::string_view gtin) {
  std::string error = codes::Gtin14Error(gtin);
  return error.empty() ? Status::Ok() : InvalidArgument(error, "bad_gtin");
}

char UsccCheckCharacter(std::string_view first17) { return codes::UsccCheckCharacter(first17); }

Status ValidateUscc(std::string_view code) {
  std::string error = codes::UsccError(code);
  return error.empty() ? Status::Ok() : InvalidArgument(error, "bad_uscc");
}

}  // namespace qtrace
