#include "client/expression.hpp"

#include <algorithm>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

const char *CompareOpText(CompareOp op) {
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

namespace {

std::string PathWith(const std::string &attr, const std::vector<PathStep> &path,
                     const std::function<std::string(const std::string &)> &name) {
    std::string s = name(attr);
    for (const PathStep &step : path)
        s += step.is_index ? "[" + std::to_string(step.index) + "]" : "." + name(step.key);
    return s;
}

// Renders with callbacks for names and values; `top` avoids parentheses at the outermost level.
std::string RenderWith(const Condition &c,
                       const std::function<std::string(const std::string &)> &bare_name,
                       const std::function<std::string(const Operand &)> &value, bool top) {
    using K = Condition::Kind;
    // Every attribute reference of a leaf is the attribute followed by its document path.
    auto name = [&](const std::string &a) { return PathWith(a, c.path, bare_name); };
    switch (c.kind) {
        case K::True:
            return "";
        case K::Compare:
            return name(c.attr) + " " + CompareOpText(c.op) + " " + value(c.operands[0]);
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
            // A child of the same kind needs no parentheses of its own: every level of them
            // costs an expression parser that backtracks (dynalite's) several times the time.
            std::string s;
            for (size_t i = 0; i < c.children.size(); i++) {
                if (i > 0)
                    s += c.kind == K::And ? " AND " : " OR ";
                s += RenderWith(c.children[i], bare_name, value, c.children[i].kind == c.kind);
            }
            return top ? s : "(" + s + ")";
        }
        case K::Not: {
            // NOT binds looser than comparisons in DynamoDB's grammar, but not every
            // implementation agrees: its operand is always parenthesized.
            const Condition &child = c.children[0];
            std::string inner = RenderWith(child, bare_name, value, false);
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

std::string RenderProjection(const std::vector<DocumentPath> &paths, Placeholders &ph) {
    std::string s;
    for (size_t i = 0; i < paths.size(); i++) {
        if (i > 0)
            s += ", ";
        s += RenderPath(paths[i].attr, paths[i].path, ph);
    }
    return s;
}

std::string RenderPath(const std::string &attr, const std::vector<PathStep> &path,
                       Placeholders &ph) {
    return PathWith(attr, path, [&](const std::string &a) { return ph.Name(a); });
}

std::string InlineName(const std::string &attr) {
    return PlainIdentifier(attr) ? attr : QuoteJsonString(attr);
}

std::string InlinePath(const std::string &attr, const std::vector<PathStep> &path) {
    return PathWith(attr, path, InlineName);
}

std::string InlineOperand(const Operand &o) {
    return o.is_param ? "$" + std::to_string(o.param + 1) : InlineValue(o.value);
}

std::string RenderInline(const Condition &c) {
    return RenderWith(c, InlineName, InlineOperand, true);
}

int ExpressionDepth(const std::string &text) {
    int depth = 0, deepest = 0;
    for (char ch : text) {
        if (ch == '(')
            deepest = std::max(deepest, ++depth);
        else if (ch == ')')
            depth--;
    }
    return deepest;
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
