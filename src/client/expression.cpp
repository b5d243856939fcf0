#include "client/expression.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include "client/json_codec.hpp"

namespace dynamo {

// --- construction ---

Condition Condition::Compare(std::string attr, CompareOp op, Operand v) {
    Condition c;
    c.kind = Kind::Compare;
    c.attr = std::move(attr);
    c.op = op;
    c.operands.push_back(std::move(v));
    return c;
}

Condition Condition::Between(std::string attr, Operand lo, Operand hi) {
    Condition c;
    c.kind = Kind::Between;
    c.attr = std::move(attr);
    c.operands.push_back(std::move(lo));
    c.operands.push_back(std::move(hi));
    return c;
}

Condition Condition::In(std::string attr, std::vector<Operand> values) {
    Condition c;
    c.kind = Kind::In;
    c.attr = std::move(attr);
    c.operands = std::move(values);
    return c;
}

Condition Condition::BeginsWith(std::string attr, Operand prefix) {
    Condition c;
    c.kind = Kind::BeginsWith;
    c.attr = std::move(attr);
    c.operands.push_back(std::move(prefix));
    return c;
}

Condition Condition::Contains(std::string attr, Operand part) {
    Condition c;
    c.kind = Kind::Contains;
    c.attr = std::move(attr);
    c.operands.push_back(std::move(part));
    return c;
}

Condition Condition::Exists(std::string attr) {
    Condition c;
    c.kind = Kind::Exists;
    c.attr = std::move(attr);
    return c;
}

Condition Condition::NotExists(std::string attr) {
    Condition c;
    c.kind = Kind::NotExists;
    c.attr = std::move(attr);
    return c;
}

Condition Condition::TypeIs(std::string attr, AttrType type) {
    Condition c;
    c.kind = Kind::TypeIs;
    c.attr = std::move(attr);
    c.type = type;
    return c;
}

namespace {

// AND or OR of `children`, with nested ones of the same kind flattened into it: TRUE is dropped
// from an AND and makes an OR TRUE; one child is returned as it is, none is TRUE.
Condition Combine(Condition::Kind kind, std::vector<Condition> children) {
    Condition c;
    c.kind = kind;
    for (auto &child : children) {
        if (child.IsTrue()) {
            if (kind == Condition::Kind::Or)
                return Condition::MakeTrue();
            continue;
        }
        if (child.kind == kind) {
            for (auto &g : child.children)
                c.children.push_back(std::move(g));
        } else {
            c.children.push_back(std::move(child));
        }
    }
    if (c.children.empty())
        return Condition::MakeTrue();
    if (c.children.size() == 1)
        return std::move(c.children[0]);
    return c;
}

}  // namespace

Condition Condition::And(std::vector<Condition> children) {
    return Combine(Kind::And, std::move(children));
}

Condition Condition::Or(std::vector<Condition> children) {
    return Combine(Kind::Or, std::move(children));
}

Condition Condition::Not(Condition child) {
    Condition c;
    c.kind = Kind::Not;
    c.children.push_back(std::move(child));
    return c;
}

// --- rendering ---

std::string Placeholders::Name(const std::string &attr) {
    for (const auto &n : names_)
        if (n.second == attr)
            return n.first;
    std::string ph = "#n" + std::to_string(names_.size());
    names_.emplace_back(ph, attr);
    return ph;
}

std::string Placeholders::Value(const Operand &operand) {
    const AttributeValue &v = operand.is_param ? param_value(operand.param) : operand.value;
    for (const auto &e : values_)
        if (e.second == v)
            return e.first;
    std::string ph = ":v" + std::to_string(values_.size());
    values_.emplace_back(ph, v);
    return ph;
}

std::string Placeholders::UniqueValue(const AttributeValue &value) {
    std::string ph = ":v" + std::to_string(values_.size());
    values_.emplace_back(ph, value);
    return ph;
}

namespace {

const char *OpText(CompareOp op) {
    switch (op) {
        case CompareOp::Eq:
            return "=";
        case CompareOp::Ne:
            return "<>";
        case CompareOp::Lt:
            return "<";
        case CompareOp::Le:
            return "<=";
        case CompareOp::Gt:
            return ">";
        case CompareOp::Ge:
            return ">=";
    }
    return "=";
}

bool ParseOp(std::string_view s, CompareOp &op) {
    for (CompareOp o :
         {CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge})
        if (s == OpText(o)) {
            op = o;
            return true;
        }
    return false;
}

// Renders with callbacks for names and values; `top` avoids parentheses at the outermost level.
std::string RenderWith(const Condition &c,
                       const std::function<std::string(const std::string &)> &name,
                       const std::function<std::string(const Operand &)> &value, bool top) {
    using K = Condition::Kind;
    switch (c.kind) {
        case K::True:
            return "";
        case K::Compare:
            return name(c.attr) + " " + OpText(c.op) + " " + value(c.operands[0]);
        case K::Between:
            return name(c.attr) + " BETWEEN " + value(c.operands[0]) + " AND " +
                   value(c.operands[1]);
        case K::In: {
            std::string s = name(c.attr) + " IN (";
            for (size_t i = 0; i < c.operands.size(); i++) {
                if (i > 0)
                    s += ", ";
                s += value(c.operands[i]);
            }
            return s + ")";
        }
        case K::BeginsWith:
            return "begins_with(" + name(c.attr) + ", " + value(c.operands[0]) + ")";
        case K::Contains:
            return "contains(" + name(c.attr) + ", " + value(c.operands[0]) + ")";
        case K::Exists:
            return "attribute_exists(" + name(c.attr) + ")";
        case K::NotExists:
            return "attribute_not_exists(" + name(c.attr) + ")";
        case K::TypeIs: {
            Operand t = Operand::Const(AttributeValue::String(AttrTypeName(c.type)));
            return "attribute_type(" + name(c.attr) + ", " + value(t) + ")";
        }
        case K::And:
        case K::Or: {
            std::string s;
            for (size_t i = 0; i < c.children.size(); i++) {
                if (i > 0)
                    s += c.kind == K::And ? " AND " : " OR ";
                s += RenderWith(c.children[i], name, value, false);
            }
            return top ? s : "(" + s + ")";
        }
        case K::Not: {
            // NOT binds looser than comparisons in DynamoDB's grammar, but not every
            // implementation agrees: its operand is always parenthesized.
            const Condition &child = c.children[0];
            std::string inner = RenderWith(child, name, value, false);
            bool bare = child.kind == K::Compare || child.kind == K::Between || child.kind == K::In;
            return bare ? "NOT (" + inner + ")" : "NOT " + inner;
        }
    }
    return "";
}

bool PlainIdentifier(const std::string &s) {
    if (s.empty() || !(isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
        return false;
    for (char ch : s)
        if (!(isalnum(static_cast<unsigned char>(ch)) || ch == '_'))
            return false;
    return true;
}

std::string QuoteJsonString(const std::string &s) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(sb.GetString(), sb.GetSize());
}

std::string InlineValue(const AttributeValue &v) {
    switch (v.type) {
        case AttrType::S:
            return QuoteJsonString(v.str);
        case AttrType::N:
            return v.str;
        case AttrType::B:
            return "b" + QuoteJsonString(Base64Encode(v.str));
        case AttrType::SS:
        case AttrType::NS:
        case AttrType::BS: {
            // A set as PartiQL writes one, <<member, ...>>, to tell it from a List ([...]).
            AttributeValue member;
            member.type = v.type == AttrType::SS   ? AttrType::S
                          : v.type == AttrType::NS ? AttrType::N
                                                   : AttrType::B;
            std::string s = "<<";
            for (size_t i = 0; i < v.set.size(); i++) {
                if (i > 0)
                    s += ", ";
                member.str = v.set[i];
                s += InlineValue(member);
            }
            return s + ">>";
        }
        default:
            return ToPlainJson(v);
    }
}

}  // namespace

std::string Render(const Condition &c, Placeholders &ph) {
    return RenderWith(
        c, [&](const std::string &a) { return ph.Name(a); },
        [&](const Operand &o) { return ph.Value(o); }, true);
}

std::string RenderProjection(const std::vector<std::string> &attrs, Placeholders &ph) {
    std::string s;
    for (size_t i = 0; i < attrs.size(); i++) {
        if (i > 0)
            s += ", ";
        s += ph.Name(attrs[i]);
    }
    return s;
}

std::string InlineName(const std::string &attr) {
    return PlainIdentifier(attr) ? attr : QuoteJsonString(attr);
}

std::string InlineOperand(const Operand &o) {
    return o.is_param ? "$" + std::to_string(o.param + 1) : InlineValue(o.value);
}

std::string RenderInline(const Condition &c) {
    return RenderWith(c, InlineName, InlineOperand, true);
}

// --- JSON form ---

namespace {

const char *KindName(Condition::Kind k) {
    using K = Condition::Kind;
    switch (k) {
        case K::True:
            return "true";
        case K::Compare:
            return "cmp";
        case K::Between:
            return "between";
        case K::In:
            return "in";
        case K::BeginsWith:
            return "begins_with";
        case K::Contains:
            return "contains";
        case K::Exists:
            return "exists";
        case K::NotExists:
            return "not_exists";
        case K::TypeIs:
            return "type";
        case K::And:
            return "and";
        case K::Or:
            return "or";
        case K::Not:
            return "not";
    }
    return "true";
}

void WriteCondition(rapidjson::Writer<rapidjson::StringBuffer> &w, const Condition &c) {
    w.StartObject();
    w.Key("k");
    w.String(KindName(c.kind));
    if (!c.attr.empty()) {
        w.Key("a");
        w.String(c.attr.data(), static_cast<rapidjson::SizeType>(c.attr.size()));
    }
    if (c.kind == Condition::Kind::Compare) {
        w.Key("op");
        w.String(OpText(c.op));
    }
    if (c.kind == Condition::Kind::TypeIs) {
        w.Key("t");
        w.String(AttrTypeName(c.type));
    }
    if (!c.operands.empty()) {
        w.Key("v");
        w.StartArray();
        for (const Operand &o : c.operands) {
            w.StartObject();
            if (o.is_param) {
                w.Key("p");
                w.Int(o.param);
            } else {
                w.Key("c");
                WriteAttributeValue(w, o.value);
            }
            w.EndObject();
        }
        w.EndArray();
    }
    if (!c.children.empty()) {
        w.Key("c");
        w.StartArray();
        for (const Condition &child : c.children)
            WriteCondition(w, child);
        w.EndArray();
    }
    w.EndObject();
}

AttrType TypeFromName(std::string_view s) {
    for (AttrType t : {AttrType::S, AttrType::N, AttrType::B, AttrType::BOOL, AttrType::NUL,
                       AttrType::L, AttrType::M, AttrType::SS, AttrType::NS, AttrType::BS})
        if (s == AttrTypeName(t))
            return t;
    throw JsonError("unknown attribute type " + std::string(s));
}

Condition ReadCondition(simdjson::dom::element e, int depth) {
    if (depth > 200)
        throw JsonError("condition nested too deeply");
    simdjson::dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS)
        throw JsonError("condition is not an object");
    std::string_view kind;
    if (o["k"].get_string().get(kind) != simdjson::SUCCESS)
        throw JsonError("condition has no kind");
    Condition c;
    using K = Condition::Kind;
    bool found = false;
    for (K k : {K::True, K::Compare, K::Between, K::In, K::BeginsWith, K::Contains, K::Exists,
                K::NotExists, K::TypeIs, K::And, K::Or, K::Not})
        if (kind == KindName(k)) {
            c.kind = k;
            found = true;
        }
    if (!found)
        throw JsonError("unknown condition kind " + std::string(kind));
    std::string_view s;
    if (o["a"].get_string().get(s) == simdjson::SUCCESS)
        c.attr = std::string(s);
    if (o["op"].get_string().get(s) == simdjson::SUCCESS && !ParseOp(s, c.op))
        throw JsonError("unknown operator " + std::string(s));
    if (o["t"].get_string().get(s) == simdjson::SUCCESS)
        c.type = TypeFromName(s);
    simdjson::dom::array arr;
    if (o["v"].get_array().get(arr) == simdjson::SUCCESS) {
        for (simdjson::dom::element v : arr) {
            int64_t p;
            simdjson::dom::element cv;
            if (v["p"].get_int64().get(p) == simdjson::SUCCESS) {
                c.operands.push_back(Operand::Param(static_cast<int>(p)));
            } else if (v["c"].get(cv) == simdjson::SUCCESS) {
                c.operands.push_back(Operand::Const(ParseAttributeValue(cv)));
            } else {
                throw JsonError("operand is neither a parameter nor a constant");
            }
        }
    }
    if (o["c"].get_array().get(arr) == simdjson::SUCCESS)
        for (simdjson::dom::element child : arr)
            c.children.push_back(ReadCondition(child, depth + 1));

    // Shape checks, so that rendering never reads past what is there.
    size_t need = 0;
    switch (c.kind) {
        case K::Compare:
        case K::BeginsWith:
        case K::Contains:
            need = 1;
            break;
        case K::Between:
            need = 2;
            break;
        case K::In:
            if (c.operands.empty())
                throw JsonError("IN without values");
            need = c.operands.size();
            break;
        default:
            break;
    }
    if (c.operands.size() != need)
        throw JsonError("wrong number of operands");
    if ((c.kind == K::And || c.kind == K::Or) && c.children.empty())
        throw JsonError("AND/OR without children");
    if (c.kind == K::Not && c.children.size() != 1)
        throw JsonError("NOT needs one child");
    bool needs_attr =
        !(c.kind == K::True || c.kind == K::And || c.kind == K::Or || c.kind == K::Not);
    if (needs_attr && c.attr.empty())
        throw JsonError("condition without attribute");
    return c;
}

}  // namespace

std::string ConditionToJson(const Condition &c) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    WriteCondition(w, c);
    return std::string(sb.GetString(), sb.GetSize());
}

Condition ConditionFromJson(const std::string &json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(json).get(doc) != simdjson::SUCCESS)
        throw JsonError("condition is not JSON");
    return ReadCondition(doc, 0);
}

void ConditionAttributes(const Condition &c, std::vector<std::string> &out) {
    if (!c.attr.empty()) {
        bool seen = false;
        for (const auto &a : out)
            seen = seen || a == c.attr;
        if (!seen)
            out.push_back(c.attr);
    }
    for (const auto &child : c.children)
        ConditionAttributes(child, out);
}

}  // namespace dynamo
