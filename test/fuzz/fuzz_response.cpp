// libFuzzer target: bytes as a DynamoDB response, a plain JSON value, a condition's JSON, a read
// plan's JSON and a number or date text. Malformed input must be rejected with the documented
// exception, never crash, and what parses must survive its round trips.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <simdjson.h>

#include "client/attribute_value.hpp"
#include "client/number_text.hpp"
#include "client/expression.hpp"
#include "client/json_codec.hpp"
#include "client/plan_format.hpp"
#include "client/read_plan.hpp"

namespace {

void Check(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "check failed: %s\n", what);
        std::abort();
    }
}

simdjson::dom::parser &Parser() {
    static simdjson::dom::parser parser;
    return parser;
}

// Valid JSON text, numbers of any size included (simdjson's DOM rejects integers beyond 64 bits,
// which Postgres's jsonb accepts, so RapidJSON checks here).
bool IsJson(const std::string &text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag>(text.data(),
                                                                                       text.size());
    return !d.HasParseError() && d.GetErrorOffset() == 0;
}

// A value parsed from the wire form is written back and parsed again: the same value.
void RoundTripWire(const dynamo::AttributeValue &v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    dynamo::WriteAttributeValue(w, v);
    simdjson::dom::parser p;
    simdjson::dom::element e;
    Check(p.parse(sb.GetString(), sb.GetSize()).get(e) == simdjson::SUCCESS,
          "WriteAttributeValue wrote JSON");
    dynamo::AttributeValue again = dynamo::ParseAttributeValue(e);
    Check(again == v, "wire form round trip");
    Check(IsJson(dynamo::ToPlainJson(v)), "ToPlainJson wrote JSON");
}

void FuzzWire(std::string_view bytes) {
    simdjson::dom::element doc;
    if (Parser().parse(bytes.data(), bytes.size()).get(doc) != simdjson::SUCCESS)
        return;
    try {
        dynamo::AttributeValue v = dynamo::ParseAttributeValue(doc);
        RoundTripWire(v);
    } catch (const dynamo::JsonError &) {
    }
    simdjson::dom::object o;
    if (doc.get(o) != simdjson::SUCCESS)
        return;
    try {
        dynamo::Item item = dynamo::ParseItem(o);
        Check(IsJson(dynamo::ItemToPlainJson(item, {})), "ItemToPlainJson wrote JSON");
        for (const auto &kv : item)
            RoundTripWire(kv.second);
    } catch (const dynamo::JsonError &) {
    }
    // A Scan or Query page: {"Items": [item, ...]}.
    simdjson::dom::array items;
    if (o["Items"].get(items) == simdjson::SUCCESS) {
        for (simdjson::dom::element e : items) {
            simdjson::dom::object io;
            if (e.get(io) != simdjson::SUCCESS)
                continue;
            try {
                dynamo::ParseItem(io);
            } catch (const dynamo::JsonError &) {
            }
        }
    }
}

void FuzzPlain(const std::string &text) {
    try {
        dynamo::AttributeValue v = dynamo::FromPlainJson(text);
        std::string plain = dynamo::ToPlainJson(v);
        Check(IsJson(plain), "FromPlainJson then ToPlainJson wrote JSON");
        Check(dynamo::FromPlainJson(plain) == v, "plain JSON round trip");
    } catch (const dynamo::JsonError &) {
    }
}

const dynamo::AttributeValue &ParamValue(int i) {
    static const std::vector<dynamo::AttributeValue> values = {
        dynamo::AttributeValue::String("p0"), dynamo::AttributeValue::Number("1"),
        dynamo::AttributeValue::Binary("\x01\x02")};
    return values[static_cast<size_t>(i) % values.size()];
}

void FuzzCondition(const std::string &text) {
    dynamo::Condition c;
    try {
        c = dynamo::ConditionFromJson(text);
    } catch (const dynamo::JsonError &) {
        return;
    }
    std::string json = dynamo::ConditionToJson(c);
    dynamo::Condition again = dynamo::ConditionFromJson(json);
    Check(dynamo::ConditionToJson(again) == json, "condition JSON round trip");
    Check(dynamo::RenderInline(again) == dynamo::RenderInline(c), "RenderInline after round trip");
    dynamo::Placeholders ph;
    ph.param_value = ParamValue;
    (void)dynamo::Render(c, ph);
    std::vector<std::string> attrs;
    dynamo::ConditionAttributes(c, attrs);
}

void FuzzPlan(const std::string &text) {
    std::vector<dynamo::AttributeValue> params = {dynamo::AttributeValue::String("a"),
                                                  dynamo::AttributeValue::Number("2")};
    try {
        dynamo::ReadPlan plan = dynamo::BuildReadPlan(text, params);
        (void)dynamo::FirstRequestBody(plan);
    } catch (const std::exception &) {
        // RunCpp turns any exception into a Postgres error; only crashes are findings.
    }
    try {
        (void)dynamo::DescribeReadPlan(text);
    } catch (const std::exception &) {
    }
    // What parses survives the writer: written again, it reads back as the same plan.
    dynamo::ReadPlanSpec spec;
    try {
        spec = dynamo::ParsePlanJson(text);
    } catch (const dynamo::JsonError &) {
        return;
    }
    std::string json = dynamo::WritePlanJson(spec);
    dynamo::ReadPlanSpec again = dynamo::ParsePlanJson(json);
    Check(dynamo::WritePlanJson(again) == json, "plan JSON round trip");
    Check(dynamo::DescribeReadPlan(again) == dynamo::DescribeReadPlan(spec),
          "DescribeReadPlan after round trip");
}

void FuzzNumber(std::string_view text) {
    dynamo::DecimalText d;
    bool decimal = dynamo::ScanDecimal(text, d);
    int64_t v = 0;
    dynamo::IntParse r = dynamo::ParseInteger(text, INT64_MIN, INT64_MAX, v);
    if (r != dynamo::IntParse::Invalid)
        Check(decimal, "ParseInteger accepts only decimals");
    int64_t small = 0;
    dynamo::IntParse rs = dynamo::ParseInteger(text, -32768, 32767, small);
    if (rs == dynamo::IntParse::Ok) {
        Check(small >= -32768 && small <= 32767, "ParseInteger range");
        Check(r == dynamo::IntParse::Ok && v == small, "ParseInteger agrees across ranges");
    }
    double dv = 0;
    if (dynamo::ParseDouble(text, dv)) {
        Check(decimal, "ParseDouble accepts only decimals");
        Check(std::isfinite(dv), "ParseDouble finite");
        if (r == dynamo::IntParse::Ok)
            Check(std::fabs(dv - static_cast<double>(v)) <= std::fabs(dv) * 1e-15 + 1e-300,
                  "ParseDouble agrees with ParseInteger");
    }
    float fv = 0;
    if (dynamo::ParseFloat(text, fv))
        Check(std::isfinite(fv), "ParseFloat finite");
    std::string why;
    if (dynamo::CheckDynamoNumber(text, why))
        Check(decimal, "CheckDynamoNumber only decimals");
    if (dynamo::LooksLikeIsoDate(text, true))
        Check(dynamo::LooksLikeIsoDate(text, false), "date");
    (void)dynamo::LooksLikeIsoTimestamp(text);
    std::string decoded;
    if (dynamo::Base64Decode(text, decoded))
        Check(dynamo::Base64Encode(decoded).size() == text.size(), "base64 length");
}

// Two numbers, the text split at its first ',': CompareDecimal is an order (antisymmetric,
// reflexive) that agrees with ParseInteger where both are integers, and InSetOrder with it.
void FuzzNumberOrder(std::string_view text) {
    size_t comma = text.find(',');
    if (comma == std::string_view::npos)
        return;
    std::string_view a = text.substr(0, comma), b = text.substr(comma + 1);
    int ab = dynamo::CompareDecimal(a, b), ba = dynamo::CompareDecimal(b, a);
    Check(ab >= -1 && ab <= 1 && ab == -ba, "CompareDecimal antisymmetric");
    Check(dynamo::CompareDecimal(a, a) == 0, "CompareDecimal reflexive");
    int64_t x = 0, y = 0;
    if (dynamo::ParseInteger(a, INT64_MIN, INT64_MAX, x) == dynamo::IntParse::Ok &&
        dynamo::ParseInteger(b, INT64_MIN, INT64_MAX, y) == dynamo::IntParse::Ok)
        Check(ab == (x < y ? -1 : x > y ? 1 : 0), "CompareDecimal agrees with ParseInteger");
    std::vector<std::string> members{std::string(a), std::string(b)};
    Check(dynamo::InSetOrder(dynamo::AttrType::NS, members) == (ab < 0), "InSetOrder");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char *>(data), size);
    std::string text(bytes);
    FuzzWire(bytes);
    FuzzPlain(text);
    FuzzCondition(text);
    FuzzPlan(text);
    FuzzNumber(bytes);
    FuzzNumberOrder(bytes);
    return 0;
}
