// Unit tests for src/client/number_text.
#include "client/number_text.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

namespace {

using dynamo::IntParse;

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

IntParse Parse64(const char *text, int64_t &out) {
    return dynamo::ParseInteger(text, kMin64, kMax64, out);
}

// The parsed value, or a sentinel when parsing does not return Ok.
int64_t Value64(const char *text) {
    int64_t out = 0;
    IntParse r = Parse64(text, out);
    EXPECT_EQ(r, IntParse::Ok) << text;
    return out;
}

IntParse Result64(const char *text) {
    int64_t out = 0;
    return Parse64(text, out);
}

// ---------------------------------------------------------------------------------------------
// ScanDecimal

TEST(ScanDecimal, SplitsParts) {
    dynamo::DecimalText d;
    ASSERT_TRUE(dynamo::ScanDecimal("-12.50E+3", d));
    EXPECT_TRUE(d.negative);
    EXPECT_TRUE(d.has_sign);
    EXPECT_TRUE(d.has_point);
    EXPECT_EQ(d.int_digits, "12");
    EXPECT_EQ(d.frac_digits, "50");
    EXPECT_EQ(d.exp_text, "+3");
    EXPECT_EQ(d.exponent, 3);

    ASSERT_TRUE(dynamo::ScanDecimal(".5e-7", d));
    EXPECT_FALSE(d.negative);
    EXPECT_FALSE(d.has_sign);
    EXPECT_EQ(d.int_digits, "");
    EXPECT_EQ(d.frac_digits, "5");
    EXPECT_EQ(d.exponent, -7);

    ASSERT_TRUE(dynamo::ScanDecimal("1e999999999999999999999", d));
    EXPECT_EQ(d.exponent, dynamo::kDecimalExponentLimit);
}

TEST(ScanDecimal, RejectsNonNumbers) {
    const char *bad[] = {"",    "-",     "+",     ".",   "-.",    "e5",    "1e",  "1e+",
                         "1e-", "1..2",  "1.2.3", " 1",  "1 ",    "0x10",  "inf", "-inf",
                         "NaN", "1,000", "--1",   "+-1", "1e5.5", "1e5e5", "١"};
    for (const char *text : bad) {
        EXPECT_FALSE(dynamo::IsDecimalNumber(text)) << text;
    }
    EXPECT_FALSE(dynamo::IsDecimalNumber(std::string_view("1\0", 2)));
}

// ---------------------------------------------------------------------------------------------
// ParseInteger

TEST(ParseInteger, PlainAndDynamoForms) {
    EXPECT_EQ(Value64("0"), 0);
    EXPECT_EQ(Value64("-0"), 0);
    EXPECT_EQ(Value64("0.0"), 0);
    EXPECT_EQ(Value64("-12"), -12);
    EXPECT_EQ(Value64("+7"), 7);
    EXPECT_EQ(Value64("007"), 7);
    EXPECT_EQ(Value64("1.000"), 1);
    EXPECT_EQ(Value64("1E+2"), 100);
    EXPECT_EQ(Value64("1e2"), 100);
    EXPECT_EQ(Value64("1.2e3"), 1200);
    EXPECT_EQ(Value64("-1.25E2"), -125);
    EXPECT_EQ(Value64("100E-2"), 1);
    EXPECT_EQ(Value64("12300E-2"), 123);
    EXPECT_EQ(Value64("5."), 5);
    EXPECT_EQ(Value64("0000000000000000000000000000000000001"), 1);
    EXPECT_EQ(Value64("1.0000000000000000000000000000000000000"), 1);
    EXPECT_EQ(Value64("0E+999999999999999999999"), 0);
    EXPECT_EQ(Value64("0.000E-5"), 0);
}

TEST(ParseInteger, Int64Limits) {
    EXPECT_EQ(Value64("9223372036854775807"), kMax64);
    EXPECT_EQ(Value64("-9223372036854775808"), kMin64);
    EXPECT_EQ(Value64("-9223372036854775807"), kMin64 + 1);
    EXPECT_EQ(Value64("9.223372036854775807E+18"), kMax64);
    EXPECT_EQ(Value64("-9.223372036854775808E18"), kMin64);
    EXPECT_EQ(Value64("92233720368547758070E-1"), kMax64);
    EXPECT_EQ(Value64("1E+18"), 1000000000000000000LL);
    EXPECT_EQ(Value64("9999999999999999990E-1"), 999999999999999999LL);
    EXPECT_EQ(Result64("9999999999999999999E-1"), IntParse::NotInteger);

    EXPECT_EQ(Result64("9223372036854775808"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("-9223372036854775809"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("9999999999999999999"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("18446744073709551616"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("99999999999999999999"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("1E+19"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("1E+30"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("-1E+30"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("9.99E+125"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("1E+99999999999999999999"), IntParse::OutOfRange);
    EXPECT_EQ(Result64("12345678901234567890123456789012345678"), IntParse::OutOfRange);
}

TEST(IsDecimalNumber, AgreesWithTheGeneralScanOnEveryShortText) {
    // Every text of up to 5 characters over the characters numbers are made of, and more.
    const std::string alphabet = "01-+.eE x";
    std::vector<std::string> texts = {""};
    for (int len = 1; len <= 5; ++len) {
        size_t start = texts.size();
        for (size_t i = 0; i < start; ++i)
            if (texts[i].size() == static_cast<size_t>(len - 1))
                for (char c : alphabet)
                    texts.push_back(texts[i] + c);
    }
    size_t accepted = 0;
    for (const std::string &t : texts) {
        dynamo::DecimalText d;
        bool general = dynamo::ScanDecimal(t, d);
        ASSERT_EQ(dynamo::IsDecimalNumber(t), general) << "'" << t << "'";
        accepted += general;
    }
    EXPECT_GT(accepted, 500u);  // the check saw many numbers, not only rejections
}

TEST(ParseInteger, PlainIntegersAgreeWithTheGeneralForm) {
    // Plain integers of up to 18 digits take a shorter path; "<digits>E0" takes the general one.
    std::mt19937_64 rng(7);
    std::vector<std::string> texts = {"999999999999999999",
                                      "-999999999999999999",
                                      "000000000000000042",
                                      "-000000000000000001",
                                      "1",
                                      "-1"};
    for (int i = 0; i < 2000; ++i) {
        int digits = 1 + static_cast<int>(rng() % 18);
        std::string t = rng() % 2 ? "-" : "";
        for (int d = 0; d < digits; ++d)
            t += static_cast<char>('0' + rng() % 10);
        texts.push_back(t);
    }
    for (const std::string &t : texts) {
        for (int64_t limit : {kMax64, int64_t{32767}, int64_t{2147483647}}) {
            int64_t fast = 0, general = 0;
            IntParse a = dynamo::ParseInteger(t, -limit - 1, limit, fast);
            IntParse b = dynamo::ParseInteger(t + "E0", -limit - 1, limit, general);
            ASSERT_EQ(a, b) << t;
            if (a == IntParse::Ok) {
                ASSERT_EQ(fast, general) << t;
            }
        }
    }
}

TEST(ParseInteger, Fractions) {
    EXPECT_EQ(Result64("1.5"), IntParse::NotInteger);
    EXPECT_EQ(Result64("1.50"), IntParse::NotInteger);
    EXPECT_EQ(Result64("-0.5"), IntParse::NotInteger);
    EXPECT_EQ(Result64("1E-1"), IntParse::NotInteger);
    EXPECT_EQ(Result64("1.0000000000000000000000000001"), IntParse::NotInteger);
    EXPECT_EQ(Result64("1E-130"), IntParse::NotInteger);
    EXPECT_EQ(Result64("1E-99999999999999999999"), IntParse::NotInteger);
    EXPECT_EQ(Result64("123.45E1"), IntParse::NotInteger);
    EXPECT_EQ(Value64("123.45E2"), 12345);
}

TEST(ParseInteger, Invalid) {
    const char *bad[] = {"",   "-",    "+",   ".",   "e5",  "1e",  "1e+", "1.2.3", " 1",
                         "1 ", "0x10", "inf", "NaN", "1,0", "--1", "abc", "1e5x"};
    for (const char *text : bad) {
        EXPECT_EQ(Result64(text), IntParse::Invalid) << text;
    }
}

TEST(ParseInteger, NarrowRanges) {
    int64_t out = 0;
    EXPECT_EQ(dynamo::ParseInteger("32767", -32768, 32767, out), IntParse::Ok);
    EXPECT_EQ(out, 32767);
    EXPECT_EQ(dynamo::ParseInteger("-32768", -32768, 32767, out), IntParse::Ok);
    EXPECT_EQ(out, -32768);
    EXPECT_EQ(dynamo::ParseInteger("32768", -32768, 32767, out), IntParse::OutOfRange);
    EXPECT_EQ(dynamo::ParseInteger("-32769", -32768, 32767, out), IntParse::OutOfRange);
    EXPECT_EQ(dynamo::ParseInteger("2147483647", INT32_MIN, INT32_MAX, out), IntParse::Ok);
    EXPECT_EQ(out, INT32_MAX);
    EXPECT_EQ(dynamo::ParseInteger("-2.147483648E9", INT32_MIN, INT32_MAX, out), IntParse::Ok);
    EXPECT_EQ(out, INT32_MIN);
    EXPECT_EQ(dynamo::ParseInteger("2147483648", INT32_MIN, INT32_MAX, out), IntParse::OutOfRange);
    EXPECT_EQ(dynamo::ParseInteger("0", 1, 10, out), IntParse::OutOfRange);
    EXPECT_EQ(dynamo::ParseInteger("0.0", -10, -1, out), IntParse::OutOfRange);
    EXPECT_EQ(dynamo::ParseInteger("1E1", 1, 10, out), IntParse::Ok);
    EXPECT_EQ(out, 10);
}

TEST(ParseInteger, LeavesOutputAloneOnFailure) {
    int64_t out = 42;
    EXPECT_EQ(Parse64("1.5", out), IntParse::NotInteger);
    EXPECT_EQ(Parse64("1E+30", out), IntParse::OutOfRange);
    EXPECT_EQ(Parse64("x", out), IntParse::Invalid);
    EXPECT_EQ(dynamo::ParseInteger("0", 1, 2, out), IntParse::OutOfRange);
    EXPECT_EQ(out, 42);
}

// ---------------------------------------------------------------------------------------------
// ParseDouble / ParseFloat

TEST(ParseDouble, Values) {
    double d = 0;
    ASSERT_TRUE(dynamo::ParseDouble("1.5", d));
    EXPECT_EQ(d, 1.5);
    ASSERT_TRUE(dynamo::ParseDouble("0.1", d));
    EXPECT_EQ(d, 0.1);
    ASSERT_TRUE(dynamo::ParseDouble("-12", d));
    EXPECT_EQ(d, -12.0);
    ASSERT_TRUE(dynamo::ParseDouble("1E+2", d));
    EXPECT_EQ(d, 100.0);
    ASSERT_TRUE(dynamo::ParseDouble("+2", d));
    EXPECT_EQ(d, 2.0);
    ASSERT_TRUE(dynamo::ParseDouble(".5", d));
    EXPECT_EQ(d, 0.5);
    ASSERT_TRUE(dynamo::ParseDouble("5.", d));
    EXPECT_EQ(d, 5.0);
    ASSERT_TRUE(dynamo::ParseDouble("9.9999999999999999999999999999999999999E+125", d));
    EXPECT_EQ(d, 1e126);
    ASSERT_TRUE(dynamo::ParseDouble("1E-130", d));
    EXPECT_EQ(d, 1e-130);
    ASSERT_TRUE(dynamo::ParseDouble("12345678901234567890123456789012345678", d));
    EXPECT_EQ(d, 12345678901234567890123456789012345678.0);
    ASSERT_TRUE(dynamo::ParseDouble("-0.0", d));
    EXPECT_EQ(d, 0.0);
    EXPECT_TRUE(std::signbit(d));
    ASSERT_TRUE(dynamo::ParseDouble("1.7976931348623157E308", d));
    EXPECT_EQ(d, DBL_MAX);
}

TEST(ParseDouble, RangeAndInvalid) {
    double d = 7;
    EXPECT_FALSE(dynamo::ParseDouble("1e400", d));
    EXPECT_FALSE(dynamo::ParseDouble("-1e400", d));
    EXPECT_FALSE(dynamo::ParseDouble("1E+99999999999999999999", d));
    EXPECT_FALSE(dynamo::ParseDouble("", d));
    EXPECT_FALSE(dynamo::ParseDouble("abc", d));
    EXPECT_FALSE(dynamo::ParseDouble("inf", d));
    EXPECT_FALSE(dynamo::ParseDouble("nan", d));
    EXPECT_FALSE(dynamo::ParseDouble("0x1p3", d));
    EXPECT_FALSE(dynamo::ParseDouble(" 1", d));
    EXPECT_FALSE(dynamo::ParseDouble("1e", d));
    EXPECT_EQ(d, 7);
    // Too small: rounds to zero, keeping the sign.
    ASSERT_TRUE(dynamo::ParseDouble("1e-400", d));
    EXPECT_EQ(d, 0.0);
    ASSERT_TRUE(dynamo::ParseDouble("-1e-400", d));
    EXPECT_EQ(d, 0.0);
    EXPECT_TRUE(std::signbit(d));
}

TEST(ParseFloat, Values) {
    float f = 0;
    ASSERT_TRUE(dynamo::ParseFloat("0.1", f));
    EXPECT_EQ(f, 0.1f);
    ASSERT_TRUE(dynamo::ParseFloat("-2.5E1", f));
    EXPECT_EQ(f, -25.0f);
    ASSERT_TRUE(dynamo::ParseFloat("3.4028235e38", f));
    EXPECT_EQ(f, FLT_MAX);
    ASSERT_TRUE(dynamo::ParseFloat("-3.4028235e38", f));
    EXPECT_EQ(f, -FLT_MAX);
    // Subnormal results are kept.
    ASSERT_TRUE(dynamo::ParseFloat("1e-40", f));
    EXPECT_GT(f, 0.0f);
    EXPECT_LT(f, FLT_MIN);
    // Too small for float: rounds to zero, keeping the sign.
    ASSERT_TRUE(dynamo::ParseFloat("1e-50", f));
    EXPECT_EQ(f, 0.0f);
    EXPECT_FALSE(std::signbit(f));
    ASSERT_TRUE(dynamo::ParseFloat("-1E-130", f));
    EXPECT_EQ(f, 0.0f);
    EXPECT_TRUE(std::signbit(f));
}

TEST(ParseFloat, OverflowAndInvalid) {
    float f = 7;
    EXPECT_FALSE(dynamo::ParseFloat("3.5e38", f));
    EXPECT_FALSE(dynamo::ParseFloat("-1e39", f));
    EXPECT_FALSE(dynamo::ParseFloat("9.99E+125", f));
    EXPECT_FALSE(dynamo::ParseFloat("1e400", f));
    EXPECT_FALSE(dynamo::ParseFloat("abc", f));
    EXPECT_FALSE(dynamo::ParseFloat("", f));
    EXPECT_FALSE(dynamo::ParseFloat("Infinity", f));
    EXPECT_EQ(f, 7.0f);
}

// ---------------------------------------------------------------------------------------------
// Dates and timestamps

TEST(LooksLikeIsoDate, BareDates) {
    for (bool date_only : {true, false}) {
        EXPECT_TRUE(dynamo::LooksLikeIsoDate("2024-01-31", date_only));
        EXPECT_TRUE(dynamo::LooksLikeIsoDate("2024-02-29", date_only));
        EXPECT_TRUE(dynamo::LooksLikeIsoDate("2000-02-29", date_only));
        EXPECT_TRUE(dynamo::LooksLikeIsoDate("1999-12-31", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2023-02-29", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("1900-02-29", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-04-31", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-13-01", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-00-10", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-01-00", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-1-01", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("24-01-01", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("12024-01-01", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024/01/01", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("20240101", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("now", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("tomorrow", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("today", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("infinity", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("epoch", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate(" 2024-01-01", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-01-01 ", date_only));
        EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-01-01T", date_only));
    }
}

TEST(LooksLikeIsoDate, DateOnlyRejectsTimes) {
    EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-01-01T10:00:00", true));
    EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-01-01 10:00", true));
    EXPECT_FALSE(dynamo::LooksLikeIsoDate("2024-01-01Z", true));
    EXPECT_TRUE(dynamo::LooksLikeIsoDate("2024-01-01T10:00:00", false));
    EXPECT_TRUE(dynamo::LooksLikeIsoDate("2024-01-01 10:00", false));
}

TEST(LooksLikeIsoTimestamp, Accepts) {
    const char *good[] = {
        "2024-01-01",
        "2024-01-01T10:00",
        "2024-01-01 10:00",
        "2024-01-01t10:00",
        "2024-01-01T10:00:59",
        "2024-01-01T23:59:60",
        "2024-01-01T24:00:00",
        "2024-01-01T10:00:00.1",
        "2024-01-01T10:00:00.123456789",
        "2024-01-01T10:00:00Z",
        "2024-01-01T10:00:00z",
        "2024-01-01T10:00Z",
        "2024-01-01T10:00:00.5Z",
        "2024-01-01T10:00:00+05",
        "2024-01-01T10:00:00+05:30",
        "2024-01-01T10:00:00+0530",
        "2024-01-01T10:00:00-08:00",
        "2024-01-01 10:00:00.123-0800",
    };
    for (const char *text : good) {
        EXPECT_TRUE(dynamo::LooksLikeIsoTimestamp(text)) << text;
        EXPECT_TRUE(dynamo::LooksLikeIsoDate(text, false)) << text;
    }
}

TEST(LooksLikeIsoTimestamp, Rejects) {
    const char *bad[] = {
        "now",
        "tomorrow",
        "yesterday",
        "allballs",
        "",
        "2024-01-01T",
        "2024-01-01T10",
        "2024-01-01T1:00",
        "2024-01-01T10:0",
        "2024-01-01T25:00",
        "2024-01-01T10:60",
        "2024-01-01T10:00:61",
        "2024-01-01T10:00:0",
        "2024-01-01T10:00:00.",
        "2024-01-01T10:00:00,5",
        "2024-01-01T10:00:00Zjunk",
        "2024-01-01T10:00:00ZZ",
        "2024-01-01T10:00:00+5",
        "2024-01-01T10:00:00+05:3",
        "2024-01-01T10:00:00+053",
        "2024-01-01T10:00:00+05:30:00",
        "2024-01-01T10:00:00+24:00",
        "2024-01-01T10:00:00+05:60",
        "2024-01-01T10:00:00 +05",
        "2024-01-01T10:00:00 UTC",
        "2024-01-01X10:00",
        "2024-01-01  10:00",
        "2024-02-30T10:00:00Z",
        "1704067200",
    };
    for (const char *text : bad) {
        EXPECT_FALSE(dynamo::LooksLikeIsoTimestamp(text)) << text;
    }
}

}  // namespace

TEST(CheckDynamoNumber, AcceptsWhatDynamoDBStores) {
    std::string why;
    EXPECT_TRUE(dynamo::CheckDynamoNumber("0", why));
    EXPECT_TRUE(dynamo::CheckDynamoNumber("-0.000", why));
    EXPECT_TRUE(dynamo::CheckDynamoNumber("12345678901234567890123456789012345678", why));
    EXPECT_TRUE(dynamo::CheckDynamoNumber("1234567890123456789012345678901234567800000", why));
    EXPECT_TRUE(dynamo::CheckDynamoNumber("9.9999999999999999999999999999999999999E+125", why));
    EXPECT_TRUE(dynamo::CheckDynamoNumber("1E-130", why));
    EXPECT_TRUE(dynamo::CheckDynamoNumber("0.00100", why));
}

TEST(CheckDynamoNumber, RejectsWhatDynamoDBCannotStore) {
    std::string why;
    EXPECT_FALSE(dynamo::CheckDynamoNumber("123456789012345678901234567890123456789", why));
    EXPECT_EQ(why, "more than 38 significant digits");
    EXPECT_FALSE(dynamo::CheckDynamoNumber("1E+126", why));
    EXPECT_FALSE(dynamo::CheckDynamoNumber("1E-131", why));
    EXPECT_FALSE(dynamo::CheckDynamoNumber("0.1E-130", why));
    EXPECT_FALSE(dynamo::CheckDynamoNumber("NaN", why));
    EXPECT_FALSE(dynamo::CheckDynamoNumber("", why));
}

TEST(CompareDecimal, SpellingsOfOneValueAreEqual) {
    EXPECT_EQ(dynamo::CompareDecimal("1", "1.0"), 0);
    EXPECT_EQ(dynamo::CompareDecimal("1", "10E-1"), 0);
    EXPECT_EQ(dynamo::CompareDecimal("1500", "1.5e3"), 0);
    EXPECT_EQ(dynamo::CompareDecimal("-0", "0.000"), 0);
    EXPECT_EQ(dynamo::CompareDecimal("+2", "2"), 0);
    EXPECT_EQ(dynamo::CompareDecimal(".5", "0.50"), 0);
}

TEST(CompareDecimal, OrdersByValueExactly) {
    const std::vector<std::string> ascending = {
        "-1E+125", "-10",
        "-9.5",    "-1.00000000000000000000000000000000000001",
        "-1",      "-0.5",
        "-1E-130", "0",
        "1E-130",  "0.0001",
        "0.1",     "0.99999999999999999999999999999999999999",
        "1",       "1.00000000000000000000000000000000000001",
        "2",       "9",
        "10",      "1.1E+1",
        "1E+125"};
    for (size_t i = 0; i < ascending.size(); ++i)
        for (size_t j = 0; j < ascending.size(); ++j) {
            int c = dynamo::CompareDecimal(ascending[i], ascending[j]);
            int want = i < j ? -1 : i > j ? 1 : 0;
            EXPECT_EQ(c, want) << ascending[i] << " vs " << ascending[j];
        }
}

TEST(CompareDecimal, NonNumbersSortLastByBytes) {
    EXPECT_LT(dynamo::CompareDecimal("1E+125", "x"), 0);
    EXPECT_GT(dynamo::CompareDecimal("x", "-5"), 0);
    EXPECT_LT(dynamo::CompareDecimal("a", "b"), 0);
    EXPECT_EQ(dynamo::CompareDecimal("a", "a"), 0);
}

TEST(CanonicalNumberText, OnlyTheFormDynamoDBWritesBack) {
    for (const char *text : {"1", "-12", "2.5", "0.001", "-0.5", "12345678901234567890", "10"})
        EXPECT_TRUE(dynamo::IsCanonicalNumberText(text)) << text;
    for (const char *text :
         {"0", "-0", "05", "1.50", "1.", ".5", "1E+2", "+1", "", "-", "1.0", "abc", " 1", "0.0"})
        EXPECT_FALSE(dynamo::IsCanonicalNumberText(text)) << text;
    EXPECT_TRUE(dynamo::LooksLikeNumberText("1E+2"));
    EXPECT_TRUE(dynamo::LooksLikeNumberText("05"));
    EXPECT_FALSE(dynamo::LooksLikeNumberText("apple"));
}
