// The sector identifier validators of qtrace/plugin/codes.h (sector-rules.md
// section 6): SC licence, drug approval number, drug standard code, 20-digit
// drug trace code, organic code and XK licence, each with valid and invalid
// cases. GTIN-14 and USCC are covered through qtrace/validators.h in
// validators_test.cc, which delegates to the same functions.
#include "qtrace/plugin/codes.h"

#include <gtest/gtest.h>

#include <string>

namespace qtrace::codes {
namespace {

void ExpectValid(const std::string& error, std::string_view code) {
  EXPECT_EQ(error, "") << code;
}
void ExpectInvalid(const std::string& error, std::string_view code, std::string_view mention) {
  EXPECT_NE(error.find(mention), std::string::npos) << code << ": " << error;
}

TEST(ScLicenceTest, ValidAndInvalid) {
  for (std::string_view ok : {"SC11342070100012", "SC21442000000017", "SC10682018100231"}) {
    ExpectValid(ScLicenceError(ok), ok);
  }
  EXPECT_EQ(ScLicenceAdminCode("SC11342070100012"), "420701");
  ExpectInvalid(ScLicenceError("SC1134207010001"), "15 digits", "14 digits");
  ExpectInvalid(ScLicenceError("SC113420701000123"), "too long", "14 digits");
  ExpectInvalid(ScLicenceError("XK11342070100012"), "prefix", "SC followed by");
  ExpectInvalid(ScLicenceError("SC31342070100012"), "category 3", "SC1 (food)");
  ExpectInvalid(ScLicenceError("SC1134A070100012"), "letter", "14 digits");
  ExpectInvalid(ScLicenceError("SC11399070100012"), "province 99", "province");
  ExpectInvalid(ScLicenceError(""), "empty", "SC followed by");
}

TEST(ApprovalNumberTest, ValidAndInvalid) {
  for (std::string_view ok : {"国药准字H20203456", "国药准字Z11020001", "国药准字S20190012",
                              "国药准字J20150087", "国药准字HJ20160001", "国药准字ZC20080012"}) {
    ExpectValid(ApprovalNumberError(ok), ok);
  }
  ExpectInvalid(ApprovalNumberError("H20203456"), "no prefix", "国药准字");
  ExpectInvalid(ApprovalNumberError("国药准字X20203456"), "letter X", "category letter");
  ExpectInvalid(ApprovalNumberError("国药准字H2020345"), "7 digits", "8 digits");
  ExpectInvalid(ApprovalNumberError("国药准字H202034567"), "9 digits", "8 digits");
  ExpectInvalid(ApprovalNumberError("国药准字HCJ0203456"), "three letters", "8 digits");
  ExpectInvalid(ApprovalNumberError("国药准字H18203456"), "year 1820", "neither a year");
  ExpectInvalid(ApprovalNumberError("国药准字JC20150087"), "J takes no suffix", "8 digits");
}

TEST(DrugStandardCodeTest, ValidAndInvalid) {
  std::string base = "8690123456789";
  std::string ok = base + std::to_string(Gs1CheckDigit(base));
  ExpectValid(DrugStandardCodeError(ok), ok);
  std::string wrong = base + std::to_string((Gs1CheckDigit(base) + 1) % 10);
  ExpectInvalid(DrugStandardCodeError(wrong), wrong, "check digit");
  ExpectInvalid(DrugStandardCodeError("06901234567892"), "GTIN not 869", "869");
  ExpectInvalid(DrugStandardCodeError("869012345678"), "short", "869");
}

TEST(DrugTraceCodeTest, ValidAndInvalid) {
  for (std::string_view ok : {"81234560240000000011", "81234567890123456789"}) {
    ExpectValid(DrugTraceCodeError(ok), ok);
  }
  EXPECT_EQ(DrugTraceCodeIdentifier("81234560240000000011"), "8123456");
  ExpectInvalid(DrugTraceCodeError("8123456024000000001"), "19 digits", "20 digits");
  ExpectInvalid(DrugTraceCodeError("812345602400000000111"), "21 digits", "20 digits");
  ExpectInvalid(DrugTraceCodeError("8123456024000000001A"), "letter", "20 digits");
  ExpectInvalid(DrugTraceCodeError("8123456024 000000001"), "space", "20 digits");
  ExpectInvalid(DrugTraceCodeError(""), "empty", "20 digits");
}

TEST(OrganicCodeTest, ValidAndInvalid) {
  ExpectValid(OrganicCodeError("12326000000004567"), "12326000000004567");
  ExpectValid(OrganicCodeError("12326000000004567", "123"), "matching CB");
  EXPECT_EQ(OrganicCodeCb("12326000000004567"), "123");
  ExpectInvalid(OrganicCodeError("1232600000000456"), "16 digits", "17 digits");
  ExpectInvalid(OrganicCodeError("123 26 000000004567"), "spaces", "17 digits");
  ExpectInvalid(OrganicCodeError("1232600000000456X"), "letter", "17 digits");
  ExpectInvalid(OrganicCodeError("12326000000004567", "456"), "other CB",
                "not issued by certification body 456");
}

TEST(XkLicenceTest, ValidAndInvalid) {
  for (std::string_view ok : {"XK05-001-00123", "(鄂)XK05-001-00123"}) {
    ExpectValid(XkLicenceError(ok), ok);
  }
  ExpectInvalid(XkLicenceError("XK05-001-0012"), "short serial", "XK00-000-00000");
  ExpectInvalid(XkLicenceError("XK5-001-00123"), "one-digit class", "XK00-000-00000");
  ExpectInvalid(XkLicenceError("SC05-001-00123"), "prefix", "XK00-000-00000");
  ExpectInvalid(XkLicenceError("(鄂XK05-001-00123"), "unclosed", "unclosed");
}

TEST(SharedValidatorsTest, GtinAndUsccMatchTheSdk) {
  ExpectValid(Gtin14Error("06901234567892"), "gtin");
  ExpectInvalid(Gtin14Error("06901234567893"), "gtin", "check digit");
  ExpectValid(UsccError("91420700MA49XXXX0X").empty() ? "x" : "", "probe");  // exercised below
  std::string first17 = "91420700MA4912345";
  std::string uscc = first17 + UsccCheckCharacter(first17);
  ExpectValid(UsccError(uscc), uscc);
  std::string bad = first17 + (uscc.back() == '0' ? '1' : '0');
  ExpectInvalid(UsccError(bad), bad, "check character");
}

}  // namespace
}  // namespace qtrace::codes
