#include "client/read_plan.hpp"

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

const AttributeValue &Resolve(const Operand &o, const std::vector<AttributeValue> &params) {
    if (!o.is_param)
        return o.value;
    if (o.param < 0 || static_cast<size_t>(o.param) >= params.size())
        throw JsonError("parameter out of range");
    return params[static_cast<size_t>(o.param)];
}

}  // namespace

ReadPlan BuildReadPlan(const ReadPlanSpec &t, const std::vector<AttributeValue> &params) {
    ReadPlan plan;
    plan.kind = t.op;
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
        // The partition key equality is the key condition's first part; it gets a placeholder of
        // its own so that several partition values can take turns.
        const Condition &key = t.key;
        const Condition &eq = key.kind == Condition::Kind::And ? key.children.at(0) : key;
        if (eq.kind != Condition::Kind::Compare || eq.op != CompareOp::Eq)
            throw JsonError("a Query's key condition must start with the partition key equality");
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

ReadPlan BuildReadPlan(const std::string &plan_json, const std::vector<AttributeValue> &params) {
    return BuildReadPlan(ParsePlanJson(plan_json), params);
}

std::vector<std::pair<std::string, std::string>> DescribeReadPlan(const ReadPlanSpec &spec) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string op = ReadOperationName(spec.op);
    if (spec.count)
        op += " (Select COUNT)";
    out.emplace_back("DynamoDB Operation", op);
    out.emplace_back("DynamoDB Table", spec.table);
    if (!spec.index.empty())
        out.emplace_back("DynamoDB Index", spec.index);
    if (!spec.key.IsTrue()) {
        if (!spec.partition.empty()) {
            std::string values;
            for (const Operand &o : spec.partition) {
                if (!values.empty())
                    values += ", ";
                values += InlineOperand(o);
            }
            out.emplace_back("DynamoDB Partition Values", values);
        }
        out.emplace_back("DynamoDB Key Condition", RenderInline(spec.key));
    }
    if (!spec.keys.empty()) {
        std::string text;
        for (const auto &key : spec.keys) {
            if (!text.empty())
                text += ", ";
            text += "{";
            for (size_t i = 0; i < key.size(); i++) {
                if (i > 0)
                    text += ", ";
                text +=
                    RenderInline(Condition::Compare(key[i].first, CompareOp::Eq, key[i].second));
            }
            text += "}";
        }
        out.emplace_back("DynamoDB Keys", text);
    }
    if (!spec.filter.IsTrue())
        out.emplace_back("DynamoDB Filter", RenderInline(spec.filter));
    if (spec.has_projection) {
        std::string text;
        for (const DocumentPath &a : spec.projection) {
            if (!text.empty())
                text += ", ";
            text += InlinePath(a.attr, a.path);
        }
        out.emplace_back("DynamoDB Projection", text);
    }
    if (!spec.forward)
        out.emplace_back("DynamoDB Scan Direction", "Backward");
    if (spec.limit > 0)
        out.emplace_back("DynamoDB Limit", std::to_string(spec.limit));
    if (spec.segments > 1)
        out.emplace_back("DynamoDB Segments", std::to_string(spec.segments));
    if (spec.consistent)
        out.emplace_back("DynamoDB Consistent Read", "true");
    return out;
}

std::vector<std::pair<std::string, std::string>> DescribeReadPlan(const std::string &plan_json) {
    return DescribeReadPlan(ParsePlanJson(plan_json));
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
