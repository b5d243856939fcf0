// libFuzzer target: random condition trees built from the bytes. Checks that Render declares
// exactly the placeholders its text uses, and that ConditionToJson / ConditionFromJson round
// trips keep Render, RenderInline and the JSON unchanged.
#include <fuzzer/FuzzedDataProvider.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "client/attribute_value.hpp"
#include "client/expression.hpp"
#include "client/json_codec.hpp"
#include "client/plan_format.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::AttrType;
using dynamo::CompareOp;
using dynamo::Condition;
using dynamo::Operand;

constexpr int kParams = 4;

void Check(bool ok, const char *what, const std::string &detail) {
    if (!ok) {
        std::fprintf(stderr, "check failed: %s\n%s\n", what, detail.c_str());
        std::abort();
    }
}

// A valid UTF-8 string (Postgres hands the wrapper text in a UTF-8 database, and DynamoDB takes
// only UTF-8): bytes below 0x80 as they are, others mapped to 2-, 3- and 4-byte characters.
std::string Utf8(FuzzedDataProvider &in, size_t max_length) {
    std::string raw = in.ConsumeRandomLengthString(max_length);
    std::string out;
    for (unsigned char b : raw) {
        uint32_t cp = b;
        if (b >= 0x80)
            cp = (b & 1) ? 0x80 + b : (b & 2) ? 0x4E00 + b : 0x1F600 + b;
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

std::string Name(FuzzedDataProvider &in) {
    static const char *const kNames[] = {"id",  "pk",       "sk",  "a.b", "#x",
                                         ":v0", "Part Key", "x y", "n"};
    if (in.ConsumeBool())
        return kNames[in.ConsumeIntegralInRange<size_t>(0, 8)];
    // DynamoDB attribute names (and Postgres column names) are never empty.
    std::string name = Utf8(in, 12);
    return name.empty() ? std::string("e") : name;
}

AttributeValue Value(FuzzedDataProvider &in, int depth) {
    switch (in.ConsumeIntegralInRange<int>(0, depth > 2 ? 4 : 7)) {
        case 0:
            return AttributeValue::String(Utf8(in, 16));
        case 1: {
            static const char *const kNumbers[] = {
                "0", "-1", "1.5", "1E+2", "12345678901234567890", "-0.000001", "9.99E+125"};
            return AttributeValue::Number(kNumbers[in.ConsumeIntegralInRange<size_t>(0, 6)]);
        }
        case 2:
            return AttributeValue::Binary(in.ConsumeRandomLengthString(8));
        case 3:
            return AttributeValue::Bool(in.ConsumeBool());
        case 4:
            return AttributeValue::Null();
        case 5: {
            AttributeValue v;
            v.type = AttrType::L;
            int n = in.ConsumeIntegralInRange<int>(0, 3);
            for (int i = 0; i < n; ++i)
                v.list.push_back(Value(in, depth + 1));
            return v;
        }
        case 6: {
            AttributeValue v;
            v.type = AttrType::M;
            int n = in.ConsumeIntegralInRange<int>(0, 3);
            for (int i = 0; i < n; ++i)
                v.map.emplace_back(Name(in), Value(in, depth + 1));
            return v;
        }
        default: {
            AttributeValue v;
            v.type = AttrType::SS;
            std::set<std::string> members;
            int n = in.ConsumeIntegralInRange<int>(1, 3);
            for (int i = 0; i < n; ++i)
                members.insert(Utf8(in, 6));
            v.set.assign(members.begin(), members.end());
            return v;
        }
    }
}

Operand MakeOperand(FuzzedDataProvider &in) {
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
        return Operand::Param(in.ConsumeIntegralInRange<int>(0, kParams - 1));
    return Operand::Const(Value(in, 0));
}

Condition BuildLeafOrNode(FuzzedDataProvider &in, int depth);

// A leaf now and then refers to a document path below its attribute (m.x, l[0]).
Condition Build(FuzzedDataProvider &in, int depth) {
    Condition c = BuildLeafOrNode(in, depth);
    if (!c.attr.empty() && in.ConsumeBool()) {
        int n = in.ConsumeIntegralInRange<int>(1, 3);
        for (int i = 0; i < n; ++i)
            c.path.push_back(in.ConsumeBool()
                                 ? dynamo::PathStep::Key(Name(in))
                                 : dynamo::PathStep::Index(in.ConsumeIntegralInRange<int>(0, 99)));
    }
    return c;
}

Condition BuildLeafOrNode(FuzzedDataProvider &in, int depth) {
    int kind = in.ConsumeIntegralInRange<int>(0, depth >= 4 ? 8 : 11);
    switch (kind) {
        case 0:
            return Condition::MakeTrue();
        case 1: {
            CompareOp op = static_cast<CompareOp>(in.ConsumeIntegralInRange<int>(0, 5));
            return Condition::Compare(Name(in), op, MakeOperand(in));
        }
        case 2: {
            Operand lo = MakeOperand(in);
            return Condition::Between(Name(in), lo, MakeOperand(in));
        }
        case 3: {
            std::vector<Operand> values;
            int n = in.ConsumeIntegralInRange<int>(1, 4);
            for (int i = 0; i < n; ++i)
                values.push_back(MakeOperand(in));
            return Condition::In(Name(in), values);
        }
        case 4:
            return Condition::BeginsWith(Name(in), MakeOperand(in));
        case 5:
            return Condition::Contains(Name(in), MakeOperand(in));
        case 6:
            return Condition::Exists(Name(in));
        case 7:
            return Condition::NotExists(Name(in));
        case 8:
            return Condition::TypeIs(Name(in),
                                     static_cast<AttrType>(in.ConsumeIntegralInRange<int>(0, 9)));
        case 9:
        case 10: {
            std::vector<Condition> children;
            int n = in.ConsumeIntegralInRange<int>(1, 4);
            for (int i = 0; i < n; ++i)
                children.push_back(Build(in, depth + 1));
            return kind == 9 ? Condition::And(children) : Condition::Or(children);
        }
        default: {
            Condition child = Build(in, depth + 1);
            if (child.IsTrue())
                return child;
            return Condition::Not(child);
        }
    }
}

// Placeholders (#nK, :vK) as whole tokens in an expression text.
std::set<std::string> Tokens(const std::string &text) {
    std::set<std::string> out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '#' && text[i] != ':')
            continue;
        size_t j = i + 1;
        while (j < text.size() &&
               (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
            ++j;
        if (j > i + 1)
            out.insert(text.substr(i, j - i));
        i = j - 1;
    }
    return out;
}

const AttributeValue &ParamValue(int i) {
    static const std::vector<AttributeValue> values = {
        AttributeValue::String("p0"), AttributeValue::Number("7"), AttributeValue::Binary("b"),
        AttributeValue::String("")};
    Check(i >= 0 && i < kParams, "parameter index in range", std::to_string(i));
    return values[static_cast<size_t>(i)];
}

void CheckRender(const Condition &c, const std::string &json) {
    dynamo::Placeholders ph;
    ph.param_value = ParamValue;
    std::string text = dynamo::Render(c, ph);
    Check(c.IsTrue() == text.empty(), "empty text exactly for TRUE", json);
    std::set<std::string> declared;
    for (const auto &n : ph.names())
        Check(declared.insert(n.first).second, "name declared once", json);
    for (const auto &v : ph.values())
        Check(declared.insert(v.first).second, "value declared once", json);
    std::set<std::string> used = Tokens(text);
    Check(used == declared, "placeholders used == placeholders declared", json + "\n" + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FuzzedDataProvider in(data, size);
    Condition c = Build(in, 0);
    std::string json = dynamo::ConditionToJson(c);
    CheckRender(c, json);
    Condition again;
    try {
        again = dynamo::ConditionFromJson(json);
    } catch (const dynamo::JsonError &e) {
        Check(false, "ConditionFromJson accepts ConditionToJson's output", json + "\n" + e.what());
    }
    Check(dynamo::ConditionToJson(again) == json, "JSON round trip", json);
    Check(dynamo::RenderInline(again) == dynamo::RenderInline(c), "RenderInline round trip", json);
    dynamo::Placeholders a, b;
    a.param_value = ParamValue;
    b.param_value = ParamValue;
    Check(dynamo::Render(again, b) == dynamo::Render(c, a), "Render round trip", json);
    CheckRender(again, json);
    return 0;
}
