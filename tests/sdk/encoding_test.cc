// Base64 (RFC 4648 section 4, strict), hex and big-endian integers.
#include "qtrace/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace qtrace {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(Base64Test, Rfc4648TestVectors) {
  // RFC 4648 section 10.
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
      {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    SCOPED_TRACE(std::string(plain));
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, BinaryRoundTripsForEveryLength) {
  std::string all = AllBytes();
  for (size_t len = 0; len <= all.size(); ++len) {
    std::string bytes = all.substr(256 - len);
    auto text = Base64Encode(bytes);
    EXPECT_EQ(text.size(), (len + 2) / 3 * 4);
    auto back = Base64Decode(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(Base64Encode(std::string("\xff\xfe\xfd", 3)), "//79");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xef\xbe", 3)), "++++");
}

TEST(Base64Test, RejectsNonCanonicalOrMalformedText) {
  const std::string_view kBad[] = {
      "Zg",          // missing padding
      "Zg=",         // short padding
      "Zm8",         // missing padding
      "Zg===",       // too long
      "Zh==",        // non-canonical: trailing bits of 'h' are not zero
      "Zm9=",        // non-canonical: trailing bits of '9' are not zero
      "Zm8 ",        // whitespace
      " Zm8=",       // leading whitespace
      "Zm8=\n",      // trailing newline
      "Zm\n8=",      // embedded newline
      "Zm9v\r\n",    // CRLF
      "Zg==Zg==",    // padding in the middle
      "Z===",        // three padding characters
      "====",        // padding only
      "=Zm8",        // padding first
      "Zm=8",        // padding before a data character
      "Zm9v-_8=",    // base64url alphabet
      "Zm9v.A==",    // not in any alphabet
      "Zm9v\xc3\xa9w=",  // non-ASCII
  };
  for (std::string_view text : kBad) {
    SCOPED_TRACE(std::string(text));
    EXPECT_FALSE(Base64Decode(text).has_value());
  }
  EXPECT_FALSE(Base64Decode(std::string_view("Zm9\0", 4)).has_value());
}

TEST(Base64Test, EveryCharacterOutsideTheAlphabetIsRejectedInEveryPosition) {
  for (int c = 0; c < 256; ++c) {
    char ch = static_cast<char>(c);
    if (kAlphabet.find(ch) != std::string_view::npos) continue;
    for (int pos = 0; pos < 4; ++pos) {
      std::string text = "Zm9vYmFy";
      text[pos + 4] = ch;
      EXPECT_FALSE(Base64Decode(text).has_value())
          << "char " << c << " at " << pos + 4;
    }
  }
}

TEST(Base64Test, OnlyCanonicalTrailingBitsAreAccepted) {
  // One byte left: "X?==" is canonical iff the low 4 bits of ? are zero.
  // Two bytes left: "XX?=" is canonical iff the low 2 bits of ? are zero.
  int accepted1 = 0, accepted2 = 0;
  for (size_t v = 0; v < 64; ++v) {
    std::string one = std::string("A") + kAlphabet[v] + "==";
    auto d1 = Base64Decode(one);
    EXPECT_EQ(d1.has_value(), (v & 15) == 0) << one;
    if (d1) {
      ++accepted1;
      EXPECT_EQ(Base64Encode(*d1), one);
    }
    std::string two = std::string("AA") + kAlphabet[v] + "=";
    auto d2 = Base64Decode(two);
    EXPECT_EQ(d2.has_value(), (v & 3) == 0) << two;
    if (d2) {
      ++accepted2;
      EXPECT_EQ(Base64Encode(*d2), two);
    }
  }
  EXPECT_EQ(accepted1, 4);
  EXPECT_EQ(accepted2, 16);
}

TEST(HexTest, EncodesLowercaseAndRoundTrips) {
  // RFC 4648 section 10 base16 vectors (lowercase here).
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},           {"f", "66"},           {"fo", "666f"},
      {"foo", "666f6f"},  {"foob", "666f6f62"},  {"fooba", "666f6f6261"},
      {"foobar", "666f6f626172"},
  };
  for (const auto& [plain, hex] : kVectors) {
    EXPECT_EQ(HexEncode(plain), hex);
    EXPECT_EQ(HexDecode(hex), std::string(plain));
  }
  std::string all = AllBytes();
  std::string hex = HexEncode(all);
  EXPECT_EQ(hex.substr(0, 6), "000102");
  EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
  EXPECT_EQ(HexDecode(hex), all);
}

TEST(HexTest, AcceptsUppercaseAndRejectsMalformedText) {
  EXPECT_EQ(HexDecode("666F6F"), std::string("foo"));
  EXPECT_EQ(HexDecode("DeAdBeEf"), std::string("\xde\xad\xbe\xef"));
  const std::string_view kBad[] = {"0", "abc", "0g", "g0", " 0a", "0a ",
                                   "0x0a", "-1", "0a\n"};
  for (std::string_view text : kBad) {
    EXPECT_FALSE(HexDecode(text).has_value()) << text;
  }
}

TEST(BigEndianTest, WritesMostSignificantByteFirst) {
  std::string out = "x";
  PutBigEndian64(&out, 0x0102030405060708ull);
  EXPECT_EQ(out, std::string("x\x01\x02\x03\x04\x05\x06\x07\x08", 9));
  EXPECT_EQ(GetBigEndian64(out.data() + 1), 0x0102030405060708ull);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0xff},
                     uint64_t{0x8000000000000000}, ~uint64_t{0}}) {
    std::string s;
    PutBigEndian64(&s, v);
    ASSERT_EQ(s.size(), 8u);
    EXPECT_EQ(GetBigEndian64(s.data()), v);
  }
  // Big-endian keys sort like the numbers they encode.
  std::string a, b;
  PutBigEndian64(&a, 255);
  PutBigEndian64(&b, 256);
  EXPECT_LT(a, b);
}

}  // namespace
}  // namespace qtrace
