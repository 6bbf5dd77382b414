#include "qtrace/validators.h"

#include <array>

namespace qtrace {
namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};

int UsccValue(char c) {
  auto pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace

int Gs1CheckDigit(std::string_view digits) {
  int sum = 0;
  int weight = 3;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = 4 - weight;  // 3,1,3,1,...
  }
  return (10 - sum % 10) % 10;
}

Status ValidateGtin14(std::string_view gtin) {
  if (gtin.size() != 14 || !AllDigits(gtin)) {
    return InvalidArgument("GTIN must be 14 digits: '" + std::string(gtin) + "'",
                           "bad_gtin");
  }
  int expected = Gs1CheckDigit(gtin.substr(0, 13));
  if (gtin[13] - '0' != expected) {
    return InvalidArgument("GTIN " + std::string(gtin) +
                               " has a wrong check digit (expected " +
                               std::to_string(expected) + ")",
                           "bad_gtin");
  }
  return Status::Ok();
}

char UsccCheckCharacter(std::string_view first17) {
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    int v = UsccValue(first17[i]);
    if (v < 0) return '\0';
    sum += v * kUsccWeights[i];
  }
  int check = 31 - sum % 31;
  if (check == 31) check = 0;
  return kUsccAlphabet[check];
}

Status ValidateUscc(std::string_view code) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("unified social credit code '" + std::string(code) +
                               "' " + why,
                           "bad_uscc");
  };
  if (code.size() != 18) return bad("must have 18 characters");
  for (char c : code) {
    if (UsccValue(c) < 0) return bad("contains '" + std::string(1, c) + "'");
  }
  if (!AllDigits(code.substr(2, 6))) {
    return bad("must have a 6-digit administrative area code in positions 3-8");
  }
  char expected = UsccCheckCharacter(code.substr(0, 17));
  if (code[17] != expected) {
    return bad("has a wrong check character (expected '" +
               std::string(1, expected) + "')");
  }
  return Status::Ok();
}

}  // namespace qtrace
