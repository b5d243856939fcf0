// Number and date texts: DynamoDB numbers travel as decimal text, and these read, check and compare
// that text exactly (no floating point unless a float is asked for); dates and timestamps travel
// as ISO 8601 strings, which are checked here before Postgres parses them. Part of the client
// layer: plain C++, never includes postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstdint>
#include <string>
#include <string_view>

namespace dynamo {

// The pieces of a decimal number text: [+-] digits [. digits] [(e|E) [+-] digits], with at least
// one digit in the mantissa. No surrounding whitespace, no "inf"/"nan", no hexadecimal.
struct DecimalText {
    bool negative = false;
    bool has_sign = false;         // an explicit '+' or '-' leads the text
    bool has_point = false;        // the mantissa contains '.'
    std::string_view int_digits;   // digits before the point (may be empty, e.g. ".5")
    std::string_view frac_digits;  // digits after the point (may be empty, e.g. "5.")
    std::string_view exp_text;     // exponent after 'e'/'E' including its sign; empty if none
    int64_t exponent = 0;          // exponent value, clamped to +-kDecimalExponentLimit
};

// Exponents beyond this magnitude are clamped; any non-zero mantissa with such an exponent is far
// outside every supported numeric range.
constexpr int64_t kDecimalExponentLimit = 1000000000000000LL;

// Splits `text` into its parts; false when it is not a decimal number.
bool ScanDecimal(std::string_view text, DecimalText &out);
// Whether ScanDecimal accepts `text`; the common spelling without an exponent is checked
// without splitting it.
bool IsDecimalNumber(std::string_view text);

// Parses a DynamoDB number text (DynamoDB may send forms like "-12", "1.50", "1E+2", "1.2e3",
// "0.0") into an integer in [min_value, max_value]. Exact for the whole int64 range: no floating
// point is involved. Returns Ok, NotInteger (has a non-zero fractional part), OutOfRange, or
// Invalid (not a number). A value that is both fractional and out of range reports NotInteger.
enum class IntParse { Ok, NotInteger, OutOfRange, Invalid };
IntParse ParseInteger(std::string_view text, int64_t min_value, int64_t max_value, int64_t &out);

// Parses a number text to the nearest double / float (correctly rounded). Returns false if the
// text is invalid or its magnitude overflows the target type. Values too small for the type
// round to a subnormal or to a signed zero and are accepted.
bool ParseDouble(std::string_view text, double &out);
bool ParseFloat(std::string_view text, float &out);

// True when text looks like an ISO 8601 date "YYYY-MM-DD" (month 01-12, day valid for the month)
// optionally followed by 'T' or ' ' and a time HH:MM[:SS[.fraction]] (hour 00-24, minute 00-59,
// second 00-60) and an optional zone (Z, +HH, +HH:MM, +HHMM, or the same with '-'). With
// date_only=true only the bare date is accepted. Used to reject values like "now" or "tomorrow"
// before handing text to Postgres's parser, which does the full validation.
bool LooksLikeIsoDate(std::string_view text, bool date_only);
// Same as LooksLikeIsoDate(text, false): a date with an optional time and zone.
bool LooksLikeIsoTimestamp(std::string_view text);

}  // namespace dynamo

namespace dynamo {

// Checks that a decimal text is a number DynamoDB can store: at most 38 significant digits and a
// magnitude between 1E-130 and 9.99...E+125 (or zero). On failure `why` says what is wrong.
bool CheckDynamoNumber(std::string_view text, std::string &why);

// Compares two decimal number texts by value, exactly (no floating point): negative, zero or
// positive as a is less than, equal to or greater than b. Spellings of one value are equal
// ("1", "1.0", "10E-1", "-0" and "0"). A text that is not a decimal number sorts after every
// number, and two such texts compare by bytes.
int CompareDecimal(std::string_view a, std::string_view b);

// Whether `text` is written as DynamoDB writes back a stored number: an optional '-', the
// integer part without leading zeros, and a fraction (if any) without trailing zeros, no exponent
// ("0", "-12", "2.5", "0.001"; not "-0", "05", "1.50", "1E+2", "+1"). DynamoDB keeps numbers in
// this form, so a number attribute reads as exactly this text when it equals the number.
// "0" is left out too: a backend may keep a negative zero as "-0".
bool IsCanonicalNumberText(std::string_view text);
// Whether `text` reads as a decimal number at all (then it may be some number's text).
bool LooksLikeNumberText(std::string_view text);

}  // namespace dynamo
