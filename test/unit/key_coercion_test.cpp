// Unit tests for src/client/key_coercion.
#include "client/key_coercion.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using dynamo::AttributeValue;
using dynamo::AttrType;
using dynamo::CoerceToKeyType;
using dynamo::KeyCoercion;

TEST(CoerceToKeyType, StringKeyTakesStringsAndNumberDigits) {
    AttributeValue s = AttributeValue::String("user123");
    EXPECT_EQ(CoerceToKeyType(s, AttrType::S), KeyCoercion::Ok);
    EXPECT_EQ(s, AttributeValue::String("user123"));

    AttributeValue n = AttributeValue::Number("-1.50");
    EXPECT_EQ(CoerceToKeyType(n, AttrType::S), KeyCoercion::Ok);
    EXPECT_EQ(n, AttributeValue::String("-1.50"));  // the digits as written, not normalized

    AttributeValue b = AttributeValue::Binary("\x01");
    EXPECT_EQ(CoerceToKeyType(b, AttrType::S), KeyCoercion::WrongType);
    EXPECT_EQ(b, AttributeValue::Binary("\x01"));
    AttributeValue t = AttributeValue::Bool(true);
    EXPECT_EQ(CoerceToKeyType(t, AttrType::S), KeyCoercion::WrongType);
    EXPECT_EQ(t.type, AttrType::BOOL);

    AttributeValue empty = AttributeValue::String("");
    EXPECT_EQ(CoerceToKeyType(empty, AttrType::S), KeyCoercion::Empty);
}

TEST(CoerceToKeyType, NumberKeyTakesNumbersAndStringsDynamoDBCanStore) {
    AttributeValue n = AttributeValue::Number("42");
    EXPECT_EQ(CoerceToKeyType(n, AttrType::N), KeyCoercion::Ok);
    EXPECT_EQ(n, AttributeValue::Number("42"));

    AttributeValue s = AttributeValue::String("1E+2");
    EXPECT_EQ(CoerceToKeyType(s, AttrType::N), KeyCoercion::Ok);
    EXPECT_EQ(s, AttributeValue::Number("1E+2"));

    for (const char *bad :
         {"", "abc", "1e200", "NaN", " 1", "12345678901234567890123456789012345678901"}) {
        AttributeValue v = AttributeValue::String(bad);
        EXPECT_EQ(CoerceToKeyType(v, AttrType::N), KeyCoercion::NotNumber) << bad;
        EXPECT_EQ(v.type, AttrType::S) << bad;
    }

    AttributeValue b = AttributeValue::Binary("1");
    EXPECT_EQ(CoerceToKeyType(b, AttrType::N), KeyCoercion::WrongType);
    AttributeValue null = AttributeValue::Null();
    EXPECT_EQ(CoerceToKeyType(null, AttrType::N), KeyCoercion::WrongType);
}

TEST(CoerceToKeyType, BinaryKeyTakesBytesAndBase64Strings) {
    AttributeValue b = AttributeValue::Binary(std::string("\x00\xff", 2));
    EXPECT_EQ(CoerceToKeyType(b, AttrType::B), KeyCoercion::Ok);
    EXPECT_EQ(b, AttributeValue::Binary(std::string("\x00\xff", 2)));

    AttributeValue s = AttributeValue::String("aGk=");
    EXPECT_EQ(CoerceToKeyType(s, AttrType::B), KeyCoercion::Ok);
    EXPECT_EQ(s, AttributeValue::Binary("hi"));

    AttributeValue bad = AttributeValue::String("not base64!");
    EXPECT_EQ(CoerceToKeyType(bad, AttrType::B), KeyCoercion::NotBase64);
    EXPECT_EQ(bad, AttributeValue::String("not base64!"));

    AttributeValue n = AttributeValue::Number("1");
    EXPECT_EQ(CoerceToKeyType(n, AttrType::B), KeyCoercion::WrongType);
    EXPECT_EQ(n, AttributeValue::Number("1"));

    AttributeValue empty_bytes = AttributeValue::Binary("");
    EXPECT_EQ(CoerceToKeyType(empty_bytes, AttrType::B), KeyCoercion::Empty);
    AttributeValue empty_text = AttributeValue::String("");  // decodes to no bytes
    EXPECT_EQ(CoerceToKeyType(empty_text, AttrType::B), KeyCoercion::Empty);
}

}  // namespace
