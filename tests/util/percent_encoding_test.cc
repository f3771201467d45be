#include "util/percent_encoding.h"

#include <gtest/gtest.h>

namespace lake {
namespace {

TEST(PercentEncoding, EncodesAllButUnreservedAndKept) {
  EXPECT_EQ(PercentEncode("a b/c=d%~"), "a%20b%2Fc%3Dd%25~");
  EXPECT_EQ(PercentEncode("a b/c=d", "/="), "a%20b/c=d");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(PercentEncode(std::string_view("\0x", 2), std::string_view("\0", 1)), "%00x");
}

TEST(PercentEncoding, DecodesAndKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%3dd"), "a b/c=d");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode(PercentEncode("x y&z\xff")), "x y&z\xff");
}

}  // namespace
}  // namespace lake
