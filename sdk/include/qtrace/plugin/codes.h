// codes.h: validators for the national identifiers sector records carry
// (sector-rules.md section 6). Header-only and dependency-free so that plugins,
// which compile only against the plugin API, and the SDK share one
// implementation.
//
// Every `...Error` function returns an empty string when the code is valid,
// otherwise one line saying what is wrong, fit to show to whoever typed it.
// Rules tagged [M] in the rules file (unverified check-digit algorithms) are
// deliberately not enforced: only the documented structure is.
//
// Thread-safety: pure functions.
#ifndef QTRACE_PLUGIN_CODES_H_
#define QTRACE_PLUGIN_CODES_H_

#include <array>
#include <string>
#include <string_view>

namespace qtrace::codes {

inline bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

inline std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// GS1 mod-10 check digit over `digits` (without the check digit): weights
// 3,1,3,... from the right. `digits` must be all ASCII digits.
inline int Gs1CheckDigit(std::string_view digits) {
  int sum = 0;
  int weight = 3;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = 4 - weight;
  }
  return (10 - sum % 10) % 10;
}

// GTIN-14: exactly 14 digits with a valid GS1 check digit.
inline std::string Gtin14Error(std::string_view gtin) {
  if (gtin.size() != 14 || !AllDigits(gtin)) return "GTIN must be 14 digits: " + Quoted(gtin);
  int expected = Gs1CheckDigit(gtin.substr(0, 13));
  if (gtin[13] - '0' != expected) {
    return "GTIN " + std::string(gtin) + " has a wrong check digit (expected " +
           std::to_string(expected) + ")";
  }
  return {};
}

// 药品本位码 (drug standard code): 869 + 11 digits, the last a GS1 check digit.
inline std::string DrugStandardCodeError(std::string_view code) {
  if (code.size() != 14 || !AllDigits(code) || code.substr(0, 3) != "869") {
    return "drug standard code must be 869 followed by 11 digits: " + Quoted(code);
  }
  int expected = Gs1CheckDigit(code.substr(0, 13));
  if (code[13] - '0' != expected) {
    return "drug standard code " + std::string(code) + " has a wrong check digit (expected " +
           std::to_string(expected) + ")";
  }
  return {};
}

// GB 32100 unified social credit code.
inline constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
inline int UsccValue(char c) {
  auto pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}
// The mod-31 check character for the first 17 characters; '\0' when one of
// them is not in the alphabet or the length is wrong.
inline char UsccCheckCharacter(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                   29, 25, 13, 8,  24, 10, 30, 28};
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    int v = UsccValue(first17[i]);
    if (v < 0) return '\0';
    sum += v * kWeights[i];
  }
  int check = 31 - sum % 31;
  if (check == 31) check = 0;
  return kUsccAlphabet[static_cast<size_t>(check)];
}
inline std::string UsccError(std::string_view code) {
  auto bad = [&](const std::string& why) {
    return "unified social credit code " + Quoted(code) + " " + why;
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
    return bad("has a wrong check character (expected '" + std::string(1, expected) + "')");
  }
  return {};
}

// GB/T 2260 province-level codes (first two digits of an admin code).
inline bool IsProvinceCode(int p) {
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
         p == 81 || p == 82;
}

// 食品生产许可证 SC licence: "SC" + 14 digits, the first 1 (food) or 2
// (additive); digits 4-9 of the number are the GB/T 2260 admin code, whose
// first two (province) are 11..82. The final check digit's algorithm is [M]
// and not verified.
inline std::string ScLicenceError(std::string_view code) {
  auto bad = [&](const std::string& why) { return "SC licence " + Quoted(code) + " " + why; };
  if (code.size() != 16 || code.substr(0, 2) != "SC" || !AllDigits(code.substr(2))) {
    return bad("must be SC followed by 14 digits");
  }
  if (code[2] != '1' && code[2] != '2') {
    return bad("must start SC1 (food) or SC2 (food additive)");
  }
  int province = (code[5] - '0') * 10 + (code[6] - '0');
  if (!IsProvinceCode(province)) {
    return bad("has no valid province code in its admin-area digits (" +
               std::string(code.substr(5, 6)) + ")");
  }
  return {};
}
// The 6-digit GB/T 2260 admin code inside a valid SC licence.
inline std::string_view ScLicenceAdminCode(std::string_view code) { return code.substr(5, 6); }

// 批准文号 drug approval number: 国药准字 + H|Z|S|J|HC|HJ|ZC|ZJ|SC|SJ... (the
// regex (?:[HZS][CJ]?|J)) + 8 digits whose first four are the year.
inline std::string ApprovalNumberError(std::string_view code) {
  static constexpr std::string_view kPrefix = "国药准字";  // UTF-8
  auto bad = [&](const std::string& why) {
    return "approval number " + Quoted(code) + " " + why;
  };
  if (code.substr(0, kPrefix.size()) != kPrefix) return bad("must start with 国药准字");
  std::string_view rest = code.substr(kPrefix.size());
  size_t letters = 0;
  if (!rest.empty() && (rest[0] == 'H' || rest[0] == 'Z' || rest[0] == 'S')) {
    letters = 1;
    if (rest.size() > 1 && (rest[1] == 'C' || rest[1] == 'J')) letters = 2;
  } else if (!rest.empty() && rest[0] == 'J') {
    letters = 1;
  } else {
    return bad("needs a category letter H, Z, S or J after 国药准字");
  }
  std::string_view digits = rest.substr(letters);
  if (digits.size() != 8 || !AllDigits(digits)) return bad("must end in 8 digits");
  // New numbers start with the 4-digit year; numbers converted in 2002 start
  // with a 2-digit province code instead (e.g. 国药准字Z11020001, Beijing).
  int year = std::stoi(std::string(digits.substr(0, 4)));
  if (year >= 1950 && year <= 2099) return {};
  if (IsProvinceCode(std::stoi(std::string(digits.substr(0, 2))))) return {};
  return bad("starts with neither a year nor a province code (" + std::string(digits.substr(0, 4)) +
             ")");
}

// Drug trace code, the all-numeric 20-digit form: characters 1-7 are the drug
// identifier code (product + pack level), then a 9-digit serial and 4 check
// digits. The check algorithm is not public [M]: only the structure is
// verified.
inline std::string DrugTraceCodeError(std::string_view code) {
  if (code.size() != 20 || !AllDigits(code)) {
    return "drug trace code " + Quoted(code) + " must be exactly 20 digits";
  }
  return {};
}
inline std::string_view DrugTraceCodeIdentifier(std::string_view code) { return code.substr(0, 7); }

// 有机码 organic code: 17 digits = 3-digit certification body (CB) code,
// 2-digit year, 12 random digits. The CB code must match the issuing
// certificate's body: pass `cb_code` to check it (empty skips the check).
inline std::string OrganicCodeError(std::string_view code, std::string_view cb_code = {}) {
  if (code.size() != 17 || !AllDigits(code)) {
    return "organic code " + Quoted(code) + " must be exactly 17 digits";
  }
  if (!cb_code.empty() && code.substr(0, 3) != cb_code) {
    return "organic code " + std::string(code) + " was not issued by certification body " +
           std::string(cb_code) + " (its prefix is " + std::string(code.substr(0, 3)) + ")";
  }
  return {};
}
inline std::string_view OrganicCodeCb(std::string_view code) { return code.substr(0, 3); }

// 工业产品生产许可证 XK licence: optional "(省)" prefix, XK + 2 digits - 3
// digits - 5 digits.
inline std::string XkLicenceError(std::string_view code) {
  std::string_view s = code;
  if (s.substr(0, 1) == "(" || s.substr(0, 3) == "（") {
    size_t close = s.find(')');
    size_t width = 1;
    if (close == std::string_view::npos) {
      close = s.find("）");
      width = 3;
    }
    if (close == std::string_view::npos) return "XK licence " + Quoted(code) + " has an unclosed (";
    s = s.substr(close + width);
  }
  if (s.size() != 14 || s.substr(0, 2) != "XK" || !AllDigits(s.substr(2, 2)) || s[4] != '-' ||
      !AllDigits(s.substr(5, 3)) || s[8] != '-' || !AllDigits(s.substr(9, 5))) {
    return "XK licence " + Quoted(code) + " must look like XK00-000-00000";
  }
  return {};
}

}  // namespace qtrace::codes

#endif  // QTRACE_PLUGIN_CODES_H_
