// GTIN-14 (GS1 mod-10) and unified social credit code (GB 32100 mod-31).
#include "qtrace/validators.h"

#include <gtest/gtest.h>

#include <string>

namespace qtrace {
namespace {

// ---- GTIN-14 ------------------------------------------------------------------

TEST(Gs1CheckDigitTest, KnownPayloads) {
  EXPECT_EQ(Gs1CheckDigit("0690123456789"), 2);
  EXPECT_EQ(Gs1CheckDigit("400638133393"), 1);   // EAN-13 4006381333931
  EXPECT_EQ(Gs1CheckDigit("978030640615"), 7);   // ISBN 978-0-306-40615-7
  EXPECT_EQ(Gs1CheckDigit("9638507"), 4);        // EAN-8 96385074
  EXPECT_EQ(Gs1CheckDigit("0000000000000"), 0);
  EXPECT_EQ(Gs1CheckDigit(""), 0);
  // Leading zeros do not change the digit (GTIN-13 padded to GTIN-14).
  EXPECT_EQ(Gs1CheckDigit("0400638133393"), Gs1CheckDigit("400638133393"));
}

TEST(Gtin14Test, ValidCodes) {
  const std::string_view kValid[] = {
      "06901234567892",  // sector-rules.md example (China prefix 690)
      "00012345600012",  // GS1 GTIN-12 example 012345600012, padded
      "04006381333931",  // EAN-13 4006381333931, padded
      "09780306406157",  // ISBN-13 978-0-306-40615-7, padded
      "05901234123457",  // GS1 EAN-13 sample 5901234123457, padded
      "00000096385074",  // EAN-8 96385074, padded
      // EPCIS 2.0 examples (Digital Link ids and their SGTIN/LGTIN forms).
      "70614141123451",
      "04012345123456",
      "04012345987652",
      "10614141073464",
      "00000000000000",
  };
  for (std::string_view gtin : kValid) {
    Status s = ValidateGtin14(gtin);
    EXPECT_TRUE(s.ok()) << gtin << ": " << s.ToString();
  }
}

TEST(Gtin14Test, InvalidCodes) {
  struct Case {
    std::string_view gtin;
    std::string_view why;
  };
  const Case kInvalid[] = {
      {"06901234567891", "check digit"},   // last digit off by one
      {"06901234567893", "check digit"},
      {"00012345600013", "check digit"},
      {"06901234567829", "check digit"},   // transposed final digits
      {"60901234567892", "check digit"},   // transposed leading digits
      {"6901234567892", "14 digits"},      // GTIN-13 not padded
      {"069012345678920", "14 digits"},
      {"", "14 digits"},
      {"0690123456789A", "14 digits"},
      {"0690123456789 ", "14 digits"},
      {" 6901234567892", "14 digits"},
      {"06901234-67892", "14 digits"},
      {"０6901234567892", "14 digits"},  // full-width zero
  };
  for (const Case& c : kInvalid) {
    Status s = ValidateGtin14(c.gtin);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "accepted '" << c.gtin << "'";
    EXPECT_EQ(s.reason(), "bad_gtin");
    EXPECT_NE(s.message().find(c.why), std::string::npos) << s.message();
  }
  EXPECT_NE(ValidateGtin14("06901234567891").message().find("expected 2"),
            std::string::npos);
}

TEST(Gtin14Test, EverySingleDigitChangeIsCaught) {
  const std::string good = "06901234567892";
  for (size_t i = 0; i < good.size(); ++i) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == good[i]) continue;
      std::string bad = good;
      bad[i] = d;
      EXPECT_FALSE(ValidateGtin14(bad).ok()) << bad;
    }
  }
}

// ---- Unified social credit code (GB 32100-2015) ---------------------------------

// Published codes of well-known companies (national enterprise credit
// information publicity system; also on their Wikipedia pages and filings).
constexpr std::string_view kRealUscc[] = {
    "914403001922038216",  // 华为技术有限公司 (Huawei Technologies), check '6'
    "91440300708461136T",  // 腾讯科技（深圳）有限公司 (Tencent Technology Shenzhen)
    "91330100716105852F",  // 阿里巴巴（中国）网络技术有限公司 (Alibaba China)
    "91110108551385082Q",  // 小米科技有限责任公司 (Xiaomi)
    "91110000802100433B",  // 北京百度网讯科技有限公司 (Baidu Netcom)
};

TEST(UsccTest, RealCodesAreValid) {
  for (std::string_view code : kRealUscc) {
    Status s = ValidateUscc(code);
    EXPECT_TRUE(s.ok()) << code << ": " << s.ToString();
    EXPECT_EQ(UsccCheckCharacter(code.substr(0, 17)), code[17]) << code;
  }
}

TEST(UsccTest, CheckCharacterFollowsGb32100) {
  // Weights are 3^i mod 31; Huawei's first 17 characters weigh 831,
  // 831 mod 31 = 25, and 31 - 25 = 6 is the published check character.
  const std::string first17 = "91440300192203821";
  EXPECT_EQ(UsccCheckCharacter(first17), '6');
  int valid = 0;
  for (char c : std::string_view("0123456789ABCDEFGHJKLMNPQRTUWXY")) {
    if (ValidateUscc(first17 + c).ok()) {
      ++valid;
      EXPECT_EQ(c, '6');
    }
  }
  EXPECT_EQ(valid, 1) << "exactly one check character fits";
  // A weighted sum that is a multiple of 31 gives '0' (31 - 0 wraps to 0).
  EXPECT_EQ(UsccCheckCharacter("00000000000000000"), '0');
  // Letters count with their alphabet index: Y is 30.
  EXPECT_EQ(UsccCheckCharacter("Y0000000000000000"), '1');  // 31 - 30
  EXPECT_EQ(UsccCheckCharacter(""), '\0');
  EXPECT_EQ(UsccCheckCharacter("9144030019220382"), '\0');    // 16 characters
  EXPECT_EQ(UsccCheckCharacter("91440300192203821I"), '\0');  // 18 characters
  EXPECT_EQ(UsccCheckCharacter("9144030019220382I"), '\0');   // I is not allowed
  EXPECT_EQ(UsccCheckCharacter("9144030019220382a"), '\0');   // lowercase
}

TEST(UsccTest, MutatedCodesAreInvalid) {
  const std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  int checked = 0;
  for (std::string_view real : kRealUscc) {
    // Every single-character substitution (within the alphabet) is caught:
    // 31 is prime and no weight is a multiple of it.
    for (size_t i = 0; i < real.size(); ++i) {
      for (char c : kAlphabet) {
        if (c == real[i]) continue;
        std::string bad(real);
        bad[i] = c;
        EXPECT_FALSE(ValidateUscc(bad).ok()) << bad;
        ++checked;
      }
    }
    // Adjacent transpositions of different characters are caught too.
    for (size_t i = 0; i + 1 < real.size(); ++i) {
      if (real[i] == real[i + 1]) continue;
      std::string bad(real);
      std::swap(bad[i], bad[i + 1]);
      EXPECT_FALSE(ValidateUscc(bad).ok()) << bad;
    }
  }
  EXPECT_EQ(checked, 5 * 18 * 30);
}

TEST(UsccTest, RejectionsSayWhatIsWrong) {
  struct Case {
    std::string_view code;
    std::string_view why;
  };
  const Case kCases[] = {
      {"914403001922038217", "check character (expected '6')"},
      {"91440300192203821", "18 characters"},
      {"9144030019220382166", "18 characters"},
      {"", "18 characters"},
      {"914403001922038I16", "contains 'I'"},
      {"914403001922038O16", "contains 'O'"},
      {"914403001922038Z16", "contains 'Z'"},
      {"914403001922038S16", "contains 'S'"},
      {"914403001922038V16", "contains 'V'"},
      {"91440300708461136t", "contains 't'"},  // lowercase check character
      {"91440300192203821-", "contains '-'"},
      {"9144A3001922038216", "administrative area"},
      {"91M403001922038216", "administrative area"},
  };
  for (const Case& c : kCases) {
    Status s = ValidateUscc(c.code);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "accepted '" << c.code << "'";
    EXPECT_EQ(s.reason(), "bad_uscc");
    EXPECT_NE(s.message().find(c.why), std::string::npos) << s.message();
  }
}

TEST(UsccTest, SectorRulesPlaceholderIsNotAValidCode) {
  // sector-rules.md shows 91420700MA4XXXXXX1 as a shape example; 'X' is a
  // legal character but the check character does not fit.
  EXPECT_FALSE(ValidateUscc("91420700MA4XXXXXX1").ok());
  EXPECT_TRUE(ValidateUscc(std::string("91420700MA4XXXXXX") +
                           UsccCheckCharacter("91420700MA4XXXXXX"))
                  .ok());
}

}  // namespace
}  // namespace qtrace
