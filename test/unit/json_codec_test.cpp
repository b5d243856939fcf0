// Unit tests for src/client/json_codec and src/client/attribute_value.
#include "client/json_codec.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <string>
#include <vector>

namespace dynamo {

// Lets GoogleTest print values in failure messages.
void PrintTo(const AttributeValue &v, std::ostream *os) {
    *os << AttrTypeName(v.type) << ' ' << ToPlainJson(v);
}

}  // namespace dynamo

namespace {

using dynamo::AttributeValue;
using dynamo::AttrType;
using dynamo::Item;
using dynamo::JsonError;

AttributeValue MakeList(std::vector<AttributeValue> items) {
    AttributeValue v;
    v.type = AttrType::L;
    v.list = std::move(items);
    return v;
}

AttributeValue MakeMap(std::vector<std::pair<std::string, AttributeValue>> entries) {
    AttributeValue v;
    v.type = AttrType::M;
    v.map = std::move(entries);
    return v;
}

AttributeValue MakeSet(AttrType type, std::vector<std::string> elements) {
    AttributeValue v;
    v.type = type;
    v.set = std::move(elements);
    return v;
}

std::string Bytes(std::initializer_list<int> bytes) {
    std::string s;
    for (int b : bytes) {
        s.push_back(static_cast<char>(b));
    }
    return s;
}

// Parses DynamoDB JSON text as one attribute value.
AttributeValue ParseText(const std::string &json) {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    auto error = parser.parse(json).get(e);
    if (error != simdjson::SUCCESS) {
        ADD_FAILURE() << "test JSON does not parse: " << json;
        return AttributeValue();
    }
    return dynamo::ParseAttributeValue(e);
}

Item ParseItemText(const std::string &json) {
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    auto error = parser.parse(json).get(o);
    if (error != simdjson::SUCCESS) {
        ADD_FAILURE() << "test JSON is not an object: " << json;
        return Item();
    }
    return dynamo::ParseItem(o);
}

std::string Typed(const AttributeValue &v) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    dynamo::WriteAttributeValue(w, v);
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string TypedItem(const Item &item) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    dynamo::WriteItem(w, item);
    return std::string(buffer.GetString(), buffer.GetSize());
}

// Checks the text is one valid JSON document according to simdjson.
bool IsValidJson(const std::string &json) {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    return parser.parse(json).get(e) == simdjson::SUCCESS;
}

// The message of the JsonError thrown while parsing `json`, or "" if none is thrown.
std::string ParseErrorOf(const std::string &json) {
    try {
        ParseText(json);
    } catch (const JsonError &e) {
        return e.what();
    }
    return "";
}

std::string AllBytes() {
    std::string s;
    for (int i = 0; i < 256; ++i) {
        s.push_back(static_cast<char>(i));
    }
    return s;
}

AttributeValue NestedSample() {
    return MakeMap({
        {"name", AttributeValue::String("widget")},
        {"price", AttributeValue::Number("12.50")},
        {"tags", MakeSet(AttrType::SS, {"a", "b"})},
        {"dims", MakeList({AttributeValue::Number("1"), AttributeValue::Number("2.5"),
                           MakeList({AttributeValue::Null(), AttributeValue::Bool(true)})})},
        {"meta", MakeMap({{"blob", AttributeValue::Binary(Bytes({0x00, 0xFF, 0x10}))},
                          {"inner", MakeMap({{"deep", MakeList({})}})}})},
        {"ns", MakeSet(AttrType::NS, {"1", "-2.5", "1E+2"})},
        {"bs", MakeSet(AttrType::BS, {Bytes({0x00}), Bytes({0xFF, 0xFE})})},
    });
}

// ---------------------------------------------------------------------------------------------
// Base64

TEST(Base64, EncodesPaddingLengths) {
    EXPECT_EQ(dynamo::Base64Encode(""), "");
    EXPECT_EQ(dynamo::Base64Encode("f"), "Zg==");
    EXPECT_EQ(dynamo::Base64Encode("fo"), "Zm8=");
    EXPECT_EQ(dynamo::Base64Encode("foo"), "Zm9v");
    EXPECT_EQ(dynamo::Base64Encode("foob"), "Zm9vYg==");
    EXPECT_EQ(dynamo::Base64Encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(dynamo::Base64Encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(dynamo::Base64Encode(Bytes({0x00, 0xFF})), "AP8=");
    EXPECT_EQ(dynamo::Base64Encode(Bytes({0xFB, 0xFF, 0xBF})), "+/+/");
}

TEST(Base64, EncodeAppendKeepsPrefix) {
    std::string out = "x:";
    dynamo::Base64EncodeAppend("fo", out);
    EXPECT_EQ(out, "x:Zm8=");
}

TEST(Base64, DecodesPaddingLengths) {
    std::string out = "junk";
    ASSERT_TRUE(dynamo::Base64Decode("", out));
    EXPECT_EQ(out, "");
    ASSERT_TRUE(dynamo::Base64Decode("Zg==", out));
    EXPECT_EQ(out, "f");
    ASSERT_TRUE(dynamo::Base64Decode("Zm8=", out));
    EXPECT_EQ(out, "fo");
    ASSERT_TRUE(dynamo::Base64Decode("Zm9v", out));
    EXPECT_EQ(out, "foo");
    ASSERT_TRUE(dynamo::Base64Decode("Zm9vYmE=", out));
    EXPECT_EQ(out, "fooba");
    ASSERT_TRUE(dynamo::Base64Decode("AP8=", out));
    EXPECT_EQ(out, Bytes({0x00, 0xFF}));
    ASSERT_TRUE(dynamo::Base64Decode("AAAA", out));
    EXPECT_EQ(out, Bytes({0x00, 0x00, 0x00}));
}

TEST(Base64, RoundTripsEveryByteAndLength) {
    std::string all = AllBytes();
    for (size_t n = 0; n <= all.size(); ++n) {
        std::string bytes = all.substr(all.size() - n);
        std::string decoded;
        ASSERT_TRUE(dynamo::Base64Decode(dynamo::Base64Encode(bytes), decoded)) << n;
        EXPECT_EQ(decoded, bytes) << n;
    }
}

TEST(Base64, RejectsInvalidText) {
    const char *bad[] = {
        "Z",    "Zg",   "Zg=",      "Zm9",      "Zg=a",        "Z===",  "====",
        "=Zm9", "Zm=v", "Zm9v====", "Zm9v\n",   " Zm9v",       "Zm9v ", "Zm 9v",
        "Zm-v", "Zm_v", "Zm9*",     "Zg==Zg==", "\xC3\xA9Zm9",
    };
    for (const char *text : bad) {
        std::string out = "junk";
        EXPECT_FALSE(dynamo::Base64Decode(text, out)) << text;
        EXPECT_TRUE(out.empty()) << text;
    }
    std::string with_nul("Zm9v\0AAA", 8);
    std::string out;
    EXPECT_FALSE(dynamo::Base64Decode(with_nul, out));
}

// ---------------------------------------------------------------------------------------------
// Parsing

TEST(ParseAttributeValue, ScalarTypes) {
    AttributeValue s = ParseText(R"({"S":"hello"})");
    EXPECT_EQ(s.type, AttrType::S);
    EXPECT_EQ(s.str, "hello");

    AttributeValue empty = ParseText(R"({"S":""})");
    EXPECT_EQ(empty.type, AttrType::S);
    EXPECT_EQ(empty.str, "");

    AttributeValue n = ParseText(R"({"N":"-1.50E+3"})");
    EXPECT_EQ(n.type, AttrType::N);
    EXPECT_EQ(n.str, "-1.50E+3");

    AttributeValue b = ParseText(R"({"B":"AP8="})");
    EXPECT_EQ(b.type, AttrType::B);
    EXPECT_EQ(b.str, Bytes({0x00, 0xFF}));

    AttributeValue t = ParseText(R"({"BOOL":true})");
    EXPECT_EQ(t.type, AttrType::BOOL);
    EXPECT_TRUE(t.boolean);
    AttributeValue f = ParseText(R"({"BOOL":false})");
    EXPECT_EQ(f.type, AttrType::BOOL);
    EXPECT_FALSE(f.boolean);

    EXPECT_EQ(ParseText(R"({"NULL":true})").type, AttrType::NUL);
}

TEST(ParseAttributeValue, StringsKeepEscapesAndUnicode) {
    AttributeValue s = ParseText(R"({"S":"a\"b\\c\n\u0000\u00e9\ud83d\ude00"})");
    EXPECT_EQ(s.str, std::string("a\"b\\c\n\0\xC3\xA9\xF0\x9F\x98\x80", 13));
}

TEST(ParseAttributeValue, Collections) {
    AttributeValue l = ParseText(R"({"L":[{"S":"a"},{"N":"1"},{"L":[]}]})");
    ASSERT_EQ(l.type, AttrType::L);
    ASSERT_EQ(l.list.size(), 3u);
    EXPECT_EQ(l.list[0], AttributeValue::String("a"));
    EXPECT_EQ(l.list[1], AttributeValue::Number("1"));
    EXPECT_EQ(l.list[2], MakeList({}));

    AttributeValue m = ParseText(R"({"M":{"z":{"S":"1"},"a":{"BOOL":false},"m":{"M":{}}}})");
    ASSERT_EQ(m.type, AttrType::M);
    ASSERT_EQ(m.map.size(), 3u);
    EXPECT_EQ(m.map[0].first, "z");
    EXPECT_EQ(m.map[1].first, "a");
    EXPECT_EQ(m.map[2].first, "m");
    EXPECT_EQ(m.map[2].second, MakeMap({}));

    AttributeValue ss = ParseText(R"({"SS":["x","y"]})");
    EXPECT_EQ(ss.type, AttrType::SS);
    EXPECT_EQ(ss.set, (std::vector<std::string>{"x", "y"}));

    AttributeValue ns = ParseText(R"({"NS":["1","2.5","-3E-2"]})");
    EXPECT_EQ(ns.type, AttrType::NS);
    // Set members come back ordered (NS by value), whatever order they were sent in.
    EXPECT_EQ(ns.set, (std::vector<std::string>{"-3E-2", "1", "2.5"}));

    AttributeValue bs = ParseText(R"({"BS":["AA==","/w=="]})");
    EXPECT_EQ(bs.type, AttrType::BS);
    EXPECT_EQ(bs.set, (std::vector<std::string>{Bytes({0x00}), Bytes({0xFF})}));
}

TEST(ParseItem, KeepsAttributeOrder) {
    Item item = ParseItemText(R"({"pk":{"S":"k1"},"b":{"N":"2"},"a":{"NULL":true}})");
    ASSERT_EQ(item.size(), 3u);
    EXPECT_EQ(item[0].first, "pk");
    EXPECT_EQ(item[1].first, "b");
    EXPECT_EQ(item[2].first, "a");
    EXPECT_EQ(item[0].second, AttributeValue::String("k1"));
    EXPECT_EQ(item[1].second, AttributeValue::Number("2"));
    EXPECT_EQ(item[2].second, AttributeValue::Null());

    EXPECT_TRUE(ParseItemText("{}").empty());
}

// Every member equal, also those the type does not use (== compares only the used ones).
bool Identical(const AttributeValue &a, const AttributeValue &b) {
    if (a.type != b.type || a.boolean != b.boolean || a.str != b.str || a.set != b.set ||
        a.list.size() != b.list.size() || a.map.size() != b.map.size())
        return false;
    for (size_t i = 0; i < a.list.size(); ++i)
        if (!Identical(a.list[i], b.list[i]))
            return false;
    for (size_t i = 0; i < a.map.size(); ++i)
        if (a.map[i].first != b.map[i].first || !Identical(a.map[i].second, b.map[i].second))
            return false;
    return true;
}

TEST(ParseItem, ParsingIntoAnEarlierItemLeavesNothingOfIt) {
    const char *items[] = {
        R"({"pk":{"S":"k1"},"m":{"M":{"a":{"N":"1"},"b":{"L":[{"S":"x"},{"BOOL":true}]},"c":{"SS":["p","q"]}}},"l":{"L":[{"N":"1"},{"N":"2"},{"N":"3"}]}})",
        R"({"pk":{"S":"k2"},"m":{"M":{"a":{"S":"now a string"}}},"l":{"L":[{"M":{"z":{"NULL":true}}}]}})",
        R"({"pk":{"N":"3"},"m":{"BOOL":true},"l":{"NS":["3","1","2"]},"extra":{"B":"AAEC"}})",
        R"({"pk":{"B":"AAEC"},"m":{"M":{}},"l":{"L":[]}})",
        R"({"pk":{"BS":["AAEC","AQ=="]},"m":{"NULL":true}})",
        R"({"pk":{"L":[{"SS":["a"]},{"M":{"k":{"N":"9"}}}]},"m":{"M":{"a":{"L":[{"S":"deep"}]},"b":{"N":"2"},"c":{"BOOL":false},"d":{"S":"added"}}},"l":{"S":"last"}})",
        R"({})",
        R"({"pk":{"S":"k1"},"m":{"M":{"a":{"N":"1"},"b":{"L":[{"S":"x"},{"BOOL":true}]},"c":{"SS":["p","q"]}}},"l":{"L":[{"N":"1"},{"N":"2"},{"N":"3"}]}})",
    };
    Item reused;
    simdjson::dom::parser parser;
    for (const char *json : items) {
        simdjson::dom::object o;
        ASSERT_EQ(parser.parse(json, std::strlen(json)).get(o), simdjson::SUCCESS) << json;
        dynamo::ParseItemInto(o, reused);
        Item fresh = dynamo::ParseItem(o);
        ASSERT_EQ(reused.size(), fresh.size()) << json;
        for (size_t i = 0; i < fresh.size(); ++i) {
            EXPECT_EQ(reused[i].first, fresh[i].first) << json;
            EXPECT_TRUE(Identical(reused[i].second, fresh[i].second))
                << json << ": attribute " << fresh[i].first;
        }
    }
}

TEST(ParseItem, ErrorNamesAttributePath) {
    try {
        ParseItemText(R"({"ok":{"S":"x"},"a":{"M":{"b":{"L":[{"S":"x"},{"N":"bad"}]}}}})");
        FAIL() << "expected JsonError";
    } catch (const JsonError &e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("a.b[1]"), std::string::npos) << msg;
        EXPECT_NE(msg.find("\"bad\""), std::string::npos) << msg;
    }
    try {
        ParseItemText(R"({"tags":{"SS":["a",7]}})");
        FAIL() << "expected JsonError";
    } catch (const JsonError &e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("tags[1]"), std::string::npos) << msg;
        EXPECT_NE(msg.find("number"), std::string::npos) << msg;
    }
}

TEST(ParseAttributeValue, RejectsMalformedInput) {
    const char *bad[] = {
        R"({"S":1})",
        R"({"S":null})",
        R"({"X":"1"})",
        R"({"s":"1"})",
        R"({"SSS":["1"]})",
        R"({})",
        R"({"S":"a","N":"1"})",
        R"("abc")",
        R"([])",
        R"(null)",
        R"(12)",
        R"({"N":1})",
        R"({"N":"abc"})",
        R"({"N":""})",
        R"({"N":" 1"})",
        R"({"N":"0x10"})",
        R"({"B":"!!!!"})",
        R"({"B":"AP8"})",
        R"({"B":1})",
        R"({"BOOL":"true"})",
        R"({"BOOL":1})",
        R"({"NULL":false})",
        R"({"NULL":null})",
        R"({"L":{}})",
        R"({"L":[1]})",
        R"({"L":[{"S":"a"},{"Q":"b"}]})",
        R"({"M":[]})",
        R"({"M":{"k":"v"}})",
        R"({"SS":"a"})",
        R"({"SS":[1]})",
        R"({"NS":["x"]})",
        R"({"NS":[1]})",
        R"({"BS":["*"]})",
        R"({"BS":"AA=="})",
    };
    for (const char *json : bad) {
        EXPECT_THROW(ParseText(json), JsonError) << json;
    }
}

TEST(ParseAttributeValue, ErrorMessagesSayWhat) {
    EXPECT_NE(ParseErrorOf(R"({"S":1})").find("S needs a JSON string, got number"),
              std::string::npos);
    EXPECT_NE(ParseErrorOf(R"({"X":"1"})").find("unknown type descriptor \"X\""),
              std::string::npos);
    EXPECT_NE(ParseErrorOf(R"({})").find("empty object"), std::string::npos);
    EXPECT_NE(ParseErrorOf(R"({"S":"a","N":"1"})").find("more than one type descriptor"),
              std::string::npos);
    EXPECT_NE(ParseErrorOf(R"({"L":[{"S":"a"},{"M":{"k":{"B":"@"}}}]})").find("[1].k"),
              std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Typed writing and round trips

TEST(WriteAttributeValue, TypedForm) {
    EXPECT_EQ(Typed(AttributeValue::String("x")), R"({"S":"x"})");
    EXPECT_EQ(Typed(AttributeValue::Number("1.50")), R"({"N":"1.50"})");
    EXPECT_EQ(Typed(AttributeValue::Binary(Bytes({0x00, 0xFF}))), R"({"B":"AP8="})");
    EXPECT_EQ(Typed(AttributeValue::Bool(false)), R"({"BOOL":false})");
    EXPECT_EQ(Typed(AttributeValue::Null()), R"({"NULL":true})");
    EXPECT_EQ(Typed(MakeList({AttributeValue::String("a"), AttributeValue::Number("1")})),
              R"({"L":[{"S":"a"},{"N":"1"}]})");
    EXPECT_EQ(Typed(MakeMap({{"k", AttributeValue::String("v")}})), R"({"M":{"k":{"S":"v"}}})");
    EXPECT_EQ(Typed(MakeSet(AttrType::SS, {"a", "b"})), R"({"SS":["a","b"]})");
    EXPECT_EQ(Typed(MakeSet(AttrType::NS, {"1", "2"})), R"({"NS":["1","2"]})");
    EXPECT_EQ(Typed(MakeSet(AttrType::BS, {Bytes({0x00})})), R"({"BS":["AA=="]})");
    EXPECT_EQ(Typed(AttributeValue::String("q\"\n")), R"({"S":"q\"\n"})");
}

TEST(WriteItem, InsideLargerDocument) {
    Item item = {{"pk", AttributeValue::String("k")}, {"n", AttributeValue::Number("7")}};
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("TableName");
    w.String("t");
    w.Key("Item");
    dynamo::WriteItem(w, item);
    w.Key("Key");
    w.StartObject();
    w.Key("pk");
    dynamo::WriteAttributeValue(w, item[0].second);
    w.EndObject();
    w.EndObject();
    EXPECT_TRUE(w.IsComplete());
    EXPECT_EQ(std::string(buffer.GetString()),
              R"({"TableName":"t","Item":{"pk":{"S":"k"},"n":{"N":"7"}},"Key":{"pk":{"S":"k"}}})");
    EXPECT_EQ(TypedItem({}), "{}");
}

TEST(RoundTrip, EveryType) {
    std::vector<AttributeValue> values = {
        AttributeValue::String(""),
        AttributeValue::String("plain"),
        AttributeValue::String(std::string("ctl\x01\x1f\"\\/\0end", 12)),
        AttributeValue::String("h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80"),
        AttributeValue::Number("0"),
        AttributeValue::Number("-12"),
        AttributeValue::Number("1.50"),
        AttributeValue::Number("1E+2"),
        AttributeValue::Number("12345678901234567890123456789012345678"),
        AttributeValue::Binary(""),
        AttributeValue::Binary(Bytes({0x00})),
        AttributeValue::Binary(Bytes({0xFF, 0x00})),
        AttributeValue::Binary(AllBytes()),
        AttributeValue::Bool(true),
        AttributeValue::Bool(false),
        AttributeValue::Null(),
        MakeList({}),
        MakeMap({}),
        MakeSet(AttrType::SS, {"a", "b", "\xC3\xA9"}),
        MakeSet(AttrType::NS, {"1", "-0.5", "9.99E+125"}),
        MakeSet(AttrType::BS, {Bytes({0x00}), Bytes({0xFF}), ""}),
        NestedSample(),
        MakeList({NestedSample(), MakeList({MakeList({MakeMap({{"x", NestedSample()}})})})}),
    };
    for (const AttributeValue &v : values) {
        std::string json = Typed(v);
        AttributeValue back = ParseText(json);
        EXPECT_EQ(back, v) << json;
        // Parsing orders set members; after that, writing and parsing again is stable.
        EXPECT_EQ(Typed(ParseText(Typed(back))), Typed(back));
    }
}

TEST(RoundTrip, Item) {
    Item item = {
        {"pk", AttributeValue::String("user#1")},
        {"bin", AttributeValue::Binary(Bytes({0x00, 0xFF}))},
        {"doc", NestedSample()},
        {"k\"ey\n", AttributeValue::Number("3")},
    };
    std::string json = TypedItem(item);
    Item back = ParseItemText(json);
    ASSERT_EQ(back.size(), item.size());
    for (size_t i = 0; i < item.size(); ++i) {
        EXPECT_EQ(back[i].first, item[i].first);
        EXPECT_EQ(back[i].second, item[i].second);
    }
}

// ---------------------------------------------------------------------------------------------
// Plain JSON

TEST(PlainJson, Scalars) {
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::String("x")), R"("x")");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("-1.50")), "-1.50");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("1E+2")), "1E+2");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Binary(Bytes({0x00, 0xFF}))), R"("AP8=")");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Binary("")), R"("")");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Bool(true)), "true");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Bool(false)), "false");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Null()), "null");
}

TEST(PlainJson, NumbersKeepEveryDigit) {
    const char *numbers[] = {
        "12345678901234567890123456789012345678",
        "-12345678901234567890123456789012345678",
        "0.12345678901234567890123456789012345678",
        "9.9999999999999999999999999999999999999E+125",
        "-1E-130",
        "0",
        "-0",
        "1.0",
    };
    for (const char *n : numbers) {
        EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number(n)), n);
    }
}

TEST(PlainJson, NumbersInOtherSpellingsBecomeValidJson) {
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("+5")), "5");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number(".5")), "0.5");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("-.5")), "-0.5");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("5.")), "5");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("007")), "7");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("000")), "0");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("-00.5e+3")), "-0.5e+3");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("+1.E5")), "1e5");
    // Not a number at all: kept as text so the output stays valid JSON.
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("abc")), R"("abc")");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("")), R"("")");
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::Number("1,2]")), R"("1,2]")");
}

TEST(PlainJson, Collections) {
    EXPECT_EQ(dynamo::ToPlainJson(MakeList({})), "[]");
    EXPECT_EQ(dynamo::ToPlainJson(MakeMap({})), "{}");
    EXPECT_EQ(dynamo::ToPlainJson(MakeSet(AttrType::SS, {"a", "b"})), R"(["a","b"])");
    EXPECT_EQ(dynamo::ToPlainJson(MakeSet(AttrType::NS, {"1", "-2.5", "1E+2"})), "[1,-2.5,1E+2]");
    EXPECT_EQ(dynamo::ToPlainJson(MakeSet(AttrType::BS, {Bytes({0x00}), Bytes({0xFF})})),
              R"(["AA==","/w=="])");
    EXPECT_EQ(dynamo::ToPlainJson(NestedSample()),
              R"({"name":"widget","price":12.50,"tags":["a","b"],"dims":[1,2.5,[null,true]],)"
              R"("meta":{"blob":"AP8Q","inner":{"deep":[]}},"ns":[1,-2.5,1E+2],)"
              R"("bs":["AA==","//4="]})");
    EXPECT_TRUE(IsValidJson(dynamo::ToPlainJson(NestedSample())));
}

TEST(PlainJson, EscapesStrings) {
    std::string s("q\"b\\s/\n\r\t\b\f\x01\x1f\x7f", 14);
    s.push_back('\0');
    s += "end";
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::String(s)),
              "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001F\x7f\\u0000end\"");
    std::string json = dynamo::ToPlainJson(AttributeValue::String(s));
    simdjson::dom::parser parser;
    std::string_view back;
    ASSERT_EQ(parser.parse(json).get_string().get(back), simdjson::SUCCESS);
    EXPECT_EQ(std::string(back), s);
}

TEST(PlainJson, PassesUtf8Through) {
    std::string s = "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80";
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::String(s)), "\"" + s + "\"");
}

TEST(PlainJson, LongStrings) {
    std::string s(200000, 'x');
    s[1000] = '"';
    std::string json = dynamo::ToPlainJson(AttributeValue::String(s));
    EXPECT_EQ(json.size(), s.size() + 3);
    EXPECT_TRUE(IsValidJson(json));
    // The shared buffer is reused afterwards.
    EXPECT_EQ(dynamo::ToPlainJson(AttributeValue::String("y")), R"("y")");
}

TEST(PlainJson, AppendKeepsPrefix) {
    std::string out = "prefix:";
    dynamo::AppendPlainJson(out, AttributeValue::Number("1"));
    dynamo::AppendPlainJson(out, AttributeValue::String("a"));
    EXPECT_EQ(out, R"(prefix:1"a")");
}

TEST(ItemToPlainJson, FiltersAndKeepsOrder) {
    Item item = {
        {"pk", AttributeValue::String("k")},
        {"skip", AttributeValue::Number("1")},
        {"n", AttributeValue::Number("10")},
        {"m", MakeMap({{"x", AttributeValue::Bool(false)}})},
    };
    auto keep = [](const std::string &name) { return name != "skip"; };
    EXPECT_EQ(dynamo::ItemToPlainJson(item, keep), R"({"pk":"k","n":10,"m":{"x":false}})");
    EXPECT_EQ(dynamo::ItemToPlainJson(item, [](const std::string &) { return false; }), "{}");
    EXPECT_EQ(dynamo::ItemToPlainJson(item, nullptr),
              R"({"pk":"k","skip":1,"n":10,"m":{"x":false}})");
    EXPECT_EQ(dynamo::ItemToPlainJson({}, keep), "{}");

    std::string out = "[";
    dynamo::AppendItemPlainJson(out, item, [](const std::string &name) { return name == "n"; });
    EXPECT_EQ(out, R"([{"n":10})");
}

TEST(ItemToPlainJson, EscapesNamesAndValues) {
    Item item = {
        {"a\"b", AttributeValue::String("line1\nline2")},
        {"tab\there", AttributeValue::String("back\\slash")},
        {"\xC3\xA9t\xC3\xA9", AttributeValue::String("\xE2\x82\xAC")},
        {std::string("nul\0", 4), AttributeValue::String(std::string("\x01", 1))},
    };
    std::string json = dynamo::ItemToPlainJson(item, nullptr);
    EXPECT_EQ(json,
              "{\"a\\\"b\":\"line1\\nline2\",\"tab\\there\":\"back\\\\slash\","
              "\"\xC3\xA9t\xC3\xA9\":\"\xE2\x82\xAC\",\"nul\\u0000\":\"\\u0001\"}");
    EXPECT_TRUE(IsValidJson(json));
}

TEST(ItemToPlainJson, KeepMayItselfWritePlainJson) {
    Item item = {{"a", AttributeValue::Number("1")}, {"b", AttributeValue::String("x")}};
    std::vector<std::string> seen;
    auto keep = [&](const std::string &name) {
        seen.push_back(dynamo::ToPlainJson(AttributeValue::String(name)));
        return true;
    };
    EXPECT_EQ(dynamo::ItemToPlainJson(item, keep), R"({"a":1,"b":"x"})");
    EXPECT_EQ(seen, (std::vector<std::string>{R"("a")", R"("b")"}));
}

TEST(ItemToPlainJson, ParsedItemToPlain) {
    Item item =
        ParseItemText(R"({"id":{"N":"12345678901234567890123456789012345678"},"b":{"B":"AP8="},)"
                      R"("l":{"L":[{"NULL":true},{"SS":["\u00e9"]}]}})");
    EXPECT_EQ(dynamo::ItemToPlainJson(item, nullptr),
              "{\"id\":12345678901234567890123456789012345678,\"b\":\"AP8=\","
              "\"l\":[null,[\"\xC3\xA9\"]]}");
}

// ---------------------------------------------------------------------------------------------
// AttributeValue helpers

TEST(AttributeValue, Equality) {
    EXPECT_EQ(AttributeValue::String("a"), AttributeValue::String("a"));
    EXPECT_NE(AttributeValue::String("a"), AttributeValue::String("b"));
    EXPECT_NE(AttributeValue::String("1"), AttributeValue::Number("1"));
    EXPECT_NE(AttributeValue::Number("1"), AttributeValue::Number("1.0"));
    EXPECT_NE(AttributeValue::Bool(true), AttributeValue::Bool(false));
    EXPECT_EQ(AttributeValue::Null(), AttributeValue::Null());
    EXPECT_NE(AttributeValue::Null(), AttributeValue::Bool(false));
    // Members that are not meaningful for the type are ignored.
    AttributeValue null_with_junk = AttributeValue::Null();
    null_with_junk.str = "junk";
    EXPECT_EQ(null_with_junk, AttributeValue::Null());

    EXPECT_EQ(MakeList({AttributeValue::Number("1"), AttributeValue::Number("2")}),
              MakeList({AttributeValue::Number("1"), AttributeValue::Number("2")}));
    EXPECT_NE(MakeList({AttributeValue::Number("1"), AttributeValue::Number("2")}),
              MakeList({AttributeValue::Number("2"), AttributeValue::Number("1")}));
    EXPECT_NE(MakeList({AttributeValue::Number("1")}), MakeList({}));

    AttributeValue m1 = MakeMap({{"a", AttributeValue::Number("1")}, {"b", MakeList({})}});
    AttributeValue m2 = MakeMap({{"b", MakeList({})}, {"a", AttributeValue::Number("1")}});
    AttributeValue m3 = MakeMap({{"b", MakeList({})}, {"a", AttributeValue::Number("2")}});
    AttributeValue m4 = MakeMap({{"b", MakeList({})}, {"c", AttributeValue::Number("1")}});
    EXPECT_EQ(m1, m2);
    EXPECT_NE(m1, m3);
    EXPECT_NE(m1, m4);
    EXPECT_NE(m1, MakeMap({{"a", AttributeValue::Number("1")}}));

    EXPECT_EQ(MakeSet(AttrType::SS, {"a", "b"}), MakeSet(AttrType::SS, {"b", "a"}));
    EXPECT_NE(MakeSet(AttrType::SS, {"a", "b"}), MakeSet(AttrType::SS, {"a", "c"}));
    EXPECT_NE(MakeSet(AttrType::SS, {"a"}), MakeSet(AttrType::NS, {"a"}));
    EXPECT_NE(MakeSet(AttrType::BS, {"a"}), MakeSet(AttrType::BS, {"a", "a"}));
}

TEST(AttributeValue, FindAttribute) {
    Item item = {{"a", AttributeValue::Number("1")}, {"b", AttributeValue::String("x")}};
    const AttributeValue *b = dynamo::FindAttribute(item, "b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(*b, AttributeValue::String("x"));
    EXPECT_EQ(b, &item[1].second);
    EXPECT_EQ(dynamo::FindAttribute(item, "c"), nullptr);
    EXPECT_EQ(dynamo::FindAttribute(Item(), "a"), nullptr);
}

TEST(AttributeValue, TypeNames) {
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::S), "S");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::N), "N");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::B), "B");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::BOOL), "BOOL");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::NUL), "NULL");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::L), "L");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::M), "M");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::SS), "SS");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::NS), "NS");
    EXPECT_STREQ(dynamo::AttrTypeName(AttrType::BS), "BS");
}

}  // namespace

TEST(FromPlainJson, BuildsNativeValuesWithExactNumbers) {
    dynamo::AttributeValue v = dynamo::FromPlainJson(
        R"({"a":[1,"x",true,null,{"b":12345678901234567890123456789012345678}],"c":-0.5e-3})");
    ASSERT_EQ(v.type, dynamo::AttrType::M);
    ASSERT_EQ(v.map.size(), 2u);
    EXPECT_EQ(v.map[0].first, "a");
    const dynamo::AttributeValue &a = v.map[0].second;
    ASSERT_EQ(a.type, dynamo::AttrType::L);
    ASSERT_EQ(a.list.size(), 5u);
    EXPECT_EQ(a.list[0], dynamo::AttributeValue::Number("1"));
    EXPECT_EQ(a.list[1], dynamo::AttributeValue::String("x"));
    EXPECT_EQ(a.list[2], dynamo::AttributeValue::Bool(true));
    EXPECT_EQ(a.list[3].type, dynamo::AttrType::NUL);
    ASSERT_EQ(a.list[4].type, dynamo::AttrType::M);
    EXPECT_EQ(a.list[4].map[0].second.str, "12345678901234567890123456789012345678");
    EXPECT_EQ(v.map[1].second, dynamo::AttributeValue::Number("-0.5e-3"));
    // and back to the same plain JSON
    EXPECT_EQ(dynamo::ToPlainJson(dynamo::FromPlainJson(R"({"k":["v",2]})")), R"({"k":["v",2]})");
}

TEST(FromPlainJson, RejectsInvalidJson) {
    EXPECT_THROW(dynamo::FromPlainJson("{"), dynamo::JsonError);
    EXPECT_THROW(dynamo::FromPlainJson("[1,]"), dynamo::JsonError);
    EXPECT_THROW(dynamo::FromPlainJson("{} x"), dynamo::JsonError);
    EXPECT_THROW(dynamo::FromPlainJson(""), dynamo::JsonError);
}

TEST(ParseAttributeValue, SetsComeBackInAStableOrder) {
    EXPECT_EQ(ParseText(R"({"SS":["pear","apple","Zed"]})").set,
              (std::vector<std::string>{"Zed", "apple", "pear"}));
    EXPECT_EQ(ParseText(R"({"NS":["10","9","-1","1E+1"]})").set,
              (std::vector<std::string>{"-1", "9", "10", "1E+1"}));
}

TEST(ParseAttributeValue, NumberSetsSortByExactValue) {
    // Numbers a double cannot tell apart still come back in the order of their values.
    EXPECT_EQ(
        ParseText(R"({"NS":["-1","-1.00000000000000000001","1.00000000000000000001","1"]})").set,
        (std::vector<std::string>{"-1.00000000000000000001", "-1", "1", "1.00000000000000000001"}));
    // Binary members by their bytes (0xff after 0x01), not by their base64 text.
    EXPECT_EQ(ParseText(R"({"BS":["/w==","AQ=="]})").set,
              (std::vector<std::string>{"\x01", "\xff"}));
}

TEST(InSetOrder, IsTheOrderSetsReadIn) {
    using V = std::vector<std::string>;
    EXPECT_TRUE(dynamo::InSetOrder(AttrType::NS, V{"-2", "1.5", "3E+2"}));
    EXPECT_TRUE(dynamo::InSetOrder(AttrType::NS, V{}));
    EXPECT_FALSE(dynamo::InSetOrder(AttrType::NS, V{"3", "1", "2"}));
    EXPECT_FALSE(dynamo::InSetOrder(AttrType::NS, V{"1", "1.0"}));  // one value twice
    EXPECT_FALSE(dynamo::InSetOrder(AttrType::NS, V{"9", "10", "1E+1"}));
    EXPECT_TRUE(dynamo::InSetOrder(AttrType::SS, V{"", "Zed", "apple", "\xc3\xa9"}));
    EXPECT_FALSE(dynamo::InSetOrder(AttrType::SS, V{"a", "a"}));
    EXPECT_FALSE(dynamo::InSetOrder(AttrType::SS, V{"b", "a"}));
    EXPECT_TRUE(dynamo::InSetOrder(AttrType::BS, V{std::string("\x00", 1), "\x01", "\xff"}));
    // Whatever order DynamoDB sends, a parsed set is in that order.
    AttributeValue v = ParseText(R"({"NS":["10","9","-1","0.5","1E+3"]})");
    EXPECT_TRUE(dynamo::InSetOrder(AttrType::NS, v.set));
}
