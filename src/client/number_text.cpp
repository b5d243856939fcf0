#include "number_text.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>

namespace dynamo {

namespace {

inline bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

// Consumes a run of digits starting at text[pos]; returns the run.
std::string_view TakeDigits(std::string_view text, size_t &pos) {
    size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) {
        ++pos;
    }
    return text.substr(start, pos - start);
}

// The mantissa digits int_digits followed by frac_digits, indexed as one sequence.
class MantissaDigits {
  public:
    explicit MantissaDigits(const DecimalText &d) : a_(d.int_digits), b_(d.frac_digits) {}
    size_t size() const { return a_.size() + b_.size(); }
    int operator[](size_t i) const { return (i < a_.size() ? a_[i] : b_[i - a_.size()]) - '0'; }

    // Index of the first / last non-zero digit, or size() when every digit is zero.
    size_t FirstNonZero() const {
        for (size_t i = 0; i < size(); ++i) {
            if ((*this)[i] != 0) {
                return i;
            }
        }
        return size();
    }
    size_t LastNonZero() const {
        for (size_t i = size(); i > 0; --i) {
            if ((*this)[i - 1] != 0) {
                return i - 1;
            }
        }
        return size();
    }

  private:
    std::string_view a_, b_;
};

// True when the (non-zero) value described by d has magnitude >= 1.
bool MagnitudeAtLeastOne(const DecimalText &d) {
    MantissaDigits digits(d);
    size_t first = digits.FirstNonZero();
    if (first == digits.size()) {
        return false;
    }
    // Decimal position of the leading significant digit: 0 for the units place.
    int64_t position =
        static_cast<int64_t>(d.int_digits.size()) - 1 - static_cast<int64_t>(first) + d.exponent;
    return position >= 0;
}

// Reads exactly `n` digits at text[pos] as a number; false if they are not all digits.
bool TakeFixed(std::string_view text, size_t &pos, size_t n, int &value) {
    if (text.size() - pos < n) {
        return false;
    }
    value = 0;
    for (size_t i = 0; i < n; ++i) {
        char c = text[pos + i];
        if (!IsDigit(c)) {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += n;
    return true;
}

bool IsLeapYear(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int year, int month) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// "YYYY-MM-DD" at text[pos].
bool TakeDate(std::string_view text, size_t &pos) {
    int year, month, day;
    if (!TakeFixed(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
        !TakeFixed(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
        !TakeFixed(text, pos, 2, day)) {
        return false;
    }
    return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

// "HH:MM[:SS[.fraction]]" at text[pos].
bool TakeTime(std::string_view text, size_t &pos) {
    int hour, minute, second = 0;
    if (!TakeFixed(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !TakeFixed(text, pos, 2, minute)) {
        return false;
    }
    if (hour > 24 || minute > 59) {
        return false;
    }
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!TakeFixed(text, pos, 2, second) || second > 60) {
            return false;
        }
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            if (TakeDigits(text, pos).empty()) {
                return false;
            }
        }
    }
    return true;
}

// "Z", "+HH", "+HH:MM", "+HHMM" (or with '-') filling the rest of the text from text[pos].
bool TakeZoneToEnd(std::string_view text, size_t &pos) {
    if (pos == text.size()) {
        return true;
    }
    char c = text[pos++];
    if (c == 'Z' || c == 'z') {
        return pos == text.size();
    }
    if (c != '+' && c != '-') {
        return false;
    }
    int hours, minutes = 0;
    if (!TakeFixed(text, pos, 2, hours)) {
        return false;
    }
    if (pos < text.size()) {
        if (text[pos] == ':') {
            ++pos;
        }
        if (!TakeFixed(text, pos, 2, minutes)) {
            return false;
        }
    }
    return pos == text.size() && hours <= 23 && minutes <= 59;
}

}  // namespace

bool ScanDecimal(std::string_view text, DecimalText &out) {
    out = DecimalText();
    size_t pos = 0;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        out.has_sign = true;
        out.negative = text[pos] == '-';
        ++pos;
    }
    out.int_digits = TakeDigits(text, pos);
    if (pos < text.size() && text[pos] == '.') {
        out.has_point = true;
        ++pos;
        out.frac_digits = TakeDigits(text, pos);
    }
    if (out.int_digits.empty() && out.frac_digits.empty()) {
        return false;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        size_t exp_start = pos;
        bool exp_negative = false;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
            exp_negative = text[pos] == '-';
            ++pos;
        }
        std::string_view exp_digits = TakeDigits(text, pos);
        if (exp_digits.empty()) {
            return false;
        }
        out.exp_text = text.substr(exp_start, pos - exp_start);
        int64_t value = 0;
        for (char c : exp_digits) {
            value = value * 10 + (c - '0');
            if (value > kDecimalExponentLimit) {
                value = kDecimalExponentLimit;
                break;
            }
        }
        out.exponent = exp_negative ? -value : value;
    }
    return pos == text.size();
}

bool IsDecimalNumber(std::string_view text) {
    size_t i = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+'))
        ++i;
    bool digits = false, point = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            digits = true;
        } else if (c == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    if (i == text.size())
        return digits;
    // An exponent, or something that is not a number: the general scan decides.
    DecimalText d;
    return ScanDecimal(text, d);
}

IntParse ParseInteger(std::string_view text, int64_t min_value, int64_t max_value, int64_t &out) {
    // The common spelling, an optional minus and at most 18 digits, fits int64 as it is.
    size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
    size_t ndigits = text.size() - sign;
    if (ndigits > 0 && ndigits <= 18) {
        int64_t value = 0;
        size_t i = sign;
        for (; i < text.size(); ++i) {
            unsigned digit = static_cast<unsigned char>(text[i]) - '0';
            if (digit > 9)
                break;
            value = value * 10 + static_cast<int64_t>(digit);
        }
        if (i == text.size()) {
            if (sign)
                value = -value;
            if (value < min_value || value > max_value)
                return IntParse::OutOfRange;
            out = value;
            return IntParse::Ok;
        }
    }
    DecimalText d;
    if (!ScanDecimal(text, d)) {
        return IntParse::Invalid;
    }
    MantissaDigits digits(d);
    size_t first = digits.FirstNonZero();
    if (first == digits.size()) {
        if (min_value > 0 || max_value < 0) {
            return IntParse::OutOfRange;
        }
        out = 0;
        return IntParse::Ok;
    }
    size_t last = digits.LastNonZero();
    // value = digits[first..last] * 10^scale
    int64_t scale = d.exponent - static_cast<int64_t>(d.frac_digits.size()) +
                    static_cast<int64_t>(digits.size() - 1 - last);
    if (scale < 0) {
        return IntParse::NotInteger;
    }
    constexpr int64_t kMaxDigits = std::numeric_limits<uint64_t>::digits10;  // 19
    int64_t significant = static_cast<int64_t>(last - first + 1);
    if (significant > kMaxDigits || scale > kMaxDigits - significant) {
        return IntParse::OutOfRange;
    }
    uint64_t magnitude = 0;
    for (size_t i = first; i <= last; ++i) {
        magnitude = magnitude * 10 + static_cast<uint64_t>(digits[i]);
    }
    for (int64_t i = 0; i < scale; ++i) {
        magnitude *= 10;
    }
    constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    int64_t value;
    if (d.negative) {
        if (magnitude > kMaxPositive + 1) {
            return IntParse::OutOfRange;
        }
        value = magnitude == kMaxPositive + 1 ? std::numeric_limits<int64_t>::min()
                                              : -static_cast<int64_t>(magnitude);
    } else {
        if (magnitude > kMaxPositive) {
            return IntParse::OutOfRange;
        }
        value = static_cast<int64_t>(magnitude);
    }
    if (value < min_value || value > max_value) {
        return IntParse::OutOfRange;
    }
    out = value;
    return IntParse::Ok;
}

namespace {

template <typename T>
bool ParseBinaryFloat(std::string_view text, T &out) {
    DecimalText d;
    if (!ScanDecimal(text, d)) {
        return false;
    }
    const char *begin = text.data();
    const char *end = begin + text.size();
    if (*begin == '+') {
        ++begin;  // from_chars accepts only '-'
    }
    T value{};
    std::from_chars_result r = std::from_chars(begin, end, value);
    if (r.ptr != end) {
        return false;
    }
    if (r.ec == std::errc::result_out_of_range) {
        if (MagnitudeAtLeastOne(d)) {
            return false;
        }
        value = d.negative ? -T(0) : T(0);
    } else if (r.ec != std::errc()) {
        return false;
    }
    out = value;
    return true;
}

}  // namespace

bool ParseDouble(std::string_view text, double &out) {
    return ParseBinaryFloat(text, out);
}

bool ParseFloat(std::string_view text, float &out) {
    return ParseBinaryFloat(text, out);
}

bool LooksLikeIsoDate(std::string_view text, bool date_only) {
    size_t pos = 0;
    if (!TakeDate(text, pos)) {
        return false;
    }
    if (pos == text.size()) {
        return true;
    }
    if (date_only) {
        return false;
    }
    char sep = text[pos++];
    if (sep != 'T' && sep != 't' && sep != ' ') {
        return false;
    }
    return TakeTime(text, pos) && TakeZoneToEnd(text, pos);
}

bool LooksLikeIsoTimestamp(std::string_view text) {
    return LooksLikeIsoDate(text, false);
}

}  // namespace dynamo

namespace dynamo {

bool CheckDynamoNumber(std::string_view text, std::string &why) {
    DecimalText d;
    if (!ScanDecimal(text, d)) {
        why = "not a decimal number";
        return false;
    }
    // Significant digits: the mantissa's digits without leading and trailing zeros.
    std::string digits;
    digits.reserve(d.int_digits.size() + d.frac_digits.size());
    digits.append(d.int_digits);
    digits.append(d.frac_digits);
    size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos)
        return true;  // zero
    size_t last = digits.find_last_not_of('0');
    size_t significant = last - first + 1;
    if (significant > 38) {
        why = "more than 38 significant digits";
        return false;
    }
    // Decimal exponent of the leading significant digit.
    int64_t lead =
        static_cast<int64_t>(d.int_digits.size()) - 1 - static_cast<int64_t>(first) + d.exponent;
    if (lead > 125) {
        why = "larger than 9.9999999999999999999999999999999999999E+125";
        return false;
    }
    if (lead < -130) {
        why = "smaller than 1E-130";
        return false;
    }
    return true;
}

namespace {

// A decimal number as sign, significant digits and magnitude: its value is
// sign * 0.D * 10^magnitude, where D are the digits from `first` to `last` (inclusive) of the
// mantissa's digits (int_digits then frac_digits), without leading or trailing zeros.
struct SignificantDigits {
    int sign = 0;  // -1, 0 (the value is zero) or 1
    std::string_view int_digits, frac_digits;
    size_t first = 0, last = 0;
    int64_t magnitude = 0;

    char At(size_t i) const {
        return i < int_digits.size() ? int_digits[i] : frac_digits[i - int_digits.size()];
    }
    size_t Count() const { return last - first + 1; }
};

bool Significant(std::string_view text, SignificantDigits &out) {
    DecimalText d;
    if (!ScanDecimal(text, d))
        return false;
    out.int_digits = d.int_digits;
    out.frac_digits = d.frac_digits;
    size_t n = d.int_digits.size() + d.frac_digits.size();
    size_t first = 0;
    while (first < n && out.At(first) == '0')
        ++first;
    if (first == n) {
        out.sign = 0;
        return true;
    }
    size_t last = n - 1;
    while (out.At(last) == '0')
        --last;
    out.sign = d.negative ? -1 : 1;
    out.first = first;
    out.last = last;
    out.magnitude =
        static_cast<int64_t>(d.int_digits.size()) - static_cast<int64_t>(first) + d.exponent;
    return true;
}

}  // namespace

int CompareDecimal(std::string_view a, std::string_view b) {
    SignificantDigits x, y;
    bool xok = Significant(a, x), yok = Significant(b, y);
    if (!xok || !yok) {
        if (xok != yok)
            return xok ? -1 : 1;
        return a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
    }
    if (x.sign != y.sign)
        return x.sign < y.sign ? -1 : 1;
    if (x.sign == 0)
        return 0;
    // Same sign: compare the magnitudes, then the digits; a larger absolute value is the
    // greater number when positive and the smaller one when negative.
    int abs = 0;
    if (x.magnitude != y.magnitude) {
        abs = x.magnitude < y.magnitude ? -1 : 1;
    } else {
        size_t nx = x.Count(), ny = y.Count();
        for (size_t i = 0; i < std::max(nx, ny) && abs == 0; ++i) {
            char cx = i < nx ? x.At(x.first + i) : '0';
            char cy = i < ny ? y.At(y.first + i) : '0';
            if (cx != cy)
                abs = cx < cy ? -1 : 1;
        }
    }
    return x.sign * abs;
}

bool IsCanonicalNumberText(std::string_view text) {
    size_t i = 0, n = text.size();
    if (i < n && text[i] == '-')
        i++;
    size_t int_start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9')
        i++;
    size_t int_len = i - int_start;
    if (int_len == 0 || (int_len > 1 && text[int_start] == '0'))
        return false;
    bool zero_int = int_len == 1 && text[int_start] == '0';
    if (i < n) {
        if (text[i] != '.')
            return false;
        size_t frac_start = ++i;
        while (i < n && text[i] >= '0' && text[i] <= '9')
            i++;
        if (i != n || i == frac_start || text[n - 1] == '0')
            return false;
        return true;
    }
    return !zero_int;  // "0" and "-0" are not taken as canonical (see the header)
}

bool LooksLikeNumberText(std::string_view text) {
    DecimalText d;
    return ScanDecimal(text, d);
}

}  // namespace dynamo
