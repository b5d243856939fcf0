#include "client/plan_format.hpp"

#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include "client/json_codec.hpp"

namespace dynamo {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using K = Condition::Kind;

constexpr K kKinds[] = {K::True,   K::Compare,   K::Between, K::In,  K::BeginsWith, K::Contains,
                        K::Exists, K::NotExists, K::TypeIs,  K::And, K::Or,         K::Not};

const char *KindName(K k) {
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

std::string Text(const rapidjson::StringBuffer &sb) {
    return std::string(sb.GetString(), sb.GetSize());
}

void PutString(JsonWriter &w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void PutRawArray(JsonWriter &w, const char *key, const std::vector<std::string_view> &items) {
    if (items.empty())
        return;
    w.Key(key);
    w.StartArray();
    for (std::string_view item : items)
        w.RawValue(item.data(), item.size(), rapidjson::kObjectType);
    w.EndArray();
}

// The one writer of a condition's JSON: the fields a node of its kind has, with its operands and
// children given as JSON texts already written. Fields without content are left out.
std::string Node(K kind, const condition_json::Ref &attr, const CompareOp *op, const AttrType *type,
                 const std::vector<std::string_view> &operands,
                 const std::vector<std::string_view> &children) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("k");
    w.String(KindName(kind));
    if (!attr.name.empty()) {
        w.Key("a");
        PutString(w, attr.name);
        if (!attr.path.empty()) {
            w.Key("path");
            w.RawValue(attr.path.data(), attr.path.size(), rapidjson::kArrayType);
        }
    }
    if (op != nullptr) {
        w.Key("op");
        w.String(CompareOpText(*op));
    }
    if (type != nullptr) {
        w.Key("t");
        w.String(AttrTypeName(*type));
    }
    PutRawArray(w, "v", operands);
    PutRawArray(w, "c", children);
    w.EndObject();
    return Text(sb);
}

std::vector<std::string_view> Views(const std::vector<std::string> &texts) {
    return std::vector<std::string_view>(texts.begin(), texts.end());
}

// AND or OR of condition texts, without simplification.
std::string Join(K kind, const std::vector<std::string> &parts) {
    return Node(kind, std::string_view(), nullptr, nullptr, {}, Views(parts));
}

}  // namespace

// --- condition builders ---

namespace condition_json {

std::string PathJson(const std::vector<PathStep> &steps) {
    if (steps.empty())
        return std::string();
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartArray();
    for (const PathStep &step : steps) {
        if (step.is_index)
            w.Int(step.index);
        else
            PutString(w, step.key);
    }
    w.EndArray();
    return Text(sb);
}

std::string ConstOperand(const AttributeValue &value) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("c");
    WriteAttributeValue(w, value);
    w.EndObject();
    return Text(sb);
}

std::string ParamOperand(int index) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("p");
    w.Int(index);
    w.EndObject();
    return Text(sb);
}

std::string Compare(const Ref &attr, CompareOp op, std::string_view operand) {
    return Node(K::Compare, attr, &op, nullptr, {operand}, {});
}

std::string Between(const Ref &attr, std::string_view lo, std::string_view hi) {
    return Node(K::Between, attr, nullptr, nullptr, {lo, hi}, {});
}

std::string In(const Ref &attr, const std::vector<std::string> &operands) {
    return Node(K::In, attr, nullptr, nullptr, Views(operands), {});
}

std::string BeginsWith(const Ref &attr, std::string_view operand) {
    return Node(K::BeginsWith, attr, nullptr, nullptr, {operand}, {});
}

std::string Contains(const Ref &attr, std::string_view operand) {
    return Node(K::Contains, attr, nullptr, nullptr, {operand}, {});
}

std::string Exists(const Ref &attr) {
    return Node(K::Exists, attr, nullptr, nullptr, {}, {});
}

std::string NotExists(const Ref &attr) {
    return Node(K::NotExists, attr, nullptr, nullptr, {}, {});
}

std::string TypeIs(const Ref &attr, AttrType type) {
    return Node(K::TypeIs, attr, nullptr, &type, {}, {});
}

std::string Not(std::string_view child) {
    return Node(K::Not, std::string_view(), nullptr, nullptr, {}, {child});
}

std::string And(const std::vector<std::string> &parts) {
    std::vector<std::string> kept;
    for (const std::string &p : parts)
        if (!p.empty())
            kept.push_back(p);
    if (kept.size() <= 1)
        return kept.empty() ? std::string() : kept[0];
    return Join(K::And, kept);
}

std::string Or(const std::vector<std::string> &parts) {
    if (parts.empty())
        throw std::invalid_argument("OR of no conditions");
    for (const std::string &p : parts)
        if (p.empty())
            return std::string();  // TRUE absorbs
    if (parts.size() == 1)
        return parts[0];
    return Join(K::Or, parts);
}

std::string Quote(std::string_view s) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    PutString(w, s);
    return Text(sb);
}

}  // namespace condition_json

std::string OperandToJson(const Operand &o) {
    return o.is_param ? condition_json::ParamOperand(o.param)
                      : condition_json::ConstOperand(o.value);
}

std::string ConditionToJson(const Condition &c) {
    std::vector<std::string> operands, children;
    for (const Operand &o : c.operands)
        operands.push_back(OperandToJson(o));
    for (const Condition &child : c.children)
        children.push_back(ConditionToJson(child));
    std::string path = condition_json::PathJson(c.path);
    return Node(c.kind, condition_json::Ref(c.attr, path), c.kind == K::Compare ? &c.op : nullptr,
                c.kind == K::TypeIs ? &c.type : nullptr, Views(operands), Views(children));
}

// --- reading ---

namespace {

bool ParseOp(std::string_view s, CompareOp &op) {
    for (CompareOp o :
         {CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge})
        if (s == CompareOpText(o)) {
            op = o;
            return true;
        }
    return false;
}

AttrType TypeFromName(std::string_view s) {
    for (AttrType t : {AttrType::S, AttrType::N, AttrType::B, AttrType::BOOL, AttrType::NUL,
                       AttrType::L, AttrType::M, AttrType::SS, AttrType::NS, AttrType::BS})
        if (s == AttrTypeName(t))
            return t;
    throw JsonError("unknown attribute type " + std::string(s));
}

Operand ReadOperand(simdjson::dom::element e) {
    int64_t p;
    simdjson::dom::element c;
    if (e["p"].get_int64().get(p) == simdjson::SUCCESS)
        return Operand::Param(static_cast<int>(p));
    if (e["c"].get(c) == simdjson::SUCCESS)
        return Operand::Const(ParseAttributeValue(c));
    throw JsonError("operand is neither a parameter nor a constant");
}

// Shape checks, so that rendering never reads past what is there.
void CheckShape(const Condition &c) {
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
    if (!needs_attr && !c.path.empty())
        throw JsonError("a document path without attribute");
}

// The "path" member of an object: map members as strings, list positions as numbers.
std::vector<PathStep> ReadSteps(simdjson::dom::object o) {
    std::vector<PathStep> path;
    simdjson::dom::array steps;
    if (o["path"].get_array().get(steps) == simdjson::SUCCESS) {
        for (simdjson::dom::element step : steps) {
            std::string_view key;
            int64_t index;
            if (step.get_string().get(key) == simdjson::SUCCESS)
                path.push_back(PathStep::Key(std::string(key)));
            else if (step.get_int64().get(index) == simdjson::SUCCESS && index >= 0 &&
                     index <= 0x7fffffff)
                path.push_back(PathStep::Index(static_cast<int>(index)));
            else
                throw JsonError("a document path step must be a name or a list position");
        }
    }
    return path;
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
    bool found = false;
    for (K k : kKinds)
        if (kind == KindName(k)) {
            c.kind = k;
            found = true;
        }
    if (!found)
        throw JsonError("unknown condition kind " + std::string(kind));
    std::string_view s;
    if (o["a"].get_string().get(s) == simdjson::SUCCESS)
        c.attr = std::string(s);
    c.path = ReadSteps(o);
    if (o["op"].get_string().get(s) == simdjson::SUCCESS && !ParseOp(s, c.op))
        throw JsonError("unknown operator " + std::string(s));
    if (o["t"].get_string().get(s) == simdjson::SUCCESS)
        c.type = TypeFromName(s);
    simdjson::dom::array arr;
    if (o["v"].get_array().get(arr) == simdjson::SUCCESS)
        for (simdjson::dom::element v : arr)
            c.operands.push_back(ReadOperand(v));
    if (o["c"].get_array().get(arr) == simdjson::SUCCESS)
        for (simdjson::dom::element child : arr)
            c.children.push_back(ReadCondition(child, depth + 1));
    CheckShape(c);
    return c;
}

simdjson::dom::element ParseJson(simdjson::dom::parser &parser, const std::string &json,
                                 const char *what) {
    simdjson::dom::element doc;
    if (parser.parse(json).get(doc) != simdjson::SUCCESS)
        throw JsonError(std::string(what) + " is not JSON");
    return doc;
}

// The fields of a plan object, each with its default when absent or of another JSON type.
struct PlanFields {
    simdjson::dom::object root;

    std::string Str(const char *field, const char *fallback = "") {
        std::string_view s;
        return root[field].get_string().get(s) == simdjson::SUCCESS ? std::string(s) : fallback;
    }
    int64_t Int(const char *field) {
        int64_t v;
        return root[field].get_int64().get(v) == simdjson::SUCCESS ? v : 0;
    }
    bool Bool(const char *field, bool fallback) {
        bool v;
        return root[field].get_bool().get(v) == simdjson::SUCCESS ? v : fallback;
    }
    Condition Cond(const char *field) {
        simdjson::dom::element e;
        if (root[field].get(e) != simdjson::SUCCESS || e.is_null())
            return Condition::MakeTrue();
        return ReadCondition(e, 0);
    }
    bool Array(const char *field, simdjson::dom::array &out) {
        return root[field].get_array().get(out) == simdjson::SUCCESS;
    }
};

ReadPlan::Kind OperationFromName(const std::string &op) {
    for (ReadPlan::Kind k : {ReadPlan::Kind::Scan, ReadPlan::Kind::Query, ReadPlan::Kind::GetItem,
                             ReadPlan::Kind::BatchGetItem})
        if (op == ReadOperationName(k))
            return k;
    throw JsonError("unknown read operation " + op);
}

void WriteOperands(JsonWriter &w, const char *key, const std::vector<Operand> &operands) {
    w.Key(key);
    w.StartArray();
    for (const Operand &o : operands) {
        std::string text = OperandToJson(o);
        w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
    }
    w.EndArray();
}

void WriteCondition(JsonWriter &w, const char *key, const Condition &c) {
    std::string text = ConditionToJson(c);
    w.Key(key);
    w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
}

void WriteKeys(JsonWriter &w,
               const std::vector<std::vector<std::pair<std::string, Operand>>> &keys) {
    w.Key("keys");
    w.StartArray();
    for (const auto &key : keys) {
        w.StartObject();
        for (const auto &field : key) {
            PutString(w, field.first);
            std::string text = OperandToJson(field.second);
            w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
        }
        w.EndObject();
    }
    w.EndArray();
}

}  // namespace

Condition ConditionFromJson(const std::string &json) {
    simdjson::dom::parser parser;
    return ReadCondition(ParseJson(parser, json, "condition"), 0);
}

Operand OperandFromJson(const std::string &json) {
    simdjson::dom::parser parser;
    return ReadOperand(ParseJson(parser, json, "operand"));
}

// --- read plans ---

const char *ReadOperationName(ReadPlan::Kind kind) {
    switch (kind) {
        case ReadPlan::Kind::Scan:
            return "Scan";
        case ReadPlan::Kind::Query:
            return "Query";
        case ReadPlan::Kind::GetItem:
            return "GetItem";
        case ReadPlan::Kind::BatchGetItem:
            return "BatchGetItem";
    }
    return "Scan";
}

std::string WritePlanJson(const ReadPlanSpec &spec) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("op");
    w.String(ReadOperationName(spec.op));
    w.Key("table");
    PutString(w, spec.table);
    if (!spec.index.empty()) {
        w.Key("index");
        PutString(w, spec.index);
    }
    if (!spec.partition.empty())
        WriteOperands(w, "partition", spec.partition);
    if (!spec.key.IsTrue())
        WriteCondition(w, "key", spec.key);
    if (!spec.keys.empty())
        WriteKeys(w, spec.keys);
    if (!spec.filter.IsTrue())
        WriteCondition(w, "filter", spec.filter);
    if (spec.has_projection) {
        w.Key("projection");
        w.StartArray();
        for (const DocumentPath &a : spec.projection) {
            if (a.path.empty()) {
                PutString(w, a.attr);
                continue;
            }
            w.StartObject();
            w.Key("a");
            PutString(w, a.attr);
            w.Key("path");
            std::string steps = condition_json::PathJson(a.path);
            w.RawValue(steps.data(), steps.size(), rapidjson::kArrayType);
            w.EndObject();
        }
        w.EndArray();
    }
    if (!spec.forward) {
        w.Key("forward");
        w.Bool(false);
    }
    const std::pair<const char *, int64_t> numbers[] = {
        {"limit", spec.limit}, {"page_size", spec.page_size}, {"segments", spec.segments}};
    for (const auto &n : numbers)
        if (n.second != 0) {
            w.Key(n.first);
            w.Int64(n.second);
        }
    if (spec.consistent) {
        w.Key("consistent");
        w.Bool(true);
    }
    if (spec.count) {
        w.Key("count");
        w.Bool(true);
    }
    w.EndObject();
    return Text(sb);
}

ReadPlanSpec ParsePlanJson(const std::string &json) {
    simdjson::dom::parser parser;
    PlanFields pf;
    if (ParseJson(parser, json, "read plan").get_object().get(pf.root) != simdjson::SUCCESS)
        throw JsonError("read plan is not a JSON object");
    ReadPlanSpec spec;
    spec.op = OperationFromName(pf.Str("op", "Scan"));
    spec.table = pf.Str("table");
    spec.index = pf.Str("index");
    spec.key = pf.Cond("key");
    spec.filter = pf.Cond("filter");
    simdjson::dom::array arr;
    if (pf.Array("partition", arr))
        for (simdjson::dom::element e : arr)
            spec.partition.push_back(ReadOperand(e));
    if (pf.Array("keys", arr)) {
        for (simdjson::dom::element k : arr) {
            simdjson::dom::object ko;
            if (k.get_object().get(ko) != simdjson::SUCCESS)
                throw JsonError("a key must be an object");
            std::vector<std::pair<std::string, Operand>> key;
            for (auto field : ko)
                key.emplace_back(std::string(field.key), ReadOperand(field.value));
            spec.keys.push_back(std::move(key));
        }
    }
    if (pf.Array("projection", arr)) {
        spec.has_projection = true;
        for (simdjson::dom::element a : arr) {
            std::string_view s;
            simdjson::dom::object o;
            if (a.get_string().get(s) == simdjson::SUCCESS) {
                spec.projection.emplace_back(std::string(s));
            } else if (a.get_object().get(o) == simdjson::SUCCESS &&
                       o["a"].get_string().get(s) == simdjson::SUCCESS) {
                spec.projection.emplace_back(std::string(s), ReadSteps(o));
            } else {
                throw JsonError("projection entries must be names or document paths");
            }
        }
    }
    spec.forward = pf.Bool("forward", true);
    spec.limit = pf.Int("limit");
    spec.page_size = pf.Int("page_size");
    spec.segments = pf.Int("segments");
    spec.consistent = pf.Bool("consistent", false);
    spec.count = pf.Bool("count", false);
    return spec;
}

}  // namespace dynamo
