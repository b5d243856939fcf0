#include "client/read_plan.hpp"

#include <simdjson.h>

#include "client/number_text.hpp"
#include "client/json_codec.hpp"

namespace dynamo {
namespace {

// Key values equal as DynamoDB compares them: numbers by value ("01" is "1").
bool SameKeyValue(const AttributeValue &a, const AttributeValue &b) {
    if (a.type == AttrType::N && b.type == AttrType::N)
        return CompareDecimal(a.str, b.str) == 0;
    return a == b;
}

// Whether key value a sorts before b or equals it, as DynamoDB orders keys: numbers by value,
// strings and binaries by their bytes.
bool InOrder(const AttributeValue &a, const AttributeValue &b) {
    if (a.type != b.type)
        return true;  // not a range DynamoDB can order: let it say so
    if (a.type == AttrType::N)
        return CompareDecimal(a.str, b.str) <= 0;
    return a.str.compare(b.str) <= 0;
}

bool SameKey(const Item &a, const Item &b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (a[i].first != b[i].first || !SameKeyValue(a[i].second, b[i].second))
            return false;
    return true;
}

struct PlanJson {
    simdjson::dom::parser parser;
    simdjson::dom::object root;

    explicit PlanJson(const std::string &json) {
        simdjson::dom::element doc;
        if (parser.parse(json).get(doc) != simdjson::SUCCESS || doc.get_object().get(root))
            throw JsonError("read plan is not a JSON object");
    }
    std::string Str(const char *field, const char *fallback = "") {
        std::string_view s;
        return root[field].get_string().get(s) == simdjson::SUCCESS ? std::string(s) : fallback;
    }
    int64_t Int(const char *field, int64_t fallback = 0) {
        int64_t v;
        return root[field].get_int64().get(v) == simdjson::SUCCESS ? v : fallback;
    }
    bool Bool(const char *field, bool fallback) {
        bool v;
        return root[field].get_bool().get(v) == simdjson::SUCCESS ? v : fallback;
    }
    bool Has(const char *field) {
        simdjson::dom::element e;
        return root[field].get(e) == simdjson::SUCCESS && !e.is_null();
    }
    Condition Cond(const char *field) {
        simdjson::dom::element e;
        if (root[field].get(e) != simdjson::SUCCESS || e.is_null())
            return Condition::MakeTrue();
        return ConditionFromJson(simdjson::minify(e));
    }
};

Operand ReadOperand(simdjson::dom::element e) {
    int64_t p;
    simdjson::dom::element c;
    if (e["p"].get_int64().get(p) == simdjson::SUCCESS)
        return Operand::Param(static_cast<int>(p));
    if (e["c"].get(c) == simdjson::SUCCESS)
        return Operand::Const(ParseAttributeValue(c));
    throw JsonError("operand is neither a parameter nor a constant");
}

const AttributeValue &Resolve(const Operand &o, const std::vector<AttributeValue> &params) {
    if (!o.is_param)
        return o.value;
    if (o.param < 0 || static_cast<size_t>(o.param) >= params.size())
        throw JsonError("parameter out of range");
    return params[static_cast<size_t>(o.param)];
}

}  // namespace

namespace {

// A plan JSON read once: everything but the parameter values, which each execution supplies.
struct PlanTemplate {
    ReadPlan::Kind kind = ReadPlan::Kind::Scan;
    std::string table;
    std::string index;
    bool forward = true;
    bool consistent = false;
    bool count = false;
    int64_t page_size = 0;
    int64_t limit = 0;
    int64_t segments = 0;
    Condition key;
    std::vector<Operand> partition;
    Condition filter;
    bool has_projection = false;
    std::vector<std::string> projection;
    std::vector<std::vector<std::pair<std::string, Operand>>> keys;
};

PlanTemplate ReadTemplate(const std::string &plan_json) {
    PlanJson pj(plan_json);
    PlanTemplate t;
    std::string op = pj.Str("op", "Scan");
    if (op == "Scan")
        t.kind = ReadPlan::Kind::Scan;
    else if (op == "Query")
        t.kind = ReadPlan::Kind::Query;
    else if (op == "GetItem")
        t.kind = ReadPlan::Kind::GetItem;
    else if (op == "BatchGetItem")
        t.kind = ReadPlan::Kind::BatchGetItem;
    else
        throw JsonError("unknown read operation " + op);
    t.table = pj.Str("table");
    t.index = pj.Str("index");
    t.forward = pj.Bool("forward", true);
    t.consistent = pj.Bool("consistent", false);
    t.count = pj.Bool("count", false);
    t.page_size = pj.Int("page_size", 0);
    t.limit = pj.Int("limit", 0);
    t.segments = pj.Int("segments", 0);
    t.key = pj.Cond("key");
    if (t.kind == ReadPlan::Kind::Query) {
        // The partition key equality is the key condition's first part; it gets a placeholder of
        // its own so that several partition values can take turns.
        const Condition *eq = t.key.kind == Condition::Kind::And ? &t.key.children.at(0) : &t.key;
        if (eq->kind != Condition::Kind::Compare || eq->op != CompareOp::Eq)
            throw JsonError("a Query's key condition must start with the partition key equality");
        simdjson::dom::array parts;
        if (pj.root["partition"].get_array().get(parts) == simdjson::SUCCESS)
            for (simdjson::dom::element e : parts)
                t.partition.push_back(ReadOperand(e));
    }
    t.filter = pj.Cond("filter");
    simdjson::dom::array proj;
    if (pj.root["projection"].get_array().get(proj) == simdjson::SUCCESS) {
        t.has_projection = true;
        for (simdjson::dom::element a : proj) {
            std::string_view s;
            if (a.get_string().get(s) != simdjson::SUCCESS)
                throw JsonError("projection entries must be strings");
            t.projection.emplace_back(s);
        }
    }
    simdjson::dom::array keys;
    if (pj.root["keys"].get_array().get(keys) == simdjson::SUCCESS) {
        for (simdjson::dom::element k : keys) {
            simdjson::dom::object ko;
            if (k.get_object().get(ko) != simdjson::SUCCESS)
                throw JsonError("a key must be an object");
            std::vector<std::pair<std::string, Operand>> key;
            for (auto field : ko)
                key.emplace_back(std::string(field.key), ReadOperand(field.value));
            t.keys.push_back(std::move(key));
        }
    }
    return t;
}

}  // namespace

ReadPlan BuildReadPlan(const std::string &plan_json, const std::vector<AttributeValue> &params) {
    const PlanTemplate t = ReadTemplate(plan_json);
    ReadPlan plan;
    plan.kind = t.kind;
    ReadRequest &r = plan.request;
    r.query = plan.kind == ReadPlan::Kind::Query;
    r.table = t.table;
    r.index = t.index;
    r.scan_forward = t.forward;
    r.consistent_read = t.consistent;
    r.count_only = t.count;
    r.limit = t.page_size;
    if (t.limit > 0 && (r.limit == 0 || t.limit < r.limit))
        r.limit = t.limit;
    // A read with a limit may need only its first page: nothing is requested ahead.
    plan.prefetch = t.limit <= 0;
    if (t.segments > 1) {
        r.total_segments = static_cast<int>(t.segments);
        r.segment = 0;
    }

    Placeholders ph;
    ph.param_value = [&](int i) -> const AttributeValue & {
        return Resolve(Operand::Param(i), params);
    };

    if (plan.kind == ReadPlan::Kind::Query) {
        const Condition &key = t.key;
        const Condition &eq = key.kind == Condition::Kind::And ? key.children.at(0) : key;
        std::string pk = ph.Name(eq.attr);
        std::string pv = ph.UniqueValue(Resolve(eq.operands[0], params));
        plan.partition_placeholder = pv;
        std::string text = pk + " = " + pv;
        if (key.kind == Condition::Kind::And)
            for (size_t i = 1; i < key.children.size(); i++) {
                const Condition &c = key.children[i];
                if (c.kind == Condition::Kind::Between &&
                    !InOrder(Resolve(c.operands[0], params), Resolve(c.operands[1], params)))
                    plan.empty = true;  // DynamoDB refuses such a range; SQL finds nothing
                text += " AND " + Render(c, ph);
            }
        r.key_condition = text;

        for (const Operand &operand : t.partition) {
            const AttributeValue &v = Resolve(operand, params);
            bool seen = false;
            for (const auto &x : plan.partition_values)
                seen = seen || SameKeyValue(x, v);
            if (!seen)
                plan.partition_values.push_back(v);
        }
        if (!plan.partition_values.empty()) {
            for (auto &v : ph.mutable_values())
                if (v.first == pv)
                    v.second = plan.partition_values[0];
        }
    }
    r.filter = Render(t.filter, ph);
    if (t.has_projection)
        r.projection = RenderProjection(t.projection, ph);

    for (const auto &key : t.keys) {
        Item item;
        item.reserve(key.size());
        for (const auto &field : key)
            item.emplace_back(field.first, Resolve(field.second, params));
        bool seen = false;
        for (const Item &x : plan.keys)
            seen = seen || SameKey(x, item);
        if (!seen)
            plan.keys.push_back(std::move(item));
    }
    if (plan.kind == ReadPlan::Kind::GetItem && plan.keys.size() != 1)
        throw JsonError("GetItem needs exactly one key");

    r.names = ph.names();
    r.values = ph.values();
    return plan;
}

std::vector<std::pair<std::string, std::string>> DescribeReadPlan(const std::string &plan_json) {
    PlanJson pj(plan_json);
    std::vector<std::pair<std::string, std::string>> out;
    std::string op = pj.Str("op", "Scan");
    if (pj.Bool("count", false))
        op += " (Select COUNT)";
    out.emplace_back("DynamoDB Operation", op);
    out.emplace_back("DynamoDB Table", pj.Str("table"));
    if (pj.Has("index"))
        out.emplace_back("DynamoDB Index", pj.Str("index"));
    if (pj.Has("key")) {
        std::string key = RenderInline(pj.Cond("key"));
        simdjson::dom::array parts;
        if (pj.root["partition"].get_array().get(parts) == simdjson::SUCCESS) {
            std::string values;
            for (simdjson::dom::element e : parts) {
                if (!values.empty())
                    values += ", ";
                values += InlineOperand(ReadOperand(e));
            }
            out.emplace_back("DynamoDB Partition Values", values);
        }
        out.emplace_back("DynamoDB Key Condition", key);
    }
    simdjson::dom::array keys;
    if (pj.root["keys"].get_array().get(keys) == simdjson::SUCCESS) {
        std::string text;
        for (simdjson::dom::element k : keys) {
            if (!text.empty())
                text += ", ";
            text += "{";
            bool first = true;
            for (auto field : k.get_object()) {
                if (!first)
                    text += ", ";
                first = false;
                std::string name(field.key);
                std::string cond =
                    RenderInline(Condition::Compare(name, CompareOp::Eq, ReadOperand(field.value)));
                text += cond;
            }
            text += "}";
        }
        out.emplace_back("DynamoDB Keys", text);
    }
    if (pj.Has("filter"))
        out.emplace_back("DynamoDB Filter", RenderInline(pj.Cond("filter")));
    simdjson::dom::array proj;
    if (pj.root["projection"].get_array().get(proj) == simdjson::SUCCESS) {
        std::string text;
        for (simdjson::dom::element a : proj) {
            if (!text.empty())
                text += ", ";
            std::string_view s = a.get_string();
            text += InlineName(std::string(s));
        }
        out.emplace_back("DynamoDB Projection", text);
    }
    if (!pj.Bool("forward", true))
        out.emplace_back("DynamoDB Scan Direction", "Backward");
    if (pj.Int("limit", 0) > 0)
        out.emplace_back("DynamoDB Limit", std::to_string(pj.Int("limit")));
    if (pj.Int("segments", 0) > 1)
        out.emplace_back("DynamoDB Segments", std::to_string(pj.Int("segments")));
    if (pj.Bool("consistent", false))
        out.emplace_back("DynamoDB Consistent Read", "true");
    return out;
}

std::string FirstRequestBody(const ReadPlan &plan) {
    switch (plan.kind) {
        case ReadPlan::Kind::Scan:
        case ReadPlan::Kind::Query:
            return DynamoClient::ReadRequestBody(plan.request, Item());
        case ReadPlan::Kind::GetItem:
            return DynamoClient::GetItemBody(plan.request, plan.keys.at(0));
        case ReadPlan::Kind::BatchGetItem: {
            std::vector<Item> first(
                plan.keys.begin(),
                plan.keys.begin() + static_cast<long>(std::min<size_t>(plan.keys.size(), 100)));
            return DynamoClient::BatchGetItemBody(plan.request, first);
        }
    }
    return "";
}

}  // namespace dynamo
